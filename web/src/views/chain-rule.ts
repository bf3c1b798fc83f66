/**
 * The chain rule written out for one picked step t (batch row 0). With J_k = ∂s<k>/∂s<k-1> the step
 * Jacobian (s = a, or [a; c] for the LSTM), the gradient from the last step's loss is
 *   dJ/da<t> = dJ/da<T> · J_T · J_{T-1} ⋯ J_{t+1},
 * so its size is bounded by the product's norm, which is bounded by the product of the factors' norms:
 *   ‖J_T ⋯ J_{t+1}‖₂ ≤ Π_k ‖J_k‖₂ ≤ (γλ1)^(T−t)  (the last one for the vanilla cell).
 * The panel shows each factor's ‖J_k‖₂, the running product of those norms, and the exact norm of the
 * running matrix product (core's jacobianProducts, exact in extended range), against k.
 */
import { Chart, finiteOrNull } from "./chart";
import { el } from "./dom";
import { fmtLog, fmtNum, fmtPow10 } from "./format";
import type { ChainView } from "../analyzer";
import type { GradientView, Analysis } from "../protocol";

export class ChainPanel {
  private readonly chart: Chart;
  private readonly text: HTMLElement;
  private readonly table: HTMLElement;
  private readonly chartHost: HTMLElement;

  constructor(host: HTMLElement) {
    this.text = el("div", { class: "formula" });
    this.chartHost = el("div");
    this.table = el("div", { class: "factors" });
    host.append(this.text, this.chartHost, this.table);
    const v = (_u: unknown, x: number | null) => fmtLog(x);
    this.chart = new Chart(this.chartHost, {
      height: 200,
      xLabel: "k",
      yLabel: "log10",
      series: [
        { label: "‖J_k‖₂", stroke: "#2a9d8f", width: 1, value: v },
        { label: "∏ ‖J_j‖₂ (j = k..T)", stroke: "#6a4c93", width: 1.5, dash: [6, 4], value: v },
        { label: "‖J_T⋯J_k‖₂ exact", stroke: "#1d3557", width: 2, value: v },
      ],
    });
  }

  update(chain: ChainView | null, view: GradientView | null, analysis: Analysis | null, lossAt: "last" | "every", cell: string, pick: number): void {
    if (!chain || !view) {
      // char-lm's names (and adding-hs's batches) vary in length: a pick can lie beyond this step's T
      const beyond = pick > 0 && analysis !== null && pick > analysis.T;
      this.text.replaceChildren(el("p", { text: beyond
        ? `t = ${pick} lies beyond the analysed step's sequence (T = ${analysis.T}); the chain rule follows when a step's sequence reaches it, or pick t <= T.`
        : pick > 0
        ? `Computing the chain rule at t = ${pick} (with the next analysis)…`
        : "Pick a step t: click the strip (or focus it and use the arrow keys), or type t above. The panel then writes the chain rule from the loss at step T back to a<t>." }));
      this.chart.setData([[], [], [], []]);
      this.chartHost.hidden = true;
      this.table.replaceChildren();
      return;
    }
    this.chartHost.hidden = chain.log10Factor.length === 0;
    const { t, T } = chain;
    const s = cell === "lstm" ? "s" : "a";
    const nF = chain.log10Factor.length;
    // running product of norms from k = T down
    const run = new Float64Array(nF);
    let acc = 0;
    for (let i = 0; i < nF; i++) { acc += chain.log10Factor[i]; run[i] = acc; }
    const x: number[] = [], f: (number | null)[] = [], r: (number | null)[] = [], p: (number | null)[] = [];
    const stride = Math.max(1, Math.floor(nF / 1500));
    for (let i = 0; i < nF; i += stride) {
      const k = T - i;
      x.push(k); f.push(finiteOrNull(chain.log10Factor[i])); r.push(finiteOrNull(run[i]));
      const j = T - k;
      p.push(j < chain.log10Product.length ? finiteOrNull(chain.log10Product[j]) : null);
    }
    // uPlot wants x ascending
    x.reverse(); f.reverse(); r.reverse(); p.reverse();
    this.chart.setData([x, f, r, p]);
    const lines: string[] = [];
    lines.push(cell === "lstm"
      ? `LSTM: the state is s = [a; c], so each factor J_k = ∂s<k>/∂s<k−1> is ${chain.n}×${chain.n}, and the cell state c carries its own path through diag(Γf).`
      : `Each factor J_k = ∂a<k>/∂a<k−1> is ${chain.n}×${chain.n}${cell === "rnn" ? " = diag(g′(z<k>))·Waa" : ""}.`);
    if (t === T) {
      lines.push(chain.note);
    } else {
      lines.push(lossAt === "last"
        ? `dJ/d${s}<${t}> = dJ/d${s}<${T}> · J_${T} · J_${T - 1} ⋯ J_${t + 1}   (${T - t} factors)`
        : `dJ/da<${t}> = ∂J<${t}>/∂a<${t}> + dJ/da<${t + 1}> · J_${t + 1}: with a loss at every step, each step adds its own direct term; the path from step T is the product below.`);
      const full = chain.kLow === t + 1;
      const prodAll = chain.s0 <= t;
      const last = (a: Float64Array) => a[a.length - 1];
      const ledgerT = view.total[T - 1], ledgerTt = view.total[t - 1];
      lines.push(`Π ‖J_k‖₂ over k = ${T}..${chain.kLow}: 10^${fmtLog(last(run))}${full ? "" : " (partial)"};  ‖J_${T}⋯J_${prodAll ? t + 1 : chain.s0 + 1}‖₂ = 10^${fmtLog(last(chain.log10Product))}${prodAll ? "" : " (partial)"}.`);
      lines.push(`Ledger (over the batch): log10‖dJ/da<${T}>‖ = ${fmtLog(ledgerT)}, log10‖dJ/da<${t}>‖ = ${fmtLog(ledgerTt)}: a change of ${fmtLog(ledgerTt - ledgerT)} decades.`);
      const p1 = analysis?.pascanu;
      if (p1) lines.push(`Pascanu: (γλ1)^(T−t) = (${fmtNum(p1.gamma)}·${fmtNum(p1.lambda1)})^${T - t} = ${fmtPow10((T - t) * Math.log10(p1.gamma * p1.lambda1))}${p1.note ? " (a heuristic for gated cells)" : ""}.`);
      if (chain.note) lines.push(chain.note);
    }
    this.text.replaceChildren(...lines.map((l) => el("p", { text: l })));
    // table: the first and last few factors
    const rows: number[] = [];
    for (let i = 0; i < Math.min(5, nF); i++) rows.push(i);
    for (let i = Math.max(5, nF - 5); i < nF; i++) rows.push(i);
    const tbl = el("table", {}, el("caption", { text: "factors from the loss backwards (batch row 0)" }),
      el("tr", {}, el("th", { text: "k" }), el("th", { text: "‖J_k‖₂" }), el("th", { text: "∏ ‖J_j‖₂, j ≥ k" }), el("th", { text: "‖J_T⋯J_k‖₂" })));
    let prev = -1;
    for (const i of rows) {
      if (prev >= 0 && i > prev + 1) tbl.append(el("tr", {}, el("td", { text: "⋮", colspan: "4" })));
      prev = i;
      const k = T - i;
      const pv = i < chain.log10Product.length ? fmtPow10(chain.log10Product[i]) : "–";
      tbl.append(el("tr", {}, el("td", { text: String(k) }), el("td", { text: fmtNum(10 ** chain.log10Factor[i], 8) }), el("td", { text: fmtPow10(run[i]) }), el("td", { text: pv })));
    }
    this.table.replaceChildren(tbl);
  }
}
