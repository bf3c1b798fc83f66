// Seeded random models and batches for tests. Every draw comes from core's Rng (numpy's MT19937).
import type { Batch } from "../../src/bptt";
import type { LossKind, LossSpec, Reduction } from "../../src/loss-spec";
import { makeConfig, type Model, type ModelConfig } from "../../src/model";
import { paramLayout } from "../../src/params";
import { Rng } from "../../src/rng";

/** A model with every parameter drawn from N(0, scale²). */
export function randomModel(config: ModelConfig, rng: Rng, scale = 0.5): Model {
  const params = new Float64Array(paramLayout(config).size);
  rng.fillRandn(params, 0, params.length, scale);
  return { config, params };
}

/** The output kind a loss needs: bce -> sigmoid, ce -> softmax, mse -> identity (unless given). */
export function outputFor(loss: LossKind): ModelConfig["output"] {
  return loss === "bce" ? "sigmoid" : loss === "ce" ? "softmax" : "identity";
}

/** x ~ N(0,1), a0, c0 ~ N(0, 0.25), targets valid for the loss. */
export function randomBatch(config: ModelConfig, T: number, B: number, loss: LossKind, rng: Rng): Batch {
  const { I, H, O } = config;
  const x = new Float64Array(T * B * I);
  rng.fillRandn(x, 0, x.length);
  const a0 = new Float64Array(B * H);
  rng.fillRandn(a0, 0, a0.length, 0.5);
  const c0 = config.cell === "lstm" ? new Float64Array(B * H) : null;
  if (c0) rng.fillRandn(c0, 0, c0.length, 0.5);
  let targets: Float64Array;
  if (loss === "ce") {
    targets = new Float64Array(T * B);
    for (let i = 0; i < targets.length; i++) targets[i] = rng.uniformInt(O);
  } else {
    targets = new Float64Array(T * B * O);
    if (loss === "bce") rng.fillUniform(targets, 0, targets.length, 0, 1);
    else rng.fillRandn(targets, 0, targets.length);
  }
  return { x, T, B, a0, c0, targets };
}

export interface CellCase {
  name: string;
  config: Pick<ModelConfig, "cell" | "activation" | "gruVariant">;
}

/** Every cell, variant and activation. */
export const CELL_CASES: CellCase[] = [
  { name: "rnn tanh", config: { cell: "rnn", activation: "tanh", gruVariant: "reset-before" } },
  { name: "rnn sigmoid", config: { cell: "rnn", activation: "sigmoid", gruVariant: "reset-before" } },
  { name: "rnn relu", config: { cell: "rnn", activation: "relu", gruVariant: "reset-before" } },
  { name: "rnn identity", config: { cell: "rnn", activation: "identity", gruVariant: "reset-before" } },
  { name: "gru reset-before", config: { cell: "gru", activation: "tanh", gruVariant: "reset-before" } },
  { name: "gru reset-after", config: { cell: "gru", activation: "tanh", gruVariant: "reset-after" } },
  { name: "lstm", config: { cell: "lstm", activation: "tanh", gruVariant: "reset-before" } },
];

export interface LossCase {
  name: string;
  loss: LossKind;
  output: ModelConfig["output"];
  reduction: Reduction;
}

/** Each loss with its natural output, plus mse through sigmoid and softmax outputs. */
export const LOSS_CASES: LossCase[] = [
  { name: "mse/identity/mean", loss: "mse", output: "identity", reduction: "mean" },
  { name: "mse/sigmoid/sum", loss: "mse", output: "sigmoid", reduction: "sum" },
  { name: "mse/softmax/mean", loss: "mse", output: "softmax", reduction: "mean" },
  { name: "bce/sigmoid/mean", loss: "bce", output: "sigmoid", reduction: "mean" },
  { name: "ce/softmax/sum", loss: "ce", output: "softmax", reduction: "sum" },
];

/** Loss placements over T steps: last, every, and a delayed-output mask. */
export function masks(T: number): [string, Uint8Array][] {
  const last = new Uint8Array(T); last[T - 1] = 1;
  const every = new Uint8Array(T).fill(1);
  const delayed = new Uint8Array(T); for (let t = Math.floor(T / 2); t < T; t += 2) delayed[t] = 1;
  return [["last", last], ["every", every], ["delayed", delayed]];
}

export function spec(lc: LossCase, mask: Uint8Array): LossSpec {
  return { loss: lc.loss, reduction: lc.reduction, mask };
}

export function config(cc: CellCase, lc: LossCase, I: number, H: number, O: number): ModelConfig {
  return makeConfig({ ...cc.config, I, H, O, output: lc.output });
}

/** max_i |a_i - b_i| / max(1, |b_i|): the error measure for "agrees to 1e-12". */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(e <= m)) m = e;
  }
  return m;
}

/**
 * A linear RNN (identity activation, ba = 0) with Waa = s·I, and a batch of one row with x = 0, so
 * a<t> = s^t·a<0>: states that reach 1e±300 while the weight gradients stay representable.
 */
export function scaledIdentityCase(s: number, T: number, loss: "mse" | "bce", H = 3, I = 2): { model: Model; batch: Batch } {
  const rng = new Rng(5);
  const output = loss === "bce" ? "sigmoid" : "identity";
  const model = randomModel(makeConfig({ cell: "rnn", activation: "identity", I, H, O: 1, output }), rng, 0.1);
  const L = paramLayout(model.config);
  for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) model.params[L.byName.Waa.offset + i * H + j] = i === j ? s : 0;
  model.params.fill(0, L.byName.ba.offset, L.byName.ba.offset + H);
  const batch = randomBatch(model.config, T, 1, loss, rng);
  batch.x.fill(0);
  return { model, batch };
}
