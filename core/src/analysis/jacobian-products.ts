/**
 * Jacobian products P(T,k) = ∂s<T>/∂s<k> = J_T ⋯ J_{k+1}, streamed backwards from k = T (P = I) to
 * k = 0, with every singular value at every k, exact far beyond float64's range.
 *
 * Never forming P: since Pᵀ(T,k-1) = J_kᵀ·Pᵀ(T,k), keep Pᵀ(T,k) = U·Σ·Vᵀ with U orthonormal (n, n) and
 * Σ as log2 values ℓ_j, and never V (singular values do not need it). A step is
 *   Y = J_kᵀ·U            (columns y_j, each carrying its scale 2^ℓ_j)
 *   orthogonalize the scaled columns 2^ℓ_j·y_j by one-sided (Hestenes) Jacobi rotations,
 * after which U' = the normalized columns and σ_j = 2^ℓ_j·‖y_j‖. This is the QR-based product of the
 * literature with the triangular factor diagonalized at every step: the columns play the role of the
 * running Q, and ℓ accumulates the log|R_ii|. The rotations are written in scaled form (below), so
 * columns whose scales differ by 2^±2000 combine without overflow or underflow, and the singular
 * values keep high relative accuracy (Demmel & Veselić 1992: one-sided Jacobi on a column-graded
 * matrix), which a plain SVD of the (unrepresentable) product could not give.
 *
 * Rotation of columns i, j with ℓ_i ≥ ℓ_j, ρ = 2^(ℓ_j-ℓ_i) ≤ 1, A = y_i·y_i, Bv = y_j·y_j, C = y_i·y_j:
 *   Δ = A - ρ²Bv,   τ = sign(ζ)·2|C| / (|Δ| + √(Δ² + 4ρ²C²)),   ζ = -Δ/(2ρC),   t = tan θ = ρτ
 *   cs = 1/√(1 + ρ²τ²)
 *   y_i ← cs·(y_i - ρ²τ·y_j)   (scale 2^ℓ_i)        y_j ← cs·(τ·y_i + y_j)   (scale 2^ℓ_j)
 * which is the textbook c·col_i - s·col_j, s·col_i + c·col_j with every power of ρ made explicit.
 */
import { gemmNNBlocked } from "../linalg";
import { WasmColumns } from "../simd";
import { pairDots, rotatePair } from "./jacobi-columns";
import type { Model } from "../model";
import { paramLayout } from "../params";
import type { Tape } from "../tape";
import { stateSize, stepJacobian } from "./step-jacobian";

export interface JacobianProductOptions {
  /** how many of the largest singular values to report per k; default min(n, 8) */
  svd?: number;
  /** batch row of the tape whose trajectory defines the Jacobians; default 0 */
  b?: number;
  /** Jacobi stops when every |cos| between columns is below this; default 1e-14 */
  tol?: number;
  /**
   * Diagonalize every r steps (default 1: every k). Between, the columns are only propagated: the
   * Frobenius norm stays exact at every k (it is the root of the sum of the squared column norms,
   * whatever their angles), while the singular values are exact only where `exact[k]` is 1 and are
   * the scaled column norms elsewhere. r > 1 trades that
   * for speed, as Benettin's re-orthonormalization interval does.
   */
  reorth?: number;
}

export interface JacobianProductResult {
  /** state size: H, or 2H for the LSTM */
  n: number;
  T: number;
  /** m, the number of singular values reported per k */
  m: number;
  /** log10 ‖P(T,k)‖₂ (the largest singular value), index k = 0..T */
  log10Spectral: Float64Array;
  /** log10 ‖P(T,k)‖_F, index k = 0..T */
  log10Frobenius: Float64Array;
  /** log10 of the m largest singular values of P(T,k), descending: (T+1, m) row-major, row k */
  log10Singular: Float64Array;
  /** 1 where the singular values of row k are exact (diagonalized there), 0 where they are column norms */
  exact: Uint8Array;
  /** Jacobi sweeps summed over all k (a cost and convergence diagnostic) */
  sweeps: number;
}

const LOG10_2 = Math.log10(2);

/** Streams P(T,k) for k = T..0 along the trajectory in `tape` (filled by sequenceForward). */
export function jacobianProducts(model: Model, tape: Tape, opts: JacobianProductOptions = {}): JacobianProductResult {
  const { config, params: P } = model;
  const L = paramLayout(config);
  const n = stateSize(config);
  const T = tape.T;
  const b = opts.b ?? 0;
  const m = opts.svd ?? Math.min(n, 8);
  const tol = opts.tol ?? 1e-14;
  if (!(Number.isInteger(b) && b >= 0 && b < tape.B)) throw new RangeError(`b must be an integer in [0, ${tape.B - 1}], got ${b}`);
  if (!(Number.isInteger(m) && m >= 1 && m <= n)) throw new RangeError(`svd must be an integer in [1, ${n}], got ${m}`);
  if (!(tol > 0 && tol < 1)) throw new RangeError(`tol must lie in (0, 1), got ${tol}`);
  const reorth = opts.reorth ?? 1;
  if (!(Number.isInteger(reorth) && reorth >= 1)) throw new RangeError(`reorth must be an integer >= 1, got ${reorth}`);

  const J = new Float64Array(n * n);
  // U and Y are stored column-major (column j at j·n) so that column operations are contiguous.
  let U = new Float64Array(n * n);
  let Y = new Float64Array(n * n);
  const ell = new Float64Array(n); // log2 σ_j
  const sorted = new Float64Array(n);
  const order = new Int32Array(n);
  const dots = new Float64Array(5);
  for (let j = 0; j < n; j++) U[j * n + j] = 1;
  const res: JacobianProductResult = {
    n, T, m,
    log10Spectral: new Float64Array(T + 1),
    log10Frobenius: new Float64Array(T + 1),
    log10Singular: new Float64Array((T + 1) * m),
    exact: new Uint8Array(T + 1),
    sweeps: 0,
  };
  res.exact[T] = 1;
  record(res, T, ell, n, m, sorted);
  for (let k = T; k >= 1; k--) {
    stepJacobian(J, tape, P, L, k, b);
    // Y = Jᵀ·U. Stored column-major, Y is the row-major matrix Yᵀ = Uᵀ·J, and U's buffer is Uᵀ
    // row-major: one blocked GEMM of the buffers as they are, no transpose.
    Y.fill(0);
    gemmNNBlocked(Y, 0, n, U, 0, n, J, 0, n, n, n, n);
    for (let j = 0; j < n; j++) normalizeColumn(Y, j, n, ell);
    if ((k - 1) % reorth === 0) {
      res.sweeps += jacobiSweeps(Y, ell, n, tol, order, dots);
      res.exact[k - 1] = 1;
    }
    const tmp = U; U = Y; Y = tmp;
    record(res, k - 1, ell, n, m, sorted);
  }
  return res;
}

/** Scales column j of Y (column-major) to unit norm, folding log2 of its norm into ell[j]. */
function normalizeColumn(Y: Float64Array, j: number, n: number, ell: Float64Array): void {
  const o = j * n;
  let mx = 0;
  for (let i = 0; i < n; i++) { const v = Math.abs(Y[o + i]); if (v > mx) mx = v; }
  if (mx === 0 || !(mx < Infinity)) {
    if (mx === 0) ell[j] = -Infinity;
    else ell[j] = NaN;
    return;
  }
  const inv = 1 / mx;
  let s = 0;
  for (let i = 0; i < n; i++) { const v = Y[o + i] * inv; s += v * v; }
  const norm = mx * Math.sqrt(s);
  const invn = 1 / norm;
  for (let i = 0; i < n; i++) Y[o + i] *= invn;
  ell[j] += Math.log2(norm);
}

/**
 * One-sided Jacobi on the scaled columns until all pairs are orthogonal to `tol`. Pairs are visited
 * in order of decreasing scale, so on a strongly graded matrix the first sweep is a modified
 * Gram–Schmidt from the largest column down and little is left for the next. Returns the sweeps done.
 * With WebAssembly (simd.ts WasmColumns) the pairs' dot products, the skipping of orthogonal pairs and
 * the rotations run there, with the same bits as the JavaScript loop below (pairDots, rotatePair).
 * `dots` is scratch of 5 doubles.
 */
function jacobiSweeps(Y: Float64Array, ell: Float64Array, n: number, tol: number, order: Int32Array, dots: Float64Array): number {
  const w = WasmColumns.open(Y, n);
  try {
    for (let sweep = 1; sweep <= 60; sweep++) {
      sortByScale(order, ell, n);
      let rotated = false;
      if (w) {
        w.setOrder(order, ell);
        for (let idx = w.scan(0, tol, dots); idx >= 0; idx = w.scan(idx + 1, tol, dots)) {
          rotated = true;
          rotate(Y, w, ell, n, dots[3], dots[4], dots[0], dots[1], dots[2]);
        }
      } else {
        for (let pp = 0; pp < n - 1; pp++) {
          for (let qq = pp + 1; qq < n; qq++) {
            const p = order[pp], q = order[qq];
            if (ell[p] === -Infinity || ell[q] === -Infinity) continue;
            // i is the column with the larger scale
            const i = ell[p] >= ell[q] ? p : q, j = i === p ? q : p;
            pairDots(Y, i * n, j * n, n, dots);
            const A = dots[0], Bv = dots[1], C = dots[2];
            if (!(Math.abs(C) > tol * Math.sqrt(A * Bv))) continue;
            rotated = true;
            rotate(Y, null, ell, n, i, j, A, Bv, C);
          }
        }
      }
      if (!rotated) return sweep;
    }
    return 60;
  } finally {
    w?.close(Y);
  }
}

/** order = 0..n-1 sorted by decreasing ell (insertion sort: n is small; no allocation). */
function sortByScale(order: Int32Array, ell: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) order[j] = j;
  for (let a = 1; a < n; a++) {
    const v = order[a];
    let c = a - 1;
    while (c >= 0 && ell[order[c]] < ell[v]) { order[c + 1] = order[c]; c--; }
    order[c + 1] = v;
  }
}

/**
 * Rotates columns i (the larger scale) and j, whose dot products are A = y_i·y_i, Bv = y_j·y_j,
 * C = y_i·y_j, in Y or (w given) in the module's copy, and updates their scales ell.
 */
function rotate(Y: Float64Array, w: WasmColumns | null, ell: Float64Array, n: number, i: number, j: number, A: number, Bv: number, C: number): void {
  const io = i * n, jo = j * n;
  const rho = Math.pow(2, ell[j] - ell[i]);
  const rho2 = rho * rho;
  const D = A - rho2 * Bv;
  // sign(ζ) with ζ = -Δ/(2ρC); ζ = 0 takes +1
  const sgn = D === 0 ? 1 : (-D * C > 0 ? 1 : -1);
  const tau = (sgn * 2 * Math.abs(C)) / (Math.abs(D) + Math.sqrt(D * D + 4 * rho2 * C * C));
  const cs = 1 / Math.sqrt(1 + rho2 * tau * tau);
  const a = rho2 * tau;
  // norms of the rotated directions, so the rotation and the renormalization are one pass:
  //   ‖y_i - a·y_j‖² = A - 2aC + a²Bv,   ‖τ·y_i + y_j‖² = τ²A + 2τC + Bv
  const ni = Math.sqrt(Math.max(0, A - 2 * a * C + a * a * Bv));
  const nj = Math.sqrt(Math.max(0, tau * tau * A + 2 * tau * C + Bv));
  if (!(ni > 0 && nj > 0 && ni < Infinity && nj < Infinity)) {
    // degenerate (a column collapsed to 0): rotate plainly and renormalize from the data
    if (w) { w.pull(Y, io); w.pull(Y, jo); }
    rotatePair(Y, io, jo, n, a, tau, cs, cs);
    normalizeColumn(Y, i, n, ell);
    normalizeColumn(Y, j, n, ell);
    if (w) { w.push(Y, io); w.push(Y, jo); w.setEll(i, ell[i]); w.setEll(j, ell[j]); }
    return;
  }
  if (w) w.rotate(io, jo, a, tau, 1 / ni, 1 / nj);
  else rotatePair(Y, io, jo, n, a, tau, 1 / ni, 1 / nj);
  ell[i] += Math.log2(cs * ni);
  ell[j] += Math.log2(cs * nj);
  if (w) { w.setEll(i, ell[i]); w.setEll(j, ell[j]); }
}

/** Writes row k of the result from the log2 singular values. */
function record(res: JacobianProductResult, k: number, ell: Float64Array, n: number, m: number, sorted: Float64Array): void {
  for (let j = 0; j < n; j++) sorted[j] = ell[j];
  sorted.sort();
  // descending
  let mx = -Infinity;
  for (let j = 0; j < n; j++) if (sorted[j] > mx) mx = sorted[j];
  res.log10Spectral[k] = mx * LOG10_2;
  for (let j = 0; j < m; j++) res.log10Singular[k * m + j] = sorted[n - 1 - j] * LOG10_2;
  // ‖P‖_F² = Σ σ_j², computed relative to the largest
  if (mx === -Infinity) res.log10Frobenius[k] = -Infinity;
  else {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.pow(2, 2 * (ell[j] - mx));
    res.log10Frobenius[k] = (mx + 0.5 * Math.log2(s)) * LOG10_2;
  }
}
