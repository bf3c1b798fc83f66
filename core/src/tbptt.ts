/**
 * Truncated BPTT(k1, k2) in the sense of Williams & Peng (1990): the sequence is cut into segments of
 * k1 steps; the losses of each segment are backpropagated from the segment's last step e through at
 * most k2 steps, to max(1, e - k2 + 1), and what would flow further back is cut. The parameters are
 * held fixed over the sequence, so the result is the gradient estimate TBPTT makes for one update.
 * With k1 = k2 = T it is one window over everything: exactly full BPTT, bit for bit.
 * With k2 < k1 the losses of a segment's first k1 - k2 steps reach no weights through the recurrence
 * (their direct path through yhat still counts).
 */
import { forwardLoss, type Batch, type Workspace } from "./bptt";
import { checkInt } from "./dims";
import { headBackward } from "./heads";
import { ensureLedger } from "./ledger";
import type { LossSpec } from "./loss-spec";
import type { Model } from "./model";
import { sequenceBackward, zeroGrads } from "./sequence";
import { withPinned } from "./simd";

export interface TbpttOptions {
  /** steps per segment (forward chunk), an integer in [1, T] */
  k1: number;
  /** steps each segment's backward pass reaches, an integer >= 1 */
  k2: number;
  /** fill ws.ledger; steps no window reaches keep -Infinity */
  ledger?: boolean;
}

/** Where truncation cut: the step whose incoming gradient was dropped, and its log10 norm. */
export interface TbpttCut {
  /** the cut is between a<t> and step t+1: dJ/da<t> from this window is dropped */
  t: number;
  log10: number;
}

/** TBPTT(k1, k2) gradients into ws.grads (overwritten); returns the workspace and the cuts. */
export function tbpttLossAndGrads(ws: Workspace | null, model: Model, batch: Batch, spec: LossSpec, opts: TbpttOptions): { ws: Workspace; cuts: TbpttCut[] } {
  // one copy of the fixed parameters in WebAssembly memory for the whole pass (see lossAndGrads)
  return withPinned(model.params, () => tbpttPinned(ws, model, batch, spec, opts));
}

function tbpttPinned(ws: Workspace | null, model: Model, batch: Batch, spec: LossSpec, opts: TbpttOptions): { ws: Workspace; cuts: TbpttCut[] } {
  const { T, B } = batch;
  checkInt("k1", opts.k1, 1, T);
  checkInt("k2", opts.k2, 1);
  const { k1, k2 } = opts;
  const w = forwardLoss(ws, model, batch, spec);
  const { config, params } = model;
  zeroGrads(w.grads);
  headBackward(w.grads.dparams, w.daDirect, w.dz, config, params, w.layout, w.tape.a, w.z, w.yhat, batch.targets, spec, T, B);
  w.ledger = opts.ledger ? ensureLedger(w.ledger, T) : null;
  if (w.ledger) for (const a of [w.ledger.direct, w.ledger.recurrent, w.ledger.total, w.ledger.cell, w.ledger.dx, w.ledger.dWaa]) a.fill(-Infinity);
  const cuts: TbpttCut[] = [];
  const S = Math.ceil(T / k1);
  // last segment first, so weight gradients accumulate from the last step down as in full BPTT
  for (let s = S; s >= 1; s--) {
    const start = (s - 1) * k1 + 1;
    const e = Math.min(s * k1, T);
    const from = Math.max(1, e - k2 + 1);
    const r = sequenceBackward(w.grads, w.tape, params, w.layout, batch.x, w.daDirect, w.ledger, { from, to: e, directFrom: start - 1 });
    if (from > 1) cuts.push({ t: from - 1, log10: r.cut });
  }
  cuts.reverse();
  return { ws: w, cuts };
}
