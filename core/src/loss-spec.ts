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
