/**
 * The loss chart's running mean, as a pure function: Node tests it. Each finite value v moves the mean
 * m by max(1/k, 1/window)·(v − m), k = the number of finite values so far: the plain mean of the first
 * `window` values, then an exponential moving average with time constant `window`. Non-finite values
 * repeat the mean before them.
 */
export interface RunningMean {
  /** the mean so far (NaN before the first finite value) */
  m: number;
  /** finite values seen */
  k: number;
}

/** Writes out[from + i] = the mean after values[0..i]; updates `s`. */
export function extendRunningMean(s: RunningMean, values: ArrayLike<number>, out: Float64Array, from: number, window: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > -Infinity && v < Infinity) {
      s.k++;
      s.m = s.m === s.m ? s.m + Math.max(1 / s.k, 1 / window) * (v - s.m) : v;
    }
    out[from + i] = s.m;
  }
}
