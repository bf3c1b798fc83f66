/**
 * What the forward pass keeps for the backward pass, allocated once per (T, B) and reused.
 * Every buffer is flat row-major (see dims.ts). Offsets, for step t = 1..T and batch row b:
 *   a, c     (T+1, B, H)    a<t> at (t·B + b)·H; a<0> is the initial state
 *   gates    (T, B, G·H)    post-activation gate values at ((t-1)·B + b)·G·H, blocks in GRU_GATES /
 *                           LSTM_GATES order (gated cells only); holds pre-activations transiently
 *   tc       (T, B, H)      LSTM: tanh(c<t>)
 *   aux      (T, B, H)      GRU reset-before: Γr⊙a<t-1>; GRU reset-after: hn = Wc[:, :H]·a<t-1> + bca
 *   dpre     (T, B, G·H)    backward: dJ/d(pre-activation) of each gate block (for rnn: of z<t>)
 *   dhn      (T, B, H)      backward, GRU reset-after: dJ/dhn = dpre_c ⊙ Γr
 * Backward scratch: g, gc (B, H) carry dJ/da and dJ/dc between steps; sx (B, max(I, H)).
 *   zeroRow  (T)           backward: 1 where step t's dpre (and dhn) rows are all exactly zero, so the
 *                           weight and input gradients can skip them (see sequenceBackward)
 */
import type { ModelConfig } from "./model";
import { gateCount } from "./params";

export class Tape {
  readonly config: ModelConfig;
  readonly T: number;
  readonly B: number;
  readonly G: number;
  readonly a: Float64Array;
  readonly c: Float64Array;
  readonly gates: Float64Array;
  readonly tc: Float64Array;
  readonly aux: Float64Array;
  readonly dpre: Float64Array;
  readonly dhn: Float64Array;
  readonly g: Float64Array;
  readonly gc: Float64Array;
  readonly sx: Float64Array;
  readonly zeroRow: Uint8Array;
  /** base-2 exponent of the scale of g and gc after a backward pass (see sequence.ts) */
  gExp = 0;

  constructor(config: ModelConfig, T: number, B: number) {
    const { H, I, cell } = config;
    const G = gateCount(cell);
    this.config = config;
    this.T = T;
    this.B = B;
    this.G = G;
    const lstm = cell === "lstm";
    const gru = cell === "gru";
    this.a = new Float64Array((T + 1) * B * H);
    this.c = new Float64Array(lstm ? (T + 1) * B * H : 0);
    this.gates = new Float64Array(cell === "rnn" ? 0 : T * B * G * H);
    this.tc = new Float64Array(lstm ? T * B * H : 0);
    this.aux = new Float64Array(gru ? T * B * H : 0);
    this.dpre = new Float64Array(T * B * G * H);
    this.dhn = new Float64Array(gru && config.gruVariant === "reset-after" ? T * B * H : 0);
    this.g = new Float64Array(B * H);
    this.gc = new Float64Array(B * H);
    this.sx = new Float64Array(B * Math.max(I, H));
    this.zeroRow = new Uint8Array(T);
  }

  /**
   * True when this tape serves a model with `config` at (T, B) without reallocating. The vanilla
   * steps read the activation from the tape's config, so a different activation needs a new tape.
   */
  fits(config: ModelConfig, T: number, B: number): boolean {
    const c = this.config;
    return this.T === T && this.B === B && c.cell === config.cell && c.H === config.H && c.I === config.I &&
      (c.cell !== "rnn" || c.activation === config.activation) && (c.cell !== "gru" || c.gruVariant === config.gruVariant);
  }
}

/** Returns `tape` when it fits (config, T, B), else a new Tape: allocate once per shape. */
export function ensureTape(tape: Tape | null | undefined, config: ModelConfig, T: number, B: number): Tape {
  return tape && tape.fits(config, T, B) ? tape : new Tape(config, T, B);
}
