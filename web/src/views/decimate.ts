/**
 * Decimation to pixel width (uPlot's README: draw what the pixels can show). Pure functions over
 * typed arrays; the caller keeps the full arrays for exact hover values.
 */

/**
 * out[c] = the largest value of v over column c's index range [⌊c·n/cols⌋, ⌊(c+1)·n/cols⌋), so a spike
 * survives. NaN wins over numbers (it must be seen); -Infinity only when the whole range is -Infinity.
 * Overwrites out (length cols). With n <= cols each value spans one or more columns.
 */
export function maxDecimate(out: Float64Array | Float32Array, v: ArrayLike<number>, n: number, cols: number): void {
  for (let c = 0; c < cols; c++) {
    let a = Math.floor((c * n) / cols);
    let b = Math.floor(((c + 1) * n) / cols);
    if (b <= a) b = a + 1;
    if (a >= n) a = n - 1;
    let m = -Infinity;
    for (let i = a; i < b && i < n; i++) {
      const x = v[i];
      if (x !== x) { m = NaN; break; }
      if (x > m) m = x;
    }
    out[c] = m;
  }
}

/**
 * The indices to draw for a line of n points in `buckets` pixel buckets: in each bucket the indices of
 * the smallest and the largest finite `key` value, in order, plus the first and last index. Returns
 * all indices when n <= 2·buckets. Non-finite values are kept at bucket boundaries so gaps show.
 */
export function minMaxIndices(key: ArrayLike<number>, n: number, buckets: number): Int32Array {
  if (n <= 2 * buckets) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const out: number[] = [0];
  for (let c = 0; c < buckets; c++) {
    const a = Math.floor((c * n) / buckets), b = Math.floor(((c + 1) * n) / buckets);
    let lo = -1, hi = -1;
    for (let i = a; i < b; i++) {
      const x = key[i];
      if (!(x > -Infinity && x < Infinity)) { if (lo < 0) lo = hi = i; continue; }
      if (lo < 0 || !(key[lo] <= x)) lo = i;
      if (hi < 0 || !(key[hi] >= x)) hi = i;
    }
    if (lo < 0) continue;
    const p = Math.min(lo, hi), q = Math.max(lo, hi);
    if (p > out[out.length - 1]) out.push(p);
    if (q > out[out.length - 1]) out.push(q);
  }
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return Int32Array.from(out);
}

