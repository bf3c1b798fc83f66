/**
 * Timestep × training iteration: row r is one training iteration (its number on the y axis and in the
 * hover), column c a run of steps t, coloured by the ledger's total log10‖dJ/da<t>‖ of that iteration's
 * own backward pass. The training worker sends a row for every step (heat-rows.ts), so rows are exact
 * iterations even when many steps pass between two paints; HeatHistory keeps every s-th iteration
 * (s = 1, 2, 4, ...) so that the whole run fits in HEAT_ROWS rows, and the caption says which.
 * The colour scale only widens during a run, so a colour means the same value from the first row to
 * the last. Each paint maps the values through the LUT into one preallocated ImageData; columns beyond
 * a row's own sequence (a short char-lm name) are left blank.
 */
import { LUT, cssOf, shadeOf, NUM_SHADES } from "./colormap";
import { el, fitCanvas, onWidth, Tooltip } from "./dom";
import { fmtLog, fmtPow10 } from "./format";
import { HEAT_COLS, HEAT_ROWS, HeatHistory, columnSteps, type HeatRows } from "../heat-rows";

const HEIGHT = 200;
const LEFT = 64;
const BOTTOM = 18;
/** the blank of a column with no step (the page's background) */
const BLANK = [255, 255, 255];

/** Where the y-axis ticks go: up to `max` rows, evenly spread, always the first and the last. */
export function tickRows(rows: number, max = 5): number[] {
  if (rows <= 0) return [];
  if (rows === 1) return [0];
  const n = Math.min(max, rows);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = Math.round((i * (rows - 1)) / (n - 1));
    if (out[out.length - 1] !== r) out.push(r);
  }
  return out;
}

/** 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 32nd. */
export function ordinal(n: number): string {
  const m100 = n % 100, m10 = n % 10;
  const suffix = m100 >= 11 && m100 <= 13 ? "th" : m10 === 1 ? "st" : m10 === 2 ? "nd" : m10 === 3 ? "rd" : "th";
  return `${n}${suffix}`;
}

/** The caption that says which iterations the rows are. */
export function rowsCaption(h: Pick<HeatHistory, "rows" | "stride" | "iterations">): string {
  if (h.rows === 0) return "";
  const first = h.iterations[0], last = h.iterations[h.rows - 1];
  const which = h.stride === 1 ? "every iteration" : `every ${ordinal(h.stride)} iteration (${first}, ${first + h.stride}, ${first + 2 * h.stride}, …)`;
  return `${h.rows} row${h.rows > 1 ? "s" : ""}, one per training iteration: ${which} from ${first} to ${last}, newest at the bottom. Iteration 0 is the gradient before the first update.`;
}

export class Heatmap {
  readonly history = new HeatHistory();
  private readonly canvas: HTMLCanvasElement;
  private readonly legend: HTMLDivElement;
  private readonly caption: HTMLParagraphElement;
  private readonly tip: Tooltip;
  private readonly image = new ImageData(HEAT_COLS, HEAT_ROWS);
  private readonly scratch = document.createElement("canvas");
  private width = 600;
  private legendKey = "";

  constructor(host: HTMLElement) {
    this.canvas = el("canvas", { role: "img", "aria-label": "heatmap of log10 gradient norm by timestep and training iteration" });
    const wrap = el("div", { class: "canvas-wrap" }, this.canvas);
    this.legend = el("div", { class: "legend" });
    this.caption = el("p", { class: "info heat-caption" });
    host.append(wrap, this.legend, this.caption);
    this.tip = new Tooltip(wrap);
    this.scratch.width = HEAT_COLS;
    this.scratch.height = HEAT_ROWS;
    onWidth(host, (w) => { this.width = w; this.paint(); });
    this.canvas.addEventListener("mousemove", (e) => this.hover(e.offsetX, e.offsetY));
    this.canvas.addEventListener("mouseleave", () => this.tip.hide());
  }

  /** Forget every row (a reset). */
  clear(): void {
    this.history.clear();
    this.paint();
  }

  /** Records a frame's rows (one per training step it holds). */
  add(rows: HeatRows): void {
    this.history.add(rows);
  }

  paint(): void {
    const h = this.history;
    const W = this.width;
    const ctx = fitCanvas(this.canvas, W, HEIGHT);
    ctx.clearRect(0, 0, W, HEIGHT);
    const plotW = W - LEFT - 4, plotH = HEIGHT - BOTTOM;
    ctx.fillStyle = "#444";
    ctx.font = "11px system-ui, sans-serif";
    if (h.rows === 0) {
      ctx.fillText("press Play or Step: each training iteration adds a row", LEFT, plotH / 2);
      this.legend.replaceChildren();
      this.legendKey = "";
      this.caption.textContent = "";
      return;
    }
    const lo = h.lo, hi = h.hi > h.lo ? h.hi : h.lo + 1e-9;
    const d = this.image.data;
    const cols = h.cols, rows = h.rows, stride = h.maxCols;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const o = (r * HEAT_COLS + c) * 4;
        if (h.argT[r * stride + c] === 0) { // the column lies beyond this row's sequence
          d[o] = BLANK[0]; d[o + 1] = BLANK[1]; d[o + 2] = BLANK[2]; d[o + 3] = 255;
          continue;
        }
        const s = shadeOf(h.values[r * stride + c], lo, hi) * 4;
        d[o] = LUT[s]; d[o + 1] = LUT[s + 1]; d[o + 2] = LUT[s + 2]; d[o + 3] = 255;
      }
    }
    const sctx = this.scratch.getContext("2d")!;
    sctx.putImageData(this.image, 0, 0, 0, 0, cols, rows);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.scratch, 0, 0, cols, rows, LEFT, 0, plotW, plotH);
    // x axis: t
    ctx.fillStyle = "#444";
    ctx.textBaseline = "top";
    ctx.fillText("t=1", LEFT, plotH + 4);
    const lastLabel = `t=${h.Tmax}`;
    ctx.fillText(lastLabel, LEFT + plotW - ctx.measureText(lastLabel).width, plotH + 4);
    // y axis: the iteration of each ticked row, at the row's middle
    ctx.textBaseline = "middle";
    ctx.strokeStyle = "#888";
    for (const r of tickRows(rows)) {
      const y = ((r + 0.5) / rows) * plotH;
      const label = String(h.iterations[r]);
      ctx.fillText(label, LEFT - 6 - ctx.measureText(label).width, Math.min(plotH - 6, Math.max(6, y)));
      ctx.beginPath(); ctx.moveTo(LEFT - 4, y); ctx.lineTo(LEFT, y); ctx.stroke();
    }
    ctx.save();
    ctx.translate(10, plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText("iteration", 0, 0);
    ctx.restore();
    ctx.textBaseline = "alphabetic";
    const key = `${fmtLog(lo)} ${fmtLog(hi)}`;
    if (key !== this.legendKey) {
      this.legendKey = key;
      const stops: string[] = [];
      for (let i = 0; i <= 8; i++) stops.push(cssOf(Math.min(NUM_SHADES - 1, Math.round((i / 8) * (NUM_SHADES - 1)))));
      const bar = el("span", { class: "legend-bar" });
      bar.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
      this.legend.replaceChildren(el("span", { text: `log10‖dJ/da<t>‖ ${fmtLog(lo)}` }), bar, el("span", { text: `${fmtLog(hi)} (fixed for the run; widens only)` }));
    }
    this.caption.textContent = rowsCaption(h);
  }

  /** The row and column under a point of the canvas, or null outside the plot. */
  private cellAt(x: number, y: number): { r: number; c: number } | null {
    const h = this.history;
    const plotW = this.width - LEFT - 4, plotH = HEIGHT - BOTTOM;
    if (h.rows === 0 || x < LEFT || x > LEFT + plotW || y < 0 || y > plotH) return null;
    return {
      c: Math.min(h.cols - 1, Math.floor(((x - LEFT) / plotW) * h.cols)),
      r: Math.min(h.rows - 1, Math.floor((y / plotH) * h.rows)),
    };
  }

  private hover(x: number, y: number): void {
    const at = this.cellAt(x, y);
    if (!at) { this.tip.hide(); return; }
    this.tip.show(hoverLines(this.history, at.r, at.c), x, y);
  }
}

/** The tooltip of row r, column c: the exact iteration, the t, and the exact value there. */
export function hoverLines(h: HeatHistory, r: number, c: number): string[] {
  const it = `iteration ${h.iterations[r]}`;
  const [a, b] = columnSteps(c, h.cols, h.Tmax);
  const T = h.rowT[r];
  const v = h.at(r, c);
  if (v === null) return [it, `no step t = ${a}: this iteration's sequence has T = ${T}`];
  const t = h.argT[r * h.maxCols + c];
  const where = a === Math.min(b, T) ? `t = ${t}` : `t = ${t} (the largest of t = ${a}..${Math.min(b, T)})`;
  return [it, where, `log10‖dJ/da<t>‖ = ${fmtLog(v)} (${fmtPow10(v)})`];
}
