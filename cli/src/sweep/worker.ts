/**
 * The worker-thread side of a local sweep (tinypool): runs one planned run and reports its progress
 * through shared memory. `stop[0] = 1` (set by the main thread on SIGINT/SIGTERM) makes the run write
 * its checkpoint and return "interrupted"; `steps[slot]` holds the run's step count for the progress bar.
 */
import "../gemm-env";
import { executeRun, type PrefixRun, type RunOutcome } from "./run";
import type { PlannedRun } from "./grid";

export interface WorkerTask {
  dir: string;
  run: PlannedRun;
  slot: number;
  /** Int32Array(1): the stop flag */
  stop: SharedArrayBuffer;
  /** Float64Array(runs): steps done per slot */
  steps: SharedArrayBuffer;
  /** the finished shorter run this one continues, if any */
  prefix: PrefixRun | null;
}

/** Runs the task; returns only plain data (structured-cloned back to the main thread). */
export default async function runTask(task: WorkerTask): Promise<Omit<RunOutcome, "result">> {
  const stop = new Int32Array(task.stop);
  const steps = new Float64Array(task.steps);
  if (Atomics.load(stop, 0) === 1) return { index: task.run.index, id: task.run.id, status: "interrupted", step: 0 };
  const o = await executeRun(task.dir, task.run, {
    shouldStop: () => Atomics.load(stop, 0) === 1,
    yieldMs: null,
    onStart: (s) => { steps[task.slot] = s; },
    onStep: (r) => { steps[task.slot] = r.step; },
  }, task.prefix);
  return { index: o.index, id: o.id, status: o.status, step: o.step };
}
