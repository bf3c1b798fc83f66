/**
 * `rnnlab demo` (what `npm start` runs until the explain report lands): a tanh RNN and an LSTM with the
 * same seed and the same inputs at T = 1,000, a loss on the last step only, and log10‖dJ/da<t>‖ at
 * t = 1, 10, 100 and 1,000, read from the gradient ledger.
 */
import { Command } from "commander";
import { z } from "zod";
import { initModel, lossAndGrads, makeConfig, maskLast, Rng, type CellKind } from "../../../core/src/index";
import { intFlag, parseFlags } from "../flags";

const demoSchema = z.object({
  T: intFlag(2, 1_000_000).default(1000),
  hidden: intFlag(1, 1024).default(32),
  seed: intFlag(0, 2 ** 32 - 1).default(1),
});

export function demoCommand(): Command {
  return new Command("demo")
    .description("a tanh RNN and an LSTM at T = 1,000: how much of the last step's gradient reaches step t")
    .option("--T <steps>", "sequence length", "1000")
    .option("--hidden <H>", "hidden size", "32")
    .option("--seed <n>", "seed for weights and inputs", "1")
    .action((raw: Record<string, unknown>) => runDemo(parseFlags(demoSchema, raw)));
}

export interface DemoRow { t: number; rnn: number; lstm: number; lstmBf: number }

/** The forget-gate bias of the third model: σ(5) ≈ 0.9933, so Γf's product over 1,000 steps is ~10^-3. */
export const DEMO_FORGET_BIAS = 5;

/** Runs both models and returns log10‖dJ/da<t>‖ at the chosen steps. */
export function demoRows(T: number, H: number, seed: number): { rows: DemoRow[]; loss: Record<string, number> } {
  const I = 4, B = 1;
  const x = new Float64Array(T * B * I);
  new Rng(seed).fillRandn(x, 0, x.length);
  const targets = new Float64Array(T * B);
  const spec = { loss: "mse" as const, reduction: "mean" as const, mask: maskLast(T) };
  const ledgers: Record<string, Float64Array> = {};
  const loss: Record<string, number> = {};
  for (const [key, cell, forgetBias] of [["rnn", "rnn", 0], ["lstm", "lstm", 0], ["lstmBf", "lstm", DEMO_FORGET_BIAS]] as [string, CellKind, number][]) {
    const model = initModel(makeConfig({ cell, I, H, O: 1 }), new Rng(seed + 1), { forgetBias });
    const ws = lossAndGrads(null, model, { x, T, B, targets }, spec, { ledger: true });
    ledgers[key] = ws.ledger!.total.slice();
    loss[key] = ws.loss;
  }
  const steps = [1, 10, 100, 1000, 10_000, 100_000].filter((t) => t < T);
  steps.push(T);
  return { rows: steps.map((t) => ({ t, rnn: ledgers.rnn[t - 1], lstm: ledgers.lstm[t - 1], lstmBf: ledgers.lstmBf[t - 1] })), loss };
}

function runDemo(f: z.output<typeof demoSchema>): void {
  const { T, hidden: H, seed } = f;
  const { rows } = demoRows(T, H, seed);
  const out: string[] = [];
  out.push(`rnnlab demo: a loss on the last step only, T = ${T}, H = ${H}, I = 4, seed ${seed}, PyTorch's default init`);
  out.push("log10 ||dJ/da<t>||, from the gradient ledger (exact, even below 1e-308):");
  out.push("");
  out.push(`       t   tanh RNN       LSTM   LSTM bf+${DEMO_FORGET_BIAS}`);
  for (const r of rows) out.push(`${String(r.t).padStart(8)}  ${r.rnn.toFixed(2).padStart(9)}  ${r.lstm.toFixed(2).padStart(9)}  ${r.lstmBf.toFixed(2).padStart(9)}`);
  const first = rows[0], last = rows[rows.length - 1];
  const ratio = (k: "rnn" | "lstm" | "lstmBf") => (first[k] - last[k]).toFixed(1);
  out.push("");
  out.push(`The gradient that reaches t = 1 is 10^${ratio("rnn")} of its size at t = ${T} in the tanh RNN and 10^${ratio("lstm")} in the`);
  out.push(`LSTM: the same shared weights, yet ${T - 1} step Jacobians multiplied together, as in a ${T}-layer network.`);
  const bf = first.lstmBf - last.lstmBf;
  out.push(`With its forget gate biased open (bf + ${DEMO_FORGET_BIAS}, Γf ≈ ${(1 / (1 + Math.exp(-DEMO_FORGET_BIAS))).toFixed(4)}), the LSTM's gradient at t = 1 is ` +
    `10^${bf.toFixed(1)} of its size at t = ${T}:`);
  out.push(bf >= -1 ? "the cell-state path, c<t> = Γf⊙c<t-1> + ..., multiplies by factors near 1 and does not fade." :
    "even the cell-state path fades at this length.");
  process.stdout.write(out.join("\n") + "\n");
}
