// pascanuReport (Pascanu, Mikolov & Bengio 2013): λ1 and ρ against closed forms, γ per activation,
// the bound log10 (γλ1)^(T-k), and the two conditions; gated cells use Wc[:, :H] and say so.
import { describe, expect, it } from "vitest";
import { pascanuReport } from "../src/analysis/pascanu";
import { orthonormalizeRows } from "../src/linalg";
import { ACTIVATIONS, makeConfig, type Activation, type Model } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { randomModel } from "./support/random-case";

/** A vanilla RNN whose Waa is W (row-major H×H); every other parameter is 1 (irrelevant to the report). */
function rnnWith(W: ArrayLike<number>, H: number, activation: Activation = "tanh"): Model {
  const config = makeConfig({ cell: "rnn", I: 2, H, activation });
  const L = paramLayout(config);
  const params = new Float64Array(L.size).fill(1);
  params.set(W, L.byName.Waa.offset);
  return { config, params };
}

function diag(d: number[]): Float64Array {
  const H = d.length, W = new Float64Array(H * H);
  for (let i = 0; i < H; i++) W[i * H + i] = d[i];
  return W;
}

describe("pascanuReport: λ1 and ρ against closed forms", () => {
  it("pascanuReport of a diagonal Waa gives λ1 = ρ = max|d_i|, to 1e-14", () => {
    const r = pascanuReport(rnnWith(diag([0.5, -2, 0.3]), 3), 10);
    expect(r.matrix).toBe("Waa");
    expect(r.lambda1).toBeCloseTo(2, 14);
    expect(r.spectralRadius).toBeCloseTo(2, 14);
  });

  it("pascanuReport of Waa = s·Q with Q orthogonal gives λ1 = ρ = s, to 1e-13", () => {
    const H = 6, s = 1.7;
    const Q = new Float64Array(H * H);
    new Rng(4).fillRandn(Q, 0, H * H);
    orthonormalizeRows(new Float64Array(H), 0, Q, 0, H, H, H);
    const r = pascanuReport(rnnWith(Q.map((v) => s * v), H), 5);
    expect(Math.abs(r.lambda1 - s)).toBeLessThan(1e-13);
    expect(Math.abs(r.spectralRadius - s)).toBeLessThan(1e-13);
  });

  it("pascanuReport of the non-normal [[a, b], [0, a]] gives ρ = a < λ1 = (√(4a² + b²) + b)/2", () => {
    // AᵀA = [[a², ab], [ab, a² + b²]]: σ1·σ2 = a², σ1 + σ2 = √(tr + 2a²) = √(4a² + b²).
    const a = 0.5, b = 3;
    const r = pascanuReport(rnnWith([a, b, 0, a], 2), 4);
    const s1 = (Math.sqrt(4 * a * a + b * b) + b) / 2; // 3.0811...
    expect(Math.abs(r.lambda1 - s1)).toBeLessThan(1e-14);
    expect(Math.abs(r.spectralRadius - a)).toBeLessThan(1e-7); // a defective double eigenvalue: ~√ε accuracy
    // The linearized map eventually contracts (ρ < 1), yet the bound allows growth (λ1 > 1/γ).
    expect(r.vanishingSufficient).toBe(false);
    expect(r.explodingPossible).toBe(true);
  });

  it("pascanuReport of a rotation-scaling block [[c, -s], [s, c]] gives ρ = λ1 = √(c² + s²) (complex eigenvalues)", () => {
    const r = pascanuReport(rnnWith([0.6, -0.8, 0.8, 0.6], 2), 3);
    expect(Math.abs(r.spectralRadius - 1)).toBeLessThan(1e-15);
    expect(Math.abs(r.lambda1 - 1)).toBeLessThan(1e-15);
  });
});

describe("pascanuReport: γ, the conditions and the bound", () => {
  const gammas: Record<Activation, number> = { tanh: 1, relu: 1, identity: 1, sigmoid: 0.25 };
  for (const act of ACTIVATIONS) {
    it(`pascanuReport(${act}) uses γ = ${gammas[act]}`, () => {
      expect(pascanuReport(rnnWith(diag([0.5, 0.5]), 2, act), 3).gamma).toBe(gammas[act]);
    });
  }

  const cases: [Activation, number, boolean, boolean][] = [
    ["tanh", 0.5, true, false], ["tanh", 1.5, false, true], ["tanh", 1, false, false],
    ["sigmoid", 3.9, true, false], ["sigmoid", 4, false, false], ["sigmoid", 4.5, false, true],
    ["relu", 0.99, true, false], ["identity", 1.01, false, true],
  ];
  for (const [act, l1, van, exp_] of cases) {
    it(`pascanuReport(${act}, λ1 = ${l1}) has vanishingSufficient ${van} (λ1 < 1/γ) and explodingPossible ${exp_} (λ1 > 1/γ)`, () => {
      const r = pascanuReport(rnnWith(diag([l1, l1 / 2, -l1 / 3]), 3, act), 2);
      expect(r.lambda1).toBe(l1); // a diagonal's singular values are exact
      expect(r.vanishingSufficient).toBe(van);
      expect(r.explodingPossible).toBe(exp_);
      expect(r.note).toBe("");
    });
  }

  it("pascanuReport's log10Bound[k-1] = (T-k)·log10(γλ1) for k = 1..T, ending at 0", () => {
    const T = 50;
    const r = pascanuReport(rnnWith(diag([3, 1]), 2, "sigmoid"), T); // γλ1 = 0.75
    expect(r.log10Bound.length).toBe(T);
    for (let k = 1; k <= T; k++) expect(Math.abs(r.log10Bound[k - 1] - (T - k) * Math.log10(0.75))).toBeLessThan(1e-13);
    expect(r.log10Bound[T - 1]).toBe(0);
    expect(r.log10Bound[0]).toBeCloseTo(49 * Math.log10(0.75), 12); // ≈ -6.12: the gradient at k = 1 is below 1e-6 of the last
  });

  it("pascanuReport with T = 10000 keeps the bound exact in log10 far below float64's range (0.9^9999 ≈ 1e-457)", () => {
    const r = pascanuReport(rnnWith(diag([0.9]), 1), 10000);
    expect(r.log10Bound[0]).toBeCloseTo(9999 * Math.log10(0.9), 9);
    expect(r.log10Bound[0]).toBeLessThan(-457);
  });

  it("pascanuReport with a zero Waa gives -Infinity for k < T and 0 at k = T, never NaN", () => {
    const r = pascanuReport(rnnWith(diag([0, 0]), 2), 4);
    expect([...r.log10Bound]).toEqual([-Infinity, -Infinity, -Infinity, 0]);
    expect(r.vanishingSufficient).toBe(true);
  });
});

describe("pascanuReport for gated cells", () => {
  for (const cell of ["gru", "lstm"] as const) {
    it(`pascanuReport(${cell}) describes Wc[:, :H] with γ = 1 and notes that the bound is only a heuristic`, () => {
      const H = 3, I = 2;
      const config = makeConfig({ cell, I, H });
      const L = paramLayout(config);
      const model = randomModel(config, new Rng(9));
      // Wc[:, :H] := diag(0.2, -0.7, 0.4); its x-columns and the other gates stay random.
      const wc = L.byName.Wc.offset;
      const d = [0.2, -0.7, 0.4];
      for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) model.params[wc + i * (H + I) + j] = i === j ? d[i] : 0;
      const r = pascanuReport(model, 5);
      expect(r.cell).toBe(cell);
      expect(r.matrix).toBe("Wc[:, :H]");
      expect(r.gamma).toBe(1);
      expect(r.lambda1).toBeCloseTo(0.7, 14);
      expect(r.spectralRadius).toBeCloseTo(0.7, 14);
      expect(r.vanishingSufficient).toBe(true);
      expect(r.note).toMatch(/heuristic/);
      expect(r.note).toMatch(cell === "lstm" ? /diag\(Γf\)/ : /diag\(1-Γu\)/);
    });
  }
});

describe("pascanuReport input validation", () => {
  const m = rnnWith(diag([0.5]), 1);
  for (const T of [0, -1, 2.5, NaN, 2 ** 24 + 1]) {
    it(`pascanuReport throws a RangeError naming T for T = ${T}`, () => {
      expect(() => pascanuReport(m, T)).toThrow(RangeError);
      expect(() => pascanuReport(m, T)).toThrow(/^T must be an integer in \[1, 16777216\]/);
    });
  }
  it("pascanuReport throws a RangeError naming model.params for a params buffer of the wrong length", () => {
    expect(() => pascanuReport({ config: m.config, params: new Float64Array(3) }, 2)).toThrow(/^model.params length must be/);
  });
  it("pascanuReport throws a RangeError naming the entry when Waa holds NaN", () => {
    const bad = rnnWith([NaN], 1);
    expect(() => pascanuReport(bad, 2)).toThrow(/W\[0, 0\] must be finite, got NaN/);
  });
});
