/**
 * The products that remain inside the recurrence at small batch (B < ROW_KERNEL_B), one batch row at a
 * time: W·a<t-1> forward, Wᵀ·dpre backward, and (with the input projection not hoisted) the row's whole
 * pre-activation. They are about 80% of a batch-1 step. When the weights are pinned (withPinned, as in
 * every BPTT pass) and the product has at least SIMD_ROW_MIN_WORK multiply-adds, they run in
 * WebAssembly (simd.ts); otherwise in linalg's blocked kernels with M = 1 (their 1×8 strips).
 *
 * Bits: every entry is computed with the operations of the naive gemmNT / gemmNN references, in the
 * same order, whichever path runs:
 *   matvecRow: s = Σ_k x[k]·W[n, k] for k ascending, started at 0, then y[n] += s      (= gemmNT, M = 1)
 *   vecmatRow: y[n] + x[0]·W[0, n] + x[1]·W[1, n] + … for k ascending, one add at a time (= gemmNN, M = 1)
 * so a step computed here and one computed by linalg for a batch of 4 or more give the same bits
 * row for row, and full, checkpointed and truncated BPTT stay bit-identical to one another.
 * None of them allocates.
 */
import { gemmNNBlocked, gemmNTBlocked } from "../linalg";
import { simdMatvecRow, simdVecmatRow } from "../simd";

/** Batches below this size run the recurrence through the per-row kernels; larger ones through linalg's 4×4 tiles. */
export const ROW_KERNEL_B = 4;

/**
 * y[yOff + n] += Σ_k x[xOff + k]·W[wOff + n·ldw + k]   for n < N, k < K:  y += W·x with W (N, K)
 * row-major at row stride ldw. Accumulates. Bit-identical to gemmNT(y, x, W) with M = 1.
 */
export function matvecRow(y: Float64Array, yOff: number, W: Float64Array, wOff: number, ldw: number, x: Float64Array, xOff: number, N: number, K: number): void {
  if (!simdMatvecRow(y, yOff, W, wOff, ldw, x, xOff, N, K)) gemmNTBlocked(y, yOff, N, x, xOff, K, W, wOff, ldw, 1, N, K);
}

/**
 * y[yOff + n] += Σ_k x[xOff + k]·W[wOff + k·ldw + n]   for n < N, k < K:  y += Wᵀ·x with W (K, N)
 * row-major at row stride ldw, each sum started from y[n] and taken for k ascending. Accumulates.
 * Bit-identical to gemmNNBlocked(y, x, W) with M = 1.
 */
export function vecmatRow(y: Float64Array, yOff: number, x: Float64Array, xOff: number, W: Float64Array, wOff: number, ldw: number, N: number, K: number): void {
  if (!simdVecmatRow(y, yOff, x, xOff, W, wOff, ldw, N, K)) gemmNNBlocked(y, yOff, N, x, xOff, K, W, wOff, ldw, 1, N, K);
}

/**
 * y[yOff + n] = (bias[bOff + n] + Σ_i x[xOff + i]·Wx[wxOff + n·ldx + i]) + Σ_k a[aOff + k]·Wa[waOff + n·lda + k]
 * for n < N, i < I, k < K: one row's pre-activation, input projection and recurrent product. Overwrites
 * y. The same bits as the hoisted form it replaces at small batch: fillRows(y, bias), then gemmNT's
 * y += (Σ_i, from 0), then the step's y += (Σ_k, from 0); writing y right before the step reads it
 * spares the step a read of a (T, B, G·H) buffer filled long before.
 */
export function affineRow(
  y: Float64Array, yOff: number, bias: Float64Array, bOff: number,
  Wx: Float64Array, wxOff: number, ldx: number, x: Float64Array, xOff: number, I: number,
  Wa: Float64Array, waOff: number, lda: number, a: Float64Array, aOff: number, K: number, N: number,
): void {
  for (let n = 0; n < N; n++) y[yOff + n] = bias[bOff + n];
  matvecRow(y, yOff, Wx, wxOff, ldx, x, xOff, N, I);
  matvecRow(y, yOff, Wa, waOff, lda, a, aOff, N, K);
}
