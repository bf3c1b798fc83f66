/**
 * The playground's "loss at: last step | every step" control, as a wrapper around a core task.
 *
 * Core's tasks put their loss where their papers do: at the last step (adding, adding-hs, parity,
 * latch, temporal-order) or at every step (copy, whose targets are blanks until the recall window).
 * The playground offers the other placement too, because it changes the picture the most: with a loss
 * at every step each a<t> receives a direct gradient, so ‖dJ/da<t>‖ no longer fades to the left.
 *
 * The wrapper calls the task's own `sample` (same draws, same rng stream) and only rewrites targets and
 * mask, so "last" is the core task unchanged. "every" puts at step t the running answer, the one a
 * perfect reader could give after seeing x<1..t>:
 *   adding       the sum of the values marked so far (0 before the first marker)
 *   adding-hs    0.5 + (sum of the marked values so far)/4 (0.5 on padding and before the first marker)
 *   parity       the parity of the bits so far
 *   latch        0.8·class at every step (the class is given at step 1)
 *   temporal-order  the class, at every step from ⌊0.5L⌋ + ⌊0.1L⌋ on (both symbols have been seen there)
 * and for copy "last" keeps the loss on the 10 recall steps only (its targets elsewhere are blanks).
 * char-lm has no "last" variant: a name's last target is always the end-of-name token, so a loss there
 * alone would teach nothing about names; its loss stays at every step (the control is disabled).
 * `score` stays the task's own (it reads the last step, or the recall window).
 * A suggestion for core: tasks could take this as an option (`lossOn`); it lives here because the
 * playground is its only user so far.
 */
import { COPY_LENGTH, LATCH_TARGET, type Task, type TaskBatch } from "../../core/src/index";
import type { LossPlace } from "./state";

/** True when `place` changes nothing for this task (its own placement). */
export function isNative(task: Task, place: LossPlace): boolean {
  if (task.name === "char-lm") return true;
  return place === (task.name === "copy" ? "every" : "last");
}

/** The task with its loss at `place`. Returns `task` itself when that is its own placement. */
export function withLossOn(task: Task, place: LossPlace): Task {
  if (isNative(task, place)) return task;
  return {
    ...task,
    baselineNote: `${task.baselineNote} (for the task's own loss placement)`,
    sample(rng, B) {
      const tb = task.sample(rng, B);
      rewrite(task.name, tb, place);
      return tb;
    },
  };
}

function rewrite(name: Task["name"], tb: TaskBatch, place: LossPlace): void {
  const { batch, spec } = tb;
  const { x, B, targets } = batch;
  const T = tb.T;
  const mask = spec.mask;
  if (name === "copy") {
    // last: the 10 recall steps only
    mask.fill(0);
    mask.fill(1, T - COPY_LENGTH, T);
    return;
  }
  if (place !== "every") return;
  if (name === "adding" || name === "adding-hs") {
    // x (T, B, 2): (value, marker); H&S's first and last pairs carry marker -1, not a mark
    const hs = name === "adding-hs";
    for (let b = 0; b < B; b++) {
      let sum = 0;
      for (let t = 0; t < T; t++) {
        const i = (t * B + b) * 2;
        if (x[i + 1] === 1) sum += x[i];
        targets[t * B + b] = hs ? 0.5 + sum / 4 : sum;
      }
    }
    mask.fill(1);
  } else if (name === "parity") {
    for (let b = 0; b < B; b++) {
      let p = 0;
      for (let t = 0; t < T; t++) {
        p ^= x[t * B + b] === 1 ? 1 : 0;
        targets[t * B + b] = p;
      }
    }
    mask.fill(1);
  } else if (name === "latch") {
    for (let b = 0; b < B; b++) {
      const c = x[b] > 0 ? 1 : -1; // x<1> = class
      for (let t = 0; t < T; t++) targets[t * B + b] = LATCH_TARGET * c;
    }
    mask.fill(1);
  } else if (name === "temporal-order") {
    const from = Math.floor(T * 0.5) + Math.floor(T * 0.1);
    for (let b = 0; b < B; b++) {
      const cls = targets[(T - 1) * B + b];
      for (let t = from; t < T; t++) targets[t * B + b] = cls;
    }
    mask.fill(0);
    mask.fill(1, from, T);
  }
}
