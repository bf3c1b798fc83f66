import { describe, expect, it } from "vitest";
import {
  COPY_LENGTH, Trainer, lossAndGrads, makeTask, paramLayout, recurrentBlock, largestSingularValue, makeDeepTwin, deepTwinLossAndGrads, Rng,
  restoreTrainer, type TrainerConfig,
} from "../../core/src/index";
import { Engine, buildModel, optimizerSpec } from "../src/engine";
import { Analyzer, untieByPermutation } from "../src/analyzer";
import { withLossOn } from "../src/loss-on";
import { DEFAULTS, resolveBatch, type PlaygroundState } from "../src/state";

const now = () => performance.now();

function trainerFor(s: PlaygroundState): Trainer {
  const task = withLossOn(makeTask(s.task, { T: s.T }), s.loss);
  const cfg: TrainerConfig = {
    task, B: resolveBatch(s), optimizer: optimizerSpec(s), clip: { mode: s.clip, threshold: s.clipAt },
    bptt: { mode: "full" }, onNonFinite: "stop", seed: s.seed + 1, ledger: true,
  };
  return new Trainer(cfg, buildModel(s, task));
}

const CASES: Partial<PlaygroundState>[] = [
  { cell: "rnn", T: 12, clip: "global", clipAt: 0.05, optimizer: "adam" },
  { cell: "gru", T: 15, clip: "value", clipAt: 0.01, optimizer: "rmsprop", task: "parity", loss: "every" },
  { cell: "lstm", T: 11, clip: "norm", clipAt: 0.1, optimizer: "momentum", task: "temporal-order", init: "orthogonal", waa: "lambda1", radius: 1.1 },
  { cell: "rnn", T: 10, activation: "relu", init: "identity", waa: "init", optimizer: "sgd", lr: 0.001, task: "copy", batch: 3 },
];

describe("Engine", () => {
  it.each(CASES)("step() matches core's Trainer bit for bit over 20 steps: %o", (over) => {
    const s = { ...DEFAULTS, ...over };
    const e = new Engine(s);
    const tr = trainerFor(s);
    for (let i = 0; i < 20; i++) {
      const a = e.step(), b = tr.step();
      expect(a.loss).toBe(b.loss);
      expect(a.gradNorm).toBe(b.gradNorm);
      expect(a.clipped).toBe(b.clipped);
    }
    expect(e.model.params).toEqual(tr.model.params);
  });

  it("preview() shows the gradient step 1 will use and draws nothing from the sampler", () => {
    const s = { ...DEFAULTS, T: 30, cell: "lstm" as const };
    const e = new Engine(s);
    e.preview();
    const v0 = e.gradientView();
    expect(v0.iteration).toBe(0);
    const tr = trainerFor(s);
    e.step();
    tr.step();
    expect(e.model.params).toEqual(tr.model.params);
    const v1 = e.gradientView();
    expect(v1.iteration).toBe(1);
    expect(v1.total).toEqual(v0.total);
    expect(v1.loss).toBe(v0.loss);
  });

  it("setContinuing() with a new lr continues like restoreTrainer with the new lr (moments kept)", () => {
    const s = { ...DEFAULTS, T: 20 };
    const e = new Engine(s);
    const tr = trainerFor(s);
    for (let i = 0; i < 5; i++) { e.step(); tr.step(); }
    const s2 = { ...s, lr: 0.002, clip: "value" as const, clipAt: 0.003 };
    e.setContinuing(s2);
    const task = withLossOn(makeTask(s.task, { T: s.T }), s.loss);
    const tr2 = restoreTrainer({ ...tr.cfg, task, optimizer: optimizerSpec(s2), clip: { mode: "value", threshold: 0.003 } }, buildModel(s, task), tr.state());
    for (let i = 0; i < 5; i++) expect(e.step().loss).toBe(tr2.step().loss);
    expect(e.model.params).toEqual(tr2.model.params);
  });

  it("gradientView() copies the ledger (transferable) and snapshot() copies params and batch", () => {
    const e = new Engine({ ...DEFAULTS, T: 20 });
    e.step();
    const v = e.gradientView();
    expect(v.total.buffer).not.toBe(e.ws!.ledger!.total.buffer);
    const snap = e.snapshot();
    expect(snap.params).toEqual(e.viewParams);
    expect(snap.params.buffer).not.toBe(e.viewParams.buffer);
    expect(snap.x).toEqual(e.lastBatch!.batch.x);
  });
});

describe("withLossOn", () => {
  it("'last' is the core task itself for tasks with a last-step loss; 'every' rewrites targets and mask only", () => {
    const core = makeTask("adding", { T: 20 });
    expect(withLossOn(core, "last")).toBe(core);
    const a = core.sample(new Rng(5), 3);
    const b = withLossOn(core, "every").sample(new Rng(5), 3);
    expect(b.batch.x).toEqual(a.batch.x);
    expect(Array.from(b.spec.mask)).toEqual(new Array(20).fill(1));
    for (let r = 0; r < 3; r++) {
      let sum = 0;
      for (let t = 0; t < 20; t++) {
        const i = (t * 3 + r) * 2;
        if (b.batch.x[i + 1] === 1) sum += b.batch.x[i];
        expect(b.batch.targets[t * 3 + r]).toBe(sum);
      }
      expect(b.batch.targets[19 * 3 + r]).toBe(a.batch.targets[19 * 3 + r]);
    }
  });

  it("parity 'every' targets the running parity; copy 'last' keeps only the recall window", () => {
    const p = withLossOn(makeTask("parity", { T: 9 }), "every").sample(new Rng(2), 2);
    for (let r = 0; r < 2; r++) {
      let q = 0;
      for (let t = 0; t < 9; t++) { q ^= p.batch.x[t * 2 + r]; expect(p.batch.targets[t * 2 + r]).toBe(q); }
    }
    const c = withLossOn(makeTask("copy", { T: 5 }), "last").sample(new Rng(2), 2);
    const L = 5 + 2 * COPY_LENGTH;
    expect(Array.from(c.spec.mask)).toEqual(Array.from({ length: L }, (_, t) => (t >= L - COPY_LENGTH ? 1 : 0)));
  });
});

describe("Analyzer", () => {
  it("analyze() agrees with the ledger and with itself: lag split's ‖dWaa‖, ‖J_T‖₂ both ways, product <= product of norms", () => {
    const s = { ...DEFAULTS, T: 40, hidden: 6, cell: "gru" as const };
    const e = new Engine(s);
    for (let i = 0; i < 3; i++) e.step();
    const snap = e.snapshot();
    const a = new Analyzer().analyze(s, snap, 10, now);
    expect(a.errors).toEqual([]);
    // lag split: ‖dWaa‖ equals the a-columns of the gradient the step used
    const ws = lossAndGrads(null, e.viewModel(), e.lastBatch!.batch, e.lastBatch!.spec);
    const L = paramLayout(e.model.config);
    let ss = 0;
    for (let g = 0; g < L.G; g++) for (let i = 0; i < s.hidden; i++) for (let j = 0; j < s.hidden; j++) {
      const v = ws.grads.dparams[L.W0 + (g * s.hidden + i) * (s.hidden + 2) + j];
      ss += v * v;
    }
    expect(a.lag!.log10DWaa).toBeCloseTo(0.5 * Math.log10(ss), 9);
    // chain: the product of one factor is that factor
    const c = a.chain!;
    expect(c.kLow).toBe(11);
    expect(c.log10Product[0]).toBeCloseTo(c.log10Factor[0], 9);
    let run = 0;
    for (let i = 0; i < c.log10Factor.length; i++) {
      run += c.log10Factor[i];
      if (i < c.log10Product.length) expect(c.log10Product[i]).toBeLessThanOrEqual(run + 1e-9);
    }
    expect(a.pascanu!.log10Bound).toHaveLength(40);
    expect(Number.isFinite(a.lyapunov!.exponent)).toBe(true);
    expect(a.twin!.log10Da).toHaveLength(40);
  });

  it("untieByPermutation keeps every layer's λ1, leaves layer T equal to the RNN, and with H = 1 is the tied twin", () => {
    const s = { ...DEFAULTS, T: 12, hidden: 5 };
    const e = new Engine(s);
    e.step();
    const model = e.viewModel();
    const twin = makeDeepTwin(model, 12);
    untieByPermutation(twin, model.params, new Rng(1));
    const rb = recurrentBlock(model.config);
    const l1 = largestSingularValue(model.params, rb.n, rb.offset, rb.ld);
    for (const layer of twin.layers) expect(largestSingularValue(layer, rb.n, rb.offset, rb.ld)).toBeCloseTo(l1, 12);
    expect(twin.layers[11]).toEqual(model.params.subarray(0, twin.S));
    expect(twin.layers.some((l) => l.some((v, i) => v !== model.params[i]))).toBe(true);
    // H = 1: every permutation is the identity, so the untied twin is the tied one and matches the ledger
    const e1 = new Engine({ ...s, hidden: 1 });
    e1.step();
    const m1 = e1.viewModel();
    const t1 = makeDeepTwin(m1, 12);
    untieByPermutation(t1, m1.params, new Rng(1));
    const r = deepTwinLossAndGrads(t1, e1.lastBatch!.batch, e1.lastBatch!.spec);
    const led = e1.ws!.ledger!.total;
    for (let t = 0; t < 12; t++) expect(r.log10DaNorm[t]).toBeCloseTo(led[t], 10);
  });
});
