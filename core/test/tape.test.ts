// Allocation discipline (STYLE.md §C.4, §F.8): a workspace and its tape are allocated once per (T, B)
// shape and reused, every buffer keeping its identity; a different shape allocates anew. And the edge
// shapes T=1, B=1, H=1, I=1 agree with the scalar-autograd oracle.
import { describe, expect, it } from "vitest";
import { lossAndGrads, type Batch, type Workspace } from "../src/bptt";
import { maskEvery, maskLast, type LossSpec } from "../src/loss-spec";
import { makeConfig, type Model } from "../src/model";
import { Rng } from "../src/rng";
import { ensureTape, Tape } from "../src/tape";
import { oracleLossAndGrads } from "./support/oracle";
import { CELL_CASES, LOSS_CASES, config, masks, maxRelErr, randomBatch, randomModel, spec } from "./support/random-case";

/** Every typed array and object a workspace owns, by name: what must keep its identity across calls. */
function buffers(ws: Workspace): Map<string, unknown> {
  const m = new Map<string, unknown>();
  const own = (prefix: string, o: object) => {
    for (const [k, v] of Object.entries(o)) if (v !== null && typeof v === "object") m.set(prefix + k, v);
  };
  own("ws.", ws);
  own("tape.", ws.tape);
  own("grads.", ws.grads);
  if (ws.ledger) own("ledger.", ws.ledger);
  return m;
}

function setup(ci: number, T: number, B: number, seed: number) {
  const lc = LOSS_CASES[ci % LOSS_CASES.length];
  const rng = new Rng(seed);
  const model = randomModel(config(CELL_CASES[ci], lc, 2, 3, 2), rng);
  const batch = randomBatch(model.config, T, B, lc.loss, rng);
  return { model, batch, s: spec(lc, masks(T)[ci % 3][1]), rng, lc };
}

describe("lossAndGrads(ws, …) reuses its workspace", () => {
  for (const [ci, cc] of CELL_CASES.entries()) {
    it(`lossAndGrads(ws, ${cc.name}) on the same (T, B) returns ws with every Tape/Workspace buffer unchanged in identity, and the same numbers as a fresh workspace`, () => {
      const T = 6, B = 3;
      const { model, batch, s, rng } = setup(ci, T, B, 40 + ci);
      const ws = lossAndGrads(null, model, batch, s, { ledger: true });
      const before = buffers(ws);
      expect(before.size).toBeGreaterThanOrEqual(20); // tape (10 arrays + config), grads (4), ws (6 + layout), ledger (7)
      for (let step = 0; step < 3; step++) {
        // New inputs and weights of the same shape: only the contents may change.
        rng.fillRandn(batch.x, 0, batch.x.length);
        rng.fillRandn(model.params, 0, model.params.length, 0.5);
        const again = lossAndGrads(ws, model, batch, s, { ledger: true });
        expect(again).toBe(ws);
        const after = buffers(again);
        expect([...after.keys()]).toEqual([...before.keys()]);
        for (const [name, buf] of before) expect(after.get(name), name).toBe(buf);
        // Reuse leaks nothing from the previous call: bitwise equal to a fresh workspace.
        const fresh = lossAndGrads(null, model, batch, s, { ledger: true });
        expect(Object.is(again.loss, fresh.loss)).toBe(true);
        expect(again.grads.dparams).toEqual(fresh.grads.dparams);
        expect(again.grads.dx).toEqual(fresh.grads.dx);
        expect(again.grads.da0).toEqual(fresh.grads.da0);
        expect(again.grads.dc0).toEqual(fresh.grads.dc0);
        expect(again.ledger!.total).toEqual(fresh.ledger!.total);
      }
    });
  }

  it("lossAndGrads(ws, …) with a different T or B allocates a new workspace and a new tape", () => {
    const { model, batch, s, rng, lc } = setup(6, 5, 2, 9);
    const ws = lossAndGrads(null, model, batch, s);
    const longer = randomBatch(model.config, 7, 2, lc.loss, rng);
    const ws2 = lossAndGrads(ws, model, longer, { ...s, mask: maskLast(7) });
    expect(ws2).not.toBe(ws);
    expect(ws2.tape).not.toBe(ws.tape);
    expect(ws2.tape.T).toBe(7);
    expect(ws2.tape.a.length).toBe(8 * 2 * 3);
    const wider = randomBatch(model.config, 7, 4, lc.loss, rng);
    const ws3 = lossAndGrads(ws2, model, wider, { ...s, mask: maskLast(7) });
    expect(ws3).not.toBe(ws2);
    expect(ws3.tape).not.toBe(ws2.tape);
    expect(ws3.tape.B).toBe(4);
    // Back to the first shape: a workspace fits only its own shape, so this allocates again.
    expect(lossAndGrads(ws3, model, batch, s).tape.T).toBe(5);
  });

  it("lossAndGrads(ws, …) for a model with another O but the same cell, I, H at the same (T, B) builds a new workspace around the old tape", () => {
    const rng = new Rng(3);
    const m1: Model = randomModel(makeConfig({ cell: "gru", I: 2, H: 3, O: 1 }), rng);
    const m2: Model = randomModel(makeConfig({ cell: "gru", I: 2, H: 3, O: 4 }), rng);
    const b1 = randomBatch(m1.config, 4, 2, "mse", rng);
    const b2 = randomBatch(m2.config, 4, 2, "mse", rng);
    const s: LossSpec = { loss: "mse", reduction: "mean", mask: maskEvery(4) };
    const ws1 = lossAndGrads(null, m1, b1, s);
    const ws2 = lossAndGrads(ws1, m2, b2, s);
    expect(ws2).not.toBe(ws1);
    expect(ws2.tape).toBe(ws1.tape); // the tape does not depend on O
    expect(ws2.z.length).toBe(4 * 2 * 4);
    const fresh = lossAndGrads(null, m2, b2, s);
    expect(ws2.grads.dparams).toEqual(fresh.grads.dparams);
  });
});

describe("ensureTape", () => {
  const base = makeConfig({ cell: "lstm", I: 2, H: 3, O: 1 });

  it("ensureTape(tape, config, T, B) returns the same tape when it fits, including for another O, activation or output", () => {
    const tape = ensureTape(null, base, 5, 2);
    expect(tape).toBeInstanceOf(Tape);
    expect(ensureTape(tape, base, 5, 2)).toBe(tape);
    expect(ensureTape(tape, { ...base, O: 7, output: "softmax" }, 5, 2)).toBe(tape);
    expect(ensureTape(tape, { ...base, activation: "relu" }, 5, 2)).toBe(tape);
    expect(ensureTape(tape, { ...base, gruVariant: "reset-after" }, 5, 2)).toBe(tape); // ignored by the lstm
  });

  it("lossAndGrads(ws, model with another activation) does not reuse the old activation (regression)", () => {
    const rng = new Rng(2);
    const tanh = randomModel(makeConfig({ cell: "rnn", I: 2, H: 3, O: 1 }), rng);
    const ident = { config: { ...tanh.config, activation: "identity" as const }, params: tanh.params };
    const batch = randomBatch(tanh.config, 4, 2, "mse", rng);
    const spec = { loss: "mse" as const, reduction: "mean" as const, mask: maskEvery(4) };
    const fresh = lossAndGrads(null, ident, batch, spec).loss;
    const ws = lossAndGrads(null, tanh, batch, spec);
    expect(lossAndGrads(ws, ident, batch, spec).loss).toBe(fresh);
  });

  it("ensureTape(tape, …) allocates a new tape when T, B, I, H, the cell or (for the gru) the variant differs", () => {
    const tape = ensureTape(undefined, base, 5, 2);
    const other: [string, Tape][] = [
      ["T", ensureTape(tape, base, 6, 2)],
      ["B", ensureTape(tape, base, 5, 1)],
      ["I", ensureTape(tape, { ...base, I: 3 }, 5, 2)],
      ["H", ensureTape(tape, { ...base, H: 4 }, 5, 2)],
      ["cell", ensureTape(tape, { ...base, cell: "gru" }, 5, 2)],
    ];
    for (const [name, t] of other) expect(t, name).not.toBe(tape);
    const gru = ensureTape(null, { ...base, cell: "gru", gruVariant: "reset-before" }, 5, 2);
    expect(gru.dhn.length).toBe(0);
    const after = ensureTape(gru, { ...base, cell: "gru", gruVariant: "reset-after" }, 5, 2);
    expect(after).not.toBe(gru);
    expect(after.dhn.length).toBe(5 * 2 * 3);
  });

  it("new Tape(config, T, B) sizes every buffer from (T, B) and the cell", () => {
    const T = 4, B = 3, H = 3, I = 2;
    const lstm = new Tape(base, T, B);
    expect([lstm.a.length, lstm.c.length, lstm.gates.length, lstm.tc.length, lstm.aux.length, lstm.dpre.length, lstm.dhn.length])
      .toEqual([(T + 1) * B * H, (T + 1) * B * H, T * B * 4 * H, T * B * H, 0, T * B * 4 * H, 0]);
    const rnn = new Tape({ ...base, cell: "rnn" }, T, B);
    expect([rnn.c.length, rnn.gates.length, rnn.tc.length, rnn.aux.length, rnn.dpre.length]).toEqual([0, 0, 0, 0, T * B * H]);
    expect([rnn.g.length, rnn.gc.length, rnn.sx.length]).toEqual([B * H, B * H, B * Math.max(I, H)]);
  });
});

describe("edge shapes against the oracle", () => {
  const shapes: [string, { T: number; B: number; I: number; H: number; O: number }][] = [
    ["T=1", { T: 1, B: 2, I: 2, H: 3, O: 2 }],
    ["B=1", { T: 4, B: 1, I: 2, H: 3, O: 2 }],
    ["H=1", { T: 4, B: 2, I: 2, H: 1, O: 2 }],
    ["I=1", { T: 4, B: 2, I: 1, H: 3, O: 2 }],
    ["T=B=I=H=O=1", { T: 1, B: 1, I: 1, H: 1, O: 1 }],
  ];
  for (const [ci, cc] of CELL_CASES.entries()) {
    for (const [si, [sname, d]] of shapes.entries()) {
      // mse with O = 1 and softmax output has a zero gradient everywhere; skip softmax when O = 1.
      const lcs = LOSS_CASES.filter((l) => d.O > 1 || l.output !== "softmax");
      const lc = lcs[(ci + si) % lcs.length];
      it(`lossAndGrads(${cc.name}, ${lc.name}) at ${sname} agrees with oracleLossAndGrads to 1e-12`, () => {
        const rng = new Rng(100 * ci + si);
        const model = randomModel(config(cc, lc, d.I, d.H, d.O), rng);
        const batch: Batch = randomBatch(model.config, d.T, d.B, lc.loss, rng);
        const s = spec(lc, maskEvery(d.T));
        const ws = lossAndGrads(null, model, batch, s);
        const ref = oracleLossAndGrads(model, batch.x, d.T, d.B, batch.a0!, batch.c0 ?? null, batch.targets, s);
        expect(Number.isFinite(ws.loss)).toBe(true);
        expect(Math.abs(ws.loss - ref.loss) / Math.max(1, Math.abs(ref.loss))).toBeLessThan(1e-12);
        expect(maxRelErr(ws.tape.a, ref.a)).toBeLessThan(1e-13);
        expect(maxRelErr(ws.grads.dparams, ref.dparams)).toBeLessThan(1e-12);
        expect(maxRelErr(ws.grads.dx, ref.dx)).toBeLessThan(1e-12);
        expect(maxRelErr(ws.grads.da0, ref.da0)).toBeLessThan(1e-12);
        if (model.config.cell === "lstm") expect(maxRelErr(ws.grads.dc0, ref.dc0!)).toBeLessThan(1e-12);
        else expect(ws.grads.dc0.length).toBe(0);
        // Not vacuous: some gradient reaches the recurrent weights and the initial state.
        let n = 0;
        for (const v of ws.grads.da0) n += Math.abs(v);
        expect(n).toBeGreaterThan(0);
      });
    }
  }
});
