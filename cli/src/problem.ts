/**
 * The model, inputs, targets and loss of a single pass, from the flags that `grad` and `analyze`
 * share. Every check names the flag; nothing is computed until everything has been read and checked.
 */
import { z } from "zod";
import {
  ACTIVATIONS, CELL_KINDS, expandTargets, GRU_VARIANTS, LOSS_KINDS, maskEvery, maskLast, MAX_DIM, OUTPUT_KINDS, REDUCTIONS, Rng,
  type Batch, type LossKind, type LossSpec, type Model, type OutputKind,
} from "../../core/src/index";
import { UsageError } from "./errors";
import { checkFinite, readNpy } from "./files";
import { enumFlag, intFlag, numberText } from "./flags";
import { loadModel, type LoadedModel } from "./model-source";

/** Flags shared by grad and analyze (zod shape; each command adds its own). */
export const problemShape = {
  weights: z.string().optional(),
  cell: enumFlag(CELL_KINDS).optional(),
  activation: enumFlag(ACTIVATIONS).optional(),
  gruVariant: enumFlag(GRU_VARIANTS).optional(),
  inputs: z.string().optional(),
  targets: z.string().optional(),
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
};
const problemSchema = z.object(problemShape);
export type ProblemFlags = z.output<typeof problemSchema>;

/** Synthetic inputs when --inputs is absent (analyze only): x ~ N(0,1) of shape (T, B, I), targets 0. */
export interface SyntheticInputs { T: number; B: number; I: number }

export interface Problem {
  loaded: LoadedModel;
  model: Model;
  batch: Batch;
  spec: LossSpec;
  T: number;
  B: number;
}

/** The output nonlinearity each loss needs. */
const OUTPUT_FOR: Record<LossKind, OutputKind | null> = { mse: null, bce: "sigmoid", ce: "softmax" };

/** Reads and checks everything a pass needs. With `synthetic`, missing --inputs/--targets are generated. */
export function loadProblem(f: ProblemFlags, synthetic?: SyntheticInputs): Problem {
  let x: Float64Array, T: number, B: number, I: number;
  if (f.inputs) {
    const arr = readNpy("--inputs", f.inputs);
    if (arr.shape.length !== 3 || arr.shape.some((n) => n < 1)) throw new UsageError(`--inputs: shape (${arr.shape.join(", ")}); expected (T, B, I) with every size >= 1`);
    checkFinite("--inputs", arr.data, arr.shape);
    [T, B, I] = arr.shape;
    x = arr.data;
  } else if (synthetic) {
    ({ T, B, I } = synthetic);
    x = new Float64Array(T * B * I);
    new Rng((f.seed ?? 1) + 1).fillRandn(x, 0, x.length);
  } else {
    throw new UsageError("--inputs: (missing) is not allowed: required: a .npy file of shape (T, B, I)");
  }
  const wantOut = OUTPUT_FOR[f.loss];
  if (f.output && wantOut && f.output !== wantOut) throw new UsageError(`--output: ${f.output} does not go with --loss ${f.loss}, which needs ${wantOut}`);
  let y: { data: Float64Array; shape: number[] } | null = null;
  if (f.targets) {
    y = readNpy("--targets", f.targets);
    checkFinite("--targets", y.data, y.shape);
  } else if (!synthetic) {
    throw new UsageError("--targets: (missing) is not allowed: required: a .npy file (see --help)");
  }
  let O = f.outputSize ?? (y ? (f.loss === "ce" ? Math.max(1, ...Array.from(y.data, (v) => v + 1)) : y.shape[y.shape.length - 1] ?? 1) : 1);
  if (!(Number.isInteger(O) && O >= 1)) O = 1;
  if (f.loss === "ce" && y && f.outputSize === undefined && O > MAX_DIM) {
    throw new UsageError(`--targets: holds class ${O - 1}; class indices must be integers in [0, ${MAX_DIM - 1}]`);
  }
  if (f.loss === "ce" && !y && O < 2) O = 2;
  const loaded = loadModel({ ...f, output: f.output ?? wantOut ?? undefined }, I, O);
  let model: Model = loaded.model;
  const { H } = model.config;
  if (wantOut && model.config.output !== wantOut) model = { config: { ...model.config, output: wantOut }, params: model.params };
  if (model.config.I !== I) throw new UsageError(`--inputs: shape (${T}, ${B}, ${I}) has I = ${I}, but the model takes I = ${model.config.I}`);
  let targets: Float64Array;
  if (y) {
    try {
      targets = expandTargets("--targets", y.data, y.shape, f.loss, f.on, T, B, model.config.O);
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
  } else {
    // synthetic: zeros (mse/bce) or class 0 (ce)
    targets = new Float64Array(f.loss === "ce" ? T * B : T * B * model.config.O);
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
  const spec: LossSpec = { loss: f.loss, reduction: f.reduction, mask: f.on === "last" ? maskLast(T) : maskEvery(T) };
  return { loaded, model, batch: { x, T, B, a0, c0, targets }, spec, T, B };
}

/** Options text shared by the commands' --help. */
export function describeProblemOptions<C extends { option(flags: string, desc: string, def?: string): C }>(c: C): C {
  return c
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
    .option("--seed <n>", "seed of a seeded model (and of synthetic inputs); default 1")
    .option("--forget-bias <b>", "seeded LSTM: added to bf at init");
}
