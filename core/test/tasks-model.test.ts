// Tasks meet the model: every task's batch passes validateBatch for a model of the task's I, O and output,
// and a model whose readout ignores its state (Wya = 0, by = the baseline answer's logit) scores the
// task's constant baseline through forwardLoss, the same path training takes.
import { describe, expect, it } from "vitest";
import { forwardLoss } from "../src/bptt";
import { initModel } from "../src/init";
import { makeConfig, type CellKind } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { makeTask, type Task, type TaskBatch } from "../src/tasks";

const POKEMON_LIKE = "Bulbasaur\nIvysaur\nVenusaur\nCharmander\nCharmeleon\nCharizard\nSquirtle\n";

/** A model for `task` whose readout is the constant logit vector `by` (Wya = 0). */
function constantReadoutModel(task: Task, cell: CellKind, by: number[]) {
  const config = makeConfig({ cell, I: task.I, H: 4, O: task.O, output: task.output });
  const model = initModel(config, new Rng(1));
  const L = paramLayout(config);
  model.params.fill(0, L.byName.Wya.offset, L.byName.Wya.offset + L.byName.Wya.size);
  model.params.set(by, L.byName.by.offset);
  return model;
}

/** Mean over rows of (c - target)² at the last step. */
function constantMse(tb: TaskBatch, c: number): number {
  const { B, targets } = tb.batch;
  let s = 0;
  for (let b = 0; b < B; b++) s += (c - targets[(tb.T - 1) * B + b]) ** 2;
  return s / B;
}

describe("task batches through forwardLoss", () => {
  const cases: Array<{ name: string; task: Task; by: (t: Task) => number[]; want: (t: Task, tb: TaskBatch) => number }> = [
    { name: "adding", task: makeTask("adding", { T: 25 }), by: () => [1], want: (_t, tb) => constantMse(tb, 1) },
    { name: "adding-hs", task: makeTask("adding-hs", { T: 25 }), by: () => [0.5], want: (_t, tb) => constantMse(tb, 0.5) },
    { name: "temporal-order", task: makeTask("temporal-order", { T: 30 }), by: () => [0, 0, 0, 0], want: () => Math.log(4) },
    { name: "parity", task: makeTask("parity", { T: 12 }), by: () => [0], want: () => Math.LN2 },
    { name: "latch", task: makeTask("latch", { T: 20 }), by: () => [0], want: () => 0.64 },
    { name: "copy (uniform readout: ln 10)", task: makeTask("copy", { T: 5 }), by: () => new Array<number>(10).fill(0), want: () => Math.log(10) },
    {
      name: "char-lm (uniform readout: ln V per step, summed)",
      task: makeTask("char-lm", { corpus: POKEMON_LIKE }),
      by: (t) => new Array<number>(t.O).fill(0),
      want: (t, tb) => Math.log(t.O) * tb.T,
    },
  ];
  for (const cell of ["rnn", "lstm"] as const) {
    for (const c of cases) {
      it(`${c.name}, ${cell}: the batch validates and a constant readout scores the constant answer's loss`, () => {
        const B = c.task.name === "char-lm" ? 1 : 64;
        const tb = c.task.sample(new Rng(42), B);
        const model = constantReadoutModel(c.task, cell, c.by(c.task));
        const ws = forwardLoss(null, model, tb.batch, tb.spec);
        expect(Math.abs(ws.loss - c.want(c.task, tb))).toBeLessThan(1e-12);
        const s = c.task.score(ws.yhat, tb);
        expect(Number.isFinite(s.value)).toBe(true);
        expect(s.solved).toBe(false);
      });
    }
  }
});
