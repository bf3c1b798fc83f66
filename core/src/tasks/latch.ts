/**
 * The latching problem of Bengio, Simard & Frasconi 1994 (§IV, "a minimal task"): classify a sequence
 * whose class is carried only by its first L_info inputs, while noise fills the rest, so the network
 * must latch one bit for T - L_info steps.
 *
 * Encoding, I = 1, O = 1: class c ∈ {-1, +1}, equally likely; x<t> = c for t = 1..L_info (no noise);
 * x<t> ~ N(0, 0.2) (variance 0.2) for t > L_info. Target 0.8·c at the last step, MSE.
 * Simplification: in Bengio et al. the first L inputs are free parameters learned per class (the
 * network must also find inputs that latch). Here they are fixed at ±1, which is the variant II that
 * Hochreiter & Schmidhuber ("Bridging long time lags by weight guessing and LSTM", 1996) describe:
 * "sequences from class 1 start with 1.0; others with -1.0", with Gaussian noise of mean 0 and variance
 * 0.2 on every other element. The targets ±0.8 are Bengio et al.'s (and H&S's variant I's).
 * Draw order: the classes (B) as `randint(2)` (1 is +1), then the noise (T - L_info, B) in C order as
 * `randn`·√0.2 (numpy: `r.randint(2, size=B)`, then `r.normal(0, sqrt(0.2), size=(T - L_info, B))`).
 *
 * Baseline: answering 0, MSE 0.8² = 0.64, the best input-blind answer (the classes are balanced).
 * Solved: every row's answer has the class's sign, the rule of task.ts (NO_MISTAKES).
 */
import { checkInt } from "../dims";
import { maskLast } from "../loss-spec";
import type { Rng } from "../rng";
import { checkBatchSize, checkYhat, NO_MISTAKES, TASK_MAX_T, type Task, type TaskBatch, type TaskScore } from "./task";

/** Target magnitude at the last step. */
export const LATCH_TARGET = 0.8;

export interface LatchOptions {
  /** how many leading steps carry the class; default 1, in [1, T] */
  infoSteps?: number;
  /** variance of the Gaussian noise after them; default 0.2 */
  noiseVariance?: number;
}

/** The latch task over T steps (T >= 1). */
export function makeLatchTask(T: number, opts: LatchOptions = {}): Task {
  checkInt("T", T, 1, TASK_MAX_T);
  const infoSteps = opts.infoSteps ?? 1;
  checkInt("infoSteps", infoSteps, 1, T);
  const noiseVariance = opts.noiseVariance ?? 0.2;
  if (!(noiseVariance >= 0 && noiseVariance <= 1e6)) throw new RangeError(`noiseVariance must lie in [0, 1e6], got ${noiseVariance}`);
  const std = Math.sqrt(noiseVariance);
  return {
    name: "latch",
    I: 1,
    O: 1,
    loss: "mse",
    output: "identity",
    baseline: LATCH_TARGET * LATCH_TARGET,
    baselineNote: "answer 0: MSE 0.8² = 0.64",
    solvedNote: "every row's answer has the right sign (no mistakes, Pascanu et al. 2013's rule)",
    sample: (rng, B) => sampleLatch(rng, T, B, infoSteps, std),
    score: scoreLatch,
  };
}

function sampleLatch(rng: Rng, T: number, B: number, infoSteps: number, std: number): TaskBatch {
  checkBatchSize(B, T, 1);
  const x = new Float64Array(T * B);
  const targets = new Float64Array(T * B);
  const last = (T - 1) * B;
  for (let b = 0; b < B; b++) {
    const c = rng.uniformInt(2) === 1 ? 1 : -1;
    for (let t = 0; t < infoSteps; t++) x[t * B + b] = c;
    targets[last + b] = LATCH_TARGET * c;
  }
  // loc + scale·gauss, numpy's legacy_normal formula (the 0 + also turns -0 into 0 when the variance is 0)
  for (let i = infoSteps * B; i < T * B; i++) x[i] = 0 + std * rng.randn();
  return { batch: { x, T, B, targets }, spec: { loss: "mse", reduction: "mean", mask: maskLast(T) }, T, lengths: null };
}

function scoreLatch(yhat: Float64Array, tb: TaskBatch): TaskScore {
  checkYhat(yhat, tb, 1);
  const { B, targets } = tb.batch;
  const off = (tb.T - 1) * B;
  let right = 0;
  for (let b = 0; b < B; b++) if (yhat[off + b] * targets[off + b] > 0) right++;
  const acc = right / B;
  return { metric: "sign accuracy", value: acc, solved: 1 - acc < NO_MISTAKES };
}
