/**
 * The readout and the losses. At every step t whose mask is 1:
 *   z<t> = Wya·a<t> + by   (logits, (B, O))      yhat<t> = identity(z) | σ(z) | softmax(z)
 * Losses (loss-spec.ts), summed over the masked steps, batch rows and outputs, then divided by the
 * element count for `mean`:
 *   mse:  (yhat - y)²
 *   bce:  -(y·log σ(z) + (1-y)·log(1-σ(z))) = softplus(z) - y·z      (needs the sigmoid output)
 *   ce:   -log softmax(z)_c = logsumexp(z) - z_c                        (needs the softmax output)
 * bce and ce are computed from the logits, stably, as PyTorch's BCEWithLogits and CrossEntropy do.
 */
import { sigmoid } from "./activations";
import { addColumnSumsBlocked, fillRows, gemmNNBlocked, gemmNTBlocked, gemmTNBlocked } from "./linalg";
import type { LossSpec } from "./loss-spec";
import type { ModelConfig } from "./model";
import type { ParamLayout } from "./params";

/** Number of elements the `mean` reduction divides by. */
export function lossDenominator(spec: LossSpec, B: number, O: number): number {
  let steps = 0;
  for (let t = 0; t < spec.mask.length; t++) if (spec.mask[t]) steps++;
  if (spec.reduction === "sum") return 1;
  if (steps === 0) throw new RangeError("mask must mark at least one step for the mean reduction, got none");
  return spec.loss === "ce" ? steps * B : steps * B * O;
}

/**
 * The steps a head call covers, for segmented passes (checkpointed BPTT): steps from..to, with a<t>
 * read at (t - shift)·B·H of the states array and dJ/da<t> written at (t - shift - 1)·B·H. The
 * default is every step of an array holding all of them: { from: 1, to: T, shift: 0 }.
 */
export interface HeadRange {
  from: number;
  to: number;
  shift: number;
}

/**
 * z and yhat (T, B, O) at the masked steps, from the states a (T+1, B, H). Overwrites those steps of
 * z and yhat; leaves the others untouched.
 */
export function headForward(z: Float64Array, yhat: Float64Array, config: ModelConfig, P: Float64Array, L: ParamLayout,
  a: Float64Array, T: number, B: number, mask: Uint8Array, range: HeadRange = { from: 1, to: T, shift: 0 }): void {
  const { H, O, output } = config;
  const Wya = L.byName.Wya.offset, by = L.byName.by.offset;
  for (let t = range.from; t <= range.to; t++) {
    if (!mask[t - 1]) continue;
    const zo = (t - 1) * B * O;
    fillRows(z, zo, B, P, by, O);
    gemmNTBlocked(z, zo, O, a, (t - range.shift) * B * H, H, P, Wya, H, B, O, H);
    for (let b = 0; b < B; b++) {
      const o = zo + b * O;
      if (output === "identity") for (let j = 0; j < O; j++) yhat[o + j] = z[o + j];
      else if (output === "sigmoid") for (let j = 0; j < O; j++) yhat[o + j] = sigmoid(z[o + j]);
      else {
        let mx = -Infinity;
        for (let j = 0; j < O; j++) if (z[o + j] > mx) mx = z[o + j];
        let s = 0;
        for (let j = 0; j < O; j++) { const e = Math.exp(z[o + j] - mx); yhat[o + j] = e; s += e; }
        for (let j = 0; j < O; j++) yhat[o + j] /= s;
      }
    }
  }
}

/** The loss value from z, yhat and the targets (layouts in loss-spec.ts). */
export function lossValue(z: Float64Array, yhat: Float64Array, targets: Float64Array, spec: LossSpec, T: number, B: number, O: number): number {
  let sum = 0;
  for (let t = 1; t <= T; t++) {
    if (!spec.mask[t - 1]) continue;
    for (let b = 0; b < B; b++) {
      const o = ((t - 1) * B + b) * O;
      if (spec.loss === "mse") {
        for (let j = 0; j < O; j++) { const d = yhat[o + j] - targets[o + j]; sum += d * d; }
      } else if (spec.loss === "bce") {
        for (let j = 0; j < O; j++) {
          const v = z[o + j];
          sum += Math.max(v, 0) - targets[o + j] * v + Math.log1p(Math.exp(-Math.abs(v)));
        }
      } else {
        let mx = -Infinity;
        for (let j = 0; j < O; j++) if (z[o + j] > mx) mx = z[o + j];
        let s = 0;
        for (let j = 0; j < O; j++) s += Math.exp(z[o + j] - mx);
        const c = targets[(t - 1) * B + b];
        sum += mx + Math.log(s) - z[o + c];
      }
    }
  }
  return sum / lossDenominator(spec, B, O);
}

/**
 * Backward through the readout. Writes dz = dJ/dz<t> into dz (T, B, O) and daDirect = Wyaᵀ·dz<t>
 * (T, B, H) at the masked steps, and zeros daDirect elsewhere (overwrites both). Accumulates dWya and
 * dby into dparams, visiting t from the last step down (the order every weight gradient uses).
 */
export function headBackward(dparams: Float64Array, daDirect: Float64Array, dz: Float64Array,
  config: ModelConfig, P: Float64Array, L: ParamLayout, a: Float64Array,
  z: Float64Array, yhat: Float64Array, targets: Float64Array, spec: LossSpec, T: number, B: number,
  range: HeadRange = { from: 1, to: T, shift: 0 }): void {
  const { H, O, output } = config;
  const inv = 1 / lossDenominator(spec, B, O);
  const Wya = L.byName.Wya.offset, by = L.byName.by.offset;
  daDirect.fill(0, (range.from - range.shift - 1) * B * H, (range.to - range.shift) * B * H);
  for (let t = range.to; t >= range.from; t--) {
    if (!spec.mask[t - 1]) continue;
    const zo = (t - 1) * B * O;
    for (let b = 0; b < B; b++) {
      const o = zo + b * O;
      if (spec.loss === "mse") {
        for (let j = 0; j < O; j++) dz[o + j] = 2 * (yhat[o + j] - targets[o + j]) * inv;
        if (output === "sigmoid") for (let j = 0; j < O; j++) dz[o + j] *= yhat[o + j] * (1 - yhat[o + j]);
        else if (output === "softmax") {
          // dz_i = y_i·(dy_i - Σ_j dy_j y_j)
          let s = 0;
          for (let j = 0; j < O; j++) s += dz[o + j] * yhat[o + j];
          for (let j = 0; j < O; j++) dz[o + j] = yhat[o + j] * (dz[o + j] - s);
        }
      } else if (spec.loss === "bce") {
        for (let j = 0; j < O; j++) dz[o + j] = (yhat[o + j] - targets[o + j]) * inv;
      } else {
        const c = targets[(t - 1) * B + b];
        for (let j = 0; j < O; j++) dz[o + j] = (yhat[o + j] - (j === c ? 1 : 0)) * inv;
      }
    }
    gemmTNBlocked(dparams, Wya, H, dz, zo, O, a, (t - range.shift) * B * H, H, O, H, B);
    addColumnSumsBlocked(dparams, by, dz, zo, O, B, O);
    gemmNNBlocked(daDirect, (t - range.shift - 1) * B * H, H, dz, zo, O, P, Wya, H, B, H, O);
  }
}
