// Truncated BPTT(k1, k2) and checkpointed BPTT against full BPTT and an independent segment reference.
import { describe, expect, it } from "vitest";
import { lossAndGrads, type Batch } from "../src/bptt";
import { checkpointedLossAndGrads, defaultCheckpointInterval } from "../src/checkpointed";
import type { LossSpec } from "../src/loss-spec";
import { makeConfig } from "../src/model";
import { Rng } from "../src/rng";
import { tbpttLossAndGrads } from "../src/tbptt";
import { CELL_CASES, masks, maxRelErr, randomBatch, randomModel } from "./support/random-case";

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
};

describe("checkpointedLossAndGrads", () => {
  for (const cc of CELL_CASES) {
    for (const k of [1, 3, 4, 11, 0]) {
      it(`checkpointedLossAndGrads(${cc.name}, k = ${k || "√T"}) equals full BPTT bit for bit: loss, every gradient, the ledger`, () => {
        const T = 11, B = 2;
        const rng = new Rng(31);
        const model = randomModel(makeConfig({ ...cc.config, I: 3, H: 4, O: 2 }), rng);
        const batch = randomBatch(model.config, T, B, "mse", rng);
        const spec: LossSpec = { loss: "mse", reduction: "mean", mask: masks(T)[2][1] };
        const full = lossAndGrads(null, model, batch, spec, { ledger: true });
        const ck = checkpointedLossAndGrads(null, model, batch, spec, { k: k || undefined, ledger: true });
        expect(Object.is(ck.loss, full.loss)).toBe(true);
        expect(same(ck.grads.dparams, full.grads.dparams)).toBe(true);
        expect(same(ck.grads.dx, full.grads.dx)).toBe(true);
        expect(same(ck.grads.da0, full.grads.da0)).toBe(true);
        expect(same(ck.grads.dc0, full.grads.dc0)).toBe(true);
        for (const f of ["direct", "recurrent", "total", "dx", "dWaa", "cell"] as const) expect(same(ck.ledger![f], full.ledger![f]), f).toBe(true);
      });
    }
  }

  it("checkpointedLossAndGrads stays bit-identical at T = 3,000 in the vanishing regime (the carried scale crosses segments)", () => {
    const T = 3000;
    const rng = new Rng(4);
    const model = randomModel(makeConfig({ cell: "lstm", I: 2, H: 5, O: 1 }), rng, 0.4);
    const batch = randomBatch(model.config, T, 1, "mse", rng);
    const spec: LossSpec = { loss: "mse", reduction: "mean", mask: masks(T)[0][1] };
    const full = lossAndGrads(null, model, batch, spec, { ledger: true });
    const ck = checkpointedLossAndGrads(null, model, batch, spec, { ledger: true });
    expect(full.ledger!.total[0]).toBeLessThan(-300);
    expect(same(ck.grads.dparams, full.grads.dparams)).toBe(true);
    expect(same(ck.ledger!.total, full.ledger!.total)).toBe(true);
    expect(defaultCheckpointInterval(T)).toBe(55);
  });

  it("checkpointedLossAndGrads rejects k outside [1, T]", () => {
    const rng = new Rng(1);
    const model = randomModel(makeConfig({ cell: "rnn", I: 1, H: 2, O: 1 }), rng);
    const batch = randomBatch(model.config, 5, 1, "mse", rng);
    const spec: LossSpec = { loss: "mse", reduction: "mean", mask: masks(5)[0][1] };
    expect(() => checkpointedLossAndGrads(null, model, batch, spec, { k: 6 })).toThrow(/k must be an integer in \[1, 5\]/);
  });
});

describe("tbpttLossAndGrads", () => {
  for (const cc of CELL_CASES) {
    it(`tbpttLossAndGrads(${cc.name}, k1 = k2 = T) equals full BPTT bit for bit`, () => {
      const T = 9, B = 2;
      const rng = new Rng(8);
      const model = randomModel(makeConfig({ ...cc.config, I: 2, H: 3, O: 2 }), rng);
      const batch = randomBatch(model.config, T, B, "mse", rng);
      const spec: LossSpec = { loss: "mse", reduction: "mean", mask: masks(T)[1][1] };
      const full = lossAndGrads(null, model, batch, spec, { ledger: true });
      const fullParams = full.grads.dparams.slice(), fullLedger = full.ledger!.total.slice();
      const { ws, cuts } = tbpttLossAndGrads(null, model, batch, spec, { k1: T, k2: T, ledger: true });
      expect(cuts).toEqual([]);
      expect(same(ws.grads.dparams, fullParams)).toBe(true);
      expect(same(ws.ledger!.total, fullLedger)).toBe(true);
    });

    for (const [k1, k2] of [[3, 3], [3, 5], [4, 2], [2, 9]] as const) {
      it(`tbpttLossAndGrads(${cc.name}, k1 = ${k1}, k2 = ${k2}) equals the sum of per-segment passes with the window's first state held constant`, () => {
        const T = 9, B = 2, O = 2;
        const rng = new Rng(17);
        const model = randomModel(makeConfig({ ...cc.config, I: 2, H: 3, O }), rng);
        const batch = randomBatch(model.config, T, B, "mse", rng);
        const spec: LossSpec = { loss: "mse", reduction: "sum", mask: masks(T)[1][1] };
        const { ws, cuts } = tbpttLossAndGrads(null, model, batch, spec, { k1, k2, ledger: true });
        // reference: for each segment, a fresh pass over its window from the (constant) state before it
        const full = lossAndGrads(null, model, batch, spec);
        const { H, I, cell } = model.config;
        const dp = new Float64Array(ws.grads.dparams.length), dx = new Float64Array(ws.grads.dx.length);
        const da0 = new Float64Array(B * H);
        for (let start = 1; start <= T; start += k1) {
          const e = Math.min(start + k1 - 1, T), from = Math.max(1, e - k2 + 1), len = e - from + 1;
          const mask = new Uint8Array(len);
          for (let t = start; t <= e; t++) mask[t - from] = spec.mask[t - 1];
          const sub: Batch = {
            x: batch.x.slice((from - 1) * B * I, e * B * I), T: len, B,
            a0: full.tape.a.slice((from - 1) * B * H, from * B * H),
            c0: cell === "lstm" ? full.tape.c.slice((from - 1) * B * H, from * B * H) : null,
            targets: batch.targets.slice((from - 1) * B * O, e * B * O),
          };
          const r = lossAndGrads(null, model, sub, { ...spec, mask });
          for (let i = 0; i < dp.length; i++) dp[i] += r.grads.dparams[i];
          for (let i = 0; i < r.grads.dx.length; i++) dx[(from - 1) * B * I + i] += r.grads.dx[i];
          if (from === 1) for (let i = 0; i < da0.length; i++) da0[i] += r.grads.da0[i];
        }
        // the readout is never truncated: every loss reaches Wya and by directly (with k2 < k1 also
        // the losses no window covers), so its gradient is the full pass's
        const head = ws.layout.byName.Wya.offset;
        dp.set(full.grads.dparams.subarray(head), head);
        expect(maxRelErr(ws.grads.dparams, dp)).toBeLessThan(1e-12);
        expect(maxRelErr(ws.grads.dx, dx)).toBeLessThan(1e-12);
        expect(maxRelErr(ws.grads.da0, da0)).toBeLessThan(1e-12);
        // the cuts sit just before each window that does not start at step 1
        const want = [];
        for (let start = 1; start <= T; start += k1) {
          const e = Math.min(start + k1 - 1, T), from = Math.max(1, e - k2 + 1);
          if (from > 1) want.push(from - 1);
        }
        expect(cuts.map((c) => c.t)).toEqual(want);
        for (const c of cuts) expect(Number.isFinite(c.log10)).toBe(true);
        // steps no window reaches have no ledger record
        if (k2 < k1) expect(ws.ledger!.total[0]).toBe(-Infinity);
      });
    }
  }

  it("tbpttLossAndGrads rejects k1 outside [1, T] and k2 < 1", () => {
    const rng = new Rng(1);
    const model = randomModel(makeConfig({ cell: "rnn", I: 1, H: 2, O: 1 }), rng);
    const batch = randomBatch(model.config, 5, 1, "mse", rng);
    const spec: LossSpec = { loss: "mse", reduction: "mean", mask: masks(5)[0][1] };
    expect(() => tbpttLossAndGrads(null, model, batch, spec, { k1: 0, k2: 2 })).toThrow(/k1 must be an integer/);
    expect(() => tbpttLossAndGrads(null, model, batch, spec, { k1: 2, k2: 0.5 })).toThrow(/k2 must be an integer/);
  });
});
