/**
 * Figure "loss curves": every run's training loss divided by its task's baseline (the loss of the
 * memoryless or constant answer: 1/6 for the adding problem, 10 ln 8/(T+20) for copy), against the
 * training step. One colour per grid point, one line per seed; the dashed line at 1 is the baseline,
 * so a curve below it has learned something the baseline cannot. Drawn from a sweep's curves.json
 * (bucket means); the y axis stops at Y_CAP times the baseline, since early losses sit far above it.
 * When the runs recorded the ledger, a second panel on the same steps draws log10‖dJ/da<1>‖ −
 * log10‖dJ/da<T>‖: how much of the last step's gradient reaches the first step. On a long-dependency
 * task the loss leaves the baseline only once this ratio has come up towards 0.
 */
import { median } from "d3-array";
import { createFigure, figureToSvg, headerHeight } from "./figure";
import { drawLegend, legendSize, type LegendItem } from "./legend";
import { drawLine } from "./marks";
import { addPanel, niceExtent, panelScales } from "./panel";
import { seriesColor } from "./theme";

export interface LossCurvesData {
  /** e.g. "copy memory, T = 100" */
  what: string;
  series: { key: string; label: string; runs: Run[] }[];
}

/** One seed's curves: loss over the baseline and, when recorded, the gradient ratio, at the same steps. */
interface Run { seed: number; step: number[]; ratio: (number | null)[]; gradRatio?: (number | null)[] | null }

const WIDTH = 760;
const DASHES = [undefined, "7 5", "2 4"];
/** The y axis' top: this many times the baseline at most. */
const Y_CAP = 3;
/** The gradient-ratio panel's height, and the gap above it for the loss panel's axis and its own title. */
const GRAD_H = 190, GRAD_GAP = 72;

/** The figure as SVG text. */
export function lossCurvesFigure(d: LossCurvesData): string {
  // series that share a colour (one cell at several T) are told apart by dashes: solid, dashed, dotted
  const seen = new Map<string, number>();
  const dash = d.series.map((s) => { const n = seen.get(s.key) ?? 0; seen.set(s.key, n + 1); return DASHES[n % DASHES.length]; });
  const items: LegendItem[] = d.series.map((s, i) => ({ label: `${s.label} (${s.runs.length} seed${s.runs.length === 1 ? "" : "s"})`, color: seriesColor(s.key, i), kind: "line", dash: dash[i] }));
  const [, lh] = legendSize(items, 1);
  const runs = d.series.flatMap((s) => s.runs);
  const grads = runs.some((r) => r.gradRatio?.some((v) => v !== null));
  const top = headerHeight(grads ? 3 : 2) + 12, plotH = 280;
  const box = { left: 72, top, width: WIDTH - 72 - 24, height: plotH };
  const below = grads ? GRAD_GAP + GRAD_H : 0;
  const fig = createFigure(WIDTH, top + plotH + below + 52 + lh + 12, {
    title: grads ? "Training loss against the baseline, and the gradient that reaches step 1" : "Training loss against the baseline",
    subtitle: [
      `${d.what}.`,
      `Each seed's training loss over the task's baseline (bucket means); below the dashed 1 it beats the baseline.`,
      ...(grads ? ["Below: log10 ‖dJ/da<1>‖ − log10 ‖dJ/da<T>‖ on the same steps; 0 means step 1 gets as much gradient as step T."] : []),
    ],
  });
  const steps = runs.flatMap((r) => r.step);
  const ys = runs.flatMap((r) => r.ratio.map((v) => (v === null ? null : Math.min(v, Y_CAP))));
  const xDomain: [number, number] = [0, niceExtent(steps, [0], 0)[1]];
  const { x, y } = panelScales(box, xDomain, [0, Math.min(Y_CAP, niceExtent(ys, [0, 1], 0.02)[1])]);
  const g = addPanel(fig, box, { x, y, xLabel: "training step", yLabel: "loss / baseline", yReference: 1 });
  // early losses run far above the baseline: clip the lines to the plot area
  const clipId = "loss-curves-plot";
  g.append("clipPath").attr("id", clipId).append("rect").attr("width", box.width).attr("height", box.height);
  const lines = g.append("g").attr("clip-path", `url(#${clipId})`);
  // one line per run and panel: the value at each bucket picked by `of` (no line where it gives null)
  const drawRuns = (into: typeof g, yScale: typeof y, of: (r: Run) => (number | null)[] | null | undefined) => d.series.forEach((s, i) => {
    for (const r of s.runs) {
      const v = of(r);
      if (v) drawLine(into, r.step.map((st, k) => [st, v[k]] as [number, number | null]), x, yScale, { color: seriesColor(s.key, i), width: 1.4, opacity: 0.85, dash: dash[i] });
    }
  });
  drawRuns(lines, y, (r) => r.ratio);
  if (grads) {
    const gbox = { ...box, top: top + plotH + GRAD_GAP, height: GRAD_H };
    const { domain, cut } = gradientAxis(runs.map((r) => r.gradRatio ?? []));
    const gy = panelScales(gbox, xDomain, domain).y;
    const gg = addPanel(fig, gbox, {
      x, y: gy, xLabel: "training step", yLabel: "log10 ratio", yReference: 0, yTicks: 5,
      title: `How much of the last step's gradient reaches step 1 (log10)${cut ? "; deeper dips run off the bottom" : ""}`,
    });
    const gClip = "loss-curves-grad";
    gg.append("clipPath").attr("id", gClip).append("rect").attr("width", gbox.width).attr("height", gbox.height);
    drawRuns(gg.append("g").attr("clip-path", `url(#${gClip})`), gy, (r) => r.gradRatio);
  }
  drawLegend(fig.svg, items, box.left, top + plotH + below + 48);
  return figureToSvg(fig);
}

/**
 * The lowest value of one run's curve that the gradient panel's axis must show: the minimum of its
 * 5-bucket moving median. A chaotic tanh RNN's bucket means dip to −90 now and then, one or two
 * buckets at a time, while the rest sit between −2 and −12; scaling the axis to the dips would flatten
 * every other curve, so they are cut at the panel's edge instead (and the title says so). A stretch of
 * three or more low buckets, such as an LSTM's plateau before it learns, survives the median and stays
 * on the axis. Infinity when the run has no finite value.
 */
export function sustainedMin(values: readonly (number | null)[]): number {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length < 5) return v.length ? Math.min(...v) : Infinity;
  let low = Infinity;
  // every full window of 5 (the first and last two buckets are in the end windows)
  for (let k = 2; k + 2 < v.length; k++) low = Math.min(low, median(v.slice(k - 2, k + 3))!);
  return low;
}

/** The gradient panel's y domain (0 included, down to every run's sustainedMin), and whether any value lies below it. */
export function gradientAxis(curves: readonly (readonly (number | null)[])[]): { domain: [number, number]; cut: boolean } {
  const low = Math.min(...curves.map(sustainedMin));
  const all = curves.flat();
  const domain = niceExtent(all.filter((v) => v === null || v >= low), [0], 0.04);
  return { domain, cut: all.some((v) => v !== null && Number.isFinite(v) && v < domain[0]) };
}
