/**
 * The shared recurrent-weight gradient split by lag (core's lagSplit): dWaa = Σ_L S_L, where S_L
 * gathers every term in which the loss at step t reached the weights' use at step k = t - L. One bar
 * per lag L < maxLag, log10‖S_L‖, and a last bar for the remainder Σ_{L≥maxLag} S_L. It answers "the
 * weights are shared, so why does the gradient vanish": the deep lags are there, only exponentially
 * small, so dWaa is made of the short lags.
 */
import uPlot from "uplot";
import { Chart, finiteOrNull } from "./chart";
import { fmtLog, fmtNum, fmtPow10 } from "./format";
import type { LagView } from "../analyzer";

export class LagBars {
  private readonly chart: Chart;
  private readonly info: HTMLElement;
  private maxLag = 0;

  constructor(host: HTMLElement, info: HTMLElement) {
    this.info = info;
    const bars = uPlot.paths.bars!({ size: [0.8, 40, 1], align: 0 });
    this.chart = new Chart(host, {
      height: 220,
      xLabel: "lag L = t − k",
      yLabel: "log10 ‖S_L‖",
      series: [
        { label: "log10‖S_L‖", stroke: "#1d3557", fill: "#457b9dcc", paths: bars, points: { show: false }, value: (_u, v) => fmtLog(v),
          fillTo: (u) => u.scales.y.min ?? 0 },
        { label: "remainder L ≥ maxLag", stroke: "#e4572e", fill: "#e4572ecc", paths: bars, points: { show: false }, value: (_u, v) => fmtLog(v),
          fillTo: (u) => u.scales.y.min ?? 0 },
      ],
      extra: {
        scales: {
          x: { time: false, range: (_u, min, max) => [min - 1, max + 1] },
          y: { range: (_u, min, max) => [Math.floor(min - 1), Math.ceil(max + 0.5)] },
        },
      },
    });
    this.chart.plot.series[0].label = "log10‖S_L‖";
  }

  update(lag: LagView | null, T: number): void {
    if (!lag) {
      this.chart.setData([[], [], []]);
      return;
    }
    const M = lag.maxLag;
    this.maxLag = M;
    const x: number[] = [], y: (number | null)[] = [], r: (number | null)[] = [];
    for (let L = 0; L < Math.min(M, T); L++) { x.push(L); y.push(finiteOrNull(lag.log10Lag[L])); r.push(null); }
    if (M < T) { x.push(M); y.push(null); r.push(finiteOrNull(lag.remainderLog10)); }
    this.chart.setData([x, y, r]);
    const parts = [`‖dWaa‖ = ${fmtPow10(lag.log10DWaa)} (log10 ${fmtLog(lag.log10DWaa)}).`];
    for (const L of [1, 10, 100]) {
      if (L < Math.min(M, T)) parts.push(`Lags ≥ ${L} together: ${fmtNum(lag.tailFraction[L], 3)} of ‖dWaa‖.`);
    }
    parts.push(M < T ? `Lags ≥ ${M} are lumped into the last bar (log10 ${fmtLog(lag.remainderLog10)}); maxLag is sized to the time budget.` : `All ${T} lags shown.`);
    this.info.textContent = parts.join(" ");
  }

  get lags(): number {
    return this.maxLag;
  }
}
