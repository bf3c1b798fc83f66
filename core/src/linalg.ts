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

// ---------------------------------------------------------------------------------------------------
// Kernels for the Lyapunov (Benettin QR) loop and orthogonal initialization. One contiguous block.
// ---------------------------------------------------------------------------------------------------

/**
 * C[m, n] += Σ_k A[m, k]·B[n, k]   (C += A·Bᵀ), register-blocked 4×4. Accumulates. Same contract and
 * result (up to the order of the k-sum, which is the same: k ascending) as the naive `gemmNT`, which
 * stays the reference. Each pass over k loads 4 entries of A and 4 of B and does 16 multiply-adds,
 * against 2 loads per multiply-add in the naive loop; edge rows and columns fall back to dot products.
 */
export function gemmNTBlocked(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): void {
  const M4 = M - (M % 4), N4 = N - (N % 4);
  for (let m = 0; m < M4; m += 4) {
    const a0 = aOff + m * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    const c0 = cOff + m * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
    for (let n = 0; n < N4; n += 4) {
      const b0 = bOff + n * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
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
      C[c0 + n] += s00; C[c0 + n + 1] += s01; C[c0 + n + 2] += s02; C[c0 + n + 3] += s03;
      C[c1 + n] += s10; C[c1 + n + 1] += s11; C[c1 + n + 2] += s12; C[c1 + n + 3] += s13;
      C[c2 + n] += s20; C[c2 + n + 1] += s21; C[c2 + n + 2] += s22; C[c2 + n + 3] += s23;
      C[c3 + n] += s30; C[c3 + n + 1] += s31; C[c3 + n + 2] += s32; C[c3 + n + 3] += s33;
    }
  }
  // Edges: the last M % 4 rows (all columns) and the last N % 4 columns of the blocked rows.
  for (let m = 0; m < M; m++) {
    const ar = aOff + m * lda, cr = cOff + m * ldc;
    for (let n = m < M4 ? N4 : 0; n < N; n++) {
      const br = bOff + n * ldb;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[ar + k] * B[br + k];
      C[cr + n] += s;
    }
  }
}

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
 */
export function orthonormalizeRowsCgs2(logR: Float64Array, logOff: number, X: Float64Array, xOff: number, ld: number, rows: number, cols: number, work: Float64Array): void {
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
