// The char-LM task (the course's "Dinosaurus Island"): corpus parsing, the vocabulary, the course's
// example layout, loss helpers, baseline, score, and the names corpus that ships in the `pokemon` npm
// package (MIT, data/en.json), which the CLI reads and passes to core as a string[].
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { lossValue } from "../src/heads";
import { Rng } from "../src/rng";
import {
  decodeIndices, encodeName, initialLoss, makeCharLmTask, makeTask, nameBatch, parseNames, shuffleInPlace, smoothLoss,
  unigramEntropy, vocabulary, type CharLmTask, type TaskBatch,
} from "../src/tasks";

const require = createRequire(import.meta.url);
const POKEMON: string[] = JSON.parse(readFileSync(require.resolve("pokemon/data/en.json"), "utf8"));

/** The summed CE of predictions yhat (T, 1, V) given as probabilities, through heads.ts's lossValue. */
function ceSum(task: CharLmTask, tb: TaskBatch, yhat: Float64Array): number {
  const z = yhat.map(Math.log);
  return lossValue(z, yhat, tb.batch.targets, tb.spec, tb.T, 1, task.O);
}

describe("parseNames", () => {
  it("a-z: lower-cases, strips accents and everything outside a-z, drops empty lines and duplicates", () => {
    const corpus = "Flabébé\nMr. Mime\r\nPorygon2\nNidoran♀\nNidoran♂\n  Ho-Oh \n\n???\nPorygon\n";
    expect(parseNames(corpus)).toEqual(["flabebe", "mrmime", "porygon", "nidoran", "hooh"]);
  });

  it("keep: only lower-cases and trims, so punctuation, digits and symbols stay", () => {
    expect(parseNames(["Mr. Mime", " Nidoran♀", "Porygon2", "", "mr. mime"], "keep")).toEqual(["mr. mime", "nidoran♀", "porygon2"]);
  });

  it("throws on a name that contains the end-of-name token, a non-string entry, or an unknown charset", () => {
    expect(() => parseNames(["ab\ncd"], "keep")).toThrow(/corpus\[0\] contains a newline/);
    expect(() => parseNames([3 as never])).toThrow(/corpus\[0\] is number/);
    expect(() => parseNames("a", "ascii" as never)).toThrow(/charset must be one of a-z\|keep, got ascii/);
  });
});

describe("vocabulary, encodeName, decodeIndices", () => {
  it("vocabulary(corpus) is the sorted characters with \"\\n\" first, as the course's char_to_ix", () => {
    const v = vocabulary("Rex\ndino\n");
    expect(v.chars).toEqual(["\n", "d", "e", "i", "n", "o", "r", "x"]);
    expect(v.V).toBe(8);
    expect(v.ix).toEqual({ "\n": 0, d: 1, e: 2, i: 3, n: 4, o: 5, r: 6, x: 7 });
  });

  it("a corpus using every letter gives V = 27 with a..z at 1..26", () => {
    const v = vocabulary(["abcdefghijklm", "nopqrstuvwxyz"]);
    expect(v.V).toBe(27);
    expect(v.ix.a).toBe(1);
    expect(v.ix.z).toBe(26);
  });

  it("keep: code-point order, so a symbol above the BMP sorts after the letters", () => {
    const v = vocabulary(["a😀", "é"], "keep");
    expect(v.chars).toEqual(["\n", "a", "é", "😀"]);
  });

  it("encodeName and decodeIndices round-trip, with \"\\n\" decoding index 0", () => {
    const v = vocabulary("tyrannosaurus\n");
    const ix = encodeName(v, "saurus");
    expect(Array.from(ix)).toEqual([...("saurus")].map((c) => v.ix[c]));
    expect(decodeIndices(v, ix)).toBe("saurus");
    expect(decodeIndices(v, [...ix, 0])).toBe("saurus\n");
  });

  it("encodeName throws naming an unknown character; decodeIndices an index out of range", () => {
    const v = vocabulary("abc");
    expect(() => encodeName(v, "abz")).toThrow(/character "z" at 2/);
    expect(() => encodeName(v, "toString")).toThrow(/not in the vocabulary/);
    expect(() => decodeIndices(v, [1, 4])).toThrow(/indices\[1\] is 4/);
  });
});

describe("nameBatch (the course's training example)", () => {
  it("nameBatch(vocab, \"rex\"): T = 4, x<1> = 0, x<t> = one-hot of the previous char, targets r e x \\n, CE summed on every step", () => {
    const v = vocabulary("rex\ndino");
    const tb = nameBatch(v, "rex");
    const V = v.V;
    expect(tb.T).toBe(4);
    expect(tb.batch.B).toBe(1);
    expect(tb.spec).toEqual({ loss: "ce", reduction: "sum", mask: new Uint8Array(4).fill(1) });
    expect(Array.from(tb.batch.x.subarray(0, V))).toEqual(new Array(V).fill(0));
    for (const [t, c] of [[1, "r"], [2, "e"], [3, "x"]] as const) {
      const row = Array.from(tb.batch.x.subarray(t * V, (t + 1) * V));
      expect(row).toEqual(row.map((_, j) => (j === v.ix[c] ? 1 : 0)));
    }
    expect(Array.from(tb.batch.targets)).toEqual([v.ix.r, v.ix.e, v.ix.x, 0]);
  });
});

describe("the course's loss helpers", () => {
  it("initialLoss(27) = -ln(1/27)·7, the course's get_initial_loss(vocab_size, 7)", () => {
    expect(initialLoss(27)).toBe(-Math.log(1 / 27) * 7);
    expect(initialLoss(27)).toBeCloseTo(23.0709, 4);
    expect(initialLoss(27, 10)).toBeCloseTo(10 * Math.log(27), 12);
  });

  it("smoothLoss(prev, cur) = prev·0.999 + cur·0.001", () => {
    expect(smoothLoss(10, 20)).toBeCloseTo(10.01, 14);
    expect(smoothLoss(5, 5)).toBeCloseTo(5, 14);
  });
});

describe("makeCharLmTask", () => {
  const corpus = "Rex\nDino\nTyrannosaurus\nRaptor\nBrontosaurus\nStego\n";

  it("has I = O = V, CE on a softmax, and a baseline of ln V·(mean length + 1)", () => {
    const task = makeCharLmTask(corpus);
    expect([task.name, task.I, task.O, task.loss, task.output]).toEqual(["char-lm", task.vocab.V, task.vocab.V, "ce", "softmax"]);
    const meanT = task.names.reduce((s, n) => s + n.length + 1, 0) / task.names.length;
    expect(task.baseline).toBeCloseTo(Math.log(task.vocab.V) * meanT, 12);
    expect(task.initialLoss).toBe(initialLoss(task.vocab.V));
  });

  it("uniform predictions over every name average exactly the baseline (summed CE per name)", () => {
    const task = makeCharLmTask(corpus);
    let total = 0;
    for (const name of task.names) {
      const tb = nameBatch(task.vocab, name);
      total += ceSum(task, tb, new Float64Array(tb.T * task.O).fill(1 / task.O));
    }
    expect(Math.abs(total / task.names.length - task.baseline)).toBeLessThan(1e-12);
  });

  it("unigram predictions reach the unigram entropy over the corpus, which is not solved; a perfect prediction is", () => {
    const task = makeCharLmTask(corpus);
    const counts = new Float64Array(task.O);
    let n = 0;
    for (const name of task.names) { for (const c of name) counts[task.vocab.ix[c]]++; counts[0]++; n += name.length + 1; }
    let nats = 0, steps = 0;
    for (const name of task.names) {
      const tb = nameBatch(task.vocab, name);
      const yhat = new Float64Array(tb.T * task.O);
      for (let t = 0; t < tb.T; t++) for (let j = 0; j < task.O; j++) yhat[t * task.O + j] = counts[j] / n;
      const s = task.score(yhat, tb);
      expect(s.metric).toBe("nats per character");
      nats += s.value * tb.T;
      steps += tb.T;
      const onehot = new Float64Array(tb.T * task.O);
      for (let t = 0; t < tb.T; t++) onehot[t * task.O + tb.batch.targets[t]] = 1;
      expect(task.score(onehot, tb)).toEqual({ metric: "nats per character", value: 0, solved: true });
    }
    expect(Math.abs(nats / steps - task.unigramNats)).toBeLessThan(1e-12);
    expect(task.unigramNats).toBeCloseTo(unigramEntropy(task.vocab, task.names), 15);
    expect(task.unigramNats).toBeLessThan(Math.log(task.vocab.V));
  });

  it("sample(rng, 1) draws a name of the corpus, the same one for the same seed; B other than 1 throws", () => {
    const task = makeCharLmTask(corpus);
    const seen = new Set<string>();
    for (let s = 0; s < 40; s++) {
      const tb = task.sample(new Rng(s), 1);
      const again = task.sample(new Rng(s), 1);
      expect(Array.from(again.batch.targets)).toEqual(Array.from(tb.batch.targets));
      const name = decodeIndices(task.vocab, tb.batch.targets).slice(0, -1);
      expect(task.names).toContain(name);
      seen.add(name);
    }
    expect(seen.size).toBe(task.names.length);
    expect(() => task.sample(new Rng(1), 2)).toThrow(/B must be an integer in \[1, 1\]/);
  });

  it("throws on a corpus with no names left, and makeTask(\"char-lm\") passes corpus and charset through", () => {
    expect(() => makeCharLmTask("123\n...\n")).toThrow(/corpus has no names/);
    const t = makeTask("char-lm", { corpus: ["Mr. Mime"], charset: "keep" }) as CharLmTask;
    expect(t.names).toEqual(["mr. mime"]);
    expect(t.vocab.chars).toContain(" ");
  });
});

describe("the pokemon package's names as the corpus", () => {
  it("ships 1,000+ English names as data (data/en.json)", () => {
    expect(POKEMON.length).toBeGreaterThanOrEqual(1000);
    expect(POKEMON[0]).toBe("Bulbasaur");
  });

  it("a-z: V = 27, names unique and non-empty, lengths 2..12; the baseline sits between ln 27 per char and the course's ln 27·7", () => {
    const task = makeCharLmTask(POKEMON);
    expect(task.vocab.V).toBe(27);
    expect(task.vocab.chars.join("")).toBe("\nabcdefghijklmnopqrstuvwxyz");
    expect(new Set(task.names).size).toBe(task.names.length);
    expect(task.names.length).toBeGreaterThan(1000);
    for (const n of task.names) expect(/^[a-z]{2,12}$/.test(n)).toBe(true);
    expect(task.baseline).toBeGreaterThan(Math.log(27) * 7);
    expect(task.baseline).toBeLessThan(Math.log(27) * 10);
    expect(task.unigramNats).toBeGreaterThan(2.5);
    expect(task.unigramNats).toBeLessThan(Math.log(27));
  });

  it("keep: the vocabulary adds the space, punctuation, digits and symbols the names use", () => {
    const task = makeCharLmTask(POKEMON, { charset: "keep" });
    expect(task.vocab.V).toBeGreaterThan(27);
    for (const c of [" ", "-", ".", "'", "2", "é", "♀"]) expect(task.vocab.chars).toContain(c);
    expect(task.vocab.chars[0]).toBe("\n");
  });

  it("the course's order: shuffleInPlace(new Rng(0), names) is a fixed permutation, and every example is a valid batch", () => {
    const task = makeCharLmTask(POKEMON);
    const a = shuffleInPlace(new Rng(0), task.names.slice());
    const b = shuffleInPlace(new Rng(0), task.names.slice());
    expect(a).toEqual(b);
    expect(a).not.toEqual(task.names);
    expect([...a].sort()).toEqual([...task.names].sort());
    for (const name of a) {
      const tb = nameBatch(task.vocab, name);
      expect(tb.T).toBe(name.length + 1);
      expect(tb.batch.targets[tb.T - 1]).toBe(0);
    }
  });
});
