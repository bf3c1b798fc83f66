/**
 * Runs planned runs on this machine: on `workers` worker threads (tinypool) when there is more than
 * one run and more than one worker, otherwise one after another in this thread. Finished runs (their
 * result file exists) are skipped, interrupted ones continue from their checkpoints, and runs not yet
 * started continue a finished shorter run of the same options when the folder has one. SIGINT or
 * SIGTERM sets a shared stop flag: every running run writes its checkpoint and stops, queued runs do
 * not start, and the result says `interrupted`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Tinypool from "tinypool";
import { createProgress } from "../progress";
import { runStats } from "./collect";
import { describeRun, type Plan, type PlannedRun } from "./grid";
import { executeRun, findPrefixRuns, readResult, runDir, type RunStatus } from "./run";
import type { WorkerTask } from "./worker";

export interface LocalOptions {
  workers: number;
  quiet: boolean;
  /** the word before the progress numbers */
  label: string;
}

export interface LocalOutcome {
  interrupted: boolean;
  done: number;
  skipped: number;
  /** runs that threw (not a diverged run: that is a result) */
  errors: { index: number; message: string }[];
}

/** Runs the plan's runs `indices` (default: all) in `dir`. */
export async function runLocal(dir: string, plan: Plan, opts: LocalOptions, indices?: number[]): Promise<LocalOutcome> {
  const runs = (indices ?? plan.runs.map((r) => r.index)).map((i) => plan.runs[i]);
  const stop = new SharedArrayBuffer(4), stopFlag = new Int32Array(stop);
  const stepsBuf = new SharedArrayBuffer(8 * Math.max(1, runs.length)), steps = new Float64Array(stepsBuf);
  const pending: { run: PlannedRun; slot: number }[] = [];
  let skipped = 0;
  runs.forEach((run, slot) => {
    const res = readResult(dir, run);
    if (res) { steps[slot] = run.flags.steps; skipped++; } else pending.push({ run, slot });
  });
  const total = runs.reduce((n, r) => n + r.flags.steps, 0);
  const progress = createProgress({ total, start: steps.reduce((a, b) => a + b, 0), label: opts.label, quiet: opts.quiet, plainEvery: Math.max(1, Math.round(total / 20)), plainSeconds: 60 });
  if (skipped) progress.log(`${skipped} of ${runs.length} runs already finished in ${dir}; skipping them`);
  const prefixes = findPrefixRuns(dir, pending.filter((p) => !existsSync(join(runDir(dir, p.run.id), "checkpoint.json"))).map((p) => p.run));
  for (const { run } of pending) {
    const p = prefixes.get(run.id);
    if (p) progress.log(`run ${run.index} (${describeRun(run.point, run.seed)}, id ${run.id}) continues run ${p.id} from its step ${p.steps}`);
  }
  let finished = skipped;
  const outcome: LocalOutcome = { interrupted: false, done: 0, skipped, errors: [] };
  const detail = () => `runs ${finished}/${runs.length} finished`;
  const timer = setInterval(() => progress.update(steps.reduce((a, b) => a + b, 0), detail), 250);
  const onSignal = () => {
    if (Atomics.load(stopFlag, 0) === 0) progress.log("stopping: each running run writes its checkpoint; run the same command again to continue");
    Atomics.store(stopFlag, 0, 1);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const report = (run: PlannedRun, status: RunStatus) => {
    if (status === "interrupted") { outcome.interrupted = true; return; }
    finished++;
    outcome.done++;
    const res = readResult(dir, run);
    if (!res) return;
    const st = runStats(res.losses, res.task.baseline, plan.grid.success);
    progress.log(`run ${run.index} finished (${describeRun(run.point, run.seed)}, id ${run.id}): final loss ${st.finalLoss === null ? "not finite" : st.finalLoss.toPrecision(4)}`
      + (res.diverged ? `, diverged at step ${res.diverged.step}` : "")
      + (plan.grid.success ? `, ${st.stepsToThreshold === null ? "never reached the threshold" : `threshold at step ${st.stepsToThreshold}`}${st.solved ? ", solved" : ""}` : ""));
  };
  try {
    const threads = Math.min(opts.workers, pending.length);
    if (threads > 1) {
      const pool = new Tinypool({ filename: fileURLToPath(new URL("./worker.mjs", import.meta.url)), minThreads: threads, maxThreads: threads });
      try {
        await Promise.all(pending.map(async ({ run, slot }) => {
          const task: WorkerTask = { dir, run, slot, stop, steps: stepsBuf, prefix: prefixes.get(run.id) ?? null };
          try {
            const o = (await pool.run(task)) as { status: RunStatus };
            report(run, o.status);
          } catch (e) {
            outcome.errors.push({ index: run.index, message: (e as Error).message });
          }
        }));
      } finally {
        await pool.destroy();
      }
    } else {
      for (const { run, slot } of pending) {
        if (Atomics.load(stopFlag, 0) === 1) { outcome.interrupted = true; break; }
        try {
          const o = await executeRun(dir, run, {
            shouldStop: () => Atomics.load(stopFlag, 0) === 1,
            onStart: (s) => { steps[slot] = s; },
            onStep: (r) => { steps[slot] = r.step; },
          }, prefixes.get(run.id) ?? null);
          report(run, o.status);
        } catch (e) {
          if (indices && indices.length === 1) throw e; // --index i: the run's own error, as train reports it
          outcome.errors.push({ index: run.index, message: (e as Error).message });
        }
      }
    }
  } finally {
    clearInterval(timer);
    progress.update(steps.reduce((a, b) => a + b, 0), detail);
    progress.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return outcome;
}
