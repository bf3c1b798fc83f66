/**
 * The shared recurrent-weight gradient split by lag: "the weights are shared across steps, so why does
 * the gradient vanish?" answered term by term.
 *
 * The recurrent weights are used at every step, so their gradient is a double sum over the step t
 * whose loss is differentiated and the step k ≤ t where the weights act:
 *   dWaa = Σ_t Σ_{k≤t} C(t,k),     C(t,k) = Σ_b dz_k^(t) ⊗ ain_k
 * where dz_k^(t) is the pre-activation gradient at step k caused by the loss at step t alone and ain_k
 * the a-side input of the weights at k: a<k-1> (vanilla; every gated block), except the GRU
 * reset-before candidate block, whose a-side input is Γr⊙a<k-1> (see accumulateParamGrads). For gated
 * cells "dWaa" is the a-columns W[:, :H] of the stacked (G·H, H+I) matrix, as in ledger.dWaa. Grouping
 * by the lag L = t - k (how far the loss was sent back) gives
 *   dWaa = Σ_L S_L,     S_L = Σ_{t-k=L} C(t,k).
 * Each weight receives every lag with the same sign of effort; the deep lags are products of L step
 * Jacobians and so are exponentially small (or large): S_L is the answer in numbers.
 *
 * Algorithm. Let G_L[k] = ∂J_{k+L}/∂s<k> (s = a, or (a, c) for the LSTM) for the loss at source step
 * t = k+L. Then G_0[t] = daDirect<t> (dc = 0) and G_{L+1}[k-1] = (step backward at k)(G_L[k]); the same
 * step backward writes dz_k^(t). So lag L is one step backward for every source t ≥ L+1 whose mask
 * is 1, all kept side by side in one buffer indexed by source (the vector for source t moves from step
 * t to step t-L as L grows). A loss on the last step costs O(maxLag) step backwards, a loss on every
 * step O(T·maxLag). The step backward functions are the cells' own, run on a private Tape.
 *
 * Extended range. All vectors of one lag share one base-2 exponent e_L (actual = stored·2^e_L), and
 * are rescaled by an exact power of two whenever their largest entry leaves [2^-400, 2^400], as in
 * sequence.ts. S_L is accumulated at the scale 2^e_L and stored as (mantissa, exponent), so every
 * lag's norm is exact however deep (0.9^8000 ≈ 10^-366). A source whose vector is more than 2^674
 * times smaller than the lag's largest may underflow in the shared scale; its part of S_L is then
 * below 2^-674 relative, far below rounding.
 *
 * Lags ≥ maxLag (the remainder). With V[k] = Σ_{t ≥ k+M} G_{t-k}[k] (M = maxLag),
 *   V[k-1] = (step backward at k)(V[k]) + G_M[k-1],
 * one more backward sweep over k carries all unresolved sources together, and its pre-activation
 * gradients give R = Σ_{L≥M} S_L directly, in extended range, never as dWaa minus a sum. R is exactly
 * zero when maxLag ≥ T. The tail Σ_{L'≥L} S_L' is then summed from the deepest lag upward in
 * (mantissa, exponent) form, so it is exact at any depth; dWaa itself is the tail at L = 0 and agrees
 * with lossAndGrads' gradient to rounding (the summation order differs).
 */
import type { Batch } from "../bptt";
import { gruStepBackward } from "../cells/gru";
import { lstmStepBackward } from "../cells/lstm";
import { rnnStepBackward } from "../cells/rnn";
import { checkInt } from "../dims";
import { headBackward, headForward, lossDenominator } from "../heads";
import { dot, gemmTN, log10Norm, LOG10_2, maxAbs, pow2 } from "../linalg";
import { LOSS_KINDS, REDUCTIONS, type LossSpec } from "../loss-spec";
import { validateConfig, type Model } from "../model";
import { paramLayout, type ParamLayout } from "../params";
import { sequenceForward } from "../sequence";
import { Tape } from "../tape";

/** Options of `lagSplit`. */
export interface LagSplitOptions {
  /** lags resolved one by one, L = 0..maxLag-1; the rest are lumped into the remainder. Default min(T, 256). */
  maxLag?: number;
}

/** The recurrent-weight gradient split by lag. Norms are Frobenius norms, as log10 (exact at any depth). */
export interface LagSplitResult {
  /** time steps of the batch */
  T: number;
  /** number of lags resolved one by one */
  maxLag: number;
  /** rows of the recurrent-weight gradient: H (vanilla Waa) or G·H (a-columns of the stacked gate matrix) */
  rows: number;
  /** columns of the recurrent-weight gradient: H */
  cols: number;
  /** (maxLag) log10‖S_L‖; -Infinity where S_L is exactly zero (always for L ≥ T) */
  log10Lag: Float64Array;
  /** (maxLag) log10‖Σ_{L'≥L} S_L'‖, over all lags up to T-1 (the remainder included) */
  log10Tail: Float64Array;
  /** (maxLag) ‖Σ_{L'≥L} S_L'‖ / ‖dWaa‖ as a plain number (underflows to 0 at deep lags: read log10Tail; 0 when both are 0) */
  tailFraction: Float64Array;
  /** log10‖dWaa‖ (the tail at L = 0) */
  log10DWaa: number;
  /** log10‖Σ_{L≥maxLag} S_L‖ = log10‖dWaa - Σ_{L<maxLag} S_L‖, computed directly; -Infinity when maxLag ≥ T */
  remainderLog10: number;
  /**
   * (min(maxLag, T), rows, cols) mantissas: S_L = lags[L·rows·cols ...]·2^lagExp[L], each normalized so
   * that its largest entry lies near 1. Read actual values with `lagSplitMatrix`.
   */
  lags: Float64Array;
  /** (min(maxLag, T)) base-2 exponent of each S_L */
  lagExp: Int32Array;
  /** (rows, cols) mantissa of the remainder Σ_{L≥maxLag} S_L = remainder·2^remainderExp */
  remainder: Float64Array;
  /** base-2 exponent of the remainder */
  remainderExp: number;
}

/** Largest maxLag accepted (the per-lag outputs are allocated at this length). */
export const MAX_LAG = 1 << 20;
/** Largest number of doubles the stored S_L matrices may take: min(maxLag, T)·rows·cols (512 MiB). */
export const MAX_LAG_STORE = 1 << 26;

const HI = 2 ** 400;
const LO = 2 ** -400;

/**
 * Splits the recurrent-weight gradient dWaa of `model` on `batch` under `spec` by lag L = t - k.
 * Runs its own forward pass into private buffers (no workspace is touched). Throws a RangeError
 * naming the field when the inputs do not fit the model.
 */
export function lagSplit(model: Model, batch: Batch, spec: LossSpec, opts: LagSplitOptions = {}): LagSplitResult {
  checkInputs(model, batch, spec);
  const { config, params: P } = model;
  const { T, B } = batch;
  const { cell, H, O } = config;
  const lay = paramLayout(config);
  const G = lay.G, GH = G * H;
  const maxLag = opts.maxLag ?? Math.min(T, 256);
  checkInt("maxLag", maxLag, 1, MAX_LAG);
  const nL = Math.min(maxLag, T);
  const nS = GH * H;
  if (!(nL * nS <= MAX_LAG_STORE)) {
    throw new RangeError(`maxLag = ${maxLag} would store ${nL}·${GH}·${H} = ${nL * nS} doubles; at most ${MAX_LAG_STORE} (lower maxLag)`);
  }
  const lstm = cell === "lstm";
  const n = B * H;

  // Forward and readout into private buffers; G_0 = daDirect.
  const tape = new Tape(config, T, B);
  sequenceForward(tape, P, lay, batch.x, batch.a0 ?? null, batch.c0 ?? null);
  const z = new Float64Array(T * B * O), yhat = new Float64Array(T * B * O), dz = new Float64Array(T * B * O);
  const daDirect = new Float64Array(T * n);
  headForward(z, yhat, config, P, lay, tape.a, T, B, spec.mask);
  headBackward(new Float64Array(lay.size), daDirect, dz, config, P, lay, tape.a, z, yhat, batch.targets, spec, T, B);

  // Sources: the steps t (ascending) with a loss. Slot i carries G_L[t_i - L] (and its c part).
  let nSrc = 0;
  for (let t = 1; t <= T; t++) if (spec.mask[t - 1]) nSrc++;
  const src = new Int32Array(nSrc);
  for (let t = 1, i = 0; t <= T; t++) if (spec.mask[t - 1]) src[i++] = t;
  const gBuf = new Float64Array(nSrc * n);
  const cBuf = new Float64Array(lstm ? nSrc * n : 0);
  for (let i = 0; i < nSrc; i++) for (let j = 0, d = (src[i] - 1) * n; j < n; j++) gBuf[i * n + j] = daDirect[d + j];

  const lags = new Float64Array(nL * nS);
  const lagExp = new Int32Array(nL);
  const g = tape.g, gc = tape.gc;
  let e = rescaleSlots(gBuf, cBuf, 0, nSrc, n, 0);
  // lo = first slot still active: t_i - L ≥ 1.
  let lo = 0;
  for (let L = 0; L < nL; L++) {
    while (lo < nSrc && src[lo] - L < 1) lo++;
    const sOff = L * nS;
    lagExp[L] = e;
    for (let i = lo; i < nSrc; i++) {
      // G_L[k] -> one step backward at k -> dz_k^(t) (tape.dpre at k) and G_{L+1}[k-1] (tape.g, tape.gc)
      const k = src[i] - L, o = i * n;
      for (let j = 0; j < n; j++) g[j] = gBuf[o + j];
      if (lstm) for (let j = 0; j < n; j++) gc[j] = cBuf[o + j];
      stepBackward(tape, P, lay, k);
      for (let j = 0; j < n; j++) gBuf[o + j] = g[j];
      if (lstm) for (let j = 0; j < n; j++) cBuf[o + j] = gc[j];
    }
    // S_L += Σ_k dz_k ⊗ ain_k. The steps k of one lag are distinct, so their dpre rows all survive in
    // the tape; consecutive sources give consecutive k, i.e. contiguous rows: one product per run.
    for (let i = lo; i < nSrc;) {
      let j = i;
      while (j + 1 < nSrc && src[j + 1] === src[j] + 1) j++;
      accumulateRecurrent(lags, sOff, tape, src[i] - L, src[j] - L);
      i = j + 1;
    }
    // Slots that go on to lag L+1 need t_i - L - 1 ≥ 1.
    let next = lo;
    while (next < nSrc && src[next] - L - 1 < 1) next++;
    e = rescaleSlots(gBuf, cBuf, next, nSrc, n, e);
  }

  // Remainder: V[k-1] = back_k(V[k]) + G_M[k-1], for k from the last source minus M down to 1.
  const M = nL;
  const rem = new Float64Array(nS);
  let remExp = 0;
  let remZero = true;
  const kTop = nSrc > 0 ? src[nSrc - 1] - M : 0;
  if (kTop >= 1) {
    g.fill(0);
    gc.fill(0);
    let kV = 0;
    let live = false;
    let i = nSrc - 1;
    for (let k = kTop; k >= 1; k--) {
      // the source t = k + M enters at step k with G_M[k] (slot i, exponent e)
      if (i >= 0 && src[i] - M === k) {
        const o = i * n;
        if (!live) {
          for (let j = 0; j < n; j++) g[j] = gBuf[o + j];
          if (lstm) for (let j = 0; j < n; j++) gc[j] = cBuf[o + j];
          kV = e;
          live = true;
        } else if (e >= kV) {
          scalePow2(g, 0, n, kV - e);
          if (lstm) scalePow2(gc, 0, n, kV - e);
          addScaled(g, 0, gBuf, o, n, 0);
          if (lstm) addScaled(gc, 0, cBuf, o, n, 0);
          kV = e;
        } else {
          addScaled(g, 0, gBuf, o, n, e - kV);
          if (lstm) addScaled(gc, 0, cBuf, o, n, e - kV);
        }
        i--;
      }
      if (!live) continue;
      stepBackward(tape, P, lay, k);
      // R += contribution at scale 2^kV: align R and this step's dpre to the larger exponent.
      if (remZero) { remExp = kV; remZero = false; }
      else if (kV > remExp) { scalePow2(rem, 0, nS, remExp - kV); remExp = kV; }
      else if (kV < remExp) scaleStep(tape, k, kV - remExp);
      accumulateRecurrent(rem, 0, tape, k, k);
      const m = lstm ? Math.max(maxAbs(g, 0, n), maxAbs(gc, 0, n)) : maxAbs(g, 0, n);
      if (m > 0 && (m < LO || (m > HI && m < Infinity))) {
        const s = -Math.floor(Math.log2(m));
        scalePow2(g, 0, n, s);
        if (lstm) scalePow2(gc, 0, n, s);
        kV -= s;
      }
    }
  }
  remExp += normalizeExp(rem, 0, nS);

  // Per-lag norms, then the tails from the deepest lag upward, in (mantissa, exponent) form.
  const log10Lag = new Float64Array(maxLag).fill(-Infinity);
  const log10Tail = new Float64Array(maxLag).fill(-Infinity);
  const tailFraction = new Float64Array(maxLag);
  for (let L = 0; L < nL; L++) {
    // normalized: the largest entry lies in [1, 2), so Σ x² neither overflows nor loses the norm
    lagExp[L] += normalizeExp(lags, L * nS, nS);
    const ss = dot(lags, L * nS, lags, L * nS, nS);
    log10Lag[L] = ss > 0 ? 0.5 * Math.log10(ss) + lagExp[L] * LOG10_2 : ss === 0 ? -Infinity : NaN;
  }
  tailSums(log10Tail, lags, lagExp, log10Lag, rem, remExp, nL, nS);
  const log10DWaa = log10Tail[0];
  for (let L = 0; L < maxLag; L++) {
    const f = Math.pow(10, log10Tail[L] - log10DWaa);
    // 0/0 (dWaa and the tail exactly zero) is reported as 0; a NaN gradient stays NaN
    tailFraction[L] = L === 0 && log10DWaa > -Infinity ? 1 : f === f ? f : log10DWaa === -Infinity ? 0 : NaN;
  }
  return {
    T, maxLag, rows: GH, cols: H,
    log10Lag, log10Tail, tailFraction, log10DWaa,
    remainderLog10: log10Norm(rem, 0, nS, remExp),
    lags, lagExp, remainder: rem, remainderExp: remExp,
  };
}

/**
 * Writes S_L (rows, cols) at actual scale into out (overwrites): the lag-L part of dWaa, which
 * underflows to 0 (or overflows) exactly as plain float64 would. L = maxLag writes the remainder
 * Σ_{L'≥maxLag} S_L'; lags in [T, maxLag) are zero.
 */
export function lagSplitMatrix(out: Float64Array, r: LagSplitResult, L: number): void {
  checkInt("L", L, 0, r.maxLag);
  const nS = r.rows * r.cols;
  if (!(out.length >= nS)) throw new RangeError(`out must have length ≥ ${nS}, got ${out.length}`);
  if (L === r.maxLag) {
    out.set(r.remainder);
    scalePow2(out, 0, nS, r.remainderExp);
  } else if (L >= r.lagExp.length) {
    out.fill(0, 0, nS);
  } else {
    out.set(r.lags.subarray(L * nS, (L + 1) * nS));
    scalePow2(out, 0, nS, r.lagExp[L]);
  }
}

/** One step backward at t on the private tape: the cell's own function (reads g, gc; writes dpre, dhn, g, gc). */
function stepBackward(tape: Tape, P: Float64Array, L: ParamLayout, t: number): void {
  const cell = tape.config.cell;
  if (cell === "rnn") rnnStepBackward(tape, P, L, t);
  else if (cell === "lstm") lstmStepBackward(tape, P, L, t);
  else gruStepBackward(tape, P, L, t);
}

/**
 * S[sOff..] (G·H, H) += Σ_{k=k0..k1} Σ_b dpre_b<k> ⊗ ain_b<k>, the recurrent-weight gradient of steps
 * k0..k1 from the pre-activation gradients in tape.dpre (and tape.dhn): ain = a<k-1>, except the GRU
 * reset-before c~ block (Γr⊙a<k-1>, tape.aux) and the reset-after c~ block (dhn ⊗ a<k-1>). The same
 * products as accumulateParamGrads' a-columns. Accumulates.
 */
function accumulateRecurrent(S: Float64Array, sOff: number, tape: Tape, k0: number, k1: number): void {
  const { B, G, config: { cell, H, gruVariant } } = tape;
  const GH = G * H;
  const rows = (k1 - k0 + 1) * B;
  const pOff = (k0 - 1) * B * GH, aOff = (k0 - 1) * B * H;
  if (cell !== "gru") {
    gemmTN4(S, sOff, H, tape.dpre, pOff, GH, tape.a, aOff, H, GH, H, rows);
    return;
  }
  gemmTN4(S, sOff, H, tape.dpre, pOff, GH, tape.a, aOff, H, 2 * H, H, rows);
  const cOff = sOff + 2 * H * H;
  if (gruVariant === "reset-before") gemmTN4(S, cOff, H, tape.dpre, pOff + 2 * H, GH, tape.aux, aOff, H, H, H, rows);
  else gemmTN4(S, cOff, H, tape.dhn, aOff, H, tape.a, aOff, H, H, H, rows);
}

/**
 * C[m, n] += Σ_k A[k, m]·B[k, n] (C += Aᵀ·B), linalg's gemmTN with the k loop unrolled by four, so
 * each C row is loaded and stored once per four rows of A and B instead of once per row: about 2.6×
 * faster for H = 64 (the outer products are half of lagSplit's work). The naive reference is
 * linalg.gemmTN, which accumulateParamGrads uses; the tests compare the two paths to 1e-12.
 * Accumulates.
 */
function gemmTN4(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): void {
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const a0 = aOff + k * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    const b0 = bOff + k * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
    for (let m = 0; m < M; m++) {
      const x0 = A[a0 + m], x1 = A[a1 + m], x2 = A[a2 + m], x3 = A[a3 + m];
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue;
      const cr = cOff + m * ldc;
      for (let n = 0; n < N; n++) C[cr + n] += x0 * B[b0 + n] + x1 * B[b1 + n] + x2 * B[b2 + n] + x3 * B[b3 + n];
    }
  }
  if (k < K) gemmTN(C, cOff, ldc, A, aOff + k * lda, lda, B, bOff + k * ldb, ldb, M, N, K - k);
}

/** Multiplies step k's pre-activation gradients (dpre, and dhn for GRU reset-after) by 2^s. */
function scaleStep(tape: Tape, k: number, s: number): void {
  const { B, G, config: { H } } = tape;
  scalePow2(tape.dpre, (k - 1) * B * G * H, B * G * H, s);
  if (tape.dhn.length) scalePow2(tape.dhn, (k - 1) * B * H, B * H, s);
}

/**
 * If the largest entry of the active slots [i0, i1) of gBuf (and cBuf) lies outside [2^-400, 2^400],
 * multiplies them by the power of two that brings it to [1, 2). Returns the new exponent (actual =
 * stored·2^exp). Zero and non-finite vectors are left alone.
 */
function rescaleSlots(gBuf: Float64Array, cBuf: Float64Array, i0: number, i1: number, n: number, exp: number): number {
  const len = (i1 - i0) * n;
  if (len <= 0) return exp;
  const m = cBuf.length ? Math.max(maxAbs(gBuf, i0 * n, len), maxAbs(cBuf, i0 * n, len)) : maxAbs(gBuf, i0 * n, len);
  if (!(m > 0 && (m < LO || (m > HI && m < Infinity)))) return exp;
  const s = -Math.floor(Math.log2(m));
  scalePow2(gBuf, i0 * n, len, s);
  if (cBuf.length) scalePow2(cBuf, i0 * n, len, s);
  return exp - s;
}

/**
 * x[off..off+n) *= 2^k exactly (up to the final rounding of results that become subnormal), in
 * chunks of at most 2^±1000 so that no factor itself overflows or underflows. Overwrites.
 */
function scalePow2(x: Float64Array, off: number, n: number, k: number): void {
  const end = off + n;
  if (k < -2300) {
    // every finite entry (< 2^1024) times 2^k is below half the smallest subnormal
    for (let i = off; i < end; i++) if (x[i] === x[i] && Math.abs(x[i]) < Infinity) x[i] = 0 * x[i];
    return;
  }
  while (k !== 0) {
    const c = k > 1000 ? 1000 : k < -1000 ? -1000 : k;
    const half = Math.trunc(c / 2);
    const s1 = pow2(half), s2 = pow2(c - half);
    for (let i = off; i < end; i++) {
      const v = x[i];
      if (v !== 0) x[i] = v * s1 * s2;
    }
    k -= c;
  }
}

/** y[yOff..+n) += x[xOff..+n)·2^d for d ≤ 0 (parts below 2^-1074 vanish, as they would in float64). Accumulates. */
function addScaled(y: Float64Array, yOff: number, x: Float64Array, xOff: number, n: number, d: number): void {
  if (d < -2300) return;
  const h = Math.trunc(d / 2);
  const s1 = pow2(h), s2 = pow2(d - h);
  for (let i = 0; i < n; i++) y[yOff + i] += x[xOff + i] * s1 * s2;
}

/**
 * Multiplies x[off..off+n) by 2^-s so that its largest entry lies in [1, 2) and returns s (so
 * actual = new·2^(exp + s)). Returns 0 and leaves x alone when it is zero or not finite.
 */
function normalizeExp(x: Float64Array, off: number, n: number): number {
  const m = maxAbs(x, off, n);
  if (!(m > 0 && m < Infinity)) return 0;
  const s = Math.floor(Math.log2(m));
  scalePow2(x, off, n, -s);
  return s;
}

/**
 * log10Tail[L] = log10‖rem·2^remExp + Σ_{L≤L'<nL} S_L'‖, from the deepest lag upward. The running sum
 * `acc` carries its own exponent; each S_L (normalized, largest entry in [1, 2)) is added at the larger
 * of the two exponents, the other operand scaled down by an exact power of two, so what is lost lies
 * below 2^-700 of the sum. One fused pass per lag adds, and sums squares for the norm; acc is
 * renormalized only when its largest entry leaves [2^-300, 2^300]. Overwrites log10Tail[0..nL).
 */
function tailSums(log10Tail: Float64Array, lags: Float64Array, lagExp: Int32Array, log10Lag: Float64Array,
  rem: Float64Array, remExp: number, nL: number, n: number): void {
  const acc = rem.slice();
  let accExp = remExp;
  let accZero = maxAbs(acc, 0, n) === 0;
  let last = accZero ? -Infinity : log10Norm(acc, 0, n, accExp);
  for (let L = nL - 1; L >= 0; L--) {
    const off = L * n, e = lagExp[L];
    if (log10Lag[L] === -Infinity) { log10Tail[L] = last; continue; }
    if (accZero) {
      for (let i = 0; i < n; i++) acc[i] = lags[off + i];
      accExp = e;
      accZero = false;
      log10Tail[L] = last = log10Lag[L];
      continue;
    }
    let m = 0, ss = 0;
    if (e >= accExp) {
      // acc ← acc·2^(accExp-e) + S_L, at exponent e
      const d = accExp - e;
      const h = Math.trunc(Math.max(d, -2300) / 2), s1 = pow2(h), s2 = pow2(Math.max(d, -2300) - h);
      for (let i = 0; i < n; i++) {
        const v = acc[i] * s1 * s2 + lags[off + i];
        acc[i] = v;
        const av = Math.abs(v);
        if (av > m || av !== av) m = av;
        ss += v * v;
      }
      accExp = e;
    } else {
      // acc ← acc + S_L·2^(e-accExp), at exponent accExp
      const d = Math.max(e - accExp, -2300);
      const h = Math.trunc(d / 2), s1 = pow2(h), s2 = pow2(d - h);
      for (let i = 0; i < n; i++) {
        const v = acc[i] + lags[off + i] * s1 * s2;
        acc[i] = v;
        const av = Math.abs(v);
        if (av > m || av !== av) m = av;
        ss += v * v;
      }
    }
    if (m >= 2 ** -300 && m <= 2 ** 300) last = 0.5 * Math.log10(ss) + accExp * LOG10_2;
    else if (m === 0) { accZero = true; last = -Infinity; }
    else {
      accExp += normalizeExp(acc, 0, n);
      last = log10Norm(acc, 0, n, accExp);
    }
    log10Tail[L] = last;
  }
}

/** Entry checks: every field that lagSplit reads, NaN-safe, each error naming the field. */
function checkInputs(model: Model, batch: Batch, spec: LossSpec): void {
  validateConfig(model.config);
  const { I, H, O, cell } = model.config;
  const size = paramLayout(model.config).size;
  if (!(model.params instanceof Float64Array) || model.params.length !== size) {
    throw new RangeError(`model.params must be a Float64Array of length ${size}, got length ${model.params?.length}`);
  }
  checkInt("batch.T", batch.T, 1);
  checkInt("batch.B", batch.B, 1);
  const { T, B } = batch;
  checkLength("batch.x", batch.x, T * B * I, "T·B·I");
  if (batch.a0 != null) checkLength("batch.a0", batch.a0, B * H, "B·H");
  if (cell === "lstm" && batch.c0 != null) checkLength("batch.c0", batch.c0, B * H, "B·H");
  if (!LOSS_KINDS.includes(spec.loss)) throw new RangeError(`spec.loss must be one of ${LOSS_KINDS.join("|")}, got ${String(spec.loss)}`);
  if (!REDUCTIONS.includes(spec.reduction)) throw new RangeError(`spec.reduction must be one of ${REDUCTIONS.join("|")}, got ${String(spec.reduction)}`);
  checkLength("batch.targets", batch.targets, spec.loss === "ce" ? T * B : T * B * O, spec.loss === "ce" ? "T·B" : "T·B·O");
  if (!(spec.mask instanceof Uint8Array) || spec.mask.length !== T) {
    throw new RangeError(`spec.mask must be a Uint8Array of length T = ${T}, got length ${spec.mask?.length}`);
  }
  lossDenominator(spec, B, O); // throws for the mean reduction over an empty mask
}

function checkLength(field: string, a: Float64Array, want: number, what: string): void {
  if (!(a instanceof Float64Array) || a.length !== want) {
    throw new RangeError(`${field} must be a Float64Array of length ${what} = ${want}, got length ${a?.length}`);
  }
}
