/**
 * `rnnlab grad`: one forward and one backward pass, printed as JSON.
 * Inputs follow PyTorch's time-major layout: x (T, B, I); h0, c0 (B, H); targets (B, O) with --on last,
 * (T, B, O) with --on every, or class indices (B) / (T, B) for --loss ce.
 */
import { Command } from "commander";
import { z } from "zod";
import {
  ACTIVATIONS, CELL_KINDS, expandTargets, GRU_VARIANTS, LOSS_KINDS, lossAndGrads, maskEvery, maskLast, OUTPUT_KINDS,
  REDUCTIONS, stateDictFromModel, type LossKind, type Model, type OutputKind, type Workspace,
} from "../../../core/src/index";
import { UsageError } from "../errors";
import { checkFinite, readNpy, writeFileAtomic } from "../files";
import { enumFlag, intFlag, numberText, parseFlags } from "../flags";
import { loadModel, type LoadedModel } from "../model-source";
import { nest, nonFinite } from "../nested";

const gradSchema = z.object({
  weights: z.string().optional(),
  cell: enumFlag(CELL_KINDS).optional(),
  activation: enumFlag(ACTIVATIONS).optional(),
  gruVariant: enumFlag(GRU_VARIANTS).optional(),
  inputs: z.string({ message: "required: a .npy file of shape (T, B, I)" }),
  targets: z.string({ message: "required: a .npy file (see --help)" }),
  h0: z.string().optional(),
  c0: z.string().optional(),
  output: enumFlag(OUTPUT_KINDS).optional(),
  loss: enumFlag(LOSS_KINDS).default("mse"),
  on: enumFlag(["last", "every"] as const).default("last"),
  reduction: enumFlag(REDUCTIONS).default("mean"),
  hidden: intFlag(1, 4096).optional(),
  outputSize: intFlag(1, 65536).optional(),
  seed: intFlag(0, 2 ** 32 - 1).optional(),
  forgetBias: numberText.optional(),
  out: z.string().optional(),
});
export type GradFlags = z.output<typeof gradSchema>;

/** The output nonlinearity each loss needs. */
const OUTPUT_FOR: Record<LossKind, OutputKind | null> = { mse: null, bce: "sigmoid", ce: "softmax" };

/** Registers the command. */
export function gradCommand(): Command {
  return new Command("grad")
    .description("one forward and one exact BPTT pass: the loss, every gradient and the per-timestep ledger, as JSON")
    .option("--weights <file>", "a PyTorch state_dict (.safetensors) or an rnnlab model (.json); a seeded init when omitted")
    .option("--cell <kind>", "rnn|gru|lstm (checked against --weights)")
    .option("--activation <g>", "vanilla cell: tanh|relu|sigmoid|identity (nn.RNN files: tanh or relu)")
    .option("--gru-variant <v>", "reset-before (course, Keras, TF.js) | reset-after (PyTorch)")
    .option("--inputs <x.npy>", "inputs, shape (T, B, I), time-major as PyTorch")
    .option("--targets <y.npy>", "mse/bce: (B, O) with --on last, (T, B, O) with --on every; ce: class indices (B) or (T, B)")
    .option("--h0 <h0.npy>", "initial hidden state a<0>, shape (B, H); zeros when omitted")
    .option("--c0 <c0.npy>", "LSTM initial cell state c<0>, shape (B, H); zeros when omitted")
    .option("--output <kind>", "identity|sigmoid|softmax; default from --loss (mse: identity, bce: sigmoid, ce: softmax)")
    .option("--loss <kind>", "mse|bce|ce", "mse")
    .option("--on <where>", "last|every: the loss on the last step or on every step", "last")
    .option("--reduction <r>", "mean|sum (mean divides by the elements that carry a loss, as PyTorch)", "mean")
    .option("--hidden <H>", "hidden size of a seeded model (no --weights); default 8")
    .option("--output-size <O>", "output size of a seeded model; default from --targets")
    .option("--seed <n>", "seed of a seeded model; default 1")
    .option("--forget-bias <b>", "seeded LSTM: added to bf at init")
    .option("--out <file>", "write the JSON here (atomically) instead of stdout")
    .addHelpText("after", `
Examples:
  rnnlab grad --weights model.safetensors --inputs x.npy --targets y.npy --h0 h0.npy
  rnnlab grad --cell lstm --hidden 16 --inputs x.npy --targets y.npy --on every --out grads.json`)
    .action((raw: Record<string, unknown>) => runGrad(parseFlags(gradSchema, raw)));
}

/** Computes everything first and writes only at the end, so an error leaves no partial file. */
export function runGrad(f: GradFlags): void {
  const x = readNpy("--inputs", f.inputs);
  if (x.shape.length !== 3 || x.shape.some((n) => n < 1)) throw new UsageError(`--inputs: shape (${x.shape.join(", ")}); expected (T, B, I) with every size >= 1`);
  checkFinite("--inputs", x.data, x.shape);
  const [T, B, I] = x.shape;
  const y = readNpy("--targets", f.targets);
  checkFinite("--targets", y.data, y.shape);
  const wantOut = OUTPUT_FOR[f.loss];
  if (f.output && wantOut && f.output !== wantOut) throw new UsageError(`--output: ${f.output} does not go with --loss ${f.loss}, which needs ${wantOut}`);
  let O = f.outputSize ?? (f.loss === "ce" ? Math.max(1, ...Array.from(y.data, (v) => v + 1)) : y.shape[y.shape.length - 1] ?? 1);
  if (!(Number.isInteger(O) && O >= 1)) O = 1;
  const loaded: LoadedModel = loadModel({ ...f, output: f.output ?? wantOut ?? undefined }, I, O);
  let model: Model = loaded.model;
  const { H } = model.config;
  if (wantOut && model.config.output !== wantOut) model = { config: { ...model.config, output: wantOut }, params: model.params };
  if (model.config.I !== I) throw new UsageError(`--inputs: shape (${x.shape.join(", ")}) has I = ${I}, but the model takes I = ${model.config.I}`);
  let targets: Float64Array;
  try {
    targets = expandTargets("--targets", y.data, y.shape, f.loss, f.on, T, B, model.config.O);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const state = (flag: string, path: string | undefined): Float64Array | null => {
    if (!path) return null;
    const s = readNpy(flag, path);
    if (s.shape.length !== 2 || s.shape[0] !== B || s.shape[1] !== H) throw new UsageError(`${flag}: shape (${s.shape.join(", ")}); expected (B, H) = (${B}, ${H})`);
    checkFinite(flag, s.data, s.shape);
    return s.data;
  };
  if (f.c0 && model.config.cell !== "lstm") throw new UsageError(`--c0: only an LSTM has a cell state; this model is a ${model.config.cell}`);
  const a0 = state("--h0", f.h0), c0 = state("--c0", f.c0);
  const spec = { loss: f.loss, reduction: f.reduction, mask: f.on === "last" ? maskLast(T) : maskEvery(T) };
  const ws = lossAndGrads(null, model, { x: x.data, T, B, a0, c0, targets }, spec, { ledger: true });
  const json = gradReport(ws, loaded, model, f, T, B);
  const text = JSON.stringify(json) + "\n";
  const bad = (json as { nonFinite: string[] }).nonFinite;
  if (bad.length) process.stderr.write(`rnnlab grad: warning: non-finite values in ${bad.join(", ")} (the gradient overflowed float64; the ledger's log10 norms stay exact)\n`);
  if (f.out) writeFileAtomic(f.out, text);
  else process.stdout.write(text);
}

/** The JSON document (field by field in the README). */
export function gradReport(ws: Workspace, loaded: LoadedModel, model: Model, f: GradFlags, T: number, B: number): unknown {
  const { config } = model;
  const { I, H } = config;
  const g = ws.grads;
  const course: Record<string, unknown> = {};
  const flatCourse: Record<string, ArrayLike<number>> = {};
  for (const b of ws.layout.blocks) {
    if (loaded.headless && (b.name === "Wya" || b.name === "by")) continue;
    const v = g.dparams.subarray(b.offset, b.offset + b.size);
    course[b.name] = nest(v, b.shape);
    flatCourse[b.name] = v;
  }
  let torch: Record<string, unknown> | null = null;
  try {
    const sd = stateDictFromModel(config, g.dparams, loaded.headless ? { ...loaded.names, head: null } : loaded.names, { gradient: true });
    torch = {};
    for (const [name, t] of sd) torch[name] = nest(t.data, t.shape);
  } catch {
    torch = null; // a reset-before GRU or a sigmoid/identity RNN has no PyTorch equivalent
  }
  const L = ws.ledger!;
  const v = (n: number) => (n === -Infinity ? null : n);
  const ledger = Array.from({ length: T }, (_, i) => ({
    t: i + 1,
    direct: v(L.direct[i]),
    recurrent: v(L.recurrent[i]),
    total: v(L.total[i]),
    dWaa: v(L.dWaa[i]),
    dx: v(L.dx[i]),
    ...(config.cell === "lstm" ? { dc: v(L.cell[i]) } : {}),
  }));
  const bad = nonFinite({ loss: [ws.loss], ...flatCourse, dx: g.dx, da0: g.da0, dc0: g.dc0 });
  return {
    loss: ws.loss,
    model: { ...config, source: loaded.source, headless: loaded.headless },
    T, B,
    loss_spec: { loss: f.loss, on: f.on, reduction: f.reduction },
    grads: { course, torch },
    dx: nest(g.dx, [T, B, I]),
    da0: nest(g.da0, [B, H]),
    ...(config.cell === "lstm" ? { dc0: nest(g.dc0, [B, H]) } : {}),
    ledger,
    nonFinite: bad,
  };
}
