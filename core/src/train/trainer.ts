/**
 * The training loop's step function. No clock and no I/O: the edge (CLI, playground worker) calls
 * `step()` and decides what to print, save or draw. Each step samples a batch from the task with the
 * trainer's own rng, computes the loss and exact gradients (full, truncated or checkpointed BPTT),
 * checks them for non-finite values, clips, and updates the parameters with the optimizer.
 * The same seed gives the same bits; `state()` and `restoreTrainer` resume bit-identically.
 */
import { lossAndGrads, type Workspace } from "../bptt";
import { checkpointedLossAndGrads, type CheckpointWorkspace } from "../checkpointed";
import { recurrentBlock, spectralRadius } from "../init";
import type { Ledger } from "../ledger";
import type { Model } from "../model";
import { paramLayout, type ParamLayout } from "../params";
import { Rng, type RngState } from "../rng";
import type { Grads } from "../sequence";
import type { Task, TaskBatch } from "../tasks/task";
import { tbpttLossAndGrads } from "../tbptt";
import { clipByGlobalNorm, clipByNorm, clipByValue, firstNonFinite, globalNorm } from "./clip";
import { makeOptimizer, restoreOptimizer, type Optimizer, type OptimizerSpec, type OptimizerState } from "./optimizers";

export type ClipMode = "none" | "value" | "norm" | "global";
export const CLIP_MODES: readonly ClipMode[] = ["none", "value", "norm", "global"];

export type BpttMode = { mode: "full" } | { mode: "tbptt"; k1: number; k2: number } | { mode: "checkpoint"; k?: number };

export interface TrainerConfig {
  task: Task;
  /** batch size */
  B: number;
  optimizer: OptimizerSpec;
  /** clipping: by value (torch clip_grad_value_), per-tensor norm (Keras clipnorm), or global norm (torch clip_grad_norm_) */
  clip: { mode: ClipMode; threshold: number };
  bptt: BpttMode;
  /** a non-finite gradient stops with NonFiniteGradientError (default), or the update is skipped and reported */
  onNonFinite: "stop" | "skip";
  /** seed of the batch sampler */
  seed: number;
  /** record the gradient ledger each step (log10‖dJ/da<t>‖ at t = 1 and t = T in the report); default true */
  ledger?: boolean;
  /**
   * compute the recurrent matrix's spectral radius (an eigendecomposition, ~H³) every this many
   * steps; the reports in between repeat the last value. Default 1.
   */
  spectralRadiusEvery?: number;
}

/** What one step reports. */
export interface StepReport {
  /** 1-based step count after this step */
  step: number;
  /** the training loss of this step's batch (before the update) */
  loss: number;
  /** global 2-norm of the gradient before clipping */
  gradNorm: number;
  /** global 2-norm after clipping */
  gradNormClipped: number;
  clipped: boolean;
  /** true when the update was skipped because of a non-finite gradient (onNonFinite: skip) */
  skipped: boolean;
  /** where the first non-finite gradient was, when skipped */
  nonFinite: NonFiniteReport | null;
  /** spectral radius of the recurrent matrix (Waa, or Wc[:, :H] for gated cells), after the update */
  spectralRadius: number;
  /** log10‖dJ/da<t>‖ at t = 1 and t = T, and their difference: how much of the gradient reaches step 1 */
  ledger: { first: number; last: number; ratio: number } | null;
}

/** The first non-finite gradient: its tensor, its index, and the step of the backward pass it appeared at. */
export interface NonFiniteReport {
  tensor: string;
  index: number;
  value: number;
  /** the highest t whose pre-activation gradient was non-finite (the backward pass runs from T down), or null */
  t: number | null;
  /** the first step whose forward state was non-finite, or null when the forward pass was finite (or not examined) */
  forwardT: number | null;
  /** whether t and forwardT were looked for: false with checkpointed BPTT, which keeps no full tape */
  statesChecked: boolean;
}

/** Thrown by step() when onNonFinite is "stop". */
export class NonFiniteGradientError extends Error {
  readonly report: NonFiniteReport;
  constructor(step: number, r: NonFiniteReport) {
    // a non-finite loss comes from the forward pass: from its states, or else from the readout
    // (checkpointed BPTT keeps no full tape, so there the states are not examined)
    const where = r.forwardT !== null ? `the forward state a<${r.forwardT}> was already non-finite`
      : r.tensor === "loss" ? (r.statesChecked ? "the states were finite, so the readout overflowed" : "the forward pass overflowed (checkpointed BPTT: which state is not recorded)")
      : r.t !== null ? `it appeared at t = ${r.t} in the backward pass` : "the loss itself was not finite";
    super(`step ${step}: ${r.tensor === "loss" ? `the loss is ${r.value}` : `gradient ${r.tensor}[${r.index}] is ${r.value}`}; ${where}`);
    this.name = "NonFiniteGradientError";
    this.report = r;
  }
}

/** Everything needed to resume bit-identically: plain JSON-able data. */
export interface TrainerState {
  step: number;
  params: number[];
  optimizer: OptimizerState;
  rng: RngState;
  /** the last spectral radius computed (so a resumed run repeats it until its next scheduled update) */
  spectralRadius?: number | null;
}

export class Trainer {
  readonly cfg: TrainerConfig;
  readonly model: Model;
  readonly layout: ParamLayout;
  readonly optimizer: Optimizer;
  readonly rng: Rng;
  steps = 0;
  /** the last batch and workspace, for views (task view, ledger) */
  lastBatch: TaskBatch | null = null;
  private ws: Workspace | null = null;
  private rho = NaN;
  private cws: CheckpointWorkspace | null = null;

  constructor(cfg: TrainerConfig, model: Model, state?: TrainerState) {
    validateTrainerConfig(cfg, model);
    this.cfg = cfg;
    this.layout = paramLayout(model.config);
    this.model = { config: model.config, params: Float64Array.from(model.params) };
    if (state) {
      if (state.params.length !== this.layout.size) throw new RangeError(`state.params has ${state.params.length} values, expected ${this.layout.size}`);
      this.model.params.set(state.params);
      this.optimizer = restoreOptimizer(cfg.optimizer, state.optimizer);
      this.rng = Rng.fromState(state.rng);
      this.steps = state.step;
      this.rho = typeof state.spectralRadius === "number" ? state.spectralRadius : NaN;
    } else {
      this.optimizer = makeOptimizer(cfg.optimizer, this.layout.size);
      this.rng = new Rng(cfg.seed);
    }
  }

  /** One training step. Throws NonFiniteGradientError when onNonFinite is "stop". */
  step(): StepReport {
    const { cfg, model, layout } = this;
    const tb = cfg.task.sample(this.rng, cfg.B);
    this.lastBatch = tb;
    const wantLedger = cfg.ledger ?? true;
    let loss: number, grads: Grads, ledger: Ledger | null;
    if (cfg.bptt.mode === "checkpoint") {
      // a k above a sequence's length is one segment, as tbptt's k1 (char-lm's names vary in length)
      const k = cfg.bptt.k === undefined ? undefined : Math.min(cfg.bptt.k, tb.T);
      this.cws = checkpointedLossAndGrads(this.cws, model, tb.batch, tb.spec, { k, ledger: wantLedger });
      ({ loss, grads, ledger } = this.cws);
    } else if (cfg.bptt.mode === "tbptt") {
      const r = tbpttLossAndGrads(this.ws, model, tb.batch, tb.spec, { k1: Math.min(cfg.bptt.k1, tb.T), k2: cfg.bptt.k2, ledger: wantLedger });
      this.ws = r.ws;
      ({ loss, grads, ledger } = r.ws);
    } else {
      this.ws = lossAndGrads(this.ws, model, tb.batch, tb.spec, { ledger: wantLedger });
      ({ loss, grads, ledger } = this.ws);
    }
    const g = grads.dparams;
    const bad = Number.isFinite(loss) ? firstNonFinite(g, layout) : { block: "loss", index: 0, value: loss };
    const gradNorm = bad ? NaN : globalNorm(g, layout);
    let skipped = false, clipped = false, gradNormClipped = gradNorm, nonFinite: NonFiniteReport | null = null;
    if (bad) {
      // checkpointed BPTT keeps no full tape to search
      const tape = this.ws && cfg.bptt.mode !== "checkpoint" ? this.ws : null;
      nonFinite = {
        tensor: bad.block, index: bad.index, value: bad.value,
        t: tape ? firstNonFiniteBackwardStep(tape) : null,
        forwardT: tape ? firstNonFiniteForwardStep(tape) : null,
        statesChecked: tape !== null,
      };
      if (cfg.onNonFinite === "stop") throw new NonFiniteGradientError(this.steps + 1, nonFinite);
      skipped = true;
    } else {
      const { mode, threshold } = cfg.clip;
      if (mode === "global") clipped = clipByGlobalNorm(g, threshold, layout).clipped;
      else if (mode === "norm") clipped = clipByNorm(g, layout, threshold) > 0;
      else if (mode === "value") clipped = clipByValue(g, threshold) > 0;
      gradNormClipped = clipped ? globalNorm(g, layout) : gradNorm;
      this.optimizer.step(model.params, g);
    }
    this.steps++;
    const every = cfg.spectralRadiusEvery ?? 1;
    if (this.rho !== this.rho || (this.steps - 1) % every === 0) {
      const rb = recurrentBlock(model.config, layout);
      this.rho = spectralRadius(model.params, rb.n, rb.offset, rb.ld);
    }
    const T = ledger ? ledger.T : 0;
    return {
      step: this.steps,
      loss,
      gradNorm,
      gradNormClipped,
      clipped,
      skipped,
      nonFinite,
      spectralRadius: this.rho,
      ledger: ledger ? { first: ledger.total[0], last: ledger.total[T - 1], ratio: ledger.total[0] - ledger.total[T - 1] } : null,
    };
  }

  /** The resumable state (a copy). */
  state(): TrainerState {
    return {
      step: this.steps, params: Array.from(this.model.params), optimizer: this.optimizer.state(), rng: this.rng.getState(),
      spectralRadius: Number.isFinite(this.rho) ? this.rho : null,
    };
  }
}

/** A trainer that continues from `state` exactly where the run that saved it stopped. */
export function restoreTrainer(cfg: TrainerConfig, model: Model, state: TrainerState): Trainer {
  return new Trainer(cfg, model, state);
}

/** Checks the config against the model; each error names the field. */
export function validateTrainerConfig(cfg: TrainerConfig, model: Model): void {
  const c = model.config;
  const t = cfg.task;
  if (c.I !== t.I) throw new RangeError(`task ${t.name} has I = ${t.I} but the model takes I = ${c.I}`);
  if (c.O !== t.O) throw new RangeError(`task ${t.name} has O = ${t.O} but the model gives O = ${c.O}`);
  if (c.output !== t.output) throw new RangeError(`task ${t.name} needs output ${t.output}, the model has ${c.output}`);
  if (!(Number.isInteger(cfg.B) && cfg.B >= 1)) throw new RangeError(`batch must be an integer >= 1, got ${cfg.B}`);
  if (!["none", "value", "norm", "global"].includes(cfg.clip.mode)) throw new RangeError(`clip mode must be one of none|value|norm|global, got ${cfg.clip.mode}`);
  if (cfg.clip.mode !== "none" && !(cfg.clip.threshold > 0 && cfg.clip.threshold < Infinity)) throw new RangeError(`clip threshold must be finite and > 0, got ${cfg.clip.threshold}`);
  const re = cfg.spectralRadiusEvery ?? 1;
  if (!(Number.isInteger(re) && re >= 1)) throw new RangeError(`spectralRadiusEvery must be an integer >= 1, got ${re}`);
  if (cfg.onNonFinite !== "stop" && cfg.onNonFinite !== "skip") throw new RangeError(`onNonFinite must be stop or skip, got ${String(cfg.onNonFinite)}`);
  if (cfg.bptt.mode === "tbptt") {
    if (!(Number.isInteger(cfg.bptt.k1) && cfg.bptt.k1 >= 1)) throw new RangeError(`k1 must be an integer >= 1, got ${cfg.bptt.k1}`);
    if (!(Number.isInteger(cfg.bptt.k2) && cfg.bptt.k2 >= 1)) throw new RangeError(`k2 must be an integer >= 1, got ${cfg.bptt.k2}`);
  }
}

/** The highest t whose stored pre-activation gradient holds a non-finite value (null if none). */
export function firstNonFiniteBackwardStep(ws: Workspace): number | null {
  const { T, B, G, config: { H } } = ws.tape;
  const n = B * G * H;
  for (let t = T; t >= 1; t--) {
    for (let i = (t - 1) * n; i < t * n; i++) if (!Number.isFinite(ws.tape.dpre[i])) return t;
  }
  return null;
}

/** The first t whose forward state a<t> holds a non-finite value (null if none). */
export function firstNonFiniteForwardStep(ws: Workspace): number | null {
  const { T, B, config: { H } } = ws.tape;
  const n = B * H;
  for (let t = 1; t <= T; t++) {
    for (let i = t * n; i < (t + 1) * n; i++) if (!Number.isFinite(ws.tape.a[i])) return t;
  }
  return null;
}
