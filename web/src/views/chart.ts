/**
 * uPlot set up the same way for every line chart: sized to its container (ResizeObserver), a live
 * legend that shows the hovered values with full precision, non-finite values drawn as gaps.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { onWidth } from "./dom";

export interface ChartSpec {
  height: number;
  xLabel: string;
  yLabel: string;
  series: uPlot.Series[];
  /** extra options merged in (scales, hooks, cursor) */
  extra?: Partial<uPlot.Options>;
}

/** A chart in `host`; returns a setter for its data (columnar: [x, y1, y2, ...]). */
export class Chart {
  readonly plot: uPlot;
  /** the host's width, kept from the ResizeObserver (reading clientWidth while painting would force a layout) */
  width: number;
  constructor(host: HTMLElement, spec: ChartSpec) {
    const width = Math.max(200, host.clientWidth || 600);
    const opts: uPlot.Options = {
      width,
      height: spec.height,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      axes: [
        { label: spec.xLabel, size: 36, labelSize: 16, font: "11px system-ui, sans-serif", labelFont: "12px system-ui, sans-serif" },
        { label: spec.yLabel, size: 52, labelSize: 16, font: "11px system-ui, sans-serif", labelFont: "12px system-ui, sans-serif" },
      ],
      series: [{ label: spec.xLabel, value: (_u, v) => (v === null || v === undefined ? "–" : String(v)) }, ...spec.series],
      ...spec.extra,
    };
    if (spec.extra?.scales) opts.scales = { x: { time: false }, ...spec.extra.scales };
    const empty: uPlot.AlignedData = spec.series.reduce<(number | null)[][]>((a) => (a.push([]), a), [[]]) as unknown as uPlot.AlignedData;
    this.plot = new uPlot(opts, empty, host);
    this.width = width;
    onWidth(host, (w) => {
      this.width = Math.max(200, w);
      this.plot.setSize({ width: this.width, height: spec.height });
    });
  }

  /** Sets the data and draws now (uPlot's batch), so the caller's timing includes the drawing. */
  setData(data: (ArrayLike<number | null>)[]): void {
    this.plot.batch(() => this.plot.setData(data as unknown as uPlot.AlignedData));
  }
}

/** v as a uPlot value: null for NaN and ±Infinity (drawn as a gap). */
export function finiteOrNull(v: number): number | null {
  return v > -Infinity && v < Infinity ? v : null;
}
