/**
 * `rnnlab reproduce gradients`: log10‖dJ/da<t>‖ against t, at initialization and after training, for a
 * tanh RNN, a GRU and an LSTM (H = 128) on the adding problem at T = 100 (loss at the last step only,
 * so every t < T gets its gradient through the recurrence), in the adding reproduction's setup. Both
 * ledgers are measured on the same held-out batch (seed EVAL_SEED). DIR/gradients.json holds them as
 * columns (t, total, direct, recurrent, dWaa), the data of the uRNN paper's gradient-norm figure.
 */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { ledgerRecords, lossAndGrads, modelFromJSONText, Rng, type Model } from "../../../core/src/index";
import { writeFileAtomic } from "../files";
import { runDir } from "../sweep/run";
import { setupTraining } from "../train-run";
import { reportHead, type Reproduction } from "./reproduction";

export const GRADIENTS_STEPS = 1000;
/** Seed of the evaluation batch (not a training seed). */
export const EVAL_SEED = 20_160_101;

export const gradientsReproduction: Reproduction = {
  name: "gradients",
  title: "log10||dJ/da<t>|| against t at initialization and after training: tanh RNN, GRU, LSTM (adding, T = 100)",
  source: "Arjovsky, Shah & Bengio 2016 (uRNN), the figure of hidden-state gradient norms against t",
  grid: (quick) => ({
    description: "gradient norms against t before and after training",
    // rho-every 50: the spectral radius is an eigendecomposition of the recurrent matrix, which at H = 128
    // costs more than the training step itself; every 50 steps it is still on every checkpoint.
    base: quick
      ? { task: "adding", T: 12, hidden: 8, batch: 4, optimizer: "rmsprop", lr: 1e-2, "clip-norm": 1, "save-every": 10 }
      : { task: "adding", T: 100, hidden: 128, batch: 20, optimizer: "rmsprop", lr: 1e-3, "clip-norm": 1, "save-every": 50, "rho-every": 50 },
    grid: { cell: ["rnn", "gru", "lstm"] },
    seeds: [1],
    steps: quick ? 15 : GRADIENTS_STEPS,
  }),
  finish(ctx) {
    const out: string[] = [];
    let T = 0;
    const runs = ctx.plan.runs.map((run) => {
      const flags = { ...run.flags, out: "", quiet: true, resume: false };
      const setup = setupTraining(flags);
      const tb = setup.task.sample(new Rng(EVAL_SEED), setup.B);
      T = tb.T;
      const ledgerOf = (model: Model) => {
        const ws = lossAndGrads(null, model, tb.batch, tb.spec, { ledger: true });
        const recs = ledgerRecords(ws.ledger!, model.config.cell === "lstm");
        return { loss: ws.loss, total: recs.map((r) => r.total), direct: recs.map((r) => r.direct), recurrent: recs.map((r) => r.recurrent), dWaa: recs.map((r) => r.dWaa) };
      };
      const init = ledgerOf(setup.model);
      const trained = ledgerOf(modelFromJSONText(readFileSync(join(runDir(ctx.dir, run.id), "model.json"), "utf8")));
      const drop = (l: typeof init) => (l.total[0] ?? NaN) - (l.total[T - 1] ?? NaN);
      out.push(`  ${String(run.flags.cell).padEnd(5)} log10||dJ/da<1>|| - log10||dJ/da<T>||: ${drop(init).toFixed(2)} at init, ${drop(trained).toFixed(2)} after ${run.flags.steps} steps`
        + ` (loss ${init.loss.toPrecision(3)} -> ${trained.loss.toPrecision(3)})`);
      return { cell: run.flags.cell, seed: run.seed, id: run.id, steps: run.flags.steps, init, trained };
    });
    writeFileAtomic(join(ctx.dir, "gradients.json"), JSON.stringify({
      ...reportHead(ctx, "rnnlab-reproduce-gradients", gradientsReproduction.source), base: ctx.plan.grid.base,
      T, evalSeed: EVAL_SEED, t: Array.from({ length: T }, (_, i) => i + 1),
      note: "log10 norms over the evaluation batch; null where a part is exactly zero (direct: no loss before T)", runs,
    }) + "\n");
    return [`gradient norms on one held-out batch (T = ${T}):`, ...out];
  },
};
