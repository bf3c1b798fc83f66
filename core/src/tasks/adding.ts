/**
 * The adding problem as Le, Jaitly & Hinton 2015 (IRNN) and Arjovsky, Shah & Bengio 2016 (uRNN) pose it.
 *
 * Encoding, I = 2, O = 1, T steps: x<t> = (value, marker) with value ~ U[0, 1) at every step and marker
 * 1 at exactly two steps, one drawn uniformly from the first half t ∈ [1, ⌊T/2⌋] and one from the second
 * half t ∈ [⌊T/2⌋+1, T], marker 0 elsewhere. The target, at the last step only, is the sum of the two
 * marked values; the loss is MSE (mean over the B rows).
 *
 * Baseline: always answering 1. The sum S of two independent U[0,1] values has mean 1 and variance
 * 2·(1/12), so E[(S - 1)²] = 1/6 ≈ 0.1667, the best any constant answer can do.
 *
 * Solved: MSE < 0.01. No paper fixes an MSE threshold for this variant (Le et al. and Arjovsky et al.
 * plot MSE against the 0.167 line). The number 0.01 is borrowed from Hochreiter & Schmidhuber's stopping
 * rule for their adding problem (NIPS 1996 and Neural Computation 1997, Experiment 4: "average training
 * error below 0.01", together with the 2000 most recent sequences correct), where it applies to their
 * scaled target 0.5 + (X1+X2)/4. On this unscaled target it is 6 % of the baseline 1/6 (R² ≈ 0.94).
 *
 * Draw order (reproduces numpy with the same seed, `r = np.random.RandomState(seed)`):
 *   value = r.uniform(size=(T, B)); p1 = r.randint(T//2, size=B); p2 = r.randint(T - T//2, size=B) + T//2
 * with p1, p2 the 0-based indices of the marked steps.
 */
import { checkInt } from "../dims";
import { maskLast } from "../loss-spec";
import type { Rng } from "../rng";
import { checkBatchSize, checkYhat, TASK_MAX_T, type Task, type TaskBatch, type TaskScore } from "./task";

/** The MSE below which the adding task counts as solved (see the file comment for the source). */
export const ADDING_SOLVED_MSE = 0.01;

/** The adding problem with sequences of T steps (T >= 2). */
export function makeAddingTask(T: number): Task {
  checkInt("T", T, 2, TASK_MAX_T);
  return {
    name: "adding",
    I: 2,
    O: 1,
    loss: "mse",
    output: "identity",
    baseline: 1 / 6,
    baselineNote: "always answer 1: MSE = Var(X1 + X2) = 2/12 = 1/6 ≈ 0.1667",
    solvedNote: `MSE < ${ADDING_SOLVED_MSE} (the error threshold of Hochreiter & Schmidhuber 1997's stopping rule; 6 % of the baseline)`,
    sample: (rng, B) => sampleAdding(rng, T, B),
    score: scoreAdding,
  };
}

function sampleAdding(rng: Rng, T: number, B: number): TaskBatch {
  checkBatchSize(B, T, 2);
  const x = new Float64Array(T * B * 2);
  const targets = new Float64Array(T * B);
  const half = Math.floor(T / 2);
  // values (T, B) in C order, written straight into channel 0
  for (let i = 0; i < T * B; i++) x[2 * i] = rng.randomSample();
  const p1 = new Int32Array(B);
  for (let b = 0; b < B; b++) p1[b] = rng.uniformInt(half);
  const last = (T - 1) * B;
  for (let b = 0; b < B; b++) {
    const p2 = half + rng.uniformInt(T - half);
    const i1 = p1[b] * B + b;
    const i2 = p2 * B + b;
    x[2 * i1 + 1] = 1;
    x[2 * i2 + 1] = 1;
    targets[last + b] = x[2 * i1] + x[2 * i2];
  }
  return { batch: { x, T, B, targets }, spec: { loss: "mse", reduction: "mean", mask: maskLast(T) }, T, lengths: null };
}

function scoreAdding(yhat: Float64Array, tb: TaskBatch): TaskScore {
  checkYhat(yhat, tb, 1);
  const { B, targets } = tb.batch;
  const off = (tb.T - 1) * B;
  let s = 0;
  for (let b = 0; b < B; b++) { const d = yhat[off + b] - targets[off + b]; s += d * d; }
  const mse = s / B;
  return { metric: "mse", value: mse, solved: mse < ADDING_SOLVED_MSE };
}
