/**
 * PyTorch state_dict <-> rnnlab model, for one recurrent layer (layer 0) and an optional nn.Linear head.
 *
 * PyTorch keeps two biases and fused gate blocks along the rows of weight_ih_l0 (G·H, I) and
 * weight_hh_l0 (G·H, H):
 *   nn.RNN   one block            h = act(W_ih x + b_ih + W_hh h + b_hh)
 *   nn.LSTM  rows [i | f | g | o]  (i is the course's Γu, g its c~)
 *   nn.GRU   rows [r | z | n]      n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)),  h = (1-z)⊙n + z⊙h
 * rnnlab's gated weights act on [a<t-1>; x<t>] (columns: H hidden, then I input) and are stacked
 * [f|u|c|o] (LSTM) or [r|u|c] (GRU). The course's single bias is the sum b_ih + b_hh, except for the
 * GRU candidate, whose b_hn sits inside Γr⊙(·) and becomes rnnlab's `bca`. PyTorch's GRU is the
 * `reset-after` variant, with Γu = 1 - z, so Wu = -[W_hz | W_iz] and bu = -(b_iz + b_hz): exact, since
 * σ(-v) = 1 - σ(v). RNN and LSTM map exactly; a `reset-before` GRU has no PyTorch equivalent.
 */
import { makeConfig, type Activation, type CellKind, type GruVariant, type Model, type ModelConfig, type OutputKind } from "../model";
import { paramLayout } from "../params";
import { serializeSafetensors, type SafetensorsInput } from "./safetensors";

/** A tensor as read from or written to a state_dict file. */
export interface StateTensor {
  shape: number[];
  data: Float64Array;
}

/** Thrown when a state_dict does not describe a supported model; the message names the key. */
export class StateDictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateDictError";
  }
}

/** Where the layer's and the head's tensors were found, so they can be written back under the same names. */
export interface TorchNames {
  /** prefix of the recurrent layer's keys, e.g. "rnn." */
  rnn: string;
  /** prefix of the head's keys ("head." for `head.weight`), or null when the file has no head */
  head: string | null;
}

export interface TorchImportOptions {
  /** must agree with the cell found in the file, when given */
  cell?: CellKind;
  /** nn.RNN's nonlinearity (a state_dict does not record it): tanh (default) or relu */
  activation?: Activation;
  /** only `reset-after` represents nn.GRU exactly; the default */
  gruVariant?: GruVariant;
  /** readout nonlinearity; default identity */
  output?: OutputKind;
}

export interface TorchImport {
  model: Model;
  names: TorchNames;
  /** true when the file had no head: rnnlab then reads the hidden state out directly (Wya = I, by = 0) */
  headless: boolean;
}

const SUFFIXES = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"] as const;

/** PyTorch's row-block order for a cell, and rnnlab's block for each of them. */
function torchBlocks(cell: CellKind): { torch: string[]; ours: string[] } {
  if (cell === "lstm") return { torch: ["i", "f", "g", "o"], ours: ["u", "f", "c", "o"] };
  if (cell === "gru") return { torch: ["r", "z", "n"], ours: ["r", "u", "c"] };
  return { torch: [""], ours: [""] };
}

/** Converts a PyTorch state_dict (one RNN/GRU/LSTM layer 0, optional nn.Linear head) to an rnnlab model. */
export function modelFromStateDict(tensors: Map<string, StateTensor>, opts: TorchImportOptions = {}): TorchImport {
  const keys = [...tensors.keys()];
  const ih = keys.filter((k) => k.endsWith("weight_ih_l0"));
  if (ih.length === 0) throw new StateDictError(`no key ending in weight_ih_l0 among [${keys.join(", ")}]; expected an nn.RNN, nn.GRU or nn.LSTM state_dict`);
  if (ih.length > 1) throw new StateDictError(`several recurrent layers: ${ih.join(", ")}; rnnlab reads exactly one`);
  const prefix = ih[0].slice(0, -"weight_ih_l0".length);
  for (const k of keys) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    if (/_l[1-9]\d*(_reverse)?$/.test(rest) || rest.endsWith("_reverse")) {
      throw new StateDictError(`${k}: only layer 0 of a unidirectional layer is supported`);
    }
    if (/^weight_hr_l0/.test(rest)) throw new StateDictError(`${k}: LSTM projections (proj_size > 0) are not supported`);
  }
  const get = (suffix: string, required: boolean): StateTensor | null => {
    const t = tensors.get(prefix + suffix);
    if (!t && required) throw new StateDictError(`missing ${prefix + suffix}`);
    return t ?? null;
  };
  const Wih = get(SUFFIXES[0], true)!, Whh = get(SUFFIXES[1], true)!;
  const bih = get(SUFFIXES[2], false), bhh = get(SUFFIXES[3], false);
  if (Whh.shape.length !== 2 || Whh.shape[0] % Whh.shape[1] !== 0) {
    throw new StateDictError(`${prefix}weight_hh_l0: shape [${Whh.shape}] is not (G·H, H)`);
  }
  const H = Whh.shape[1];
  const G = Whh.shape[0] / H;
  const found: CellKind | null = G === 1 ? "rnn" : G === 3 ? "gru" : G === 4 ? "lstm" : null;
  if (!found) throw new StateDictError(`${prefix}weight_hh_l0: shape [${Whh.shape}] has ${G} gate blocks; expected 1 (RNN), 3 (GRU) or 4 (LSTM)`);
  if (opts.cell && opts.cell !== found) throw new StateDictError(`--cell is ${opts.cell} but ${prefix}weight_hh_l0 has the shape of an ${found.toUpperCase()} ([${Whh.shape}])`);
  if (Wih.shape.length !== 2 || Wih.shape[0] !== G * H) throw new StateDictError(`${prefix}weight_ih_l0: shape [${Wih.shape}], expected [${G * H}, I]`);
  const I = Wih.shape[1];
  for (const [name, b] of [["bias_ih_l0", bih], ["bias_hh_l0", bhh]] as const) {
    if (b && (b.shape.length !== 1 || b.shape[0] !== G * H)) throw new StateDictError(`${prefix}${name}: shape [${b.shape}], expected [${G * H}]`);
  }
  if (found === "rnn" && opts.activation && opts.activation !== "tanh" && opts.activation !== "relu") {
    throw new StateDictError(`--activation ${opts.activation}: nn.RNN has only tanh or relu`);
  }
  if (found === "gru" && opts.gruVariant === "reset-before") {
    throw new StateDictError("nn.GRU is the reset-after variant; --gru-variant reset-before cannot represent it exactly");
  }

  // The head: the one 2-D `…weight` of shape (O, H) outside the recurrent layer, with its `…bias`.
  const heads = keys.filter((k) => !k.startsWith(prefix) && k.endsWith("weight") && tensors.get(k)!.shape.length === 2);
  if (heads.length > 1) throw new StateDictError(`several candidate heads: ${heads.join(", ")}; expected at most one nn.Linear`);
  const unknown = keys.filter((k) => !k.startsWith(prefix) && !heads.some((h) => k === h || k === h.slice(0, -"weight".length) + "bias"));
  if (unknown.length) throw new StateDictError(`unexpected keys: ${unknown.join(", ")}; expected one recurrent layer and an optional nn.Linear head`);
  let headPrefix: string | null = null;
  let Wy: StateTensor | null = null, by: StateTensor | null = null;
  if (heads.length === 1) {
    headPrefix = heads[0].slice(0, -"weight".length);
    Wy = tensors.get(heads[0])!;
    by = tensors.get(headPrefix + "bias") ?? null;
    if (Wy.shape[1] !== H) throw new StateDictError(`${heads[0]}: shape [${Wy.shape}], expected [O, ${H}] to read the hidden state`);
    if (by && (by.shape.length !== 1 || by.shape[0] !== Wy.shape[0])) throw new StateDictError(`${headPrefix}bias: shape [${by.shape}], expected [${Wy.shape[0]}]`);
  }
  const O = Wy ? Wy.shape[0] : H;
  const config = makeConfig({
    cell: found, I, H, O,
    activation: found === "rnn" ? opts.activation ?? "tanh" : "tanh",
    gruVariant: "reset-after",
    output: opts.output ?? "identity",
  });
  const L = paramLayout(config);
  const P = new Float64Array(L.size);
  const bsum = (r: number) => (bih ? bih.data[r] : 0) + (bhh ? bhh.data[r] : 0);
  if (found === "rnn") {
    P.set(Wih.data, L.byName.Wax.offset);
    P.set(Whh.data, L.byName.Waa.offset);
    for (let j = 0; j < H; j++) P[L.byName.ba.offset + j] = bsum(j);
  } else {
    const { ours } = torchBlocks(found);
    const ld = H + I;
    for (let blk = 0; blk < G; blk++) {
      const name = ours[blk];
      const sign = found === "gru" && name === "u" ? -1 : 1;
      const W = L.byName[`W${name}`].offset, b = L.byName[`b${name}`].offset;
      for (let j = 0; j < H; j++) {
        const r = blk * H + j;
        for (let k = 0; k < H; k++) P[W + j * ld + k] = sign * Whh.data[r * H + k];
        for (let k = 0; k < I; k++) P[W + j * ld + H + k] = sign * Wih.data[r * I + k];
        if (found === "gru" && name === "c") {
          P[b + j] = bih ? bih.data[r] : 0;
          P[L.byName.bca.offset + j] = bhh ? bhh.data[r] : 0;
        } else {
          P[b + j] = sign * bsum(r);
        }
      }
    }
  }
  const Wya = L.byName.Wya.offset, byo = L.byName.by.offset;
  if (Wy) {
    P.set(Wy.data, Wya);
    if (by) P.set(by.data, byo);
  } else {
    for (let j = 0; j < H; j++) P[Wya + j * H + j] = 1;
  }
  return { model: { config, params: P }, names: { rnn: prefix, head: headPrefix }, headless: !Wy };
}

/**
 * An rnnlab model (or a gradient in the params layout, with `gradient: true`) as a PyTorch
 * state_dict. Parameters put the course's single bias into bias_ih and zeros into bias_hh; gradients
 * give both the same value, since ∂J/∂b_ih = ∂J/∂b_hh = ∂J/∂b.
 */
export function stateDictFromModel(config: ModelConfig, data: Float64Array, names: TorchNames = { rnn: "rnn.", head: "head." },
  opts: { gradient?: boolean } = {}): Map<string, StateTensor> {
  const { cell, H, I, O } = config;
  if (cell === "gru" && config.gruVariant !== "reset-after") {
    throw new StateDictError("a reset-before GRU has no PyTorch equivalent (nn.GRU is reset-after)");
  }
  if (cell === "rnn" && config.activation !== "tanh" && config.activation !== "relu") {
    throw new StateDictError(`an RNN with activation ${config.activation} has no PyTorch equivalent (nn.RNN is tanh or relu)`);
  }
  const L = paramLayout(config);
  const G = L.G;
  const Wih = new Float64Array(G * H * I), Whh = new Float64Array(G * H * H);
  const bih = new Float64Array(G * H), bhh = new Float64Array(G * H);
  const grad = !!opts.gradient;
  if (cell === "rnn") {
    Wih.set(data.subarray(L.byName.Wax.offset, L.byName.Wax.offset + H * I));
    Whh.set(data.subarray(L.byName.Waa.offset, L.byName.Waa.offset + H * H));
    for (let j = 0; j < H; j++) {
      bih[j] = data[L.byName.ba.offset + j];
      bhh[j] = grad ? bih[j] : 0;
    }
  } else {
    const { ours } = torchBlocks(cell);
    const ld = H + I;
    for (let blk = 0; blk < G; blk++) {
      const name = ours[blk];
      const sign = cell === "gru" && name === "u" ? -1 : 1;
      const W = L.byName[`W${name}`].offset, b = L.byName[`b${name}`].offset;
      for (let j = 0; j < H; j++) {
        const r = blk * H + j;
        for (let k = 0; k < H; k++) Whh[r * H + k] = sign * data[W + j * ld + k];
        for (let k = 0; k < I; k++) Wih[r * I + k] = sign * data[W + j * ld + H + k];
        if (cell === "gru" && name === "c") {
          bih[r] = data[b + j];
          bhh[r] = data[L.byName.bca.offset + j];
        } else {
          bih[r] = sign * data[b + j];
          bhh[r] = grad ? bih[r] : 0;
        }
      }
    }
  }
  const out = new Map<string, StateTensor>();
  out.set(names.rnn + "weight_ih_l0", { shape: [G * H, I], data: Wih });
  out.set(names.rnn + "weight_hh_l0", { shape: [G * H, H], data: Whh });
  out.set(names.rnn + "bias_ih_l0", { shape: [G * H], data: bih });
  out.set(names.rnn + "bias_hh_l0", { shape: [G * H], data: bhh });
  if (names.head !== null) {
    out.set(names.head + "weight", { shape: [O, H], data: data.slice(L.byName.Wya.offset, L.byName.Wya.offset + O * H) });
    out.set(names.head + "bias", { shape: [O], data: data.slice(L.byName.by.offset, L.byName.by.offset + O) });
  }
  return out;
}

/**
 * The model as a PyTorch-loadable safetensors file (float64 by default): `torch.load_state_dict` of a
 * module with attributes `rnn` (nn.RNN/GRU/LSTM, one layer) and `head` (nn.Linear) accepts it.
 */
export function modelToSafetensors(model: Model, names: TorchNames = { rnn: "rnn.", head: "head." }, dtype: "F64" | "F32" = "F64"): Uint8Array {
  const sd = stateDictFromModel(model.config, model.params, names);
  return serializeSafetensors([...sd].map(([k, t]) => [k, { dtype, shape: t.shape, data: t.data }] as [string, SafetensorsInput]));
}
