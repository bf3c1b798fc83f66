/**
 * Timestep × training iteration: each row is the ledger's total log10‖dJ/da<t>‖ of one gradient view,
 * decimated to COLS columns (the largest value per column), newest row at the bottom. The whole run
 * stays on screen: when ROWS rows are full, every other row is dropped and from then on only every
 * second view is recorded (then every fourth, ...). The colour scale only widens during a run, so a
 * colour means the same value from the first row to the last. Values are kept; each paint maps them
 * through the LUT into one preallocated ImageData.
 */
import { LUT, finiteRange, shadeOf, cssOf, NUM_SHADES } from "./colormap";
import { maxDecimate } from "./decimate";
import { el, fitCanvas, onWidth, Tooltip } from "./dom";
import { fmtLog, fmtPow10 } from "./format";

export const ROWS = 160;
export const COLS = 400;
const HEIGHT = 200;
const LEFT = 56;
const BOTTOM = 18;

export class Heatmap {
  private readonly canvas: HTMLCanvasElement;
  private readonly legend: HTMLDivElement;
  private readonly tip: Tooltip;
  private readonly values = new Float64Array(ROWS * COLS);
  private readonly iterations = new Float64Array(ROWS);
  private readonly rowT = new Int32Array(ROWS);
  private readonly image = new ImageData(COLS, ROWS);
  private readonly scratch = document.createElement("canvas");
  private rows = 0;
  private stride = 1;
  private seen = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private width = 600;
  private cols = COLS;
  private readonly row = new Float64Array(COLS);

  constructor(host: HTMLElement) {
    this.canvas = el("canvas", { role: "img", "aria-label": "heatmap of log10 gradient norm by timestep and training iteration" });
    const wrap = el("div", { class: "canvas-wrap" }, this.canvas);
    this.legend = el("div", { class: "legend" });
    host.append(wrap, this.legend);
    this.tip = new Tooltip(wrap);
    this.scratch.width = COLS;
    this.scratch.height = ROWS;
    onWidth(host, (w) => { this.width = w; this.paint(); });
    this.canvas.addEventListener("mousemove", (e) => this.hover(e.offsetX, e.offsetY));
    this.canvas.addEventListener("mouseleave", () => this.tip.hide());
  }

  /** Forget every row (a reset). */
  clear(): void {
    this.rows = 0;
    this.stride = 1;
    this.seen = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
    this.paint();
  }

  /** Records the total of one view (iteration `it`). */
  add(total: Float64Array, it: number): void {
    if (this.seen++ % this.stride !== 0) return;
    if (this.rows === ROWS) {
      for (let r = 0; r < ROWS / 2; r++) {
        this.values.copyWithin(r * COLS, 2 * r * COLS, 2 * r * COLS + COLS);
        this.iterations[r] = this.iterations[2 * r];
        this.rowT[r] = this.rowT[2 * r];
      }
      this.rows = ROWS / 2;
      this.stride *= 2;
    }
    const T = total.length;
    if (this.rows === 0) this.cols = Math.min(COLS, T);
    maxDecimate(this.row, total, T, this.cols);
    this.values.set(this.row.subarray(0, this.cols), this.rows * COLS);
    this.iterations[this.rows] = it;
    this.rowT[this.rows] = T;
    this.rows++;
    const [a, b] = finiteRange(total);
    if (a === a) {
      this.lo = Math.min(this.lo, a);
      this.hi = Math.max(this.hi, b);
    }
  }

  paint(): void {
    const W = this.width;
    const ctx = fitCanvas(this.canvas, W, HEIGHT);
    ctx.clearRect(0, 0, W, HEIGHT);
    const plotW = W - LEFT - 4, plotH = HEIGHT - BOTTOM;
    ctx.fillStyle = "#444";
    ctx.font = "11px system-ui, sans-serif";
    if (this.rows === 0) {
      ctx.fillText("press Play or Step: each gradient view adds a row", LEFT, plotH / 2);
      this.legend.replaceChildren();
      return;
    }
    const lo = this.lo, hi = this.hi > this.lo ? this.hi : this.lo + 1e-9;
    const d = this.image.data;
    const cols = this.cols;
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < cols; c++) {
        const s = shadeOf(this.values[r * COLS + c], lo, hi) * 4;
        const o = (r * COLS + c) * 4;
        d[o] = LUT[s]; d[o + 1] = LUT[s + 1]; d[o + 2] = LUT[s + 2]; d[o + 3] = 255;
      }
    }
    const sctx = this.scratch.getContext("2d")!;
    sctx.putImageData(this.image, 0, 0, 0, 0, cols, this.rows);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.scratch, 0, 0, cols, this.rows, LEFT, 0, plotW, plotH);
    // axes
    ctx.fillStyle = "#444";
    ctx.textBaseline = "top";
    ctx.fillText("t=1", LEFT, plotH + 4);
    const T = this.rowT[this.rows - 1];
    const lastLabel = `t=${T}`;
    ctx.fillText(lastLabel, LEFT + plotW - ctx.measureText(lastLabel).width, plotH + 4);
    ctx.textBaseline = "alphabetic";
    ctx.fillText(`it ${this.iterations[0]}`, 2, 12);
    ctx.fillText(`it ${this.iterations[this.rows - 1]}`, 2, plotH - 2);
    const stops: string[] = [];
    for (let i = 0; i <= 8; i++) stops.push(cssOf(Math.min(NUM_SHADES - 1, Math.round((i / 8) * (NUM_SHADES - 1)))));
    const bar = el("span", { class: "legend-bar" });
    bar.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
    this.legend.replaceChildren(el("span", { text: `log10‖dJ/da<t>‖ ${fmtLog(lo)}` }), bar, el("span", { text: `${fmtLog(hi)} (fixed for the run; widens only)` }));
  }

  private hover(x: number, y: number): void {
    if (this.rows === 0) return;
    const plotW = this.width - LEFT - 4, plotH = HEIGHT - BOTTOM;
    if (x < LEFT || x > LEFT + plotW || y > plotH) { this.tip.hide(); return; }
    const c = Math.min(this.cols - 1, Math.floor(((x - LEFT) / plotW) * this.cols));
    const r = Math.min(this.rows - 1, Math.floor((y / plotH) * this.rows));
    const T = this.rowT[r];
    const a = Math.floor((c * T) / this.cols) + 1, b = Math.max(a, Math.floor(((c + 1) * T) / this.cols));
    const v = this.values[r * COLS + c];
    this.tip.show([`iteration ${this.iterations[r]}`, a === b ? `t = ${a}` : `t = ${a}..${b} (largest)`, `log10‖dJ/da<t>‖ = ${fmtLog(v)} (${fmtPow10(v)})`], x, y);
  }
}
