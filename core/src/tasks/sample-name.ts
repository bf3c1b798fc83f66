/**
 * Sampling from a trained char-LM, as the course's `sample`: x<1> = 0, then feed back the one-hot of
 * each drawn character until "\n" or maxLen characters. The draw follows np.random.choice(V, p=y):
 * the first index whose normalized cumulative probability exceeds one randomSample().
 * With a temperature τ, p ∝ exp(z/τ) from the logits z (τ = 1 is the model's own distribution).
 */
import { paramLayout } from "../params";
import type { Model } from "../model";
import type { Rng } from "../rng";
import { sequenceForward } from "../sequence";
import { Tape } from "../tape";
import { END_OF_NAME, type Vocabulary } from "./char-lm";

/** Draws one name. Allocates one T=1 tape and small buffers per call, nothing per character. */
export function sampleName(model: Model, vocab: Vocabulary, rng: Rng, opts: { temperature?: number; maxLen?: number } = {}): string {
  const { config, params: P } = model;
  const tau = opts.temperature ?? 1;
  const maxLen = opts.maxLen ?? 50;
  if (!(tau > 0 && tau < Infinity)) throw new RangeError(`temperature must be finite and > 0, got ${tau}`);
  if (!(Number.isInteger(maxLen) && maxLen >= 1)) throw new RangeError(`maxLen must be an integer >= 1, got ${maxLen}`);
  if (config.I !== vocab.V || config.O !== vocab.V) throw new RangeError(`the model has I = ${config.I}, O = ${config.O}; the vocabulary needs V = ${vocab.V}`);
  const L = paramLayout(config);
  const { H, O } = config;
  const tape = new Tape(config, 1, 1);
  const x = new Float64Array(vocab.V);
  const a = new Float64Array(H), c = new Float64Array(H);
  const z = new Float64Array(O), cdf = new Float64Array(O);
  const end = vocab.chars.indexOf(END_OF_NAME);
  const Wya = L.byName.Wya.offset, by = L.byName.by.offset;
  let out = "";
  for (let step = 0; step < maxLen; step++) {
    sequenceForward(tape, P, L, x, a, config.cell === "lstm" ? c : null);
    a.set(tape.a.subarray(H, 2 * H));
    if (config.cell === "lstm") c.set(tape.c.subarray(H, 2 * H));
    let mx = -Infinity;
    for (let o = 0; o < O; o++) {
      let s = P[by + o];
      for (let j = 0; j < H; j++) s += P[Wya + o * H + j] * a[j];
      z[o] = s / tau;
      if (z[o] > mx) mx = z[o];
    }
    let sum = 0;
    for (let o = 0; o < O; o++) { sum += Math.exp(z[o] - mx); cdf[o] = sum; }
    const u = rng.randomSample();
    let idx = O - 1;
    for (let o = 0; o < O; o++) if (cdf[o] / sum > u) { idx = o; break; }
    if (idx === end) break;
    out += vocab.chars[idx];
    x.fill(0);
    x[idx] = 1;
  }
  return out;
}
