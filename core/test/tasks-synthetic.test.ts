// The synthetic benchmark tasks (core/src/tasks): shapes, value ranges, placement rules, determinism,
// the measured baseline of each documented trivial strategy, and the score() success criteria.
// Baselines are measured with heads.ts's lossValue, i.e. in the loss's own units and reduction.
import { describe, expect, it } from "vitest";
import { lossValue } from "../src/heads";
import { Rng } from "../src/rng";
import {
  makeAddingHsTask, makeAddingTask, makeCopyTask, makeLatchTask, makeParityTask, makeTask, makeTemporalOrderTask,
  TASK_NAMES, type Task, type TaskBatch,
} from "../src/tasks";

/** The loss of predictions (z logits, yhat outputs), both (T, B, O), on a task batch. */
function lossOf(task: Task, tb: TaskBatch, z: Float64Array, yhat: Float64Array): number {
  return lossValue(z, yhat, tb.batch.targets, tb.spec, tb.T, tb.batch.B, task.O);
}

/** (T, B, O) filled with f(t, b, j), t 0-based. */
function fill3(T: number, B: number, O: number, f: (t: number, b: number, j: number) => number): Float64Array {
  const a = new Float64Array(T * B * O);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let j = 0; j < O; j++) a[(t * B + b) * O + j] = f(t, b, j);
  return a;
}

/** yhat (T, B, O) that puts probability 1 on each step's target class (ce) or equals the target (mse/bce). */
function perfect(task: Task, tb: TaskBatch): Float64Array {
  const { B, targets } = tb.batch;
  if (task.loss === "ce") return fill3(tb.T, B, task.O, (t, b, j) => (targets[t * B + b] === j ? 1 : 0));
  return fill3(tb.T, B, task.O, (t, b, j) => targets[(t * B + b) * task.O + j]);
}

/** Counts within `sigmas` standard deviations of n·p (binomial). */
function expectBinomial(count: number, n: number, p: number, sigmas = 5): void {
  expect(Math.abs(count - n * p)).toBeLessThan(sigmas * Math.sqrt(n * p * (1 - p)));
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe("every task: determinism", () => {
  const tasks: Task[] = [makeAddingTask(20), makeAddingHsTask(30), makeCopyTask(15), makeTemporalOrderTask(40), makeParityTask(12), makeLatchTask(25)];
  for (const task of tasks) {
    it(`${task.name}: sample with the same seed gives the same bits, a different seed different inputs`, () => {
      const a = task.sample(new Rng(123), 17), b = task.sample(new Rng(123), 17), c = task.sample(new Rng(124), 17);
      expect(sameBits(a.batch.x, b.batch.x)).toBe(true);
      expect(sameBits(a.batch.targets, b.batch.targets)).toBe(true);
      expect(a.spec.mask).toEqual(b.spec.mask);
      expect(sameBits(a.batch.x, c.batch.x)).toBe(false);
    });
    it(`${task.name}: sample validates B`, () => {
      expect(() => task.sample(new Rng(1), 0)).toThrow(/B must be an integer/);
      expect(() => task.sample(new Rng(1), 2.5)).toThrow(/B must be an integer/);
      expect(() => task.sample(new Rng(1), 1e9)).toThrow(RangeError);
    });
  }
});

describe("adding (Le et al. 2015 / Arjovsky et al. 2016)", () => {
  it("makeAddingTask(T) has I=2, O=1, MSE on an identity output, baseline 1/6", () => {
    const task = makeAddingTask(50);
    expect([task.I, task.O, task.loss, task.output]).toEqual([2, 1, "mse", "identity"]);
    expect(task.baseline).toBe(1 / 6);
  });

  it("sample lays out x (T,B,2), targets at the last step only, and an MSE mask on the last step", () => {
    const T = 30, B = 40;
    const tb = makeAddingTask(T).sample(new Rng(5), B);
    expect(tb.T).toBe(T);
    expect(tb.batch.T).toBe(T);
    expect(tb.batch.B).toBe(B);
    expect(tb.batch.x.length).toBe(T * B * 2);
    expect(tb.batch.targets.length).toBe(T * B);
    expect(tb.lengths).toBeNull();
    expect(tb.spec).toEqual({ loss: "mse", reduction: "mean", mask: Uint8Array.from({ length: T }, (_, t) => (t === T - 1 ? 1 : 0)) });
    for (let i = 0; i < (T - 1) * B; i++) expect(tb.batch.targets[i]).toBe(0);
  });

  it("sample puts values in [0,1), one marker in each half, and the sum of the marked values as target", () => {
    const T = 31, B = 300, half = 15;
    const { batch } = makeAddingTask(T).sample(new Rng(9), B);
    for (let b = 0; b < B; b++) {
      const first: number[] = [], second: number[] = [];
      let sum = 0;
      for (let t = 0; t < T; t++) {
        const v = batch.x[(t * B + b) * 2], m = batch.x[(t * B + b) * 2 + 1];
        expect(v >= 0 && v < 1).toBe(true);
        expect(m === 0 || m === 1).toBe(true);
        if (m === 1) { (t < half ? first : second).push(t); sum += v; }
      }
      expect(first.length).toBe(1);
      expect(second.length).toBe(1);
      expect(batch.targets[(T - 1) * B + b]).toBe(sum);
    }
  });

  it("sample spreads each marker uniformly over its half", () => {
    const T = 10, B = 10_000;
    const { batch } = makeAddingTask(T).sample(new Rng(3), B);
    const counts = new Array<number>(T).fill(0);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) counts[t] += batch.x[(t * B + b) * 2 + 1];
    for (let t = 0; t < T; t++) expectBinomial(counts[t], B, 1 / 5);
  });

  it("always answering 1 on 10,000 sequences scores MSE 1/6 ± 0.01 (the documented baseline)", () => {
    const task = makeAddingTask(50);
    const tb = task.sample(new Rng(2024), 10_000);
    const ones = fill3(tb.T, 10_000, 1, () => 1);
    const mse = lossOf(task, tb, ones, ones);
    expect(Math.abs(mse - 1 / 6)).toBeLessThan(0.01);
    expect(task.score(ones, tb).value).toBeCloseTo(mse, 12);
  });

  it("score: a perfect prediction is solved with MSE 0, the baseline one is not", () => {
    const task = makeAddingTask(20);
    const tb = task.sample(new Rng(1), 200);
    expect(task.score(perfect(task, tb), tb)).toEqual({ metric: "mse", value: 0, solved: true });
    const s = task.score(fill3(tb.T, 200, 1, () => 1), tb);
    expect(s.solved).toBe(false);
    expect(s.value).toBeGreaterThan(0.1);
  });

  it("score throws when yhat does not hold (T, B, O) values", () => {
    const task = makeAddingTask(20);
    const tb = task.sample(new Rng(1), 4);
    expect(() => task.score(new Float64Array(3), tb)).toThrow(/yhat has 3 values/);
  });

  it("makeAddingTask rejects T < 2", () => {
    expect(() => makeAddingTask(1)).toThrow(/T must be an integer in \[2,/);
  });
});

describe("adding-hs (Hochreiter & Schmidhuber 1997)", () => {
  /**
   * Checks one row's rules, pushing a message per violation onto `bad` (one expect per test, not per value,
   * keeps the large samples fast); returns the row's length, its marked pairs and pair 0's value.
   */
  function checkRow(tb: TaskBatch, b: number, T: number, bad: string[]): { L: number; marked: number[]; v0: number } {
    const { x, B, targets } = tb.batch;
    const Tmax = tb.T;
    const L = tb.lengths ? tb.lengths[b] : Tmax;
    if (!(L >= T && L <= T + Math.floor(T / 10))) bad.push(`row ${b}: length ${L}`);
    const start = Tmax - L;
    for (let t = 0; t < start; t++) if (x[(t * B + b) * 2] !== 0 || x[(t * B + b) * 2 + 1] !== 0) bad.push(`row ${b}: padding at ${t}`);
    const marked: number[] = [];
    let sum = 0;
    for (let i = 0; i < L; i++) {
      const v = x[((start + i) * B + b) * 2], m = x[((start + i) * B + b) * 2 + 1];
      if (!(v >= -1 && v < 1)) bad.push(`row ${b}: value ${v} at ${i}`);
      if (m === 1) { marked.push(i); sum += v; }
      else if ((i === 0 || i === L - 1) ? m !== -1 : m !== 0) bad.push(`row ${b}: marker ${m} at ${i}`);
    }
    if (marked.length !== 2) bad.push(`row ${b}: ${marked.length} marks`);
    if (!(marked[0] < 10)) bad.push(`row ${b}: first mark at ${marked[0]}`); // X1 is among the first ten pairs, so the earlier mark is too
    if (!(marked[1] < Math.floor(T / 2))) bad.push(`row ${b}: second mark at ${marked[1]}`); // X2: one of the first T/2 - 1 unmarked pairs
    if (targets[(Tmax - 1) * B + b] !== 0.5 + sum / 4) bad.push(`row ${b}: target ${targets[(Tmax - 1) * B + b]}`);
    return { L, marked, v0: x[(start * B + b) * 2] };
  }

  it("makeAddingHsTask(T) has I=2, O=1, MSE, baseline 19/480", () => {
    const task = makeAddingHsTask(100);
    expect([task.I, task.O, task.loss, task.output]).toEqual([2, 1, "mse", "identity"]);
    expect(task.baseline).toBe(19 / 480);
  });

  it("pad-left: rows draw lengths in [T, T+T/10], are padded at the front with zeros, and end at the last step", () => {
    const T = 40, B = 500;
    const tb = makeAddingHsTask(T).sample(new Rng(11), B);
    expect(tb.lengths).not.toBeNull();
    const lengths = tb.lengths!;
    expect(tb.T).toBe(Math.max(...lengths));
    expect(tb.batch.x.length).toBe(tb.T * B * 2);
    expect(Array.from(tb.spec.mask).indexOf(1)).toBe(tb.T - 1);
    expect(tb.spec.mask.reduce((s, m) => s + m, 0)).toBe(1);
    const bad: string[] = [];
    for (let b = 0; b < B; b++) checkRow(tb, b, T, bad);
    expect(bad).toEqual([]);
    const counts = new Array<number>(5).fill(0);
    for (const L of lengths) counts[L - T]++;
    for (const c of counts) expectBinomial(c, B, 1 / 5);
  });

  it("per-batch: every row has the same length, no padding, lengths null", () => {
    const T = 30, B = 50;
    const task = makeAddingHsTask(T, { ragged: "per-batch" });
    const seen = new Set<number>();
    const bad: string[] = [];
    for (let seed = 0; seed < 20; seed++) {
      const tb = task.sample(new Rng(seed), B);
      expect(tb.lengths).toBeNull();
      expect(tb.T >= T && tb.T <= T + 3).toBe(true);
      seen.add(tb.T);
      for (let b = 0; b < B; b++) if (checkRow(tb, b, T, bad).L !== tb.T) bad.push(`row ${b}: length differs`);
    }
    expect(bad).toEqual([]);
    expect(seen.size).toBeGreaterThan(1);
  });

  it("X1 on the first pair is zeroed: a first pair marked while the other mark lies beyond the first ten is X1 and holds 0", () => {
    const T = 60, B = 4000;
    const tb = makeAddingHsTask(T).sample(new Rng(8), B);
    let cases = 0;
    const bad: string[] = [];
    for (let b = 0; b < B; b++) {
      const { marked, v0 } = checkRow(tb, b, T, bad);
      if (marked[0] === 0 && marked[1] >= 10) { cases++; if (v0 !== 0) bad.push(`row ${b}: X1 on pair 0 is ${v0}`); }
    }
    expect(bad).toEqual([]);
    expect(cases).toBeGreaterThan(100); // about B·(1/10)·(20/29)
  });

  it("always answering 0.5 scores MSE 19/480 ≈ 0.0396 on 20,000 sequences (within 0.002, about 5 standard errors)", () => {
    const task = makeAddingHsTask(50);
    const tb = task.sample(new Rng(77), 20_000);
    const half = fill3(tb.T, 20_000, 1, () => 0.5);
    expect(Math.abs(lossOf(task, tb, half, half) - 19 / 480)).toBeLessThan(0.002);
  });

  it("score counts |error| < 0.04 as correct and is solved only when every row is", () => {
    const task = makeAddingHsTask(20);
    const tb = task.sample(new Rng(4), 100);
    const y = perfect(task, tb);
    expect(task.score(y, tb)).toMatchObject({ value: 1, solved: true });
    const last = (tb.T - 1) * 100;
    y[last] += 0.039;
    expect(task.score(y, tb)).toMatchObject({ value: 1, solved: true });
    y[last] += 0.002;
    expect(task.score(y, tb)).toMatchObject({ value: 0.99, solved: false });
    const s = task.score(fill3(tb.T, 100, 1, () => 0.5), tb);
    expect(s.solved).toBe(false);
    expect(s.value).toBeLessThan(0.5);
  });

  it("makeAddingHsTask rejects T < 11 and an unknown ragged mode", () => {
    expect(() => makeAddingHsTask(10)).toThrow(/T must be an integer in \[11,/);
    expect(() => makeAddingHsTask(20, { ragged: "pad-right" as never })).toThrow(/ragged must be one of pad-left\|per-batch, got pad-right/);
  });
});

describe("copy (Arjovsky et al. 2016)", () => {
  it("makeCopyTask(T) has I=O=10, CE on a softmax, baseline 10·ln 8/(T+20)", () => {
    const task = makeCopyTask(100);
    expect([task.I, task.O, task.loss, task.output]).toEqual([10, 10, "ce", "softmax"]);
    expect(task.baseline).toBe((10 * Math.log(8)) / 120);
  });

  it("sample: ten symbols from 1..8, T-1 blanks, the delimiter, ten blanks; targets T+10 blanks then the symbols", () => {
    const T = 7, B = 200, L = T + 20;
    const tb = makeCopyTask(T).sample(new Rng(21), B);
    expect(tb.T).toBe(L);
    expect(tb.batch.x.length).toBe(L * B * 10);
    expect(tb.spec).toEqual({ loss: "ce", reduction: "mean", mask: new Uint8Array(L).fill(1) });
    const { x, targets } = tb.batch;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < L; t++) {
        let sum = 0, c = -1;
        for (let j = 0; j < 10; j++) { sum += x[(t * B + b) * 10 + j]; if (x[(t * B + b) * 10 + j] === 1) c = j; }
        expect(sum).toBe(1);
        if (t < 10) expect(c >= 1 && c <= 8).toBe(true);
        else if (t === T + 9) expect(c).toBe(9);
        else expect(c).toBe(0);
        if (t < T + 10) expect(targets[t * B + b]).toBe(0);
        else expect(targets[t * B + b]).toBe(argmaxAtStep(x, t - T - 10, b, B));
      }
    }
  });

  function argmaxAtStep(x: Float64Array, t: number, b: number, B: number): number {
    for (let j = 0; j < 10; j++) if (x[(t * B + b) * 10 + j] === 1) return j;
    return -1;
  }

  it("sample draws the symbols uniformly over 1..8", () => {
    const B = 4000;
    const { batch } = makeCopyTask(1).sample(new Rng(6), B);
    const counts = new Array<number>(10).fill(0);
    for (let t = 0; t < 10; t++) for (let b = 0; b < B; b++) counts[argmaxAtStep(batch.x, t, b, B)]++;
    expect(counts[0]).toBe(0);
    expect(counts[9]).toBe(0);
    for (let s = 1; s <= 8; s++) expectBinomial(counts[s], 10 * B, 1 / 8);
  });

  for (const T of [1, 10, 100, 1000]) {
    it(`the memoryless strategy's cross-entropy equals 10·ln 8/(T+20) to 1e-12 at T=${T}`, () => {
      // blank with probability 1 for the first T+10 steps (logits 0 / -∞), uniform over 1..8 after
      const task = makeCopyTask(T);
      const B = 8;
      const tb = task.sample(new Rng(T), B);
      const z = fill3(tb.T, B, 10, (t, _b, j) => (t < T + 10 ? (j === 0 ? 0 : -Infinity) : j >= 1 && j <= 8 ? -Math.log(8) : -Infinity));
      const yhat = fill3(tb.T, B, 10, (t, _b, j) => (t < T + 10 ? (j === 0 ? 1 : 0) : j >= 1 && j <= 8 ? 1 / 8 : 0));
      const ce = lossOf(task, tb, z, yhat);
      expect(Math.abs(ce - (10 * Math.log(8)) / (T + 20))).toBeLessThan(1e-12);
      expect(Math.abs(ce - task.baseline)).toBeLessThan(1e-12);
      expect(task.score(yhat, tb).solved).toBe(false);
    });
  }

  it("score: perfect recall is solved; one wrong symbol is not", () => {
    const task = makeCopyTask(5);
    const tb = task.sample(new Rng(2), 30);
    const y = perfect(task, tb);
    expect(task.score(y, tb)).toEqual({ metric: "recall accuracy (last 10 steps)", value: 1, solved: true });
    const t = tb.T - 1, b = 3, o = (t * 30 + b) * 10, c = tb.batch.targets[t * 30 + b];
    y[o + c] = 0;
    y[o + (c === 1 ? 2 : 1)] = 1;
    expect(task.score(y, tb)).toMatchObject({ value: 1 - 1 / 300, solved: false });
  });
});

describe("temporal-order (Pascanu et al. 2013)", () => {
  it("makeTemporalOrderTask(L) has I=6, O=4, CE on a softmax, baseline ln 4", () => {
    const task = makeTemporalOrderTask(100);
    expect([task.I, task.O, task.loss, task.output]).toEqual([6, 4, "ce", "softmax"]);
    expect(task.baseline).toBe(Math.log(4));
  });

  it("sample: one-hot symbols, A/B once in [⌊0.1L⌋, 2⌊0.1L⌋) and once in [⌊0.5L⌋, ⌊0.5L⌋+⌊0.1L⌋), class = v0 + 2·v1", () => {
    const L = 57, B = 400, h = 5, mid = 28;
    const tb = makeTemporalOrderTask(L).sample(new Rng(31), B);
    const { x, targets } = tb.batch;
    expect(tb.spec).toEqual({ loss: "ce", reduction: "mean", mask: Uint8Array.from({ length: L }, (_, t) => (t === L - 1 ? 1 : 0)) });
    for (let b = 0; b < B; b++) {
      const rel: Array<[number, number]> = [];
      for (let t = 0; t < L; t++) {
        let sum = 0, c = -1;
        for (let j = 0; j < 6; j++) { sum += x[(t * B + b) * 6 + j]; if (x[(t * B + b) * 6 + j] === 1) c = j; }
        expect(sum).toBe(1);
        if (c <= 1) rel.push([t, c]);
      }
      expect(rel.length).toBe(2);
      expect(rel[0][0] >= h && rel[0][0] < 2 * h).toBe(true);
      expect(rel[1][0] >= mid && rel[1][0] < mid + h).toBe(true);
      expect(targets[(L - 1) * B + b]).toBe(rel[0][1] + 2 * rel[1][1]);
    }
  });

  it("the four classes are balanced on 40,000 sequences (each within 5 standard deviations of 1/4)", () => {
    const B = 40_000;
    const tb = makeTemporalOrderTask(20).sample(new Rng(99), B);
    const counts = [0, 0, 0, 0];
    for (let b = 0; b < B; b++) counts[tb.batch.targets[19 * B + b]]++;
    for (const c of counts) expectBinomial(c, B, 1 / 4);
    const H = -counts.reduce((s, c) => s + (c / B) * Math.log(c / B), 0);
    expect(Math.abs(H - Math.log(4))).toBeLessThan(1e-3);
  });

  it("chance (uniform) predictions score CE ln 4, the documented baseline", () => {
    const task = makeTemporalOrderTask(30);
    const tb = task.sample(new Rng(1), 64);
    const z = new Float64Array(tb.T * 64 * 4);
    const yhat = fill3(tb.T, 64, 4, () => 0.25);
    expect(Math.abs(lossOf(task, tb, z, yhat) - Math.log(4))).toBeLessThan(1e-14);
    expect(task.score(yhat, tb).solved).toBe(false);
  });

  it("score: every row right is solved; one wrong row out of 1000 is not", () => {
    const task = makeTemporalOrderTask(20);
    const tb = task.sample(new Rng(5), 1000);
    const y = perfect(task, tb);
    expect(task.score(y, tb)).toEqual({ metric: "accuracy", value: 1, solved: true });
    const o = (19 * 1000 + 7) * 4, c = tb.batch.targets[19 * 1000 + 7];
    y[o + c] = 0;
    y[o + ((c + 1) % 4)] = 1;
    expect(task.score(y, tb)).toMatchObject({ value: 0.999, solved: false });
  });

  it("makeTemporalOrderTask rejects L < 10", () => {
    expect(() => makeTemporalOrderTask(9)).toThrow(/T must be an integer in \[10,/);
  });
});

describe("parity", () => {
  it("makeParityTask(T) has I=1, O=1, BCE on a sigmoid, baseline ln 2", () => {
    const task = makeParityTask(10);
    expect([task.I, task.O, task.loss, task.output]).toEqual([1, 1, "bce", "sigmoid"]);
    expect(task.baseline).toBe(Math.LN2);
  });

  it("sample: bits in {0,1}, the target at the last step is their parity, the classes are balanced", () => {
    const T = 9, B = 10_000;
    const tb = makeParityTask(T).sample(new Rng(12), B);
    let odd = 0, bad = 0;
    for (let b = 0; b < B; b++) {
      let n = 0;
      for (let t = 0; t < T; t++) { const v = tb.batch.x[t * B + b]; if (v !== 0 && v !== 1) bad++; n += v; }
      if (tb.batch.targets[(T - 1) * B + b] !== n % 2) bad++;
      odd += n % 2;
    }
    expect(bad).toBe(0);
    expectBinomial(odd, B, 1 / 2);
  });

  it("answering 1/2 (logit 0) scores BCE ln 2, the documented baseline", () => {
    const task = makeParityTask(15);
    const tb = task.sample(new Rng(3), 50);
    const z = new Float64Array(tb.T * 50);
    const yhat = fill3(tb.T, 50, 1, () => 0.5);
    expect(Math.abs(lossOf(task, tb, z, yhat) - Math.LN2)).toBeLessThan(1e-14);
    expect(task.score(yhat, tb).solved).toBe(false);
  });

  it("score: the right side of 1/2 on every row is solved; one row wrong is not", () => {
    const task = makeParityTask(6);
    const tb = task.sample(new Rng(8), 100);
    const y = fill3(tb.T, 100, 1, (t, b) => (tb.batch.targets[t * 100 + b] === 1 ? 0.9 : 0.1));
    expect(task.score(y, tb)).toEqual({ metric: "accuracy", value: 1, solved: true });
    y[5 * 100] = 1 - y[5 * 100];
    expect(task.score(y, tb)).toMatchObject({ value: 0.99, solved: false });
  });
});

describe("latch (Bengio, Simard & Frasconi 1994)", () => {
  it("makeLatchTask(T) has I=1, O=1, MSE on an identity output, baseline 0.64", () => {
    const task = makeLatchTask(50);
    expect([task.I, task.O, task.loss, task.output]).toEqual([1, 1, "mse", "identity"]);
    expect(task.baseline).toBeCloseTo(0.64, 15);
  });

  it("sample: the first infoSteps inputs are the class ±1, the rest Gaussian noise of variance 0.2, target ±0.8", () => {
    const T = 50, B = 4000, info = 3;
    const tb = makeLatchTask(T, { infoSteps: info }).sample(new Rng(14), B);
    let s = 0, s2 = 0, n = 0, pos = 0;
    for (let b = 0; b < B; b++) {
      const c = tb.batch.x[b];
      expect(c === 1 || c === -1).toBe(true);
      for (let t = 0; t < info; t++) expect(tb.batch.x[t * B + b]).toBe(c);
      expect(tb.batch.targets[(T - 1) * B + b]).toBe(0.8 * c);
      if (c === 1) pos++;
      for (let t = info; t < T; t++) { const v = tb.batch.x[t * B + b]; s += v; s2 += v * v; n++; }
    }
    expectBinomial(pos, B, 1 / 2);
    const mean = s / n, variance = s2 / n - mean * mean;
    // n = 188,000 draws: the sample mean's sd is 0.001, the sample variance's 0.2·√(2/n) ≈ 0.00065
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(Math.abs(variance - 0.2)).toBeLessThan(0.004);
  });

  it("noiseVariance 0 leaves zeros after the information steps", () => {
    const tb = makeLatchTask(8, { noiseVariance: 0 }).sample(new Rng(1), 5);
    for (let i = 5; i < 40; i++) expect(tb.batch.x[i]).toBe(0);
  });

  it("answering 0 scores MSE 0.64, the documented baseline", () => {
    const task = makeLatchTask(20);
    const tb = task.sample(new Rng(10), 1000);
    const zeros = new Float64Array(tb.T * 1000);
    expect(Math.abs(lossOf(task, tb, zeros, zeros) - 0.64)).toBeLessThan(1e-12);
    expect(task.score(zeros, tb)).toMatchObject({ value: 0, solved: false });
  });

  it("score: the right sign on every row is solved; one wrong sign is not", () => {
    const task = makeLatchTask(10);
    const tb = task.sample(new Rng(2), 200);
    const y = perfect(task, tb);
    expect(task.score(y, tb)).toEqual({ metric: "sign accuracy", value: 1, solved: true });
    y[9 * 200 + 4] = -y[9 * 200 + 4];
    expect(task.score(y, tb)).toMatchObject({ value: 0.995, solved: false });
  });

  it("makeLatchTask rejects infoSteps outside [1, T] and a negative or NaN noise variance", () => {
    expect(() => makeLatchTask(10, { infoSteps: 0 })).toThrow(/infoSteps must be an integer in \[1, 10\]/);
    expect(() => makeLatchTask(10, { infoSteps: 11 })).toThrow(/infoSteps/);
    expect(() => makeLatchTask(10, { noiseVariance: -1 })).toThrow(/noiseVariance/);
    expect(() => makeLatchTask(10, { noiseVariance: NaN })).toThrow(/noiseVariance/);
  });
});

describe("makeTask", () => {
  it("builds each synthetic task by name with the documented sizes", () => {
    const want: Record<string, [number, number, string]> = {
      adding: [2, 1, "mse"], "adding-hs": [2, 1, "mse"], copy: [10, 10, "ce"], "temporal-order": [6, 4, "ce"], parity: [1, 1, "bce"], latch: [1, 1, "mse"],
    };
    for (const name of TASK_NAMES) {
      if (name === "char-lm") continue;
      const task = makeTask(name, { T: 40 });
      expect(task.name).toBe(name);
      expect([task.I, task.O, task.loss]).toEqual(want[name]);
    }
  });

  it("passes the task options through (latch infoSteps, adding-hs ragged)", () => {
    const tb = makeTask("latch", { T: 10, infoSteps: 4, noiseVariance: 0 }).sample(new Rng(1), 2);
    expect(Math.abs(tb.batch.x[3 * 2])).toBe(1);
    expect(makeTask("adding-hs", { T: 20, ragged: "per-batch" }).sample(new Rng(1), 3).lengths).toBeNull();
  });

  it("throws naming the field: unknown task, missing T, char-lm without a corpus", () => {
    expect(() => makeTask("nope", { T: 5 })).toThrow(/task must be one of adding\|adding-hs\|copy/);
    expect(() => makeTask("copy", {})).toThrow(/task copy needs T/);
    expect(() => makeTask("char-lm", {})).toThrow(/char-lm needs corpus/);
  });
});
