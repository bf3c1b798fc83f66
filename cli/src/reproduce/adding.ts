/**
 * `rnnlab reproduce adding`: the adding problem at T = 100 and 200 in Arjovsky, Shah & Bengio's setup
 * (2016, §4.2: RMSProp lr 1e-3, gradient clipping at norm 1, batch 20; the LSTM's forget bias 1 and
 * RMSProp's decay 0.9 from the authors' code), an LSTM with H = 128 against a
 * tanh RNN with H = 128, 3 seeds each. Success: the mean training MSE over 100 steps below 0.01 (core's
 * ADDING_SOLVED_MSE; the baseline of always answering 1 scores 1/6). DIR/adding.json holds, per cell
 * and T, every seed's steps to that threshold, final MSE and loss curve.
 */
import { join } from "node:path";
import { ADDING_SOLVED_MSE } from "../../../core/src/index";
import { writeFileAtomic } from "../files";
import { groupRuns, lossText, stepsText } from "./grouped";
import { reportHead, type Reproduction } from "./reproduction";

/**
 * Training steps of the full reproduction. The LSTM sits on the 1/6 plateau for a long time and then
 * leaves it: rnnlab's seed 1 at T = 100 left it after ~14,000 steps and was below 0.01 from step 17,262
 * (0.0009 at 30,000); a line-by-line PyTorch port of the authors' code did the same after ~13,000
 * (tools/adding-authors-lstm.py). 10,000 steps, this constant's first value, ended every run on the
 * plateau. The authors' script defaults to 20,000 iterations. T = 200 needs more: no run had left the
 * plateau at 30,000, and seed 3, continued with --steps 100000, was below 0.01 from step 34,178 (the
 * authors' port, one seed, left it at ~12,000). Since a longer budget continues the finished runs
 * (findPrefixRuns), 30,000 stays the default and the README shows the continuation. With the authors'
 * init (`--set init=glorot`) every T = 200 LSTM seed was below 0.01 by step 12,659.
 */
export const ADDING_STEPS = 30_000;

export const addingReproduction: Reproduction = {
  name: "adding",
  title: "adding problem, T = 100 and 200: LSTM vs tanh RNN (H = 128), 3 seeds: steps to MSE < 0.01 and the curves",
  source: "Arjovsky, Shah & Bengio 2016 (uRNN), adding problem; setup RMSProp lr 1e-3, clip 1, batch 20",
  grid: (quick) => ({
    description: "adding problem: LSTM vs tanh RNN (Arjovsky et al. 2016 setup)",
    // As the authors' code has it (github.com/amarshah/complex_RNN: models.py's LSTM starts b_f at 1;
    // optimizations.py's rms_prop averages g² with decay 0.9): forget bias 1, alpha 0.9. With
    // PyTorch's defaults (forget bias 0, alpha 0.99) the LSTM sat on the baseline for 3,000 steps, in
    // rnnlab and in torch.nn.LSTM alike.
    // rho-every 50: the spectral radius is an eigendecomposition of the recurrent matrix, which at H = 128
    // costs more than the training step itself; every 50 steps it is still on every checkpoint.
    base: quick
      ? { task: "adding", hidden: 8, batch: 8, optimizer: "rmsprop", lr: 1e-2, "clip-norm": 1, "save-every": 10 }
      : { task: "adding", hidden: 128, batch: 20, optimizer: "rmsprop", lr: 1e-3, alpha: 0.9, "forget-bias": 1, "clip-norm": 1, "save-every": 50, "rho-every": 50 },
    grid: { cell: ["lstm", "rnn"], T: quick ? [6, 10] : [100, 200] },
    seeds: quick ? [1, 2] : [1, 2, 3],
    steps: quick ? 30 : ADDING_STEPS,
    success: { metric: "loss", below: ADDING_SOLVED_MSE, window: quick ? 10 : 100 },
  }),
  finish(ctx) {
    const groups = groupRuns(ctx);
    const sc = ctx.plan.grid.success!;
    writeFileAtomic(join(ctx.dir, "adding.json"), JSON.stringify({
      ...reportHead(ctx, "rnnlab-reproduce-adding", addingReproduction.source),
      baseline: 1 / 6, threshold: sc.below, window: sc.window, base: ctx.plan.grid.base, steps: ctx.plan.runs[0]?.flags.steps ?? 0,
      groups,
    }) + "\n");
    return [
      `adding problem: MSE (mean of the last ${sc.window} steps); baseline 1/6 = 0.1667; threshold ${sc.below}`,
      `  ${"cell".padEnd(5)} ${"T".padEnd(5)} ${"solved".padEnd(7)} steps to MSE < ${sc.below} per seed   final MSE per seed`,
      ...groups.map((g) => `  ${String(g.point.cell).padEnd(5)} ${String(g.point.T).padEnd(5)} ${`${g.solved}/${g.runs.length}`.padEnd(7)} ${stepsText(g).padEnd(28)} ${lossText(g)}`),
    ];
  },
};
