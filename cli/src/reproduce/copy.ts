/**
 * `rnnlab reproduce copy`: the copy memory problem at T = 100 (Arjovsky, Shah & Bengio 2016, §4.1;
 * same optimizer, forget bias and RMSProp decay as the adding problem), an LSTM and a tanh RNN with
 * H = 128 against the memoryless baseline 10·ln 8/(T+20). Success: the mean cross-entropy over 100
 * steps below half the baseline (our line: the baseline itself is what a network that remembers
 * nothing reaches). DIR/copy.json holds each seed's curve, final loss and loss/baseline.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../files";
import { groupRuns } from "./grouped";
import { reportHead, type Reproduction } from "./reproduction";

export const COPY_STEPS = 10_000;
/** "beats the baseline": the mean loss over the window below this fraction of it */
export const COPY_BELOW = 0.5;

export const copyReproduction: Reproduction = {
  name: "copy",
  title: "copy memory, T = 100: LSTM vs tanh RNN (H = 128) against the memoryless baseline 10 ln 8/(T+20)",
  source: "Arjovsky, Shah & Bengio 2016 (uRNN), copying memory problem",
  grid: (quick) => ({
    description: "copy memory: LSTM vs tanh RNN against the memoryless baseline",
    // forget bias 1 and RMSProp decay 0.9 as in the authors' code (see adding.ts)
    // rho-every 50: the spectral radius is an eigendecomposition of the recurrent matrix, which at H = 128
    // costs more than the training step itself; every 50 steps it is still on every checkpoint.
    base: quick
      ? { task: "copy", T: 5, hidden: 8, batch: 4, optimizer: "rmsprop", lr: 1e-2, "clip-norm": 1, "save-every": 10 }
      : { task: "copy", T: 100, hidden: 128, batch: 20, optimizer: "rmsprop", lr: 1e-3, alpha: 0.9, "forget-bias": 1, "clip-norm": 1, "save-every": 50, "rho-every": 50 },
    grid: { cell: ["lstm", "rnn"] },
    seeds: quick ? [1] : [1, 2, 3],
    steps: quick ? 20 : COPY_STEPS,
    success: { metric: "loss/baseline", below: COPY_BELOW, window: quick ? 10 : 100 },
  }),
  finish(ctx) {
    const groups = groupRuns(ctx);
    const sc = ctx.plan.grid.success!;
    const T = ctx.plan.runs[0]?.flags.T ?? 0;
    const baseline = groups[0]?.baseline ?? NaN;
    writeFileAtomic(join(ctx.dir, "copy.json"), JSON.stringify({
      ...reportHead(ctx, "rnnlab-reproduce-copy", copyReproduction.source),
      T, baseline, beatsBelow: sc.below, window: sc.window, base: ctx.plan.grid.base, steps: ctx.plan.runs[0]?.flags.steps ?? 0,
      groups,
    }) + "\n");
    return [
      `copy memory, T = ${T}: cross-entropy (mean of the last ${sc.window} steps); memoryless baseline 10 ln 8/(T+20) = ${baseline.toFixed(4)}`,
      ...groups.map((g) => `  ${String(g.point.cell).padEnd(5)} loss/baseline per seed ${g.runs.map((r) => (r.finalMetric === null ? "nan" : r.finalMetric.toFixed(3))).join(" ")}`
        + `; below ${sc.below}× baseline: ${g.solved}/${g.runs.length}${g.medianStepsToThreshold !== null ? ` (median step ${g.medianStepsToThreshold})` : ""}`),
    ];
  },
};
