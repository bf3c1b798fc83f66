/**
 * The unrolled network: a strip of T cells a<1> .. a<T>, each coloured by log10‖dJ/da<t>‖ (the
 * ledger's total) on the viridis scale of this step's range. At T larger than the strip's pixel width
 * each pixel column shows the largest value of its steps (maxDecimate). Painting goes through one
 * ImageData and the LUT. Hover shows the exact values; a click (or the arrow keys) picks t for the
 * chain-rule panel.
 */
import { LUT, cssOf, finiteRange, shadeOf, NUM_SHADES } from "./colormap";
import { maxDecimate } from "./decimate";
import { el, fitCanvas, onWidth, Tooltip } from "./dom";
import { fmtLog, fmtPow10 } from "./format";
import type { GradientView } from "../protocol";

const CELL_H = 36;
const AXIS_H = 18;

export class StripView {
  readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly legend: HTMLDivElement;
  private readonly tip: Tooltip;
  private width = 600;
  private view: GradientView | null = null;
  private pick = 0;
  private image: ImageData | null = null;
  private cols = new Float64Array(0);
  private range: [number, number] = [0, 1];

  constructor(host: HTMLElement, private readonly onPick: (t: number) => void) {
    this.canvas = el("canvas", { tabindex: "0", role: "img", "aria-label": "unrolled network coloured by log10 of the gradient norm; arrow keys pick a step" });
    this.legend = el("div", { class: "legend" });
    const wrap = el("div", { class: "canvas-wrap" }, this.canvas);
    this.root = el("div", {}, wrap, this.legend);
    host.append(this.root);
    this.tip = new Tooltip(wrap);
    onWidth(host, (w) => { this.width = w; this.draw(); });
    this.canvas.addEventListener("mousemove", (e) => this.hover(e.offsetX, e.offsetY));
    this.canvas.addEventListener("mouseleave", () => this.tip.hide());
    this.canvas.addEventListener("click", (e) => {
      const t = this.tAt(e.offsetX);
      if (t) this.onPick(t);
    });
    this.canvas.addEventListener("keydown", (e) => {
      if (!this.view) return;
      const T = this.view.T;
      const big = Math.max(1, Math.round(T / 20));
      let t = this.pick || T;
      if (e.key === "ArrowLeft") t -= e.shiftKey ? big : 1;
      else if (e.key === "ArrowRight") t += e.shiftKey ? big : 1;
      else if (e.key === "Home") t = 1;
      else if (e.key === "End") t = T;
      else return;
      e.preventDefault();
      this.onPick(Math.max(1, Math.min(T, t)));
    });
  }

  private tAt(x: number): number {
    if (!this.view) return 0;
    const T = this.view.T;
    return Math.max(1, Math.min(T, Math.floor((x / this.width) * T) + 1));
  }

  private hover(x: number, y: number): void {
    const v = this.view;
    if (!v) return;
    const t = this.tAt(x);
    const i = t - 1;
    this.tip.show([
      `t = ${t} (iteration ${v.iteration})`,
      `log10‖dJ/da<t>‖ total ${fmtLog(v.total[i])}  (${fmtPow10(v.total[i])})`,
      `direct ${fmtLog(v.direct[i])}   recurrent ${fmtLog(v.recurrent[i])}`,
      "click: chain rule at this t",
    ], x, y);
  }

  update(view: GradientView, pick: number): void {
    this.view = view;
    this.pick = pick;
    this.draw();
  }

  private draw(): void {
    const v = this.view;
    const W = this.width;
    const ctx = fitCanvas(this.canvas, W, CELL_H + AXIS_H);
    ctx.clearRect(0, 0, W, CELL_H + AXIS_H);
    if (!v) return;
    const T = v.T;
    const [lo0, hi0] = finiteRange(v.total);
    const lo = lo0 === lo0 ? lo0 : 0, hi = hi0 === hi0 ? Math.max(hi0, lo + 1e-9) : 1;
    this.range = [lo, hi];
    // one ImageData row of pixel columns (device pixels), stretched to the strip's height
    const dpr = this.canvas.width / W;
    const px = Math.max(1, Math.round(W * dpr));
    if (this.cols.length !== px) this.cols = new Float64Array(px);
    maxDecimate(this.cols, v.total, T, px);
    const h = Math.max(1, Math.round(CELL_H * dpr));
    if (!this.image || this.image.width !== px || this.image.height !== h) this.image = new ImageData(px, h);
    const data = this.image.data;
    const cellPx = px / T;
    const gaps = cellPx >= 6; // draw cell borders when cells are wide enough to see
    // one row of pixels through the LUT, then copied down the strip's height
    for (let c = 0; c < px; c++) {
      const o = c * 4;
      if (gaps && Math.floor((c + 1) / cellPx) !== Math.floor(c / cellPx)) {
        data[o] = 255; data[o + 1] = 255; data[o + 2] = 255; data[o + 3] = 255;
        continue;
      }
      const s = shadeOf(this.cols[c], lo, hi) * 4;
      data[o] = LUT[s]; data[o + 1] = LUT[s + 1]; data[o + 2] = LUT[s + 2]; data[o + 3] = 255;
    }
    for (let r = 1; r < h; r++) data.copyWithin(r * px * 4, 0, px * 4);
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.putImageData(this.image, 0, 0);
    ctx.restore();
    // the picked step
    if (this.pick >= 1 && this.pick <= T) {
      const x0 = ((this.pick - 1) / T) * W, x1 = (this.pick / T) * W;
      ctx.strokeStyle = "#e4572e";
      ctx.lineWidth = 2;
      ctx.strokeRect(Math.max(1, x0), 1, Math.max(2, x1 - x0), CELL_H - 2);
    }
    // axis: t = 1, a few ticks, t = T
    ctx.fillStyle = "#444";
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "top";
    const ticks = niceTicks(T, Math.max(2, Math.floor(W / 90)));
    for (const t of ticks) {
      const x = ((t - 0.5) / T) * W;
      ctx.fillRect(x, CELL_H, 1, 4);
      const label = t === 1 ? "t=1" : String(t);
      const tw = ctx.measureText(label).width;
      ctx.fillText(label, Math.max(0, Math.min(W - tw, x - tw / 2)), CELL_H + 5);
    }
    this.drawLegend(lo, hi);
  }

  private drawLegend(lo: number, hi: number): void {
    const stops: string[] = [];
    for (let i = 0; i <= 8; i++) stops.push(cssOf(Math.min(NUM_SHADES - 1, Math.round((i / 8) * (NUM_SHADES - 1)))));
    const bar = el("span", { class: "legend-bar" });
    bar.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
    const zero = el("span", { class: "swatch" });
    zero.style.background = cssOf(NUM_SHADES);
    this.legend.replaceChildren(
      el("span", { text: `log10‖dJ/da<t>‖ ${fmtLog(lo)}` }), bar, el("span", { text: fmtLog(hi) }),
      el("span", { class: "legend-gap" }), zero, el("span", { text: "exactly 0" }),
    );
  }

  /** The colour range of the last paint (for tests and the heatmap legend). */
  get colourRange(): [number, number] {
    return this.range;
  }
}

/** Up to `n` round tick positions in 1..T, always including 1 and T. */
export function niceTicks(T: number, n: number): number[] {
  const raw = T / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out = [1];
  for (let t = step; t < T; t += step) if (t - out[out.length - 1] >= step * 0.6 && T - t >= step * 0.6) out.push(t);
  out.push(T);
  return out;
}
