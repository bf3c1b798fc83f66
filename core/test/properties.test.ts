// Property tests (STYLE.md §F.4), seeded: every failure prints its seed and path and replays.
// All randomness comes from fast-check arbitraries or from core's Rng seeded by one.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lossAndGrads, type Batch } from "../src/bptt";
import { gradcheck } from "../src/gradcheck";
import { modelFromJSONText, modelToJSON, modelToJSONText, ModelFileError } from "../src/io/model-json";
import { modelFromStateDict, stateDictFromModel, StateDictError } from "../src/io/torch";
import type { LossSpec } from "../src/loss-spec";
import { makeConfig, OUTPUT_KINDS, type Model, type ModelConfig } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { sequenceForward } from "../src/sequence";
import { Tape } from "../src/tape";
import { preActivations } from "./support/pre-activations";
import { CELL_CASES, LOSS_CASES, maxRelErr, randomBatch, randomModel, type CellCase } from "./support/random-case";

const FC = { seed: 1234, numRuns: 30 };
const seedArb = fc.integer({ min: 0, max: 0xffffffff });
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z)); // the form every kernel uses

/** A mask of length T from the low T bits of `bits` (bits ≥ 1 keeps it non-empty). */
function maskFromBits(T: number, bits: number): Uint8Array {
  const m = new Uint8Array(T);
  for (let t = 0; t < T; t++) m[t] = (bits >> t) & 1;
  return m;
}

/** Batch row b of a batch, as a batch of one. */
function row(batch: Batch, config: ModelConfig, ce: boolean, b: number): Batch {
  const { T, B } = batch;
  const { I, H, O } = config;
  const x = new Float64Array(T * I);
  const per = ce ? 1 : O;
  const targets = new Float64Array(T * per);
  for (let t = 0; t < T; t++) {
    x.set(batch.x.subarray((t * B + b) * I, (t * B + b + 1) * I), t * I);
    targets.set(batch.targets.subarray((t * B + b) * per, (t * B + b + 1) * per), t * per);
  }
  return {
    x, T, B: 1, targets,
    a0: batch.a0!.slice(b * H, (b + 1) * H),
    c0: batch.c0 ? batch.c0.slice(b * H, (b + 1) * H) : null,
  };
}

/** Smallest |z| over every ReLU pre-activation of the forward pass (Infinity for other cells). */
function reluMargin(model: Model, batch: Batch): number {
  if (model.config.activation !== "relu" || model.config.cell !== "rnn") return Infinity;
  const tape = new Tape(model.config, batch.T, batch.B);
  sequenceForward(tape, model.params, paramLayout(model.config), batch.x, batch.a0 ?? null, null);
  let m = Infinity;
  for (const z of preActivations(model, tape, batch.x)) m = Math.min(m, Math.abs(z));
  return m;
}

describe("gradcheck on random shapes (fast-check)", () => {
  const caseArb = fc.record({
    I: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 3 }), T: fc.integer({ min: 1, max: 4 }),
    B: fc.integer({ min: 1, max: 2 }), O: fc.integer({ min: 1, max: 3 }), seed: seedArb,
    lc: fc.constantFrom(...LOSS_CASES), scale: fc.double({ min: 0.2, max: 1, noNaN: true }),
  }).chain((r) => fc.integer({ min: 1, max: 2 ** r.T - 1 }).map((bits) => ({ ...r, bits })));

  for (const cc of CELL_CASES) {
    const relu = cc.config.activation === "relu" && cc.config.cell === "rnn";
    it(`gradcheck(${cc.name}, random I,H ∈ 1..3, T ∈ 1..4, B ∈ 1..2, O ∈ 1..3, loss, mask) has maxRelErr < 1e-7`, () => {
      let ran = 0;
      fc.assert(fc.property(caseArb, (r) => {
        // softmax over one output is the constant 1: give softmax heads at least two classes
        const O = r.lc.output === "softmax" ? Math.max(2, r.O) : r.O;
        const rng = new Rng(r.seed);
        const model = randomModel(makeConfig({ ...cc.config, I: r.I, H: r.H, O, output: r.lc.output }), rng, r.scale);
        const batch = randomBatch(model.config, r.T, r.B, r.lc.loss, rng);
        const spec: LossSpec = { loss: r.lc.loss, reduction: r.lc.reduction, mask: maskFromBits(r.T, r.bits) };
        // ReLU has a kink at 0 that finite differences must not straddle. With the 4th-order stencil at
        // h = 1e-4·max(1,|θ|) no coordinate moves by more than 2e-4·max(1,|θ|), and it moves any
        // pre-activation by far less than the 1e-2 margin demanded here (weights ≤ ~3, |x| ≤ ~4, T ≤ 4).
        fc.pre(reluMargin(model, batch) > 1e-2);
        const res = gradcheck(model, batch, spec, relu ? { stencil: 4, h: 1e-4 } : {});
        ran++;
        expect(res.checked).toBeGreaterThan(model.params.length);
        expect(res.maxRelErr, JSON.stringify(res.worst)).toBeLessThan(1e-7);
      }), FC);
      expect(ran).toBeGreaterThanOrEqual(20);
    });
  }
});

describe("forward invariants (fast-check)", () => {
  // Bounds on float64 saturation, with the kernels' own formulas:
  //   σ(z) = 1/(1+e^-z) is exactly 1 once e^-z ≤ 2^-53 (z ≥ 53·ln 2 ≈ 36.74), and exactly 0 only once
  //   e^-z overflows (z < -709.78); so σ(z) ∈ (0, 1) strictly for |z| ≤ 36.
  //   tanh(z) rounds to ±1 once 1 - |tanh z| ≈ 2e^-2|z| < 2^-54 (|z| > ~18.7); so |tanh z| < 1 for |z| ≤ 18.
  // Weights and inputs up to scale 3 on H + I ≤ 9 inputs reach |z| > 18, and shifted biases |z| > 36,
  // which is why the strict bound is conditional on z while the closed bound [0, 1] / [-1, 1] holds always.
  const SIG_STRICT = 36, TANH_STRICT = 18;

  it("sigmoid(z) and Math.tanh(z) saturate in float64 exactly where the bounds above say", () => {
    expect(sigmoid(36)).toBeLessThan(1);
    expect(sigmoid(37)).toBe(1);
    expect(sigmoid(-709)).toBeGreaterThan(0);
    expect(sigmoid(-710)).toBe(0);
    expect(Math.tanh(18)).toBeLessThan(1);
    expect(Math.tanh(19.1)).toBe(1);
  });

  const invArb = fc.record({
    I: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 6 }),
    T: fc.integer({ min: 1, max: 8 }), B: fc.integer({ min: 1, max: 3 }), seed: seedArb,
    scale: fc.double({ min: 0.1, max: 3, noNaN: true }),
    // half the runs shift every bias of the cell by up to ±60, far into saturation
    shift: fc.oneof(fc.constant(0), fc.double({ min: -60, max: 60, noNaN: true })),
  });
  for (const cc of CELL_CASES.filter((c) => c.config.cell !== "rnn" || c.config.activation === "tanh" || c.config.activation === "sigmoid")) {
    const what = cc.config.cell === "rnn" ? (cc.config.activation === "tanh" ? "tanh states in [-1,1] (in (-1,1) where |z| ≤ 18)" : "sigmoid states in [0,1] (in (0,1) where |z| ≤ 36)")
      : "sigmoid gates in [0,1] (in (0,1) where |z| ≤ 36), tanh candidates and states in [-1,1]";
    it(`sequenceForward(${cc.name}) with weights and inputs up to scale 3 keeps ${what}`, () => {
      let checked = 0, saturated = 0;
      fc.assert(fc.property(invArb, (r) => {
        const config = makeConfig({ ...cc.config, I: r.I, H: r.H });
        const rng = new Rng(r.seed);
        const model = randomModel(config, rng, r.scale);
        const L = paramLayout(config);
        const nb = config.cell === "rnn" ? r.H : L.G * r.H;
        for (let i = 0; i < nb; i++) model.params[L.b0 + i] += r.shift;
        const x = new Float64Array(r.T * r.B * r.I);
        rng.fillRandn(x, 0, x.length, r.scale);
        const a0 = new Float64Array(r.B * r.H); // inside [-1, 1], as any tanh state is
        rng.fillUniform(a0, 0, a0.length, -1, 1);
        const c0 = config.cell === "lstm" ? new Float64Array(r.B * r.H) : null;
        if (c0) rng.fillRandn(c0, 0, c0.length, r.scale);
        const tape = new Tape(config, r.T, r.B);
        sequenceForward(tape, model.params, L, x, a0, c0);
        const z = preActivations(model, tape, x);
        const { H } = config;
        const inUnit = (v: number, zz: number) => {
          checked++;
          if (Math.abs(zz) > SIG_STRICT) saturated++;
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
          if (Math.abs(zz) <= SIG_STRICT) { expect(v).toBeGreaterThan(0); expect(v).toBeLessThan(1); }
          // the recomputed z is the kernel's z: the stored value is σ(z)
          expect(Math.abs(v - sigmoid(zz))).toBeLessThanOrEqual(1e-12);
        };
        if (config.cell === "rnn") {
          for (let i = 0; i < z.length; i++) {
            const v = tape.a[r.B * H + i];
            if (config.activation === "sigmoid") inUnit(v, z[i]);
            else {
              checked++;
              if (Math.abs(z[i]) > TANH_STRICT) saturated++;
              expect(Math.abs(v)).toBeLessThanOrEqual(1);
              if (Math.abs(z[i]) <= TANH_STRICT) expect(Math.abs(v)).toBeLessThan(1);
              expect(Math.abs(v - Math.tanh(z[i]))).toBeLessThanOrEqual(1e-12);
            }
          }
          return;
        }
        const G = config.cell === "gru" ? 3 : 4;
        const sigBlocks = config.cell === "gru" ? [0, 1] : [0, 1, 3]; // Γr, Γu | Γf, Γu, Γo
        for (let row = 0; row < r.T * r.B; row++) {
          for (const blk of sigBlocks) for (let j = 0; j < H; j++) inUnit(tape.gates[row * G * H + blk * H + j], z[row * G * H + blk * H + j]);
          for (let j = 0; j < H; j++) expect(Math.abs(tape.gates[row * G * H + 2 * H + j])).toBeLessThanOrEqual(1); // c~ = tanh(·)
        }
        // a<t>: for the gru a convex mix of c~ and a<t-1>, for the lstm Γo·tanh(c<t>); and the lstm's tanh(c<t>)
        for (let i = 0; i < tape.a.length; i++) expect(Math.abs(tape.a[i])).toBeLessThanOrEqual(1);
        for (let i = 0; i < tape.tc.length; i++) expect(Math.abs(tape.tc[i])).toBeLessThanOrEqual(1);
      }), FC);
      expect(checked).toBeGreaterThan(200);
      // some units do saturate, so the closed bound is exercised where the strict one does not apply
      expect(saturated).toBeGreaterThan(0);
    });
  }

  const stateArb = fc.record({
    I: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 4 }), T: fc.integer({ min: 1, max: 30 }),
    B: fc.integer({ min: 1, max: 3 }), seed: seedArb,
  });

  it("sequenceForward on an lstm with Γf = 1, Γu = 0 (Wf = Wu = 0, bf = +40, bu = -40) keeps c<t> = c<0> to 1e-15", () => {
    fc.assert(fc.property(stateArb, (r) => {
      const config = makeConfig({ cell: "lstm", I: r.I, H: r.H });
      const rng = new Rng(r.seed);
      const model = randomModel(config, rng, 1); // Wc, Wo, bc, bo stay random: a<t> still moves
      const L = paramLayout(config);
      const { Wf, Wu, bf, bu } = L.byName;
      model.params.fill(0, Wf.offset, Wf.offset + Wf.size);
      model.params.fill(0, Wu.offset, Wu.offset + Wu.size);
      model.params.fill(40, bf.offset, bf.offset + bf.size);
      model.params.fill(-40, bu.offset, bu.offset + bu.size);
      const batch = randomBatch(config, r.T, r.B, "mse", rng);
      const tape = new Tape(config, r.T, r.B);
      sequenceForward(tape, model.params, L, batch.x, batch.a0!, batch.c0!);
      const n = r.B * r.H;
      for (let t = 1; t <= r.T; t++) {
        for (let i = 0; i < n; i++) expect(Math.abs(tape.c[t * n + i] - tape.c[i])).toBeLessThanOrEqual(1e-15);
        for (let b = 0; b < r.B; b++) {
          for (let j = 0; j < r.H; j++) expect(tape.gates[((t - 1) * r.B + b) * 4 * r.H + j]).toBe(1); // σ(40) = 1 exactly
        }
      }
    }), FC);
  });

  for (const gruVariant of ["reset-before", "reset-after"] as const) {
    it(`sequenceForward on a gru (${gruVariant}) with Γu = 0 (Wu = 0, bu = -40) keeps a<t> = a<t-1> to 1e-15`, () => {
      fc.assert(fc.property(stateArb, (r) => {
        const config = makeConfig({ cell: "gru", gruVariant, I: r.I, H: r.H });
        const rng = new Rng(r.seed);
        const model = randomModel(config, rng, 1); // Wr, Wc, br, bc (and bca) stay random: c~ moves
        const L = paramLayout(config);
        const { Wu, bu } = L.byName;
        model.params.fill(0, Wu.offset, Wu.offset + Wu.size);
        model.params.fill(-40, bu.offset, bu.offset + bu.size);
        const batch = randomBatch(config, r.T, r.B, "mse", rng);
        const tape = new Tape(config, r.T, r.B);
        sequenceForward(tape, model.params, L, batch.x, batch.a0!, null);
        const n = r.B * r.H;
        for (let t = 1; t <= r.T; t++) {
          for (let i = 0; i < n; i++) {
            expect(Math.abs(tape.a[t * n + i] - tape.a[(t - 1) * n + i])).toBeLessThanOrEqual(1e-15);
            expect(Math.abs(tape.a[t * n + i] - tape.a[i])).toBeLessThanOrEqual(1e-15);
          }
        }
      }), FC);
    });
  }

  it("stateDictFromModel writes the course's Γu = 0 (bu = -40) as PyTorch's z = 1 (b_iz + b_hz = +40)", () => {
    const config = makeConfig({ cell: "gru", gruVariant: "reset-after", I: 2, H: 3 });
    const model = randomModel(config, new Rng(1));
    const bu = paramLayout(config).byName.bu;
    model.params.fill(-40, bu.offset, bu.offset + bu.size);
    const sd = stateDictFromModel(config, model.params);
    const bih = sd.get("rnn.bias_ih_l0")!.data, bhh = sd.get("rnn.bias_hh_l0")!.data;
    for (let j = 0; j < 3; j++) expect(bih[3 + j] + bhh[3 + j]).toBe(40); // rows [r|z|n]: z is rows H..2H
  });
});

describe("batch consistency and determinism (fast-check)", () => {
  const arb = fc.record({
    cc: fc.constantFrom(...CELL_CASES), lc: fc.constantFrom(...LOSS_CASES),
    I: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 4 }), O: fc.integer({ min: 2, max: 3 }),
    T: fc.integer({ min: 1, max: 6 }), B: fc.integer({ min: 2, max: 4 }), seed: seedArb,
  }).chain((r) => fc.integer({ min: 1, max: 2 ** r.T - 1 }).map((bits) => ({ ...r, bits })));

  it("lossAndGrads on a batch of B (sum reduction) equals the sum of B runs of batch 1: loss, dparams, and each row of dx, da0, dc0, to 1e-12", () => {
    fc.assert(fc.property(arb, (r) => {
      const rng = new Rng(r.seed);
      const model = randomModel(makeConfig({ ...r.cc.config, I: r.I, H: r.H, O: r.O, output: r.lc.output }), rng);
      const batch = randomBatch(model.config, r.T, r.B, r.lc.loss, rng);
      const spec: LossSpec = { loss: r.lc.loss, reduction: "sum", mask: maskFromBits(r.T, r.bits) };
      const all = lossAndGrads(null, model, batch, spec);
      const { I, H } = model.config;
      let loss = 0;
      const dparams = new Float64Array(model.params.length);
      for (let b = 0; b < r.B; b++) {
        const one = lossAndGrads(null, model, row(batch, model.config, r.lc.loss === "ce", b), spec);
        loss += one.loss;
        for (let i = 0; i < dparams.length; i++) dparams[i] += one.grads.dparams[i];
        const dxRow = new Float64Array(r.T * I);
        for (let t = 0; t < r.T; t++) dxRow.set(all.grads.dx.subarray((t * r.B + b) * I, (t * r.B + b + 1) * I), t * I);
        expect(maxRelErr(dxRow, one.grads.dx)).toBeLessThan(1e-12);
        expect(maxRelErr(all.grads.da0.subarray(b * H, (b + 1) * H), one.grads.da0)).toBeLessThan(1e-12);
        expect(maxRelErr(all.grads.dc0.subarray(b * H, (b + 1) * H), one.grads.dc0)).toBeLessThan(1e-12);
      }
      expect(Math.abs(all.loss - loss) / Math.max(1, Math.abs(loss))).toBeLessThan(1e-12);
      expect(maxRelErr(all.grads.dparams, dparams)).toBeLessThan(1e-12);
    }), FC);
  });

  /** Model and batch from the seed, 3 SGD steps with a workspace, then one pass with the ledger. */
  function seededRun(cc: CellCase, lc: (typeof LOSS_CASES)[number], r: { I: number; H: number; O: number; T: number; B: number; seed: number; bits: number }) {
    const rng = new Rng(r.seed);
    const model = randomModel(makeConfig({ ...cc.config, I: r.I, H: r.H, O: r.O, output: lc.output }), rng);
    const batch = randomBatch(model.config, r.T, r.B, lc.loss, rng);
    const spec: LossSpec = { loss: lc.loss, reduction: lc.reduction, mask: maskFromBits(r.T, r.bits) };
    let ws = null;
    for (let k = 0; k < 3; k++) {
      ws = lossAndGrads(ws, model, batch, spec);
      for (let i = 0; i < model.params.length; i++) model.params[i] -= 0.1 * ws.grads.dparams[i];
    }
    ws = lossAndGrads(ws, model, batch, spec, { ledger: true });
    const l = ws.ledger!;
    return {
      loss: [ws.loss], params: model.params, dparams: ws.grads.dparams, dx: ws.grads.dx, da0: ws.grads.da0, dc0: ws.grads.dc0,
      direct: l.direct, recurrent: l.recurrent, total: l.total, cell: l.cell, ledgerDx: l.dx, dWaa: l.dWaa, scaleExp: l.scaleExp,
    };
  }

  it("two runs from the same seed (3 SGD steps, then lossAndGrads with the ledger) are bitwise equal (Object.is per element)", () => {
    fc.assert(fc.property(arb, (r) => {
      const a = seededRun(r.cc, r.lc, r), b = seededRun(r.cc, r.lc, r);
      let compared = 0;
      for (const key of Object.keys(a) as (keyof typeof a)[]) {
        const x = a[key], y = b[key];
        expect(x.length, key).toBe(y.length);
        for (let i = 0; i < x.length; i++) {
          if (!Object.is(x[i], y[i])) expect.fail(`${key}[${i}]: ${x[i]} vs ${y[i]}`);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(a.params.length);
      expect(Number.isFinite(a.loss[0])).toBe(true);
    }), FC);
  });
});

describe("model JSON (fast-check)", () => {
  const arb = fc.record({
    cc: fc.constantFrom(...CELL_CASES), output: fc.constantFrom(...OUTPUT_KINDS),
    I: fc.integer({ min: 1, max: 4 }), H: fc.integer({ min: 1, max: 4 }), O: fc.integer({ min: 1, max: 3 }),
    seed: seedArb, scale: fc.double({ min: 1e-3, max: 10, noNaN: true }),
    // extreme finite values planted among the gaussian ones: subnormals, ±1.8e308, ±0 excluded below
    special: fc.array(fc.record({ at: fc.nat(), v: fc.double({ noNaN: true, noDefaultInfinity: true }) }), { maxLength: 6 }),
  });
  type Drawn = typeof arb extends fc.Arbitrary<infer V> ? V : never;
  const build = (r: Drawn): Model => {
    const model = randomModel(makeConfig({ ...r.cc.config, I: r.I, H: r.H, O: r.O, output: r.output }), new Rng(r.seed), r.scale);
    for (const s of r.special) model.params[s.at % model.params.length] = s.v;
    return model;
  };

  it("modelFromJSONText(modelToJSONText(m)) is the identity, bitwise, for random models of every cell", () => {
    fc.assert(fc.property(arb, (r) => {
      const m = build(r);
      const back = modelFromJSONText(modelToJSONText(m));
      expect(back.config).toEqual(m.config);
      expect(back.params.length).toBe(m.params.length);
      for (let i = 0; i < m.params.length; i++) if (!Object.is(back.params[i], m.params[i])) expect.fail(`params[${i}]: ${back.params[i]} vs ${m.params[i]}`);
    }), FC);
  });

  // Regression: JSON.stringify(-0) is "0", so modelToJSON + JSON.stringify lost the sign of a -0 weight.
  it("modelFromJSONText(modelToJSONText(m)) keeps the sign of a -0 weight", () => {
    const config = makeConfig({ cell: "rnn", I: 1, H: 1 });
    const params = new Float64Array(paramLayout(config).size).fill(0.25);
    params[0] = -0;
    expect(Object.is(modelFromJSONText(modelToJSONText({ config, params })).params[0], -0)).toBe(true);
  });

  type Mutation = [what: string, mutate: (o: FileObj, block: string, rng: Rng) => void, names: (block: string) => RegExp];
  interface FileObj { config: Record<string, unknown>; params: Record<string, { shape: number[]; data: unknown[] }> }
  const MUTATIONS: Mutation[] = [
    ["a missing block", (o, blk) => { delete o.params[blk]; }, (blk) => new RegExp(`params\\.${blk}\\b`)],
    ["a wrong shape", (o, blk) => { o.params[blk].shape[0] += 1; }, (blk) => new RegExp(`params\\.${blk}\\.shape`)],
    ["a NaN written as a string", (o, blk, rng) => { const d = o.params[blk].data; d[rng.uniformInt(d.length)] = "NaN"; }, (blk) => new RegExp(`params\\.${blk}\\.data`)],
    ["an overflowing literal 1e999 (JSON.parse reads Infinity)", (o, blk, rng) => { const d = o.params[blk].data; d[rng.uniformInt(d.length)] = "__1e999__"; }, (blk) => new RegExp(`params\\.${blk}\\.data`)],
    ["an unknown config key", (o) => { o.config.hidden_size = 3; }, () => /config.*hidden_size/],
    ["a non-integer H", (o) => { o.config.H = (o.config.H as number) + 0.5; }, () => /config\.H\b/],
  ];

  for (const [what, mutate, names] of MUTATIONS) {
    it(`modelFromJSONText rejects ${what} with a ModelFileError naming the field`, () => {
      fc.assert(fc.property(arb, (r) => {
        const m = build(r);
        const obj = JSON.parse(JSON.stringify(modelToJSON(m))) as FileObj;
        const rng = new Rng(r.seed);
        const blocks = paramLayout(m.config).blocks;
        const blk = blocks[rng.uniformInt(blocks.length)].name;
        mutate(obj, blk, rng);
        let err: unknown = null;
        try { modelFromJSONText(JSON.stringify(obj).replace('"__1e999__"', "1e999")); } catch (e) { err = e; }
        expect(err).toBeInstanceOf(ModelFileError);
        expect((err as Error).message).toMatch(names(blk));
      }), FC);
    });
  }
});

describe("PyTorch state_dict (fast-check)", () => {
  const EXACT = CELL_CASES.filter((c) => ["rnn tanh", "rnn relu", "lstm", "gru reset-after"].includes(c.name));
  const arb = fc.record({
    cc: fc.constantFrom(...EXACT), output: fc.constantFrom(...OUTPUT_KINDS),
    I: fc.integer({ min: 1, max: 4 }), H: fc.integer({ min: 1, max: 4 }), O: fc.integer({ min: 1, max: 3 }), seed: seedArb,
  });

  it("stateDictFromModel and modelFromStateDict invert each other bitwise for rnn (tanh, relu), lstm and gru reset-after", () => {
    fc.assert(fc.property(arb, (r) => {
      const m = randomModel(makeConfig({ ...r.cc.config, I: r.I, H: r.H, O: r.O, output: r.output }), new Rng(r.seed), 1);
      const sd = stateDictFromModel(m.config, m.params);
      const imp = modelFromStateDict(sd, { activation: m.config.activation, output: m.config.output });
      expect(imp.headless).toBe(false);
      expect(imp.names).toEqual({ rnn: "rnn.", head: "head." });
      // the config round-trips; gruVariant only matters for the gru (modelFromStateDict records reset-after for every cell)
      const { gruVariant, ...rest } = imp.model.config;
      expect(rest).toEqual({ cell: m.config.cell, I: m.config.I, H: m.config.H, O: m.config.O, activation: m.config.activation, output: m.config.output });
      if (m.config.cell === "gru") expect(gruVariant).toBe(m.config.gruVariant);
      for (let i = 0; i < m.params.length; i++) if (!Object.is(imp.model.params[i], m.params[i])) expect.fail(`params[${i}]: ${imp.model.params[i]} vs ${m.params[i]}`);
      // and back: stateDictFromModel ∘ modelFromStateDict is the identity on what stateDictFromModel writes
      const sd2 = stateDictFromModel(imp.model.config, imp.model.params, imp.names);
      expect([...sd2.keys()]).toEqual([...sd.keys()]);
      for (const [k, t] of sd) {
        const t2 = sd2.get(k)!;
        expect(t2.shape, k).toEqual(t.shape);
        for (let i = 0; i < t.data.length; i++) if (!Object.is(t2.data[i], t.data[i])) expect.fail(`${k}[${i}]: ${t2.data[i]} vs ${t.data[i]}`);
      }
    }), FC);
  });

  it("stateDictFromModel throws a StateDictError for a gru reset-before and for an rnn with sigmoid (or identity) activation", () => {
    const rng = new Rng(2);
    const gru = randomModel(makeConfig({ cell: "gru", gruVariant: "reset-before", I: 2, H: 3 }), rng);
    expect(() => stateDictFromModel(gru.config, gru.params)).toThrow(StateDictError);
    expect(() => stateDictFromModel(gru.config, gru.params)).toThrow(/reset-before/);
    for (const activation of ["sigmoid", "identity"] as const) {
      const rnn = randomModel(makeConfig({ cell: "rnn", activation, I: 2, H: 3 }), rng);
      expect(() => stateDictFromModel(rnn.config, rnn.params)).toThrow(StateDictError);
      expect(() => stateDictFromModel(rnn.config, rnn.params)).toThrow(new RegExp(activation));
    }
  });
});
