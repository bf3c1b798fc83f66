/**
 * Typed-array kernels over flat row-major storage. Output first, then inputs, then dimensions.
 * Every `gemm*` ACCUMULATES into C (C += op(A)·op(B)); zero C explicitly when you want a product.
 * Leading dimensions (ld*) are row strides, so a kernel can act on a block of a larger matrix.
 * None of them allocates.
 */

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

/** C[m, n] += Σ_k A[k, m]·B[k, n]   (C += Aᵀ·B; A is K×M, B is K×N). Accumulates. */
export function gemmTN(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): void {
  for (let k = 0; k < K; k++) {
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

/** b[bOff+j] += Σ_r A[aOff + r·lda + j] over rows r: column sums, e.g. a bias gradient. Accumulates. */
export function addColumnSums(b: Float64Array, bOff: number, A: Float64Array, aOff: number, lda: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
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
  const inv = 1 / m;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = x[off + i] * inv;
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
