/**
 * Character-level language model on a list of names: the course's "Dinosaurus Island" assignment
 * (Sequence Models, week 1), on any names corpus passed in as a string (one name per line) or a
 * string[]. Core reads no files: the CLI loads the corpus (for example the `pokemon` npm package's
 * data/en.json) and passes it here.
 *
 * As in the course:
 * - Names are lower-cased; the vocabulary is the sorted set of their characters plus "\n", the
 *   end-of-name token. "\n" sorts first, so it is index 0 and, for a-z names, a..z are 1..26 (V = 27).
 * - One name per training step, B = 1, T = its length + 1: x<1> is the zero vector (the course's
 *   `X = [None] + ix`), x<t> for t >= 2 is the one-hot of the name's (t-1)-th character, and the targets
 *   are the name's characters followed by "\n" (`Y = X[1:] + [ix_newline]`).
 * - Softmax cross-entropy at every step, SUMMED over the steps (the course's loss, not a mean).
 * - The course shuffles the names once with `np.random.seed(0); np.random.shuffle(examples)` and then
 *   visits `examples[j % n]`: `shuffleInPlace(new Rng(0), names)` reproduces that shuffle bit for bit.
 * - The smoothed loss it prints starts at `get_initial_loss(vocab_size, 7) = -ln(1/V)·7`
 *   ({@link initialLoss}) and is updated by `loss·0.999 + cur·0.001` ({@link smoothLoss}).
 *
 * Normalization (`charset`): "a-z" (default) decomposes accents (NFD), lower-cases and drops every
 * character outside a-z, so "Flabébé" -> "flabebe", "Mr. Mime" -> "mrmime", "Porygon2" -> "porygon"; names
 * that become empty are dropped, and so are duplicates (first occurrence kept). "keep" only lower-cases
 * and trims, so spaces, digits and punctuation join the vocabulary.
 *
 * Baseline: guessing uniformly over the V characters costs ln V nats per step, so ln V·(mean name length
 * + 1) per name in the loss's units (sum over a name's steps). Solved: nats per character below the
 * corpus's unigram entropy, the best a model that ignores context can do (the char-LM's memoryless
 * strategy); a model below it is using the letters it has read.
 */
import { checkInt } from "../dims";
import { maskEvery } from "../loss-spec";
import type { Rng } from "../rng";
import { checkBatchSize, checkYhat, type Task, type TaskBatch, type TaskScore } from "./task";

/** How names are normalized; see the file comment. */
export type Charset = "a-z" | "keep";
export const CHARSETS: readonly Charset[] = ["a-z", "keep"];

/** The end-of-name token. */
export const END_OF_NAME = "\n";

/** The character vocabulary: `chars[i]` is character i, `ix[c]` its index. Plain data. */
export interface Vocabulary {
  /** sorted by code point; chars[0] = "\n" */
  chars: string[];
  ix: Record<string, number>;
  V: number;
}

/** The corpus as names: split on newlines (for a string), normalized per `charset`, empties and duplicates dropped. */
export function parseNames(corpus: string | readonly string[], charset: Charset = "a-z"): string[] {
  if (!CHARSETS.includes(charset)) throw new RangeError(`charset must be one of ${CHARSETS.join("|")}, got ${String(charset)}`);
  const lines = typeof corpus === "string" ? corpus.split(/\r?\n/) : corpus;
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (typeof raw !== "string") throw new RangeError(`corpus[${i}] is ${typeof raw}; names must be strings`);
    const name = charset === "a-z"
      ? raw.normalize("NFD").toLowerCase().replace(/[^a-z]/g, "")
      : raw.trim().toLowerCase();
    if (name.includes(END_OF_NAME)) throw new RangeError(`corpus[${i}] contains a newline, which is the end-of-name token`);
    if (name.length === 0 || seen.has(name)) continue;
    seen.add(name);
    out.push(name);
  }
  return out;
}

/** The vocabulary of a list of names (already parsed): their characters plus "\n", sorted by code point. */
export function vocabularyOfNames(names: readonly string[]): Vocabulary {
  const set = new Set<string>([END_OF_NAME]);
  for (const n of names) for (const c of n) set.add(c);
  const chars = [...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const ix: Record<string, number> = {};
  chars.forEach((c, i) => { ix[c] = i; });
  return { chars, ix, V: chars.length };
}

/** The vocabulary of a corpus: `vocabularyOfNames(parseNames(corpus, charset))`. */
export function vocabulary(corpus: string | readonly string[], charset: Charset = "a-z"): Vocabulary {
  return vocabularyOfNames(parseNames(corpus, charset));
}

/** The indices of a name's characters (no end-of-name token). Throws naming the first unknown character. */
export function encodeName(vocab: Vocabulary, name: string): Int32Array {
  const cps = [...name];
  const out = new Int32Array(cps.length);
  for (let i = 0; i < cps.length; i++) {
    const k = Object.hasOwn(vocab.ix, cps[i]) ? vocab.ix[cps[i]] : undefined;
    if (k === undefined) throw new RangeError(`name "${name}" has character ${JSON.stringify(cps[i])} at ${i}, which is not in the vocabulary`);
    out[i] = k;
  }
  return out;
}

/** The string spelled by character indices (an end-of-name index decodes to "\n"). */
export function decodeIndices(vocab: Vocabulary, indices: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!(Number.isInteger(k) && k >= 0 && k < vocab.V)) throw new RangeError(`indices[${i}] is ${k}; it must be an integer in [0, ${vocab.V - 1}]`);
    s += vocab.chars[k];
  }
  return s;
}

/**
 * The course's training example for one name: T = length + 1, B = 1, x (T, 1, V) with x<1> = 0 and
 * x<t> = one-hot(name[t-2]), targets (T, 1) = the name's indices then "\n", CE summed over every step.
 */
export function nameBatch(vocab: Vocabulary, name: string): TaskBatch {
  const ix = encodeName(vocab, name);
  const T = ix.length + 1;
  const V = vocab.V;
  checkBatchSize(1, T, V);
  const x = new Float64Array(T * V);
  const targets = new Float64Array(T);
  for (let t = 1; t < T; t++) x[t * V + ix[t - 1]] = 1;
  for (let t = 0; t < T - 1; t++) targets[t] = ix[t];
  targets[T - 1] = vocab.ix[END_OF_NAME];
  return { batch: { x, T, B: 1, targets }, spec: { loss: "ce", reduction: "sum", mask: maskEvery(T) }, T, lengths: null };
}

/** The course's `get_initial_loss(vocab_size, seq_length) = -ln(1/V)·seq_length`, with its seq_length 7. */
export function initialLoss(V: number, seqLength = 7): number {
  return -Math.log(1.0 / V) * seqLength;
}

/** The course's `smooth(loss, cur_loss) = loss·0.999 + cur_loss·0.001`. */
export function smoothLoss(prev: number, cur: number): number {
  return prev * 0.999 + cur * 0.001;
}

/** Entropy in nats of the characters the model must predict (each name's characters and one "\n"). */
export function unigramEntropy(vocab: Vocabulary, names: readonly string[]): number {
  const counts = new Float64Array(vocab.V);
  let n = 0;
  for (const name of names) {
    const ix = encodeName(vocab, name);
    for (let i = 0; i < ix.length; i++) counts[ix[i]]++;
    counts[vocab.ix[END_OF_NAME]]++;
    n += ix.length + 1;
  }
  let h = 0;
  for (let k = 0; k < vocab.V; k++) if (counts[k] > 0) h -= (counts[k] / n) * Math.log(counts[k] / n);
  return h;
}

export interface CharLmOptions {
  /** default "a-z" */
  charset?: Charset;
}

/** The char-LM task: a Task plus its names, vocabulary and reference numbers. */
export interface CharLmTask extends Task {
  name: "char-lm";
  /** the parsed names, in corpus order */
  names: string[];
  vocab: Vocabulary;
  /** nats per character of the best context-free prediction: the `solved` line */
  unigramNats: number;
  /** the course's starting value of the smoothed loss, ln V·7 */
  initialLoss: number;
}

/**
 * The char-LM task on a corpus. `sample(rng, 1)` draws one name uniformly (B must be 1: a name is one
 * sequence with its own length, and the loss mask runs over t). For the course's fixed order, shuffle
 * `task.names` with {@link shuffleInPlace} and feed `nameBatch(task.vocab, names[j % n])`.
 */
export function makeCharLmTask(corpus: string | readonly string[], opts: CharLmOptions = {}): CharLmTask {
  const names = parseNames(corpus, opts.charset ?? "a-z");
  if (names.length === 0) throw new RangeError("corpus has no names after normalization; it needs at least one non-empty line");
  const vocab = vocabularyOfNames(names);
  let steps = 0;
  for (const n of names) steps += [...n].length + 1;
  const meanT = steps / names.length;
  const lnV = Math.log(vocab.V);
  const unigramNats = unigramEntropy(vocab, names);
  return {
    name: "char-lm",
    I: vocab.V,
    O: vocab.V,
    loss: "ce",
    output: "softmax",
    baseline: lnV * meanT,
    baselineNote: `uniform over V=${vocab.V} characters, summed over a name: ln V·(mean length + 1) = ${(lnV * meanT).toFixed(4)} (the course starts its smoothed loss at ln V·7 = ${(lnV * 7).toFixed(4)})`,
    solvedNote: `nats per character below the corpus's unigram entropy ${unigramNats.toFixed(4)} (the best context-free prediction)`,
    names,
    vocab,
    unigramNats,
    initialLoss: initialLoss(vocab.V),
    sample: (rng: Rng, B: number) => {
      checkInt("B", B, 1, 1);
      return nameBatch(vocab, names[rng.uniformInt(names.length)]);
    },
    score: (yhat: Float64Array, tb: TaskBatch): TaskScore => {
      checkYhat(yhat, tb, vocab.V);
      const { B, targets } = tb.batch;
      let nats = 0;
      for (let t = 0; t < tb.T; t++) for (let b = 0; b < B; b++) nats -= Math.log(yhat[(t * B + b) * vocab.V + targets[t * B + b]]);
      const perChar = nats / (tb.T * B);
      return { metric: "nats per character", value: perChar, solved: perChar < unigramNats };
    },
  };
}
