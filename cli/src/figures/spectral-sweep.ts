/**
 * Figure "spectral sweep": the tanh RNN's Waa rescaled to spectral radius ρ, and how much of the last
 * step's gradient reaches step 1, log10‖dJ/da<1>‖ − log10‖dJ/da<T>‖, against ρ. Below 0 the gradient
 * vanishes on its way back, above 0 it explodes; the crossing is where the product of step Jacobians
 * neither shrinks nor grows on average.
 */
import { createFigure, figureToSvg, headerHeight } from "./figure";
import { drawLegend, legendSize, type LegendItem } from "./legend";
import { drawLine, drawPoints } from "./marks";
import { addPanel, niceExtent, panelScales } from "./panel";
import { CELL_COLORS, THEME } from "./theme";

export interface SpectralSweepData {
  /** the model swept, e.g. "tanh RNN" */
  label: string;
  T: number;
  /** ρ(Waa) of each run, ascending */
  rho: readonly number[];
  /** log10‖dJ/da<1>‖ − log10‖dJ/da<T>‖ of each run */
  log10Ratio: readonly (number | null)[];
  /** where the ratio crosses 1 (linear interpolation), or null */
  crossing: number | null;
}

const WIDTH = 760;

/** The first ρ where the ratio changes sign, interpolated linearly; null when it does not. */
export function sweepCrossing(rho: readonly number[], log10Ratio: readonly (number | null)[]): number | null {
  for (let i = 1; i < rho.length; i++) {
    const a = log10Ratio[i - 1], b = log10Ratio[i];
    if (a === null || b === null) continue;
    if (a === 0) return rho[i - 1];
    if ((a < 0 && b >= 0) || (a > 0 && b <= 0)) return rho[i - 1] + ((rho[i] - rho[i - 1]) * (0 - a)) / (b - a);
  }
  return null;
}

/** The figure as SVG text. */
export function spectralSweepFigure(d: SpectralSweepData): string {
  const color = CELL_COLORS.rnn;
  const items: LegendItem[] = [
    { label: `${d.label}, T = ${d.T}: one run per ρ, same seed and inputs, Waa rescaled`, color, kind: "line+points" },
  ];
  if (d.crossing !== null) items.push({ label: `the gradient neither vanishes nor explodes near ρ = ${d.crossing.toFixed(2)}`, color: THEME.muted, kind: "line", dash: "3,3", width: 1.2 });
  const [, lh] = legendSize(items, 1);
  const top = headerHeight(2) + 12, plotH = 300;
  const box = { left: 72, top, width: WIDTH - 72 - 24, height: plotH };
  const height = top + plotH + 52 + lh + 12;
  const fig = createFigure(WIDTH, height, {
    title: "From vanishing to exploding: the spectral radius of Waa",
    subtitle: [
      `How much of the gradient at t = ${d.T} reaches t = 1, as Waa is scaled from ρ = ${d.rho[0]} to ${d.rho[d.rho.length - 1]}.`,
      "tanh' < 1 along the trajectory shrinks every factor, so the edge sits above ρ = 1 when the inputs are driven.",
    ],
  });
  const { x, y } = panelScales(box, [d.rho[0], d.rho[d.rho.length - 1]], niceExtent(d.log10Ratio, [0], 0.06));
  const g = addPanel(fig, box, { x, y, xLabel: "ρ(Waa)", yLabel: "log10 ‖dJ/da<1>‖ − log10 ‖dJ/da<T>‖", yReference: 0 });
  g.append("text").attr("x", 8).attr("y", y(0) - 8).attr("fill", THEME.muted).text("↑ exploding: larger at t = 1 than at t = T");
  g.append("text").attr("x", 8).attr("y", y(0) + 18).attr("fill", THEME.muted).text("↓ vanishing: smaller at t = 1");
  if (d.crossing !== null) {
    g.append("line").attr("x1", x(d.crossing)).attr("x2", x(d.crossing)).attr("y1", 0).attr("y2", box.height)
      .attr("stroke", THEME.muted).attr("stroke-dasharray", "3,3").attr("stroke-width", 1.2);
  }
  const pts = d.rho.map((r, i) => [r, d.log10Ratio[i]] as [number, number | null]);
  drawLine(g, pts, x, y, { color, width: 2 });
  drawPoints(g, pts, x, y, { color, r: 3.5 });
  drawLegend(fig.svg, items, box.left, top + plotH + 48);
  return figureToSvg(fig);
}
