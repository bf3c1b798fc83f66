/**
 * One training run on disk, shared by `rnnlab train` and every run of a sweep (in the main thread or
 * a worker thread). It writes OUT/metrics.jsonl (one JSON line per step), OUT/checkpoint.json
 * (atomically) every `saveEvery` steps and when `shouldStop()` turns true, and OUT/model.json at the
 * end. A run continued from its checkpoint ends with the same bytes as an uninterrupted one.
 * No signal handling and no printing here: the caller decides (train: SIGINT; a sweep worker: a
 * shared stop flag).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  initModel, makeConfig, makeTask, matmulPrecision, modelToJSONText, Rng, Trainer,
  type CharLmTask, type MatmulPrecision, type Model, type OptimizerSpec, type StepReport, type Task, type TrainerConfig, type TrainerState,
} from "../../core/src/index";
import type { TrainFlags } from "./commands/train";
import { UsageError } from "./errors";
import { makeDir, readBytes, writeFileAtomic } from "./files";

/** The names corpus for char-lm: the `pokemon` npm package's English names. */
export function pokemonNames(): string[] {
  const require = createRequire(import.meta.url);
  return require("pokemon/data/en.json") as string[];
}

/** The task the flags ask for; a bad size is a UsageError naming --task. */
export function buildTask(f: Pick<TrainFlags, "task" | "T">): Task {
  try {
    return makeTask(f.task, { T: f.T, corpus: f.task === "char-lm" ? pokemonNames() : undefined });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--task ${f.task}: ${e.message}`);
    throw e;
  }
}

/** Everything a run is made of, before any step: the task, the initial model, the trainer's config. */
export interface TrainSetup {
  task: Task;
  B: number;
  /** the initial model (seeded by --seed) */
  model: Model;
  cfg: TrainerConfig;
  /** the flags that define the run, as text; a checkpoint records it and a resume must match it */
  runKey: string;
}

/**
 * DIR/checkpoint.json: the run's flags as text (runKey), the precision of its matrix products (the
 * RNNLAB_MATMUL it ran under; absent in checkpoints older than this field, which were float64 unless
 * that variable was set), and the trainer's state. A resume must match both.
 */
export interface Checkpoint { run: string; matmul?: MatmulPrecision; state: TrainerState }

/** A checkpoint file, or a UsageError naming it (missing, unreadable, or not written by rnnlab). */
export function readCheckpoint(path: string): Checkpoint {
  try {
    const ck = JSON.parse(new TextDecoder().decode(readBytes("--resume", path))) as Checkpoint;
    if (typeof ck?.run !== "string" || typeof ck.state?.step !== "number") throw new Error("no run key or step");
    return ck;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--resume: ${path} is not a checkpoint rnnlab wrote (${(e as Error).message}); delete it to start afresh`);
  }
}

/**
 * Why checkpoint `ck` cannot continue the run whose flags give `runKey` in this process (other flags,
 * or other matrix-product precision), or null. Shared by --resume and by sweeps' continuations.
 */
export function checkpointMismatch(ck: Checkpoint, runKey: string): string | null {
  if (ck.run !== runKey) return `was written by a run with other flags (${runKeyDiff(runKey, ck.run)}); resume with the same flags`;
  const was = ck.matmul ?? "float64";
  if (was !== matmulPrecision()) return `was written with ${was} matrix products, and this process uses ${matmulPrecision()}; resume with RNNLAB_MATMUL=${was}`;
  return null;
}

/** Checks the flags that depend on each other and builds the run. */
export function setupTraining(f: TrainFlags): TrainSetup {
  const clips = [f.clipNorm, f.clipValue, f.clipTensorNorm].filter((v) => v !== undefined).length;
  if (clips > 1) throw new UsageError("--clip-norm, --clip-value and --clip-tensor-norm: choose at most one");
  const task = buildTask(f);
  const B = task.name === "char-lm" ? 1 : f.batch;
  if (task.name === "char-lm" && f.batch !== 1 && f.batch !== 20) throw new UsageError(`--batch: ${f.batch}; char-lm trains on one name per step (--batch 1)`);
  const config = makeConfig({ cell: f.cell, I: task.I, H: f.hidden, O: task.O, output: task.output });
  const model = initModel(config, new Rng(f.seed), { kind: f.init, forgetBias: f.forgetBias });
  if (f.alpha !== undefined && f.optimizer !== "rmsprop") throw new UsageError(`--alpha: applies to --optimizer rmsprop only, got --optimizer ${f.optimizer}`);
  const optimizer = (f.alpha !== undefined ? { kind: f.optimizer, lr: f.lr, alpha: f.alpha } : { kind: f.optimizer, lr: f.lr }) as OptimizerSpec;
  // every sequence of these tasks is at least this long (copy adds its 20 symbol and recall steps;
  // char-lm's length is each name's, and the trainer takes min(k, length) there)
  const shortest = task.name === "copy" ? f.T + 20 : task.name === "char-lm" ? null : f.T;
  if (f.bptt === "checkpoint" && f.checkpointK !== undefined && shortest !== null && f.checkpointK > shortest) {
    throw new UsageError(`--checkpoint-k: ${f.checkpointK} is not allowed: expected an integer in [1, ${shortest}] (the shortest sequence)`);
  }
  const k1 = f.k1 ?? f.T, k2 = f.k2 ?? k1;
  const cfg: TrainerConfig = {
    task, B, optimizer,
    clip: f.clipNorm ? { mode: "global", threshold: f.clipNorm } : f.clipValue ? { mode: "value", threshold: f.clipValue }
      : f.clipTensorNorm ? { mode: "norm", threshold: f.clipTensorNorm } : { mode: "none", threshold: 0 },
    bptt: f.bptt === "tbptt" ? { mode: "tbptt", k1, k2 } : f.bptt === "checkpoint" ? { mode: "checkpoint", k: f.checkpointK } : { mode: "full" },
    onNonFinite: f.onNonfinite,
    seed: f.seed + 1,
    spectralRadiusEvery: f.rhoEvery,
  };
  const runKey = JSON.stringify({ task: f.task, cell: f.cell, T: f.T, hidden: f.hidden, batch: B, optimizer: f.optimizer, lr: f.lr,
    ...(f.alpha !== undefined ? { alpha: f.alpha } : {}), clip: cfg.clip, seed: f.seed, init: f.init, forgetBias: f.forgetBias, bptt: cfg.bptt, onNonfinite: f.onNonfinite, rhoEvery: f.rhoEvery });
  return { task, B, model, cfg, runKey };
}

export interface TrainRunHooks {
  /** polled after every step; true writes the checkpoint and returns with `interrupted` */
  shouldStop(): boolean;
  /** called once before the first step, with the step the run starts from (0, or a checkpoint's) */
  onStart?(startStep: number, setup: TrainSetup): void;
  /** called after every step */
  onStep?(r: StepReport): void;
  /** let the event loop run this often (ms), so that signal handlers and timers fire; null never */
  yieldMs?: number | null;
}

export interface TrainRunOutcome {
  setup: TrainSetup;
  trainer: Trainer;
  interrupted: boolean;
  startStep: number;
  checkpointPath: string;
  metricsPath: string;
  modelPath: string;
}

/** The metrics line of one step (the README documents the fields). */
export function metricsLine(r: StepReport): string {
  return JSON.stringify({ step: r.step, loss: r.loss, gradNorm: r.gradNorm, gradNormClipped: r.gradNormClipped, clipped: r.clipped,
    skipped: r.skipped, spectralRadius: r.spectralRadius, log10GradFirst: r.ledger?.first ?? null, log10GradLast: r.ledger?.last ?? null }) + "\n";
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Trains `f.steps` steps into `out`. `resume`: true continues from out/checkpoint.json (an error if
 * there is none), false starts afresh, "auto" continues when a checkpoint exists. A non-finite
 * gradient with --on-nonfinite stop rethrows core's NonFiniteGradientError after saving the metrics.
 */
export async function runTraining(f: TrainFlags, out: string, resume: boolean | "auto", hooks: TrainRunHooks): Promise<TrainRunOutcome> {
  const setup = setupTraining(f);
  const { task, cfg, model, runKey } = setup;
  makeDir("--out", out);
  const checkpointPath = join(out, "checkpoint.json"), metricsPath = join(out, "metrics.jsonl"), modelPath = join(out, "model.json");
  let trainer: Trainer;
  const hasCheckpoint = existsSync(checkpointPath);
  if (resume === true && !hasCheckpoint) throw new UsageError(`--resume: no checkpoint at ${checkpointPath}`);
  if (resume === false && (hasCheckpoint || (existsSync(metricsPath) && statSync(metricsPath).size > 0))) {
    // starting afresh would truncate another run's metrics and overwrite its checkpoint
    throw new UsageError(hasCheckpoint
      ? `--out: ${out} already holds a run; continue it with --resume (a larger --steps extends a finished one), or choose another --out`
      : `--out: ${out} holds the metrics of a run that stopped before its first checkpoint; delete them or choose another --out`);
  }
  if (resume === true || (resume === "auto" && hasCheckpoint)) {
    const ck = readCheckpoint(checkpointPath);
    const why = checkpointMismatch(ck, runKey);
    if (why) throw new UsageError(`--resume: ${checkpointPath} ${why}`);
    if (ck.state.step > f.steps) throw new UsageError(`--steps: ${f.steps} is not allowed: the checkpoint in ${out} is at step ${ck.state.step} already`);
    trainer = new Trainer(cfg, model, ck.state);
    // keep the metrics of the steps the checkpoint covers, drop any written after it (a line torn by a
    // hard kill among them)
    const kept = existsSync(metricsPath) ? readFileSync(metricsPath, "utf8").split("\n").filter((l) => {
      if (!l) return false;
      try {
        return (JSON.parse(l) as { step: number }).step <= ck.state.step;
      } catch {
        return false;
      }
    }) : [];
    if (kept.length !== ck.state.step) throw new UsageError(`--resume: ${metricsPath} holds ${kept.length} of the checkpoint's ${ck.state.step} steps; delete ${out} to start afresh`);
    writeFileAtomic(metricsPath, kept.map((l) => l + "\n").join(""));
  } else {
    trainer = new Trainer(cfg, model);
    writeFileSync(metricsPath, "");
  }
  const startStep = trainer.steps;
  const save = () => writeFileAtomic(checkpointPath, JSON.stringify({ run: runKey, matmul: matmulPrecision(), state: trainer.state() } satisfies Checkpoint) + "\n");
  let lines = "";
  // the metrics reach the disk before each checkpoint that counts them (a crash must not leave a
  // checkpoint ahead of its metrics)
  const flush = () => {
    if (!lines) return;
    const fd = openSync(metricsPath, "a");
    try {
      writeSync(fd, lines);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    lines = "";
  };
  hooks.onStart?.(startStep, setup);
  let interrupted = false;
  try {
    const yieldMs = hooks.yieldMs === undefined ? 20 : hooks.yieldMs;
    let lastYield = Date.now();
    while (trainer.steps < f.steps) {
      if (hooks.shouldStop()) { interrupted = true; break; }
      const r = trainer.step();
      if (yieldMs !== null && Date.now() - lastYield > yieldMs) { await yieldToEventLoop(); lastYield = Date.now(); }
      lines += metricsLine(r);
      if (r.step % f.saveEvery === 0) { flush(); save(); }
      hooks.onStep?.(r);
    }
  } catch (e) {
    flush();
    throw e;
  }
  flush();
  save();
  if (!interrupted) {
    const meta: Record<string, unknown> = { task: task.name, T: f.T, steps: trainer.steps, seed: f.seed };
    if (task.name === "char-lm") meta.vocab = (task as CharLmTask).vocab.chars;
    writeFileAtomic(modelPath, modelToJSONText(trainer.model, meta));
  }
  return { setup, trainer, interrupted, startStep, checkpointPath, metricsPath, modelPath };
}

/** How two run keys differ, key by key: "hidden: 8 here, 16 in the checkpoint". */
function runKeyDiff(here: string, there: string): string {
  let a: Record<string, unknown>, b: Record<string, unknown>;
  try {
    a = JSON.parse(here) as Record<string, unknown>;
    b = JSON.parse(there) as Record<string, unknown>;
  } catch {
    return there;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const diff = keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(a[k]) ?? "unset"} here, ${JSON.stringify(b[k]) ?? "unset"} in the checkpoint`);
  return diff.length ? diff.join("; ") : there;
}
