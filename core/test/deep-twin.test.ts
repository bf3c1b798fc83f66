// The deep-network twin: the RNN run as an untied T-layer feed-forward network. Its forward pass is
// the RNN's, each layer's own gradient is the RNN's per-step contribution, the layers' gradients sum to
// the RNN's, its norms are the ledger's (exact far below 1e-308), and untying is real.
import { describe, expect, it } from "vitest";
import { deepTwinLossAndGrads, makeDeepTwin } from "../src/analysis/deep-twin";
import { lossAndGrads } from "../src/bptt";
import { log10Norm } from "../src/linalg";
import { maskEvery, maskLast, type LossSpec } from "../src/loss-spec";
import { makeConfig, type Model } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { accumulateParamGrads } from "../src/sequence";
import { CELL_CASES, maxRelErr, randomBatch, randomModel, scaledIdentityCase } from "./support/random-case";

const T = 6, B = 2, H = 4, I = 3, O = 2;
const MASKS: [string, (T: number) => Uint8Array][] = [["every", maskEvery], ["last", maskLast]];

/** Absolute difference of two log10 norms, 0 when both are the same infinity. */
function logDiff(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b);
}

/** Offsets (into the params layout) of the recurrent weights: Waa, or the a-columns of every gate block. */
function recurrentOffsets(model: Model): number[] {
  const L = paramLayout(model.config);
  const { H, I } = model.config;
  const out: number[] = [];
  if (model.config.cell === "rnn") for (let i = 0; i < H * H; i++) out.push(L.byName.Waa.offset + i);
  else for (let r = 0; r < L.G * H; r++) for (let k = 0; k < H; k++) out.push(L.W0 + r * (H + I) + k);
  return out;
}

describe("deepTwinLossAndGrads", () => {
  for (const cc of CELL_CASES) {
    for (const [mname, mask] of MASKS) {
      it(`(${cc.name}, loss on ${mname}) equals lossAndGrads: loss, states, per-layer = per-step gradients, their sum, ledger norms`, () => {
        const rng = new Rng(31);
        const model = randomModel(makeConfig({ ...cc.config, I, H, O }), rng);
        const batch = randomBatch(model.config, T, B, "mse", rng);
        const spec: LossSpec = { loss: "mse", reduction: "mean", mask: mask(T) };
        const ws = lossAndGrads(null, model, batch, spec, { ledger: true });
        const twin = makeDeepTwin(model, T);
        const r = deepTwinLossAndGrads(twin, batch, spec);
        const S = twin.S;

        expect(Math.abs(r.loss - ws.loss)).toBeLessThan(1e-13);
        expect(maxRelErr(r.a, ws.tape.a)).toBeLessThan(1e-14);
        if (cc.config.cell === "lstm") expect(maxRelErr(r.c, ws.tape.c)).toBeLessThan(1e-14);

        const step = new Float64Array(ws.layout.size);
        for (let l = 1; l <= T; l++) {
          step.fill(0);
          accumulateParamGrads(step, ws.tape, ws.layout, batch.x, l, l);
          expect(r.layerGrads[l - 1].length).toBe(S);
          expect(maxRelErr(r.layerGrads[l - 1], step.subarray(0, S))).toBeLessThan(1e-12);
        }
        // tying back: Σ_l dθ_l is the RNN's gradient; the shared head's gradient is the RNN's too
        expect(maxRelErr(r.sumGrads.subarray(0, S), ws.grads.dparams.subarray(0, S))).toBeLessThan(1e-12);
        expect(maxRelErr(r.sumGrads, ws.grads.dparams)).toBeLessThan(1e-12);

        const led = ws.ledger!;
        for (let l = 0; l < T; l++) {
          expect(logDiff(r.log10LayerGradNorm[l], led.dWaa[l])).toBeLessThan(1e-12);
          expect(logDiff(r.log10DaNorm[l], led.total[l])).toBeLessThan(1e-12);
        }
        // and log10LayerGradNorm is the norm of the recurrent part of each layer's own gradient
        const rec = recurrentOffsets(model);
        const v = new Float64Array(rec.length);
        for (let l = 0; l < T; l++) {
          for (let i = 0; i < rec.length; i++) v[i] = r.layerGrads[l][rec[i]];
          expect(logDiff(r.log10LayerGradNorm[l], log10Norm(v, 0, v.length))).toBeLessThan(1e-12);
        }
      });
    }

    it(`(${cc.name}) untying is real: perturbing layer 3's recurrent weights moves layers 3.. only; the RNN's shared Waa moves every step`, () => {
      const rng = new Rng(47);
      const model = randomModel(makeConfig({ ...cc.config, I, H, O }), rng);
      const batch = randomBatch(model.config, T, B, "mse", rng);
      const spec: LossSpec = { loss: "mse", reduction: "mean", mask: maskEvery(T) };
      const twin = makeDeepTwin(model, T);
      const before = deepTwinLossAndGrads(twin, batch, spec);
      const a0 = before.a.slice(), loss0 = before.loss;
      const rec = recurrentOffsets(model);
      const n = B * H;
      for (const o of rec) twin.layers[2][o] += 0.05; // layer 3's Waa copy
      // the other layers' copies still hold the model's values
      for (let l = 0; l < T; l++) {
        if (l === 2) continue;
        expect(twin.layers[l]).toEqual(model.params.subarray(0, twin.S));
      }
      const after = deepTwinLossAndGrads(twin, batch, spec);
      expect(after.loss).not.toBe(loss0);
      for (let l = 0; l <= 2; l++) expect(after.a.subarray(l * n, (l + 1) * n)).toEqual(a0.subarray(l * n, (l + 1) * n));
      expect(maxRelErr(after.a.subarray(3 * n, 4 * n), a0.subarray(3 * n, 4 * n))).toBeGreaterThan(1e-6);

      // the RNN ties Waa: the same change moves a<1> already
      const rnnBefore = lossAndGrads(null, model, batch, spec).tape.a.slice();
      const tied: Model = { config: model.config, params: model.params.slice() };
      for (const o of rec) tied.params[o] += 0.05;
      const rnnAfter = lossAndGrads(null, tied, batch, spec).tape.a;
      for (let l = 1; l <= T; l++) expect(maxRelErr(rnnAfter.subarray(l * n, (l + 1) * n), rnnBefore.subarray(l * n, (l + 1) * n))).toBeGreaterThan(1e-6);
    });
  }

  it("reuses its buffers across calls and reallocates when B changes", () => {
    const rng = new Rng(3);
    const model = randomModel(makeConfig({ cell: "lstm", I, H, O }), rng);
    const spec: LossSpec = { loss: "mse", reduction: "sum", mask: maskEvery(T) };
    const twin = makeDeepTwin(model, T);
    const b2 = randomBatch(model.config, T, 2, "mse", rng);
    const b3 = randomBatch(model.config, T, 3, "mse", rng);
    const r1 = deepTwinLossAndGrads(twin, b2, spec);
    const g1 = r1.sumGrads.slice();
    const work = twin.work;
    const r2 = deepTwinLossAndGrads(twin, b2, spec);
    expect(twin.work).toBe(work);
    expect(r2.sumGrads).toEqual(g1); // zeroed, not accumulated
    const r3 = deepTwinLossAndGrads(twin, b3, spec);
    expect(Math.abs(r3.loss - lossAndGrads(null, model, b3, spec).loss)).toBeLessThan(1e-12);
    expect(() => deepTwinLossAndGrads(twin, randomBatch(model.config, T + 1, 2, "mse", rng), { ...spec, mask: maskEvery(T + 1) })).toThrow(RangeError);
  });

  it("a tanh RNN at depth 3,000 (H = 8): log10‖dW_1^aa‖ is far below -308 and equals the ledger's to 1e-9", () => {
    const T = 3000, H = 8, I = 2;
    const rng = new Rng(11);
    const model = randomModel(makeConfig({ cell: "rnn", activation: "tanh", I, H, O: 1 }), rng);
    const L = paramLayout(model.config);
    // a contracting Waa (‖Waa‖ well below 1), so the gradient vanishes geometrically with depth
    rng.fillRandn(model.params, L.byName.Waa.offset, H * H, 0.1);
    const batch = randomBatch(model.config, T, 1, "mse", rng);
    const spec: LossSpec = { loss: "mse", reduction: "mean", mask: maskLast(T) };
    const ws = lossAndGrads(null, model, batch, spec, { ledger: true });
    const twin = makeDeepTwin(model, T);
    const r = deepTwinLossAndGrads(twin, batch, spec);
    expect(r.log10LayerGradNorm[0]).toBeLessThan(-400);
    expect(r.log10DaNorm[0]).toBeLessThan(-400);
    expect(Math.abs(r.log10LayerGradNorm[0] - ws.ledger!.dWaa[0])).toBeLessThan(1e-9);
    for (let l = 0; l < T; l += 97) {
      expect(Math.abs(r.log10LayerGradNorm[l] - ws.ledger!.dWaa[l])).toBeLessThan(1e-9);
      expect(Math.abs(r.log10DaNorm[l] - ws.ledger!.total[l])).toBeLessThan(1e-9);
    }
    // the actual layer-1 gradient underflows to zero, exactly as the RNN's step-1 contribution does
    expect(r.layerGrads[0].every((v) => v === 0)).toBe(true);
    expect(Math.abs(r.loss - ws.loss)).toBeLessThan(1e-13);
  });

  for (const [what, s, T, loss] of [["tiny (‖a‖ ≈ 1e-300)", 0.5, 1000, "mse"], ["huge (‖a‖ ≈ 1e193)", 1.5, 1100, "bce"]] as const) {
    it(`log10LayerGradNorm stays exact with ${what} states, where a plain Gram sum of squares leaves float64`, () => {
      // a linear RNN with Waa = s·I and no input: a<t> = s^t·a<0>, while ‖dW_l^aa‖ stays representable
      const H = 3;
      const { model, batch } = scaledIdentityCase(s, T, loss, H);
      const L = paramLayout(model.config);
      const r = deepTwinLossAndGrads(makeDeepTwin(model, T), batch, { loss, reduction: "sum", mask: maskLast(T) });
      expect(Number.isFinite(r.loss)).toBe(true);
      for (const l of [1, T >> 1, T]) {
        const want = log10Norm(r.layerGrads[l - 1], L.byName.Waa.offset, H * H);
        expect(Number.isFinite(want)).toBe(true);
        expect(Math.abs(r.log10LayerGradNorm[l - 1] - want)).toBeLessThan(1e-12);
      }
    });
  }

  it("makeDeepTwin throws a RangeError naming T and the bytes when T copies of the weights exceed maxBytes", () => {
    const config = makeConfig({ cell: "lstm", I: 4, H: 1024, O: 1 });
    const model: Model = { config, params: new Float64Array(paramLayout(config).size) };
    let msg = "";
    try {
      makeDeepTwin(model, 1_000_000);
    } catch (e) {
      expect(e).toBeInstanceOf(RangeError);
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/T = 1000000/);
    const S = paramLayout(model.config).byName.Wya.offset;
    expect(msg).toContain(`${2 * 1_000_000 * S * 8} bytes`);
    expect(msg).toMatch(/1000000 copies of the weights/);
    // the option lowers the cap
    const small = randomModel(makeConfig({ cell: "rnn", I: 2, H: 4, O: 1 }), new Rng(2));
    expect(() => makeDeepTwin(small, 100, { maxBytes: 1000 })).toThrow(RangeError);
    expect(makeDeepTwin(small, 100).layers.length).toBe(100);
    expect(() => makeDeepTwin(small, 0)).toThrow(RangeError);
    expect(() => makeDeepTwin(small, 2.5)).toThrow(RangeError);
  });
});
