/**
 * The shared shape of a task: a seeded generator of batches with a documented encoding, the loss of its
 * trivial baseline and a success criterion. Plain data plus functions; every random draw takes the
 * caller's `rng` (a numpy-exact `Rng`), so the same seed gives the same bits.
 *
 * Layouts (dims.ts, loss-spec.ts): x (T, B, I) time-major; targets (T, B, O) for mse/bce, (T, B) class
 * indices for ce; yhat (T, B, O). Entries of targets at steps whose mask is 0 are zero and never read.
 */
import type { Batch } from "../bptt";
import { checkInt } from "../dims";
import type { LossKind, LossSpec } from "../loss-spec";
import type { OutputKind } from "../model";
import type { Rng } from "../rng";

/** The task names, as the CLI and the playground spell them. */
export type TaskName = "adding" | "adding-hs" | "copy" | "temporal-order" | "parity" | "latch" | "char-lm";
export const TASK_NAMES: readonly TaskName[] = ["adding", "adding-hs", "copy", "temporal-order", "parity", "latch", "char-lm"];

/** One sampled batch: the model's inputs and targets, where the loss sits, and the padded length. */
export interface TaskBatch {
  batch: Batch;
  spec: LossSpec;
  /** = batch.T, the (padded) number of steps */
  T: number;
  /**
   * Real length of each row (B) when rows have different lengths and are left-padded (adding-hs), so
   * row b occupies steps T-lengths[b]+1 .. T; null when every row is T steps long.
   */
  lengths: Int32Array | null;
}

/** What `score` reports: one number, its name, and whether it meets the task's success criterion. */
export interface TaskScore {
  metric: string;
  value: number;
  solved: boolean;
}

export interface Task {
  name: TaskName;
  /** input size */
  I: number;
  /** output size */
  O: number;
  loss: LossKind;
  output: OutputKind;
  /** the loss of the documented trivial baseline, in the loss's own units and reduction */
  baseline: number;
  baselineNote: string;
  /** the success criterion in words, with its source */
  solvedNote: string;
  /** Fills a new batch of B rows. Validates B. */
  sample(rng: Rng, B: number): TaskBatch;
  /** The success criterion on predictions yhat (T, B, O) for batch tb (read at the masked steps only). */
  score(yhat: Float64Array, tb: TaskBatch): TaskScore;
}

/** Largest T·B·I a task allocates for x (2^27 doubles, 1 GiB), to stop a typo from asking for more. */
export const TASK_MAX_ELEMENTS = 1 << 27;
/** Largest sequence length a task accepts. */
export const TASK_MAX_T = 1_000_000;

/**
 * Checks B and the size of the (T, B, I) input. Throws a RangeError naming the field otherwise.
 * @internal shared by the task files
 */
export function checkBatchSize(B: number, T: number, I: number): void {
  checkInt("B", B, 1, TASK_MAX_ELEMENTS);
  if (T * B * I > TASK_MAX_ELEMENTS) {
    throw new RangeError(`B=${B} with T=${T} and I=${I} asks for ${T * B * I} input values; at most ${TASK_MAX_ELEMENTS} are allowed`);
  }
}

/** Checks that yhat holds (T, B, O) values. */
export function checkYhat(yhat: Float64Array, tb: TaskBatch, O: number): void {
  const n = tb.T * tb.batch.B * O;
  if (yhat.length !== n) throw new RangeError(`yhat has ${yhat.length} values; a batch with T=${tb.T}, B=${tb.batch.B}, O=${O} needs ${n}`);
}

/** Index of the largest of v[off .. off+n-1] (the first one on ties). */
export function argmaxAt(v: Float64Array, off: number, n: number): number {
  let best = 0;
  let bv = v[off];
  for (let j = 1; j < n; j++) if (v[off + j] > bv) { bv = v[off + j]; best = j; }
  return best;
}

/**
 * Fisher-Yates shuffle of `a` in place, bit-identical to numpy's legacy `np.random.shuffle(a)` for a
 * 1-D array or a list (`for i in reversed(range(1, n)): j = random_interval(i)`; numpy's
 * `random_interval(i)` is the masked rejection that `Rng.uniformInt(i + 1)` implements). Returns a.
 */
export function shuffleInPlace<E>(rng: Rng, a: E[]): E[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.uniformInt(i + 1);
    const tmp = a[i];
    a[i] = a[j];
    a[j] = tmp;
  }
  return a;
}

/**
 * The success rule shared by the classification tasks: no mistakes, i.e. an error rate below 1e-6.
 * Source: Pascanu, Mikolov & Bengio 2013's experiment code stops a run as solved when the validation
 * error, measured on 10,000 sequences, falls below 0.0001 % (`error < .0001`, error in percent).
 */
export const NO_MISTAKES = 1e-6;
