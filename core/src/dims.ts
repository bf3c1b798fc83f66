/**
 * The dimension letters used in every comment and shape in rnnlab.
 *
 *   T  time steps          t = 1..T in the course's notation, stored at index t-1 (x) or t (states)
 *   B  batch size          independent sequences processed side by side
 *   I  input size          n_x in the course
 *   H  hidden size         n_a in the course
 *   O  output size         n_y in the course
 *   G  gate blocks         1 (vanilla), 3 (GRU), 4 (LSTM): rows of the stacked gate matrix are G·H
 *
 * Memory layouts (flat, row-major Float64Array, offsets not views):
 *   x      (T, B, I)     x<t> for batch b at ((t-1)·B + b)·I   (PyTorch's time-major layout)
 *   a, c   (T+1, B, H)   a<t> at (t·B + b)·H, with a<0> (the initial state) at index 0
 *   yhat   (T, B, O)     yhat<t> at ((t-1)·B + b)·O
 *   W      (rows, cols)  W[r, k] at r·cols + k
 *
 * The course writes arrays as (n, m) = (features, batch); rnnlab stores (batch, features), so the
 * course's a[j][b] is our a[b·H + j]. Converters in tests do that transpose explicitly.
 */
export interface Dims {
  /** time steps */
  T: number;
  /** batch size */
  B: number;
  /** input size */
  I: number;
  /** hidden size */
  H: number;
  /** output size */
  O: number;
}

/** Throws a RangeError naming `field` unless v is an integer in [min, max]. NaN-safe. */
export function checkInt(field: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!(Number.isInteger(v) && v >= min && v <= max)) {
    throw new RangeError(`${field} must be an integer in [${min}, ${max}], got ${v}`);
  }
}
