/**
 * What the network answers. For tasks with one real output (adding, adding-hs, latch, parity):
 * predicted against true answer at the last step, for the rows of the recent batches (the newest
 * darkest), with the line y = x. For classification (temporal-order, copy): the first rows' true and
 * predicted classes. For char-lm: the name the step trained on, character by character (the true next
 * character, the model's likeliest, and the probability it gave the true one), and names sampled from
 * the model. Always: the task's own score of the batch and its success criterion.
 */
import { TEMPORAL_ORDER_CLASSES } from "../../../core/src/index";
import { el, fitCanvas, onWidth, Tooltip } from "./dom";
import { fmtNum } from "./format";
import type { NamesView, TaskView } from "../engine";

const KEEP = 256;
const H = 220;
const PAD = { l: 44, r: 8, t: 8, b: 30 };

export class TaskPanel {
  private readonly canvas: HTMLCanvasElement;
  private readonly table: HTMLDivElement;
  private readonly summary: HTMLParagraphElement;
  private readonly tip: Tooltip;
  private readonly truth = new Float64Array(KEEP);
  private readonly pred = new Float64Array(KEEP);
  private n = 0;
  private head = 0;
  private width = 400;
  private taskName = "";
  private last: TaskView | null = null;

  constructor(host: HTMLElement) {
    this.summary = el("p", { class: "summary" });
    this.canvas = el("canvas", { role: "img", "aria-label": "predicted against true answers" });
    const wrap = el("div", { class: "canvas-wrap" }, this.canvas);
    this.table = el("div", { class: "classes" });
    host.append(this.summary, wrap, this.table);
    this.tip = new Tooltip(wrap);
    onWidth(host, (w) => { this.width = Math.min(w, 520); this.paint(); });
    this.canvas.addEventListener("mousemove", (e) => this.hover(e.offsetX, e.offsetY));
    this.canvas.addEventListener("mouseleave", () => this.tip.hide());
  }

  clear(taskName: string): void {
    this.n = 0;
    this.head = 0;
    this.taskName = taskName;
    this.last = null;
    this.paint();
  }

  add(v: TaskView, solvedNote: string): void {
    this.last = v;
    if (v.kind === "scatter") {
      for (let i = 0; i < v.truth.length; i++) {
        this.truth[this.head] = v.truth[i];
        this.pred[this.head] = v.pred[i];
        this.head = (this.head + 1) % KEEP;
        if (this.n < KEEP) this.n++;
      }
    }
    const ref = v.names ? ` A uniform guess over the ${v.names.chars.length} characters costs ln ${v.names.chars.length} = ${fmtNum(v.names.uniformNats, 5)}.` : "";
    this.summary.textContent = `${v.metric} on this batch: ${fmtNum(v.value, 5)}${v.solved ? " (solved)" : ""}. Solved means ${solvedNote}.${ref}`;
  }

  private bounds(): [number, number] {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < this.n; i++) {
      for (const v of [this.truth[i], this.pred[i]]) if (v > -Infinity && v < Infinity) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    if (!(lo <= hi)) return [0, 1];
    const pad = Math.max(1e-6, (hi - lo) * 0.05);
    return [lo - pad, hi + pad];
  }

  paint(): void {
    const v = this.last;
    const scatter = !v || v.kind === "scatter";
    this.canvas.parentElement!.hidden = !scatter;
    this.table.hidden = scatter;
    if (v && v.kind === "names" && v.names) {
      this.paintNames(v, v.names);
      return;
    }
    if (!scatter) {
      this.paintClasses(v!);
      return;
    }
    const W = this.width;
    const ctx = fitCanvas(this.canvas, W, H);
    ctx.clearRect(0, 0, W, H);
    const [lo, hi] = this.bounds();
    const pw = W - PAD.l - PAD.r, ph = H - PAD.t - PAD.b;
    const X = (u: number) => PAD.l + ((u - lo) / (hi - lo)) * pw;
    const Y = (u: number) => PAD.t + ph - ((u - lo) / (hi - lo)) * ph;
    ctx.strokeStyle = "#bbb";
    ctx.strokeRect(PAD.l, PAD.t, pw, ph);
    ctx.setLineDash([4, 4]);
    ctx.beginPath(); ctx.moveTo(X(lo), Y(lo)); ctx.lineTo(X(hi), Y(hi)); ctx.stroke();
    ctx.setLineDash([]);
    for (let k = 0; k < this.n; k++) {
      const i = (this.head - 1 - k + KEEP) % KEEP; // newest first
      const a = 1 - 0.8 * (k / KEEP);
      ctx.fillStyle = `rgba(29, 53, 87, ${a.toFixed(3)})`;
      ctx.beginPath();
      ctx.arc(X(this.truth[i]), Y(Math.max(lo, Math.min(hi, this.pred[i]))), 3, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.fillStyle = "#444";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(fmtNum(lo, 3), PAD.l, H - 16);
    const hs = fmtNum(hi, 3);
    ctx.fillText(hs, PAD.l + pw - ctx.measureText(hs).width, H - 16);
    ctx.fillText(`true (${this.taskName === "parity" ? "parity" : "target"})`, PAD.l + pw / 2 - 30, H - 4);
    ctx.save();
    ctx.translate(12, PAD.t + ph / 2 + 30);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText("predicted", 0, 0);
    ctx.restore();
  }

  private paintClasses(v: TaskView): void {
    const names = (c: number) => (this.taskName === "temporal-order" ? TEMPORAL_ORDER_CLASSES[c] ?? String(c) : c === 0 ? "_" : String(c));
    const rows = Math.min(8, v.truth.length / v.perRow);
    const tbl = el("table", {}, el("caption", { text: `first ${rows} rows of the batch: true → predicted` }));
    tbl.append(el("tr", {}, el("th", { text: "row" }), el("th", { text: "true" }), el("th", { text: "predicted" }), el("th", { text: "right" })));
    for (let b = 0; b < rows; b++) {
      const t: string[] = [], p: string[] = [];
      let ok = 0;
      for (let j = 0; j < v.perRow; j++) {
        const i = b * v.perRow + j;
        t.push(names(v.truth[i])); p.push(names(v.pred[i]));
        if (v.truth[i] === v.pred[i]) ok++;
      }
      tbl.append(el("tr", {}, el("td", { text: String(b) }), el("td", { text: t.join(" ") }), el("td", { text: p.join(" ") }), el("td", { text: `${ok}/${v.perRow}` })));
    }
    this.table.replaceChildren(tbl);
  }

  /**
   * char-lm: one column per step t. x<1> is the zero vector (shown as ·), then the name's characters;
   * the target at t is the character after x<t>, "⏎" for the end of the name. Each cell's shade is the
   * probability the model gave the true character, so the name reads as what the model already knows.
   */
  private paintNames(v: TaskView, n: NamesView): void {
    const show = (k: number) => (n.chars[k] === "\n" ? "⏎" : n.chars[k] ?? "?");
    const T = v.truth.length;
    const name = Array.from(v.truth.subarray(0, T - 1), show).join("");
    const tbl = el("table", { class: "names" }, el("caption", { text: `the name this step trained on: "${name}" (T = ${T})` }));
    const row = (head: string, cells: (t: number) => string, shade = false) => {
      const tr = el("tr", {}, el("th", { scope: "row", text: head }));
      for (let t = 0; t < T; t++) {
        const td = el("td", { text: cells(t) });
        if (shade) {
          const p = n.pTrue[t];
          td.style.background = `rgba(42, 157, 143, ${Math.max(0, Math.min(1, p)).toFixed(3)})`;
          td.title = `t = ${t + 1}: p(${show(v.truth[t])}) = ${p.toPrecision(6)}`;
        }
        tr.append(td);
      }
      return tr;
    };
    tbl.append(
      row("t", (t) => String(t + 1)),
      row("input x<t>", (t) => (t === 0 ? "·" : show(v.truth[t - 1]))),
      row("true next", (t) => show(v.truth[t]), true),
      row("model's likeliest", (t) => show(v.pred[t])),
      row("p(true next)", (t) => n.pTrue[t].toFixed(2)),
    );
    const samples = el("ul", { class: "samples" });
    for (const s of n.samples) samples.append(el("li", { text: s.length ? s : "(empty name)" }));
    const note = el("p", { class: "hint", text: `Names the model writes now (the course's sampler, from the same random numbers every time, so they change only as the weights do). Context-free best: ${fmtNum(n.unigramNats, 5)} nats per character.` });
    const scroll = el("div", { class: "names-scroll" }, tbl);
    this.table.replaceChildren(scroll, note, samples);
  }

  private hover(x: number, y: number): void {
    if (!this.n) return;
    const [lo, hi] = this.bounds();
    const pw = this.width - PAD.l - PAD.r, ph = H - PAD.t - PAD.b;
    let best = -1, bd = 64;
    for (let i = 0; i < this.n; i++) {
      const px = PAD.l + ((this.truth[i] - lo) / (hi - lo)) * pw, py = PAD.t + ph - ((this.pred[i] - lo) / (hi - lo)) * ph;
      const d = (px - x) ** 2 + (py - y) ** 2;
      if (d < bd) { bd = d; best = i; }
    }
    if (best < 0) { this.tip.hide(); return; }
    this.tip.show([`true ${this.truth[best]}`, `predicted ${this.pred[best]}`, `error ${this.pred[best] - this.truth[best]}`], x, y);
  }
}
