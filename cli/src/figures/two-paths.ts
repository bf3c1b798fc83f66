/**
 * Figure "two paths": with a loss at every step, dJ/da<t> is the sum of a direct part (the loss at t,
 * through yhat<t>: one short step) and a recurrent part (everything from step t+1 on, through J_{t+1}ᵀ).
 * One small panel per model, all on the same y scale; the three curves are the ledger's direct,
 * recurrent and total.
 */
import { decimateMinMax } from "./decimate";
import { createFigure, figureToSvg, headerHeight } from "./figure";
import { drawLegend, legendSize, type LegendItem } from "./legend";
import { drawLine } from "./marks";
import { addPanel, niceExtent, panelScales } from "./panel";
import { PATH_COLORS } from "./theme";

export interface TwoPathsData {
  T: number;
  /** one per model: log10 norms at index t-1, t = 1..T (null where a part is exactly zero) */
  series: readonly {
    key: string; label: string;
    direct: readonly (number | null)[]; recurrent: readonly (number | null)[]; total: readonly (number | null)[];
  }[];
}

const WIDTH = 760;
/** horizontal gap between panels: room for the right panel's tick labels and y label */
const GAP_X = 86;

/** The figure as SVG text. */
export function twoPathsFigure(d: TwoPathsData): string {
  const { T } = d;
  const items: LegendItem[] = [
    { label: "direct: through yhat<t>, from the loss at t", color: PATH_COLORS.direct, kind: "line" },
    { label: "recurrent: from step t+1, through J_{t+1}ᵀ", color: PATH_COLORS.recurrent, kind: "line" },
    { label: "total = direct + recurrent", color: PATH_COLORS.total, kind: "line", width: 1 },
  ];
  const [, lh] = legendSize(items, 1);
  const cols = d.series.length > 1 ? 2 : 1;
  const rows = Math.ceil(d.series.length / cols);
  const top = headerHeight(2) + lh + 30, panelW = (WIDTH - 72 - 24 - (cols - 1) * GAP_X) / cols, panelH = 170, gapY = 78;
  const height = top + rows * panelH + (rows - 1) * gapY + 56;
  const fig = createFigure(WIDTH, height, {
    title: "Two paths: a loss at every step",
    subtitle: [
      "dJ/da<t> = direct + recurrent. The direct part is one step from its loss and never fades; the recurrent",
      "part carries the later losses back, through the same product of step Jacobians as in the one-path figure.",
    ],
  });
  drawLegend(fig.svg, items, 72, headerHeight(2) + 4);
  const yDomain = niceExtent(d.series.flatMap((s) => [...s.direct, ...s.recurrent, ...s.total]));
  const ts = Array.from({ length: T }, (_, i) => i + 1);
  d.series.forEach((s, i) => {
    const c = i % cols, r = Math.floor(i / cols);
    const box = { left: 72 + c * (panelW + GAP_X), top: top + r * (panelH + gapY), width: panelW, height: panelH };
    const { x, y } = panelScales(box, [1, T], yDomain);
    const g = addPanel(fig, box, { x, y, xLabel: "t", yLabel: "log10 ‖dJ/da<t>‖", title: s.label, xTicks: 5, yTicks: 5 });
    drawLine(g, decimateMinMax(ts, s.direct, box.width), x, y, { color: PATH_COLORS.direct, width: 1.2 });
    drawLine(g, decimateMinMax(ts, s.recurrent, box.width), x, y, { color: PATH_COLORS.recurrent, width: 1.2 });
    drawLine(g, decimateMinMax(ts, s.total, box.width), x, y, { color: PATH_COLORS.total, width: 0.8 });
  });
  return figureToSvg(fig);
}
