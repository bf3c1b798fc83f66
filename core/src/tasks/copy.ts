/**
 * The copy memory problem of Arjovsky, Shah & Bengio 2016 (uRNN, §4.1).
 *
 * Alphabet of 10 categories, one-hot, I = O = 10: 0 = blank, 1..8 = the symbols, 9 = the delimiter.
 * Input, T + 20 steps: ten symbols drawn uniformly and independently from 1..8, then T - 1 blanks, the
 * delimiter, then ten blanks. Target: T + 10 blanks, then the ten symbols in order. Softmax
 * cross-entropy at every step, mean over the (T + 20)·B outputs.
 * This is the `copying_data(T, n_data, n_sequence)` generator that the uRNN line of work's code shares
 * (`seq = randint(1, 9, size=(n_data, 10))`, x = [seq, 0·(T-1), 9, 0·10], y = [0·10, 0·T, seq]), with the
 * same draw order: the symbols (B, 10) in C order, so numpy with the same seed gives the same symbols.
 *
 * Baseline, the best memoryless strategy (it may count steps but cannot remember symbols): for the first
 * T + 10 outputs the target is blank with certainty, so predicting blank with probability 1 costs 0 nats;
 * each of the last 10 targets is uniform over 8 symbols independent of everything it can see at that
 * step (the inputs there are blanks), so its best prediction is uniform over 1..8, at ln 8 nats each.
 * The mean over the T + 20 steps is 10·ln 8 / (T + 20).
 *
 * Solved: every one of the 10·B recalled symbols right (argmax), the rule of task.ts (NO_MISTAKES).
 */
import { checkInt } from "../dims";
import { maskEvery } from "../loss-spec";
import type { Rng } from "../rng";
import { argmaxAt, checkBatchSize, checkYhat, NO_MISTAKES, TASK_MAX_T, type Task, type TaskBatch, type TaskScore } from "./task";

/** Category indices of the copy alphabet. */
export const COPY_BLANK = 0;
export const COPY_DELIMITER = 9;
/** Number of symbols to remember, and of symbol categories. */
export const COPY_LENGTH = 10;
export const COPY_SYMBOLS = 8;

/** The copy task with a delay of T (T >= 1): sequences of T + 20 steps. */
export function makeCopyTask(T: number): Task {
  checkInt("T", T, 1, TASK_MAX_T - 2 * COPY_LENGTH);
  return {
    name: "copy",
    I: 10,
    O: 10,
    loss: "ce",
    output: "softmax",
    baseline: (COPY_LENGTH * Math.log(COPY_SYMBOLS)) / (T + 2 * COPY_LENGTH),
    baselineNote: `memoryless: blanks predicted perfectly, the last 10 uniform over 8 symbols: 10·ln 8/(T+20) = ${((COPY_LENGTH * Math.log(COPY_SYMBOLS)) / (T + 2 * COPY_LENGTH)).toPrecision(6)}`,
    solvedNote: "all 10·B recalled symbols right (argmax; no mistakes, Pascanu et al. 2013's rule)",
    sample: (rng, B) => sampleCopy(rng, T, B),
    score: scoreCopy,
  };
}

function sampleCopy(rng: Rng, T: number, B: number): TaskBatch {
  const L = T + 2 * COPY_LENGTH;
  checkBatchSize(B, L, 10);
  const x = new Float64Array(L * B * 10);
  const targets = new Float64Array(L * B); // 0 = blank everywhere but the recall window
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < COPY_LENGTH; k++) {
      const s = 1 + rng.uniformInt(COPY_SYMBOLS);
      x[(k * B + b) * 10 + s] = 1;
      targets[(T + COPY_LENGTH + k) * B + b] = s;
    }
  }
  for (let t = COPY_LENGTH; t < L; t++) {
    const c = t === T + COPY_LENGTH - 1 ? COPY_DELIMITER : COPY_BLANK;
    for (let b = 0; b < B; b++) x[(t * B + b) * 10 + c] = 1;
  }
  return { batch: { x, T: L, B, targets }, spec: { loss: "ce", reduction: "mean", mask: maskEvery(L) }, T: L, lengths: null };
}

function scoreCopy(yhat: Float64Array, tb: TaskBatch): TaskScore {
  checkYhat(yhat, tb, 10);
  const { B, targets } = tb.batch;
  let right = 0;
  for (let t = tb.T - COPY_LENGTH; t < tb.T; t++) {
    for (let b = 0; b < B; b++) if (argmaxAt(yhat, (t * B + b) * 10, 10) === targets[t * B + b]) right++;
  }
  const acc = right / (COPY_LENGTH * B);
  return { metric: "recall accuracy (last 10 steps)", value: acc, solved: 1 - acc < NO_MISTAKES };
}
