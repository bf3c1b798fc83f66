/** The benchmark tasks: re-exports, and `makeTask`, which builds one by name (the CLI's and the playground's entry). */
import { makeAddingTask } from "./adding";
import { makeAddingHsTask, type Ragged } from "./adding-hs";
import { makeCharLmTask, type Charset } from "./char-lm";
import { makeCopyTask } from "./copy";
import { makeLatchTask } from "./latch";
import { makeParityTask } from "./parity";
import { makeTemporalOrderTask } from "./temporal-order";
import { TASK_NAMES, type Task, type TaskName } from "./task";

export * from "./task";
export * from "./adding";
export * from "./adding-hs";
export * from "./copy";
export * from "./temporal-order";
export * from "./parity";
export * from "./latch";
export * from "./char-lm";

/** Options of `makeTask`; each task reads the ones it documents and ignores the rest. */
export interface TaskOptions {
  /**
   * Sequence length: T steps (adding, parity, latch), L (temporal-order), the minimal length
   * (adding-hs), the delay with T + 20 steps in all (copy). Not used by char-lm.
   */
  T?: number;
  /** adding-hs: how rows of different lengths share a batch; default "pad-left" */
  ragged?: Ragged;
  /** latch: leading steps that carry the class; default 1 */
  infoSteps?: number;
  /** latch: noise variance; default 0.2 */
  noiseVariance?: number;
  /** char-lm: the names, one per line, or as an array */
  corpus?: string | readonly string[];
  /** char-lm: default "a-z" */
  charset?: Charset;
}

/** The task called `name` (one of TASK_NAMES), built from `opts`. Each error names the field, the value and what is allowed. */
export function makeTask(taskName: TaskName | (string & {}), opts: TaskOptions): Task {
  if (!(TASK_NAMES as readonly string[]).includes(taskName)) throw new RangeError(`task must be one of ${TASK_NAMES.join("|")}, got ${String(taskName)}`);
  const name = taskName as TaskName;
  if (name === "char-lm") {
    if (opts.corpus === undefined) throw new RangeError("task char-lm needs corpus: the names, one per line or as an array");
    return makeCharLmTask(opts.corpus, { charset: opts.charset });
  }
  const T = opts.T;
  if (T === undefined) throw new RangeError(`task ${name} needs T`);
  switch (name) {
    case "adding": return makeAddingTask(T);
    case "adding-hs": return makeAddingHsTask(T, { ragged: opts.ragged });
    case "copy": return makeCopyTask(T);
    case "temporal-order": return makeTemporalOrderTask(T);
    case "parity": return makeParityTask(T);
    case "latch": return makeLatchTask(T, { infoSteps: opts.infoSteps, noiseVariance: opts.noiseVariance });
  }
}
export * from "./sample-name";
