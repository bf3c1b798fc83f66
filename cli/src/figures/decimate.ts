/**
 * Min-max decimation to the pixel width (uPlot's approach): a line of 100,000 points drawn in 600
 * pixels keeps, for each pixel column, its first, lowest, highest and last point, in order. The
 * envelope the eye sees is exact; the SVG stays small. Non-finite y (an exact zero on a log axis,
 * stored as null or -Infinity) is kept as a gap marker, so a line breaks there instead of bridging it.
 */

/** A point of a line; y = null is a gap. */
export type Point = [x: number, y: number | null];

/**
 * The points of (x[i], y[i]) reduced to at most ~4 per bucket; `buckets` is the pixel width. x must
 * be ascending. Returns every point unchanged when there are at most 4·buckets of them.
 */
export function decimateMinMax(x: ArrayLike<number>, y: ArrayLike<number | null>, buckets: number): Point[] {
  const n = Math.min(x.length, y.length);
  const val = (i: number): number | null => {
    const v = y[i];
    return v === null || !Number.isFinite(v) ? null : v;
  };
  const out: Point[] = [];
  if (n <= 4 * buckets || n < 2) {
    for (let i = 0; i < n; i++) out.push([x[i], val(i)]);
    return out;
  }
  const x0 = x[0], span = x[n - 1] - x[0] || 1;
  let i = 0;
  while (i < n) {
    const b = Math.min(buckets - 1, Math.floor(((x[i] - x0) / span) * buckets));
    let j = i;
    while (j < n && Math.min(buckets - 1, Math.floor(((x[j] - x0) / span) * buckets)) === b) j++;
    // bucket [i, j): runs of finite values separated by gaps, each reduced to first, min, max, last
    let k = i;
    while (k < j) {
      if (val(k) === null) {
        out.push([x[k], null]);
        while (k < j && val(k) === null) k++;
        continue;
      }
      const s = k;
      let lo = k, hi = k;
      while (k < j && val(k) !== null) {
        if ((val(k) as number) < (val(lo) as number)) lo = k;
        if ((val(k) as number) > (val(hi) as number)) hi = k;
        k++;
      }
      const keep = [s, lo, hi, k - 1].sort((a, c) => a - c);
      for (let q = 0; q < keep.length; q++) if (q === 0 || keep[q] !== keep[q - 1]) out.push([x[keep[q]], val(keep[q])]);
    }
    i = j;
  }
  return out;
}
