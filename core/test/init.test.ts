// initModel's kinds (pytorch, gaussian, orthogonal, identity), the recurrent-matrix rescaling to a
// spectral radius or λ1, the exported helpers, determinism, and validation.
import { describe, expect, it } from "vitest";
import {
  initModel, INIT_KINDS, IRNN_STD, largestSingularValue, recurrentBlock, scaleToLambda1, scaleToSpectralRadius, spectralRadius,
  type InitKind, type InitOptions,
} from "../src/init";
import { CELL_KINDS, makeConfig, type CellKind, type ModelConfig } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";

const H = 5, I = 3, O = 2;
const cfg = (cell: CellKind): ModelConfig => makeConfig({ cell, I, H, O });

/** max |(WᵀW)_ij - δ_ij| for the H×H block at off with row stride ld. */
function orthoErr(P: Float64Array, off: number, ld: number, n: number): number {
  let e = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += P[off + k * ld + i] * P[off + k * ld + j];
    e = Math.max(e, Math.abs(s - (i === j ? 1 : 0)));
  }
  return e;
}

/** Offsets of every H×H block that multiplies a<t-1>: Waa, or W_g[:, :H] for each gate. */
function aBlocks(c: ModelConfig): { off: number; ld: number }[] {
  const L = paramLayout(c);
  if (c.cell === "rnn") return [{ off: L.byName.Waa.offset, ld: H }];
  return Array.from({ length: L.G }, (_, g) => ({ off: L.W0 + g * H * (H + I), ld: H + I }));
}

describe("initModel(orthogonal)", () => {
  for (const cell of CELL_KINDS) {
    it(`initModel(${cell}, orthogonal) makes every H×H recurrent block orthogonal: QᵀQ = I to 1e-13`, () => {
      const c = cfg(cell);
      const m = initModel(c, new Rng(1), { kind: "orthogonal" });
      for (const { off, ld } of aBlocks(c)) expect(orthoErr(m.params, off, ld, H)).toBeLessThan(1e-13);
      const L = paramLayout(c);
      for (const b of L.blocks) if (b.shape.length === 1) expect(Array.from(m.params.subarray(b.offset, b.offset + b.size)).every((v) => v === 0)).toBe(true);
    });
  }

  it("initModel(orthogonal) draws the non-recurrent weights exactly as gaussian does with the same seed", () => {
    const c = cfg("lstm");
    const o = initModel(c, new Rng(2), { kind: "orthogonal", scale: 0.7 });
    const g = initModel(c, new Rng(2), { kind: "gaussian", scale: 0.7 });
    const L = paramLayout(c);
    let differ = 0;
    for (let p = 0; p < L.size; p++) {
      const inA = p >= L.W0 && p < L.W0 + 4 * H * (H + I) && (p - L.W0) % (H + I) < H;
      if (inA) differ += o.params[p] !== g.params[p] ? 1 : 0;
      else expect(o.params[p]).toBe(g.params[p]);
    }
    expect(differ).toBe(4 * H * H);
  });

  it("initModel(orthogonal) is Haar-like: det = -1 in about half the draws and E[Q_ij²] = 1/n", () => {
    // Gram–Schmidt returns diag R > 0, the sign-fixed QR, so Q is Haar; a fixed-sign (e.g. det = +1
    // only, or biased) construction would fail the first check.
    const c = makeConfig({ cell: "rnn", I: 1, H: 3 });
    const rng = new Rng(3);
    const w = paramLayout(c).byName.Waa.offset;
    let neg = 0, sq = 0;
    const N = 400;
    for (let s = 0; s < N; s++) {
      const P = initModel(c, rng, { kind: "orthogonal" }).params;
      const q = (i: number, j: number) => P[w + i * 3 + j];
      const det = q(0, 0) * (q(1, 1) * q(2, 2) - q(1, 2) * q(2, 1)) - q(0, 1) * (q(1, 0) * q(2, 2) - q(1, 2) * q(2, 0)) + q(0, 2) * (q(1, 0) * q(2, 1) - q(1, 1) * q(2, 0));
      if (det < 0) neg++;
      sq += q(0, 0) ** 2;
    }
    expect(neg / N).toBeGreaterThan(0.42); // binomial(400, 1/2): sd 0.025, so ±3.2 sd
    expect(neg / N).toBeLessThan(0.58);
    expect(sq / N).toBeGreaterThan(1 / 3 - 0.05); // E[q²] = 1/3, sd of the mean ≈ 0.015
    expect(sq / N).toBeLessThan(1 / 3 + 0.05);
  });
});

describe("initModel(identity) (IRNN)", () => {
  it("initModel(rnn, identity) sets Waa = I exactly, biases 0, and every other weight ~ N(0, 0.001²)", () => {
    const c = makeConfig({ cell: "rnn", I: 20, H: 30, O: 10, activation: "relu" });
    const m = initModel(c, new Rng(4), { kind: "identity" });
    const L = paramLayout(c);
    const w = L.byName.Waa.offset;
    for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) expect(m.params[w + i * 30 + j]).toBe(i === j ? 1 : 0);
    for (const name of ["ba", "by"]) expect(m.params.subarray(L.byName[name].offset, L.byName[name].offset + L.byName[name].size).every((v) => v === 0)).toBe(true);
    let ss = 0, n = 0;
    for (const name of ["Wax", "Wya"]) {
      const b = L.byName[name];
      for (let p = b.offset; p < b.offset + b.size; p++) { ss += m.params[p] ** 2; n++; }
    }
    expect(Math.sqrt(ss / n) / IRNN_STD).toBeGreaterThan(0.9); // 900 draws: the sample sd is within ~5%
    expect(Math.sqrt(ss / n) / IRNN_STD).toBeLessThan(1.1);
  });

  it("initModel(identity, spectralRadius 0.01) is the scaled IRNN: Waa = 0.01·I", () => {
    const c = makeConfig({ cell: "rnn", I, H, activation: "relu" });
    const m = initModel(c, new Rng(5), { kind: "identity", spectralRadius: 0.01 });
    const w = paramLayout(c).byName.Waa.offset;
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) expect(Math.abs(m.params[w + i * H + j] - (i === j ? 0.01 : 0))).toBeLessThan(1e-17);
  });

  for (const cell of ["gru", "lstm"] as const) {
    it(`initModel(${cell}, identity) sets the candidate block's a-columns Wc[:, :H] = I and keeps every other weight small`, () => {
      const c = cfg(cell);
      const m = initModel(c, new Rng(6), { kind: "identity", forgetBias: cell === "lstm" ? 1 : 0 });
      const L = paramLayout(c);
      const rec = recurrentBlock(c);
      expect(rec).toEqual({ name: "Wc[:, :H]", offset: L.byName.Wc.offset, ld: H + I, n: H });
      for (let p = 0; p < L.size; p++) {
        const rel = p - rec.offset, i = Math.floor(rel / rec.ld), j = rel % rec.ld;
        if (rel >= 0 && i < H && j < H) expect(m.params[p]).toBe(i === j ? 1 : 0);
        else if (cell === "lstm" && p >= L.byName.bf.offset && p < L.byName.bf.offset + H) expect(m.params[p]).toBe(1);
        else expect(Math.abs(m.params[p])).toBeLessThan(6 * IRNN_STD);
      }
    });
  }
});

describe("initModel rescaling of the recurrent matrix, and the helpers", () => {
  for (const cell of CELL_KINDS) {
    for (const kind of INIT_KINDS) {
      it(`initModel(${cell}, ${kind}, spectralRadius 0.9 | lambda1 1.3) hits the target on ${cell === "rnn" ? "Waa" : "Wc[:, :H]"} to 1e-10 and changes nothing else`, () => {
        const c = cfg(cell);
        const rec = recurrentBlock(c);
        const plain = initModel(c, new Rng(7), { kind });
        const a = initModel(c, new Rng(7), { kind, spectralRadius: 0.9 });
        const b = initModel(c, new Rng(7), { kind, lambda1: 1.3 });
        expect(Math.abs(spectralRadius(a.params, H, rec.offset, rec.ld) - 0.9)).toBeLessThan(1e-10);
        expect(Math.abs(largestSingularValue(b.params, H, rec.offset, rec.ld) - 1.3)).toBeLessThan(1e-10);
        // Only the recurrent block moved, by one common factor.
        const f = a.params[rec.offset] / plain.params[rec.offset];
        for (let p = 0; p < plain.params.length; p++) {
          const rel = p - rec.offset, inRec = rel >= 0 && Math.floor(rel / rec.ld) < H && rel % rec.ld < H;
          if (!inRec) { expect(a.params[p]).toBe(plain.params[p]); expect(b.params[p]).toBe(plain.params[p]); }
          else expect(Math.abs(a.params[p] - f * plain.params[p])).toBeLessThan(1e-15);
        }
      });
    }
  }

  it("spectralRadius and largestSingularValue read an n×n block at an offset with a row stride", () => {
    // [[0, 2], [-2, 0]] inside a 3-wide buffer at offset 1: eigenvalues ±2i, singular values 2, 2.
    const W = new Float64Array([9, 0, 2, 9, -2, 0, 9]);
    expect(spectralRadius(W, 2, 1, 3)).toBeCloseTo(2, 14);
    expect(largestSingularValue(W, 2, 1, 3)).toBeCloseTo(2, 14);
    // The contiguous form of the spec: spectralRadius(W, n), largestSingularValue(W, n).
    expect(spectralRadius(new Float64Array([0.5, 1, 0, -0.25]), 2)).toBeCloseTo(0.5, 14);
    expect(largestSingularValue(new Float64Array([3, 0, 0, -4]), 2)).toBeCloseTo(4, 14);
  });

  it("scaleToSpectralRadius and scaleToLambda1 return the factor, hit the target to 1e-12, and leave the stride padding alone", () => {
    const rng = new Rng(8);
    const n = 6, ld = 8;
    const W = new Float64Array(2 + n * ld);
    rng.fillRandn(W, 0, W.length);
    const pad = W[2 + n];
    const rho0 = spectralRadius(W, n, 2, ld);
    expect(scaleToSpectralRadius(W, 2, n, 1.25, ld)).toBeCloseTo(1.25 / rho0, 14);
    expect(Math.abs(spectralRadius(W, n, 2, ld) - 1.25)).toBeLessThan(1e-12);
    scaleToLambda1(W, 2, n, 0.75, ld);
    expect(Math.abs(largestSingularValue(W, n, 2, ld) - 0.75)).toBeLessThan(1e-12);
    expect(W[2 + n]).toBe(pad);
    expect(W[0]).not.toBe(0);
    scaleToSpectralRadius(W, 2, n, 0, ld);
    expect(largestSingularValue(W, n, 2, ld)).toBe(0);
  });
});

describe("initModel: determinism and the original kinds", () => {
  for (const kind of INIT_KINDS) {
    it(`initModel(${kind}) gives the same bits for the same seed and different bits for another seed`, () => {
      for (const cell of CELL_KINDS) {
        const opts: InitOptions = { kind, lambda1: 0.8, forgetBias: 1 };
        const a = initModel(cfg(cell), new Rng(9), opts), b = initModel(cfg(cell), new Rng(9), opts), c = initModel(cfg(cell), new Rng(10), opts);
        expect(b.params).toEqual(a.params);
        expect(c.params).not.toEqual(a.params);
      }
    });
  }

  it("initModel(pytorch) is unchanged: one U(-1/√H, 1/√H) draw over the whole buffer, bound respected", () => {
    for (const cell of CELL_KINDS) {
      const c = cfg(cell);
      const m = initModel(c, new Rng(11));
      const ref = new Float64Array(paramLayout(c).size);
      new Rng(11).fillUniform(ref, 0, ref.length, -1 / Math.sqrt(H), 1 / Math.sqrt(H));
      expect(m.params).toEqual(ref);
      expect(Math.max(...m.params.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(H));
    }
  });

  it("initModel(gaussian, scale) is unchanged: each matrix ~ N(0, scale²/fan_in) in layout order, biases 0", () => {
    for (const cell of CELL_KINDS) {
      const c = cfg(cell);
      const m = initModel(c, new Rng(12), { kind: "gaussian", scale: 0.5 });
      const L = paramLayout(c);
      const ref = new Float64Array(L.size);
      const rng = new Rng(12);
      for (const b of L.blocks) if (b.shape.length === 2) rng.fillRandn(ref, b.offset, b.size, 0.5 / Math.sqrt(b.shape[1]));
      expect(m.params).toEqual(ref);
    }
  });

  it("initModel(glorot) draws each matrix within U(±√(6/(fan_in + fan_out))), a gate's recurrent and input parts separately, biases 0; scale multiplies it", () => {
    for (const cell of CELL_KINDS) {
      const c = makeConfig({ cell, I: 3, H: 64, O: 2 });
      const L = paramLayout(c);
      const m = initModel(c, new Rng(21), { kind: "glorot" });
      const part = (b: { offset: number; shape: readonly number[] }, from: number, to: number) => {
        const v: number[] = [];
        for (let i = 0; i < b.shape[0]; i++) for (let j = from; j < to; j++) v.push(m.params[b.offset + i * b.shape[1] + j]);
        return Math.max(...v.map(Math.abs));
      };
      for (const b of L.blocks) {
        if (b.shape.length === 1) { expect(Array.from(m.params.subarray(b.offset, b.offset + b.size)).every((v) => v === 0), b.name).toBe(true); continue; }
        const [rows, cols] = b.shape;
        const parts: [number, number, number][] = cell !== "rnn" && b.name !== "Wya"
          ? [[0, 64, Math.sqrt(6 / 128)], [64, 67, Math.sqrt(6 / 67)]] // the authors' U_g (H×H) and W_g (I×H)
          : [[0, cols, Math.sqrt(6 / (rows + cols))]];
        for (const [from, to, bound] of parts) {
          const max = part(b, from, to);
          expect(max, `${cell} ${b.name}[:, ${from}:${to}]`).toBeLessThanOrEqual(bound);
          expect(max, `${cell} ${b.name}[:, ${from}:${to}]`).toBeGreaterThan((b.name === "Wya" || to - from === 3 ? 0.7 : 0.95) * bound);
        }
      }
      const twice = initModel(c, new Rng(21), { kind: "glorot", scale: 2 });
      expect(Array.from(twice.params)).toEqual(Array.from(m.params, (v) => 2 * v));
    }
  });

  it("initModel(lstm, forgetBias 1) adds exactly 1 to bf and nothing else; other cells ignore forgetBias", () => {
    const c = cfg("lstm");
    const a = initModel(c, new Rng(13)), b = initModel(c, new Rng(13), { forgetBias: 1 });
    const bf = paramLayout(c).byName.bf;
    for (let p = 0; p < a.params.length; p++) {
      if (p >= bf.offset && p < bf.offset + bf.size) expect(b.params[p]).toBe(a.params[p] + 1);
      else expect(b.params[p]).toBe(a.params[p]);
    }
    expect(initModel(cfg("gru"), new Rng(13), { forgetBias: 1 }).params).toEqual(initModel(cfg("gru"), new Rng(13)).params);
  });
});

describe("initModel and helpers: validation", () => {
  const bad: [string, InitOptions][] = [
    ["scale", { scale: -1 }], ["scale", { scale: NaN }], ["forgetBias", { forgetBias: Infinity }],
    ["spectralRadius", { spectralRadius: -0.1 }], ["spectralRadius", { spectralRadius: NaN }], ["spectralRadius", { spectralRadius: Infinity }],
    ["lambda1", { lambda1: -1 }], ["lambda1", { lambda1: NaN }],
    ["spectralRadius and lambda1", { spectralRadius: 1, lambda1: 1 }], ["kind", { kind: "xavier" as InitKind }],
  ];
  for (const [field, opts] of bad) {
    it(`initModel throws a RangeError naming ${field} for ${JSON.stringify(opts, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v))}`, () => {
      expect(() => initModel(cfg("rnn"), new Rng(1), opts)).toThrow(RangeError);
      expect(() => initModel(cfg("rnn"), new Rng(1), opts)).toThrow(new RegExp(`^${field} `));
    });
  }

  it("initModel throws a RangeError naming spectralRadius / lambda1 when the drawn recurrent matrix is zero (gaussian, scale 0)", () => {
    expect(() => initModel(cfg("rnn"), new Rng(1), { kind: "gaussian", scale: 0, spectralRadius: 0.9 })).toThrow(/^spectralRadius 0.9 cannot be reached: the drawn Waa has spectralRadius 0/);
    expect(() => initModel(cfg("gru"), new Rng(1), { kind: "gaussian", scale: 0, lambda1: 2 })).toThrow(/^lambda1 2 cannot be reached: the drawn Wc\[:, :H\] has lambda1 0/);
    // A zero target on a zero matrix is reachable.
    expect(initModel(cfg("rnn"), new Rng(1), { kind: "gaussian", scale: 0, spectralRadius: 0 }).params.every((v) => v === 0)).toBe(true);
    expect(() => scaleToSpectralRadius(new Float64Array(4), 0, 2, 1)).toThrow(/^rho 1 cannot be reached/);
    expect(() => scaleToLambda1(new Float64Array(4), 0, 2, 1)).toThrow(/^s 1 cannot be reached/);
  });

  it("the helpers throw RangeErrors naming rho, s, n, ld, W and non-finite entries", () => {
    const W = new Float64Array([1, 2, 3, 4]);
    expect(() => scaleToSpectralRadius(W, 0, 2, -1)).toThrow(/^rho must be finite and >= 0, got -1/);
    expect(() => scaleToLambda1(W, 0, 2, NaN)).toThrow(/^s must be finite and >= 0, got NaN/);
    expect(() => spectralRadius(W, 0)).toThrow(/^n must be an integer in \[1, /);
    expect(() => spectralRadius(W, 2, 0, 1)).toThrow(/^ld must be an integer in \[2, /);
    expect(() => largestSingularValue(W, 3)).toThrow(/^W must hold at least off \+ \(n-1\)·ld \+ n = 9 entries, got 4/);
    expect(() => spectralRadius(new Float64Array([1, Infinity, 0, 1]), 2)).toThrow(/W\[0, 1\] must be finite, got Infinity/);
  });
});

describe("spectralRadius and largestSingularValue at extreme magnitudes", () => {
  it("give the scaled values for entries near 1e304 and 1e-304 (a diverged run's Waa)", () => {
    // regression: with entries around 1e304 the eigendecomposition overflowed and never returned (the
    // test then fails on vitest's timeout)
    const n = 8, rng = new Rng(3);
    const W = new Float64Array(n * n);
    rng.fillRandn(W, 0, n * n);
    const rho = spectralRadius(W, n), s1 = largestSingularValue(W, n);
    for (const k of [1010, -1010]) {
      const big = W.map((v) => v * 2 ** k); // exact
      expect(spectralRadius(big, n) / 2 ** k).toBeCloseTo(rho, 12);
      expect(largestSingularValue(big, n) / 2 ** k).toBeCloseTo(s1, 12);
    }
    expect(spectralRadius(new Float64Array(n * n), n)).toBe(0);
  });
});
