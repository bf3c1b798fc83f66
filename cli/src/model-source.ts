/** Where a command's model comes from: a PyTorch safetensors state_dict, rnnlab's JSON, or a seeded init. */
import {
  initModel, makeConfig, ModelFileError, modelFromJSONText, modelFromStateDict, parseSafetensors, SafetensorsError,
  StateDictError, Rng, type Activation, type CellKind, type GruVariant, type Model, type OutputKind, type TorchNames,
} from "../../core/src/index";
import { UsageError } from "./errors";
import { checkFinite, readBytes } from "./files";

export interface ModelFlags {
  weights?: string;
  cell?: CellKind;
  activation?: Activation;
  gruVariant?: GruVariant;
  output?: OutputKind;
  hidden?: number;
  seed?: number;
  forgetBias?: number;
}

export interface LoadedModel {
  model: Model;
  /** PyTorch key prefixes (from the file, or the defaults rnn./head.) */
  names: TorchNames;
  /** a state_dict without an nn.Linear head: the loss reads the hidden state (Wya = I) */
  headless: boolean;
  source: string;
}

/**
 * Loads or creates the model. I is the input size the data has; O the output size wanted when the
 * model is created here. Every mismatch between a flag and the file is a UsageError.
 */
export function loadModel(f: ModelFlags, I: number, O: number): LoadedModel {
  if (!f.weights) {
    checkCellFlags(f, f.cell ?? "rnn", null);
    const config = makeConfig({ cell: f.cell ?? "rnn", I, H: f.hidden ?? 8, O, activation: f.activation, gruVariant: f.gruVariant, output: f.output });
    const model = initModel(config, new Rng(f.seed ?? 1), { forgetBias: f.forgetBias ?? 0 });
    return { model, names: { rnn: "rnn.", head: "head." }, headless: false, source: `seeded init (PyTorch's default, seed ${f.seed ?? 1})` };
  }
  const path = f.weights;
  const bytes = readBytes("--weights", path);
  if (bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === "NUMPY") {
    throw new UsageError(`--weights: ${path} is a .npy array; expected a .safetensors state_dict or an rnnlab .json model`);
  }
  const isJson = path.endsWith(".json") || bytes[0] === 0x7b; // '{'
  if (isJson) {
    let model: Model;
    try {
      model = modelFromJSONText(new TextDecoder().decode(bytes));
    } catch (e) {
      if (e instanceof ModelFileError || e instanceof RangeError) throw new UsageError(`--weights: ${path}: ${e.message}`);
      throw e;
    }
    const c = model.config;
    if (f.cell && f.cell !== c.cell) throw new UsageError(`--cell: ${f.cell} disagrees with ${path}, which holds a ${c.cell}`);
    checkCellFlags(f, c.cell, path);
    if (f.activation && f.activation !== c.activation) throw new UsageError(`--activation: ${f.activation} disagrees with ${path}, whose RNN uses ${c.activation}`);
    if (f.gruVariant && c.cell === "gru" && f.gruVariant !== c.gruVariant) throw new UsageError(`--gru-variant: ${f.gruVariant} disagrees with ${path}, a ${c.gruVariant} GRU`);
    if (f.output) model = { config: { ...c, output: f.output }, params: model.params };
    return { model, names: { rnn: "rnn.", head: "head." }, headless: false, source: path };
  }
  let tensors;
  try {
    tensors = parseSafetensors(bytes).tensors;
  } catch (e) {
    if (e instanceof SafetensorsError) throw new UsageError(`--weights: ${path}: ${e.message}`);
    throw e;
  }
  for (const [name, t] of tensors) checkFinite(`--weights (${name})`, t.data, t.shape);
  try {
    const imp = modelFromStateDict(tensors, { cell: f.cell, activation: f.activation, gruVariant: f.gruVariant, output: f.output });
    checkCellFlags(f, imp.model.config.cell, path);
    return { model: imp.model, names: imp.names, headless: imp.headless, source: path };
  } catch (e) {
    if (e instanceof StateDictError || e instanceof RangeError) throw new UsageError(`--weights: ${path}: ${e.message}`);
    throw e;
  }
}

/**
 * Flags that mean nothing for the model's cell are errors, not silently ignored: --activation on a
 * gated cell, --forget-bias on a cell other than a seeded LSTM (a weights file brings its own bf).
 */
function checkCellFlags(f: ModelFlags, cell: CellKind, path: string | null): void {
  if (f.activation && cell !== "rnn") {
    throw new UsageError(path ? `--activation: applies to a vanilla RNN; ${path} holds a ${cell}` : `--activation: applies to --cell rnn only, got --cell ${cell}`);
  }
  if (f.forgetBias !== undefined && f.forgetBias !== 0 && (path !== null || cell !== "lstm")) {
    throw new UsageError(path ? `--forget-bias: applies to a seeded LSTM (no --weights); ${path} brings its own bf` : `--forget-bias: applies to --cell lstm only, got --cell ${cell}`);
  }
}
