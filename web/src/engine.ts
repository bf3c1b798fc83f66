/**
 * The training side of the worker, as a plain class with no `self`, no DOM and no clock of its own
 * (the caller passes `now`), so that Node runs and tests the very code the browser runs.
 *
 * `step()` is core's Trainer.step, step for step (sample, lossAndGrads with the ledger, non-finite
 * check, global norm, clipping, optimizer), with two differences made for a live view: it keeps the
 * workspace (the ledger, yhat and tape of the step the view shows) and the parameters the step's
 * gradient was taken at, and it does not take the spectral radius after every update (a dense
 * eigendecomposition: 50 ms at H = 64, more than a whole step at small T); the analyzer does.
 * web/test/engine.test.ts checks that the parameters stay bit-identical to core's Trainer.
 * Seeds follow `rnnlab train`: the weights from Rng(seed), the batches from Rng(seed + 1).
 *
 * Every step (and the preview) also appends its ledger's total, decimated, to `heat` (heat-rows.ts):
 * the heatmap gets one row per training iteration however many steps a frame holds.
 *
 * `snapshot()` packs what the analyses need (the parameters and the batch of the step on view) for
 * the analysis worker (analyzer.ts), so that the expensive analyses never stall training.
 */
import {
  firstNonFinite, globalNorm, clipByGlobalNorm, clipByNorm, clipByValue, initModel, lossAndGrads, makeConfig,
  makeOptimizer, paramLayout, restoreOptimizer, Rng, argmaxAt, sampleName,
  type CharLmTask, type InitOptions, type Model, type Optimizer, type OptimizerSpec, type ParamLayout, type Task, type TaskBatch,
  type Workspace,
} from "../../core/src/index";
import { playgroundTask } from "./corpus";
import { HeatRowBuffer } from "./heat-rows";
import { withLossOn } from "./loss-on";
import { resolveBatch, sequenceLength, type PlaygroundState } from "./state";

/** A clock in milliseconds (performance.now in the worker and in Node). */
export type Clock = () => number;

/** What one training step reports. */
export interface StepInfo {
  step: number;
  loss: number;
  gradNorm: number;
  clipped: boolean;
}

/** A non-finite gradient: training stops, and the page says where. */
export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NonFiniteError";
  }
}

/** The gradient view of one step: the ledger (copies, ready to transfer) and the task's predictions. */
export interface GradientView {
  /** the iteration whose gradient this is: the step that used it (1-based); 0 = before training, the gradient step 1 will use */
  iteration: number;
  T: number;
  loss: number;
  direct: Float64Array;
  recurrent: Float64Array;
  total: Float64Array;
  /** log10‖dWaa<t>‖ per step */
  dWaa: Float64Array;
  /** the task view */
  task: TaskView;
}

export interface TaskView {
  /**
   * "scatter": pred against truth for O = 1; "classes": predicted and true class per answer step and
   * row; "names" (char-lm): the name of this step, character by character, and names sampled from the model
   */
  kind: "scatter" | "classes" | "names";
  truth: Float64Array;
  pred: Float64Array;
  /** classes: answer steps per row (1, or 10 for copy); names: T */
  perRow: number;
  metric: string;
  value: number;
  solved: boolean;
  /** names only */
  names?: NamesView;
}

/** char-lm's task view: what the model predicted along the name it just trained on, and what it writes. */
export interface NamesView {
  /** the vocabulary, chars[0] = "\n" (truth and pred hold indices into it) */
  chars: string[];
  /** the probability the model gave the true next character at each step */
  pTrue: Float64Array;
  /** names drawn from the model after this frame's updates, always from Rng(seed + 2), so they change only as the model learns */
  samples: string[];
  /** ln V: nats per character of a uniform guess */
  uniformNats: number;
  /** the corpus's unigram entropy: nats per character of the best context-free guess */
  unigramNats: number;
}

/** Names sampled per frame for the char-lm view, and their longest length. */
export const SAMPLES = 8;
const SAMPLE_MAX_LEN = 20;

/** The step on view, packed for the analysis worker: plain data and transferable arrays. */
export interface Snapshot {
  iteration: number;
  /** the parameters the step's gradient was taken at */
  params: Float64Array;
  /** the batch: x (T, B, I), targets, the loss mask (T) */
  x: Float64Array;
  targets: Float64Array;
  mask: Uint8Array;
  loss: "mse" | "bce" | "ce";
  reduction: "mean" | "sum";
  T: number;
  B: number;
  /** ms of a training step, to size the analyses */
  stepMs: number;
}

/** The model a state describes, drawn from Rng(seed). */
export function buildModel(s: PlaygroundState, task: Task): Model {
  const config = makeConfig({ cell: s.cell, I: task.I, H: s.hidden, O: task.O, activation: s.activation, output: task.output });
  const opts: InitOptions = { kind: s.init };
  if (s.cell === "lstm") opts.forgetBias = s.forgetBias;
  if (s.waa === "rho") opts.spectralRadius = s.radius;
  else if (s.waa === "lambda1") opts.lambda1 = s.radius;
  return initModel(config, new Rng(s.seed), opts);
}

/** The optimizer settings of a state (PyTorch's defaults for everything but lr). */
export function optimizerSpec(s: PlaygroundState): OptimizerSpec {
  const k = s.optimizer;
  if (k === "sgd" || k === "momentum") return { kind: k, lr: s.lr };
  return { kind: k, lr: s.lr };
}

export class Engine {
  readonly state: PlaygroundState;
  readonly task: Task;
  readonly model: Model;
  readonly layout: ParamLayout;
  readonly B: number;
  readonly rng: Rng;
  private optimizer: Optimizer;
  private clipMode: PlaygroundState["clip"];
  private clipAt: number;
  steps = 0;
  /** the workspace of the step the view shows */
  ws: Workspace | null = null;
  /** that step's batch */
  lastBatch: TaskBatch | null = null;
  /** the parameters that step's gradient was taken at (before its update) */
  readonly viewParams: Float64Array;
  /** ms of the last training step, to size the analyses */
  stepMs = 0;
  /** the heatmap rows of the steps since the last frame */
  readonly heat: HeatRowBuffer;

  constructor(state: PlaygroundState) {
    this.state = { ...state };
    this.task = withLossOn(playgroundTask(state.task, state.T), state.loss);
    this.heat = new HeatRowBuffer(sequenceLength(state.task, state.T));
    this.model = buildModel(state, this.task);
    this.layout = paramLayout(this.model.config);
    this.B = resolveBatch(state);
    this.rng = new Rng(state.seed + 1);
    this.optimizer = makeOptimizer(optimizerSpec(state), this.layout.size);
    this.clipMode = state.clip;
    this.clipAt = state.clipAt;
    this.viewParams = this.model.params.slice();
  }

  /** Applies the fields that continue a run (lr, clipping): the optimizer keeps its moments. */
  setContinuing(s: PlaygroundState): void {
    if (s.lr !== this.state.lr || s.optimizer !== this.state.optimizer) {
      this.optimizer = restoreOptimizer(optimizerSpec(s), this.optimizer.state());
    }
    this.clipMode = s.clip;
    this.clipAt = s.clipAt;
    Object.assign(this.state, { lr: s.lr, clip: s.clip, clipAt: s.clipAt, pick: s.pick });
  }

  /**
   * The gradient the next step will use, without consuming the sampler (a copy of the rng draws the
   * same batch): the view before training starts.
   */
  preview(): void {
    const tb = this.task.sample(Rng.fromState(this.rng.getState()), this.B);
    this.lastBatch = tb;
    this.viewParams.set(this.model.params);
    this.ws = lossAndGrads(this.ws, this.model, tb.batch, tb.spec, { ledger: true });
    this.heat.push(0, this.ws.ledger!.total, tb.T);
  }

  /** One training step: core's Trainer.step without the per-step spectral radius. Throws NonFiniteError. */
  step(now?: Clock): StepInfo {
    const t0 = now ? now() : 0;
    const { model, layout } = this;
    const tb = this.task.sample(this.rng, this.B);
    this.lastBatch = tb;
    this.viewParams.set(model.params);
    const ws = (this.ws = lossAndGrads(this.ws, model, tb.batch, tb.spec, { ledger: true }));
    const g = ws.grads.dparams;
    const loss = ws.loss;
    const bad = Number.isFinite(loss) ? firstNonFinite(g, layout) : { block: "loss", index: 0, value: loss };
    if (bad) {
      throw new NonFiniteError(`step ${this.steps + 1}: ${bad.block === "loss" ? `the loss is ${loss}` : `gradient ${bad.block}[${bad.index}] is ${bad.value}`}. Lower the learning rate, clip, or lower ρ/λ1, then reset.`);
    }
    const gradNorm = globalNorm(g, layout);
    let clipped = false;
    const mode = this.clipMode, thr = this.clipAt;
    if (mode === "global") clipped = clipByGlobalNorm(g, thr, layout).clipped;
    else if (mode === "norm") clipped = clipByNorm(g, layout, thr) > 0;
    else if (mode === "value") clipped = clipByValue(g, thr) > 0;
    this.optimizer.step(model.params, g);
    this.steps++;
    this.heat.push(this.steps, ws.ledger!.total, tb.T);
    if (now) this.stepMs = now() - t0;
    return { step: this.steps, loss, gradNorm, clipped };
  }

  /** The gradient view of the step last taken (or previewed), as fresh arrays the caller may transfer. */
  gradientView(): GradientView {
    const ws = this.ws, tb = this.lastBatch;
    if (!ws || !ws.ledger || !tb) throw new Error("gradientView: no step taken yet; call preview() or step()");
    const l = ws.ledger;
    return {
      iteration: this.steps,
      T: l.T,
      loss: ws.loss,
      direct: l.direct.slice(),
      recurrent: l.recurrent.slice(),
      total: l.total.slice(),
      dWaa: l.dWaa.slice(),
      task: this.task.name === "char-lm"
        ? namesView(this.task as CharLmTask, tb, ws.yhat, this.model, this.state.seed)
        : taskView(this.task, tb, ws.yhat),
    };
  }

  /** The model the view's gradient was taken at. */
  viewModel(): Model {
    return { config: this.model.config, params: this.viewParams };
  }

  /** Copies of what the analyses need: the parameters and the batch of the step on view. */
  snapshot(): Snapshot {
    const tb = this.lastBatch;
    if (!tb) throw new Error("snapshot: no step taken yet");
    const { batch, spec } = tb;
    return {
      iteration: this.steps, params: this.viewParams.slice(), x: batch.x.slice(), targets: batch.targets.slice(),
      mask: spec.mask.slice(), loss: spec.loss, reduction: spec.reduction, T: batch.T, B: batch.B, stepMs: this.stepMs,
    };
  }

}

/** The task view of a batch: predictions against truth at the answer steps. */
export function taskView(task: Task, tb: TaskBatch, yhat: Float64Array): TaskView {
  const { B, targets } = tb.batch;
  const T = tb.T, O = task.O;
  const s = task.score(yhat, tb);
  if (task.loss !== "ce") {
    // O = 1: the last step of every row
    const truth = new Float64Array(B), pred = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      truth[b] = targets[(T - 1) * B + b];
      pred[b] = yhat[(T - 1) * B + b];
    }
    return { kind: "scatter", truth, pred, perRow: 1, metric: s.metric, value: s.value, solved: s.solved };
  }
  // copy: the 10 answer steps; char-lm (B = 1): every step of the name; the others: the last step
  const perRow = task.name === "copy" ? 10 : task.name === "char-lm" ? T : 1;
  const truth = new Float64Array(B * perRow), pred = new Float64Array(B * perRow);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < perRow; j++) {
      const t = T - perRow + j;
      truth[b * perRow + j] = targets[t * B + b];
      pred[b * perRow + j] = argmaxAt(yhat, (t * B + b) * O, O);
    }
  }
  return { kind: "classes", truth, pred, perRow, metric: s.metric, value: s.value, solved: s.solved };
}

/**
 * char-lm's task view: along the name of this step (B = 1), the true next character, the model's most
 * likely one and the probability it gave the true one; then SAMPLES names drawn from `model` with the
 * course's sampler. The sampler's rng restarts at Rng(seed + 2) every frame: the same seed shows the
 * same names for the same weights, and the names change only because the weights do.
 */
export function namesView(task: CharLmTask, tb: TaskBatch, yhat: Float64Array, model: Model, seed: number): TaskView {
  const V = task.vocab.V, T = tb.T;
  const pTrue = new Float64Array(T);
  for (let t = 0; t < T; t++) pTrue[t] = yhat[t * V + tb.batch.targets[t]];
  const rng = new Rng(seed + 2);
  const samples: string[] = [];
  for (let i = 0; i < SAMPLES; i++) samples.push(sampleName(model, task.vocab, rng, { maxLen: SAMPLE_MAX_LEN }));
  return {
    ...taskView(task, tb, yhat), kind: "names",
    names: { chars: task.vocab.chars.slice(), pTrue, samples, uniformNats: Math.log(V), unigramNats: task.unigramNats },
  };
}
