// The WebAssembly SIMD kernels (core/wasm/gemm.ts through src/simd.ts) against linalg's naive
// references, on random shapes that cross every tile edge (M, N mod 4), the chunking of rows (shapes
// wider than one 2 MB chunk), offsets and leading dimensions. The lanes of a vector are different
// output entries and there is no fused multiply-add, so the results are compared bit for bit (-0 and
// +0 equal: the naive gemmNN/gemmTN skip a zero A entry, the SIMD ones add its ±0 product).
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { gemmNN, gemmNT, gemmTN, orthonormalizeRowsCgs2 } from "../src/linalg";
import { gemmBackend, setGemmBackend, simdGemmNN, simdGemmNT, simdGemmTN, simdOrthonormalizeRowsCgs2, withPinned } from "../src/simd";
import { compareGemm, data, firstDiff, type GemmKind, type GemmShape } from "./support/kernel-data";

const FC = { seed: 20261128, numRuns: 200 };

type Gemm = typeof gemmNT;
type Simd = typeof simdGemmNT;
const KERNELS: [GemmKind, Gemm, Simd][] = [
  ["NT", gemmNT, simdGemmNT],
  ["NN", gemmNN, simdGemmNN],
  ["TN", gemmTN, simdGemmTN],
];

/** Naive against SIMD on the same random operands: the first differing index of C, or -1. */
function compare(kind: GemmKind, naive: Gemm, simd: Simd, s: GemmShape): number {
  const { diff, returned } = compareGemm(kind, naive, simd, s);
  expect(returned).toBe(true);
  return diff;
}

const size = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 70 }));
const shape = fc.record({
  M: size, N: size, K: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 150 })),
  aOff: fc.integer({ min: 0, max: 5 }), bOff: fc.integer({ min: 0, max: 5 }), cOff: fc.integer({ min: 0, max: 5 }),
  padA: fc.integer({ min: 0, max: 3 }), padB: fc.integer({ min: 0, max: 3 }), padC: fc.integer({ min: 0, max: 3 }),
  seed: fc.integer({ min: 0, max: 0xfffffff0 }),
});

afterEach(() => setGemmBackend("wasm"));

describe("WebAssembly SIMD gemm kernels", () => {
  it("load here (Node has WebAssembly SIMD), so the tests below exercise them and not the fallback", () => {
    expect(gemmBackend()).toBe("wasm");
  });

  for (const [kind, naive, simd] of KERNELS) {
    it(`${kind}: equals the naive JavaScript kernel bit for bit on random shapes, offsets and leading dimensions, and accumulates`, () => {
      fc.assert(fc.property(shape, (s) => compare(kind, naive, simd, s) === -1), FC);
    });

    it(`${kind}: equals it bit for bit when the rows come in several chunks (the memory stays bounded)`, () => {
      // chunkRows keeps a chunk near 2^18 doubles: K + N (or M + N for TN) of 3,000 gives 87-row chunks.
      const wide = kind === "TN"
        ? { M: 1500, N: 1501, K: 200 }
        : { M: 201, N: 1499, K: 1503 };
      expect(compare(kind, naive, simd, { ...wide, aOff: 3, bOff: 1, cOff: 2, padA: 1, padB: 2, padC: 3, seed: 99 })).toBe(-1);
    });
  }

  it("read a pinned B in place (withPinned): the same bits as unpinned, for blocks at any offset and stride", () => {
    // P plays the parameter vector: a (G·H) × (H + I) block with ld H + I + 3, at offset 5
    const H = 37, I = 11, GH = 4 * H, ld = H + I + 3, M = 9;
    const P = data(5 + GH * ld + 7, 41);
    for (const [kind, naive, simd] of KERNELS.slice(0, 2)) {
      const A = data(M * (kind === "NT" ? H : GH), 42);
      const want = data(M * (kind === "NT" ? GH : H), 43, false), got = want.slice(), plain = want.slice();
      const [N, K, lda] = kind === "NT" ? [GH, H, H] : [H, GH, GH];
      naive(want, 0, N, A, 0, lda, P, 5 + 2, ld, M, N, K);
      simd(plain, 0, N, A, 0, lda, P, 5 + 2, ld, M, N, K);
      const r = withPinned(P, () => { simd(got, 0, N, A, 0, lda, P, 5 + 2, ld, M, N, K); return 7; });
      expect(r).toBe(7);
      expect(firstDiff(got, want)).toBe(-1);
      expect(firstDiff(plain, want)).toBe(-1);
    }
  });

  it("unpin after fn throws, so a later change of the array is seen", () => {
    const N = 8, K = 16, M = 8;
    const B = data(N * K, 5), A = data(M * K, 6);
    expect(() => withPinned(B, () => { throw new Error("boom"); })).toThrow("boom");
    B.fill(0); // were B still pinned, the stale copy would be read
    const C = new Float64Array(M * N);
    simdGemmNT(C, 0, N, A, 0, K, B, 0, K, M, N, K);
    expect(Array.from(C).every((v) => v === 0)).toBe(true);
  });

  it("keep IEEE semantics: infinities, NaN and subnormals pass through as in JavaScript", () => {
    const M = 6, N = 5, K = 7;
    const A = data(M * K, 1, false), B = data(N * K, 2, false);
    A[3] = Infinity; A[10] = 5e-324; B[4] = NaN; B[20] = -1e-310; A[30] = 1e300; B[9] = 1e300;
    const C0 = data(M * N, 3, false), C1 = C0.slice();
    gemmNT(C0, 0, N, A, 0, K, B, 0, K, M, N, K);
    simdGemmNT(C1, 0, N, A, 0, K, B, 0, K, M, N, K);
    expect(Array.from(C1).map(String)).toEqual(Array.from(C0).map(String));
  });

  it("do nothing and return false when the backend is set to js", () => {
    setGemmBackend("js");
    expect(gemmBackend()).toBe("js");
    const C = new Float64Array(4);
    expect(simdGemmNT(C, 0, 2, new Float64Array(4).fill(1), 0, 2, new Float64Array(4).fill(1), 0, 2, 2, 2, 2)).toBe(false);
    expect(Array.from(C)).toEqual([0, 0, 0, 0]);
    expect(() => setGemmBackend("gpu" as "js")).toThrow(/backend must be "wasm" or "js", got gpu/);
  });
});

describe("WebAssembly CGS2 (the Lyapunov loop's QR)", () => {
  const qrShape = fc.record({
    rows: fc.integer({ min: 1, max: 40 }), extra: fc.integer({ min: 0, max: 30 }), off: fc.integer({ min: 0, max: 5 }),
    pad: fc.integer({ min: 0, max: 3 }), seed: fc.integer({ min: 0, max: 0xfffffff0 }),
    special: fc.constantFrom("none", "zero-row", "dependent-row", "nan", "tiny"),
  });

  it("equals orthonormalizeRowsCgs2 in JavaScript bit for bit (rows, log R_ii), with zero, dependent, NaN and tiny rows", () => {
    fc.assert(fc.property(qrShape, ({ rows, extra, off, pad, seed, special }) => {
      const cols = rows + extra, ld = cols + pad;
      const X = data(off + rows * ld, seed, false);
      const row = (i: number) => off + i * ld;
      if (special === "zero-row") X.fill(0, row(rows >> 1), row(rows >> 1) + cols);
      if (special === "dependent-row" && rows > 1) for (let k = 0; k < cols; k++) X[row(rows - 1) + k] = 3 * X[row(0) + k];
      if (special === "nan") X[row(rows >> 1)] = NaN;
      if (special === "tiny") for (let k = 0; k < cols; k++) X[row(0) + k] *= 1e-300;
      const js = X.slice(), wasm = X.slice();
      const lj = new Float64Array(rows + 2).fill(7), lw = lj.slice();
      setGemmBackend("js");
      orthonormalizeRowsCgs2(lj, 1, js, off, ld, rows, cols, new Float64Array(rows));
      setGemmBackend("wasm");
      expect(simdOrthonormalizeRowsCgs2(lw, 1, wasm, off, ld, rows, cols)).toBe(true);
      return firstDiff(js, wasm) === -1 && firstDiff(lj, lw) === -1 && js.every((v, i) => Object.is(v, wasm[i]));
    }), FC);
  });

  it("does nothing and returns false with the js backend", () => {
    const rows = 40, cols = 40;
    const X = data(rows * cols, 5, false), Y = X.slice(), l = new Float64Array(rows);
    setGemmBackend("js");
    expect(simdOrthonormalizeRowsCgs2(l, 0, Y, 0, cols, rows, cols)).toBe(false);
    expect(firstDiff(X, Y)).toBe(-1);
  });
});
