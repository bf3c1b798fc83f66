/**
 * Parameter initialization. Every draw takes the explicit rng.
 *   pytorch   every weight and bias ~ U(-1/√H, 1/√H): what nn.RNN / nn.GRU / nn.LSTM do (their head,
 *             nn.Linear(H, O), uses the same bound). PyTorch's two biases are one bias here.
 *   gaussian  every weight ~ N(0, scale²/fan_in), biases 0
 * An LSTM may add a constant to the forget-gate bias bf (Gers et al. 2000; Jozefowicz et al. 2015
 * recommend 1), which keeps Γf near 1 at the start so the cell-state path carries gradient.
 */
import { checkInt } from "./dims";
import { validateConfig, type Model, type ModelConfig } from "./model";
import { paramLayout } from "./params";
import type { Rng } from "./rng";

export type InitKind = "pytorch" | "gaussian";
export const INIT_KINDS: readonly InitKind[] = ["pytorch", "gaussian"];

export interface InitOptions {
  kind?: InitKind;
  /** gaussian: the weights' standard deviation is scale/√fan_in; default 1 */
  scale?: number;
  /** LSTM: added to bf after the draw; default 0 */
  forgetBias?: number;
}

/** A new model with parameters drawn from `rng`. */
export function initModel(config: ModelConfig, rng: Rng, opts: InitOptions = {}): Model {
  validateConfig(config);
  const kind = opts.kind ?? "pytorch";
  const scale = opts.scale ?? 1;
  const forgetBias = opts.forgetBias ?? 0;
  if (!(scale >= 0 && scale < Infinity)) throw new RangeError(`scale must be finite and >= 0, got ${scale}`);
  if (!Number.isFinite(forgetBias)) throw new RangeError(`forgetBias must be finite, got ${forgetBias}`);
  checkInt("H", config.H, 1);
  const L = paramLayout(config);
  const params = new Float64Array(L.size);
  if (kind === "pytorch") {
    const k = 1 / Math.sqrt(config.H);
    rng.fillUniform(params, 0, L.size, -k, k);
  } else if (kind === "gaussian") {
    for (const b of L.blocks) {
      if (b.shape.length !== 2) continue;
      const fanIn = b.shape[1];
      rng.fillRandn(params, b.offset, b.size, scale / Math.sqrt(fanIn));
    }
  } else {
    throw new RangeError(`init must be one of pytorch|gaussian, got ${String(kind)}`);
  }
  if (config.cell === "lstm" && forgetBias !== 0) {
    const bf = L.byName.bf;
    for (let j = 0; j < bf.size; j++) params[bf.offset + j] += forgetBias;
  }
  return { config, params };
}
