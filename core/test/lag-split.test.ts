// lagSplit: the recurrent-weight gradient split by lag, against lossAndGrads, the per-step split, a
// brute-force per-source reference and closed forms far below 1e-308.
import { describe, expect, it } from "vitest";
import { lagSplit, lagSplitMatrix, type LagSplitResult } from "../src/analysis/lag-split";
import { lossAndGrads, type Batch } from "../src/bptt";
import { log10Norm } from "../src/linalg";
import { maskEvery, maskLast, type LossSpec } from "../src/loss-spec";
import { makeConfig, type Model, type ModelConfig } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { accumulateParamGrads } from "../src/sequence";
import { CELL_CASES, LOSS_CASES, masks, maxRelErr, randomBatch, randomModel } from "./support/random-case";

/** The recurrent block of a gradient: Waa (H, H), or the a-columns W[:, :H] of the stacked gate matrix (G·H, H). */
function recurrentBlock(dP: Float64Array, config: ModelConfig): Float64Array {
  const lay = paramLayout(config);
  const { H, I } = config;
  if (config.cell === "rnn") return dP.slice(lay.byName.Waa.offset, lay.byName.Waa.offset + H * H);
  const out = new Float64Array(lay.G * H * H);
  for (let r = 0; r < lay.G * H; r++) for (let k = 0; k < H; k++) out[r * H + k] = dP[lay.W0 + r * (H + I) + k];
  return out;
}

/** S_L at actual scale (L = maxLag: the remainder). */
function lagMatrix(r: LagSplitResult, L: number): Float64Array {
  const out = new Float64Array(r.rows * r.cols);
  lagSplitMatrix(out, r, L);
  return out;
}

/** max |a - b| / max |b|: agreement relative to the size of the whole matrix. */
function relToMax(a: Float64Array, b: Float64Array): number {
  let d = 0, m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return m === 0 ? d : d / m;
}

function setup(cc: (typeof CELL_CASES)[number], T: number, B: number, seed: number, loss: (typeof LOSS_CASES)[number] = LOSS_CASES[0]): { model: Model; batch: Batch } {
  const rng = new Rng(seed);
  const model = randomModel(makeConfig({ ...cc.config, I: 2, H: 3, O: 2, output: loss.output }), rng);
  const batch = randomBatch(model.config, T, B, loss.loss, rng);
  return { model, batch };
}

describe("lagSplit", () => {
  for (const cc of CELL_CASES) {
    for (const [mname, mask] of masks(7).filter(([m]) => m !== "last")) {
      it(`lagSplit(${cc.name}, loss on ${mname}, maxLag = T): Σ_L S_L = lossAndGrads' dWaa to 1e-12, for every loss`, () => {
        const T = 7, B = 2;
        for (const lc of LOSS_CASES) {
          const { model, batch } = setup(cc, T, B, 31, lc);
          const spec: LossSpec = { loss: lc.loss, reduction: lc.reduction, mask };
          const r = lagSplit(model, batch, spec, { maxLag: T });
          const want = recurrentBlock(lossAndGrads(null, model, batch, spec).grads.dparams, model.config);
          const sum = new Float64Array(want.length);
          for (let L = 0; L < T; L++) {
            const S = lagMatrix(r, L);
            for (let i = 0; i < sum.length; i++) sum[i] += S[i];
          }
          expect(relToMax(sum, want)).toBeLessThan(1e-12);
          expect(maxRelErr(sum, want)).toBeLessThan(1e-12);
          expect(Math.abs(r.log10DWaa - log10Norm(want, 0, want.length))).toBeLessThan(1e-12);
          expect(r.remainderLog10).toBe(-Infinity);
          expect(r.tailFraction[0]).toBe(1);
          expect(r.log10Tail[0]).toBe(r.log10DWaa);
          // lag L needs a loss step t ≥ L+1; beyond the last loss step's reach S_L is exactly zero
          let last = 0;
          for (let t = 1; t <= T; t++) if (mask[t - 1]) last = t;
          for (let L = last; L < T; L++) expect(r.log10Lag[L]).toBe(-Infinity);
          expect(Number.isFinite(r.log10Lag[0])).toBe(true);
        }
      });
    }
  }

  for (const cc of CELL_CASES) {
    it(`lagSplit(${cc.name}, loss on the last step): S_L is step (T-L)'s contribution and log10Lag the ledger's dWaa<T-L>, to 1e-12`, () => {
      const T = 7, B = 2;
      const { model, batch } = setup(cc, T, B, 47);
      const spec: LossSpec = { loss: "mse", reduction: "mean", mask: maskLast(T) };
      const r = lagSplit(model, batch, spec);
      expect(r.maxLag).toBe(T);
      const ws = lossAndGrads(null, model, batch, spec, { ledger: true });
      const step = new Float64Array(ws.layout.size);
      for (let L = 0; L < T; L++) {
        step.fill(0);
        accumulateParamGrads(step, ws.tape, ws.layout, batch.x, T - L, T - L);
        const want = recurrentBlock(step, model.config);
        expect(maxRelErr(lagMatrix(r, L), want)).toBeLessThan(1e-12);
        expect(relToMax(lagMatrix(r, L), want)).toBeLessThan(1e-12);
        expect(Math.abs(r.log10Lag[L] - ws.ledger!.dWaa[T - L - 1])).toBeLessThan(1e-12);
      }
    });
  }

  // Brute force: one lossAndGrads per loss step t (mask {t}), each split by step k with
  // accumulateParamGrads, gives C(t, k) directly; S_L = Σ_{t-k=L} C(t, k). With the sum reduction the
  // per-t losses add up to the full loss exactly. With the mean reduction the full loss divides by
  // (number of loss steps)·B·O but a single-step run only by B·O, so C(t, k) = (single-step piece) / steps.
  for (const cc of CELL_CASES) {
    for (const reduction of ["sum", "mean"] as const) {
      it(`lagSplit(${cc.name}, ${reduction}) matches the brute-force split by loss step and step, every S_L to 1e-12`, () => {
        const T = 6, B = 2;
        for (const [, mask] of masks(T)) {
          const { model, batch } = setup(cc, T, B, 59);
          const spec: LossSpec = { loss: "mse", reduction, mask };
          const r = lagSplit(model, batch, spec, { maxLag: T });
          let steps = 0;
          for (let t = 0; t < T; t++) steps += mask[t];
          const div = reduction === "mean" ? steps : 1;
          const nS = r.rows * r.cols;
          const ref = new Float64Array(T * nS);
          const lay = paramLayout(model.config);
          const piece = new Float64Array(lay.size);
          for (let t = 1; t <= T; t++) {
            if (!mask[t - 1]) continue;
            const only = new Uint8Array(T);
            only[t - 1] = 1;
            const ws = lossAndGrads(null, model, batch, { loss: "mse", reduction, mask: only });
            for (let k = 1; k <= t; k++) {
              piece.fill(0);
              accumulateParamGrads(piece, ws.tape, lay, batch.x, k, k);
              const C = recurrentBlock(piece, model.config);
              for (let i = 0; i < nS; i++) ref[(t - k) * nS + i] += C[i] / div;
            }
          }
          for (let L = 0; L < T; L++) {
            const want = ref.subarray(L * nS, (L + 1) * nS);
            const got = lagMatrix(r, L);
            expect(maxRelErr(got, want)).toBeLessThan(1e-12);
            const wl = log10Norm(want, 0, nS);
            if (wl === -Infinity) expect(r.log10Lag[L]).toBe(-Infinity);
            else expect(Math.abs(r.log10Lag[L] - wl)).toBeLessThan(1e-12);
          }
        }
      });
    }
  }

  describe("deep lags: a linear RNN with Waa = 0.9·I at its fixed point, T = 8,000", () => {
    // g = identity, x = 0, a<0> = a* = ba/(1 - 0.9): a<t> = a* for every t, so with the loss on the last
    // step S_L = 0.9^L·dz<T> ⊗ a* exactly: ‖S_L‖ = 0.9^L‖S_0‖, all S_L parallel, and
    //   ‖Σ_{L'≥L} S_L'‖ = ‖S_0‖·0.9^L·(1 - 0.9^(T-L))/(1 - 0.9).
    const T = 8000, H = 3, B = 1;
    const config = makeConfig({ cell: "rnn", activation: "identity", I: 1, H, O: 1 });
    const lay = paramLayout(config);
    const rng = new Rng(3);
    const params = new Float64Array(lay.size);
    rng.fillRandn(params, 0, params.length, 0.5);
    const Waa = lay.byName.Waa.offset, ba = lay.byName.ba.offset;
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) params[Waa + i * H + j] = i === j ? 0.9 : 0;
    const model: Model = { config, params };
    const a0 = new Float64Array(H);
    for (let j = 0; j < H; j++) a0[j] = params[ba + j] / (1 - 0.9);
    const targets = new Float64Array(T);
    targets[T - 1] = 2;
    const batch: Batch = { x: new Float64Array(T), T, B, a0, targets };
    const spec: LossSpec = { loss: "mse", reduction: "mean", mask: maskLast(T) };
    const l9 = Math.log10(0.9);
    const tailClosed = (top: number, L: number) => top + L * l9 + Math.log10((1 - 0.9 ** (T - L)) / (1 - 0.9));

    it("lagSplit(maxLag = T): log10Lag[L] = L·log10 0.9 + log10Lag[0] and the ledger's dWaa<T-L> to 1e-9, below 1e-308", () => {
      const r = lagSplit(model, batch, spec, { maxLag: T });
      const ws = lossAndGrads(null, model, batch, spec, { ledger: true });
      const top = r.log10Lag[0];
      expect(Number.isFinite(top)).toBe(true);
      for (const L of [1, 100, 1000, 4000, 7000, T - 1]) {
        expect(Math.abs(r.log10Lag[L] - (L * l9 + top))).toBeLessThan(1e-9);
      }
      let worst = 0;
      for (let L = 0; L < T; L++) worst = Math.max(worst, Math.abs(r.log10Lag[L] - ws.ledger!.dWaa[T - L - 1]));
      expect(worst).toBeLessThan(1e-9);
      expect(r.log10Lag[T - 1]).toBeLessThan(-308);
    });

    it("lagSplit(maxLag = T): log10Tail matches the geometric tail to 1e-9 and stays finite where tailFraction underflows", () => {
      const r = lagSplit(model, batch, spec, { maxLag: T });
      const top = r.log10Lag[0];
      for (const L of [0, 1, 4000, 7000, T - 1]) {
        expect(Math.abs(r.log10Tail[L] - tailClosed(top, L))).toBeLessThan(1e-9);
      }
      expect(Number.isFinite(r.log10Tail[T - 1])).toBe(true);
      expect(r.log10Tail[T - 1]).toBeLessThan(-308);
      expect(r.tailFraction[T - 1]).toBe(0);
      expect(Math.abs(Math.log10(r.tailFraction[1000]) - (r.log10Tail[1000] - r.log10DWaa))).toBeLessThan(1e-9);
      expect(r.remainderLog10).toBe(-Infinity);
    });

    it("lagSplit with the loss on the last 51 steps, maxLag = 7000: every S_L and the merged remainder in closed form to 1e-9", () => {
      // Every loss step sees the same a* and target, so dz<t> = d for each: S_L = n(L)·0.9^L·(d ⊗ a*)
      // with n(L) = #{loss steps t ≥ L+1}; the remainder sweep merges all 51 sources below 1e-308.
      const first = T - 50, M = 7000;
      const mask = new Uint8Array(T);
      mask.fill(1, first - 1);
      const tg = new Float64Array(T).fill(2);
      const r = lagSplit(model, { ...batch, targets: tg }, { loss: "mse", reduction: "sum", mask }, { maxLag: M });
      const nOf = (L: number) => Math.min(51, T - L);
      const unit = r.log10Lag[0] - Math.log10(51);
      for (const L of [1, 60, 4000, M - 1]) expect(Math.abs(r.log10Lag[L] - (unit + Math.log10(nOf(L)) + L * l9))).toBeLessThan(1e-9);
      let rem = 0;
      for (let L = M; L < T; L++) rem += nOf(L) * 0.9 ** (L - M);
      expect(Math.abs(r.remainderLog10 - (unit + M * l9 + Math.log10(rem)))).toBeLessThan(1e-9);
      expect(r.remainderLog10).toBeLessThan(-308);
    });

    for (const M of [256, 7000]) {
      it(`lagSplit(maxLag = ${M}): the remainder Σ_{L≥${M}} S_L is exact (closed form to 1e-9), so is every tail`, () => {
        const r = lagSplit(model, batch, spec, { maxLag: M });
        const top = r.log10Lag[0];
        expect(Math.abs(r.remainderLog10 - tailClosed(top, M))).toBeLessThan(1e-9);
        expect(Math.abs(r.log10Tail[M - 1] - tailClosed(top, M - 1))).toBeLessThan(1e-9);
        expect(Math.abs(r.log10DWaa - tailClosed(top, 0))).toBeLessThan(1e-9);
        if (M === 7000) expect(r.remainderLog10).toBeLessThan(-308);
      });
    }
  });

  it("lagSplit on an exploding linear RNN (Waa = 1.1·I, a<t> = 1.1^t·a<0>): every S_L is equal, past 2^400, and they sum to dWaa", () => {
    // S_L = 1.1^L·dz<T> ⊗ 1.1^(T-L-1)·a<0> = 1.1^(T-1)·dz<T> ⊗ a<0> for every L, while the carried
    // vectors grow like 1.1^L ≈ 10^145 and beyond: the shared exponent must rescale them downward.
    const T = 3500, H = 3;
    const config = makeConfig({ cell: "rnn", activation: "identity", I: 1, H, O: 1 });
    const lay = paramLayout(config);
    const rng = new Rng(4);
    const params = new Float64Array(lay.size);
    rng.fillRandn(params, 0, params.length, 0.5);
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) params[lay.byName.Waa.offset + i * H + j] = i === j ? 1.1 : 0;
    params.fill(0, lay.byName.ba.offset, lay.byName.ba.offset + H);
    const model: Model = { config, params };
    const a0 = new Float64Array([0.3, -0.2, 0.1]);
    const batch: Batch = { x: new Float64Array(T), T, B: 1, a0, targets: new Float64Array(T) };
    const spec: LossSpec = { loss: "mse", reduction: "sum", mask: maskLast(T) };
    const r = lagSplit(model, batch, spec, { maxLag: T });
    const ws = lossAndGrads(null, model, batch, spec, { ledger: true });
    for (const L of [1, 1000, 2500, T - 1]) expect(Math.abs(r.log10Lag[L] - r.log10Lag[0])).toBeLessThan(1e-9);
    expect(r.log10Lag[0]).toBeGreaterThan(250); // ‖S_L‖ ≈ 10^288, far above 2^400 ≈ 10^120
    const want = recurrentBlock(ws.grads.dparams, config);
    expect(Math.abs(r.log10DWaa - log10Norm(want, 0, want.length))).toBeLessThan(1e-12);
    expect(Math.abs(r.log10DWaa - (r.log10Lag[0] + Math.log10(T)))).toBeLessThan(1e-9);
  });

  for (const cc of CELL_CASES) {
    it(`lagSplit(${cc.name}, maxLag < T): Σ_{L<maxLag} S_L + remainder = dWaa to 1e-12, and the remainder = dWaa - Σ S_L`, () => {
      const T = 12, B = 2, M = 4;
      const { model, batch } = setup(cc, T, B, 71);
      const mask = maskEvery(T);
      mask[2] = 0;
      const spec: LossSpec = { loss: "mse", reduction: "sum", mask };
      const r = lagSplit(model, batch, spec, { maxLag: M });
      expect(r.maxLag).toBe(M);
      expect(r.log10Lag.length).toBe(M);
      expect(Number.isFinite(r.remainderLog10)).toBe(true);
      const want = recurrentBlock(lossAndGrads(null, model, batch, spec).grads.dparams, model.config);
      const R = lagMatrix(r, M);
      const sum = new Float64Array(want.length);
      for (let L = 0; L < M; L++) {
        const S = lagMatrix(r, L);
        for (let i = 0; i < sum.length; i++) sum[i] += S[i];
      }
      const diff = want.map((w, i) => w - sum[i]);
      // dWaa - Σ S_L carries rounding relative to dWaa, so compare on that scale
      let worst = 0, big = 0;
      for (let i = 0; i < want.length; i++) { worst = Math.max(worst, Math.abs(R[i] - diff[i])); big = Math.max(big, Math.abs(want[i])); }
      expect(worst / big).toBeLessThan(1e-12);
      for (let i = 0; i < sum.length; i++) sum[i] += R[i];
      expect(relToMax(sum, want)).toBeLessThan(1e-12);
      expect(Math.abs(log10Norm(sum, 0, sum.length) - r.log10DWaa)).toBeLessThan(1e-12);
      expect(Math.abs(r.log10DWaa - log10Norm(want, 0, want.length))).toBeLessThan(1e-12);
      expect(Math.abs(r.remainderLog10 - log10Norm(R, 0, R.length))).toBeLessThan(1e-12);
      // the tail at the last resolved lag is S_{M-1} + remainder
      const S = lagMatrix(r, M - 1);
      for (let i = 0; i < S.length; i++) S[i] += R[i];
      expect(Math.abs(r.log10Tail[M - 1] - log10Norm(S, 0, S.length))).toBeLessThan(1e-12);
    });
  }

  it("lagSplit(maxLag > T) reports the lags ≥ T as exactly zero", () => {
    const T = 5;
    const { model, batch } = setup(CELL_CASES[0], T, 1, 5);
    const r = lagSplit(model, batch, { loss: "mse", reduction: "mean", mask: maskEvery(T) }, { maxLag: 9 });
    expect(r.log10Lag.length).toBe(9);
    for (let L = T; L < 9; L++) {
      expect(r.log10Lag[L]).toBe(-Infinity);
      expect(r.log10Tail[L]).toBe(-Infinity);
      expect(r.tailFraction[L]).toBe(0);
      expect(lagMatrix(r, L).every((v) => v === 0)).toBe(true);
    }
    expect(Number.isFinite(r.log10Lag[T - 1])).toBe(true);
    expect(r.remainderLog10).toBe(-Infinity);
  });

  it("lagSplit(...) defaults maxLag to min(T, 256) and leaves the caller's arrays untouched", () => {
    const T = 300;
    const { model, batch } = setup(CELL_CASES[0], T, 1, 8);
    const x = batch.x.slice(), p = model.params.slice();
    const r = lagSplit(model, batch, { loss: "mse", reduction: "mean", mask: maskLast(T) });
    expect(r.maxLag).toBe(256);
    expect(Number.isFinite(r.remainderLog10)).toBe(true);
    expect(batch.x).toEqual(x);
    expect(model.params).toEqual(p);
  });

  it("lagSplit(...) throws RangeErrors naming the field", () => {
    const T = 4;
    const { model, batch } = setup(CELL_CASES[0], T, 1, 2);
    const spec: LossSpec = { loss: "mse", reduction: "mean", mask: maskEvery(T) };
    expect(() => lagSplit(model, batch, spec, { maxLag: 0 })).toThrow(/maxLag/);
    expect(() => lagSplit(model, batch, spec, { maxLag: 1.5 })).toThrow(RangeError);
    expect(() => lagSplit(model, batch, spec, { maxLag: NaN })).toThrow(/maxLag/);
    expect(() => lagSplit(model, { ...batch, x: new Float64Array(3) }, spec)).toThrow(/batch\.x/);
    expect(() => lagSplit(model, { ...batch, a0: new Float64Array(1) }, spec)).toThrow(/batch\.a0/);
    expect(() => lagSplit(model, { ...batch, T: 0 }, spec)).toThrow(/batch\.T/);
    expect(() => lagSplit(model, batch, { ...spec, mask: new Uint8Array(3) })).toThrow(/spec\.mask/);
    expect(() => lagSplit(model, batch, { ...spec, mask: new Uint8Array(T) })).toThrow(/mask/);
    expect(() => lagSplit({ ...model, params: new Float64Array(2) }, batch, spec)).toThrow(/model\.params/);
  });
});

