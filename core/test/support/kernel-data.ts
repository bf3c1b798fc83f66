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

export type GemmKind = "NT" | "NN" | "TN";
type GemmLike = (
  C: Float64Array, cOff: number, ldc: number, A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number, M: number, N: number, K: number) => unknown;
export interface GemmShape { M: number; N: number; K: number; aOff: number; bOff: number; cOff: number; padA: number; padB: number; padC: number; seed: number }

/**
 * Runs a reference and a candidate gemm of `kind` on the same random operands (stored shapes: NT: A
 * (M, K), B (N, K); NN: A (M, K), B (K, N); TN: A (K, M), B (K, N)) and accumulating into the same
 * random C: the first index where the two C differ (-1: none) and what the candidate returned.
 */
export function compareGemm(kind: GemmKind, reference: GemmLike, candidate: GemmLike, s: GemmShape): { diff: number; returned: unknown } {
  const { M, N, K } = s;
  const aRows = kind === "TN" ? K : M, aCols = kind === "TN" ? M : K;
  const bRows = kind === "NT" ? N : K, bCols = kind === "NT" ? K : N;
  const lda = aCols + s.padA, ldb = bCols + s.padB, ldc = N + s.padC;
  const A = data(s.aOff + aRows * lda, s.seed);
  const B = data(s.bOff + bRows * ldb, s.seed + 1);
  const C0 = data(s.cOff + M * ldc, s.seed + 2, false);
  const C1 = C0.slice();
  reference(C0, s.cOff, ldc, A, s.aOff, lda, B, s.bOff, ldb, M, N, K);
  const returned = candidate(C1, s.cOff, ldc, A, s.aOff, lda, B, s.bOff, ldb, M, N, K);
  return { diff: firstDiff(C0, C1), returned };
}
