/**
 * The time loop: the forward pass over T with a tape, and exact BPTT with the gradient ledger.
 *
 * Structure (the "hand-fused" form): the input projection b + W_x·x<t> for every t is one GEMM before
 * the recurrence, and the weight gradients are GEMMs over the stored pre-activation gradients after
 * it, so only the H×H (G·H×H for gated cells) products stay inside the loop. Every product uses
 * linalg's register-blocked kernels (gemmNTBlocked, gemmNNBlocked, gemmTNBlocked), which compute each
 * entry exactly as their naive references do: the results are those of the naive kernels, bit for bit.
 *
 * Extended range. dJ/da<t> = J_{t+1}ᵀ·dJ/da<t+1> + direct<t> is linear in the carried gradient, so
 * the loop carries g = dJ/da<t> · 2^-k with an integer k. While |g| stays in [2^-400, 2^400], k = 0
 * and the arithmetic is exactly that of plain float64. Outside it, g is rescaled by a power of two,
 * which is exact, and k records the scale: the ledger's log10 norms are then exact at any depth
 * (0.9^10000 ≈ 10^-457.6), while the parameter gradients receive g·2^k, which underflows or
 * overflows exactly as plain float64 would.
 */

import { gruStepBackward, gruStepForward } from "./cells/gru";
import { lstmStepBackward, lstmStepForward } from "./cells/lstm";
import { rnnStepBackward, rnnStepForward } from "./cells/rnn";
import { ROW_KERNEL_B, vecmatRow } from "./cells/row-kernels";
import type { Ledger } from "./ledger";
import { addColumnSumsBlocked, fillRows, gemmNNBlocked, gemmNT, gemmNTBlocked, gemmTNBlocked, LOG10_2, log10Norm, maxAbs, pow2 } from "./linalg";
import type { ModelConfig } from "./model";
import type { ParamLayout } from "./params";
import { addDirectScaled, renormalizeScaled, scaleByFactors } from "./scaled-carry";
import { simdGemmNT64 } from "./simd";
import type { Tape } from "./tape";

/** Gradients of one backward pass. Every field ACCUMULATES; zero it with `zeroGrads`. */
export interface Grads {
  /** same layout as the params */
  dparams: Float64Array;
  /** (T, B, I) */
  dx: Float64Array;
  /** (B, H) */
  da0: Float64Array;
  /** (B, H), LSTM only (length 0 otherwise) */
  dc0: Float64Array;
}

/** Allocates zeroed gradient buffers for a model at (T, B). */
export function makeGrads(config: ModelConfig, layout: ParamLayout, T: number, B: number): Grads {
  return {
    dparams: new Float64Array(layout.size),
    dx: new Float64Array(T * B * config.I),
    da0: new Float64Array(B * config.H),
    dc0: new Float64Array(config.cell === "lstm" ? B * config.H : 0),
  };
}

/** Sets every gradient buffer to 0. */
export function zeroGrads(g: Grads): void {
  g.dparams.fill(0);
  g.dx.fill(0);
  g.da0.fill(0);
  g.dc0.fill(0);
}

/**
 * Forward over t = 1..T. Fills the tape: a<0> = a0 (zeros when null), c<0> = c0 (LSTM), every state,
 * gate and cached value. x is (T, B, I). Overwrites the tape; allocates nothing.
 */
export function sequenceForward(tape: Tape, P: Float64Array, L: ParamLayout, x: Float64Array, a0: Float64Array | null, c0: Float64Array | null): void {
  const { T, B, G, config: { cell, H, I } } = tape;
  const n = B * H;
  // a0 and c0 hold exactly B·H values (validated by the callers' entry points)
  if (a0) tape.a.set(a0, 0);
  else tape.a.fill(0, 0, n);
  if (cell === "lstm") {
    if (c0) tape.c.set(c0, 0);
    else tape.c.fill(0, 0, n);
  }
  if (B < ROW_KERNEL_B) {
    // Small batch: each step computes its own b + W_x·x<t> with its recurrent product, one pass per
    // row (cells/row-kernels.ts affineRow, the same bits as the hoisted form below).
    if (cell === "rnn") for (let t = 1; t <= T; t++) rnnStepForward(tape, P, L, t, x);
    else if (cell === "lstm") for (let t = 1; t <= T; t++) lstmStepForward(tape, P, L, t, x);
    else for (let t = 1; t <= T; t++) gruStepForward(tape, P, L, t, x);
    return;
  }
  // Hoisted input projection for all T·B rows at once: pre = b + x·W_xᵀ.
  if (cell === "rnn") {
    const Wax = L.byName.Wax.offset, ba = L.byName.ba.offset;
    fillRows(tape.a, n, T * B, P, ba, H);
    gemmNTBlocked(tape.a, n, H, x, 0, I, P, Wax, I, T * B, H, I);
    for (let t = 1; t <= T; t++) rnnStepForward(tape, P, L, t);
  } else {
    const GH = G * H;
    fillRows(tape.gates, 0, T * B, P, L.b0, GH);
    gemmNTBlocked(tape.gates, 0, GH, x, 0, I, P, L.W0 + H, H + I, T * B, GH, I);
    if (cell === "lstm") for (let t = 1; t <= T; t++) lstmStepForward(tape, P, L, t);
    else for (let t = 1; t <= T; t++) gruStepForward(tape, P, L, t);
  }
}

/** Options of `sequenceBackward`. */
export interface BackwardOptions {
  /**
   * When true, the gradient arriving at step T is the one the tape carries (tape.g, tape.gc,
   * tape.gExp), as left by the backward pass of the segment after this one (truncated or
   * checkpointed BPTT). When false (the default) it is zero.
   */
  carry?: boolean;
  /** ledger index of this tape's step 1 (for segments); default 0 */
  ledgerOffset?: number;
  /** the lowest step of the tape to backpropagate into; default 1 (truncated BPTT stops higher) */
  from?: number;
  /** the step the backward pass starts at; default T */
  to?: number;
  /** only steps t > directFrom receive their direct (loss) gradient; default from - 1 (all of them) */
  directFrom?: number;
  /**
   * add the gradient that reaches a<from-1> into grads.da0 (and dc0); default true. When from > 1
   * (a truncated window) it is never added: it is what truncation cuts, and `cut` reports its size.
   */
  initialState?: boolean;
}

/** What a backward pass reports besides the gradients. */
export interface BackwardReport {
  /** log10‖dJ/da<from-1>‖ (for the LSTM, of [dJ/da; dJ/dc]) carried out of the window: dropped when from > 1 */
  cut: number;
}

/**
 * Exact BPTT over t = T..1. daDirect (T, B, H) holds dJ/da<t> through yhat<t> (zero where no loss
 * sits). Accumulates every parameter gradient, dJ/dx<t> and dJ/da<0> (dJ/dc<0>) into `grads`. Fills
 * the ledger when given. Leaves dJ/da<0> in scaled form in tape.g / tape.gc / tape.gExp for a caller
 * that chains segments. Allocates nothing.
 */
export function sequenceBackward(
  grads: Grads, tape: Tape, P: Float64Array, L: ParamLayout, x: Float64Array,
  daDirect: Float64Array, ledger: Ledger | null, opts: BackwardOptions = {},
): BackwardReport {
  const { T, B, G, config } = tape;
  const { cell, H, I } = config;
  const n = B * H;
  const GH = G * H;
  const g = tape.g, gc = tape.gc;
  const lstm = cell === "lstm";
  const lo = opts.ledgerOffset ?? 0;
  const from = opts.from ?? 1, to = opts.to ?? T;
  const directFrom = opts.directFrom ?? from - 1;
  const zeroRow = tape.zeroRow;
  const hasDhn = tape.dhn.length > 0;
  // the factors 2^k = s1·s2 of the current k (scaled-carry.ts scaleBy2), recomputed when k changes
  let kScaled = 0, s1 = 1, s2 = 1;
  let k = 0;
  if (opts.carry) k = tape.gExp;
  else {
    g.fill(0);
    gc.fill(0);
  }
  for (let t = to; t >= from; t--) {
    const dOff = (t - 1) * n;
    const li = lo + t - 1;
    if (ledger) {
      ledger.direct[li] = t > directFrom ? log10Norm(daDirect, dOff, n) : -Infinity;
      ledger.recurrent[li] = log10Norm(g, 0, n, k);
    }
    // total = recurrent + direct, at the carried scale
    if (t > directFrom) k = addDirectScaled(g, lstm ? gc : null, daDirect, dOff, n, k);
    if (ledger) {
      ledger.total[li] = log10Norm(g, 0, n, k);
      ledger.cell[li] = lstm ? log10NormLstmDc(tape, t, k) : -Infinity;
      ledger.scaleExp[li] = k;
    }
    if (cell === "rnn") rnnStepBackward(tape, P, L, t);
    else if (lstm) lstmStepBackward(tape, P, L, t);
    else gruStepBackward(tape, P, L, t);
    const pOff = (t - 1) * B * GH;
    if (ledger) {
      ledger.dWaa[li] = log10RecurrentWeightGradNorm(tape, t, k);
      const sx = tape.sx;
      sx.fill(0, 0, B * I);
      // dJ/dx<t> = dpre<t>·W_x (B, I); below ROW_KERNEL_B rows by the row kernel (the same bits)
      const wx = cell === "rnn" ? L.byName.Wax.offset : L.W0 + H, ldx = cell === "rnn" ? I : H + I;
      if (B < ROW_KERNEL_B) for (let b = 0; b < B; b++) vecmatRow(sx, b * I, tape.dpre, pOff + b * GH, P, wx, ldx, I, GH);
      else gemmNNBlocked(sx, 0, I, tape.dpre, pOff, GH, P, wx, ldx, B, I, GH);
      ledger.dx[li] = log10Norm(sx, 0, B * I, k);
    }
    // The weight and input gradients take actual values: dpre·2^k (and dhn·2^k). Note which rows are
    // then exactly zero (see the products after the loop).
    let zero: boolean;
    if (k !== 0) {
      if (k !== kScaled) {
        kScaled = k;
        const k1 = Math.trunc(k / 2);
        s1 = pow2(k1);
        s2 = pow2(k - k1);
      }
      zero = scaleByFactors(tape.dpre, pOff, B * GH, s1, s2);
      if (hasDhn) zero = scaleByFactors(tape.dhn, dOff, n, s1, s2) && zero;
    } else {
      zero = allZero(tape.dpre, pOff, B * GH) && (!hasDhn || allZero(tape.dhn, dOff, n));
    }
    zeroRow[t - 1] = zero ? 1 : 0;
    k = renormalizeScaled(g, lstm ? gc : null, n, k);
  }
  tape.gExp = k;
  let cut = log10Norm(g, 0, n, k);
  if (lstm) {
    const cc = log10Norm(gc, 0, n, k);
    const mx = Math.max(cut, cc);
    if (mx > -Infinity && mx < Infinity) cut = mx + 0.5 * Math.log10(10 ** (2 * (cut - mx)) + 10 ** (2 * (cc - mx)));
  }
  if (from === 1 && opts.initialState !== false) {
    const s = pow2Safe(k);
    for (let i = 0; i < n; i++) grads.da0[i] += mulScale(g[i], s, k);
    if (lstm) for (let i = 0; i < n; i++) grads.dc0[i] += mulScale(gc[i], s, k);
  }
  // The weight and input gradients, over the runs of steps whose dpre rows are not all zero, the
  // highest run first (so every weight gradient still adds its time rows from the last to the first).
  // An all-zero row adds only ±0 products, which leave every entry unchanged (no entry is -0: they
  // start at +0, and a sum is -0 only when both terms are), so skipping it gives the same bits. That is
  // what the naive gemmTN and gemmNN references do entry by entry (they skip a zero A[k, m]). Where the
  // gradient has vanished below float64's range (dJ/da<t> ~ 10^-2000 at the start of a 10,000-step
  // sequence), most rows are exactly zero, and these products shrink to the rows that still count.
  for (let hi = to; hi >= from;) {
    if (zeroRow[hi - 1]) { hi--; continue; }
    let lo = hi;
    while (lo > from && !zeroRow[lo - 2]) lo--;
    accumulateParamGrads(grads.dparams, tape, L, x, lo, hi);
    accumulateInputGrads(grads.dx, tape, P, L, lo, hi);
    hi = lo - 1;
  }
  return { cut };
}

/** True when x[off..off+n) is all ±0 (false at the first other entry, NaN included). */
function allZero(x: Float64Array, off: number, n: number): boolean {
  for (let i = off, end = off + n; i < end; i++) if (x[i] !== 0) return false;
  return true;
}

/**
 * The shared weights' gradient from steps t0..t1 (inclusive), read from the pre-activation
 * gradients in tape.dpre (actual scale). With t0 = t1 = t this is step t's contribution (dWaa<t>,
 * dWax<t>, dba<t>, and the gated cells' equivalents); over 1..T it is the whole gradient, so
 * dW = Σ_t dW<t> holds by construction. Accumulates into dparams (params layout).
 */
export function accumulateParamGrads(dP: Float64Array, tape: Tape, L: ParamLayout, x: Float64Array, t0: number, t1: number): void {
  const { B, G, config: { cell, H, I, gruVariant } } = tape;
  const rows = (t1 - t0 + 1) * B;
  const GH = G * H, ld = H + I;
  const xOff = (t0 - 1) * B * I;
  const aOff = (t0 - 1) * B * H;
  const pOff = (t0 - 1) * B * GH;
  const dpre = tape.dpre;
  if (cell === "rnn") {
    gemmTNBlocked(dP, L.byName.Wax.offset, I, dpre, pOff, H, x, xOff, I, H, I, rows);
    gemmTNBlocked(dP, L.byName.Waa.offset, H, dpre, pOff, H, tape.a, aOff, H, H, H, rows);
    addColumnSumsBlocked(dP, L.byName.ba.offset, dpre, pOff, H, rows, H);
    return;
  }
  gemmTNBlocked(dP, L.W0 + H, ld, dpre, pOff, GH, x, xOff, I, GH, I, rows);
  addColumnSumsBlocked(dP, L.b0, dpre, pOff, GH, rows, GH);
  if (cell === "lstm") {
    gemmTNBlocked(dP, L.W0, ld, dpre, pOff, GH, tape.a, aOff, H, GH, H, rows);
    return;
  }
  // GRU: [Γr|Γu] blocks see a<t-1>; the c~ block sees Γr⊙a<t-1> (reset-before) or, through dhn, a<t-1>.
  gemmTNBlocked(dP, L.W0, ld, dpre, pOff, GH, tape.a, aOff, H, 2 * H, H, rows);
  const Wc = L.W0 + 2 * H * ld;
  if (gruVariant === "reset-before") {
    gemmTNBlocked(dP, Wc, ld, dpre, pOff + 2 * H, GH, tape.aux, aOff, H, H, H, rows);
  } else {
    gemmTNBlocked(dP, Wc, ld, tape.dhn, aOff, H, tape.a, aOff, H, H, H, rows);
    addColumnSumsBlocked(dP, L.byName.bca.offset, tape.dhn, aOff, H, rows, H);
  }
}

/** dJ/dx<t> for t = t0..t1: dx += dpre·W_x. Accumulates into dx (T, B, I). */
export function accumulateInputGrads(dx: Float64Array, tape: Tape, P: Float64Array, L: ParamLayout, t0: number, t1: number): void {
  const { B, G, config: { cell, H, I } } = tape;
  const rows = (t1 - t0 + 1) * B;
  const GH = G * H;
  const xOff = (t0 - 1) * B * I;
  const pOff = (t0 - 1) * B * GH;
  if (cell === "rnn") gemmNNBlocked(dx, xOff, I, tape.dpre, pOff, H, P, L.byName.Wax.offset, I, rows, I, H);
  else gemmNNBlocked(dx, xOff, I, tape.dpre, pOff, GH, P, L.W0 + H, H + I, rows, I, GH);
}


function pow2Safe(k: number): number {
  return k >= -1022 && k <= 1023 ? pow2(k) : NaN;
}

/** v·2^k with 0·2^k = 0 even when 2^k is not representable. */
function mulScale(v: number, s: number, k: number): number {
  if (v === 0 || k === 0) return v;
  if (s === s) return v * s;
  const k1 = Math.trunc(k / 2);
  return v * pow2(k1) * pow2(k - k1);
}

/** log10‖dJ/dc<t>‖ for the LSTM, before the step's backward: dc = gc + g⊙Γo⊙(1 - tanh²c<t>). */
function log10NormLstmDc(tape: Tape, t: number, k: number): number {
  const { B, config: { H } } = tape;
  const g = tape.g, gc = tape.gc, gates = tape.gates, tc = tape.tc;
  let m = 0;
  for (let pass = 0; pass < 2; pass++) {
    let s = 0;
    const inv = pass === 1 ? 1 / m : 0;
    for (let b = 0; b < B; b++) {
      const go = ((t - 1) * B + b) * 4 * H + 3 * H;
      const to = ((t - 1) * B + b) * H;
      for (let j = 0; j < H; j++) {
        const th = tc[to + j];
        const v = gc[b * H + j] + g[b * H + j] * gates[go + j] * (1 - th * th);
        if (pass === 0) { const av = Math.abs(v); if (av > m || av !== av) m = av; }
        else { const w = v * inv; s += w * w; }
      }
    }
    if (pass === 0 && !(m > 0 && m < Infinity)) return m === 0 ? -Infinity : m;
    if (pass === 1) return Math.log10(m) + 0.5 * Math.log10(s) + k * LOG10_2;
  }
  return NaN;
}

/**
 * log10‖Σ_b gA_b ⊗ ain_b‖_F for step t, where gA is the gradient of each gate block's a-side
 * pre-activation and ain its a-side input. ‖Σ_b u_b v_bᵀ‖² = Σ_{b,b'} (u_b·u_b')(v_b·v_b'), so no
 * (G·H, H) matrix is formed. Uses the scaled dpre (before conversion), offset by k·log10 2. Both
 * sides are divided by their largest entry first, so states near 1e±300 neither overflow nor underflow.
 */
function log10RecurrentWeightGradNorm(tape: Tape, t: number, k: number): number {
  const { B, G, config: { cell, H, gruVariant } } = tape;
  const GH = G * H;
  const pOff = (t - 1) * B * GH, aOff = (t - 1) * B * H;
  // one or two (rows, right-vector) groups, each as log10 of its squared norm
  let l1: number, l2 = -Infinity;
  if (cell !== "gru") {
    l1 = log10GramNormSq(tape.dpre, pOff, GH, GH, tape.a, aOff, H, H, B);
  } else {
    l1 = log10GramNormSq(tape.dpre, pOff, GH, 2 * H, tape.a, aOff, H, H, B);
    l2 = gruVariant === "reset-before"
      ? log10GramNormSq(tape.dpre, pOff + 2 * H, GH, H, tape.aux, aOff, H, H, B)
      : log10GramNormSq(tape.dhn, aOff, H, H, tape.a, aOff, H, H, B);
  }
  if (l1 !== l1 || l2 !== l2) return NaN;
  const mx = Math.max(l1, l2);
  if (mx === -Infinity) return -Infinity;
  const s = Math.pow(10, l1 - mx) + Math.pow(10, l2 - mx);
  return 0.5 * (mx + Math.log10(s)) + k * LOG10_2;
}

/**
 * Σ_i (X[p + i]·sc)·(X[q + i]·sc) for i < n, in four interleaved partial sums (i mod 4, added in order
 * at the end) so that the adds need not wait on one another.
 */
function scaledDot(X: Float64Array, p: number, q: number, n: number, sc: number): number {
  const n4 = n - (n % 4);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < n4; i += 4) {
    s0 += X[p + i] * sc * (X[q + i] * sc);
    s1 += X[p + i + 1] * sc * (X[q + i + 1] * sc);
    s2 += X[p + i + 2] * sc * (X[q + i + 2] * sc);
    s3 += X[p + i + 3] * sc * (X[q + i + 3] * sc);
  }
  for (let i = n4; i < n; i++) s0 += X[p + i] * sc * (X[q + i] * sc);
  return ((s0 + s1) + s2) + s3;
}

/** B²·(nu + nv) multiply-adds from which log10GramNormSq forms its Gram matrices in WebAssembly. */
const GRAM_SIMD_MIN_WORK = 32768;
/**
 * s = Σ (u_b·u_c)(v_b·v_c) is accepted only when s ≥ CANCEL·r², r = Σ_b ‖u_b‖‖v_b‖: every computed
 * term is off by at most about (nu + nv)·2^-53·‖u_b‖‖u_c‖‖v_b‖‖v_c‖, so s's error is below
 * (nu + nv + B²)·2^-53·r², and the accepted s is good to (nu + nv + B²)·2^-33 relative: ~2^-14 at
 * worst (nu + nv = 2^19), ~2^-23 for H = 128, B = 20; either is far below what a log10 shows.
 * Random batch rows give s ≈ r²/B; only rows that cancel one another come below it, and then the
 * matrix is formed (outerSumLog10NormSq).
 */
const CANCEL = 2 ** -20;
/** The prescaled loop's s is trusted only from here up (see log10GramNormSq); below, the matrix. */
const LOOP_MIN = 2 ** -900;
/** log10GramNormSq's two B×B Gram matrices, and the nu×nv sum of outer products when it must be formed (grown, never shrunk: no allocation per step) */
let gram = new Float64Array(0);
let outer = new Float64Array(0);
/** How many calls took each path (for the tests: which path ran is otherwise invisible). */
const gramPaths = { gram: 0, loop: 0, outer: 0 };
export function log10GramNormSqPaths(): Readonly<typeof gramPaths> {
  return { ...gramPaths };
}

/**
 * log10 Σ_{b,b'} (u_b·u_b')(v_b·v_b') = log10 ‖Σ_b u_b v_bᵀ‖_F² over B rows of U (ld ldu, nu used) and V:
 * from the Gram matrices in WebAssembly when the batch is large enough, else with both sides
 * prescaled by their largest entry; when the rows cancel (s < CANCEL·r²), from the nu×nv matrix
 * Σ_b u_b v_bᵀ itself, whose entries are then as exact as the weight gradient's own. Exported for
 * its tests only.
 */
export function log10GramNormSq(U: Float64Array, uOff: number, ldu: number, nu: number, V: Float64Array, vOff: number, ldv: number, nv: number, B: number): number {
  let mu = 0, mv = 0;
  for (let b = 0; b < B; b++) {
    mu = Math.max(mu, maxAbs(U, uOff + b * ldu, nu));
    mv = Math.max(mv, maxAbs(V, vOff + b * ldv, nv));
  }
  if (mu !== mu || mv !== mv) return NaN;
  if (mu === 0 || mv === 0) return -Infinity;
  if (!(mu < Infinity && mv < Infinity)) return Infinity;
  // Batched: the two B×B Gram matrices UUᵀ and VVᵀ as float64 products in WebAssembly. With every
  // |entry| ≤ mu, mv in [2^-200, 2^200], nothing overflows: Gram entries are below nu·2^400 ≤ 2^418
  // (nu ≤ 4·MAX_DIM). Underflow can still happen: when the largest u and the largest v sit in
  // different rows, every term can be tiny and s lands below 2^-1074. Rounding to 0 inside the
  // products loses at most ~nu·2^-1074 per Gram entry, so a term loses at most ~nu·2^-1074·2^418·2,
  // ~2^-640, against the 2^-200·mu²mv² ≥ 2^-1000 that s must reach to be kept; below that, or without
  // WebAssembly, the prescaled loop.
  if (B >= 4 && B * B * (nu + nv) >= GRAM_SIMD_MIN_WORK && mu >= 2 ** -200 && mu <= 2 ** 200 && mv >= 2 ** -200 && mv <= 2 ** 200) {
    const BB = B * B;
    if (gram.length < 2 * BB) gram = new Float64Array(2 * BB);
    gram.fill(0, 0, 2 * BB);
    if (simdGemmNT64(gram, 0, B, U, uOff, ldu, U, uOff, ldu, B, B, nu) && simdGemmNT64(gram, BB, B, V, vOff, ldv, V, vOff, ldv, B, B, nv)) {
      let s = 0, r = 0;
      for (let i = 0; i < BB; i++) s += gram[i] * gram[BB + i];
      for (let b = 0; b < B; b++) r += Math.sqrt(gram[b * (B + 1)] * gram[BB + b * (B + 1)]);
      if (s >= 2 ** -200 * (mu * mu) * (mv * mv) && s >= CANCEL * r * r) {
        gramPaths.gram++;
        return Math.log10(s);
      }
    }
  }
  const su = 1 / mu, sv = 1 / mv;
  // the (b, b') and (b', b) terms are equal: the diagonal once, each pair b < b' once and doubled
  let diag = 0, off = 0, r = 0;
  for (let b = 0; b < B; b++) {
    for (let c = b; c < B; c++) {
      const uu = scaledDot(U, uOff + b * ldu, uOff + c * ldu, nu, su);
      if (uu === 0) continue;
      const vv = scaledDot(V, vOff + b * ldv, vOff + c * ldv, nv, sv);
      if (c === b) { diag += uu * vv; r += Math.sqrt(uu * vv); }
      else off += uu * vv;
    }
  }
  const s = diag + 2 * off;
  // s ≥ LOOP_MIN: with the scaled entries at most 1, underflow costs each term uu·vv at most about
  // nu·nv·2^-1074 ≤ 2^-1040 (nu, nv ≤ 2^17), and there are at most B² ≤ 2^24 terms: under 2^-116 of
  // s. Below it, when the row holding the largest u and the row holding the largest v are far apart,
  // what underflowed can be most of s, so the matrix is formed instead.
  if (s >= LOOP_MIN && s >= CANCEL * r * r) {
    gramPaths.loop++;
    return Math.log10(s) + 2 * Math.log10(mu) + 2 * Math.log10(mv);
  }
  gramPaths.outer++;
  return outerSumLog10NormSq(U, uOff, ldu, nu, V, vOff, ldv, nv, B, mu, mv);
}

/**
 * log10 ‖Σ_b u_b v_bᵀ‖_F² from the nu×nv matrix itself, Uᵀ·V as an NT product of transposed copies,
 * in float64 whatever the matmul precision (as the Gram matrices: the ledger is a measurement), in
 * WebAssembly or else by linalg's float64 reference: for rows that cancel, where any sum of Gram
 * terms has lost its digits. The copies are scaled by powers of 2 near 1/mu and 1/mv, which is exact
 * and keeps the product from overflowing, so the same numbers cancel as in the gradient. -Infinity
 * only when every entry is exactly 0.
 */
function outerSumLog10NormSq(U: Float64Array, uOff: number, ldu: number, nu: number, V: Float64Array, vOff: number, ldv: number, nv: number, B: number, mu: number, mv: number): number {
  // eu ≥ -1000 keeps 2^-eu finite for subnormal mu (the scaled entries then stay tiny, as they are)
  const eu = Math.max(-1000, Math.round(Math.log2(mu))), ev = Math.max(-1000, Math.round(Math.log2(mv)));
  const su = pow2(-eu), sv = pow2(-ev);
  // outer = [M (nu×nv) | Uᵀ scaled (nu×B) | Vᵀ scaled (nv×B)]
  const n = nu * nv, ut = n, vt = n + nu * B, size = vt + nv * B;
  if (outer.length < size) outer = new Float64Array(size);
  outer.fill(0, 0, n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < nu; i++) outer[ut + i * B + b] = U[uOff + b * ldu + i] * su;
    for (let j = 0; j < nv; j++) outer[vt + j * B + b] = V[vOff + b * ldv + j] * sv;
  }
  if (!simdGemmNT64(outer, 0, nv, outer, ut, B, outer, vt, B, nu, nv, B)) gemmNT(outer, 0, nv, outer, ut, B, outer, vt, B, nu, nv, B);
  return 2 * log10Norm(outer, 0, n) + 2 * (eu + ev) * LOG10_2;
}
