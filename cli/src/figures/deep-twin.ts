/**
 * Figure "deep twin": the RNN's per-step share dWaa<t> of its shared recurrent weights' gradient (a
 * line), and the per-layer gradient ‖dW_l^aa‖ of an untied T-layer feed-forward network with the same
 * weights in every layer (points, at a subset of layers). They coincide: the RNN is that deep network
 * with its layers' weights tied, and tying only adds the layers' gradients up, dWaa = Σ_t dWaa<t>.
 */
import { decimateMinMax, type Point } from "./decimate";
import { createFigure, figureToSvg, headerHeight } from "./figure";
import { drawLegend, legendSize, type LegendItem } from "./legend";
import { drawLine, drawPoints } from "./marks";
import { addPanel, niceExtent, panelScales } from "./panel";
import { seriesColor, THEME } from "./theme";

export interface DeepTwinData {
  T: number;
  series: readonly {
    key: string; label: string;
    /** the RNN ledger's log10‖dWaa<t>‖ at index t-1 */
    rnn: readonly (number | null)[];
    /** the twin's log10‖dW_l^aa‖ at index l-1, or null when the twin was skipped */
    twin: readonly (number | null)[] | null;
    /** max |difference| of the two in log10, over the steps where both are nonzero */
    maxAbsLog10Diff: number | null;
  }[];
}

const WIDTH = 760;
/** layers drawn as points */
const POINTS = 40;

/** The figure as SVG text. */
export function deepTwinFigure(d: DeepTwinData): string {
  const { T } = d;
  const items: LegendItem[] = d.series.map((s, i) => ({
    label: s.twin ? `${s.label}: largest difference ${(s.maxAbsLog10Diff ?? 0).toExponential(1)} in log10` : `${s.label} (twin skipped: too large)`,
    color: seriesColor(s.key, i), kind: "line",
  }));
  items.push({ label: "line: the RNN, step t's share dWaa<t> of the shared Waa's gradient", color: THEME.muted, kind: "line", width: 1.5 });
  items.push({ label: `circles: an untied ${T}-layer network, layer l = t's own gradient ‖dW_l^aa‖`, color: THEME.muted, kind: "hollow" });
  const [, lh] = legendSize(items, 1);
  const top = headerHeight(2) + 12, plotH = 290;
  const box = { left: 72, top, width: WIDTH - 72 - 24, height: plotH };
  const height = top + plotH + 52 + lh + 12;
  const fig = createFigure(WIDTH, height, {
    title: `The deep-network twin: a ${T}-step RNN is a ${T}-layer network`,
    subtitle: [
      "Give every layer its own copy of the weights (untied): its per-layer gradients are the RNN's per-step",
      "shares. Sharing Waa does not shorten the path back; it only adds the layers' gradients: dWaa = Σ_t dWaa<t>.",
    ],
  });
  const { x, y } = panelScales(box, [1, T], niceExtent(d.series.flatMap((s) => [...s.rnn, ...(s.twin ?? [])]), [0]));
  const g = addPanel(fig, box, { x, y, xLabel: "t (the twin's layer l)", yLabel: "log10 ‖dWaa<t>‖", yReference: 0 });
  const ts = Array.from({ length: T }, (_, i) => i + 1);
  const picks = Array.from(new Set(Array.from({ length: Math.min(POINTS, T) }, (_, i) => 1 + Math.round((i * (T - 1)) / Math.max(1, Math.min(POINTS, T) - 1)))));
  d.series.forEach((s, i) => {
    const color = seriesColor(s.key, i);
    drawLine(g, decimateMinMax(ts, s.rnn, box.width), x, y, { color, width: 1.5 });
    if (s.twin) {
      const tw = s.twin;
      const pts: Point[] = picks.map((l) => [l, tw[l - 1]]);
      drawPoints(g, pts, x, y, { color, r: 4, hollow: true });
    }
  });
  drawLegend(fig.svg, items, box.left, top + plotH + 48);
  return figureToSvg(fig);
}
