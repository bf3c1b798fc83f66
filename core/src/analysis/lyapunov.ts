/**
 * Lyapunov exponents of the trajectory a forward pass visited, by Benettin's QR method
 * (Benettin, Galgani, Giorgilli, Strelcyn 1980; the discrete QR method of Dieci & Van Vleck).
 *
 *   Q<0> = Q0 (n×m, orthonormal columns),   Q <- J_t·Q for t = tFrom..T,
 *   every r steps:  Q = Q'·R (QR, diag R > 0),  Q <- Q',  S_i += log R_ii,
 *   λ_i = S_i / steps   (natural log per step),
 * where J_t = ∂s<t>/∂s<t-1> (n = H, or 2H for the LSTM's s = [a; c]). Why it works: the QR steps
 * factor the whole product J_T···J_tFrom·Q0 = Q_T·(R_K···R_1), and the diagonal of a product of upper
 * triangular matrices is the product of their diagonals, so S_i = log of the i-th diagonal entry of the
 * (unique, positive-diagonal) R factor of Φ·Q0. That entry grows like exp(λ_i·steps) (Oseledets).
 * The re-orthonormalization only keeps the columns from collapsing onto the leading direction in
 * floating point; in exact arithmetic every r gives the same S_i. In floating point, column i's residual
 * after w steps is found with absolute error ~ε·‖raw column‖, a relative error of ~ε·exp((λ_1 - λ_i)·w):
 * with a wide spectrum (a tanh RNN easily has λ_1 - λ_m ≈ 4 per step) r = 10 would lose every digit of
 * the smallest exponents. So r is the LONGEST interval: after each QR the loop measures the cancellation
 * log‖raw_i‖ - log R_ii it cost and shortens the next interval to keep it under GUARD_NATS = 9.
 *
 * ‖∂a<T>/∂a<k>‖ grows or shrinks like exp(λ_1·(T-k)) (DESIGN.md §4), so λ_1/ln 10 is directly the slope
 * of the ledger's log10 gradient norms against t.
 */
import { checkInt } from "../dims";
import { gemmNTBlocked, log10Norm, maxAbs, orthonormalizeRows, orthonormalizeRowsCgs2 } from "../linalg";
import type { Model } from "../model";
import { paramLayout } from "../params";
import type { Rng } from "../rng";
import type { Tape } from "../tape";
import { stateSize, stepJacobian } from "./step-jacobian";

/** Options of `lyapunovSpectrum`. */
export interface LyapunovOptions {
  /** number of exponents, an integer in [1, n] (n = H, or 2H for the LSTM) */
  m: number;
  /** re-orthonormalize at least every r steps (sooner when the precision guard asks); an integer >= 1, default 10 */
  reorth?: number;
  /** batch row of the tape to follow, an integer in [0, B-1], default 0 */
  b?: number;
  /** equal blocks of time for the standard error, an integer in [1, steps], default min(10, steps) */
  blocks?: number;
  /** first step whose Jacobian counts (earlier ones are a discarded transient), in [1, T], default 1 */
  tFrom?: number;
  /**
   * Draw Q0 Haar-random from this rng instead of taking the first m columns of the identity. Needed
   * only for structured Jacobians (see `lyapunovSpectrum`); consumes m·n randn draws.
   */
  rng?: Rng;
}

/** Result of `lyapunovSpectrum`. All exponents are per step; the i-th entries of every field agree. */
export interface LyapunovResult {
  /** λ_1 >= ... >= λ_m in natural log per step; -Infinity for a direction the Jacobians annihilate */
  exponents: Float64Array;
  /** the same, in log10 per step (λ / ln 10): the slope of a log10 gradient-norm plot */
  log10PerStep: Float64Array;
  /** standard error of each exponent from the spread of the block estimates: std / √blocks */
  stdErr: Float64Array;
  /** (blocks, m) row-major: block k's estimate of each exponent, for convergence plots */
  blockExponents: Float64Array;
  /** number of Jacobians multiplied: T - tFrom + 1 */
  steps: number;
  /** number of blocks */
  blocks: number;
  /** state size n */
  n: number;
  /** number of exponents m */
  m: number;
  /** number of QR re-orthonormalizations done (r sets the longest interval; see `lyapunovSpectrum`) */
  qrCount: number;
}

/** Precision guard: the most nats of cancellation one QR window may cost (e^-18 ≈ 1.5e-8, so ~8 of 16 digits stay). */
const GUARD_NATS = 9;
/** Rescue threshold: re-orthonormalize early when a column's largest entry leaves [2^-400, 2^400]. */
const HI = 2 ** 400;
const LO = 2 ** -400;

/**
 * The m leading Lyapunov exponents of the trajectory stored in `tape` (filled by sequenceForward with
 * model's params), for batch row b, by Benettin's QR method over J_t for t = tFrom..T.
 *
 * Start. Q0 is the first m columns of the identity unless `opts.rng` is given. A deterministic start is
 * fine for generic Jacobians (random weights, a data-driven trajectory): the method fails only for Q0 in
 * the measure-zero set where span(Q0[:, 1..k]) meets the slow Oseledets subspaces nontrivially for some
 * k <= m, and e_1..e_k lands there only when the Jacobians are structured: diagonal or block-diagonal
 * Waa, units that never interact, IRNN's Waa = I with m < n. With m = n a structured start still finds
 * every exponent, possibly out of order. For m < n on a structured model, pass `rng`.
 *
 * Sorting. The i-th column tracks λ_i when Q0 is generic, so the QR's diagonal normally comes out
 * ordered and the sort is a no-op. It is needed when the start is aligned with invariant subspaces (a
 * diagonal Waa gives the exponents in the units' order) or when a column dies. blockExponents and
 * stdErr are permuted with the exponents.
 *
 * Dead directions. A column that J·Q maps to exactly zero (R_ii = 0: a dead ReLU unit that feeds
 * nobody, a zero Waa) gets λ_i = -Infinity, and its block estimates are -Infinity from then on. Its
 * stdErr is 0 when every block is -Infinity and Infinity when only some are; nothing becomes NaN. A
 * direction that is only numerically rank-deficient (e.g. a dead unit whose column is nonzero, with
 * m = n) leaves a rounding-level residual and a large but finite negative exponent.
 *
 * Cost per step: one step Jacobian, one (m×n)·(n×n) product; every r steps (or sooner, see above) a QR
 * of ~2·m²·n work; `qrCount` reports how many.
 * Allocates O(n² + n·m + blocks·m) once per call; nothing inside the time loop.
 * @throws RangeError naming the field when m, reorth, b, blocks or tFrom is out of range, or when the
 *   tape does not fit the model
 */
export function lyapunovSpectrum(model: Model, tape: Tape, opts: LyapunovOptions): LyapunovResult {
  const { config, params: P } = model;
  const L = paramLayout(config);
  if (P.length !== L.size) throw new RangeError(`model.params length must be ${L.size}, got ${P.length}`);
  if (!tape.fits(config, tape.T, tape.B)) {
    throw new RangeError(`tape must fit model.config (cell ${config.cell}, H ${config.H}, I ${config.I}), got a tape for cell ${tape.config.cell}, H ${tape.config.H}, I ${tape.config.I}`);
  }
  const n = stateSize(config);
  const T = tape.T;
  const m = opts.m;
  const r = opts.reorth ?? 10;
  const b = opts.b ?? 0;
  const tFrom = opts.tFrom ?? 1;
  checkInt("m", m, 1, n);
  checkInt("reorth", r, 1, Number.MAX_SAFE_INTEGER);
  checkInt("b", b, 0, tape.B - 1);
  checkInt("tFrom", tFrom, 1, T);
  const steps = T - tFrom + 1;
  const nb = opts.blocks ?? Math.min(10, steps);
  checkInt("blocks", nb, 1, steps);

  // Q is kept transposed, Qt (m, n): row i is the column q_i, so J·q_i is a dot product over a
  // contiguous row of J and of Qt, and Gram–Schmidt works on contiguous rows. Qt <- Qt·Jᵀ = (J·Q)ᵀ.
  const J = new Float64Array(n * n);
  let Qt = new Float64Array(m * n);
  let Qn = new Float64Array(m * n);
  const logR = new Float64Array(m);
  const rawLog = new Float64Array(m);
  const qrWork = new Float64Array(m);
  const blockSum = new Float64Array(nb * m);
  const total = new Float64Array(m);
  if (opts.rng) {
    opts.rng.fillRandn(Qt, 0, m * n);
    // Gram–Schmidt of Gaussian rows gives diag R > 0, the sign-fixed QR, so Q0 is Haar on the Stiefel manifold.
    orthonormalizeRows(logR, 0, Qt, 0, n, m, n);
  } else {
    for (let i = 0; i < m; i++) Qt[i * n + i] = 1;
  }

  let k = 0; // current block
  let blockEnd = blockBoundary(1, steps, nb); // step index (0-based, exclusive) where block k ends
  let sinceQr = 0;
  // Interval until the next QR: r, or less when the precision guard asks (below). Nothing is known
  // about the cancellation before the first QR, so the first one comes after one step.
  let interval = 1;
  let qrCount = 0;
  for (let s = 0; s < steps; s++) {
    const t = tFrom + s;
    stepJacobian(J, tape, P, L, t, b);
    Qn.fill(0);
    gemmNTBlocked(Qn, 0, n, Qt, 0, n, J, 0, n, m, n, n);
    const tmp = Qt; Qt = Qn; Qn = tmp;
    sinceQr++;
    const last = s + 1 === blockEnd;
    if (last || sinceQr >= interval || needsRescue(Qt, m, n)) {
      for (let i = 0; i < m; i++) rawLog[i] = log10Norm(Qt, i * n, n) * Math.LN10;
      orthonormalizeRowsCgs2(logR, 0, Qt, 0, n, m, n, qrWork);
      qrCount++;
      // Precision guard. Column i's residual is computed with absolute error ~ε·‖raw column‖, so this
      // window cost log‖raw_i‖ - log R_ii nats of its ~36 (ε = 2^-52). Keep the cancellation per window
      // under GUARD_NATS by shortening the next interval; in exact arithmetic the interval changes nothing.
      let lost = 0;
      for (let i = 0; i < m; i++) {
        const d = rawLog[i] - logR[i];
        if (d > lost) lost = d; // NaN (dead or non-finite columns) compares false and is skipped
      }
      const perStep = lost / sinceQr;
      interval = perStep > 0 ? Math.max(1, Math.min(r, Math.floor(GUARD_NATS / perStep))) : r;
      sinceQr = 0;
      const bo = k * m;
      for (let i = 0; i < m; i++) blockSum[bo + i] += logR[i];
    }
    if (last) {
      k++;
      blockEnd = blockBoundary(k + 1, steps, nb);
    }
  }

  // Per-block estimates, the overall estimate, and the standard error (sample std over blocks / √blocks).
  const blockEst = new Float64Array(nb * m);
  for (let kk = 0; kk < nb; kk++) {
    const len = blockBoundary(kk + 1, steps, nb) - blockBoundary(kk, steps, nb);
    for (let i = 0; i < m; i++) {
      blockEst[kk * m + i] = blockSum[kk * m + i] / len;
      total[i] += blockSum[kk * m + i];
    }
  }
  const err = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    total[i] /= steps;
    err[i] = blockStdErr(blockEst, i, m, nb);
  }

  // Sort descending (-Infinity, then NaN, last), permuting every per-exponent field alike.
  const order = Array.from({ length: m }, (_, i) => i);
  order.sort((p, q) => {
    const kp = descKey(total[p]), kq = descKey(total[q]);
    if (kp !== kq) return kq - kp;
    return total[q] > total[p] ? 1 : total[q] < total[p] ? -1 : 0; // stable for ties
  });
  const exponents = new Float64Array(m), log10PerStep = new Float64Array(m), stdErr = new Float64Array(m);
  const blockExponents = new Float64Array(nb * m);
  for (let i = 0; i < m; i++) {
    const o = order[i];
    exponents[i] = total[o];
    log10PerStep[i] = total[o] / Math.LN10;
    stdErr[i] = err[o];
    for (let kk = 0; kk < nb; kk++) blockExponents[kk * m + i] = blockEst[kk * m + o];
  }
  return { exponents, log10PerStep, stdErr, blockExponents, steps, blocks: nb, n, m, qrCount };
}

/** Start of block k (0-based step index) when `steps` steps are split into nb near-equal blocks. */
function blockBoundary(k: number, steps: number, nb: number): number {
  return Math.floor((k * steps) / nb);
}

/** True when some column of Q (row of Qt) is about to overflow or underflow: re-orthonormalize now. */
function needsRescue(Qt: Float64Array, m: number, n: number): boolean {
  for (let i = 0; i < m; i++) {
    const v = maxAbs(Qt, i * n, n);
    if (v > HI || (v < LO && v > 0)) return true;
  }
  return false;
}

/**
 * std/√blocks of column i of the (blocks, m) estimates, with the sample (blocks-1) variance. NaN for one
 * block (no spread to measure); 0 when every block is -Infinity; Infinity when only some are.
 */
function blockStdErr(est: Float64Array, i: number, m: number, nb: number): number {
  if (nb < 2) return NaN;
  let ninf = 0, mean = 0;
  for (let k = 0; k < nb; k++) {
    const v = est[k * m + i];
    if (v === -Infinity) ninf++;
    else mean += v;
  }
  if (ninf === nb) return 0;
  if (ninf > 0) return Infinity;
  mean /= nb;
  let ss = 0;
  for (let k = 0; k < nb; k++) {
    const d = est[k * m + i] - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / (nb - 1)) / Math.sqrt(nb);
}

/** Sort class for descending order: finite and +Infinity first, then -Infinity, then NaN. */
function descKey(v: number): number {
  return v === v ? (v === -Infinity ? 1 : 2) : 0;
}
