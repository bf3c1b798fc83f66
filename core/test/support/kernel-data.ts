// Operands and comparison shared by the kernel tests (kernels.test.ts, simd.test.ts).
import { Rng } from "../../src/rng";

/** A random array of n values ~ N(0,1) from `seed`, with about a fifth of them set to exact zeros. */
export function data(n: number, seed: number, zeros = true): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(n);
  rng.fillRandn(a, 0, n);
  if (zeros) for (let i = 0; i < n; i++) if (rng.randomSample() < 0.2) a[i] = 0;
  return a;
}

/** Index of the first entry where a and b differ (±0 equal, NaN equal to NaN), or -1. */
export function firstDiff(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(a[i] !== a[i] && b[i] !== b[i])) return i;
  return -1;
}
