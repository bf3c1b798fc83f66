// Test-only: the pre-activations z of a forward pass, recomputed from the tape's states with plain
// loops (not core's kernels), so tests can ask "was this gate's input moderate?" and "is the stored
// gate σ(z)?". Gated cells: z of every gate block that reads [a<t-1>; x<t>] directly, i.e. every LSTM
// block and the GRU's Γr, Γu. Vanilla cell: z<t> = Wax·x<t> + Waa·a<t-1> + ba.
import type { Model } from "../../src/model";
import { paramLayout } from "../../src/params";
import type { Tape } from "../../src/tape";

/**
 * z (T, B, G·H) for gated cells (blocks in GRU_GATES / LSTM_GATES order; the GRU's c~ block is left
 * NaN because its input depends on the variant) or (T, B, H) for the vanilla cell.
 */
export function preActivations(model: Model, tape: Tape, x: Float64Array): Float64Array {
  const { cell, I, H } = model.config;
  const P = model.params;
  const L = paramLayout(model.config);
  const { T, B } = tape;
  if (cell === "rnn") {
    const z = new Float64Array(T * B * H);
    const Wax = L.byName.Wax.offset, Waa = L.byName.Waa.offset, ba = L.byName.ba.offset;
    for (let t = 1; t <= T; t++) {
      for (let b = 0; b < B; b++) {
        const xo = ((t - 1) * B + b) * I, ao = ((t - 1) * B + b) * H;
        for (let i = 0; i < H; i++) {
          let s = P[ba + i];
          for (let k = 0; k < I; k++) s += P[Wax + i * I + k] * x[xo + k];
          for (let k = 0; k < H; k++) s += P[Waa + i * H + k] * tape.a[ao + k];
          z[ao + i] = s;
        }
      }
    }
    return z;
  }
  const G = L.G, ld = H + I;
  const z = new Float64Array(T * B * G * H).fill(NaN);
  const blocks = cell === "gru" ? 2 : 4;
  for (let t = 1; t <= T; t++) {
    for (let b = 0; b < B; b++) {
      const xo = ((t - 1) * B + b) * I, ao = ((t - 1) * B + b) * H, zo = ((t - 1) * B + b) * G * H;
      for (let r = 0; r < blocks * H; r++) {
        let s = P[L.b0 + r];
        for (let k = 0; k < H; k++) s += P[L.W0 + r * ld + k] * tape.a[ao + k];
        for (let k = 0; k < I; k++) s += P[L.W0 + r * ld + H + k] * x[xo + k];
        z[zo + r] = s;
      }
    }
  }
  return z;
}
