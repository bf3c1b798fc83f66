/**
 * One run of a sweep, the same code in the main thread (`--index i`, `--workers 1`) and in a worker
 * thread. A run trains in DIR/runs/<id>/ exactly as `rnnlab train --out DIR/runs/<id>` would
 * (metrics.jsonl, checkpoint.json, model.json), continues from its checkpoint when there is one, and
 * ends by writing DIR/runs/<id>.json atomically: the file whose presence means "finished". The
 * checkpoint is kept, so that a longer run of the same options can continue it.
 */
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NonFiniteGradientError, type StepReport } from "../../../core/src/index";
import { writeFileAtomic } from "../files";
import { finiteLoss, readMetrics } from "../metrics-file";
import { checkpointMismatch, readCheckpoint, runTraining, setupTraining } from "../train-run";
import { runId, type PlannedRun, type RunFlags } from "./grid";

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

/** A finished run that a longer run of the same options continues (findPrefixRuns). */
export interface PrefixRun { id: string; steps: number }

/** A result file's fields before its losses (the last key its writer puts): a few kB of a file that can hold MBs. */
type ResultHead = Omit<RunResult, "losses">;
function readResultHead(path: string): ResultHead | null {
  let fd: number | null = null;
  try {
    fd = openSync(path, "r");
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString("utf8");
    const at = text.indexOf(',"losses":');
    return JSON.parse(at >= 0 ? text.slice(0, at) + "}" : readFileSync(path, "utf8")) as ResultHead;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * For each of `runs`, the finished run in `dir` that it can continue: the same options but fewer
 * steps, not diverged, its checkpoint at its last step kept, written under the same options and the
 * same matrix-product precision (the longest such run). Nothing in a step depends on the step budget,
 * so training on from that checkpoint gives the same bits as training the run from step 0 (a test
 * compares the two): `reproduce adding --steps 60000` after a 30,000-step reproduction trains only the
 * 30,000 new steps of each run. Reads the start of each result file in the folder once.
 */
export function findPrefixRuns(dir: string, runs: readonly PlannedRun[]): Map<string, PrefixRun> {
  const found = new Map<string, PrefixRun>();
  const folder = join(dir, "runs");
  if (!runs.length || !existsSync(folder)) return found;
  // the id a run's options would have with steps left out (its own steps aside, they must match)
  const stepless = (flags: RunFlags) => runId({ ...flags, steps: 0 });
  const wanted = new Set(runs.map((r) => stepless(r.flags)));
  const candidates: { key: string; id: string; steps: number; flags: RunFlags }[] = [];
  for (const name of readdirSync(folder)) {
    if (!name.endsWith(".json")) continue;
    const r = readResultHead(join(folder, name));
    if (!r || r.format !== "rnnlab-sweep-run" || r.diverged !== null || !r.flags || name !== `${r.id}.json` || r.steps !== r.flags.steps) continue;
    const key = stepless(r.flags);
    if (wanted.has(key)) candidates.push({ key, id: r.id, steps: r.steps, flags: r.flags });
  }
  candidates.sort((a, b) => b.steps - a.steps);
  const usable = (c: (typeof candidates)[number]) => {
    const ck = join(runDir(dir, c.id), "checkpoint.json");
    if (!existsSync(ck) || !existsSync(join(runDir(dir, c.id), "metrics.jsonl"))) return false;
    try {
      const k = readCheckpoint(ck);
      return k.state.step === c.steps && checkpointMismatch(k, setupTraining({ ...c.flags, out: "", quiet: true, resume: false }).runKey) === null;
    } catch {
      return false;
    }
  };
  const checked = new Map<string, boolean>();
  for (const r of runs) {
    const key = stepless(r.flags);
    for (const c of candidates) {
      if (c.key !== key || c.steps >= r.flags.steps) continue;
      if (!checked.has(c.id)) checked.set(c.id, usable(c));
      if (checked.get(c.id)) { found.set(r.id, { id: c.id, steps: c.steps }); break; }
    }
  }
  return found;
}

/**
 * Trains one run to the end (or until `shouldStop`), skipping it when its result file exists. A run
 * that has not started continues `prefix`, a finished shorter run of the same options
 * (findPrefixRuns), when given: its metrics and checkpoint are copied, and it stays as it was.
 */
export async function executeRun(dir: string, run: PlannedRun, hooks: RunHooks, prefix: PrefixRun | null = null): Promise<RunOutcome> {
  const done = readResult(dir, run);
  if (done) return { index: run.index, id: run.id, status: "skipped", result: done, step: done.steps };
  const out = runDir(dir, run.id);
  if (!existsSync(join(out, "checkpoint.json"))) {
    if (prefix) {
      mkdirSync(out, { recursive: true });
      // the checkpoint last: until it exists, the run starts afresh and rewrites its metrics
      copyFileSync(join(runDir(dir, prefix.id), "metrics.jsonl"), join(out, "metrics.jsonl"));
      writeFileAtomic(join(out, "checkpoint.json"), readFileSync(join(runDir(dir, prefix.id), "checkpoint.json")));
    }
  }
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
  // the checkpoint stays (a few MB at H = 128): a longer run of the same options continues from it;
  // a diverged run's cannot be continued
  if (diverged) rmSync(join(out, "checkpoint.json"), { force: true });
  return { index: run.index, id: run.id, status: "done", result, step: steps };
}
