/**
 * Figure "chain rule": dJ/da<t> = J_{t+1}ᵀ ⋯ J_Tᵀ · dJ/da<T> written out for one t. The top panel shows
 * each factor's size ‖J_k‖₂ (k = t+1..T); the bottom panel the running product ‖∂a<T>/∂a<k>‖₂ from
 * k = T down to t, beside the product of the factors' norms (its submultiplicative upper bound),
 * Pascanu et al.'s bound (γλ1)^(T-k) and the Lyapunov rate exp(λ1 (T-k)).
 */
import { decimateMinMax } from "./decimate";
import { createFigure, figureToSvg, headerHeight } from "./figure";
import { formatPow10 } from "./format-pow10";
import { drawLegend, legendSize, type LegendItem } from "./legend";
import { drawLine, drawPoints } from "./marks";
import { addPanel, niceExtent, panelScales } from "./panel";
import { THEME } from "./theme";

export interface ChainRuleData {
  /** the model, e.g. "tanh RNN" */
  label: string;
  T: number;
  /** the step whose gradient is written out, 1 <= t < T */
  t: number;
  /** log10‖J_k‖₂ at index k-1, k = 1..T (null where not computed) */
  log10FactorNorm: readonly (number | null)[];
  /** log10‖∂a<T>/∂a<k>‖₂ at index k, k = 0..T */
  log10Product: readonly (number | null)[];
  /** the matrix Pascanu's bound is about ("Waa"), its largest singular value λ1 and the derivative bound γ */
  matrix: string;
  lambda1: number;
  gamma: number;
  /** the top Lyapunov exponent, log10 per step */
  lyapunovLog10PerStep: number;
}

const WIDTH = 760;
const COLORS = { product: "#222222", factors: "#888888", pascanu: "#D55E00", lyapunov: "#0072B2", factor: "#009E73" };

/** The figure as SVG text. */
export function chainRuleFigure(d: ChainRuleData): string {
  const { T, t } = d;
  const ks: number[] = [];
  for (let k = t; k <= T; k++) ks.push(k);
  // the running products, k = t..T
  const product = ks.map((k) => d.log10Product[k]);
  const factors: (number | null)[] = new Array(ks.length);
  let acc: number | null = 0;
  for (let k = T; k >= t; k--) {
    factors[k - t] = acc;
    const f = d.log10FactorNorm[k - 1];
    acc = acc === null || f === null ? null : acc + f;
  }
  const pascanuStep = Math.log10(d.gamma * d.lambda1);
  const pascanu = ks.map((k) => (k === T ? 0 : (T - k) * pascanuStep));
  const lyapunov = ks.map((k) => (T - k) * d.lyapunovLog10PerStep);
  const at = (v: number | null) => formatPow10(v, 1);
  const items: LegendItem[] = [
    { label: `‖∂a<T>/∂a<k>‖₂, the product itself: ${at(product[0])} at k = t`, color: COLORS.product, kind: "line", width: 4 },
    { label: `‖J_{k+1}‖₂ ⋯ ‖J_T‖₂, the factors' norms multiplied: ${at(factors[0])}`, color: COLORS.factors, kind: "line", dash: "6,3" },
    { label: `Pascanu's bound (γλ1)^(T−k), λ1(${d.matrix}) = ${d.lambda1.toFixed(3)}, γ = ${d.gamma}: ${at(pascanu[0])}`, color: COLORS.pascanu, kind: "line", dash: "2,3" },
    { label: `Lyapunov rate exp(λ1 (T−k)), λ1 = ${(d.lyapunovLog10PerStep * Math.LN10).toFixed(4)} per step: ${at(lyapunov[0])}`, color: COLORS.lyapunov, kind: "line", dash: "8,3,2,3" },
  ];
  const [, lh] = legendSize(items, 1);
  const top = headerHeight(2) + 14, topH = 130, gap = 62, botH = 250;
  const height = top + topH + gap + botH + 52 + lh + 12;
  const fig = createFigure(WIDTH, height, {
    title: `The chain rule written out: dJ/da<${t}> in the ${d.label}, T = ${T}`,
    subtitle: [
      `dJ/da<t> = J_{t+1}ᵀ · J_{t+2}ᵀ ⋯ J_Tᵀ · dJ/da<T>: ${T - t} factors, one per step, each made of the same shared weights.`,
      "Top: each factor's size ‖J_k‖₂ (dashed: 1). Bottom: the running product from k = T back to k = t, and three predictions.",
    ],
  });
  const xDomain: [number, number] = [t, T];
  const boxTop = { left: 72, top, width: WIDTH - 72 - 24, height: topH };
  const factorPts = decimateMinMax(ks.slice(1), ks.slice(1).map((k) => d.log10FactorNorm[k - 1]), boxTop.width);
  const s1 = panelScales(boxTop, xDomain, niceExtent(factorPts.map((p) => p[1]), [0], 0.05, 4));
  const g1 = addPanel(fig, boxTop, { ...s1, xLabel: "k", yLabel: "log10 ‖J_k‖₂", yTicks: 4, yReference: 0 });
  drawPoints(g1, factorPts, s1.x, s1.y, { color: COLORS.factor, r: 1.6 });
  const boxBot = { left: 72, top: top + topH + gap, width: WIDTH - 72 - 24, height: botH };
  const s2 = panelScales(boxBot, xDomain, niceExtent([...product, ...factors, ...pascanu, ...lyapunov], [0]));
  const g2 = addPanel(fig, boxBot, { ...s2, xLabel: "k", yLabel: "log10 ‖∂a<T>/∂a<k>‖₂", yReference: 0 });
  drawLine(g2, decimateMinMax(ks, pascanu, boxBot.width), s2.x, s2.y, { color: COLORS.pascanu, width: 2, dash: "2,3" });
  drawLine(g2, decimateMinMax(ks, factors, boxBot.width), s2.x, s2.y, { color: COLORS.factors, width: 2, dash: "6,3" });
  drawLine(g2, decimateMinMax(ks, product, boxBot.width), s2.x, s2.y, { color: COLORS.product, width: 4 });
  drawLine(g2, decimateMinMax(ks, lyapunov, boxBot.width), s2.x, s2.y, { color: COLORS.lyapunov, width: 2, dash: "8,3,2,3" });
  g2.append("text").attr("x", s2.x(T)).attr("y", s2.y(0) - 6).attr("text-anchor", "end").attr("fill", THEME.muted).text("1 at k = T");
  drawLegend(fig.svg, items, boxBot.left, boxBot.top + botH + 48);
  return figureToSvg(fig);
}
