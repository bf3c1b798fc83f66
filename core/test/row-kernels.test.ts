// The small-batch path of the time loop (cells/row-kernels.ts, and the steps that use it for B < 4)
// against linalg's kernels and against the batched path: the same operations in the same order, so
// bit for bit. Also the backward pass's skipping of all-zero dpre rows in the weight and input
// gradients, against the products over every row.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lossAndGrads, type Batch } from "../src/bptt";
import { affineRow, matvecRow, ROW_KERNEL_B, vecmatRow } from "../src/cells/row-kernels";
import { fillRows, gemmNN, gemmNNBlocked, gemmNT, gemmNTBlocked } from "../src/linalg";
import type { LossSpec } from "../src/loss-spec";
import { makeConfig } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { accumulateInputGrads, accumulateParamGrads } from "../src/sequence";
import { setGemmBackend, simdMatvecRow, simdVecmatRow, withPinned } from "../src/simd";
import { CELL_CASES, masks, randomBatch, randomModel } from "./support/random-case";

const FC = { seed: 20261128, numRuns: 300 };

/** n values ~ N(0,1) from `seed`, about a fifth of them exact zeros. */
function data(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(n);
  rng.fillRandn(a, 0, n);
  for (let i = 0; i < n; i++) if (rng.randomSample() < 0.2) a[i] = 0;
  return a;
}

/** Same bits everywhere (Object.is: -0 differs from +0, NaN equals NaN). */
const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));
/** Equal up to the sign of zero (the naive gemmNN skips a zero A entry; the blocked kernels add its ±0 product). */
const sameValues = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i] || (v !== v && b[i] !== b[i]));

// N crosses the 8- and 4-wide strips; K = 0 is an empty sum
const shape = fc.record({
  N: fc.oneof(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 18, max: 70 })),
  K: fc.integer({ min: 0, max: 70 }),
  I: fc.integer({ min: 0, max: 9 }),
  yOff: fc.integer({ min: 0, max: 5 }), wOff: fc.integer({ min: 0, max: 5 }), xOff: fc.integer({ min: 0, max: 5 }),
  pad: fc.integer({ min: 0, max: 3 }),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
});

describe("row kernels equal linalg's kernels bit for bit", () => {
  // matvecRow: W (N, K), against gemmNTBlocked / gemmNT; vecmatRow: W (K, N), against gemmNNBlocked / gemmNN
  // (the naive gemmNN skips a zero A entry, so it matches up to the sign of zero)
  for (const kind of ["matvec", "vecmat"] as const) {
    const [blocked, naive] = kind === "matvec" ? ["gemmNTBlocked", "gemmNT"] : ["gemmNNBlocked", "gemmNN"];
    it(`${kind}Row = ${blocked} with M = 1 (bit for bit) and the naive ${naive}, and accumulates`, () => {
      fc.assert(fc.property(shape, ({ N, K, yOff, wOff, xOff, pad, seed }) => {
        const mv = kind === "matvec";
        const ld = (mv ? K : N) + pad;
        const W = data(wOff + (mv ? N : K) * ld + 1, seed), x = data(xOff + K, (seed + 1) >>> 0), y0 = data(yOff + N + 2, (seed + 2) >>> 0);
        const y1 = y0.slice(), y2 = y0.slice(), y3 = y0.slice();
        if (mv) {
          matvecRow(y1, yOff, W, wOff, ld, x, xOff, N, K);
          gemmNTBlocked(y2, yOff, N, x, xOff, K, W, wOff, ld, 1, N, K);
          gemmNT(y3, yOff, N, x, xOff, K, W, wOff, ld, 1, N, K);
          return sameBits(y1, y2) && sameBits(y1, y3);
        }
        vecmatRow(y1, yOff, x, xOff, W, wOff, ld, N, K);
        gemmNNBlocked(y2, yOff, N, x, xOff, K, W, wOff, ld, 1, N, K);
        gemmNN(y3, yOff, N, x, xOff, K, W, wOff, ld, 1, N, K);
        return sameBits(y1, y2) && sameValues(y1, y3);
      }), FC);
    });
  }

  it("affineRow = fillRows(bias), then gemmNT's input product, then gemmNT's recurrent product (bit for bit), and touches nothing else", () => {
    fc.assert(fc.property(shape, ({ N, K, I, yOff, wOff, xOff, pad, seed }) => {
      // a stacked [Wa | Wx] row layout, as the gated cells have (ld = K + I + pad)
      const ld = K + I + pad;
      const W = data(wOff + N * ld + 1, seed), x = data(xOff + I, (seed + 1) >>> 0), a = data(xOff + K, (seed + 3) >>> 0);
      const bias = data(wOff + N, (seed + 4) >>> 0), y0 = data(yOff + N + 2, (seed + 2) >>> 0);
      const y1 = y0.slice(), y2 = y0.slice();
      affineRow(y1, yOff, bias, wOff, W, wOff + K, ld, x, xOff, I, W, wOff, ld, a, xOff, K, N);
      fillRows(y2, yOff, 1, bias, wOff, N);
      gemmNTBlocked(y2, yOff, N, x, xOff, I, W, wOff + K, ld, 1, N, I);
      gemmNTBlocked(y2, yOff, N, a, xOff, K, W, wOff, ld, 1, N, K);
      return sameBits(y1, y2);
    }), FC);
  });
});

describe("the batch-1 WebAssembly products (simd.ts) stay out of the way where they do not apply", () => {
  // matvecRow, vecmatRow and affineRow in WebAssembly: wasm-edge-cases.test.ts (special values, every
  // tail, the pin's cache); here, when the WebAssembly path does not run

  it("do nothing and return false outside a pin, for another array, below SIMD_ROW_MIN_WORK, and with the js backend", () => {
    const N = 32, K = 32;
    const W = data(N * K, 1), x = data(K, 2), y = new Float64Array(N);
    expect(simdMatvecRow(y, 0, W, 0, K, x, 0, N, K)).toBe(false);
    expect(withPinned(W.slice(), () => simdMatvecRow(y, 0, W, 0, K, x, 0, N, K))).toBe(false);
    expect(withPinned(W, () => simdVecmatRow(y, 0, x, 0, W, 0, K, 4, 4))).toBe(false);
    setGemmBackend("js");
    try {
      expect(withPinned(W, () => simdMatvecRow(y, 0, W, 0, K, x, 0, N, K))).toBe(false);
    } finally {
      setGemmBackend("wasm");
    }
    expect(y.every((v) => v === 0)).toBe(true);
  });
});

describe(`a batch of 1 (row kernels, per-step input projection) and a batch of ${ROW_KERNEL_B} (4×4 tiles, hoisted projection) compute each row with the same bits`, () => {
  // H = 24 puts the batch-1 products in WebAssembly (H·H ≥ SIMD_ROW_MIN_WORK); H = 9 keeps them in JavaScript
  for (const cc of CELL_CASES) for (const H of [9, 24]) {
    it(`${cc.name}, H = ${H}: states, gates, pre-activation gradients and dJ/dx of one row are bit-identical at B = 1 and B = ${ROW_KERNEL_B}`, () => {
      const T = 13, I = 3, O = 2, Bbig = ROW_KERNEL_B;
      const rng = new Rng(77);
      const model = randomModel(makeConfig({ ...cc.config, I, H, O }), rng);
      const one = randomBatch(model.config, T, 1, "mse", rng);
      // the same sequence in every row of the larger batch; the sum reduction gives every row the
      // same dJ/dyhat, and the carried scale (the largest entry over the batch) is the same too
      const rep = (v: Float64Array | null | undefined, per: number) => {
        if (!v) return v;
        const out = new Float64Array(v.length * Bbig);
        for (let r = 0; r < v.length / per; r++) for (let b = 0; b < Bbig; b++) out.set(v.subarray(r * per, (r + 1) * per), (r * Bbig + b) * per);
        return out;
      };
      const big: Batch = { x: rep(one.x, I)!, T, B: Bbig, a0: rep(one.a0, H), c0: rep(one.c0, H), targets: rep(one.targets, O)! };
      const spec: LossSpec = { loss: "mse", reduction: "sum", mask: masks(T)[2][1] };
      const w1 = lossAndGrads(null, model, one, spec), w4 = lossAndGrads(null, model, big, spec);
      const rows = (v: Float64Array, per: number, B: number, steps: number) => {
        const out = new Float64Array(steps * per);
        for (let s = 0; s < steps; s++) out.set(v.subarray(s * B * per, s * B * per + per), s * per);
        return out;
      };
      const G = w1.tape.G;
      expect(sameBits(rows(w4.tape.a, H, Bbig, T + 1), w1.tape.a)).toBe(true);
      if (cc.config.cell === "lstm") expect(sameBits(rows(w4.tape.c, H, Bbig, T + 1), w1.tape.c)).toBe(true);
      if (cc.config.cell !== "rnn") expect(sameBits(rows(w4.tape.gates, G * H, Bbig, T), w1.tape.gates)).toBe(true);
      if (cc.config.cell === "gru") expect(sameBits(rows(w4.tape.aux, H, Bbig, T), w1.tape.aux)).toBe(true);
      expect(sameBits(rows(w4.tape.dpre, G * H, Bbig, T), w1.tape.dpre)).toBe(true);
      expect(sameBits(rows(w4.grads.dx, I, Bbig, T), w1.grads.dx)).toBe(true);
    });
  }
});

describe("the weight and input gradients skip all-zero dpre rows", () => {
  for (const cc of CELL_CASES.filter((c) => c.config.activation === "tanh")) {
    it(`${cc.name}: where dJ/da<t> has vanished below float64 (rows of exact zeros), the gradients equal the products over every row, bit for bit`, () => {
      // small recurrent weights and a loss on the last step only: the actual gradient underflows to 0
      // long before t = 1, while the scaled carry goes on
      const T = 2000, H = 4, I = 2;
      const rng = new Rng(5);
      const model = randomModel(makeConfig({ ...cc.config, I, H, O: 1 }), rng, 0.3);
      const batch = randomBatch(model.config, T, 1, "mse", rng);
      const spec: LossSpec = { loss: "mse", reduction: "mean", mask: masks(T)[0][1] };
      const ws = lossAndGrads(null, model, batch, spec);
      const skipped = ws.tape.zeroRow.reduce((s, v) => s + v, 0);
      expect(skipped).toBeGreaterThan(T / 5);
      expect(ws.tape.zeroRow[T - 1]).toBe(0);
      // reference: the readout's blocks as lossAndGrads left them, plus the products over all T rows
      const L = paramLayout(model.config);
      const ref = new Float64Array(L.size);
      for (const name of ["Wya", "by"]) {
        const b = L.byName[name];
        ref.set(ws.grads.dparams.subarray(b.offset, b.offset + b.size), b.offset);
      }
      accumulateParamGrads(ref, ws.tape, L, batch.x, 1, T);
      const dx = new Float64Array(T * I);
      accumulateInputGrads(dx, ws.tape, model.params, L, 1, T);
      expect(sameBits(ws.grads.dparams, ref)).toBe(true);
      expect(sameBits(ws.grads.dx, dx)).toBe(true);
    });
  }
});
