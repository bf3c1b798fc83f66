/**
 * Figure "success rate": the fraction of seeds that solved the task against the sequence length T,
 * one line per series (e.g. per cell), as in Pascanu, Mikolov & Bengio 2013, Fig. 7. Drawn from a
 * sweep's success-rate.json.
 */
import { createFigure, figureToSvg, headerHeight } from "./figure";
import { drawLegend, legendSize, type LegendItem } from "./legend";
import { drawLine, drawPoints } from "./marks";
import { addPanel, niceExtent, panelScales } from "./panel";
import { seriesColor } from "./theme";

export interface SuccessRateData {
  /** what "solved" means, in words */
  criterion: string;
  series: { key: string; label: string; points: { T: number; rate: number | null }[] }[];
}

const WIDTH = 760;
/** Dash pattern per series: solid, then dashed, then dotted. */
const DASHES = [undefined, "7 5", "2 4"];

/** The figure as SVG text. */
export function successRateFigure(d: SuccessRateData): string {
  const items: LegendItem[] = d.series.map((s, i) => ({ label: s.label, color: seriesColor(s.key, i), kind: "line+points", dash: DASHES[i % DASHES.length] }));
  const [, lh] = legendSize(items, 1);
  const top = headerHeight(1) + 12, plotH = 260;
  const box = { left: 72, top, width: WIDTH - 72 - 24, height: plotH };
  const fig = createFigure(WIDTH, top + plotH + 52 + lh + 12, {
    title: "Success rate against the sequence length",
    subtitle: [`The fraction of seeds that solved the task (${d.criterion}), per T.`],
  });
  const Ts = d.series.flatMap((s) => s.points.map((p) => p.T));
  const { x, y } = panelScales(box, niceExtent(Ts, [], 0.04), [0, 1]);
  const g = addPanel(fig, box, { x, y, xLabel: "T (sequence length)", yLabel: "success rate" });
  // Rates often coincide (every series at 0, or at 1): later series are dashed and their points
  // smaller, so a line drawn over an earlier one leaves it visible in the gaps and around the points.
  d.series.forEach((s, i) => {
    const pts = s.points.map((p) => [p.T, p.rate] as [number, number | null]);
    drawLine(g, pts, x, y, { color: seriesColor(s.key, i), width: 2, dash: DASHES[i % DASHES.length] });
    drawPoints(g, pts, x, y, { color: seriesColor(s.key, i), r: Math.max(2, 5 - 1.5 * i) });
  });
  drawLegend(fig.svg, items, box.left, top + plotH + 48);
  return figureToSvg(fig);
}
