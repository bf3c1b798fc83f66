// Float32 products (setMatmulPrecision("float32")): the f32x4 kernels of core/wasm/gemm.ts (pnn32,
// tail32, tn32 through simd.ts) against linalg's JavaScript references gemmNT32/NN32/TN32, compared with
// Object.is (so -0 against +0 counts too): each entry is one float32 sum from +0, every step rounded to
// float32, added once to the float64 C, in the same order on both sides. Then the switch itself: which
// products it reaches, and what it does to a training step's gradients.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { gemmNN, gemmNN32, gemmNNBlocked, gemmNT, gemmNT32, gemmNTBlocked, gemmTN32, gemmTNBlocked } from "../src/linalg";
import { matmulPrecision, pinnedPanelBlocks, setGemmBackend, setMatmulPrecision, simdGemmNN, simdGemmNT, simdGemmTN, wasmMemoryBytes, withPinned } from "../src/simd";
import { makeConfig } from "../src/model";
import { initModel } from "../src/init";
import { lossAndGrads } from "../src/bptt";
import { maskLast } from "../src/loss-spec";
import { Rng } from "../src/rng";
import { data, firstDiff, type GemmKind, type GemmShape } from "./support/kernel-data";

afterEach(() => { setGemmBackend("wasm"); setMatmulPrecision("float64"); });

type Gemm = typeof gemmNT32;
type Simd = typeof simdGemmNT;
/** A simd.ts entry point called with float32 products on (they read the switch), float64 again after. */
const in32 = (f: Simd): Simd => (...a) => {
  setMatmulPrecision("float32");
  try { return f(...a); } finally { setMatmulPrecision("float64"); }
};
const KERNELS: [GemmKind, Gemm, Simd][] = [
  ["NT", gemmNT32, in32(simdGemmNT)],
  ["NN", gemmNN32, in32(simdGemmNN)],
  ["TN", gemmTN32, in32(simdGemmTN)],
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

  it("give the reference's bits when the call itself grows the memory (heap and heap32 replaced mid-call)", () => {
    // first here in the file, while the memory is small; sized from it anyway, so the growth is real
    for (const [kind, ref, simd] of KERNELS) {
      run(kind, ref, simd, { M: 4, N: 8, K: 8, aOff: 0, bOff: 0, cOff: 0, padA: 0, padB: 0, padC: 0, seed: 1 }); // loads the module
      const before = wasmMemoryBytes();
      const s = Math.ceil(Math.sqrt(before / 4)) + 9; // TN: its float32 sums (s² floats) alone; NT, NN: B's copy (s² doubles)
      const dims = kind === "TN" ? { M: s, N: s + 3, K: 3 } : { M: 5, N: s + 3, K: s };
      expect(run(kind, ref, simd, { ...dims, aOff: 1, bOff: 2, cOff: 3, padA: 1, padB: 0, padC: 2, seed: 9 })).toBe(-1);
      expect(wasmMemoryBytes()).toBeGreaterThan(before);
    }
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

    it(`${kind}: each sum starts at +0: every product -0 and C = -0 give C = +0 (a sum started at -0 would leave -0)`, () => {
      const zeros = (n: number) => new Float64Array(n);
      for (const [M, N, K] of [[9, 19, 13], [4, 8, 1], [3, 5, 2]]) {
        const lda = kind === "TN" ? M : K, ldb = kind === "NT" ? K : N;
        for (const [a, b] of [[0, -1.5], [-0, 2]]) {
          const A = zeros(M * K).fill(a), B = zeros(N * K).fill(b);
          const want = zeros(M * N).fill(-0), got = want.slice();
          ref(want, 0, N, A, 0, lda, B, 0, ldb, M, N, K);
          expect(simd(got, 0, N, A, 0, lda, B, 0, ldb, M, N, K)).toBe(true);
          expect([firstUnlike(want, zeros(M * N)), firstUnlike(got, zeros(M * N))]).toEqual([-1, -1]);
        }
      }
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

  it("keep one panel set per layout and precision of a block in one pin, also where NT's and NN's, or the 4- and 8-column, blocks coincide", () => {
    // W = P[3 ..) is GH×H at row stride ld: NT reads it as (GH & ~7 or ~3)×H panels, NN as GH×(H & ~7 or ~3).
    // H = 34: the float32 and float64 panels of each have the same rows and columns; H = 40: NT's and NN's too.
    type G = typeof gemmNT;
    for (const H of [34, 40]) {
      const GH = 4 * H, ld = H + 5, M = 9;
      const P = data(3 + GH * ld, 44 + H);
      const cases: { r32: G; r64: G; blocked: G; A: Float64Array; lda: number; N: number; K: number }[] = [
        { r32: gemmNT32, r64: gemmNT, blocked: gemmNTBlocked, A: data(M * H, 45), lda: H, N: GH, K: H },
        { r32: gemmNN32, r64: gemmNN, blocked: gemmNNBlocked, A: data(M * GH, 46), lda: GH, N: H, K: GH },
      ];
      const product = (f: G, c: (typeof cases)[number]) => { const C = data(M * c.N, 47, false); f(C, 0, c.N, c.A, 0, c.lda, P, 3, ld, M, c.N, c.K); return C; };
      const precisions = ["float32", "float64", "float32"] as const;
      const got = withPinned(P, () => {
        const out = precisions.flatMap((p) => { setMatmulPrecision(p); return cases.map((c) => product(c.blocked, c)); });
        return { out, blocks: pinnedPanelBlocks() };
      });
      expect(got.blocks).toBe(4);
      const want = precisions.flatMap((p) => cases.map((c) => product(p === "float32" ? c.r32 : c.r64, c)));
      expect(got.out.map((c, i) => (precisions[i >> 1] === "float32" ? firstUnlike : firstDiff)(c, want[i]))).toEqual([-1, -1, -1, -1, -1, -1]);
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
