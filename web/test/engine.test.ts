import { describe, expect, it } from "vitest";
import {
  COPY_LENGTH, Trainer, lossAndGrads, makeTask, paramLayout, recurrentBlock, largestSingularValue, makeDeepTwin, deepTwinLossAndGrads, Rng,
  restoreTrainer, type TrainerConfig,
} from "../../core/src/index";
import { Engine, SAMPLES, buildModel, optimizerSpec } from "../src/engine";
import { charLmTask, playgroundTask } from "../src/corpus";
import { decimateRow, heatCols } from "../src/heat-rows";
import { Analyzer, untieByPermutation } from "../src/analyzer";
import { withLossOn } from "../src/loss-on";
import { DEFAULTS, resolveBatch, type PlaygroundState } from "../src/state";

const now = () => performance.now();

function trainerFor(s: PlaygroundState): Trainer {
  const task = withLossOn(playgroundTask(s.task, s.T), s.loss);
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
  // char-lm ignores T, batch and loss: the Trainer gets B = 1 and the core task, as `rnnlab train` does
  { cell: "gru", task: "char-lm", T: 500, batch: 8, loss: "last", clip: "value", clipAt: 5, optimizer: "sgd", lr: 0.05 },
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

  it("heat rows: one per step, labelled with its iteration, each the decimated total of that step's own ledger", () => {
    const s = { ...DEFAULTS, T: 900, hidden: 4 };
    const e = new Engine(s);
    e.preview();
    const rows: Float64Array[] = [];
    const cols = heatCols(900);
    const expectRow = () => {
      const r = new Float64Array(cols);
      decimateRow(r, new Int32Array(cols), 0, e.ws!.ledger!.total, 900, 900, cols);
      rows.push(r);
    };
    expectRow();
    for (let i = 0; i < 3; i++) { e.step(); expectRow(); }
    const h = e.heat.take();
    expect(Array.from(h.iteration)).toEqual([0, 1, 2, 3]);
    expect(Array.from(h.T)).toEqual([900, 900, 900, 900]);
    expect(h.cols).toBe(cols);
    for (let k = 0; k < 4; k++) expect(h.values.subarray(k * cols, (k + 1) * cols)).toEqual(rows[k]);
    // the steps differ (the weights moved), so a row is not a copy of the view's last one
    expect(rows[0]).not.toEqual(rows[3]);
    e.step();
    expect(Array.from(e.heat.take().iteration)).toEqual([4]);
  });

  it("char-lm: one name per step (B = 1, T = its length + 1), the names view, and reproducible samples", () => {
    const s = { ...DEFAULTS, task: "char-lm" as const, hidden: 8, batch: 16 as const };
    const e = new Engine(s);
    expect(e.B).toBe(1);
    for (let i = 0; i < 5; i++) e.step();
    const v = e.gradientView();
    const task = charLmTask();
    const tb = e.lastBatch!;
    expect(v.T).toBe(tb.T);
    expect(v.task.kind).toBe("names");
    const n = v.task.names!;
    expect(n.chars).toEqual(task.vocab.chars);
    // the name the step trained on, then the end-of-name token
    const name = Array.from(v.task.truth.subarray(0, v.T - 1), (k) => n.chars[k]).join("");
    expect(task.names).toContain(name);
    expect(v.task.truth[v.T - 1]).toBe(0);
    for (let t = 0; t < v.T; t++) expect(n.pTrue[t]).toBe(e.ws!.yhat[t * task.vocab.V + v.task.truth[t]]);
    expect(n.uniformNats).toBeCloseTo(Math.log(27), 15);
    expect(n.samples).toHaveLength(SAMPLES);
    // the same weights give the same samples; other weights give others
    expect(e.gradientView().task.names!.samples).toEqual(n.samples);
    for (let i = 0; i < 50; i++) e.step();
    expect(e.gradientView().task.names!.samples).not.toEqual(n.samples);
    // heat rows: every row's T is its own name's length + 1, on one axis of the longest name
    const h = e.heat.take();
    expect(h.Tmax).toBe(Math.max(...task.names.map((m) => m.length)) + 1);
    expect(Math.min(...h.T)).toBeGreaterThanOrEqual(2);
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
