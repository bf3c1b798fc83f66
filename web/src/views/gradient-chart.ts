/**
 * log10‖dJ/da<t>‖ against t: the ledger's direct, recurrent and total parts of the step on view, with
 * three references anchored at the total at t = T (so they share its scale):
 *   Pascanu      total<T> + log10 (γλ1)^(T-t): the bound on the path from the last step's loss
 *   Lyapunov     total<T> + (T-t)·λ1/ln 10: the rate the trajectory's leading exponent predicts
 *   untied twin  log10‖dJ/da<l>‖ of the T-layer feed-forward twin with untied layers (engine.ts)
 * The references come from the latest analysis (they are recomputed every few seconds, or on Step).
 * At T larger than the pixel width the points are decimated (the smallest and largest total per
 * pixel bucket); hover values are exact values at the drawn t. The y axis spans the ledger's curves
 * and the twin; a reference line that leaves that range is cut at the frame.
 */
import { Chart, finiteOrNull } from "./chart";
import { minMaxIndices } from "./decimate";
import { fmtLog, fmtNum } from "./format";
import type { Analysis, GradientView } from "../protocol";

export class GradientChart {
  private readonly chart: Chart;
  private readonly info: HTMLElement;
  /** the y range: the ledger's curves and the twin; the bound and the rate may leave it */
  private yRange: [number, number] = [-1, 1];
  /** the drawn t of each point, and the references' per-step values, for hover */
  private xs = new Float64Array(0);
  private ref: ((t: number) => number | null)[] = [];
  private infoText = "";

  constructor(host: HTMLElement, info: HTMLElement) {
    this.info = info;
    const v = (_u: unknown, x: number | null) => fmtLog(x);
    this.chart = new Chart(host, {
      height: 260,
      xLabel: "t",
      yLabel: "log10 ‖dJ/da<t>‖",
      series: [
        { label: "direct", stroke: "#8ab6d6", width: 1, value: v },
        { label: "recurrent", stroke: "#e4572e", width: 1, value: v },
        { label: "total", stroke: "#1d3557", width: 2, value: v },
        { label: "Pascanu bound", stroke: "#6a4c93", width: 1.5, dash: [6, 4], spanGaps: true, points: { show: false }, value: (_u, _x, _s, idx) => this.refValue(3, idx) },
        { label: "Lyapunov rate", stroke: "#2a9d8f", width: 1.5, dash: [2, 3], spanGaps: true, points: { show: false }, value: (_u, _x, _s, idx) => this.refValue(4, idx) },
        { label: "untied twin", stroke: "#f4a261", width: 1.5, value: v },
      ],
      extra: { scales: { y: { range: () => this.yRange } } },
    });
  }

  private refValue(series: number, idx: number | null): string {
    if (idx === null || idx === undefined || idx >= this.xs.length) return "–";
    const f = this.ref[series];
    return fmtLog(f ? f(this.xs[idx]) : null);
  }

  update(view: GradientView, analysis: Analysis | null, anchor: number): void {
    const T = view.T;
    const buckets = Math.max(50, Math.floor(this.chart.width / 2));
    const idx = minMaxIndices(view.total, T, buckets);
    const n = idx.length;
    const x = new Float64Array(n);
    const cols: (number | null)[][] = [[], [], [], [], [], []];
    const p = analysis?.pascanu && analysis.T === T ? analysis.pascanu : null;
    const ly = analysis?.lyapunov && analysis.T === T ? analysis.lyapunov : null;
    const tw = analysis?.twin?.log10Da && analysis.T === T ? analysis.twin.log10Da : null;
    const anc = anchor > -Infinity && anchor < Infinity ? anchor : null;
    for (let j = 0; j < n; j++) {
      const i = idx[j];
      x[j] = i + 1;
      cols[0].push(finiteOrNull(view.direct[i]));
      cols[1].push(finiteOrNull(view.recurrent[i]));
      cols[2].push(finiteOrNull(view.total[i]));
      cols[3].push(null);
      cols[4].push(null);
      cols[5].push(tw ? finiteOrNull(tw[i]) : null);
    }
    let lo = Infinity, hi = -Infinity;
    for (const c of [cols[0], cols[1], cols[2], cols[5]]) for (const y of c) if (y !== null) { if (y < lo) lo = y; if (y > hi) hi = y; }
    if (lo <= hi) {
      const pad = Math.max(0.5, 0.06 * (hi - lo));
      this.yRange = [lo - pad, hi + pad];
    }
    this.xs = x;
    this.ref = [];
    this.ref[3] = (t) => (p && anc !== null ? anc + p.log10Bound[t - 1] : null);
    this.ref[4] = (t) => (ly && anc !== null ? anc + ((T - t) * ly.exponent) / Math.LN10 : null);
    // Both references are straight lines. Each is drawn through two points only: the first and the
    // last drawn t where it lies inside the y range. A dashed line that runs far outside the plot
    // (the bound reaches +5000 at T = 10,000) is dashed along its whole length before clipping,
    // which costs ~100 ms of software rasterization per frame; clipped, it costs nothing.
    for (const sIdx of [3, 4]) {
      const f = this.ref[sIdx];
      let first = -1, last = -1;
      for (let j = 0; j < n; j++) {
        const y = f(x[j]);
        if (y !== null && y >= this.yRange[0] && y <= this.yRange[1]) { if (first < 0) first = j; last = j; }
      }
      if (first >= 0) { cols[sIdx][first] = f(x[first]); cols[sIdx][last] = f(x[last]); }
    }
    this.chart.setData([x, ...cols]);
    const lines: string[] = [];
    if (p) {
      lines.push(`${p.matrix}: λ1 = ${fmtNum(p.lambda1)}, ρ = ${fmtNum(p.spectralRadius)}, γ = ${fmtNum(p.gamma)}: ${p.vanishingSufficient ? "λ1 < 1/γ, so the gradient must vanish" : p.explodingPossible ? "λ1 > 1/γ: explosion is possible (necessary condition)" : "λ1 = 1/γ"}${p.note ? " (a heuristic for gated cells)" : ""}.`);
    }
    if (ly && ly.exponent === -Infinity) lines.push(`Lyapunov λ1 = −∞ over t = ${ly.tFrom}..${T}: the Jacobian product of batch row 0 is exactly zero there (a dead ReLU state, or a zero Waa).`);
    else if (ly) lines.push(`Lyapunov λ1 = ${fmtNum(ly.exponent, 5)} ± ${fmtNum(ly.stdErr, 2)} per step over t = ${ly.tFrom}..${T}: a slope of ${fmtNum(ly.exponent / Math.LN10, 5)} decades per step.`);
    if (analysis?.twin?.skipped) lines.push(`Untied twin: ${analysis.twin.skipped}.`);
    if (analysis) lines.push(`References from iteration ${analysis.iteration} (computed in ${Math.round(analysis.ms)} ms).`);
    // the text changes only with a new analysis: leave the DOM (and the page's layout) alone otherwise
    const text = lines.join("\n");
    if (text === this.infoText) return;
    this.infoText = text;
    this.info.replaceChildren(...lines.map((l) => { const d = document.createElement("p"); d.textContent = l; return d; }));
  }
}
