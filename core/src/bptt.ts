/**
 * One forward and one backward pass, end to end: the entry point most callers want.
 *   const ws = lossAndGrads(null, model, batch, spec, { ledger: true });
 *   ws.loss, ws.grads.dparams, ws.grads.dx, ws.grads.da0, ws.ledger.total ...
 * Pass the returned workspace back in to reuse every buffer (one allocation per (T, B) shape).
 */
import { headBackward, headForward, lossValue } from "./heads";
import { ensureLedger, type Ledger } from "./ledger";
import type { LossSpec } from "./loss-spec";
import { checkInt } from "./dims";
import type { Model } from "./model";
import { paramLayout, type ParamLayout } from "./params";
import { makeGrads, sequenceBackward, sequenceForward, zeroGrads, type Grads } from "./sequence";
import { ensureTape, type Tape } from "./tape";
import { withPinned } from "./simd";

/** Inputs of one pass. Layouts in dims.ts and loss-spec.ts. */
export interface Batch {
  /** (T, B, I) */
  x: Float64Array;
  T: number;
  B: number;
  /** (B, H); zeros when omitted */
  a0?: Float64Array | null;
  /** (B, H), LSTM only; zeros when omitted */
  c0?: Float64Array | null;
  /** (T, B, O) for mse/bce, (T, B) class indices for ce */
  targets: Float64Array;
}

/** Every buffer of a pass, reused across calls of the same shape. */
export class Workspace {
  readonly layout: ParamLayout;
  readonly tape: Tape;
  readonly grads: Grads;
  /** logits (T, B, O), valid at the masked steps */
  readonly z: Float64Array;
  /** outputs (T, B, O), valid at the masked steps */
  readonly yhat: Float64Array;
  /** dJ/dz (T, B, O) */
  readonly dz: Float64Array;
  /** dJ/da<t> through yhat<t> (T, B, H) */
  readonly daDirect: Float64Array;
  ledger: Ledger | null = null;
  loss = NaN;

  constructor(model: Model, T: number, B: number, prev?: Workspace | null) {
    const { config } = model;
    this.layout = paramLayout(config);
    this.tape = ensureTape(prev?.tape, config, T, B);
    this.grads = makeGrads(config, this.layout, T, B);
    this.z = new Float64Array(T * B * config.O);
    this.yhat = new Float64Array(T * B * config.O);
    this.dz = new Float64Array(T * B * config.O);
    this.daDirect = new Float64Array(T * B * config.H);
  }

  /** True when this workspace serves `model` at (T, B) without reallocating. */
  fits(model: Model, T: number, B: number): boolean {
    const c = model.config;
    return this.tape.fits(c, T, B) && this.z.length === T * B * c.O && this.grads.dparams.length === this.layout.size &&
      this.layout.size === paramLayout(c).size;
  }
}

/** Returns `ws` when it fits (model, T, B), else a new Workspace. */
export function ensureWorkspace(ws: Workspace | null | undefined, model: Model, T: number, B: number): Workspace {
  return ws && ws.fits(model, T, B) ? ws : new Workspace(model, T, B, ws);
}

/**
 * Checks a batch against the model and the loss spec: integer T, B >= 1, every length, finite
 * inputs, states and targets, class indices in range. Each error names the field. O(size).
 */
export function validateBatch(model: Model, batch: Batch, spec: LossSpec): void {
  const { I, H, O, cell } = model.config;
  const { T, B } = batch;
  checkInt("T", T, 1);
  checkInt("B", B, 1);
  const lay = paramLayout(model.config);
  if (model.params.length !== lay.size) throw new RangeError(`params has ${model.params.length} values; a ${cell} with I=${I}, H=${H}, O=${O} has ${lay.size}`);
  const len = (name: string, a: ArrayLike<number> | null | undefined, n: number) => {
    if (a && a.length !== n) throw new RangeError(`${name} has ${a.length} values, expected ${n}`);
  };
  len("x", batch.x, T * B * I);
  len("a0", batch.a0, B * H);
  if (cell === "lstm") len("c0", batch.c0, B * H);
  len("targets", batch.targets, spec.loss === "ce" ? T * B : T * B * O);
  len("mask", spec.mask, T);
  checkFiniteArray("x", batch.x);
  if (batch.a0) checkFiniteArray("a0", batch.a0);
  if (cell === "lstm" && batch.c0) checkFiniteArray("c0", batch.c0);
  for (let t = 0; t < T; t++) {
    if (!spec.mask[t]) continue;
    const per = spec.loss === "ce" ? B : B * O;
    for (let i = t * per; i < (t + 1) * per; i++) {
      const v = batch.targets[i];
      if (!Number.isFinite(v)) throw new RangeError(`targets[${i}] is ${v}; targets must be finite`);
      if (spec.loss === "ce" && !(Number.isInteger(v) && v >= 0 && v < O)) throw new RangeError(`targets[${i}] is ${v}; ce classes must be integers in [0, ${O - 1}]`);
      if (spec.loss === "bce" && !(v >= 0 && v <= 1)) throw new RangeError(`targets[${i}] is ${v}; bce targets must lie in [0, 1]`);
    }
  }
  if (spec.loss === "bce" && model.config.output !== "sigmoid") throw new RangeError(`loss bce needs output sigmoid, got ${model.config.output}`);
  if (spec.loss === "ce" && model.config.output !== "softmax") throw new RangeError(`loss ce needs output softmax, got ${model.config.output}`);
}

function checkFiniteArray(name: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new RangeError(`${name}[${i}] is ${a[i]}; it must be finite`);
}

/** Forward pass and loss only (no backward). Validates the batch. Returns the workspace, with ws.loss set. */
export function forwardLoss(ws: Workspace | null, model: Model, batch: Batch, spec: LossSpec): Workspace {
  return withPinned(model.params, () => forwardLossPinned(ws, model, batch, spec));
}

function forwardLossPinned(ws: Workspace | null, model: Model, batch: Batch, spec: LossSpec): Workspace {
  validateBatch(model, batch, spec);
  const w = ensureWorkspace(ws, model, batch.T, batch.B);
  const { config, params } = model;
  sequenceForward(w.tape, params, w.layout, batch.x, batch.a0 ?? null, batch.c0 ?? null);
  headForward(w.z, w.yhat, config, params, w.layout, w.tape.a, batch.T, batch.B, spec.mask);
  w.loss = lossValue(w.z, w.yhat, batch.targets, spec, batch.T, batch.B, config.O);
  return w;
}

/**
 * Forward, loss and exact BPTT. Overwrites ws.grads (zeroed first) with dJ/dparams, dJ/dx, dJ/da<0>
 * (and dJ/dc<0>), and fills ws.ledger when `opts.ledger` is true.
 */
export function lossAndGrads(ws: Workspace | null, model: Model, batch: Batch, spec: LossSpec, opts: { ledger?: boolean } = {}): Workspace {
  // the parameters stay fixed for the whole pass: the batched products read one copy of them in
  // WebAssembly memory instead of copying the weight matrix at every timestep (simd.ts)
  return withPinned(model.params, () => lossAndGradsPinned(ws, model, batch, spec, opts));
}

function lossAndGradsPinned(ws: Workspace | null, model: Model, batch: Batch, spec: LossSpec, opts: { ledger?: boolean }): Workspace {
  const w = forwardLossPinned(ws, model, batch, spec);
  const { config, params } = model;
  zeroGrads(w.grads);
  headBackward(w.grads.dparams, w.daDirect, w.dz, config, params, w.layout, w.tape.a, w.z, w.yhat, batch.targets, spec, batch.T, batch.B);
  w.ledger = opts.ledger ? ensureLedger(w.ledger, batch.T) : null;
  sequenceBackward(w.grads, w.tape, params, w.layout, batch.x, w.daDirect, w.ledger);
  return w;
}
