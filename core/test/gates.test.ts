// Gate statistics: closed forms with constant gates (zero weights, fixed biases).
import { describe, expect, it } from "vitest";
import { gateStats } from "../src/analysis/gates";
import { sigmoid } from "../src/activations";
import { makeConfig } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { sequenceForward } from "../src/sequence";
import { Tape } from "../src/tape";

function constantGates(cell: "lstm" | "gru", biases: Record<string, number>, T: number, H = 3) {
  const config = makeConfig({ cell, I: 2, H, O: 1, gruVariant: "reset-after" });
  const L = paramLayout(config);
  const P = new Float64Array(L.size);
  for (const [name, v] of Object.entries(biases)) P.fill(v, L.byName[name].offset, L.byName[name].offset + H);
  const x = new Float64Array(T * 2);
  new Rng(1).fillRandn(x, 0, x.length);
  const tape = new Tape(config, T, 1);
  sequenceForward(tape, P, L, x, null, null);
  return tape;
}

describe("gateStats", () => {
  it("gateStats on an LSTM with Γf = σ(bf) constant gives the carousel product (T-k)·log10 σ(bf) per unit", () => {
    const T = 50, bf = 2;
    const s = gateStats(constantGates("lstm", { bf, bu: 0, bo: 0, bc: 0 }, T));
    const per = Math.log10(sigmoid(bf));
    for (const v of s.log10CarouselTotal) expect(v).toBeCloseTo(T * per, 12);
    for (const k of [0, 10, 49, 50]) expect(s.log10CarouselMean[k]).toBeCloseTo((T - k) * per, 12);
    expect(s.gates).toEqual(["f", "u", "c", "o"]);
    // σ(2) = 0.88: neither low nor high; σ(0) = 0.5 for u and o; c~ = tanh(0) = 0
    expect(s.fracSaturated).toEqual([0, 0, 0, 0]);
  });

  it("gateStats on a GRU with Γu = σ(-40) ≈ 0 keeps the memory path at 10^0 and counts Γu as saturated low", () => {
    const s = gateStats(constantGates("gru", { bu: -40, br: 5, bc: 0 }, 20));
    for (const v of s.log10CarouselTotal) expect(Math.abs(v)).toBeLessThan(1e-15);
    expect(s.fracLow[1]).toBe(1);
    expect(s.fracHigh[0]).toBe(1); // Γr = σ(5) = 0.9933 > 0.95
  });

  it("gateStats on a vanilla RNN counts |a| > 0.99 as saturated", () => {
    const config = makeConfig({ cell: "rnn", I: 1, H: 2, O: 1 });
    const L = paramLayout(config);
    const P = new Float64Array(L.size);
    P[L.byName.ba.offset] = 10; // unit 0 saturates at tanh(10)
    const tape = new Tape(config, 4, 1);
    sequenceForward(tape, P, L, new Float64Array(4), null, null);
    const s = gateStats(tape);
    expect(s.fracHigh[0]).toBe(0.5);
    expect(s.fracSaturated[0]).toBe(0.5);
    expect(s.log10CarouselTotal.length).toBe(0);
    expect(() => gateStats(tape, 1)).toThrow(/b must be an integer in \[0, 0\]/);
  });
});
