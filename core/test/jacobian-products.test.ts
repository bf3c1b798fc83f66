// Streamed Jacobian products P(T,k) = J_T ⋯ J_{k+1}: closed forms at T = 10,000, and the explicit
// product for short sequences (fast-check).
import fc from "fast-check";
import { Matrix, QrDecomposition, SingularValueDecomposition } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { jacobianProducts } from "../src/analysis/jacobian-products";
import { stateSize, stepJacobian } from "../src/analysis/step-jacobian";
import { makeConfig, type Model } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { sequenceForward } from "../src/sequence";
import { setGemmBackend } from "../src/simd";
import { Tape } from "../src/tape";
import { CELL_CASES, randomModel } from "./support/random-case";

/** A linear RNN (identity activation) with Waa = W and a zero trajectory, so J_t = W at every step. */
function linearRnn(W: Float64Array, H: number, T: number): { model: Model; tape: Tape } {
  const config = makeConfig({ cell: "rnn", activation: "identity", I: 1, H, O: 1 });
  const L = paramLayout(config);
  const params = new Float64Array(L.size);
  params.set(W, L.byName.Waa.offset);
  const model = { config, params };
  const tape = new Tape(config, T, 1);
  sequenceForward(tape, params, L, new Float64Array(T), null, null);
  return { model, tape };
}

function randomOrthogonal(H: number, rng: Rng): Float64Array {
  const g = new Float64Array(H * H);
  rng.fillRandn(g, 0, g.length);
  const q = new QrDecomposition(new Matrix(Array.from({ length: H }, (_, i) => Array.from(g.subarray(i * H, i * H + H))))).orthogonalMatrix;
  return Float64Array.from(q.to1DArray());
}

describe("jacobianProducts", () => {
  for (const s of [0.5, 0.9, 1, 1.1]) {
    it(`jacobianProducts on a linear RNN with Waa = ${s}·Q (Q orthogonal) gives every singular value s^(T-k) at T = 10,000, to 1e-9 in log10`, () => {
      const H = 5, T = 10_000;
      const Q = randomOrthogonal(H, new Rng(3));
      const { model, tape } = linearRnn(Q.map((v) => s * v), H, T);
      const r = jacobianProducts(model, tape, { svd: H });
      for (const k of [0, 1, 5000, 9999, 10_000]) {
        const want = (T - k) * Math.log10(s);
        for (let j = 0; j < H; j++) expect(Math.abs(r.log10Singular[k * H + j] - want)).toBeLessThan(1e-9);
        expect(Math.abs(r.log10Spectral[k] - want)).toBeLessThan(1e-9);
        expect(Math.abs(r.log10Frobenius[k] - (want + 0.5 * Math.log10(H)))).toBeLessThan(1e-9);
      }
    });
  }

  it("jacobianProducts on a linear RNN with a diagonal Waa gives |d_i|^(T-k), sorted, far below 1e-308", () => {
    const d = [0.5, -0.9, 0.99, 1.02, -0.2];
    const H = d.length, T = 3000;
    const W = new Float64Array(H * H);
    d.forEach((v, i) => (W[i * H + i] = v));
    const { model, tape } = linearRnn(W, H, T);
    const r = jacobianProducts(model, tape, { svd: H });
    const sortedAbs = d.map(Math.abs).sort((a, b) => b - a);
    for (const k of [0, 10, 1500, 2999]) {
      for (let j = 0; j < H; j++) {
        expect(Math.abs(r.log10Singular[k * H + j] - (T - k) * Math.log10(sortedAbs[j]))).toBeLessThan(1e-9);
      }
    }
    expect(r.log10Singular[0 * H + 4]).toBeLessThan(-2000); // 0.2^3000 ≈ 10^-2097
  });

  it("jacobianProducts' Frobenius norms and singular values equal those of the explicitly multiplied product (T ≤ 30, every cell)", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: CELL_CASES.length - 1 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: 0.2, max: 2.5, noNaN: true }),
      (ci, T, H, I, seed, scale) => {
        const config = makeConfig({ ...CELL_CASES[ci].config, I, H, O: 1 });
        const rng = new Rng(seed);
        const model = randomModel(config, rng, scale);
        const L = paramLayout(config);
        const B = 2, b = 1;
        const x = new Float64Array(T * B * I);
        rng.fillRandn(x, 0, x.length);
        const tape = new Tape(config, T, B);
        sequenceForward(tape, model.params, L, x, null, null);
        const n = stateSize(config);
        const r = jacobianProducts(model, tape, { svd: n, b });
        // explicit: P(T,k) = P(T,k+1)·J_{k+1}
        let P = Matrix.eye(n);
        const J = new Float64Array(n * n);
        for (let k = T - 1; k >= 0; k--) {
          stepJacobian(J, tape, model.params, L, k + 1, b);
          P = P.mmul(new Matrix(Array.from({ length: n }, (_, i) => Array.from(J.subarray(i * n, i * n + n)))));
          const fro = P.norm("frobenius");
          if (fro > 1e-200 && fro < 1e200) {
            expect(Math.abs(r.log10Frobenius[k] - Math.log10(fro))).toBeLessThan(1e-10);
            const sv = new SingularValueDecomposition(P, { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal;
            // singular values within 1e-12 of the largest are resolved by both; compare those
            for (let j = 0; j < n; j++) {
              if (sv[j] > sv[0] * 1e-8) expect(Math.abs(r.log10Singular[k * n + j] - Math.log10(sv[j]))).toBeLessThan(1e-7);
            }
          }
        }
      }), { seed: 4321, numRuns: 60 });
  });

  it("gives the same bits with its column operations and products in WebAssembly as in JavaScript (n even and odd, every cell)", () => {
    for (const cc of CELL_CASES) for (const H of [7, 12, 33]) {
      const T = 40, I = 2;
      const config = makeConfig({ ...cc.config, I, H, O: 1 });
      const rng = new Rng(H);
      const model = randomModel(config, rng, 1.5);
      const x = new Float64Array(T * I);
      rng.fillRandn(x, 0, x.length);
      const tape = new Tape(config, T, 1);
      sequenceForward(tape, model.params, paramLayout(config), x, null, null);
      const opts = { svd: 4, reorth: 3 };
      setGemmBackend("js");
      let js;
      try {
        js = jacobianProducts(model, tape, opts);
      } finally {
        setGemmBackend("wasm");
      }
      const wasm = jacobianProducts(model, tape, opts);
      expect(wasm.sweeps).toBe(js.sweeps);
      for (const f of ["log10Spectral", "log10Frobenius", "log10Singular"] as const) {
        expect(Array.from(wasm[f]).every((v, i) => Object.is(v, js[f][i])), `${cc.name} H=${H} ${f}`).toBe(true);
      }
    }
  });
});
