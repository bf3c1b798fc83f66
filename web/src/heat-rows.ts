/**
 * The heatmap's rows, one per training iteration, built in the training worker from each step's own
 * ledger (so no iteration between two paints is lost, and the main thread only copies rows).
 *
 * A run's rows share one t axis: t = 1..Tmax (the longest sequence the task can build; char-lm's
 * names and adding-hs's batches are shorter or longer from step to step) in `cols` = min(HEAT_COLS, Tmax)
 * columns. Column c covers t in [a_c + 1, b_c] with a_c = ⌊c·Tmax/cols⌋, b_c = max(a_c + 1, ⌊(c+1)·Tmax/cols⌋)
 * and holds the largest total log10‖dJ/da<t>‖ there (a spike survives) and the t it came from, so hover
 * names one exact (iteration, t, value). A column that starts beyond a row's own T has no step: it
 * holds NaN and t = 0, and the row's T says why (the heatmap paints it blank, not as NaN).
 * Pure and DOM-free: Node tests it.
 */

/** Most columns a heatmap row has (one per t up to this many steps, then the largest of each run of t). */
export const HEAT_COLS = 400;

/** The rows of one frame: row k is iteration[k], whose sequence had T[k] steps. */
export interface HeatRows {
  cols: number;
  Tmax: number;
  iteration: Float64Array;
  T: Int32Array;
  /** rows × cols, row-major */
  values: Float64Array;
  /** rows × cols: the t each value is from (0: no step in that column) */
  argT: Int32Array;
}

/** The columns of a run whose longest sequence has Tmax steps. */
export function heatCols(Tmax: number): number {
  return Math.max(1, Math.min(HEAT_COLS, Tmax));
}

/** The t range [from, to] (1-based, inclusive) that column c covers. */
export function columnSteps(c: number, cols: number, Tmax: number): [number, number] {
  const a = Math.floor((c * Tmax) / cols);
  const b = Math.max(a + 1, Math.floor(((c + 1) * Tmax) / cols));
  return [a + 1, b];
}

/**
 * Writes one row: out[off + c] = the largest total[t-1] over column c's t range within 1..T and
 * outT[off + c] = that t (the first NaN wins; a range of -Infinity gives its first t). A range that
 * starts beyond T gives NaN and t = 0.
 */
export function decimateRow(out: Float64Array, outT: Int32Array, off: number, total: ArrayLike<number>, T: number, Tmax: number, cols: number): void {
  for (let c = 0; c < cols; c++) {
    // columnSteps(c, cols, Tmax), inlined: this runs for every column of every training step
    const from = Math.floor((c * Tmax) / cols) + 1, to = Math.max(from, Math.floor(((c + 1) * Tmax) / cols));
    if (from > T) { out[off + c] = NaN; outT[off + c] = 0; continue; }
    let m = total[from - 1], at = from;
    for (let t = from + 1; t <= to && t <= T && m === m; t++) {
      const x = total[t - 1];
      if (x !== x || x > m) { m = x; at = t; }
    }
    out[off + c] = m;
    outT[off + c] = at;
  }
}

/** Collects rows during a run, growing as steps come; `take()` hands them over as transferable arrays. */
export class HeatRowBuffer {
  readonly cols: number;
  private values: Float64Array;
  private argT: Int32Array;
  private iteration: Float64Array;
  private T: Int32Array;
  private n = 0;

  constructor(readonly Tmax: number) {
    this.cols = heatCols(Tmax);
    this.values = new Float64Array(16 * this.cols);
    this.argT = new Int32Array(16 * this.cols);
    this.iteration = new Float64Array(16);
    this.T = new Int32Array(16);
  }

  push(iteration: number, total: ArrayLike<number>, T: number): void {
    if (this.n === this.iteration.length) {
      const cap = 2 * this.n;
      const v = new Float64Array(cap * this.cols); v.set(this.values); this.values = v;
      const a = new Int32Array(cap * this.cols); a.set(this.argT); this.argT = a;
      const it = new Float64Array(cap); it.set(this.iteration); this.iteration = it;
      const tt = new Int32Array(cap); tt.set(this.T); this.T = tt;
    }
    decimateRow(this.values, this.argT, this.n * this.cols, total, T, this.Tmax, this.cols);
    this.iteration[this.n] = iteration;
    this.T[this.n] = T;
    this.n++;
  }

  /** The rows so far, trimmed copies; the buffer starts empty again. */
  take(): HeatRows {
    const n = this.n;
    this.n = 0;
    return {
      cols: this.cols, Tmax: this.Tmax,
      iteration: this.iteration.slice(0, n), T: this.T.slice(0, n),
      values: this.values.slice(0, n * this.cols), argT: this.argT.slice(0, n * this.cols),
    };
  }
}

/** Most rows the heatmap keeps: the whole run stays on screen, thinned by powers of two. */
export const HEAT_ROWS = 160;

/**
 * The heatmap's memory of a run: at most HEAT_ROWS rows, each one exact training iteration. Rows are
 * the iterations that are multiples of `stride` (0, s, 2s, ...; s a power of two): when the rows are
 * full, the rows at odd multiples are dropped and s doubles, so row r always holds iteration r·s
 * (when every iteration arrives, as the worker sends them all). Pure: the view (heatmap.ts) paints it.
 */
export class HeatHistory {
  cols = 1;
  Tmax = 1;
  rows = 0;
  stride = 1;
  /** the colour scale's ends: the smallest and largest finite value recorded (the scale only widens) */
  lo = Infinity;
  hi = -Infinity;
  readonly values: Float64Array;
  readonly argT: Int32Array;
  readonly iterations: Float64Array;
  readonly rowT: Int32Array;
  /** the sizes the heatmap's image is made for (views/heatmap.ts) */
  readonly maxRows = HEAT_ROWS;
  readonly maxCols = HEAT_COLS;

  constructor() {
    this.values = new Float64Array(this.maxRows * this.maxCols);
    this.argT = new Int32Array(this.maxRows * this.maxCols);
    this.iterations = new Float64Array(this.maxRows);
    this.rowT = new Int32Array(this.maxRows);
  }

  clear(): void {
    this.rows = 0;
    this.stride = 1;
    this.lo = Infinity;
    this.hi = -Infinity;
  }

  /** Records the rows of a frame whose iteration is a multiple of the stride. */
  add(h: HeatRows): void {
    if (this.rows === 0 || h.cols !== this.cols || h.Tmax !== this.Tmax) {
      if (this.rows > 0) this.clear(); // a new run's geometry: nothing recorded belongs to it
      this.cols = h.cols;
      this.Tmax = h.Tmax;
    }
    const n = h.iteration.length, cols = this.cols, W = this.maxCols;
    for (let k = 0; k < n; k++) {
      const it = h.iteration[k];
      if (it % this.stride !== 0) continue;
      if (this.rows === this.maxRows) {
        this.thin();
        if (it % this.stride !== 0) continue;
      }
      const r = this.rows++;
      for (let c = 0; c < cols; c++) {
        const v = h.values[k * cols + c];
        this.values[r * W + c] = v;
        this.argT[r * W + c] = h.argT[k * cols + c];
        if (v > -Infinity && v < Infinity) {
          if (v < this.lo) this.lo = v;
          if (v > this.hi) this.hi = v;
        }
      }
      this.iterations[r] = it;
      this.rowT[r] = h.T[k];
    }
  }

  /** Doubles the stride: keeps the rows at multiples of the new stride, in order. */
  private thin(): void {
    const s = 2 * this.stride, W = this.maxCols;
    let w = 0;
    for (let r = 0; r < this.rows; r++) {
      if (this.iterations[r] % s !== 0) continue;
      if (w !== r) {
        this.values.copyWithin(w * W, r * W, r * W + W);
        this.argT.copyWithin(w * W, r * W, r * W + W);
        this.iterations[w] = this.iterations[r];
        this.rowT[w] = this.rowT[r];
      }
      w++;
    }
    this.rows = w;
    this.stride = s;
  }

  /** The value at row r, column c; null when the column lies beyond that row's sequence (argT 0: no step there). */
  at(r: number, c: number): number | null {
    const i = r * this.maxCols + c;
    return this.argT[i] === 0 ? null : this.values[i];
  }
}
