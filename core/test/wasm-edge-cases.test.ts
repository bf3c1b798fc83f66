// Edge cases of the batch-1 matvec, CGS2 and Jacobi-column kernels in WebAssembly (core/wasm/gemm.ts through
// src/simd.ts): every result compared with its JavaScript path bit for bit with Object.is (so -0 and
// +0 differ, NaN equals NaN), on IEEE special values (±0, ±Infinity, NaN, subnormals, near-overflow),
// shapes across every tail of the kernels, offsets and strides; the life cycle of the pin's cache of
// transposed blocks (across pins, nesting, growth of the module's memory, other scratch users); and the
// Jacobi scan's pair order and skipping against the JavaScript loop it replaces.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { jacobianProducts } from "../src/analysis/jacobian-products";
import { pairDots, rotatePair } from "../src/analysis/jacobi-columns";
import { affineRow, matvecRow, vecmatRow } from "../src/cells/row-kernels";
import { gemmNN, gemmNNBlocked, gemmNT, gemmNTBlocked, gemmTN, orthonormalizeRowsCgs2, SIMD_MIN_WORK } from "../src/linalg";
import { makeConfig, type Model } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { sequenceForward } from "../src/sequence";
import {
  gemmBackend, isPinned, pinnedPanelBlocks, setGemmBackend, SIMD_ROW_MIN_WORK, simdGemmNN, simdGemmNT, simdGemmTN, simdMatvecRow,
  simdOrthonormalizeRowsCgs2, simdVecmatRow, WasmColumns, withPinned,
} from "../src/simd";
import { Tape } from "../src/tape";

const FC = { seed: 20261127, numRuns: 150 };

afterEach(() => setGemmBackend("wasm"));

/** IEEE values that tell kernels apart: signed zeros, infinities, NaN, subnormals, near-overflow. */
const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 1e-310, -2.5e-309, 1e308, -1e308, 1e-300, 1, -1];

/** n values ~ N(0,1) from seed; each entry replaced by a SPECIAL with probability pSpecial. */
function mixed(n: number, seed: number, pSpecial: number): Float64Array {
  const rng = new Rng(seed >>> 0);
  const a = new Float64Array(n);
  rng.fillRandn(a, 0, n);
  for (let i = 0; i < n; i++) if (rng.randomSample() < pSpecial) a[i] = SPECIAL[rng.uniformInt(SPECIAL.length)];
  return a;
}

/** Index of the first entry that differs in the sense of Object.is (-0 ≠ +0, NaN = NaN), or -1. */
function diffBits(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Runs fn with the JavaScript backend, then restores wasm. */
function inJs<T>(fn: () => T): T {
  setGemmBackend("js");
  try {
    return fn();
  } finally {
    setGemmBackend("wasm");
  }
}

it("the wasm backend loads here, so every comparison below exercises it", () => {
  expect(gemmBackend()).toBe("wasm");
});

// ---------------------------------------------------------------------------------------------------
// Batch-1 products (mv through simdMatvecRow / simdVecmatRow) on special values
// ---------------------------------------------------------------------------------------------------

describe("batch-1 products in WebAssembly on IEEE special values", () => {
  const shape = fc.record({
    // N crosses the 16-, 2- and 1-wide passes; K odd and even, K = 1 included (via large N)
    N: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 500, max: 530 })),
    K: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 13, max: 61 })),
    yOff: fc.integer({ min: 0, max: 3 }), wOff: fc.integer({ min: 0, max: 3 }), xOff: fc.integer({ min: 0, max: 3 }),
    pad: fc.integer({ min: 0, max: 3 }), p: fc.constantFrom(0, 0.05, 0.3, 1), seed: fc.integer({ min: 0, max: 0x7ffffff0 }),
  }).filter(({ N, K }) => N * K >= SIMD_ROW_MIN_WORK);

  // matvec reads W (N, K) through a transposed copy, vecmat reads W (K, N) in place
  for (const kind of ["matvec", "vecmat"] as const) {
    it(`${kind}Row: simd${kind === "matvec" ? "Matvec" : "Vecmat"}Row runs and matches the JavaScript kernel bit for bit (-0, NaN, ±Infinity, subnormals)`, () => {
      fc.assert(fc.property(shape, ({ N, K, yOff, wOff, xOff, pad, p, seed }) => {
        const mv = kind === "matvec";
        const ld = (mv ? K : N) + pad;
        const W = mixed(wOff + (mv ? N : K) * ld, seed, p), x = mixed(xOff + K, seed + 1, p), y0 = mixed(yOff + N + 1, seed + 2, p);
        const js = y0.slice(), wasm = y0.slice();
        if (mv) matvecRow(js, yOff, W, wOff, ld, x, xOff, N, K);
        else vecmatRow(js, yOff, x, xOff, W, wOff, ld, N, K);
        const ran = withPinned(W, () => mv ? simdMatvecRow(wasm, yOff, W, wOff, ld, x, xOff, N, K) : simdVecmatRow(wasm, yOff, x, xOff, W, wOff, ld, N, K));
        return ran && diffBits(js, wasm) === -1;
      }), FC);
    });
  }

  it("signed zeros: sums of -0 products start from +0 (matvec) or from y (vecmat), exactly as in JavaScript", () => {
    for (const [N, K] of [[16, 32], [17, 33], [2, 256], [1, 512], [35, 15]]) {
      const W = new Float64Array(N * K).fill(-0), x = new Float64Array(K).fill(1);
      for (const y0 of [new Float64Array(N).fill(-0), new Float64Array(N).fill(0)]) {
        const js = y0.slice(), wasm = y0.slice();
        matvecRow(js, 0, W, 0, K, x, 0, N, K);
        expect(withPinned(W, () => simdMatvecRow(wasm, 0, W, 0, K, x, 0, N, K))).toBe(true);
        expect(diffBits(js, wasm)).toBe(-1);
        expect(Object.is(wasm[0], 0)).toBe(true); // -0 + (0 + -0 + …) = -0 + +0 = +0
        const js2 = y0.slice(), wasm2 = y0.slice();
        vecmatRow(js2, 0, x, 0, W, 0, N, N, K);
        expect(withPinned(W, () => simdVecmatRow(wasm2, 0, x, 0, W, 0, N, N, K))).toBe(true);
        expect(diffBits(js2, wasm2)).toBe(-1);
        expect(Object.is(wasm2[0], y0[0])).toBe(true); // y + -0 + -0 … keeps y's sign
      }
    }
  });

  it("affineRow's pinned path equals its fused JavaScript path on special values (bias -0, I = 0 included)", () => {
    const aff = fc.record({
      N: fc.integer({ min: 16, max: 70 }), K: fc.integer({ min: 8, max: 40 }), I: fc.integer({ min: 0, max: 40 }),
      p: fc.constantFrom(0, 0.1, 0.5), seed: fc.integer({ min: 0, max: 0x7ffffff0 }),
    }).filter(({ N, K }) => N * K >= SIMD_ROW_MIN_WORK);
    fc.assert(fc.property(aff, ({ N, K, I, p, seed }) => {
      const ld = K + I + 1;
      const W = mixed(2 + N * ld, seed, p), x = mixed(I, seed + 1, p), a = mixed(K, seed + 3, p);
      const bias = mixed(N, seed + 4, p > 0 ? 0.5 : 0), y0 = mixed(N, seed + 2, 0);
      const js = y0.slice(), wasm = y0.slice();
      affineRow(js, 0, bias, 0, W, 2 + K, ld, x, 0, I, W, 2, ld, a, 0, K, N);
      withPinned(W, () => affineRow(wasm, 0, bias, 0, W, 2 + K, ld, x, 0, I, W, 2, ld, a, 0, K, N));
      return diffBits(js, wasm) === -1;
    }), FC);
  });
});

// ---------------------------------------------------------------------------------------------------
// The pin's cache of transposed blocks and the scratch bookkeeping around it
// ---------------------------------------------------------------------------------------------------

describe("the pin's transposed-block cache (pinT) and scratch", () => {
  const N = 40, K = 24, ld = 30;
  const jsMatvec = (W: Float64Array, wOff: number, x: Float64Array, y0: Float64Array) => {
    const y = y0.slice();
    matvecRow(y, 0, W, wOff, ld, x, 0, N, K);
    return y;
  };

  it("does not survive its pin: a second pin of another array (same block key) reads the new array", () => {
    const W1 = mixed(N * ld, 1, 0), W2 = mixed(N * ld, 2, 0), x = mixed(K, 3, 0), y0 = mixed(N, 4, 0);
    const got1 = y0.slice(), got2 = y0.slice();
    expect(withPinned(W1, () => simdMatvecRow(got1, 0, W1, 0, ld, x, 0, N, K))).toBe(true);
    expect(withPinned(W2, () => simdMatvecRow(got2, 0, W2, 0, ld, x, 0, N, K))).toBe(true);
    expect(diffBits(got1, jsMatvec(W1, 0, x, y0))).toBe(-1);
    expect(diffBits(got2, jsMatvec(W2, 0, x, y0))).toBe(-1);
  });

  it("does not survive its pin: the same array changed between two pins is read afresh", () => {
    const W = mixed(N * ld, 5, 0), x = mixed(K, 6, 0), y0 = mixed(N, 7, 0);
    const a = y0.slice(), b = y0.slice();
    withPinned(W, () => simdMatvecRow(a, 0, W, 0, ld, x, 0, N, K));
    const before = jsMatvec(W, 0, x, y0);
    W.fill(0.5, 0, 5 * ld);
    W[7 * ld + 3] = -0;
    withPinned(W, () => simdMatvecRow(b, 0, W, 0, ld, x, 0, N, K));
    expect(diffBits(a, before)).toBe(-1);
    expect(diffBits(b, jsMatvec(W, 0, x, y0))).toBe(-1);
    expect(diffBits(a, b)).not.toBe(-1);
  });

  it("does not survive a pin that threw", () => {
    const W = mixed(N * ld, 8, 0), x = mixed(K, 9, 0), y0 = mixed(N, 10, 0);
    expect(() => withPinned(W, () => { simdMatvecRow(y0.slice(), 0, W, 0, ld, x, 0, N, K); throw new Error("boom"); })).toThrow("boom");
    expect(isPinned(W)).toBe(false);
    W.reverse();
    const got = y0.slice();
    expect(withPinned(W, () => simdMatvecRow(got, 0, W, 0, ld, x, 0, N, K))).toBe(true);
    expect(diffBits(got, jsMatvec(W, 0, x, y0))).toBe(-1);
  });

  it("tells blocks apart by offset, stride and shape (keys that differ in one field), and reuses a block's copy", () => {
    const W = mixed(4 * N * ld, 11, 0.05), x = mixed(ld, 12, 0), y0 = mixed(2 * N, 13, 0);
    const blocks: [number, number, number, number][] = [
      [0, ld, N, K], [1, ld, N, K], [0, ld - 2, N, K], [0, ld, N + 1, K], [0, ld, N, K + 1], [N * ld, ld, N, K], [0, ld, N, K], [1, ld, N, K],
    ];
    const got = withPinned(W, () => blocks.map(([wOff, l, n, k]) => {
      const y = y0.slice();
      expect(simdMatvecRow(y, 0, W, wOff, l, x, 0, n, k)).toBe(true);
      return y;
    }));
    blocks.forEach(([wOff, l, n, k], b) => {
      const ref = y0.slice();
      matvecRow(ref, 0, W, wOff, l, x, 0, n, k); // not pinned: JavaScript
      expect(diffBits(got[b], ref), `block ${b}`).toBe(-1);
    });
  });

  it("stays valid when later scratch users (gemm NT/NN/TN, CGS2, WasmColumns) grow the memory and reserve after it", () => {
    // a pinned array of 20,000 doubles; block A's transposed copy is made first, then products that need
    // far more memory than anything before them in this file (the memory grows and heap is replaced),
    // then A's cached copy, a new block B and an in-place vecmat must still give the JavaScript bits.
    const P = mixed(20_000, 21, 0.02);
    const ldP = 100, NA = 64, KA = 48, offA = 3, offB = 7_001, NB = 33, KB = 65;
    const x = mixed(200, 22, 0.02), y0 = mixed(200, 23, 0);
    const ref = (wOff: number, n: number, k: number) => { const y = y0.slice(); matvecRow(y, 0, P, wOff, ldP, x, 0, n, k); return y; };
    const refT = (wOff: number, n: number, k: number) => { const y = y0.slice(); vecmatRow(y, 0, x, 0, P, wOff, ldP, n, k); return y; };
    // big operands for the products inside the pin, and their JavaScript results
    const M = 900, Nn = 1000, Kk = 9;
    const A = mixed(Kk * M, 24, 0), B = mixed(Kk * Nn, 25, 0);
    const cTN = inJs(() => { const c = mixed(M * Nn, 26, 0); gemmTN(c, 0, Nn, A, 0, M, B, 0, Nn, M, Nn, Kk); return c; });
    const A2 = mixed(300 * 61, 27, 0), B2 = mixed(61 * 700, 28, 0);
    const cNN = inJs(() => { const c = mixed(300 * 700, 29, 0); gemmNN(c, 0, 700, A2, 0, 61, B2, 0, 700, 300, 700, 61); return c; });
    const cNT = inJs(() => { const c = mixed(50 * 48, 30, 0); gemmNT(c, 0, 48, A2, 0, 61, P, 11, ldP, 50, 48, 61); return c; });
    const Q = mixed(30 * 37, 31, 0), lq = new Float64Array(30);
    const Qjs = Q.slice(), lqjs = lq.slice();
    inJs(() => orthonormalizeRowsCgs2(lqjs, 0, Qjs, 0, 37, 30, 37, new Float64Array(30)));
    const n = 450, Y = mixed(n * n, 32, 0);

    withPinned(P, () => {
      const a1 = y0.slice();
      expect(simdMatvecRow(a1, 0, P, offA, ldP, x, 0, NA, KA)).toBe(true);
      expect(diffBits(a1, ref(offA, NA, KA))).toBe(-1);

      const cw = mixed(M * Nn, 26, 0);
      expect(simdGemmTN(cw, 0, Nn, A, 0, M, B, 0, Nn, M, Nn, Kk)).toBe(true);
      expect(diffBits(cw, cTN)).toBe(-1);

      const a2 = y0.slice();
      expect(simdMatvecRow(a2, 0, P, offA, ldP, x, 0, NA, KA)).toBe(true); // the cached copy, after growth
      expect(diffBits(a2, ref(offA, NA, KA))).toBe(-1);

      const b1 = y0.slice();
      expect(simdMatvecRow(b1, 0, P, offB, ldP, x, 0, NB, KB)).toBe(true); // a new copy, after growth
      expect(diffBits(b1, ref(offB, NB, KB))).toBe(-1);

      const nn = mixed(300 * 700, 29, 0);
      expect(simdGemmNN(nn, 0, 700, A2, 0, 61, B2, 0, 700, 300, 700, 61)).toBe(true);
      expect(diffBits(nn, cNN)).toBe(-1);
      const nt = mixed(50 * 48, 30, 0); // B is the pinned array, read in place
      expect(simdGemmNT(nt, 0, 48, A2, 0, 61, P, 11, ldP, 50, 48, 61)).toBe(true);
      expect(diffBits(nt, cNT)).toBe(-1);

      const Qw = Q.slice(), lqw = lq.slice();
      expect(simdOrthonormalizeRowsCgs2(lqw, 0, Qw, 0, 37, 30, 37)).toBe(true);
      expect(diffBits(Qw, Qjs)).toBe(-1);
      expect(diffBits(lqw, lqjs)).toBe(-1);

      const w = WasmColumns.open(Y, n);
      expect(w).not.toBeNull();
      w!.rotate(0, n, 0.25, -0.5, 2, 0.5);
      const Yw = Y.slice();
      w!.close(Yw);
      const Yj = Y.slice();
      for (let r = 0; r < n; r++) {
        const yi = Yj[r], yj = Yj[n + r];
        Yj[r] = (yi - 0.25 * yj) * 2;
        Yj[n + r] = (-0.5 * yi + yj) * 0.5;
      }
      expect(diffBits(Yw, Yj)).toBe(-1);

      for (const [off, nn2, kk] of [[offA, NA, KA], [offB, NB, KB]] as const) {
        const again = y0.slice();
        expect(simdMatvecRow(again, 0, P, off, ldP, x, 0, nn2, kk)).toBe(true);
        expect(diffBits(again, ref(off, nn2, kk))).toBe(-1);
      }
      const t = y0.slice();
      expect(simdVecmatRow(t, 0, x, 0, P, offB, ldP, 70, 90)).toBe(true);
      expect(diffBits(t, refT(offB, 70, 90))).toBe(-1);
    });
  });

  it("nested pins: the same array keeps the outer pin and its cache; another array runs unpinned and leaves the outer pin alone", () => {
    const X = mixed(N * ld + 5, 41, 0.05), Z = mixed(N * ld + 5, 42, 0.05), x = mixed(K, 43, 0), y0 = mixed(N, 44, 0);
    const refX = jsMatvec(X, 5, x, y0), refZ = jsMatvec(Z, 5, x, y0);
    withPinned(X, () => {
      const a = y0.slice();
      expect(withPinned(X, () => simdMatvecRow(a, 0, X, 5, ld, x, 0, N, K))).toBe(true);
      expect(isPinned(X)).toBe(true); // the inner call did not unpin
      const b = y0.slice();
      expect(simdMatvecRow(b, 0, X, 5, ld, x, 0, N, K)).toBe(true); // the copy made inside the inner call
      const z = y0.slice();
      const inner = withPinned(Z, () => [isPinned(Z), isPinned(X), simdMatvecRow(z, 0, Z, 5, ld, x, 0, N, K)]);
      expect(inner).toEqual([false, true, false]);
      matvecRow(z, 0, Z, 5, ld, x, 0, N, K); // JavaScript, since Z is not pinned
      const c = y0.slice();
      expect(simdMatvecRow(c, 0, X, 5, ld, x, 0, N, K)).toBe(true);
      for (const v of [a, b, c]) expect(diffBits(v, refX)).toBe(-1);
      expect(diffBits(z, refZ)).toBe(-1);
    });
    expect(isPinned(X)).toBe(false);
    expect(simdMatvecRow(y0.slice(), 0, X, 5, ld, x, 0, N, K)).toBe(false);
  });

  it("a switch to the js backend inside a pin takes effect at once: the batch-1 products return false and isPinned is false", () => {
    const N = 32, K = 16;
    const W = mixed(N * K, 11, 0), x = mixed(K, 12, 0), y = new Float64Array(N);
    const seen = withPinned(W, () => {
      const before = [isPinned(W), simdMatvecRow(y, 0, W, 0, K, x, 0, N, K)];
      setGemmBackend("js");
      return [...before, gemmBackend(), isPinned(W), simdMatvecRow(y, 0, W, 0, K, x, 0, N, K), simdVecmatRow(y, 0, x, 0, W, 0, N, N, K)];
    });
    expect(seen).toEqual([true, true, "js", false, false, false]);
  });

  it("returns false (JavaScript runs) for a block that does not fit in the pinned array, and for empty pins and products", () => {
    const W = mixed(N * ld, 51, 0), x = mixed(ld, 52, 0), y0 = mixed(N + 1, 53, 0);
    const y = y0.slice(), ref = y0.slice();
    matvecRow(ref, 0, W, ld, ld, x, 0, N - 1, K); // not pinned: JavaScript
    withPinned(W, () => {
      // one row too many, an offset past the end, K = 0
      const untouched = y0.slice();
      expect(simdMatvecRow(untouched, 0, W, ld, ld, x, 0, N, K)).toBe(false);
      expect(simdVecmatRow(untouched, 0, x, 0, W, 1, ld, N, 40)).toBe(false);
      expect(simdVecmatRow(untouched, 0, x, 0, W, 0, ld, N, 0)).toBe(false);
      expect(diffBits(untouched, y0)).toBe(-1);
      expect(simdMatvecRow(y, 0, W, ld, ld, x, 0, N - 1, K)).toBe(true); // fits exactly
    });
    expect(diffBits(y, ref)).toBe(-1);
    const E = new Float64Array(0);
    expect(withPinned(E, () => isPinned(E))).toBe(true);
    expect(isPinned(E)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------
// CGS2
// ---------------------------------------------------------------------------------------------------

describe("CGS2 in WebAssembly on special values and exactly-zero projections", () => {
  function compareCgs2(X: Float64Array, off: number, ld: number, rows: number, cols: number): { x: number; l: number } {
    const js = X.slice(), wasm = X.slice();
    const lj = new Float64Array(rows + 2).fill(7), lw = lj.slice();
    inJs(() => orthonormalizeRowsCgs2(lj, 1, js, off, ld, rows, cols, new Float64Array(rows)));
    expect(simdOrthonormalizeRowsCgs2(lw, 1, wasm, off, ld, rows, cols)).toBe(true);
    return { x: diffBits(js, wasm), l: diffBits(lj, lw) };
  }

  it("matches bit for bit on random rows with ±0, ±Infinity, NaN and subnormal entries, rows > cols included", () => {
    const s = fc.record({
      rows: fc.integer({ min: 1, max: 22 }), cols: fc.integer({ min: 1, max: 22 }), off: fc.integer({ min: 0, max: 3 }),
      pad: fc.integer({ min: 0, max: 3 }), p: fc.constantFrom(0.02, 0.2, 0.7), seed: fc.integer({ min: 0, max: 0x7ffffff0 }),
    });
    fc.assert(fc.property(s, ({ rows, cols, off, pad, p, seed }) => {
      const ld = cols + pad;
      const r = compareCgs2(mixed(off + rows * ld, seed, p), off, ld, rows, cols);
      return r.x === -1 && r.l === -1;
    }), FC);
  });

  it("skips exactly-zero r_j in the one-row tail and not in the four-row blocks, as JavaScript does (signs of zeros kept)", () => {
    // Rows 0..m-1 are -e_j with signed zeros elsewhere (orthonormal already); the last rows hold signed
    // zeros where those rows are nonzero, so every r_j is +0 exactly and only the signs of zeros tell
    // a skipped projection (tail) from a subtracted one (blocks of four).
    const s = fc.record({ m: fc.integer({ min: 1, max: 13 }), extra: fc.integer({ min: 1, max: 6 }), tail: fc.integer({ min: 1, max: 4 }), seed: fc.integer({ min: 0, max: 1e6 }) });
    fc.assert(fc.property(s, ({ m, extra, tail, seed }) => {
      const cols = m + extra, rows = m + tail;
      const rng = new Rng(seed);
      const z = () => (rng.randomSample() < 0.5 ? -0 : 0);
      const X = new Float64Array(rows * cols);
      for (let j = 0; j < m; j++) for (let k = 0; k < cols; k++) X[j * cols + k] = k === j ? -1 : z();
      for (let i = m; i < rows; i++) for (let k = 0; k < cols; k++) X[i * cols + k] = k < m ? z() : rng.randn();
      const r = compareCgs2(X, 0, cols, rows, cols);
      return r.x === -1 && r.l === -1;
    }), { ...FC, numRuns: 100 });
    // One fixed case where skipping matters both ways. Rows 0..3 (a block for row 5): -e_j, -0 in column 7;
    // row 4 (the tail for row 5): -e_4; row 5: -0 in columns 0..4 and 7. All r_j = +0. The block subtracts
    // (((-0) + (-0)) + (-0)) + (-0) = -0 from column 7 (-0 - -0 = +0); the tail skips r_4 = 0, which keeps
    // column 4 at -0 (subtracting 0·(-1) = -0 would have made it +0).
    const cols = 8, rows = 6, X = new Float64Array(rows * cols);
    for (let j = 0; j < 4; j++) { X[j * cols + j] = -1; X[j * cols + 7] = -0; }
    X[4 * cols + 4] = -1;
    for (let k = 0; k < cols; k++) X[5 * cols + k] = k === 5 ? 5 : k === 6 ? 6 : -0;
    const js = X.slice();
    inJs(() => orthonormalizeRowsCgs2(new Float64Array(rows), 0, js, 0, cols, rows, cols, new Float64Array(rows)));
    expect([0, 4, 7].map((k) => Object.is(js[5 * cols + k], -0))).toEqual([true, true, false]);
    expect(Object.is(js[5 * cols + 7], 0)).toBe(true);
    const r = compareCgs2(X, 0, cols, rows, cols);
    expect(r).toEqual({ x: -1, l: -1 });
  });

  it("matches on exactly orthogonal ±1 rows (Hadamard), repeated rows, zero rows, and rows of ±Infinity or NaN", () => {
    const H8 = (i: number, k: number) => ((popcount(i & k) & 1) ? -1 : 1);
    for (const rows of [1, 3, 4, 5, 8, 9, 12]) {
      const cols = 8, X = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) for (let k = 0; k < cols; k++) X[i * cols + k] = H8(i % 8, k) * (i >= 8 ? 3 : 1);
      expect(compareCgs2(X, 0, cols, rows, cols)).toEqual({ x: -1, l: -1 });
    }
    for (const bad of [Infinity, -Infinity, NaN, 1e308, 5e-324, -0]) {
      const rows = 7, cols = 9, X = mixed(rows * cols, 61, 0);
      X.fill(0, 2 * cols, 3 * cols); // a zero row
      X.set(X.subarray(0, cols), 4 * cols); // a repeated row
      X[5 * cols + 3] = bad;
      X.fill(bad, 6 * cols, 7 * cols);
      expect(compareCgs2(X, 0, cols, rows, cols), String(bad)).toEqual({ x: -1, l: -1 });
    }
  });

  it("linalg.orthonormalizeRowsCgs2 hands over from rows²·cols ≥ SIMD_MIN_WORK with the same bits as the js backend", () => {
    for (const [rows, cols] of [[32, 32], [31, 35], [33, 31]]) {
      expect(rows * rows * cols >= SIMD_MIN_WORK).toBe(true);
      const X = mixed(2 + rows * (cols + 1), rows * cols, 0.01);
      const js = X.slice(), wasm = X.slice(), lj = new Float64Array(rows), lw = new Float64Array(rows);
      inJs(() => orthonormalizeRowsCgs2(lj, 0, js, 2, cols + 1, rows, cols, new Float64Array(rows)));
      orthonormalizeRowsCgs2(lw, 0, wasm, 2, cols + 1, rows, cols, new Float64Array(rows));
      expect(diffBits(js, wasm)).toBe(-1);
      expect(diffBits(lj, lw)).toBe(-1);
    }
  });
});

function popcount(v: number): number {
  let c = 0;
  for (; v; v &= v - 1) c++;
  return c;
}

// ---------------------------------------------------------------------------------------------------
// Jacobi columns: WasmColumns against the JavaScript loop of jacobian-products.ts
// ---------------------------------------------------------------------------------------------------

type Hit = [idx: number, A: number, Bv: number, C: number, i: number, j: number];

/** What a "rotation" does in the simulated sweeps: fixed coefficients, and scales changed by a rule (to -Infinity, NaN, …). */
const ROT: [number, number, number, number][] = [[0.5, -0.25, 1.5, 0.75], [-0, 2, 1, 1], [1e-300, 1e300, 0.5, 2], [NaN, 1, 1, 1], [0, 0, 0, 1], [Infinity, 1, 1, 0]];
function newScales(e: number, ell: Float64Array, i: number, j: number): void {
  switch (e % 6) {
    case 0: ell[j] = -Infinity; break;
    case 1: ell[i] -= 3; break; // the order of the sweep no longer matches the scales: i/j picked anew per pair
    case 2: ell[i] = NaN; break;
    case 3: ell[i] = -Infinity; ell[j] += 1; break;
    case 4: ell[j] = ell[i]; break; // a tie
    default: break;
  }
}

/** One sweep of the JavaScript loop (jacobiSweeps' fallback), with the simulated rotations. */
function sweepJs(Y: Float64Array, ell: Float64Array, order: Int32Array, n: number, tol: number): Hit[] {
  const hits: Hit[] = [], d = new Float64Array(3);
  for (let pp = 0; pp < n - 1; pp++) {
    for (let qq = pp + 1; qq < n; qq++) {
      const p = order[pp], q = order[qq];
      if (ell[p] === -Infinity || ell[q] === -Infinity) continue;
      const i = ell[p] >= ell[q] ? p : q, j = i === p ? q : p;
      pairDots(Y, i * n, j * n, n, d);
      if (!(Math.abs(d[2]) > tol * Math.sqrt(d[0] * d[1]))) continue;
      hits.push([pp * n + qq, d[0], d[1], d[2], i, j]);
      const [a, tau, si, sj] = ROT[hits.length % ROT.length];
      rotatePair(Y, i * n, j * n, n, a, tau, si, sj);
      newScales(hits.length, ell, i, j);
    }
  }
  return hits;
}

/** The same sweep through WasmColumns (scan, rotate, setEll; every third rotation through pull/push). */
function sweepWasm(Y: Float64Array, ell: Float64Array, order: Int32Array, n: number, tol: number, pull: boolean): Hit[] {
  const hits: Hit[] = [], res = new Float64Array(5);
  const w = WasmColumns.open(Y, n);
  expect(w).not.toBeNull();
  try {
    w!.setOrder(order, ell);
    for (let idx = w!.scan(0, tol, res); idx >= 0; idx = w!.scan(idx + 1, tol, res)) {
      const i = res[3], j = res[4];
      hits.push([idx, res[0], res[1], res[2], i, j]);
      const [a, tau, si, sj] = ROT[hits.length % ROT.length];
      if (pull && hits.length % 3 === 0) {
        w!.pull(Y, i * n); w!.pull(Y, j * n);
        rotatePair(Y, i * n, j * n, n, a, tau, si, sj);
        w!.push(Y, i * n); w!.push(Y, j * n);
      } else {
        w!.rotate(i * n, j * n, a, tau, si, sj);
      }
      newScales(hits.length, ell, i, j);
      w!.setEll(i, ell[i]); w!.setEll(j, ell[j]);
    }
  } finally {
    w!.close(Y);
  }
  return hits;
}

function hitsEqual(a: Hit[], b: Hit[]): boolean {
  return a.length === b.length && a.every((h, k) => h.every((v, m) => Object.is(v, b[k][m])));
}

/** A column-major n×n matrix whose columns are random, zero, exactly orthogonal to others, repeated, or special. */
function columns(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const Y = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const o = c * n, kind = rng.uniformInt(6);
    if (kind === 0) continue; // zero column
    if (kind === 1) { for (let r = c % 2; r < n; r += 2) Y[o + r] = rng.randn(); continue; } // even/odd support: orthogonal to the other parity
    if (kind === 2 && c > 0) { for (let r = 0; r < n; r++) Y[o + r] = -2 * Y[o - n + r]; continue; } // parallel to the previous
    if (kind === 3) { for (let r = 0; r < n; r++) Y[o + r] = rng.randomSample() < 0.3 ? SPECIAL[rng.uniformInt(SPECIAL.length)] : rng.randn(); continue; }
    if (kind === 4) { for (let r = 0; r < n; r++) Y[o + r] = rng.randn() * 1e-160; continue; } // products underflow to subnormals/0
    for (let r = 0; r < n; r++) Y[o + r] = rng.randn();
  }
  return Y;
}

describe("WasmColumns (the Jacobi scan, dots and rotation) against the JavaScript loop", () => {
  const ELL = [0, 0, 1, -2, 5, -Infinity, NaN, 3.5, -1e300];
  const sweepCase = fc.record({
    n: fc.integer({ min: 1, max: 19 }), seed: fc.integer({ min: 0, max: 1e7 }),
    ells: fc.array(fc.integer({ min: 0, max: ELL.length - 1 }), { minLength: 19, maxLength: 19 }),
    sorted: fc.boolean(), tol: fc.constantFrom(1e-14, 0, 0.3, -1), pull: fc.boolean(),
  });

  function setup(n: number, seed: number, ells: number[], sorted: boolean) {
    const Y = columns(n, seed);
    const ell = Float64Array.from(ells.slice(0, n), (k) => ELL[k]);
    const order = new Int32Array(n);
    for (let j = 0; j < n; j++) order[j] = j;
    if (sorted) order.sort((a, b) => (ell[b] > ell[a] ? 1 : ell[b] < ell[a] ? -1 : 0));
    else { const rng = new Rng(seed + 1); for (let j = n - 1; j > 0; j--) { const k = rng.uniformInt(j + 1); const t = order[j]; order[j] = order[k]; order[k] = t; } }
    return { Y, ell, order };
  }

  it("a sweep visits the same pairs in the same order, with the same dots, columns i/j and final columns, skipping -Infinity scales by their current values", () => {
    fc.assert(fc.property(sweepCase, ({ n, seed, ells, sorted, tol, pull }) => {
      const { Y, ell, order } = setup(n, seed, ells, sorted);
      const Yj = Y.slice(), ej = ell.slice(), Yw = Y.slice(), ew = ell.slice();
      const hj = sweepJs(Yj, ej, order, n, tol);
      const hw = sweepWasm(Yw, ew, order, n, tol, pull);
      return hitsEqual(hj, hw) && diffBits(Yj, Yw) === -1 && diffBits(ej, ew) === -1;
    }), FC);
  });

  it("scan(start) resumes at pair (start / n, start % n), lifted to qq = pp + 1 when qq ≤ pp, for every start", () => {
    fc.assert(fc.property(sweepCase, ({ n, seed, ells, sorted, tol }) => {
      const { Y, ell, order } = setup(n, seed, ells, sorted);
      // every pair the (unrotated) sweep would rotate, in order
      const all: Hit[] = [];
      const d = new Float64Array(3);
      for (let pp = 0; pp < n - 1; pp++) for (let qq = pp + 1; qq < n; qq++) {
        const p = order[pp], q = order[qq];
        if (ell[p] === -Infinity || ell[q] === -Infinity) continue;
        const i = ell[p] >= ell[q] ? p : q, j = i === p ? q : p;
        pairDots(Y, i * n, j * n, n, d);
        if (Math.abs(d[2]) > tol * Math.sqrt(d[0] * d[1])) all.push([pp * n + qq, d[0], d[1], d[2], i, j]);
      }
      const w = WasmColumns.open(Y, n)!;
      w.setOrder(order, ell);
      const res = new Float64Array(5);
      let ok = true;
      for (let start = 0; start <= n * n + 1 && ok; start++) {
        res.fill(-7);
        const idx = w.scan(start, tol, res);
        const want = all.find((h) => h[0] >= start);
        if (!want) ok = idx === -1 && res.every((v) => v === -7);
        else ok = idx === want[0] && hitsEqual([[idx, res[0], res[1], res[2], res[3], res[4]]], [want]);
      }
      const back = new Float64Array(n * n);
      w.close(back);
      return ok && diffBits(back, Y) === -1;
    }), { ...FC, numRuns: 80 });
  });

  it("colDots (through scan with tol = -1: every pair of finite scales) equals pairDots bit for bit on special values, n odd and even", () => {
    for (let n = 1; n <= 9; n++) {
      for (const seed of [1, 2, 3]) {
        const Y = mixed(n * n, seed * 100 + n, 0.4);
        const ell = new Float64Array(n), order = Int32Array.from({ length: n }, (_, j) => j);
        const w = WasmColumns.open(Y, n)!;
        w.setOrder(order, ell);
        const res = new Float64Array(5), d = new Float64Array(3);
        const seen: number[] = [];
        for (let idx = w.scan(0, -1, res); idx >= 0; idx = w.scan(idx + 1, -1, res)) {
          seen.push(idx);
          pairDots(Y, res[3] * n, res[4] * n, n, d);
          expect([res[0], res[1], res[2]].every((v, k) => Object.is(v, d[k])), `n=${n} pair ${idx}`).toBe(true);
        }
        w.close(new Float64Array(n * n));
        // every pair whose dots are not NaN was returned (tol = -1 rejects only NaN comparisons)
        let expected = 0;
        for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) {
          pairDots(Y, p * n, q * n, n, d);
          if (Math.abs(d[2]) > -1 * Math.sqrt(d[0] * d[1])) expected++;
        }
        expect(seen.length).toBe(expected);
      }
    }
  });

  it("holds its space until close: a product run while it is open does not overwrite its columns", () => {
    const n = 24;
    const Y = mixed(n * n, 21, 0), back = new Float64Array(n * n);
    const w = WasmColumns.open(Y, n)!;
    expect(w).not.toBeNull();
    // a large product reserves scratch and writes there while the columns are open
    const A = mixed(64 * 64, 22, 0), B = mixed(64 * 64, 23, 0), C = new Float64Array(64 * 64);
    expect(simdGemmNN(C, 0, 64, A, 0, 64, B, 0, 64, 64, 64, 64)).toBe(true);
    w.close(back);
    expect(diffBits(back, Y)).toBe(-1);
    expect(WasmColumns.open(Y, 0)).toBeNull();
  });

  it("returns null with the js backend, so jacobiSweeps uses its JavaScript loop", () => {
    expect(inJs(() => WasmColumns.open(new Float64Array(4), 2))).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------
// jacobianProducts end to end on degenerate Jacobians
// ---------------------------------------------------------------------------------------------------

describe("jacobianProducts: the same bits with WasmColumns as with the JavaScript loop on degenerate Jacobians", () => {
  /** A linear RNN (identity activation) with Waa = W; x drives a nonzero trajectory (unused: J = W). */
  function linearRnn(W: Float64Array, H: number, T: number): { model: Model; tape: Tape } {
    const config = makeConfig({ cell: "rnn", activation: "identity", I: 1, H, O: 1 });
    const L = paramLayout(config);
    const params = new Float64Array(L.size);
    params.set(W, L.byName.Waa.offset);
    const tape = new Tape(config, T, 1);
    sequenceForward(tape, params, L, new Float64Array(T), null, null);
    return { model: { config, params }, tape };
  }

  const KINDS = ["rank-1", "zero-columns", "duplicate-rows", "graded", "huge", "nilpotent", "special"] as const;
  function matrix(kind: (typeof KINDS)[number], H: number, seed: number): Float64Array {
    const rng = new Rng(seed);
    const W = new Float64Array(H * H);
    rng.fillRandn(W, 0, W.length);
    if (kind === "rank-1") { const u = mixed(H, seed + 1, 0), v = mixed(H, seed + 2, 0); for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) W[i * H + j] = u[i] * v[j]; }
    if (kind === "zero-columns") for (let i = 0; i < H; i++) { W[i * H] = 0; if (H > 2) W[i * H + 2] = 0; }
    if (kind === "duplicate-rows" && H > 1) for (let j = 0; j < H; j++) W[H + j] = W[j];
    if (kind === "graded") for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) W[i * H + j] *= Math.pow(2, 200 * (i - j));
    if (kind === "huge") for (let i = 0; i < W.length; i++) W[i] *= 1e200;
    if (kind === "nilpotent") { W.fill(0); for (let i = 0; i + 1 < H; i++) W[i * H + i + 1] = 1 + i; }
    if (kind === "special") { const S = mixed(H * H, seed + 3, 0.3); W.set(S); }
    return W;
  }

  it("every singular value, norm and sweep count agrees (Object.is), on rank-deficient, graded, overflowing and special Jacobians", () => {
    let sawMinusInf = false, sawNaN = false;
    for (const kind of KINDS) for (const H of [1, 2, 3, 5, 8]) {
      const { model, tape } = linearRnn(matrix(kind, H, 7 * H + kind.length), H, 9);
      for (const opts of [{ svd: H }, { svd: 1, reorth: 2, tol: 1e-3 }]) {
        const js = inJs(() => jacobianProducts(model, tape, opts));
        const wasm = jacobianProducts(model, tape, opts);
        expect(wasm.sweeps, `${kind} H=${H}`).toBe(js.sweeps);
        expect(Array.from(wasm.exact)).toEqual(Array.from(js.exact));
        for (const f of ["log10Spectral", "log10Frobenius", "log10Singular"] as const) {
          expect(diffBits(wasm[f], js[f]), `${kind} H=${H} ${f}`).toBe(-1);
          if (wasm[f].some((v) => v === -Infinity)) sawMinusInf = true;
          if (wasm[f].some((v) => v !== v)) sawNaN = true;
        }
      }
    }
    // the cases above really reach the degenerate paths (collapsed columns, non-finite scales)
    expect(sawMinusInf).toBe(true);
    expect(sawNaN).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
// Batched products over the pinned weights: B read as packed panels (pinP), A copied as it is
// ---------------------------------------------------------------------------------------------------

describe("batched NT/NN products over a pinned block (packed panels, pinP)", () => {
  type Kind = "NT" | "NN";
  const blocked = { NT: gemmNTBlocked, NN: gemmNNBlocked };
  const simd = { NT: simdGemmNT, NN: simdGemmNN };
  /** The JavaScript result of C0 + the product, and the WebAssembly one inside a pin of P (run twice: packed, then cached). */
  function both(kind: Kind, P: Float64Array, bOff: number, ldb: number, A: Float64Array, lda: number, C0: Float64Array, ldc: number, M: number, N: number, K: number) {
    const want = inJs(() => { const c = C0.slice(); blocked[kind](c, 1, ldc, A, 2, lda, P, bOff, ldb, M, N, K); return c; });
    const got = withPinned(P, () => [0, 1].map(() => {
      const c = C0.slice();
      expect(simd[kind](c, 1, ldc, A, 2, lda, P, bOff, ldb, M, N, K)).toBe(true);
      return c;
    }));
    return { want, got };
  }

  it("equal the JavaScript kernels bit for bit (Object.is) on special values, every row tail, offsets and strides, packed and cached", () => {
    const arb = fc.record({
      kind: fc.constantFrom<Kind>("NT", "NN"),
      M: fc.integer({ min: 1, max: 21 }), N4: fc.integer({ min: 1, max: 17 }), K: fc.integer({ min: 1, max: 70 }),
      bOff: fc.integer({ min: 0, max: 9 }), padA: fc.integer({ min: 0, max: 3 }), padB: fc.integer({ min: 0, max: 3 }), padC: fc.integer({ min: 0, max: 3 }),
      seed: fc.integer({ min: 0, max: 0xfffff }), special: fc.constantFrom(0, 0.05),
    });
    fc.assert(fc.property(arb, ({ kind, M, N4, K, bOff, padA, padB, padC, seed, special }) => {
      const N = 4 * N4;
      const ldb = (kind === "NT" ? K : N) + padB, bRows = kind === "NT" ? N : K;
      const lda = K + padA, ldc = N + padC;
      const P = mixed(bOff + bRows * ldb + 3, seed, special);
      const A = mixed(2 + M * lda, seed + 1, special), C0 = mixed(1 + M * ldc, seed + 2, special);
      const { want, got } = both(kind, P, bOff, ldb, A, lda, C0, ldc, M, N, K);
      return diffBits(got[0], want) === -1 && diffBits(got[1], want) === -1;
    }), { ...FC, numRuns: 120 });
  });

  it("keep one layout per product kind: the same block as NT (Bᵀ) and as NN (B) in one pin, rows in several chunks", () => {
    // chunkRows(K + N) rows per chunk: K + N = 3,000 gives 87 rows, so M = 201 takes three chunks
    const N = 1500, K = 1500, M = 201, ld = 1503;
    const P = mixed(5 + N * ld, 11, 0.01), A = mixed(2 + M * K, 12, 0.01), C0 = mixed(1 + M * N, 13, 0.01);
    const wantNT = inJs(() => { const c = C0.slice(); gemmNTBlocked(c, 1, N, A, 2, K, P, 5, ld, M, N, K); return c; });
    const wantNN = inJs(() => { const c = C0.slice(); gemmNNBlocked(c, 1, N, A, 2, K, P, 5, ld, M, N, K); return c; });
    withPinned(P, () => {
      for (const kind of ["NT", "NN", "NT", "NN"] as const) {
        const c = C0.slice();
        expect(simd[kind](c, 1, N, A, 2, K, P, 5, ld, M, N, K)).toBe(true);
        expect(diffBits(c, kind === "NT" ? wantNT : wantNN), kind).toBe(-1);
      }
    });
  });

  it("do not survive their pin: the array changed between two pins is read afresh; a block past its end is read unpinned", () => {
    const M = 6, N = 8, K = 5, ld = 7;
    const P = mixed(N * ld, 21, 0), A = mixed(2 + M * K, 22, 0), C0 = mixed(1 + M * N, 23, 0);
    const first = both("NT", P, 0, ld, A, K, C0, N, M, N, K);
    P.fill(0.25, 0, 3 * ld);
    P[4 * ld + 2] = -0;
    const second = both("NT", P, 0, ld, A, K, C0, N, M, N, K);
    expect(diffBits(first.got[0], first.want)).toBe(-1);
    expect(diffBits(second.got[1], second.want)).toBe(-1);
    expect(diffBits(first.want, second.want)).not.toBe(-1);
    // rows 1..8 of the block end past P (at 8·ld + K > N·ld): no panels are made, the unpinned path
    // runs, reads undefined (NaN) past the end as the JavaScript kernel does, and agrees with it
    const want = inJs(() => { const c = C0.slice(); gemmNTBlocked(c, 1, N, A, 2, K, P, ld, ld, M, N, K); return c; });
    const got = withPinned(P, () => {
      const c = C0.slice();
      expect(simdGemmNT(c, 1, N, A, 2, K, P, ld, ld, M, N, K)).toBe(true);
      expect(pinnedPanelBlocks()).toBe(0);
      return c;
    });
    expect(got.some((v) => v !== v)).toBe(true);
    expect(diffBits(got, want)).toBe(-1);
  });

  it("a pin taken while a WasmColumns is open runs unpinned and leaves the columns' memory alone", () => {
    const n = 12, Y = mixed(n * n, 81, 0), P = mixed(16 * 20, 82, 0), A = mixed(6 * 20, 83, 0), C0 = mixed(6 * 16, 84, 0);
    const want = inJs(() => { const c = C0.slice(); gemmNTBlocked(c, 0, 16, A, 0, 20, P, 0, 20, 6, 16, 20); return c; });
    const w = WasmColumns.open(Y, n)!;
    const got = withPinned(P, () => {
      expect(isPinned(P)).toBe(false);
      const c = C0.slice();
      expect(simdGemmNT(c, 0, 16, A, 0, 20, P, 0, 20, 6, 16, 20)).toBe(true);
      return c;
    });
    const back = new Float64Array(n * n);
    w.close(back);
    expect(diffBits(got, want)).toBe(-1);
    expect(diffBits(back, Y)).toBe(-1); // a pin at the module's base would have overwritten these
  });

  it("tell blocks apart by offset, stride, shape and kind (keys that differ in one field), and reuse each block's panels", () => {
    // one pin, blocks whose keys differ from the first in exactly one field, then the first ones again
    // (cached): a key that ignored a field would hand a later block an earlier block's panels
    const ld = 40, M = 7;
    const P = mixed(4 * 64 * ld, 61, 0.02), A = mixed(2 + M * 2 * ld, 62, 0.02), C0 = mixed(1 + M * 2 * ld, 63, 0.02);
    const blocks: [Kind, number, number, number, number][] = [ // kind, bOff, ldb, N, K
      ["NT", 0, ld, 16, 24], ["NT", 3, ld, 16, 24], ["NT", 0, ld - 8, 16, 24], ["NT", 0, ld, 20, 24], ["NT", 0, ld, 16, 28],
      ["NN", 0, ld, 24, 16], ["NN", 0, ld, 16, 24], ["NN", 5, ld, 24, 16], ["NN", 0, ld + 4, 24, 16], ["NN", 0, ld, 28, 16], ["NN", 0, ld, 24, 20],
      ["NT", 0, ld, 16, 24], ["NT", 3, ld, 16, 24], ["NN", 0, ld, 24, 16], ["NN", 5, ld, 24, 16],
    ];
    const run = ([kind, bOff, ldb, N, K]: [Kind, number, number, number, number]) => {
      const c = C0.slice();
      expect(simd[kind](c, 1, N + 1, A, 2, K + 3, P, bOff, ldb, M, N, K)).toBe(true);
      return c;
    };
    const want = inJs(() => blocks.map(([kind, bOff, ldb, N, K]) => {
      const c = C0.slice();
      blocked[kind](c, 1, N + 1, A, 2, K + 3, P, bOff, ldb, M, N, K);
      return c;
    }));
    const got = withPinned(P, () => {
      const out = blocks.map(run);
      expect(pinnedPanelBlocks()).toBe(11); // the panel path ran: one packing per distinct key
      return out;
    });
    expect(pinnedPanelBlocks()).toBe(0); // and the pin's end dropped them
    blocks.forEach((b, i) => expect(diffBits(got[i], want[i]), `block ${i}: ${b.join(" ")}`).toBe(-1));
  });

  it("signed zeros: an NT sum starts from +0 and is added to C once (-0 + +0 = +0); an NN entry starts from C and adds every ±0 product (no skipped zero)", () => {
    for (let M = 1; M <= 9; M++) {
      for (const [N, K] of [[4, 1], [8, 1], [4, 2], [8, 7], [12, 3]]) {
        // B all -0 and A all +1: every product is -0; C all -0 or all +0
        for (const c0 of [-0, 0]) {
          const Bnt = new Float64Array(N * K).fill(-0), Bnn = new Float64Array(K * N).fill(-0);
          const A = new Float64Array(2 + M * K).fill(1), C0 = new Float64Array(1 + M * N).fill(c0);
          const nt = C0.slice(), nn = C0.slice();
          expect(withPinned(Bnt, () => simdGemmNT(nt, 1, N, A, 2, K, Bnt, 0, K, M, N, K))).toBe(true);
          expect(withPinned(Bnn, () => simdGemmNN(nn, 1, N, A, 2, K, Bnn, 0, N, M, N, K))).toBe(true);
          const wantNT = C0.slice(), wantNN = C0.slice();
          inJs(() => { gemmNTBlocked(wantNT, 1, N, A, 2, K, Bnt, 0, K, M, N, K); gemmNNBlocked(wantNN, 1, N, A, 2, K, Bnn, 0, N, M, N, K); });
          expect(diffBits(nt, wantNT), `NT M=${M} N=${N} K=${K} C=${Object.is(c0, -0) ? "-0" : "+0"}`).toBe(-1);
          expect(diffBits(nn, wantNN), `NN M=${M} N=${N} K=${K} C=${Object.is(c0, -0) ? "-0" : "+0"}`).toBe(-1);
          for (let i = 1; i < nt.length; i++) {
            expect(Object.is(nt[i], 0)).toBe(true); // c0 + (+0 + -0 + …) = c0 + +0 = +0
            expect(Object.is(nn[i], c0)).toBe(true); // c0 + -0 + -0 … keeps c0's sign
          }
          expect(Object.is(nt[0], c0) && Object.is(nn[0], c0)).toBe(true); // before cOff: untouched
        }
        // C = -0 and A = +0: an NN product +0 turns C's -0 into +0 (gemmNNBlocked's bits; the naive gemmNN would skip it)
        const P = new Float64Array(K * N).fill(2.5), A = new Float64Array(M * K), C0 = new Float64Array(M * N).fill(-0);
        const nn = C0.slice();
        expect(withPinned(P, () => simdGemmNN(nn, 0, N, A, 0, K, P, 0, N, M, N, K))).toBe(true);
        expect(nn.every((v) => Object.is(v, 0)), `NN skip-zero M=${M} N=${N} K=${K}`).toBe(true);
      }
    }
  });

  it("rows in several chunks with A and C strided and offset: every chunk reads its own rows of A and writes its own rows of C", () => {
    // K + N = 4,096 gives chunkRows = 64 rows per chunk: M = 133 takes 64 + 64 + 5 (a 4-row tile and a 1-row tail)
    const M = 133, aOff = 3, cOff = 2;
    for (const [kind, N, K] of [["NT", 8, 4088], ["NT", 4088, 8], ["NN", 8, 4088], ["NN", 4088, 8]] as const) {
      const lda = K + 5, ldc = N + 3, ldb = (kind === "NT" ? K : N) + 1, bRows = kind === "NT" ? N : K;
      const P = mixed(1 + bRows * ldb, 71, 0.001), A = mixed(aOff + M * lda, 72, 0.001), C0 = mixed(cOff + M * ldc + 1, 73, 0.001);
      const want = inJs(() => { const c = C0.slice(); blocked[kind](c, cOff, ldc, A, aOff, lda, P, 1, ldb, M, N, K); return c; });
      const got = withPinned(P, () => { const c = C0.slice(); expect(simd[kind](c, cOff, ldc, A, aOff, lda, P, 1, ldb, M, N, K)).toBe(true); return c; });
      expect(diffBits(got, want), `${kind} N=${N} K=${K}`).toBe(-1);
    }
  });
});
