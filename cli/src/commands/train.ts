/**
 * `rnnlab train`: train a cell on one of the literature's tasks. Writes DIR/metrics.jsonl (one JSON
 * line per step), DIR/model.json at the end, and DIR/checkpoint.json (atomically) every --save-every
 * steps and on SIGINT/SIGTERM; --resume continues from the checkpoint bit-identically.
 * `rnnlab sample`: draw names from a trained char-LM.
 */
import { Command } from "commander";
import { z } from "zod";
import {
  CELL_KINDS, INIT_KINDS, modelFromJSONText, NonFiniteGradientError, OPTIMIZER_KINDS, Rng, sampleName, TASK_NAMES,
} from "../../../core/src/index";
import { parseLayered } from "../config";
import { UsageError } from "../errors";
import { readBytes } from "../files";
import { enumFlag, intFlag, numberText, parseFlags } from "../flags";
import { createProgress, type Progress } from "../progress";
import { runTraining, type TrainRunOutcome } from "../train-run";

export const trainSchema = z.object({
  task: enumFlag(TASK_NAMES).default("adding"),
  cell: enumFlag(CELL_KINDS).default("lstm"),
  T: intFlag(1, 1_000_000).default(50),
  hidden: intFlag(1, 4096).default(32),
  batch: intFlag(1, 4096).default(20),
  steps: intFlag(1, 100_000_000).default(500),
  optimizer: enumFlag(OPTIMIZER_KINDS).default("rmsprop"),
  lr: numberText.refine((v) => v > 0, "expected a learning rate > 0").default(1e-3),
  alpha: numberText.refine((v) => v >= 0 && v < 1, "expected a smoothing constant in [0, 1)").optional(),
  clipNorm: numberText.refine((v) => v > 0, "expected a threshold > 0").optional(),
  clipValue: numberText.refine((v) => v > 0, "expected a threshold > 0").optional(),
  clipTensorNorm: numberText.refine((v) => v > 0, "expected a threshold > 0").optional(),
  seed: intFlag(0, 2 ** 32 - 1).default(1),
  init: enumFlag(INIT_KINDS).default("pytorch"),
  forgetBias: numberText.default(0),
  bptt: enumFlag(["full", "tbptt", "checkpoint"] as const).default("full"),
  k1: intFlag(1, 1_000_000).optional(),
  k2: intFlag(1, 1_000_000).optional(),
  checkpointK: intFlag(1, 1_000_000).optional(),
  onNonfinite: enumFlag(["stop", "skip"] as const).default("stop"),
  rhoEvery: intFlag(1, 100_000_000).default(1),
  saveEvery: intFlag(1, 100_000_000).default(100),
  resume: z.boolean().default(false),
  quiet: z.boolean().default(false),
  out: z.string().default("out/train"),
});
export type TrainFlags = z.output<typeof trainSchema>;

export function trainCommand(): Command {
  return new Command("train")
    .description("train an RNN, GRU or LSTM on a long-dependency task; metrics.jsonl, model.json and resumable checkpoints")
    .option("--task <name>", TASK_NAMES.join("|"), "adding")
    .option("--cell <kind>", "rnn|gru|lstm", "lstm")
    .option("--T <steps>", "sequence length (the delay for copy, L for temporal-order; unused by char-lm)", "50")
    .option("--hidden <H>", "hidden size", "32")
    .option("--batch <B>", "batch size (char-lm: 1)", "20")
    .option("--steps <n>", "training steps", "500")
    .option("--optimizer <kind>", OPTIMIZER_KINDS.join("|"), "rmsprop")
    .option("--lr <x>", "learning rate", "1e-3")
    .option("--alpha <x>", "rmsprop: smoothing constant of the squared-gradient average, in [0, 1) (PyTorch's alpha; default 0.99)")
    .option("--clip-norm <x>", "clip by global norm, as torch.nn.utils.clip_grad_norm_")
    .option("--clip-value <x>", "clip each entry to [-x, x], as torch.nn.utils.clip_grad_value_")
    .option("--clip-tensor-norm <x>", "clip each tensor's norm, as Keras clipnorm")
    .option("--seed <n>", "seed of the weights and the batches", "1")
    .option("--init <kind>", INIT_KINDS.join("|"), "pytorch")
    .option("--forget-bias <b>", "LSTM: added to bf at init", "0")
    .option("--bptt <mode>", "full|tbptt|checkpoint", "full")
    .option("--k1 <n>", "tbptt: steps per segment (default T)")
    .option("--k2 <n>", "tbptt: steps each backward pass reaches (default k1)")
    .option("--checkpoint-k <n>", "checkpoint: keep every k-th state (default √T)")
    .option("--on-nonfinite <what>", "stop|skip: what a non-finite gradient does", "stop")
    .option("--rho-every <n>", "compute the spectral radius of the recurrent matrix every n steps (an eigendecomposition)", "1")
    .option("--save-every <n>", "write DIR/checkpoint.json every n steps", "100")
    .option("--resume", "continue from DIR/checkpoint.json")
    .option("--quiet", "print nothing while training")
    .option("--out <dir>", "output folder", "out/train")
    .option("--config <file>", "JSON object of these options (keys as the flags: {\"cell\": \"lstm\", \"T\": 100, \"clip-norm\": 1}); flags given here win")
    .addHelpText("after", `
Examples:
  rnnlab train --config adding.json --seed 2
  rnnlab train --task adding --cell lstm --T 100 --hidden 128 --batch 20 --optimizer rmsprop --lr 1e-3 --clip-norm 1 --steps 3000 --out out/adding-T100
  rnnlab train --task char-lm --cell rnn --hidden 50 --optimizer sgd --lr 0.01 --clip-value 5 --steps 20000 --out out/dinos
  rnnlab sample --model out/dinos/model.json --n 10`)
    .action((raw: Record<string, unknown>, cmd: Command) => runTrain(parseLayered(trainSchema, raw, cmd)));
}

async function runTrain(f: TrainFlags): Promise<void> {
  let stop = false;
  // k flags without their mode would be ignored (a sweep's grid may keep one in base across modes)
  if (f.checkpointK !== undefined && f.bptt !== "checkpoint") throw new UsageError(`--checkpoint-k: applies to --bptt checkpoint only, got --bptt ${f.bptt}`);
  if ((f.k1 !== undefined || f.k2 !== undefined) && f.bptt !== "tbptt") throw new UsageError(`--${f.k1 !== undefined ? "k1" : "k2"}: applies to --bptt tbptt only, got --bptt ${f.bptt}`);
  const onSignal = () => { stop = true; };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const log = (s: string) => { if (!f.quiet) process.stderr.write(s + "\n"); };
  let progress: Progress | null = null;
  let outcome: TrainRunOutcome;
  let skipped = 0;
  try {
    outcome = await runTraining(f, f.out, f.resume, {
      shouldStop: () => stop,
      onStart(startStep, { task, B }) {
        log(`rnnlab train: ${f.cell} H=${f.hidden} on ${task.name} (T=${f.T}, B=${B}); baseline ${task.baseline.toFixed(4)} (${task.baselineNote})`);
        progress = createProgress({ total: f.steps, start: startStep, label: "step", quiet: f.quiet });
      },
      onStep(r) {
        if (r.skipped) skipped++;
        const ratio = r.ledger ? r.ledger.ratio.toFixed(2) : "-";
        progress!.update(r.step, (mode) => mode === "bar"
          ? `loss ${r.loss.toFixed(5)} |g| ${r.gradNorm.toExponential(1)} rho ${r.spectralRadius.toFixed(2)} log10 ratio ${ratio}`
          : `loss ${r.loss.toFixed(5)}  |g| ${r.gradNorm.toExponential(2)}${r.clipped ? " (clipped)" : ""}  rho ${r.spectralRadius.toFixed(3)}  log10|dJ/da<1>|-log10|dJ/da<T>| ${ratio}`);
      },
    });
  } catch (e) {
    if (e instanceof NonFiniteGradientError) throw new UsageError(`${e.message} (use --clip-norm, a lower --lr, or --on-nonfinite skip)`);
    throw e;
  } finally {
    (progress as Progress | null)?.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (outcome.interrupted) {
    log(`interrupted at step ${outcome.trainer.steps}; ${outcome.checkpointPath} written; continue with the same flags and --resume`);
    process.exitCode = 130;
    return;
  }
  // not progress: shown with --quiet too
  if (skipped) process.stderr.write(`rnnlab train: warning: ${skipped} of the ${outcome.trainer.steps - outcome.startStep} steps trained here skipped their update (non-finite gradients; see "skipped" in metrics.jsonl)\n`);
  log(`wrote ${outcome.modelPath} and ${outcome.metricsPath}`);
}

const sampleSchema = z.object({
  model: z.string({ message: "required: a model.json written by rnnlab train --task char-lm" }),
  n: intFlag(1, 100_000).default(10),
  temperature: numberText.refine((v) => v > 0, "expected a temperature > 0").default(1),
  seed: intFlag(0, 2 ** 32 - 1).default(1),
  maxLen: intFlag(1, 10_000).default(50),
});

export function sampleCommand(): Command {
  return new Command("sample")
    .description("draw names from a char-LM trained by rnnlab train --task char-lm")
    .option("--model <file>", "model.json of a char-LM")
    .option("--n <count>", "names to draw", "10")
    .option("--temperature <t>", "softmax temperature", "1")
    .option("--seed <n>", "seed of the draws", "1")
    .option("--max-len <n>", "longest name", "50")
    .addHelpText("after", `
Examples:
  rnnlab train --task char-lm --cell rnn --hidden 50 --optimizer sgd --lr 0.01 --clip-value 5 --steps 35000 --out out/dinos
  rnnlab sample --model out/dinos/model.json --n 10 --temperature 0.8`)
    .action((raw: Record<string, unknown>) => {
      const f = parseFlags(sampleSchema, raw);
      const text = new TextDecoder().decode(readBytes("--model", f.model));
      let model;
      try { model = modelFromJSONText(text); } catch (e) { throw new UsageError(`--model: ${f.model}: ${(e as Error).message}`); }
      const meta = (JSON.parse(text) as { meta?: { vocab?: unknown } }).meta;
      const chars = meta?.vocab;
      if (!Array.isArray(chars) || !chars.every((c) => typeof c === "string" && [...c].length === 1) || !chars.includes("\n")) {
        throw new UsageError(`--model: ${f.model} has no valid meta.vocab (single characters including "\\n"); it is not a char-LM written by rnnlab train --task char-lm`);
      }
      const ix: Record<string, number> = {};
      (chars as string[]).forEach((c, i) => { ix[c] = i; });
      const vocab = { chars: chars as string[], ix, V: chars.length };
      if (model.config.I !== vocab.V || model.config.O !== vocab.V) throw new UsageError(`--model: ${f.model} has I = ${model.config.I}, O = ${model.config.O} but a vocabulary of ${vocab.V}`);
      const rng = new Rng(f.seed);
      let out = "";
      for (let i = 0; i < f.n; i++) out += sampleName(model, vocab, rng, { temperature: f.temperature, maxLen: f.maxLen }) + "\n";
      process.stdout.write(out);
    });
}
