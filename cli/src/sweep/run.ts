/**
 * One run of a sweep, the same code in the main thread (`--index i`, `--workers 1`) and in a worker
 * thread. A run trains in DIR/runs/<id>/ exactly as `rnnlab train --out DIR/runs/<id>` would
 * (metrics.jsonl, checkpoint.json, model.json), continues from its checkpoint when there is one, and
 * ends by writing DIR/runs/<id>.json atomically: the file whose presence means "finished".
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NonFiniteGradientError, type StepReport } from "../../../core/src/index";
import { writeFileAtomic } from "../files";
import { finiteLoss, readMetrics } from "../metrics-file";
import { runTraining } from "../train-run";
import type { PlannedRun, RunFlags } from "./grid";

/** What a finished run leaves in DIR/runs/<id>.json. Deterministic: no times, no paths. */
export interface RunResult {
  format: "rnnlab-sweep-run";
  version: 1;
  id: string;
  point: Record<string, unknown>;
  seed: number;
  flags: RunFlags;
  task: { name: string; baseline: number; baselineNote: string };
  /** steps trained (fewer than flags.steps when the run diverged) */
  steps: number;
  /** a non-finite gradient stopped the run (--on-nonfinite stop): the step and core's message */
  diverged: { step: number; message: string } | null;
  /** updates skipped for a non-finite gradient (--on-nonfinite skip) */
  skippedUpdates: number;
  /** the training loss of every step (null where it was not finite) */
  losses: (number | null)[];
}

export type RunStatus = "done" | "skipped" | "interrupted";

export interface RunOutcome {
  index: number;
  id: string;
  status: RunStatus;
  /** the result (done or skipped) */
  result: RunResult | null;
  /** steps trained so far (interrupted) */
  step: number;
}

export interface RunHooks {
  shouldStop(): boolean;
  onStep?(r: StepReport): void;
  onStart?(startStep: number): void;
  yieldMs?: number | null;
}

export function resultPath(dir: string, id: string): string {
  return join(dir, "runs", `${id}.json`);
}

export function runDir(dir: string, id: string): string {
  return join(dir, "runs", id);
}

/** The finished run's result, or null when the run has not finished (or the file belongs to another run). */
export function readResult(dir: string, run: PlannedRun): RunResult | null {
  const path = resultPath(dir, run.id);
  if (!existsSync(path)) return null;
  let r: RunResult;
  try {
    r = JSON.parse(readFileSync(path, "utf8")) as RunResult;
  } catch {
    return null; // never written by us: a partial file cannot exist (atomic rename), so treat it as absent
  }
  return r && r.format === "rnnlab-sweep-run" && r.id === run.id && Array.isArray(r.losses) ? r : null;
}

/** Trains one run to the end (or until `shouldStop`), skipping it when its result file exists. */
export async function executeRun(dir: string, run: PlannedRun, hooks: RunHooks): Promise<RunOutcome> {
  const done = readResult(dir, run);
  if (done) return { index: run.index, id: run.id, status: "skipped", result: done, step: done.steps };
  const out = runDir(dir, run.id);
  const flags = { ...run.flags, out, quiet: true, resume: false };
  let diverged: RunResult["diverged"] = null;
  let steps = 0;
  let taskInfo: RunResult["task"] | null = null;
  try {
    const o = await runTraining(flags, out, "auto", {
      shouldStop: hooks.shouldStop,
      yieldMs: hooks.yieldMs,
      onStart(startStep, setup) {
        taskInfo = { name: setup.task.name, baseline: setup.task.baseline, baselineNote: setup.task.baselineNote };
        hooks.onStart?.(startStep);
      },
      onStep: hooks.onStep,
    });
    steps = o.trainer.steps;
    if (o.interrupted) return { index: run.index, id: run.id, status: "interrupted", result: null, step: steps };
  } catch (e) {
    if (!(e instanceof NonFiniteGradientError)) throw e;
    diverged = { step: -1, message: e.message };
  }
  const metrics = readMetrics(join(out, "metrics.jsonl"));
  const losses = metrics.map(finiteLoss);
  const skippedUpdates = metrics.filter((m) => m.skipped).length;
  if (diverged) { steps = losses.length; diverged.step = steps + 1; }
  const result: RunResult = {
    format: "rnnlab-sweep-run", version: 1, id: run.id, point: run.point, seed: run.seed, flags: run.flags,
    task: taskInfo!, steps, diverged, skippedUpdates, losses,
  };
  writeFileAtomic(resultPath(dir, run.id), JSON.stringify(result) + "\n");
  rmSync(join(out, "checkpoint.json"), { force: true });
  return { index: run.index, id: run.id, status: "done", result, step: steps };
}
