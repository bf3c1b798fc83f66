// Float32 products (setMatmulPrecision("float32")): the f32x4 kernels of core/wasm/gemm.ts (pnn32,
// tail32, tn32 through simd.ts) against linalg's JavaScript references gemmNT32/NN32/TN32, compared with
// Object.is (so -0 against +0 counts too): each entry is one float32 sum from +0, every step rounded to
// float32, added once to the float64 C, in the same order on both sides. Then the switch itself: which
// products it reaches, and what it does to a training step's gradients.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { gemmNN32, gemmNNBlocked, gemmNT32, gemmNTBlocked, gemmTN32, gemmTNBlocked } from "../src/linalg";
import { matmulPrecision, pinnedPanelBlocks, setGemmBackend, setMatmulPrecision, simdGemmNN32, simdGemmNT32, simdGemmTN32, withPinned } from "../src/simd";
import { makeConfig } from "../src/model";
import { initModel } from "../src/init";
import { lossAndGrads } from "../src/bptt";
import { maskLast } from "../src/loss-spec";
import { Rng } from "../src/rng";
import { data, type GemmKind, type GemmShape } from "./support/kernel-data";

afterEach(() => { setGemmBackend("wasm"); setMatmulPrecision("float64"); });

type Gemm = typeof gemmNT32;
type Simd = typeof simdGemmNT32;
const KERNELS: [GemmKind, Gemm, Simd][] = [
  ["NT", gemmNT32, simdGemmNT32],
  ["NN", gemmNN32, simdGemmNN32],
  ["TN", gemmTN32, simdGemmTN32],
];

/** Index of the first entry where Object.is(a[i], b[i]) fails, or -1. */
function firstUnlike(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Operands of a random shape (as kernel-data's compareGemm stores them), run through reference and candidate. */
function run(kind: GemmKind, ref: Gemm, cand: Simd, s: GemmShape, tweak?: (A: Float64Array, B: Float64Array, C: Float64Array) => void): number {
  const { M, N, K } = s;
  const aRows = kind === "TN" ? K : M, aCols = kind === "TN" ? M : K;
  const bRows = kind === "NT" ? N : K, bCols = kind === "NT" ? K : N;
  const lda = aCols + s.padA, ldb = bCols + s.padB, ldc = N + s.padC;
  const A = data(s.aOff + aRows * lda, s.seed), B = data(s.bOff + bRows * ldb, s.seed + 1);
  const C0 = data(s.cOff + M * ldc, s.seed + 2, false);
  tweak?.(A, B, C0);
  const C1 = C0.slice();
  ref(C0, s.cOff, ldc, A, s.aOff, lda, B, s.bOff, ldb, M, N, K);
  expect(cand(C1, s.cOff, ldc, A, s.aOff, lda, B, s.bOff, ldb, M, N, K)).toBe(true);
  return firstUnlike(C0, C1);
}

const size = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 13, max: 70 }));
const shape = fc.record({
  M: size, N: size, K: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 150 })),
  aOff: fc.integer({ min: 0, max: 5 }), bOff: fc.integer({ min: 0, max: 5 }), cOff: fc.integer({ min: 0, max: 5 }),
  padA: fc.integer({ min: 0, max: 3 }), padB: fc.integer({ min: 0, max: 3 }), padC: fc.integer({ min: 0, max: 3 }),
  seed: fc.integer({ min: 0, max: 0xfffffff0 }),
});

describe("float32 product kernels (f32x4) against their JavaScript references", () => {
  it("the reference rounds every step to float32 and adds the sum to the float64 C once", () => {
    const C = new Float64Array([0.25]);
    gemmNT32(C, 0, 1, new Float64Array([1 / 3, 1e-9]), 0, 2, new Float64Array([1, 1]), 0, 2, 1, 1, 2);
    // f32(1/3) + f32(1e-9) rounds back to f32(1/3) in float32: the 1e-9 is lost, as float32 loses it
    expect(C[0]).toBe(0.25 + Math.fround(1 / 3));
  });

  for (const [kind, ref, simd] of KERNELS) {
    it(`${kind}: bit for bit (Object.is) on random shapes, offsets and strides, every row and column tail`, () => {
      fc.assert(fc.property(shape, (s) => run(kind, ref, simd, s) === -1), { seed: 20261128, numRuns: 150 });
    });

    it(`${kind}: bit for bit across row chunks (NT, NN) or summed-row chunks (TN)`, () => {
      const wide = kind === "TN" ? { M: 1500, N: 1501, K: 100 } : { M: 100, N: 1499, K: 1503 };  // 2 chunks
      expect(run(kind, ref, simd, { ...wide, aOff: 3, bOff: 1, cOff: 2, padA: 1, padB: 2, padC: 3, seed: 7 })).toBe(-1);
    });

    it(`${kind}: bit for bit on special values: NaN, ±Infinity, ±0, float32 overflow and subnormals`, () => {
      const specials = [NaN, Infinity, -Infinity, -0, 0, 1e39, -1e39, 1e-40, -1e-44, 3.4028235677973366e38, 1e-300];
      const rng = new Rng(3);
      const poke = (x: Float64Array) => { for (let i = 0; i < x.length; i++) if (rng.randomSample() < 0.08) x[i] = specials[Math.floor(rng.randomSample() * specials.length)]; };
      for (const s of [{ M: 9, N: 19, K: 13 }, { M: 4, N: 8, K: 8 }, { M: 33, N: 17, K: 40 }]) {
        expect(run(kind, ref, simd, { ...s, aOff: 1, bOff: 2, cOff: 0, padA: 0, padB: 1, padC: 2, seed: 11 }, (A, B, C) => { poke(A); poke(B); poke(C); })).toBe(-1);
      }
      // C entries of -0 with all-zero products: -0 + (+0) is +0 in both
      expect(run(kind, ref, simd, { M: 5, N: 9, K: 8, aOff: 0, bOff: 0, cOff: 0, padA: 0, padB: 0, padC: 0, seed: 1 }, (A, _B, C) => { A.fill(0); C.fill(-0); })).toBe(-1);
    });
  }

  it("read pinned weights as float32 panels, cached per pin apart from the float64 panels of the same block", () => {
    const H = 37, I = 11, GH = 4 * H, ld = H + I + 3, M = 9;
    const P = data(5 + GH * ld + 7, 41);
    for (const [kind, ref, simd] of KERNELS.slice(0, 2)) {
      const A = data(M * (kind === "NT" ? H : GH), 42);
      const want = data(M * (kind === "NT" ? GH : H), 43, false), got = want.slice(), again = want.slice();
      const [N, K, lda] = kind === "NT" ? [GH, H, H] : [H, GH, GH];
      ref(want, 0, N, A, 0, lda, P, 7, ld, M, N, K);
      ref(want, 0, N, A, 0, lda, P, 7, ld, M, N, K);
      const blocks = withPinned(P, () => {
        simd(got, 0, N, A, 0, lda, P, 7, ld, M, N, K);
        simd(got, 0, N, A, 0, lda, P, 7, ld, M, N, K); // the cached panels
        const n = pinnedPanelBlocks();
        (kind === "NT" ? gemmNTBlocked : gemmNNBlocked)(again, 0, N, A, 0, lda, P, 7, ld, M, N, K); // float64: its own panels
        return [n, pinnedPanelBlocks()];
      });
      expect(blocks).toEqual([1, 2]);
      expect(firstUnlike(got, want)).toBe(-1);
    }
  });
});

describe("setMatmulPrecision", () => {
  it("rejects anything but float64 and float32, naming the allowed values", () => {
    expect(() => setMatmulPrecision("float16" as never)).toThrow(/"float64" or "float32", got float16/);
    expect(matmulPrecision()).toBe("float64");
  });

  it("sends the large products (and only those) to the float32 kernels, with the same bits without WebAssembly", () => {
    const s: GemmShape = { M: 32, N: 40, K: 64, aOff: 0, bOff: 0, cOff: 0, padA: 0, padB: 0, padC: 0, seed: 5 };
    const blocked: [GemmKind, Gemm, Gemm][] = [["NT", gemmNT32, gemmNTBlocked], ["NN", gemmNN32, gemmNNBlocked], ["TN", gemmTN32, gemmTNBlocked]];
    setMatmulPrecision("float32");
    for (const backend of ["wasm", "js"] as const) {
      setGemmBackend(backend);
      for (const [kind, ref, b] of blocked) {
        expect(run(kind, ref, ((...a: Parameters<Gemm>) => { b(...a); return true; }) as Simd, s)).toBe(-1);
      }
    }
    // a small product (below SIMD_MIN_WORK) stays float64: bits of float64 sums, not of float32 ones
    const A = new Float64Array([1 / 3, 1 / 7, 1 / 9, 1 / 11]), B = new Float64Array([1, 1, 1, 1]);
    const C = new Float64Array(1), C32 = new Float64Array(1);
    gemmNTBlocked(C, 0, 1, A, 0, 4, B, 0, 4, 1, 1, 4);
    gemmNT32(C32, 0, 1, A, 0, 4, B, 0, 4, 1, 1, 4);
    expect(C[0]).toBe(1 / 3 + 1 / 7 + 1 / 9 + 1 / 11);
    expect(C[0]).not.toBe(C32[0]);
  });

  it("a batched LSTM step: the same bits with and without WebAssembly, within float32 rounding of float64", () => {
    const H = 32, I = 8, T = 12, B = 16;
    const model = initModel(makeConfig({ cell: "lstm", I, H }), new Rng(3));
    const rng = new Rng(4);
    const x = new Float64Array(T * B * I);
    rng.fillRandn(x, 0, x.length);
    const targets = new Float64Array(T * B);
    rng.fillRandn(targets, 0, targets.length);
    const batch = { x, T, B, targets };
    const spec = { loss: "mse" as const, reduction: "mean" as const, mask: maskLast(T) };
    const f64 = lossAndGrads(null, model, batch, spec);
    const g64 = f64.grads.dparams.slice();
    setMatmulPrecision("float32");
    const a = lossAndGrads(null, model, batch, spec);
    const gw = a.grads.dparams.slice();
    setGemmBackend("js");
    const b = lossAndGrads(null, model, batch, spec);
    expect(Object.is(a.loss, b.loss)).toBe(true);
    expect(firstUnlike(gw, b.grads.dparams)).toBe(-1);
    // float32 products did run: the gradients are not float64's bits, but within float32 rounding
    expect(firstUnlike(gw, g64)).not.toBe(-1);
    expect(Math.abs(a.loss - f64.loss)).toBeLessThan(1e-5 * Math.abs(f64.loss));
    let d = 0, n = 0;
    for (let i = 0; i < g64.length; i++) { d += (gw[i] - g64[i]) ** 2; n += g64[i] ** 2; }
    expect(Math.sqrt(d / n)).toBeLessThan(1e-5);
  });
});
