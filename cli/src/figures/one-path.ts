/**
 * Figure "one path": log10‖dJ/da<t>‖ against t for each model, with the loss on the last step only.
 * There is one way back from the loss to step t, through every step Jacobian J_T ⋯ J_{t+1}, so the
 * curve's slope is the average log10 shrink (or growth) per step.
 */
import { decimateMinMax } from "./decimate";
import { createFigure, figureToSvg, headerHeight } from "./figure";
import { formatPow10 } from "./format-pow10";
import { drawLegend, legendColumns, legendSize, type LegendItem } from "./legend";
import { drawLine } from "./marks";
import { addPanel, niceExtent, panelScales } from "./panel";
import { seriesColor } from "./theme";

export interface OnePathData {
  T: number;
  /** one per model: log10‖dJ/da<t>‖ at index t-1, t = 1..T (null where it is exactly zero) */
  series: readonly { key: string; label: string; log10: readonly (number | null)[] }[];
}

const WIDTH = 760;

/** The figure as SVG text. */
export function onePathFigure(d: OnePathData): string {
  const { T } = d;
  const items: LegendItem[] = d.series.map((s, i) => ({
    label: `${s.label}: ${formatPow10(s.log10[0], 1)} at t = 1, ${formatPow10(s.log10[T - 1], 1)} at t = ${T}`,
    color: seriesColor(s.key, i), kind: "line",
  }));
  const columns = legendColumns(items, WIDTH - 72 - 24);
  const [, lh] = legendSize(items, columns);
  const top = headerHeight(2) + 12, plotH = 300;
  const box = { left: 72, top, width: WIDTH - 72 - 24, height: plotH };
  const height = top + plotH + 52 + lh + 12;
  const fig = createFigure(WIDTH, height, {
    title: "One path: the loss sits on the last step only",
    subtitle: [
      `How much gradient reaches step t from the loss at t = ${T}. Each step back multiplies by one more`,
      "step Jacobian: dJ/da<t-1> = J_tᵀ · dJ/da<t>, with J_t = ∂a<t>/∂a<t-1> built from the same shared weights.",
    ],
  });
  const { x, y } = panelScales(box, [1, T], niceExtent(d.series.flatMap((s) => s.log10), [0]));
  const g = addPanel(fig, box, { x, y, xLabel: "t", yLabel: "log10 ‖dJ/da<t>‖", yReference: 0 });
  const ts = Array.from({ length: T }, (_, i) => i + 1);
  d.series.forEach((s, i) => drawLine(g, decimateMinMax(ts, s.log10, box.width), x, y, { color: seriesColor(s.key, i), width: 2 }));
  drawLegend(fig.svg, items, box.left, top + plotH + 48, columns);
  return figureToSvg(fig);
}
