/**
 * The temporal order problem as Pascanu, Mikolov & Bengio 2013 (§5.1) ran it, after Hochreiter &
 * Schmidhuber 1997 (Experiment 6a). A port of `TempOrderTask.generate` from Pascanu's experiment code
 * (Copyright (c) 2012-2013 Razvan Pascanu, BSD licence), draw for draw: numpy's
 * `TempOrderTask(np.random.RandomState(seed), ...).generate(B, L)` and this with `new Rng(seed)` give the
 * same sequences and classes.
 *
 * Alphabet, one-hot, I = 6: 0 = A, 1 = B (the relevant symbols), 2..5 = the distractors c, d, e, f.
 * With h = ⌊0.1·L⌋: the first relevant symbol v0 ∈ {A, B} sits at a 0-based step p0 uniform in [h, 2h),
 * the second v1 at p1 uniform in [⌊0.5·L⌋, ⌊0.5·L⌋ + h); every other step holds a uniform distractor.
 * (Pascanu's paper says [0.1L, 0.2L) and [0.5L, 0.6L); the code's bounds, used here, equal those
 * whenever 10 divides L.) Output, O = 4, at the last step only: class v0 + 2·v1, i.e. 0 = AA, 1 = BA,
 * 2 = AB, 3 = BB (first symbol, second symbol). Softmax cross-entropy, mean over the B rows.
 * H&S 1997's version also has start/end markers E and B and lengths 100..110; Pascanu's, used here, has
 * neither.
 *
 * Draw order (Pascanu's): p0 (B), v0 (B), p1 (B), v1 (B), then the distractors (L, B) in C order, each
 * `randint`, which `Rng.uniformInt` reproduces word for word.
 *
 * Baseline: chance, ln 4 ≈ 1.386 nats: the four classes are equally likely and independent of the
 * distractors, so the best input-blind prediction is uniform.
 * Solved: every row classified right (Pascanu's code stops at a validation error below 0.0001 %).
 */
import { checkInt } from "../dims";
import { maskLast } from "../loss-spec";
import type { Rng } from "../rng";
import { argmaxAt, checkBatchSize, checkYhat, NO_MISTAKES, TASK_MAX_T, type Task, type TaskBatch, type TaskScore } from "./task";

/** Class names by index: first symbol, then second. */
export const TEMPORAL_ORDER_CLASSES: readonly string[] = ["AA", "BA", "AB", "BB"];

/** The temporal order task with sequences of L steps (L >= 10, so that ⌊0.1·L⌋ >= 1). */
export function makeTemporalOrderTask(L: number): Task {
  checkInt("T", L, 10, TASK_MAX_T);
  return {
    name: "temporal-order",
    I: 6,
    O: 4,
    loss: "ce",
    output: "softmax",
    baseline: Math.log(4),
    baselineNote: "chance: uniform over AA/AB/BA/BB, ln 4 ≈ 1.386",
    solvedNote: "every row classified right (Pascanu et al. 2013: validation error < 0.0001 % on 10,000 sequences)",
    sample: (rng, B) => sampleTemporalOrder(rng, L, B),
    score: scoreTemporalOrder,
  };
}

function sampleTemporalOrder(rng: Rng, L: number, B: number): TaskBatch {
  checkBatchSize(B, L, 6);
  // int(l * .1) and int(l * .5) in Pascanu's code: the same IEEE products, floored
  const h = Math.floor(L * 0.1);
  const mid = Math.floor(L * 0.5);
  const p0 = new Int32Array(B), v0 = new Int32Array(B), p1 = new Int32Array(B), v1 = new Int32Array(B);
  for (let b = 0; b < B; b++) p0[b] = rng.uniformInt(h) + h;
  for (let b = 0; b < B; b++) v0[b] = rng.uniformInt(2);
  for (let b = 0; b < B; b++) p1[b] = rng.uniformInt(h) + mid;
  for (let b = 0; b < B; b++) v1[b] = rng.uniformInt(2);
  const sym = new Int32Array(L * B);
  for (let i = 0; i < L * B; i++) sym[i] = rng.uniformInt(4) + 2;
  const targets = new Float64Array(L * B);
  for (let b = 0; b < B; b++) {
    sym[p0[b] * B + b] = v0[b];
    sym[p1[b] * B + b] = v1[b];
    targets[(L - 1) * B + b] = v0[b] + 2 * v1[b];
  }
  const x = new Float64Array(L * B * 6);
  for (let i = 0; i < L * B; i++) x[i * 6 + sym[i]] = 1;
  return { batch: { x, T: L, B, targets }, spec: { loss: "ce", reduction: "mean", mask: maskLast(L) }, T: L, lengths: null };
}

function scoreTemporalOrder(yhat: Float64Array, tb: TaskBatch): TaskScore {
  checkYhat(yhat, tb, 4);
  const { B, targets } = tb.batch;
  const off = (tb.T - 1) * B;
  let right = 0;
  for (let b = 0; b < B; b++) if (argmaxAt(yhat, (off + b) * 4, 4) === targets[off + b]) right++;
  const acc = right / B;
  return { metric: "accuracy", value: acc, solved: 1 - acc < NO_MISTAKES };
}
