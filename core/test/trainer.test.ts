// The trainer's step function: determinism, bit-identical resume, non-finite reports, clipping, learning.
import { describe, expect, it } from "vitest";
import { initModel } from "../src/init";
import { makeConfig, type Model } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { makeTask } from "../src/tasks/index";
import type { Task } from "../src/tasks/task";
import { NonFiniteGradientError, Trainer, type TrainerConfig } from "../src/train/trainer";

function setup(overrides: Partial<TrainerConfig> = {}, cell: "rnn" | "gru" | "lstm" = "lstm"): { cfg: TrainerConfig; model: Model } {
  const task = makeTask("adding", { T: 12 });
  const model = initModel(makeConfig({ cell, I: task.I, H: 6, O: task.O, output: task.output }), new Rng(3));
  const cfg: TrainerConfig = { task, B: 4, optimizer: { kind: "adam", lr: 1e-2 }, clip: { mode: "global", threshold: 1 }, bptt: { mode: "full" }, onNonFinite: "stop", seed: 5, ...overrides };
  return { cfg, model };
}

const bits = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe("Trainer", () => {
  it("Trainer.step() from the same seed gives bitwise-equal parameters after 8 steps", () => {
    const a = setup(), b = setup();
    const ta = new Trainer(a.cfg, a.model), tb = new Trainer(b.cfg, b.model);
    for (let i = 0; i < 8; i++) expect(ta.step().loss).toBe(tb.step().loss);
    expect(bits(ta.model.params, tb.model.params)).toBe(true);
  });

  for (const bptt of [{ mode: "full" }, { mode: "tbptt", k1: 4, k2: 6 }, { mode: "checkpoint", k: 5 }] as const) {
    it(`restoreTrainer(JSON of state() after 4 steps) continues bit-identically (bptt ${bptt.mode})`, () => {
      const { cfg, model } = setup({ bptt, optimizer: { kind: "rmsprop", lr: 1e-3 } });
      const straight = new Trainer(cfg, model);
      for (let i = 0; i < 9; i++) straight.step();
      const first = new Trainer(cfg, model);
      for (let i = 0; i < 4; i++) first.step();
      const resumed = new Trainer(cfg, model, JSON.parse(JSON.stringify(first.state())));
      for (let i = 0; i < 5; i++) resumed.step();
      expect(resumed.steps).toBe(9);
      expect(bits(resumed.model.params, straight.model.params)).toBe(true);
    });
  }

  it("Trainer with checkpointed BPTT follows the same trajectory as full BPTT, bit for bit", () => {
    const a = setup(), b = setup({ bptt: { mode: "checkpoint" } });
    const ta = new Trainer(a.cfg, a.model), tb = new Trainer(b.cfg, b.model);
    for (let i = 0; i < 5; i++) {
      const ra = ta.step(), rb = tb.step();
      expect(rb.loss).toBe(ra.loss);
      expect(rb.gradNorm).toBe(ra.gradNorm);
    }
    expect(bits(ta.model.params, tb.model.params)).toBe(true);
  });

  it("Trainer.step() reports the gradient norm before and after global-norm clipping", () => {
    const { cfg, model } = setup({ clip: { mode: "global", threshold: 1e-3 } });
    const r = new Trainer(cfg, model).step();
    expect(r.gradNorm).toBeGreaterThan(1e-3);
    expect(r.clipped).toBe(true);
    expect(r.gradNormClipped).toBeCloseTo(1e-3 * r.gradNorm / (r.gradNorm + 1e-6), 12);
    expect(Number.isFinite(r.spectralRadius)).toBe(true);
    expect(r.ledger!.ratio).toBeCloseTo(r.ledger!.first - r.ledger!.last, 12);
  });

  it("a gradient that overflows at a known step is reported with its tensor and the backward step (onNonFinite stop, then skip)", () => {
    // identity RNN, zero inputs and states: the forward pass is finite (all zeros), while the backward
    // pass multiplies dJ/da by Waa = 1e200·I per step: finite at t = T-1, infinite from t = T-2 down.
    const T = 6;
    const task: Task = {
      name: "adding", I: 1, O: 1, loss: "mse", output: "identity", baseline: 0, baselineNote: "", solvedNote: "",
      sample: () => {
        const targets = new Float64Array(T); targets[T - 1] = 1;
        const mask = new Uint8Array(T); mask[T - 1] = 1;
        return { batch: { x: new Float64Array(T), T, B: 1, targets }, spec: { loss: "mse", reduction: "mean", mask }, T, lengths: null };
      },
      score: () => ({ metric: "", value: 0, solved: false }),
    };
    const config = makeConfig({ cell: "rnn", activation: "identity", I: 1, H: 2, O: 1 });
    const L = paramLayout(config);
    const params = new Float64Array(L.size);
    params[L.byName.Waa.offset] = params[L.byName.Waa.offset + 3] = 1e200;
    params[L.byName.Wya.offset] = 1;
    const model = { config, params };
    const cfg: TrainerConfig = { task, B: 1, optimizer: { kind: "sgd", lr: 0.1 }, clip: { mode: "none", threshold: 0 }, bptt: { mode: "full" }, onNonFinite: "stop", seed: 1 };
    let err: unknown = null;
    try { new Trainer(cfg, model).step(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(NonFiniteGradientError);
    const rep = (err as NonFiniteGradientError).report;
    expect(rep.t).toBe(T - 2);
    expect(rep.forwardT).toBeNull();
    expect(["Wax", "Waa", "ba"]).toContain(rep.tensor);
    expect((err as Error).message).toMatch(/step 1: gradient \w+\[\d+\] is (NaN|-?Infinity); it appeared at t = 4 in the backward pass/);
    const tr = new Trainer({ ...cfg, onNonFinite: "skip" }, model);
    const r = tr.step();
    expect(r.skipped).toBe(true);
    expect(r.nonFinite!.t).toBe(T - 2);
    expect(bits(tr.model.params, model.params)).toBe(true); // no update was made
  });

  it("a loss that overflows is reported as the loss, with where the forward pass went non-finite", () => {
    // identity RNN, x = 1 at the first step: with Waa = 1e200·I the states overflow at a<3>; with
    // Waa = 0 and Wya = 1e200 the states stay finite and the readout overflows
    const T = 6;
    const task: Task = {
      name: "adding", I: 1, O: 1, loss: "mse", output: "identity", baseline: 0, baselineNote: "", solvedNote: "",
      sample: () => {
        const x = new Float64Array(T); x[0] = 1;
        const targets = new Float64Array(T); const mask = new Uint8Array(T); mask[T - 1] = 1;
        return { batch: { x, T, B: 1, targets }, spec: { loss: "mse", reduction: "mean", mask }, T, lengths: null };
      },
      score: () => ({ metric: "", value: 0, solved: false }),
    };
    const config = makeConfig({ cell: "rnn", activation: "identity", I: 1, H: 2, O: 1 });
    const L = paramLayout(config);
    const fail = (waa: number, wya: number, bptt: TrainerConfig["bptt"] = { mode: "full" }): string => {
      const params = new Float64Array(L.size);
      params[L.byName.Wax.offset] = 1;
      params[L.byName.Waa.offset] = params[L.byName.Waa.offset + 3] = waa;
      params[L.byName.Wya.offset] = wya;
      const cfg: TrainerConfig = { task, B: 1, optimizer: { kind: "sgd", lr: 0.1 }, clip: { mode: "none", threshold: 0 }, bptt, onNonFinite: "stop", seed: 1 };
      try { new Trainer(cfg, { config, params }).step(); } catch (e) { expect(e).toBeInstanceOf(NonFiniteGradientError); return (e as Error).message; }
      return "no error";
    };
    expect(fail(1e200, 1)).toMatch(/^step 1: the loss is (NaN|Infinity); the forward state a<3> was already non-finite$/); // 0·Inf off the diagonal makes NaN
    expect(fail(1, 1e200)).toBe("step 1: the loss is Infinity; the states were finite, so the readout overflowed");
    // checkpointed BPTT keeps no full tape: it does not claim the states were finite
    expect(fail(1, 1e200, { mode: "checkpoint", k: 2 })).toBe("step 1: the loss is Infinity; the forward pass overflowed (checkpointed BPTT: which state is not recorded)");
  });

  it("checkpointed BPTT with a k above some sequences' length (char-lm's short names) trains as one segment: the bits of full BPTT", () => {
    // regression: k = 5 failed at the first name of 3 letters (sequence length 4)
    // names of 2 to 9 letters: sequences of 3 to 10 steps
    const task = makeTask("char-lm", { corpus: ["mew", "ab", "pikachu", "bulbasaur", "muk", "onix", "eevee"] });
    const model = initModel(makeConfig({ cell: "rnn", I: task.I, H: 8, O: task.O, output: task.output }), new Rng(2));
    const run = (bptt: TrainerConfig["bptt"]) => {
      const tr = new Trainer({ task, B: 1, optimizer: { kind: "sgd", lr: 0.01 }, clip: { mode: "value", threshold: 5 }, bptt, onNonFinite: "stop", seed: 4, ledger: false }, { config: model.config, params: model.params.slice() });
      for (let i = 0; i < 40; i++) tr.step();
      return tr.model.params;
    };
    expect(bits(run({ mode: "checkpoint", k: 1000 }), run({ mode: "full" }))).toBe(true);
  });

  it("an LSTM learns the adding problem at T = 20: the loss falls below MSE 0.05 within 600 steps (Adam, lr 1e-2)", () => {
    const task = makeTask("adding", { T: 20 });
    const model = initModel(makeConfig({ cell: "lstm", I: task.I, H: 16, O: task.O, output: task.output }), new Rng(1));
    const tr = new Trainer({ task, B: 32, optimizer: { kind: "adam", lr: 1e-2 }, clip: { mode: "global", threshold: 1 }, bptt: { mode: "full" }, onNonFinite: "stop", seed: 2, ledger: false }, model);
    let ema = task.baseline, reached = -1;
    for (let i = 0; i < 600 && reached < 0; i++) {
      const r = tr.step();
      ema = 0.9 * ema + 0.1 * r.loss;
      if (ema < 0.05) reached = r.step;
    }
    expect(reached).toBeGreaterThan(0);
  });
});
