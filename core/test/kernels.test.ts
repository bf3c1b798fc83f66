// The register-blocked kernels against their naive references (STYLE.md §C.9), on random shapes
// (edge sizes 1..9 and sizes that cross the 4- and 8-wide blocks and gemmTNBlocked's 64-row chunks),
// offsets and leading dimensions. Each blocked kernel performs the same operations in the same order
// as its reference, so the results are compared bit for bit (-0 and +0 count as equal: the naive
// gemmNN/gemmTN skip a zero A entry, the blocked ones add its ±0 product).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addColumnSums, addColumnSumsBlocked, gemmNN, gemmNNBlocked, gemmNT, gemmNTBlocked, gemmTN, gemmTNBlocked,
} from "../src/linalg";
import { compareGemm, data, firstDiff, type GemmKind } from "./support/kernel-data";
import { setGemmBackend, type GemmBackend } from "../src/simd";

const FC = { seed: 20261127, numRuns: 300 };

type Gemm = typeof gemmNT;
const KERNELS: [string, Gemm, Gemm][] = [
  ["gemmNTBlocked", gemmNT, gemmNTBlocked],
  ["gemmNNBlocked", gemmNN, gemmNNBlocked],
  ["gemmTNBlocked", gemmTN, gemmTNBlocked],
];


const size = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 40 }));
const shape = fc.record({
  M: size, N: size,
  K: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 200 })),
  aOff: fc.integer({ min: 0, max: 5 }), bOff: fc.integer({ min: 0, max: 5 }), cOff: fc.integer({ min: 0, max: 5 }),
  padA: fc.integer({ min: 0, max: 3 }), padB: fc.integer({ min: 0, max: 3 }), padC: fc.integer({ min: 0, max: 3 }),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
});

// Each test runs with large products in JavaScript and again in WebAssembly SIMD (linalg hands products
// of SIMD_MIN_WORK multiply-adds and more to simd.ts); both must equal the naive kernels.
for (const backend of ["js", "wasm"] as GemmBackend[])
describe(`register-blocked gemm kernels equal their naive references (large products in ${backend})`, () => {
  beforeAll(() => setGemmBackend(backend));
  afterAll(() => setGemmBackend("wasm"));
  for (const [name, naive, blocked] of KERNELS) {
    it(`${name}(C, A, B, M, N, K) equals the naive kernel bit for bit on random shapes, offsets and leading dimensions, and accumulates`, () => {
      // stored shapes: NT: A (M, K), B (N, K); NN: A (M, K), B (K, N); TN: A (K, M), B (K, N)
      const kind = name.slice(4, 6) as GemmKind;
      fc.assert(fc.property(shape, (s) => {
        expect(compareGemm(kind, naive, blocked, s).diff).toBe(-1);
      }), FC);
    });
  }

  it("gemmNTBlocked, gemmNNBlocked and gemmTNBlocked match on every shape 1..9 × 1..9 × {1, 4, 7, 65} exactly", () => {
    for (const [, naive, blocked] of KERNELS) {
      for (let M = 1; M <= 9; M++) for (let N = 1; N <= 9; N++) for (const K of [1, 4, 7, 65]) {
        const n = 3 + 9 * 70 * 2;
        const A = data(n, M * 100 + N * 10 + K), B = data(n, M + N + K + 7), C0 = data(5 + 9 * 12, K, false);
        const C1 = C0.slice();
        const ld = Math.max(M, N, K) + 2;
        naive(C0, 5, N + 3, A, 3, ld, B, 2, ld + 1, M, N, K);
        blocked(C1, 5, N + 3, A, 3, ld, B, 2, ld + 1, M, N, K);
        expect(firstDiff(C1, C0)).toBe(-1);
      }
    }
  });

  it("gemmTNBlocked over rows [0, K) equals two calls over [s, K) then [0, s): the order checkpointed BPTT relies on", () => {
    fc.assert(fc.property(shape, fc.integer({ min: 0, max: 1000 }), (s, cut) => {
      const { M, N, K } = s;
      const split = cut % (K + 1);
      const A = data(K * M, s.seed), B = data(K * N, s.seed + 1);
      const C0 = data(M * N, s.seed + 2, false), C1 = C0.slice();
      gemmTNBlocked(C0, 0, N, A, 0, M, B, 0, N, M, N, K);
      gemmTNBlocked(C1, 0, N, A, split * M, M, B, split * N, N, M, N, K - split);
      gemmTNBlocked(C1, 0, N, A, 0, M, B, 0, N, M, N, split);
      for (let i = 0; i < C0.length; i++) expect(Object.is(C1[i], C0[i])).toBe(true);
    }), { ...FC, numRuns: 100 });
  });

  it("gemmNTBlocked, gemmNNBlocked and gemmTNBlocked with K = 0 leave C unchanged", () => {
    for (const [, , blocked] of KERNELS) {
      const C = data(20, 3, false), C0 = C.slice();
      blocked(C, 0, 4, data(20, 4), 0, 4, data(20, 5), 0, 4, 3, 4, 0);
      expect(Array.from(C)).toEqual(Array.from(C0));
    }
  });
});

describe("addColumnSumsBlocked", () => {
  it("addColumnSumsBlocked(b, A, rows, cols) equals addColumnSums bit for bit (rows last to first) with offsets and ld", () => {
    fc.assert(fc.property(shape, ({ M: rows, N: cols, aOff, padA, cOff, seed }) => {
      const lda = cols + padA;
      const A = data(aOff + rows * lda, seed);
      const b0 = data(cOff + cols + 2, seed + 1, false), b1 = b0.slice();
      addColumnSums(b0, cOff, A, aOff, lda, rows, cols);
      addColumnSumsBlocked(b1, cOff, A, aOff, lda, rows, cols);
      expect(firstDiff(b1, b0)).toBe(-1);
    }), FC);
  });
});
