/**
 * The deep-network twin: the RNN's computation run as an UNTIED T-layer feed-forward network.
 *
 * "Wax, Waa and Wya are shared across timesteps, so why does an RNN over 1,000 steps behave like a
 * 1,000-layer network?" Unroll it: step t is layer l = t. The twin gives layer l its OWN copy of the
 * cell's parameters (Wax, Waa, ba for the vanilla cell; the stacked gate matrix, the biases and bca
 * for the gated cells), all initially equal to the RNN's, so its forward pass is the RNN's, value for
 * value:
 *   layer l:  a<l> = cell(a<l-1>, x<l>; θ_l)        (θ_l = layer l's copy; θ_l = θ for every l at start)
 * and its backward pass gives each layer its own gradient dθ_l. The RNN's gradient is their sum,
 *   dθ = Σ_l dθ_l,
 * because tying the copies (θ_l = θ) makes dJ/dθ = Σ_l dJ/dθ_l by the chain rule. So the RNN's
 * gradient is a sum of T per-layer gradients of a T-deep network, and the early layers' terms fade
 * like any deep network's: ‖dJ/da<l>‖ shrinks with each layer it crosses, whether the weights are
 * shared or not. Sharing does not shorten the path; it only adds up what arrives.
 *
 * The readout stays shared. Wya, by read a<l> wherever the loss mask has a loss, exactly as in the
 * RNN, and their gradient goes into sumGrads' head blocks. That does not touch the claim: the
 * readout sits beside the chain, not on it (dJ/da<l> passes through layers l+1..T, never through
 * Wya twice), so untying it would give T per-step head gradients that sum to the same dWya and
 * leave every dJ/da<l> and every dθ_l unchanged.
 *
 * Layouts. Every params layout puts the readout last, so the cell's blocks are the prefix [0, S) of
 * the params layout, S = layout.byName.Wya.offset. Layer l's parameters are that prefix, stored at
 * (l-1)·S in one (T, S) buffer; `layers[l-1]` is a view of it, read with the ordinary params
 * offsets, which is why the cells' step functions run unchanged on it. Per-layer gradients use the
 * same (T, S) form: the params layout restricted to the recurrent (cell) blocks.
 *
 * Extended range. dJ/da<l> is carried between layers as g·2^k with the same exact power-of-two
 * rescaling as sequence.ts, so log10LayerGradNorm and log10DaNorm are exact at any depth (10^-1000
 * is reported as -1000), while layerGrads hold actual float64 values (which underflow as plain
 * float64 would).
 */
import { gruStepBackward, gruStepForward } from "../cells/gru";
import { lstmStepBackward, lstmStepForward } from "../cells/lstm";
import { rnnStepBackward, rnnStepForward } from "../cells/rnn";
import type { Batch } from "../bptt";
import { checkInt } from "../dims";
import { headBackward, headForward, lossValue } from "../heads";
import { fillRows, gemmNT, log10Norm, LOG10_2, maxAbs, pow2 } from "../linalg";
import { addDirectScaled, renormalizeScaled, scaleBy2 } from "../scaled-carry";
import type { LossSpec } from "../loss-spec";
import type { Model, ModelConfig } from "../model";
import { paramLayout, type ParamLayout } from "../params";
import { accumulateParamGrads } from "../sequence";
import { ensureTape, type Tape } from "../tape";

/** Default cap on the twin's per-layer buffers (weights and gradients): 512 MiB. */
export const DEEP_TWIN_MAX_BYTES = 512 * 2 ** 20;

/** Options of `makeDeepTwin`. */
export interface DeepTwinOptions {
  /** cap on the bytes of the T layer copies plus the T gradient buffers; default 512 MiB */
  maxBytes?: number;
}

/** Buffers of one (T, B) shape, allocated on first use and reused while B stays the same. */
export interface DeepTwinWork {
  readonly B: number;
  /** the forward cache; "step t" of the tape is layer t */
  readonly tape: Tape;
  /** logits and outputs (T, B, O) at the masked layers; dJ/dz (T, B, O) */
  readonly z: Float64Array;
  readonly yhat: Float64Array;
  readonly dz: Float64Array;
  /** dJ/da<l> through yhat<l> (T, B, H) */
  readonly daDirect: Float64Array;
}

/** An untied T-layer twin of a model. Plain data plus a lazily allocated workspace. */
export interface DeepTwin {
  readonly config: ModelConfig;
  readonly layout: ParamLayout;
  /** depth: the number of layers, equal to the RNN's number of steps */
  readonly T: number;
  /** length of the cell's parameter blocks: the params-layout prefix [0, S) before Wya */
  readonly S: number;
  /** (T, S): layer l's own parameters at (l-1)·S, in the params layout restricted to [0, S) */
  readonly weights: Float64Array;
  /** layers[l-1]: a view of layer l's parameters. Edit it to untie layer l from the others. */
  readonly layers: readonly Float64Array[];
  /** the shared readout: a copy of the model's params, of which only the Wya and by blocks are read */
  readonly head: Float64Array;
  /** (T, S): layer l's gradient dθ_l at (l-1)·S */
  readonly grads: Float64Array;
  /** layerGrads[l-1]: a view of layer l's gradient, same layout as layers[l-1] */
  readonly layerGrads: readonly Float64Array[];
  /** params layout: [0, S) = Σ_l layerGrads; the Wya, by blocks = the shared readout's gradient */
  readonly sumGrads: Float64Array;
  /** (T): log10‖dW_l^aa‖_F per layer */
  readonly log10LayerGradNorm: Float64Array;
  /** (T): log10‖dJ/da<l>‖_F per layer (over the batch) */
  readonly log10DaNorm: Float64Array;
  work: DeepTwinWork | null;
}

/** The output of `deepTwinLossAndGrads`. Every array is the twin's own buffer, overwritten by the next call. */
export interface DeepTwinResult {
  loss: number;
  /** layer outputs (T+1, B, H): a<l> at (l·B + b)·H, a<0> the input state (the RNN's states) */
  a: Float64Array;
  /** LSTM cell states (T+1, B, H); length 0 for the other cells */
  c: Float64Array;
  /**
   * layerGrads[l-1] = dJ/dθ_l, layer l's own gradient, in the params layout restricted to the cell's
   * blocks [0, S) (Wax, Waa, ba, or the gate blocks, biases and bca). The readout is shared, so it
   * has no per-layer gradient; its gradient is in sumGrads.
   */
  layerGrads: readonly Float64Array[];
  /**
   * log10‖dW_l^aa‖_F: the gradient of layer l's recurrent weights: Waa, or the a-columns W[:, :H] of
   * every gate block (for GRU reset-before, the c~ block's a-side input is Γr⊙a<l-1>). Exact far below
   * 1e-308. -Infinity where exactly zero. Equal to the RNN ledger's dWaa<l>.
   */
  log10LayerGradNorm: Float64Array;
  /** log10‖dJ/da<l>‖_F (direct + from layer l+1), exact likewise. Equal to the RNN ledger's total<l>. */
  log10DaNorm: Float64Array;
  /** params layout: [0, S) = Σ_l layerGrads[l-1] (the tied network's gradient); head = dWya, dby. */
  sumGrads: Float64Array;
}

/**
 * Allocates an untied T-layer twin of `model`: T copies of the cell's parameters (each equal to the
 * model's) and T gradient buffers. Throws a RangeError when they would exceed `maxBytes`.
 */
export function makeDeepTwin(model: Model, T: number, opts: DeepTwinOptions = {}): DeepTwin {
  const config = model.config;
  const layout = paramLayout(config);
  if (model.params.length !== layout.size) throw new RangeError(`model.params length must be ${layout.size}, got ${model.params.length}`);
  checkInt("T", T, 1);
  const maxBytes = opts.maxBytes ?? DEEP_TWIN_MAX_BYTES;
  if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be a number >= 0, got ${maxBytes}`);
  const S = layout.byName.Wya.offset;
  for (const b of layout.blocks) {
    if (b.name !== "Wya" && b.name !== "by" && b.offset + b.size > S) throw new RangeError(`block ${b.name} lies after the readout; deep twin needs the cell blocks first`);
  }
  const bytes = 2 * T * S * 8;
  if (!(bytes <= maxBytes)) {
    throw new RangeError(
      `makeDeepTwin: T = ${T} needs ${bytes} bytes (${mib(bytes)} MiB), over maxBytes = ${maxBytes} (${mib(maxBytes)} MiB). ` +
      `An untied ${T}-layer network needs ${T} copies of the weights (${S} cell parameters each, ${S * 8} bytes) ` +
      `plus ${T} gradient buffers, where the RNN keeps one shared copy for all ${T} steps. ` +
      `Lower T or H, or raise maxBytes.`,
    );
  }
  const weights = new Float64Array(T * S);
  const grads = new Float64Array(T * S);
  const layers: Float64Array[] = [];
  const layerGrads: Float64Array[] = [];
  for (let l = 0; l < T; l++) {
    weights.set(model.params.subarray(0, S), l * S);
    layers.push(weights.subarray(l * S, (l + 1) * S));
    layerGrads.push(grads.subarray(l * S, (l + 1) * S));
  }
  return {
    config, layout, T, S, weights, layers, grads, layerGrads,
    head: model.params.slice(),
    sumGrads: new Float64Array(layout.size),
    log10LayerGradNorm: new Float64Array(T),
    log10DaNorm: new Float64Array(T),
    work: null,
  };
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function ensureWork(twin: DeepTwin, B: number): DeepTwinWork {
  const w = twin.work;
  if (w && w.B === B) return w;
  const { T, config: { H, O } } = twin;
  const work: DeepTwinWork = {
    B,
    tape: ensureTape(w?.tape, twin.config, T, B),
    z: new Float64Array(T * B * O),
    yhat: new Float64Array(T * B * O),
    dz: new Float64Array(T * B * O),
    daDirect: new Float64Array(T * B * H),
  };
  twin.work = work;
  return work;
}


/**
 * The loss and every layer's own gradient of the untied twin on `batch` (batch.T must equal twin.T).
 * Layer l runs the cell's step with layers[l-1], forward and backward; its gradient is accumulated
 * into layerGrads[l-1] only. Overwrites the twin's gradient and norm buffers (zeroed first).
 * Allocates nothing inside the layer loops.
 */
export function deepTwinLossAndGrads(twin: DeepTwin, batch: Batch, spec: LossSpec): DeepTwinResult {
  const { T, S, config, layout: L, layers, layerGrads } = twin;
  const { cell, H, I } = config;
  if (batch.T !== T) throw new RangeError(`batch.T must equal the twin's depth ${T}, got ${batch.T}`);
  checkInt("batch.B", batch.B, 1);
  const B = batch.B;
  const x = batch.x;
  if (x.length !== T * B * I) throw new RangeError(`batch.x length must be T·B·I = ${T * B * I}, got ${x.length}`);
  if (spec.mask.length !== T) throw new RangeError(`spec.mask length must be T = ${T}, got ${spec.mask.length}`);
  const w = ensureWork(twin, B);
  const tape = w.tape;
  const G = L.G, GH = G * H, n = B * H;
  const lstm = cell === "lstm";

  // ---- forward: layer l = 1..T, each with its own parameters, its own input projection ----
  const a0 = batch.a0 ?? null, c0 = batch.c0 ?? null;
  if (a0) tape.a.set(a0.length === n ? a0 : a0.subarray(0, n), 0);
  else tape.a.fill(0, 0, n);
  if (lstm) {
    if (c0) tape.c.set(c0.length === n ? c0 : c0.subarray(0, n), 0);
    else tape.c.fill(0, 0, n);
  }
  if (cell === "rnn") {
    const Wax = L.byName.Wax.offset, ba = L.byName.ba.offset;
    for (let l = 1; l <= T; l++) {
      const P = layers[l - 1];
      // a<l> slot = ba_l + Wax_l·x<l>, then the step adds Waa_l·a<l-1> and applies g
      fillRows(tape.a, l * n, B, P, ba, H);
      gemmNT(tape.a, l * n, H, x, (l - 1) * B * I, I, P, Wax, I, B, H, I);
      rnnStepForward(tape, P, L, l);
    }
  } else {
    for (let l = 1; l <= T; l++) {
      const P = layers[l - 1];
      const gOff = (l - 1) * B * GH;
      // gates<l> slot = b_l + W_l[:, H:]·x<l>, then the step adds W_l[:, :H]·a<l-1>
      fillRows(tape.gates, gOff, B, P, L.b0, GH);
      gemmNT(tape.gates, gOff, GH, x, (l - 1) * B * I, I, P, L.W0 + H, H + I, B, GH, I);
      if (lstm) lstmStepForward(tape, P, L, l);
      else gruStepForward(tape, P, L, l);
    }
  }
  const head = twin.head;
  headForward(w.z, w.yhat, config, head, L, tape.a, T, B, spec.mask);
  const loss = lossValue(w.z, w.yhat, batch.targets, spec, T, B, config.O);

  // ---- backward: layer l = T..1, dJ/da<l> carried as g·2^k ----
  const sumGrads = twin.sumGrads;
  sumGrads.fill(0);
  twin.grads.fill(0);
  headBackward(sumGrads, w.daDirect, w.dz, config, head, L, tape.a, w.z, w.yhat, batch.targets, spec, T, B);
  const daDirect = w.daDirect;
  const g = tape.g, gc = tape.gc;
  g.fill(0);
  gc.fill(0);
  const normW = twin.log10LayerGradNorm, normDa = twin.log10DaNorm;
  let k = 0;
  for (let l = T; l >= 1; l--) {
    const P = layers[l - 1];
    const dOff = (l - 1) * n;
    // dJ/da<l> = direct<l> + (from layer l+1), at the carried scale (as in sequenceBackward)
    k = addDirectScaled(g, lstm ? gc : null, daDirect, dOff, n, k);
    normDa[l - 1] = log10Norm(g, 0, n, k);
    if (cell === "rnn") rnnStepBackward(tape, P, L, l);
    else if (lstm) lstmStepBackward(tape, P, L, l);
    else gruStepBackward(tape, P, L, l);
    normW[l - 1] = log10RecurrentGradNorm(tape, l, k);
    if (k !== 0) {
      scaleBy2(tape.dpre, (l - 1) * B * GH, B * GH, k);
      if (tape.dhn.length) scaleBy2(tape.dhn, dOff, n, k);
    }
    // layer l's own gradient, from its own step only
    accumulateParamGrads(layerGrads[l - 1], tape, L, x, l, l);
    k = renormalizeScaled(g, lstm ? gc : null, n, k);
  }
  tape.gExp = k;
  // tie the layers back: the RNN's gradient of the cell blocks is the sum of the layers' gradients
  const all = twin.grads;
  for (let l = 0; l < T; l++) {
    const o = l * S;
    for (let i = 0; i < S; i++) sumGrads[i] += all[o + i];
  }
  return {
    loss, a: tape.a, c: tape.c, layerGrads, sumGrads,
    log10LayerGradNorm: normW, log10DaNorm: normDa,
  };
}


/**
 * log10‖Σ_b u_b ⊗ v_b‖_F for layer l (u: the a-side pre-activation gradient of each gate block, still
 * at scale 2^-k; v: its a-side input), via ‖Σ_b u_b v_bᵀ‖² = Σ_{b,c}(u_b·u_c)(v_b·v_c), so no (G·H, H)
 * matrix is formed. Unlike a plain Gram sum, u and v are first scaled by powers of two to a maximum
 * in [1, 2), so neither the dots nor their products underflow or overflow.
 */
function log10RecurrentGradNorm(tape: Tape, l: number, k: number): number {
  const { B, G, config: { cell, H, gruVariant } } = tape;
  const GH = G * H;
  const pOff = (l - 1) * B * GH, aOff = (l - 1) * B * H;
  let q = log10Gram(tape.dpre, pOff, GH, cell === "gru" ? 2 * H : GH, tape.a, aOff, H, H, B);
  if (cell === "gru") {
    const q2 = gruVariant === "reset-before"
      ? log10Gram(tape.dpre, pOff + 2 * H, GH, H, tape.aux, aOff, H, H, B)
      : log10Gram(tape.dhn, aOff, H, H, tape.a, aOff, H, H, B);
    q = log10Add(q, q2);
  }
  return 0.5 * q + k * LOG10_2;
}

/** log10(10^p + 10^q), with -Infinity for 0 and NaN propagated. */
function log10Add(p: number, q: number): number {
  if (p !== p || q !== q) return NaN;
  const hi = p > q ? p : q, lo = p > q ? q : p;
  if (lo === -Infinity || hi === Infinity) return hi;
  return hi + Math.log10(1 + 10 ** (lo - hi));
}

/**
 * log10 Σ_{b,c} (u_b·u_c)(v_b·v_c), computed with u and v scaled to a maximum magnitude in [1, 2)
 * and the exponents added back in log space. -Infinity when either side is all zero.
 */
function log10Gram(U: Float64Array, uOff: number, ldu: number, nu: number, V: Float64Array, vOff: number, ldv: number, nv: number, B: number): number {
  const mu = maxAbsRows(U, uOff, ldu, nu, B), mv = maxAbsRows(V, vOff, ldv, nv, B);
  if (mu !== mu || mv !== mv) return NaN;
  if (mu === 0 || mv === 0) return -Infinity;
  if (mu === Infinity || mv === Infinity) return Infinity;
  const eu = Math.floor(Math.log2(mu)), ev = Math.floor(Math.log2(mv));
  const ua = pow2(-Math.trunc(eu / 2)), ub = pow2(-eu + Math.trunc(eu / 2));
  const va = pow2(-Math.trunc(ev / 2)), vb = pow2(-ev + Math.trunc(ev / 2));
  let s = 0;
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < B; c++) {
      const uu = scaledDot(U, uOff + b * ldu, uOff + c * ldu, nu, ua, ub);
      if (uu === 0) continue;
      s += uu * scaledDot(V, vOff + b * ldv, vOff + c * ldv, nv, va, vb);
    }
  }
  if (!(s > 0)) return s !== s ? NaN : -Infinity;
  return Math.log10(s) + 2 * (eu + ev) * LOG10_2;
}

function maxAbsRows(X: Float64Array, off: number, ld: number, n: number, rows: number): number {
  let m = 0;
  for (let r = 0; r < rows; r++) {
    const v = maxAbs(X, off + r * ld, n);
    if (v > m || v !== v) m = v;
  }
  return m;
}

/** Σ_i (X[p+i]·sa·sb)(X[q+i]·sa·sb). */
function scaledDot(X: Float64Array, p: number, q: number, n: number, sa: number, sb: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += (X[p + i] * sa * sb) * (X[q + i] * sa * sb);
  return s;
}
