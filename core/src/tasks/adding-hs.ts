/**
 * The adding problem as Hochreiter & Schmidhuber 1997 pose it (LSTM paper, Experiment 4).
 *
 * The paper's rules, each followed here:
 * - Each step is a pair (value, marker); value ~ U[-1, 1]; marker ∈ {1, 0, -1}. I = 2, O = 1.
 * - The length is a random integer in [T, T + T/10] (here ⌊T/10⌋, both ends included), per sequence.
 * - "We first randomly select and mark one of the first ten pairs (whose first component is called X1).
 *   Then we randomly select and mark one of the first T/2 - 1 still unmarked pairs (X2)": X1's position
 *   is uniform over the first 10 pairs; X2's is uniform over the first m = ⌊T/2⌋ - 1 pairs that are still
 *   unmarked, i.e. pairs 1..m, or 1..m+1 without X1's pair when X1's pair is among them.
 * - The markers of all other pairs are 0, except the first and the final pair, whose markers are -1 (a
 *   marked first pair keeps marker 1).
 * - "X1 is set to zero in the rare case where the first pair of the sequence got marked": when X1 falls
 *   on the first pair its value is zeroed in the input too. The paper names X1 only, so a value X2 on
 *   the first pair (possible when X1 is elsewhere) is kept as drawn.
 * - One target, at the sequence end: 0.5 + (X1 + X2)/4. A sequence is correct when |error| < 0.04.
 *
 * Random lengths in a batch (the one departure from the paper, which trained online, B = 1):
 * - `ragged: "pad-left"` (default): each row draws its own length and is padded at the FRONT with zero
 *   pairs (value 0, marker 0) up to the batch's longest length T_max, so every row's final pair sits at
 *   step T_max and the loss mask is the last step only (LossSpec's mask runs over t, shared by the rows).
 *   The network reads the padding before the row's first pair; the first pair's -1 marker tells where
 *   the real sequence starts. `TaskBatch.lengths` holds each row's real length. With B = 1 there is no
 *   padding and this is exactly the paper's setup.
 * - `ragged: "per-batch"`: one length for the whole batch, no padding.
 *
 * Baseline: always answering 0.5, the target's mean. With X2 ~ U[-1,1] (E X2² = 1/3) and X1 zeroed with
 * probability 1/10 (E X1² = 0.9/3 = 0.3), MSE = E[(X1 + X2)²]/16 = (0.3 + 1/3)/16 = 19/480 ≈ 0.0396.
 *
 * Solved: every sequence of the scored batch correct. The paper stops training when "the average
 * training error is below 0.01, and the 2000 most recent sequences were processed correctly"; score a
 * batch of B = 2000 to apply it as written.
 *
 * Draw order (numpy equivalent with `r = np.random.RandomState(seed)`, h = T//10, m = T//2 - 1):
 *   pad-left:  L = T + r.randint(h + 1, size=B); then for each row b: p1 = r.randint(10);
 *              k = r.randint(m); value = r.uniform(-1, 1, size=L[b])
 *   per-batch: L = T + r.randint(h + 1); then the same per-row draws with L for every row
 * with p2 = k + 1 if k >= p1 else k (0-based positions within the row).
 */
import { checkInt } from "../dims";
import { maskLast } from "../loss-spec";
import type { Rng } from "../rng";
import { checkBatchSize, checkYhat, TASK_MAX_T, type Task, type TaskBatch, type TaskScore } from "./task";

/** How rows of different lengths share a batch. */
export type Ragged = "pad-left" | "per-batch";
export const RAGGED_MODES: readonly Ragged[] = ["pad-left", "per-batch"];

/** H&S 1997: a sequence is processed correctly when the absolute error at its end is below this. */
export const ADDING_HS_TOLERANCE = 0.04;

export interface AddingHsOptions {
  /** default "pad-left" */
  ragged?: Ragged;
}

/** The H&S 1997 adding problem with minimal length T (T >= 11, so the first ten pairs never include the final one). */
export function makeAddingHsTask(T: number, opts: AddingHsOptions = {}): Task {
  checkInt("T", T, 11, TASK_MAX_T);
  const ragged = opts.ragged ?? "pad-left";
  if (!RAGGED_MODES.includes(ragged)) throw new RangeError(`ragged must be one of ${RAGGED_MODES.join("|")}, got ${String(ragged)}`);
  return {
    name: "adding-hs",
    I: 2,
    O: 1,
    loss: "mse",
    output: "identity",
    baseline: 19 / 480,
    baselineNote: "always answer 0.5: MSE = (E X1² + E X2²)/16 = (0.3 + 1/3)/16 = 19/480 ≈ 0.0396 (X1 is zeroed with probability 1/10)",
    solvedNote: `every sequence with |error| < ${ADDING_HS_TOLERANCE} (Hochreiter & Schmidhuber 1997: the 2000 most recent sequences correct; score B = 2000)`,
    sample: (rng, B) => sampleAddingHs(rng, T, B, ragged),
    score: scoreAddingHs,
  };
}

function sampleAddingHs(rng: Rng, T: number, B: number, ragged: Ragged): TaskBatch {
  const h = Math.floor(T / 10);
  checkBatchSize(B, T + h, 2);
  const m = Math.floor(T / 2) - 1;
  const lengths = new Int32Array(B);
  if (ragged === "per-batch") lengths.fill(T + rng.uniformInt(h + 1));
  else for (let b = 0; b < B; b++) lengths[b] = T + rng.uniformInt(h + 1);
  let Tmax = 0;
  for (let b = 0; b < B; b++) if (lengths[b] > Tmax) Tmax = lengths[b];
  const x = new Float64Array(Tmax * B * 2);
  const targets = new Float64Array(Tmax * B);
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    const start = Tmax - L; // 0-based step of the row's first pair
    const p1 = rng.uniformInt(10);
    const k = rng.uniformInt(m);
    const p2 = k >= p1 ? k + 1 : k;
    // pair i of row b (0-based within the row) sits at x[o + i·2B] (value) and x[o + i·2B + 1] (marker)
    const o = 2 * (start * B + b);
    const step = 2 * B;
    for (let i = 0; i < L; i++) x[o + i * step] = -1 + 2 * rng.randomSample();
    x[o + 1] = -1;
    x[o + (L - 1) * step + 1] = -1;
    x[o + p1 * step + 1] = 1;
    x[o + p2 * step + 1] = 1;
    if (p1 === 0) x[o] = 0;
    targets[(Tmax - 1) * B + b] = 0.5 + (x[o + p1 * step] + x[o + p2 * step]) / 4;
  }
  return {
    batch: { x, T: Tmax, B, targets },
    spec: { loss: "mse", reduction: "mean", mask: maskLast(Tmax) },
    T: Tmax,
    lengths: ragged === "pad-left" ? lengths : null,
  };
}

function scoreAddingHs(yhat: Float64Array, tb: TaskBatch): TaskScore {
  checkYhat(yhat, tb, 1);
  const { B, targets } = tb.batch;
  const off = (tb.T - 1) * B;
  let correct = 0;
  for (let b = 0; b < B; b++) if (Math.abs(yhat[off + b] - targets[off + b]) < ADDING_HS_TOLERANCE) correct++;
  return { metric: `fraction correct (|error| < ${ADDING_HS_TOLERANCE})`, value: correct / B, solved: correct === B };
}
