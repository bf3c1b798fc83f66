/**
 * Per-row matrix-vector kernels for the time loop at small batch (B < ROW_KERNEL_B): one batch row
 * times a weight block, the products that remain inside the recurrence (W·a<t-1> forward, Wᵀ·dpre
 * backward), which are about 80% of a batch-1 step. They have the shape of linalg's M = 1 paths
 * (1×8 strips: eight independent sums, one broadcast value and eight weight loads per k, then 4- and
 * 1-wide tails), but are small enough for V8 to inline into the step and index x by its absolute
 * position; in the step loop at D's size that measured 5–10% faster forward and 15–25% faster
 * backward than calling gemmNTBlocked / gemmNNBlocked. 8 is the widest strip V8 keeps in registers
 * (12 spilled and ran slower); 4 wide ran slower in the step loop, where each strip's sums are
 * latency-bound, though faster in back-to-back calls.
 * Why a 64×64 product costs ~2 µs here (~2 multiply-adds per ns): V8 bounds-checks every typed-array
 * load, overflow-checks its index, and re-checks each array's map and reloads its data pointer on
 * every iteration, about ten instructions per multiply-add. No JavaScript formulation tried avoided
 * that (packed weights, unrolled k, |0 indices: within ±5%); a WebAssembly f64x2 matvec over weights
 * kept in module memory ran the LSTM's 256×64 step product 2.6× faster with the same bits.
 *
 * Bits: each entry is computed with exactly the operations of linalg's blocked kernels (and so of the
 * naive gemmNT / gemmNN references), in the same order:
 *   matvecRow: s = Σ_k x[k]·W[n, k] for k ascending, started at 0, then y[n] += s      (= gemmNT, M = 1)
 *   vecmatRow: y[n] + x[0]·W[0, n] + x[1]·W[1, n] + … for k ascending, one add at a time (= gemmNN, M = 1)
 * so a step computed here and one computed by linalg for a batch of 4 or more give the same bits
 * row for row, and full, checkpointed and truncated BPTT stay bit-identical to one another.
 * None of them allocates.
 */

import { isPinned, SIMD_ROW_MIN_WORK, simdMatvecRow, simdVecmatRow } from "../simd";

/** Batches below this size run the recurrence through the per-row kernels; larger ones through linalg's 4×4 tiles. */
export const ROW_KERNEL_B = 4;

/**
 * y[yOff + n] += Σ_k x[xOff + k]·W[wOff + n·ldw + k]   for n < N, k < K:  y += W·x with W (N, K)
 * row-major at row stride ldw. Accumulates. Bit-identical to gemmNT(y, x, W) with M = 1.
 */
export function matvecRow(y: Float64Array, yOff: number, W: Float64Array, wOff: number, ldw: number, x: Float64Array, xOff: number, N: number, K: number): void {
  if (simdMatvecRow(y, yOff, W, wOff, ldw, x, xOff, N, K)) return;
  const N8 = N - (N % 8), N4 = N - (N % 4);
  const xEnd = xOff + K;
  for (let n = 0; n < N8; n += 8) {
    const b0 = wOff + n * ldw - xOff, b1 = b0 + ldw, b2 = b1 + ldw, b3 = b2 + ldw;
    const b4 = b3 + ldw, b5 = b4 + ldw, b6 = b5 + ldw, b7 = b6 + ldw;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (let k = xOff; k < xEnd; k++) {
      const v = x[k];
      s0 += v * W[b0 + k]; s1 += v * W[b1 + k]; s2 += v * W[b2 + k]; s3 += v * W[b3 + k];
      s4 += v * W[b4 + k]; s5 += v * W[b5 + k]; s6 += v * W[b6 + k]; s7 += v * W[b7 + k];
    }
    const o = yOff + n;
    y[o] += s0; y[o + 1] += s1; y[o + 2] += s2; y[o + 3] += s3; y[o + 4] += s4; y[o + 5] += s5; y[o + 6] += s6; y[o + 7] += s7;
  }
  for (let n = N8; n < N4; n += 4) {
    // w0..w3 walk rows n..n+3 of W alongside k
    let w0 = wOff + n * ldw;
    const d1 = ldw, d2 = 2 * ldw, d3 = 3 * ldw;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let k = xOff; k < xEnd; k++, w0++) {
      const v = x[k];
      s0 += v * W[w0]; s1 += v * W[w0 + d1]; s2 += v * W[w0 + d2]; s3 += v * W[w0 + d3];
    }
    const o = yOff + n;
    y[o] += s0; y[o + 1] += s1; y[o + 2] += s2; y[o + 3] += s3;
  }
  for (let n = N4; n < N; n++) {
    let s = 0;
    for (let k = xOff, w = wOff + n * ldw; k < xEnd; k++, w++) s += x[k] * W[w];
    y[yOff + n] += s;
  }
}

/**
 * y[yOff + n] += Σ_k x[xOff + k]·W[wOff + k·ldw + n]   for n < N, k < K:  y += Wᵀ·x with W (K, N)
 * row-major at row stride ldw, each sum started from y[n] and taken for k ascending. Accumulates.
 * Bit-identical to gemmNNBlocked(y, x, W) with M = 1.
 */
export function vecmatRow(y: Float64Array, yOff: number, x: Float64Array, xOff: number, W: Float64Array, wOff: number, ldw: number, N: number, K: number): void {
  if (simdVecmatRow(y, yOff, x, xOff, W, wOff, ldw, N, K)) return;
  const N8 = N - (N % 8), N4 = N - (N % 4);
  const xEnd = xOff + K;
  for (let n = 0; n < N8; n += 8) {
    const o = yOff + n;
    let s0 = y[o], s1 = y[o + 1], s2 = y[o + 2], s3 = y[o + 3], s4 = y[o + 4], s5 = y[o + 5], s6 = y[o + 6], s7 = y[o + 7];
    for (let k = xOff, w = wOff + n; k < xEnd; k++, w += ldw) {
      const v = x[k];
      s0 += v * W[w]; s1 += v * W[w + 1]; s2 += v * W[w + 2]; s3 += v * W[w + 3];
      s4 += v * W[w + 4]; s5 += v * W[w + 5]; s6 += v * W[w + 6]; s7 += v * W[w + 7];
    }
    y[o] = s0; y[o + 1] = s1; y[o + 2] = s2; y[o + 3] = s3; y[o + 4] = s4; y[o + 5] = s5; y[o + 6] = s6; y[o + 7] = s7;
  }
  for (let n = N8; n < N4; n += 4) {
    const o = yOff + n;
    let s0 = y[o], s1 = y[o + 1], s2 = y[o + 2], s3 = y[o + 3];
    for (let k = xOff, w = wOff + n; k < xEnd; k++, w += ldw) {
      const v = x[k];
      s0 += v * W[w]; s1 += v * W[w + 1]; s2 += v * W[w + 2]; s3 += v * W[w + 3];
    }
    y[o] = s0; y[o + 1] = s1; y[o + 2] = s2; y[o + 3] = s3;
  }
  for (let n = N4; n < N; n++) {
    let s = y[yOff + n];
    for (let k = xOff, w = wOff + n; k < xEnd; k++, w += ldw) s += x[k] * W[w];
    y[yOff + n] = s;
  }
}

/**
 * y[yOff + n] = (bias[bOff + n] + Σ_i x[xOff + i]·Wx[wxOff + n·ldx + i]) + Σ_k a[aOff + k]·Wa[waOff + n·lda + k]
 * for n < N, i < I, k < K: one row's pre-activation, input projection and recurrent product in one
 * pass. Overwrites y. The same bits as the hoisted form it replaces at small batch: fillRows(y, bias),
 * then gemmNT's y += (Σ_i, from 0), then the step's y += (Σ_k, from 0). Writing y once, right before
 * the step reads it, also spares the step a read of a (T, B, G·H) buffer filled long before (at
 * T = 10,000 it has left the caches by then).
 */
export function affineRow(
  y: Float64Array, yOff: number, bias: Float64Array, bOff: number,
  Wx: Float64Array, wxOff: number, ldx: number, x: Float64Array, xOff: number, I: number,
  Wa: Float64Array, waOff: number, lda: number, a: Float64Array, aOff: number, K: number, N: number,
): void {
  // With pinned weights the hoisted form's three passes run the products in WebAssembly; same bits.
  if (isPinned(Wa) && N * K >= SIMD_ROW_MIN_WORK) {
    for (let n = 0; n < N; n++) y[yOff + n] = bias[bOff + n];
    matvecRow(y, yOff, Wx, wxOff, ldx, x, xOff, N, I);
    matvecRow(y, yOff, Wa, waOff, lda, a, aOff, N, K);
    return;
  }
  const N8 = N - (N % 8), N4 = N - (N % 4);
  const xEnd = xOff + I, aEnd = aOff + K;
  for (let n = 0; n < N8; n += 8) {
    let b0 = wxOff + n * ldx - xOff, b1 = b0 + ldx, b2 = b1 + ldx, b3 = b2 + ldx;
    let b4 = b3 + ldx, b5 = b4 + ldx, b6 = b5 + ldx, b7 = b6 + ldx;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (let k = xOff; k < xEnd; k++) {
      const v = x[k];
      s0 += v * Wx[b0 + k]; s1 += v * Wx[b1 + k]; s2 += v * Wx[b2 + k]; s3 += v * Wx[b3 + k];
      s4 += v * Wx[b4 + k]; s5 += v * Wx[b5 + k]; s6 += v * Wx[b6 + k]; s7 += v * Wx[b7 + k];
    }
    const c = bOff + n;
    const p0 = bias[c] + s0, p1 = bias[c + 1] + s1, p2 = bias[c + 2] + s2, p3 = bias[c + 3] + s3;
    const p4 = bias[c + 4] + s4, p5 = bias[c + 5] + s5, p6 = bias[c + 6] + s6, p7 = bias[c + 7] + s7;
    b0 = waOff + n * lda - aOff; b1 = b0 + lda; b2 = b1 + lda; b3 = b2 + lda;
    b4 = b3 + lda; b5 = b4 + lda; b6 = b5 + lda; b7 = b6 + lda;
    s0 = 0; s1 = 0; s2 = 0; s3 = 0; s4 = 0; s5 = 0; s6 = 0; s7 = 0;
    for (let k = aOff; k < aEnd; k++) {
      const v = a[k];
      s0 += v * Wa[b0 + k]; s1 += v * Wa[b1 + k]; s2 += v * Wa[b2 + k]; s3 += v * Wa[b3 + k];
      s4 += v * Wa[b4 + k]; s5 += v * Wa[b5 + k]; s6 += v * Wa[b6 + k]; s7 += v * Wa[b7 + k];
    }
    const o = yOff + n;
    y[o] = p0 + s0; y[o + 1] = p1 + s1; y[o + 2] = p2 + s2; y[o + 3] = p3 + s3;
    y[o + 4] = p4 + s4; y[o + 5] = p5 + s5; y[o + 6] = p6 + s6; y[o + 7] = p7 + s7;
  }
  for (let n = N8; n < N4; n += 4) {
    let w0 = wxOff + n * ldx;
    let d1 = ldx, d2 = 2 * ldx, d3 = 3 * ldx;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = xOff; i < xEnd; i++, w0++) {
      const v = x[i];
      s0 += v * Wx[w0]; s1 += v * Wx[w0 + d1]; s2 += v * Wx[w0 + d2]; s3 += v * Wx[w0 + d3];
    }
    const b = bOff + n;
    const p0 = bias[b] + s0, p1 = bias[b + 1] + s1, p2 = bias[b + 2] + s2, p3 = bias[b + 3] + s3;
    w0 = waOff + n * lda;
    d1 = lda; d2 = 2 * lda; d3 = 3 * lda;
    s0 = 0; s1 = 0; s2 = 0; s3 = 0;
    for (let k = aOff; k < aEnd; k++, w0++) {
      const v = a[k];
      s0 += v * Wa[w0]; s1 += v * Wa[w0 + d1]; s2 += v * Wa[w0 + d2]; s3 += v * Wa[w0 + d3];
    }
    const o = yOff + n;
    y[o] = p0 + s0; y[o + 1] = p1 + s1; y[o + 2] = p2 + s2; y[o + 3] = p3 + s3;
  }
  for (let n = N4; n < N; n++) {
    let s = 0;
    for (let i = xOff, w = wxOff + n * ldx; i < xEnd; i++, w++) s += x[i] * Wx[w];
    const p = bias[bOff + n] + s;
    s = 0;
    for (let k = aOff, w = waOff + n * lda; k < aEnd; k++, w++) s += a[k] * Wa[w];
    y[yOff + n] = p + s;
  }
}
