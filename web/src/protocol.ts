/**
 * Messages between the page (loop.ts) and its two workers: the training worker (worker.ts) and the
 * analysis worker (analysis-worker.ts). Every request carries the page's generation number; every
 * reply echoes it, and the page drops replies from an older generation (a run that was reset while a
 * worker was busy).
 *
 * The page keeps at most one request in flight per worker: it asks for the next batch of steps only
 * when the previous reply has arrived, so no worker queues work the page no longer wants.
 */
import type { GradientView, Snapshot, StepInfo } from "./engine";
import type { Analysis } from "./analyzer";
import type { HeatRows } from "./heat-rows";
import type { PlaygroundState } from "./state";

export type Request =
  /** build the model and optimizer for `state`; reply with a frame holding the gradient step 1 will use */
  | { type: "init"; gen: number; state: PlaygroundState }
  /** train: at least one step, more while the time budget lasts (at most maxSteps); attach a snapshot when asked */
  | { type: "run"; gen: number; maxSteps: number; budgetMs: number; snapshot: boolean }
  /** continue with new lr / clipping settings (no reset) */
  | { type: "update"; gen: number; state: PlaygroundState };

/** The scalars of every step of a run (columnar). */
export interface StepColumns {
  iteration: Float64Array;
  loss: Float64Array;
  gradNorm: Float64Array;
  clipped: Uint8Array;
}

export interface Frame {
  type: "frame";
  gen: number;
  steps: StepColumns;
  view: GradientView;
  /** the heatmap rows of every step in this frame (init: the preview's row, iteration 0) */
  heat: HeatRows;
  /** the step on view, for the analysis worker (when the run asked for it; always after init) */
  snapshot: Snapshot | null;
  /** ms the worker spent on this frame's training steps, and on the whole frame */
  trainMs: number;
  frameMs: number;
  B: number;
  baseline: number;
  baselineNote: string;
  solvedNote: string;
  /** set when training stopped at a non-finite gradient after this frame's steps */
  fatal: string | null;
}

export type Reply =
  | Frame
  | { type: "error"; gen: number; message: string };

export interface AnalysisRequest {
  type: "analyze";
  gen: number;
  state: PlaygroundState;
  snapshot: Snapshot;
  pick: number;
}

export type AnalysisReply =
  | { type: "analysis"; gen: number; analysis: Analysis }
  | { type: "error"; gen: number; message: string };

type Typed = { buffer: ArrayBufferLike } | null | undefined;

function collect(list: Typed[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of list) if (a && a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  return out;
}

/** The buffers of a frame, to transfer instead of copy. */
export function frameTransfers(f: Frame): ArrayBuffer[] {
  const v = f.view, s = f.snapshot;
  return collect([
    f.steps.iteration, f.steps.loss, f.steps.gradNorm, f.steps.clipped,
    v.direct, v.recurrent, v.total, v.dWaa, v.task.truth, v.task.pred, v.task.names?.pTrue,
    f.heat.iteration, f.heat.T, f.heat.values, f.heat.argT,
    s?.params, s?.x, s?.targets, s?.mask,
  ]);
}

/** The buffers of an analysis. */
export function analysisTransfers(a: Analysis): ArrayBuffer[] {
  return collect([a.pascanu?.log10Bound, a.lag?.log10Lag, a.lag?.tailFraction, a.twin?.log10Da, a.chain?.log10Factor, a.chain?.log10Product]);
}

/** Copies of a snapshot's arrays (the page keeps one to re-analyze with another pick, and transfers the copy). */
export function copySnapshot(s: Snapshot): Snapshot {
  return { ...s, params: s.params.slice(), x: s.x.slice(), targets: s.targets.slice(), mask: s.mask.slice() };
}

export type { Analysis, GradientView, Snapshot, StepInfo };
