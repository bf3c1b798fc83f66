/**
 * A model is plain data: `{ config, params }`, structured-cloneable and serializable. Free functions
 * do the math. See params.ts for the flat parameter layout.
 */
import { checkInt } from "./dims";

/** The recurrent cell. */
export type CellKind = "rnn" | "gru" | "lstm";
export const CELL_KINDS: readonly CellKind[] = ["rnn", "gru", "lstm"];

/** g in the vanilla cell a<t> = g(Waa a<t-1> + Wax x<t> + ba). Gated cells always use tanh and sigmoid. */
export type Activation = "tanh" | "relu" | "sigmoid" | "identity";
export const ACTIVATIONS: readonly Activation[] = ["tanh", "relu", "sigmoid", "identity"];

/**
 * The two GRU variants.
 * - `reset-before` (the course, Keras reset_after=False, TF.js, brain.js):
 *     c~ = tanh(Wc·[Γr⊙a<t-1>; x<t>] + bc)
 * - `reset-after` (PyTorch, cuDNN, Keras reset_after=True):
 *     c~ = tanh(Wc[:, H:]·x<t> + bc + Γr⊙(Wc[:, :H]·a<t-1> + bca))
 * Both then take a<t> = Γu⊙c~ + (1-Γu)⊙a<t-1>. PyTorch's z is 1-Γu.
 */
export type GruVariant = "reset-before" | "reset-after";
export const GRU_VARIANTS: readonly GruVariant[] = ["reset-before", "reset-after"];

/** The readout's output nonlinearity: yhat<t> = out(Wya a<t> + by). */
export type OutputKind = "identity" | "sigmoid" | "softmax";
export const OUTPUT_KINDS: readonly OutputKind[] = ["identity", "sigmoid", "softmax"];

export interface ModelConfig {
  cell: CellKind;
  /** input size (n_x) */
  I: number;
  /** hidden size (n_a) */
  H: number;
  /** output size (n_y) */
  O: number;
  /** vanilla cell only */
  activation: Activation;
  /** GRU only */
  gruVariant: GruVariant;
  output: OutputKind;
}

export interface Model {
  config: ModelConfig;
  /** every parameter in one flat buffer; see `paramLayout` */
  params: Float64Array;
}

/** Upper bound on any dimension, to stop a typo (or a hostile file) from asking for gigabytes. */
export const MAX_DIM = 1 << 16;

/** Fills defaults and validates. Each error names the field, the value and what is allowed. */
export function makeConfig(c: Partial<ModelConfig> & Pick<ModelConfig, "cell" | "I" | "H">): ModelConfig {
  const cfg: ModelConfig = {
    cell: c.cell,
    I: c.I,
    H: c.H,
    O: c.O ?? 1,
    activation: c.activation ?? "tanh",
    gruVariant: c.gruVariant ?? "reset-before",
    output: c.output ?? "identity",
  };
  validateConfig(cfg);
  return cfg;
}

export function validateConfig(c: ModelConfig): void {
  if (!CELL_KINDS.includes(c.cell)) throw new RangeError(`cell must be one of ${CELL_KINDS.join("|")}, got ${String(c.cell)}`);
  checkInt("I", c.I, 1, MAX_DIM);
  checkInt("H", c.H, 1, MAX_DIM);
  checkInt("O", c.O, 1, MAX_DIM);
  if (!ACTIVATIONS.includes(c.activation)) throw new RangeError(`activation must be one of ${ACTIVATIONS.join("|")}, got ${String(c.activation)}`);
  if (!GRU_VARIANTS.includes(c.gruVariant)) throw new RangeError(`gruVariant must be one of ${GRU_VARIANTS.join("|")}, got ${String(c.gruVariant)}`);
  if (!OUTPUT_KINDS.includes(c.output)) throw new RangeError(`output must be one of ${OUTPUT_KINDS.join("|")}, got ${String(c.output)}`);
}
