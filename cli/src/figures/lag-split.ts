/**
 * Figure "lag split": the shared recurrent weights' gradient split by how far back each part was sent,
 * dWaa = Σ_L S_L with S_L = Σ_{t-k=L} (the loss at t's contribution through Waa's use at step k).
 * Left: log10‖S_L‖ against the lag L. Right: the tail fraction ‖Σ_{L'≥L} S_L'‖ / ‖dWaa‖, the part of
 * the gradient that carries information from L or more steps back.
 */
import { decimateMinMax } from "./decimate";
import { createFigure, figureToSvg, headerHeight } from "./figure";
import { formatPow10 } from "./format-pow10";
import { drawLegend, legendColumns, legendSize, type LegendItem } from "./legend";
import { drawLine } from "./marks";
import { addPanel, niceExtent, panelScales } from "./panel";
import { seriesColor } from "./theme";

export interface LagSplitData {
  /** lags L = 0..maxLag-1 are resolved one by one */
  maxLag: number;
  series: readonly {
    key: string; label: string;
    /** log10‖S_L‖ at index L */
    log10Lag: readonly (number | null)[];
    /** log10 (‖Σ_{L'≥L} S_L'‖ / ‖dWaa‖) at index L */
    log10TailFraction: readonly (number | null)[];
  }[];
}

const WIDTH = 760;

/** The figure as SVG text. */
export function lagSplitFigure(d: LagSplitData): string {
  const { maxLag } = d;
  const probe = Math.min(maxLag - 1, maxLag > 100 ? 100 : Math.max(1, Math.floor(maxLag / 2)));
  const items: LegendItem[] = d.series.map((s, i) => ({
    label: `${s.label}: lags ≥ ${probe} carry ${formatPow10(s.log10TailFraction[probe] ?? null, 1)} of dWaa`,
    color: seriesColor(s.key, i), kind: "line",
  }));
  const columns = legendColumns(items, WIDTH - 72 - 24);
  const [, lh] = legendSize(items, columns);
  const top = headerHeight(2) + 30, plotH = 280, gapX = 80;
  const panelW = (WIDTH - 72 - 24 - gapX) / 2;
  const height = top + plotH + 52 + lh + 12;
  const fig = createFigure(WIDTH, height, {
    title: "The lag split: what the shared weights learn from, by distance",
    subtitle: [
      "With a loss at every step, dWaa = Σ_L S_L, where S_L gathers every loss sent back L steps to where Waa acted.",
      "The deep lags are products of L step Jacobians: where they vanish, Waa learns only from the recent past.",
    ],
  });
  const ls = Array.from({ length: maxLag }, (_, L) => L);
  const xDomain: [number, number] = [0, Math.max(1, maxLag - 1)];
  const boxL = { left: 72, top, width: panelW, height: plotH };
  const sL = panelScales(boxL, xDomain, niceExtent(d.series.flatMap((s) => s.log10Lag)));
  const gL = addPanel(fig, boxL, { ...sL, xLabel: "lag L", yLabel: "log10 ‖S_L‖", xTicks: 5, title: "each lag's part S_L" });
  const boxR = { left: 72 + panelW + gapX, top, width: panelW, height: plotH };
  const sR = panelScales(boxR, xDomain, niceExtent(d.series.flatMap((s) => s.log10TailFraction), [0]));
  const gR = addPanel(fig, boxR, { ...sR, xLabel: "lag L", yLabel: "log10 ‖Σ_{L'≥L} S_L'‖ / ‖dWaa‖", xTicks: 5, title: "the tail: lags L and beyond", yReference: 0 });
  d.series.forEach((s, i) => {
    const color = seriesColor(s.key, i);
    drawLine(gL, decimateMinMax(ls, s.log10Lag, boxL.width), sL.x, sL.y, { color, width: 1.8 });
    drawLine(gR, decimateMinMax(ls, s.log10TailFraction, boxR.width), sR.x, sR.y, { color, width: 1.8 });
  });
  drawLegend(fig.svg, items, boxL.left, top + plotH + 48, columns);
  return figureToSvg(fig);
}
