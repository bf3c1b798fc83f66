/**
 * Where the loss sits and how it is reduced. Shared by heads.ts, the CLI and the tests.
 *
 * Targets are one flat Float64Array:
 *   mse, bce:  (T, B, O) real targets; bce targets lie in [0, 1]
 *   ce:        (T, B) class indices in [0, O), stored as doubles
 * Entries at steps whose mask is 0 are never read.
 *
 * Reductions follow PyTorch's defaults: `mean` divides by the number of elements that carry a loss,
 * (steps with mask=1)·B·O for mse and bce, (steps with mask=1)·B for ce. `sum` does not divide.
 */
export type LossKind = "mse" | "bce" | "ce";
export const LOSS_KINDS: readonly LossKind[] = ["mse", "bce", "ce"];
export type Reduction = "mean" | "sum";
export const REDUCTIONS: readonly Reduction[] = ["mean", "sum"];

export interface LossSpec {
  loss: LossKind;
  reduction: Reduction;
  /** length T; mask[t-1] = 1 where a loss sits on yhat<t> */
  mask: Uint8Array;
}

/** A loss on the last step only (many-to-one). */
export function maskLast(T: number): Uint8Array {
  const m = new Uint8Array(T);
  m[T - 1] = 1;
  return m;
}

/** A loss on every step (many-to-many). */
export function maskEvery(T: number): Uint8Array {
  return new Uint8Array(T).fill(1);
}

/** Where the loss sits, as the CLI names it. */
export type LossOn = "last" | "every";

/**
 * Checks a targets array as read from a file and lays it out as heads.ts reads it.
 * Accepted shapes: for mse/bce (B, O) with a loss on the last step, (T, B, O) on every step; for ce
 * (B) or (T, B) class indices. Returns (T, B, O) or (T, B). Every error names `field`.
 */
export function expandTargets(field: string, data: Float64Array, shape: readonly number[], loss: LossKind, on: LossOn, T: number, B: number, O: number): Float64Array {
  const want = loss === "ce" ? (on === "last" ? [B] : [T, B]) : on === "last" ? [B, O] : [T, B, O];
  if (shape.length !== want.length || shape.some((n, i) => n !== want[i])) {
    throw new RangeError(`${field} has shape (${shape.join(", ")}); with --loss ${loss} and --on ${on} it must be (${want.join(", ")})`);
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) throw new RangeError(`${field} holds ${v} at flat index ${i}; targets must be finite`);
    if (loss === "ce" && !(Number.isInteger(v) && v >= 0 && v < O)) throw new RangeError(`${field} holds class ${v} at flat index ${i}; classes must be integers in [0, ${O - 1}]`);
    if (loss === "bce" && !(v >= 0 && v <= 1)) throw new RangeError(`${field} holds ${v} at flat index ${i}; bce targets must lie in [0, 1]`);
  }
  if (on === "every") return data;
  const per = loss === "ce" ? B : B * O;
  const out = new Float64Array(T * per);
  out.set(data, (T - 1) * per);
  return out;
}
