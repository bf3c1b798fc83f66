/**
 * Typed-array kernels over flat row-major storage. Output first, then inputs, then dimensions.
 * Every `gemm*` ACCUMULATES into C (C += op(A)·op(B)); zero C explicitly when you want a product.
 * Leading dimensions (ld*) are row strides, so a kernel can act on a block of a larger matrix.
 * None of them allocates.
 */
import { matmulPrecision, simdGemmNN, simdGemmNT, simdGemmTN, simdOrthonormalizeRowsCgs2 } from "./simd";

/** C[m, n] += Σ_k A[m, k]·B[n, k]   (C += A·Bᵀ; A is M×K, B is N×K). Accumulates. */
export function gemmNT(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): void {
  for (let m = 0; m < M; m++) {
    const ar = aOff + m * lda;
    const cr = cOff + m * ldc;
    for (let n = 0; n < N; n++) {
      const br = bOff + n * ldb;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[ar + k] * B[br + k];
      C[cr + n] += s;
    }
  }
}

/** C[m, n] += Σ_k A[m, k]·B[k, n]   (C += A·B; A is M×K, B is K×N). Accumulates. */
export function gemmNN(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): void {
  for (let m = 0; m < M; m++) {
    const ar = aOff + m * lda;
    const cr = cOff + m * ldc;
    for (let k = 0; k < K; k++) {
      const a = A[ar + k];
      if (a === 0) continue;
      const br = bOff + k * ldb;
      for (let n = 0; n < N; n++) C[cr + n] += a * B[br + n];
    }
  }
}

/**
 * C[m, n] += Σ_k A[k, m]·B[k, n]   (C += Aᵀ·B; A is K×M, B is K×N). Accumulates.
 * The rows k are added from the last to the first. Weight gradients are sums over time rows, and the
 * backward pass visits time from T down to 1, so a gradient accumulated in segments (checkpointed or
 * truncated BPTT, last segment first) adds in exactly the same order as one call over every row:
 * the results are bit-identical.
 */
export function gemmTN(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): void {
  for (let k = K - 1; k >= 0; k--) {
    const ar = aOff + k * lda;
    const br = bOff + k * ldb;
    for (let m = 0; m < M; m++) {
      const a = A[ar + m];
      if (a === 0) continue;
      const cr = cOff + m * ldc;
      for (let n = 0; n < N; n++) C[cr + n] += a * B[br + n];
    }
  }
}

// float32 products (setMatmulPrecision("float32")): the references of simd.ts's f32x4 kernels, and their
// fallback where WebAssembly SIMD is missing. Each entry is ONE float32 sum started at +0, every step
// rounded to float32 (Math.fround of a float64 product or sum of float32 values is the correctly rounded
// float32 result), then added once to the float64 C: C[m, n] = C[m, n] + s.
const f32 = Math.fround;

/**
 * C[m, n] += f32(Σ_k A(m, k)·B(k, n)) with A(m, k) = A[aOff + m·sam + k·sak] and B(k, n) =
 * B[bOff + k·sbk + n·sbn]: one float32 sum per entry from +0, k ascending (or descending with `down`).
 */
function gemm32(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, sam: number, sak: number,
  B: Float64Array, bOff: number, sbk: number, sbn: number,
  M: number, N: number, K: number, down: boolean,
): void {
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let i = 0; i < K; i++) {
        const k = down ? K - 1 - i : i;
        s = f32(s + f32(f32(A[aOff + m * sam + k * sak]) * f32(B[bOff + k * sbk + n * sbn])));
      }
      C[cOff + m * ldc + n] += s;
    }
  }
}

/** C[m, n] += f32(Σ_k A[m, k]·B[n, k]), k ascending (C += A·Bᵀ with float32 sums). */
export function gemmNT32(C: Float64Array, cOff: number, ldc: number, A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number, ldb: number, M: number, N: number, K: number): void {
  gemm32(C, cOff, ldc, A, aOff, lda, 1, B, bOff, 1, ldb, M, N, K, false);
}

/** C[m, n] += f32(Σ_k A[m, k]·B[k, n]), k ascending (C += A·B with float32 sums). */
export function gemmNN32(C: Float64Array, cOff: number, ldc: number, A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number, ldb: number, M: number, N: number, K: number): void {
  gemm32(C, cOff, ldc, A, aOff, lda, 1, B, bOff, ldb, 1, M, N, K, false);
}

/** C[m, n] += f32(Σ_k A[k, m]·B[k, n]), k from K-1 down to 0 as in gemmTN (C += Aᵀ·B with float32 sums). */
export function gemmTN32(C: Float64Array, cOff: number, ldc: number, A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number, ldb: number, M: number, N: number, K: number): void {
  gemm32(C, cOff, ldc, A, aOff, 1, lda, B, bOff, ldb, 1, M, N, K, true);
}

/** Σ_i x[xOff+i]·y[yOff+i]. */
export function dot(x: Float64Array, xOff: number, y: Float64Array, yOff: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[xOff + i] * y[yOff + i];
  return s;
}

/** max_i |x[off+i]|; 0 for n = 0; NaN if any entry is NaN. */
export function maxAbs(x: Float64Array, off: number, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(x[off + i]);
    if (v > m || v !== v) m = v;
  }
  return m;
}

/** x[off..off+n) *= s. Overwrites. */
export function scale(x: Float64Array, off: number, n: number, s: number): void {
  for (let i = 0; i < n; i++) x[off + i] *= s;
}

/** Fills x[off..off+n) with rows copies of the vector v[vOff..vOff+n/rows): broadcasts a bias. Overwrites. */
export function fillRows(x: Float64Array, off: number, rows: number, v: Float64Array, vOff: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = off + r * cols;
    for (let j = 0; j < cols; j++) x[o + j] = v[vOff + j];
  }
}

/**
 * b[bOff+j] += Σ_r A[aOff + r·lda + j] over rows r: column sums, e.g. a bias gradient. Accumulates.
 * Rows are added from the last to the first, for the reason given at gemmTN.
 */
export function addColumnSums(b: Float64Array, bOff: number, A: Float64Array, aOff: number, lda: number, rows: number, cols: number): void {
  for (let r = rows - 1; r >= 0; r--) {
    const o = aOff + r * lda;
    for (let j = 0; j < cols; j++) b[bOff + j] += A[o + j];
  }
}

/**
 * log10 of the Euclidean norm of x[off..off+n) times 2^exp2, computed without underflow or
 * overflow for any finite entries (the entries are rescaled by their largest magnitude first).
 * -Infinity when every entry is 0; NaN if any entry is NaN.
 */
export function log10Norm(x: Float64Array, off: number, n: number, exp2 = 0): number {
  const m = maxAbs(x, off, n);
  if (m === 0) return -Infinity;
  if (!(m < Infinity)) return m !== m ? NaN : Infinity;
  // 1/m overflows for m below 2^-1024 (subnormal): then the entries are first scaled up by 2^600, exactly
  const up = m < 2 ** -1000 ? 2 ** 600 : 1;
  const inv = 1 / (m * up);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = x[off + i] * up * inv;
    s += v * v;
  }
  return Math.log10(m) + 0.5 * Math.log10(s) + exp2 * LOG10_2;
}

/** 2^k as a double, exact for integer k in [-1074, 1023]; 0 below and Infinity above. */
export function pow2(k: number): number {
  return Math.pow(2, k);
}

/** log10(2), to turn a base-2 scale exponent into a log10 offset. */
export const LOG10_2 = Math.log10(2);

// ---------------------------------------------------------------------------------------------------
// Register-blocked kernels: the hot paths of the time loop (the hoisted input projection, the
// per-step recurrent products, the weight gradients, the readout) and the Lyapunov loop. Each one
// keeps its naive reference above and computes every entry with the same operations in the same
// order, so it is bit-identical to it (test/kernels.test.ts checks that on random shapes).
// ---------------------------------------------------------------------------------------------------

/**
 * Products with at least this many multiply-adds (and at least 4 rows and columns, and for NT/NN a
 * depth of 8) run in WebAssembly SIMD (simd.ts), which computes the same bits about 2-2.5× faster but
 * first copies its operands: below this size, and for the matrix-vector products of batch 1, the copy
 * would cost more than it saves.
 */
export const SIMD_MIN_WORK = 32768;

/**
 * C[m, n] += Σ_k A[m, k]·B[n, k]   (C += A·Bᵀ), register-blocked. Accumulates. Bit-identical to the
 * naive `gemmNT`, which stays the reference: every entry is the same k-ascending sum s, started at 0
 * and added to C once. Only which entries share a pass over k changes:
 *   4×4 tiles: each k loads 4 entries of A and 4 of B for 16 multiply-adds (against 2 loads per
 *     multiply-add in the naive loop); the column blocks of B are the outer loop, so a 4-row strip of
 *     B (a slice of a weight matrix) is read from memory once and reused by every 4 rows of A;
 *   1×8 and 1×4 strips for the last M % 4 rows (B = 1: the matrix-vector product W·a<t-1> of the
 *     recurrence): 8 rows of B against one row of A, eight independent sums, so the adds pipeline;
 *   4×1 and 1×1 for the last columns.
 */
export function gemmNTBlocked(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): void {
  if (M >= 4 && N >= 4 && K >= 8 && M * N * K >= SIMD_MIN_WORK) {
    if (simdGemmNT(C, cOff, ldc, A, aOff, lda, B, bOff, ldb, M, N, K)) return;
    // float32 products without WebAssembly: the reference, the same bits
    if (matmulPrecision() === "float32") { gemmNT32(C, cOff, ldc, A, aOff, lda, B, bOff, ldb, M, N, K); return; }
  }
  const M4 = M - (M % 4), N4 = N - (N % 4), N8 = N - (N % 8);
  for (let n = 0; n < N4; n += 4) {
    const b0 = bOff + n * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
    for (let m = 0; m < M4; m += 4) {
      const a0 = aOff + m * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
        const y0 = B[b0 + k], y1 = B[b1 + k], y2 = B[b2 + k], y3 = B[b3 + k];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      const c0 = cOff + m * ldc + n, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
      C[c0] += s00; C[c0 + 1] += s01; C[c0 + 2] += s02; C[c0 + 3] += s03;
      C[c1] += s10; C[c1 + 1] += s11; C[c1 + 2] += s12; C[c1 + 3] += s13;
      C[c2] += s20; C[c2 + 1] += s21; C[c2 + 2] += s22; C[c2 + 3] += s23;
      C[c3] += s30; C[c3 + 1] += s31; C[c3 + 2] += s32; C[c3 + 3] += s33;
    }
  }
  for (let n = N4; n < N; n++) {
    const br = bOff + n * ldb;
    for (let m = 0; m < M4; m += 4) {
      const a0 = aOff + m * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const y = B[br + k];
        s0 += A[a0 + k] * y; s1 += A[a1 + k] * y; s2 += A[a2 + k] * y; s3 += A[a3 + k] * y;
      }
      const cr = cOff + m * ldc + n;
      C[cr] += s0; C[cr + ldc] += s1; C[cr + 2 * ldc] += s2; C[cr + 3 * ldc] += s3;
    }
  }
  for (let m = M4; m < M; m++) {
    const ar = aOff + m * lda, cr = cOff + m * ldc;
    for (let n = 0; n < N8; n += 8) {
      const b0 = bOff + n * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      const b4 = b3 + ldb, b5 = b4 + ldb, b6 = b5 + ldb, b7 = b6 + ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let k = 0; k < K; k++) {
        const x = A[ar + k];
        s0 += x * B[b0 + k]; s1 += x * B[b1 + k]; s2 += x * B[b2 + k]; s3 += x * B[b3 + k];
        s4 += x * B[b4 + k]; s5 += x * B[b5 + k]; s6 += x * B[b6 + k]; s7 += x * B[b7 + k];
      }
      const c = cr + n;
      C[c] += s0; C[c + 1] += s1; C[c + 2] += s2; C[c + 3] += s3; C[c + 4] += s4; C[c + 5] += s5; C[c + 6] += s6; C[c + 7] += s7;
    }
    for (let n = N8; n < N4; n += 4) {
      const b0 = bOff + n * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const x = A[ar + k];
        s0 += x * B[b0 + k]; s1 += x * B[b1 + k]; s2 += x * B[b2 + k]; s3 += x * B[b3 + k];
      }
      const c = cr + n;
      C[c] += s0; C[c + 1] += s1; C[c + 2] += s2; C[c + 3] += s3;
    }
    for (let n = N4; n < N; n++) {
      const br = bOff + n * ldb;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[ar + k] * B[br + k];
      C[cr + n] += s;
    }
  }
}

/**
 * C[m, n] += Σ_k A[m, k]·B[k, n]   (C += A·B), register-blocked. Accumulates. The same sums as the
 * naive `gemmNN` (the reference), in the same order: each entry starts from C and adds the products
 * for k = 0, 1, …, K-1 one at a time, so the result is bit-identical except that the naive loop skips
 * a zero A[m, k] (which can only turn a -0 in C into +0 here, or make 0·∞ a NaN).
 *   4×4 tiles of C held in registers for the whole k loop (4 strided loads of A, 4 contiguous of B,
 *     16 multiply-adds per k);
 *   1×8 and 1×4 strips for the last M % 4 rows (B = 1: a vector times a matrix, the backward
 *     recurrent product dJ/da<t-1> = W_aᵀ·dpre), with 8 or 4 independent sums;
 *   4×1 and 1×1 for the last columns.
 */
export function gemmNNBlocked(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): void {
  if (M >= 4 && N >= 4 && K >= 8 && M * N * K >= SIMD_MIN_WORK) {
    if (simdGemmNN(C, cOff, ldc, A, aOff, lda, B, bOff, ldb, M, N, K)) return;
    // float32 products without WebAssembly: the reference, the same bits
    if (matmulPrecision() === "float32") { gemmNN32(C, cOff, ldc, A, aOff, lda, B, bOff, ldb, M, N, K); return; }
  }
  const M4 = M - (M % 4), N4 = N - (N % 4), N8 = N - (N % 8);
  for (let m = 0; m < M4; m += 4) {
    const a0 = aOff + m * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    for (let n = 0; n < N4; n += 4) {
      const c0 = cOff + m * ldc + n, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
      let s00 = C[c0], s01 = C[c0 + 1], s02 = C[c0 + 2], s03 = C[c0 + 3];
      let s10 = C[c1], s11 = C[c1 + 1], s12 = C[c1 + 2], s13 = C[c1 + 3];
      let s20 = C[c2], s21 = C[c2 + 1], s22 = C[c2 + 2], s23 = C[c2 + 3];
      let s30 = C[c3], s31 = C[c3 + 1], s32 = C[c3 + 2], s33 = C[c3 + 3];
      for (let k = 0, br = bOff + n; k < K; k++, br += ldb) {
        const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
        const y0 = B[br], y1 = B[br + 1], y2 = B[br + 2], y3 = B[br + 3];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      C[c0] = s00; C[c0 + 1] = s01; C[c0 + 2] = s02; C[c0 + 3] = s03;
      C[c1] = s10; C[c1 + 1] = s11; C[c1 + 2] = s12; C[c1 + 3] = s13;
      C[c2] = s20; C[c2 + 1] = s21; C[c2 + 2] = s22; C[c2 + 3] = s23;
      C[c3] = s30; C[c3 + 1] = s31; C[c3 + 2] = s32; C[c3 + 3] = s33;
    }
    for (let n = N4; n < N; n++) {
      const c0 = cOff + m * ldc + n, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
      let s0 = C[c0], s1 = C[c1], s2 = C[c2], s3 = C[c3];
      for (let k = 0, br = bOff + n; k < K; k++, br += ldb) {
        const y = B[br];
        s0 += A[a0 + k] * y; s1 += A[a1 + k] * y; s2 += A[a2 + k] * y; s3 += A[a3 + k] * y;
      }
      C[c0] = s0; C[c1] = s1; C[c2] = s2; C[c3] = s3;
    }
  }
  for (let m = M4; m < M; m++) {
    const ar = aOff + m * lda, cr = cOff + m * ldc;
    for (let n = 0; n < N8; n += 8) {
      const c = cr + n;
      let s0 = C[c], s1 = C[c + 1], s2 = C[c + 2], s3 = C[c + 3], s4 = C[c + 4], s5 = C[c + 5], s6 = C[c + 6], s7 = C[c + 7];
      for (let k = 0, br = bOff + n; k < K; k++, br += ldb) {
        const x = A[ar + k];
        s0 += x * B[br]; s1 += x * B[br + 1]; s2 += x * B[br + 2]; s3 += x * B[br + 3];
        s4 += x * B[br + 4]; s5 += x * B[br + 5]; s6 += x * B[br + 6]; s7 += x * B[br + 7];
      }
      C[c] = s0; C[c + 1] = s1; C[c + 2] = s2; C[c + 3] = s3; C[c + 4] = s4; C[c + 5] = s5; C[c + 6] = s6; C[c + 7] = s7;
    }
    for (let n = N8; n < N4; n += 4) {
      const c = cr + n;
      let s0 = C[c], s1 = C[c + 1], s2 = C[c + 2], s3 = C[c + 3];
      for (let k = 0, br = bOff + n; k < K; k++, br += ldb) {
        const x = A[ar + k];
        s0 += x * B[br]; s1 += x * B[br + 1]; s2 += x * B[br + 2]; s3 += x * B[br + 3];
      }
      C[c] = s0; C[c + 1] = s1; C[c + 2] = s2; C[c + 3] = s3;
    }
    for (let n = N4; n < N; n++) {
      let s = C[cr + n];
      for (let k = 0, br = bOff + n; k < K; k++, br += ldb) s += A[ar + k] * B[br];
      C[cr + n] = s;
    }
  }
}

/**
 * C[m, n] += Σ_k A[k, m]·B[k, n]   (C += Aᵀ·B), register-blocked. Accumulates. The same sums as the
 * naive `gemmTN` (the reference) in the same order, rows k from the LAST to the first, each entry
 * starting from C: bit-identical (up to the sign of a zero, as for gemmNNBlocked), so checkpointed and
 * truncated BPTT stay bit-identical to full BPTT with this kernel too. (Not with float32 products: each
 * call adds its own float32 sum to C, so rows split across calls round differently.)
 * The k rows are taken in chunks of TN_CHUNK (the last chunk first, each chunk from its last row): a
 * chunk of A and B stays in cache while every 4×4 tile of C (held in registers) passes over it, so a
 * long sum over time rows (K = T·B, up to 10⁵ and more) does not stream A and B once per tile.
 */
export function gemmTNBlocked(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): void {
  if (M >= 4 && N >= 4 && M * N * K >= SIMD_MIN_WORK) {
    if (simdGemmTN(C, cOff, ldc, A, aOff, lda, B, bOff, ldb, M, N, K)) return;
    // float32 products without WebAssembly: the reference, the same bits
    if (matmulPrecision() === "float32") { gemmTN32(C, cOff, ldc, A, aOff, lda, B, bOff, ldb, M, N, K); return; }
  }
  const M4 = M - (M % 4), N4 = N - (N % 4);
  for (let hi = K; hi > 0; hi -= TN_CHUNK) {
    const lo = hi > TN_CHUNK ? hi - TN_CHUNK : 0;
    for (let m = 0; m < M4; m += 4) {
      for (let n = 0; n < N4; n += 4) {
        const c0 = cOff + m * ldc + n, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        let s00 = C[c0], s01 = C[c0 + 1], s02 = C[c0 + 2], s03 = C[c0 + 3];
        let s10 = C[c1], s11 = C[c1 + 1], s12 = C[c1 + 2], s13 = C[c1 + 3];
        let s20 = C[c2], s21 = C[c2 + 1], s22 = C[c2 + 2], s23 = C[c2 + 3];
        let s30 = C[c3], s31 = C[c3 + 1], s32 = C[c3 + 2], s33 = C[c3 + 3];
        for (let k = hi - 1, ar = aOff + k * lda + m, br = bOff + k * ldb + n; k >= lo; k--, ar -= lda, br -= ldb) {
          const x0 = A[ar], x1 = A[ar + 1], x2 = A[ar + 2], x3 = A[ar + 3];
          const y0 = B[br], y1 = B[br + 1], y2 = B[br + 2], y3 = B[br + 3];
          s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
          s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
          s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
          s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
        }
        C[c0] = s00; C[c0 + 1] = s01; C[c0 + 2] = s02; C[c0 + 3] = s03;
        C[c1] = s10; C[c1 + 1] = s11; C[c1 + 2] = s12; C[c1 + 3] = s13;
        C[c2] = s20; C[c2 + 1] = s21; C[c2 + 2] = s22; C[c2 + 3] = s23;
        C[c3] = s30; C[c3 + 1] = s31; C[c3 + 2] = s32; C[c3 + 3] = s33;
      }
      for (let n = N4; n < N; n++) {
        const c0 = cOff + m * ldc + n, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        let s0 = C[c0], s1 = C[c1], s2 = C[c2], s3 = C[c3];
        for (let k = hi - 1, ar = aOff + k * lda + m, br = bOff + k * ldb + n; k >= lo; k--, ar -= lda, br -= ldb) {
          const y = B[br];
          s0 += A[ar] * y; s1 += A[ar + 1] * y; s2 += A[ar + 2] * y; s3 += A[ar + 3] * y;
        }
        C[c0] = s0; C[c1] = s1; C[c2] = s2; C[c3] = s3;
      }
    }
    for (let m = M4; m < M; m++) {
      const cr = cOff + m * ldc;
      for (let n = 0; n < N4; n += 4) {
        const c = cr + n;
        let s0 = C[c], s1 = C[c + 1], s2 = C[c + 2], s3 = C[c + 3];
        for (let k = hi - 1, ar = aOff + k * lda + m, br = bOff + k * ldb + n; k >= lo; k--, ar -= lda, br -= ldb) {
          const x = A[ar];
          s0 += x * B[br]; s1 += x * B[br + 1]; s2 += x * B[br + 2]; s3 += x * B[br + 3];
        }
        C[c] = s0; C[c + 1] = s1; C[c + 2] = s2; C[c + 3] = s3;
      }
      for (let n = N4; n < N; n++) {
        let s = C[cr + n];
        for (let k = hi - 1, ar = aOff + k * lda + m, br = bOff + k * ldb + n; k >= lo; k--, ar -= lda, br -= ldb) s += A[ar] * B[br];
        C[cr + n] = s;
      }
    }
  }
}

/** Rows of A and B per chunk in gemmTNBlocked: 64 rows of a (G·H = 2048)-wide A is 1 MB; of 256, 128 kB. */
const TN_CHUNK = 64;

/**
 * b[bOff+j] += Σ_r A[aOff + r·lda + j], rows from the last to the first: `addColumnSums` (the
 * reference) with four rows per pass over b. Bit-identical to it: each b[j] still adds the rows one
 * at a time, last row first.
 */
export function addColumnSumsBlocked(b: Float64Array, bOff: number, A: Float64Array, aOff: number, lda: number, rows: number, cols: number): void {
  let r = rows - 1;
  for (; r >= 3; r -= 4) {
    const o3 = aOff + r * lda, o2 = o3 - lda, o1 = o2 - lda, o0 = o1 - lda;
    for (let j = 0; j < cols; j++) b[bOff + j] = b[bOff + j] + A[o3 + j] + A[o2 + j] + A[o1 + j] + A[o0 + j];
  }
  for (; r >= 0; r--) {
    const o = aOff + r * lda;
    for (let j = 0; j < cols; j++) b[bOff + j] += A[o + j];
  }
}

// ---------------------------------------------------------------------------------------------------
// Kernels for the Lyapunov (Benettin QR) loop and orthogonal initialization.
// ---------------------------------------------------------------------------------------------------

/**
 * Orthonormalizes the rows of X (rows × cols, row stride ld) in place by modified Gram–Schmidt with one
 * re-orthogonalization pass ("twice is enough": Giraud, Langou, Rozložník 2005), and writes
 * log R_ii = log‖residual of row i‖ into logR[logOff + i] (overwrites). This is X = R'·Q with R'
 * lower triangular, i.e. the QR of Xᵀ with positive diagonal, so the factorization is the unique one.
 * A row whose residual is exactly zero stays zero and gets log R_ii = -Infinity (never NaN); later
 * rows are projected against it harmlessly (its dot products are 0). Norms are scaled by the row's
 * largest entry, so neither the squares nor 1/‖v‖ overflow or underflow for any finite input.
 */
export function orthonormalizeRows(logR: Float64Array, logOff: number, X: Float64Array, xOff: number, ld: number, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) {
    const vi = xOff + i * ld;
    for (let pass = 0; pass < 2; pass++) {
      // v -= (q_j·v) q_j for every earlier (unit or zero) row q_j, one at a time (modified GS).
      for (let j = 0; j < i; j++) {
        const qj = xOff + j * ld;
        let r = 0;
        for (let k = 0; k < cols; k++) r += X[qj + k] * X[vi + k];
        if (r === 0) continue;
        for (let k = 0; k < cols; k++) X[vi + k] -= r * X[qj + k];
      }
    }
    // ‖v‖ = mx·√s with s = Σ (v_k/mx)² in [1, cols].
    const mx = maxAbs(X, vi, cols);
    if (mx === 0) {
      logR[logOff + i] = -Infinity;
      continue;
    }
    let s = 0;
    for (let k = 0; k < cols; k++) {
      const v = X[vi + k] / mx;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < cols; k++) X[vi + k] = (X[vi + k] / mx) * inv;
    logR[logOff + i] = Math.log(mx) + 0.5 * Math.log(s);
  }
}

/**
 * The same factorization as `orthonormalizeRows` (which stays the reference) by classical Gram–Schmidt
 * applied twice (CGS2; twice is enough for CGS as well: Giraud, Langou, Rozložník, van den Eshof 2005):
 * each pass forms every projection r_j = q_j·v (j < i) against the same v, then v -= Σ_j r_j q_j, so both
 * halves run four rows of Q at a time with v loaded once. Overwrites X and logR[logOff..+rows); work
 * holds at least `rows` entries of scratch. Zero rows stay zero with log R_ii = -Infinity.
 * From rows²·cols ≥ SIMD_MIN_WORK it runs in WebAssembly (simd.ts: the same operations, the same bits).
 */
export function orthonormalizeRowsCgs2(logR: Float64Array, logOff: number, X: Float64Array, xOff: number, ld: number, rows: number, cols: number, work: Float64Array): void {
  if (rows * rows * cols >= SIMD_MIN_WORK && simdOrthonormalizeRowsCgs2(logR, logOff, X, xOff, ld, rows, cols)) return;
  for (let i = 0; i < rows; i++) {
    const vi = xOff + i * ld;
    const i4 = i - (i % 4);
    for (let pass = 0; pass < 2; pass++) {
      // r_j = q_j·v for j < i
      for (let j = 0; j < i4; j += 4) {
        const q0 = xOff + j * ld, q1 = q0 + ld, q2 = q1 + ld, q3 = q2 + ld;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0; k < cols; k++) {
          const v = X[vi + k];
          s0 += X[q0 + k] * v; s1 += X[q1 + k] * v; s2 += X[q2 + k] * v; s3 += X[q3 + k] * v;
        }
        work[j] = s0; work[j + 1] = s1; work[j + 2] = s2; work[j + 3] = s3;
      }
      for (let j = i4; j < i; j++) {
        const qj = xOff + j * ld;
        let s = 0;
        for (let k = 0; k < cols; k++) s += X[qj + k] * X[vi + k];
        work[j] = s;
      }
      // v -= Σ_j r_j q_j
      for (let j = 0; j < i4; j += 4) {
        const q0 = xOff + j * ld, q1 = q0 + ld, q2 = q1 + ld, q3 = q2 + ld;
        const r0 = work[j], r1 = work[j + 1], r2 = work[j + 2], r3 = work[j + 3];
        for (let k = 0; k < cols; k++) X[vi + k] -= r0 * X[q0 + k] + r1 * X[q1 + k] + r2 * X[q2 + k] + r3 * X[q3 + k];
      }
      for (let j = i4; j < i; j++) {
        const qj = xOff + j * ld, r = work[j];
        if (r === 0) continue;
        for (let k = 0; k < cols; k++) X[vi + k] -= r * X[qj + k];
      }
    }
    const mx = maxAbs(X, vi, cols);
    if (mx === 0) {
      logR[logOff + i] = -Infinity;
      continue;
    }
    let s = 0;
    for (let k = 0; k < cols; k++) {
      const v = X[vi + k] / mx;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < cols; k++) X[vi + k] = (X[vi + k] / mx) * inv;
    logR[logOff + i] = Math.log(mx) + 0.5 * Math.log(s);
  }
}
