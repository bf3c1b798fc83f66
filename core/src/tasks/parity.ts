/**
 * The parity problem (Bengio, Simard & Frasconi 1994 use it as a long-term dependency benchmark):
 * read a string of T random bits, output at the last step whether the number of ones is odd.
 *
 * Encoding, I = 1: x<t> = the bit (0 or 1), each uniform and independent. Output, O = 1: a sigmoid
 * probability of "odd", loss sigmoid-BCE at the last step (heads.ts's `bce`: computed from the logit),
 * target 1 for an odd count, 0 for an even one. (2-class softmax-CE would give the same baseline; a
 * single sigmoid unit keeps O = 1.)
 * Draw order: the bits (T, B) in C order, each `randint(2)` (numpy: `r.randint(2, size=(T, B))`).
 *
 * Baseline: ln 2 ≈ 0.693 nats, answering 1/2. For T >= 1 the parity is a fair coin given any strict
 * subset of the bits, so no input-blind answer does better.
 * Solved: every row classified right (yhat > 1/2 means odd), the rule of task.ts (NO_MISTAKES).
 */
import { checkInt } from "../dims";
import { maskLast } from "../loss-spec";
import type { Rng } from "../rng";
import { checkBatchSize, checkYhat, NO_MISTAKES, TASK_MAX_T, type Task, type TaskBatch, type TaskScore } from "./task";

/** The parity task over T bits (T >= 1). */
export function makeParityTask(T: number): Task {
  checkInt("T", T, 1, TASK_MAX_T);
  return {
    name: "parity",
    I: 1,
    O: 1,
    loss: "bce",
    output: "sigmoid",
    baseline: Math.LN2,
    baselineNote: "answer 1/2: BCE ln 2 ≈ 0.693",
    solvedNote: "every row right, yhat > 1/2 read as odd (no mistakes, Pascanu et al. 2013's rule)",
    sample: (rng, B) => sampleParity(rng, T, B),
    score: scoreParity,
  };
}

function sampleParity(rng: Rng, T: number, B: number): TaskBatch {
  checkBatchSize(B, T, 1);
  const x = new Float64Array(T * B);
  for (let i = 0; i < T * B; i++) x[i] = rng.uniformInt(2);
  const targets = new Float64Array(T * B);
  const last = (T - 1) * B;
  for (let b = 0; b < B; b++) {
    let p = 0;
    for (let t = 0; t < T; t++) p ^= x[t * B + b];
    targets[last + b] = p;
  }
  return { batch: { x, T, B, targets }, spec: { loss: "bce", reduction: "mean", mask: maskLast(T) }, T, lengths: null };
}

function scoreParity(yhat: Float64Array, tb: TaskBatch): TaskScore {
  checkYhat(yhat, tb, 1);
  const { B, targets } = tb.batch;
  const off = (tb.T - 1) * B;
  let right = 0;
  for (let b = 0; b < B; b++) if ((yhat[off + b] > 0.5 ? 1 : 0) === targets[off + b]) right++;
  const acc = right / B;
  return { metric: "accuracy", value: acc, solved: 1 - acc < NO_MISTAKES };
}
