/**
 * Gate statistics along the trajectory in a tape: how open the gated cells' memory paths are.
 *   LSTM carousel: c<T> depends on c<k> through Π_{t=k+1..T} Γf<t> (with Γu = 0 that is all of it),
 *   GRU:           a<T> on a<k> through Π_{t=k+1..T} (1 - Γu<t>)
 * Both are reported as log10 per unit. Saturation: the fraction of gate values below 0.05 or above
 * 0.95 (where σ' < 0.048, so a gradient through the gate itself is small); for the vanilla cell, the
 * fraction of |a| > 0.99 (tanh' < 0.02).
 */
import type { Tape } from "../tape";

export interface GateStats {
  /** the gate names, in the order of the per-gate arrays: f,u,c,o (LSTM), r,u,c (GRU), a (vanilla) */
  gates: string[];
  /** per gate: fraction of values below 0.05 (for c~ and a: |v| > 0.99 counts as saturated instead) */
  fracLow: number[];
  /** per gate: fraction of values above 0.95 */
  fracHigh: number[];
  /** per gate: fraction saturated (low + high, or |v| > 0.99 for tanh-valued c~ and a) */
  fracSaturated: number[];
  /** LSTM/GRU: log10 of the memory-path product over all T steps, per unit (H), for batch row b; empty for vanilla */
  log10CarouselTotal: Float64Array;
  /** LSTM/GRU: mean over units of log10 Π_{t=k+1..T}, for k = 0..T (index k); empty for vanilla */
  log10CarouselMean: Float64Array;
}

/** Gate saturation over every (t, b) of the tape, and the carousel products for batch row b. */
export function gateStats(tape: Tape, b = 0): GateStats {
  const { T, B, G, config: { cell, H } } = tape;
  if (!(Number.isInteger(b) && b >= 0 && b < B)) throw new RangeError(`b must be an integer in [0, ${B - 1}], got ${b}`);
  const names = cell === "lstm" ? ["f", "u", "c", "o"] : cell === "gru" ? ["r", "u", "c"] : ["a"];
  const low = new Array<number>(names.length).fill(0), high = new Array<number>(names.length).fill(0), sat = new Array<number>(names.length).fill(0);
  const count = T * B * H;
  if (cell === "rnn") {
    for (let i = B * H; i < (T + 1) * B * H; i++) {
      const v = tape.a[i];
      if (v < -0.99) low[0]++;
      else if (v > 0.99) high[0]++;
    }
    sat[0] = low[0] + high[0];
  } else {
    const tanhGate = 2; // c~ is tanh-valued in both gated cells
    for (let r = 0; r < T * B; r++) {
      for (let g = 0; g < G; g++) {
        const o = r * G * H + g * H;
        for (let j = 0; j < H; j++) {
          const v = tape.gates[o + j];
          if (g === tanhGate) { if (v < -0.99) low[g]++; else if (v > 0.99) high[g]++; }
          else if (v < 0.05) low[g]++;
          else if (v > 0.95) high[g]++;
        }
      }
    }
    for (let g = 0; g < G; g++) sat[g] = low[g] + high[g];
  }
  const total = new Float64Array(cell === "rnn" ? 0 : H);
  const mean = new Float64Array(cell === "rnn" ? 0 : T + 1);
  if (cell !== "rnn") {
    // carousel factor per step: Γf (LSTM, block 0) or 1 - Γu (GRU, block 1)
    const blk = cell === "lstm" ? 0 : 1;
    for (let t = T; t >= 1; t--) {
      const o = ((t - 1) * B + b) * G * H + blk * H;
      let s = 0;
      for (let j = 0; j < H; j++) {
        const v = tape.gates[o + j];
        total[j] += Math.log10(cell === "lstm" ? v : 1 - v);
        s += total[j];
      }
      mean[t - 1] = s / H;
    }
    mean[T] = 0;
  }
  return {
    gates: names,
    fracLow: low.map((v) => v / count),
    fracHigh: high.map((v) => v / count),
    fracSaturated: sat.map((v) => v / count),
    log10CarouselTotal: total,
    log10CarouselMean: mean,
  };
}
