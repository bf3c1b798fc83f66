/**
 * Checkpointed BPTT (Chen et al. 2016's sqrt(T) scheme for RNNs): the forward pass keeps only every
 * k-th state; the backward pass recomputes each k-step segment from its checkpoint into one k-step
 * tape, last segment first. Memory is O(T/k + k) states instead of O(T) (plus the (T, B, O) readout
 * buffers and the (T, B, I) input gradient); the work is one extra forward pass.
 *
 * The gradients are bit-identical to those of the full tape: the recomputed states are the same
 * operations on the same numbers; the backward carries dJ/da (and its extended-range exponent) from
 * one segment to the next exactly as the one-tape loop does; and every weight gradient accumulates
 * its time rows from the last to the first (linalg.ts gemmTN), whichever way they are segmented.
 */
import type { Batch } from "./bptt";
import { validateBatch } from "./bptt";
import { checkInt } from "./dims";
import { headBackward, headForward, lossValue } from "./heads";
import { ensureLedger, type Ledger } from "./ledger";
import type { LossSpec } from "./loss-spec";
import type { Model } from "./model";
import { paramLayout, type ParamLayout } from "./params";
import { makeGrads, sequenceBackward, sequenceForward, zeroGrads, type Grads } from "./sequence";
import { ensureTape, type Tape } from "./tape";
import { withPinned } from "./simd";

/** Buffers of a checkpointed pass, reused across calls of the same shape. */
export class CheckpointWorkspace {
  readonly T: number;
  readonly B: number;
  readonly k: number;
  readonly layout: ParamLayout;
  /** the k-step tape every full segment is recomputed into */
  tape: Tape;
  /** the tape of the last, shorter segment when k does not divide T (else the same as `tape`) */
  tail: Tape;
  /** a<s·k> and c<s·k> for s = 0..S-1: (S, B, H) each */
  readonly checkA: Float64Array;
  readonly checkC: Float64Array;
  readonly z: Float64Array;
  readonly yhat: Float64Array;
  readonly dz: Float64Array;
  /** dJ/da<t> through yhat<t> for one segment: (k, B, H) */
  readonly daSeg: Float64Array;
  readonly grads: Grads;
  ledger: Ledger | null = null;
  loss = NaN;

  constructor(model: Model, T: number, B: number, k: number) {
    const c = model.config;
    this.T = T; this.B = B; this.k = k;
    this.layout = paramLayout(c);
    const S = Math.ceil(T / k);
    this.tape = ensureTape(null, c, k, B);
    const last = T - (S - 1) * k;
    this.tail = last === k ? this.tape : ensureTape(null, c, last, B);
    this.checkA = new Float64Array(S * B * c.H);
    this.checkC = new Float64Array(c.cell === "lstm" ? S * B * c.H : 0);
    this.z = new Float64Array(T * B * c.O);
    this.yhat = new Float64Array(T * B * c.O);
    this.dz = new Float64Array(T * B * c.O);
    this.daSeg = new Float64Array(k * B * c.H);
    this.grads = makeGrads(c, this.layout, T, B);
  }

  fits(model: Model, T: number, B: number, k: number): boolean {
    return this.T === T && this.B === B && this.k === k && this.tape.fits(model.config, k, B) &&
      this.z.length === T * B * model.config.O && this.layout.size === paramLayout(model.config).size;
  }
}

/** The default checkpoint interval: k ≈ √T. */
export function defaultCheckpointInterval(T: number): number {
  return Math.max(1, Math.round(Math.sqrt(T)));
}

/**
 * Loss and exact gradients with O(T/k + k) states. Overwrites cws.grads; fills cws.ledger when asked.
 * Returns the workspace (pass it back in to reuse every buffer).
 */
export function checkpointedLossAndGrads(cws: CheckpointWorkspace | null, model: Model, batch: Batch, spec: LossSpec,
  opts: { k?: number; ledger?: boolean } = {}): CheckpointWorkspace {
  // one copy of the fixed parameters in WebAssembly memory for the whole pass (see lossAndGrads)
  return withPinned(model.params, () => checkpointedPinned(cws, model, batch, spec, opts));
}

function checkpointedPinned(cws: CheckpointWorkspace | null, model: Model, batch: Batch, spec: LossSpec,
  opts: { k?: number; ledger?: boolean }): CheckpointWorkspace {
  validateBatch(model, batch, spec);
  const { T, B } = batch;
  const k = opts.k ?? defaultCheckpointInterval(T);
  checkInt("k", k, 1, T);
  const w = cws && cws.fits(model, T, B, k) ? cws : new CheckpointWorkspace(model, T, B, k);
  const { config, params: P } = model;
  const { H, I } = config;
  const L = w.layout;
  const S = Math.ceil(T / k);
  const n = B * H;
  const lstm = config.cell === "lstm";
  const segTape = (s: number) => (s === S - 1 ? w.tail : w.tape);
  const segLen = (s: number) => Math.min(k, T - s * k);
  const forwardSegment = (s: number) => {
    const len = segLen(s);
    const tape = segTape(s);
    const xs = batch.x.subarray(s * k * B * I, (s * k + len) * B * I);
    sequenceForward(tape, P, L, xs, w.checkA.subarray(s * n, (s + 1) * n), lstm ? w.checkC.subarray(s * n, (s + 1) * n) : null);
    return tape;
  };
  // forward: keep a<s·k> (and c<s·k>) and the readout at the masked steps
  if (batch.a0) w.checkA.set(batch.a0, 0); else w.checkA.fill(0, 0, n);
  if (lstm) { if (batch.c0) w.checkC.set(batch.c0, 0); else w.checkC.fill(0, 0, n); }
  for (let s = 0; s < S; s++) {
    const tape = forwardSegment(s);
    const len = segLen(s);
    headForward(w.z, w.yhat, config, P, L, tape.a, T, B, spec.mask, { from: s * k + 1, to: s * k + len, shift: s * k });
    if (s + 1 < S) {
      w.checkA.set(tape.a.subarray(len * n, (len + 1) * n), (s + 1) * n);
      if (lstm) w.checkC.set(tape.c.subarray(len * n, (len + 1) * n), (s + 1) * n);
    }
  }
  w.loss = lossValue(w.z, w.yhat, batch.targets, spec, T, B, config.O);
  // backward: last segment first; its tape still holds it
  zeroGrads(w.grads);
  w.ledger = opts.ledger ? ensureLedger(w.ledger, T) : null;
  let prev: Tape | null = null;
  for (let s = S - 1; s >= 0; s--) {
    const len = segLen(s);
    const tape = s === S - 1 ? segTape(s) : forwardSegment(s);
    if (prev && prev !== tape) {
      tape.g.set(prev.g);
      tape.gc.set(prev.gc);
      tape.gExp = prev.gExp;
    }
    headBackward(w.grads.dparams, w.daSeg, w.dz, config, P, L, tape.a, w.z, w.yhat, batch.targets, spec, T, B, { from: s * k + 1, to: s * k + len, shift: s * k });
    const segGrads: Grads = {
      dparams: w.grads.dparams,
      dx: w.grads.dx.subarray(s * k * B * I, (s * k + len) * B * I),
      da0: w.grads.da0,
      dc0: w.grads.dc0,
    };
    sequenceBackward(segGrads, tape, P, L, batch.x.subarray(s * k * B * I, (s * k + len) * B * I), w.daSeg, w.ledger,
      { carry: s < S - 1, ledgerOffset: s * k, initialState: s === 0 });
    prev = tape;
  }
  return w;
}
