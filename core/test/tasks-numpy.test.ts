// The task generators against numpy 1.24's legacy RandomState, draw for draw. Each generator documents a
// numpy equivalent of its draw order; the expected values below were printed by this script (Debian's
// python3-numpy 1.24.2), run once and pasted, so the test needs no Python:
//
//   import numpy as np
//   r = np.random.RandomState(7); T, B = 6, 3                                          # adding
//   v = r.uniform(size=(T, B)); p1 = r.randint(T//2, size=B); p2 = r.randint(T - T//2, size=B) + T//2
//   r = np.random.RandomState(3); T, B = 20, 3; h = T//10; m = T//2 - 1                  # adding-hs, pad-left
//   L = T + r.randint(h + 1, size=B)
//   for b in range(B): p1 = r.randint(10); k = r.randint(m); vals = r.uniform(-1, 1, size=L[b]); p2 = k + 1 if k >= p1 else k
//   r = np.random.RandomState(5); seq = r.randint(1, high=9, size=(2, 10))              # copy (Arjovsky's copying_data)
//   r = np.random.RandomState(52); l, bs = 20, 3                                         # temporal order (Pascanu's TempOrderTask.generate)
//   p0 = r.randint(int(l*.1), size=(bs,)) + int(l*.1); v0 = r.randint(2, size=(bs,))
//   p1 = r.randint(int(l*.1), size=(bs,)) + int(l*.5); v1 = r.randint(2, size=(bs,))
//   vals = r.randint(4, size=(l, bs)) + 2; vals[p0, np.arange(bs)] = v0; vals[p1, np.arange(bs)] = v1; targ = v0 + v1*2
//   r = np.random.RandomState(11); bits = r.randint(2, size=(7, 2))                       # parity
//   r = np.random.RandomState(16); c = r.randint(2, size=3); noise = r.normal(0, np.sqrt(0.2), size=(4, 3))   # latch
//   np.random.seed(0); a = list(range(12)); np.random.shuffle(a)                         # shuffle (the course's)
//   np.random.seed(0); a = list(range(1000)); np.random.shuffle(a); a[:10]
import { describe, expect, it } from "vitest";
import { Rng } from "../src/rng";
import {
  makeAddingHsTask, makeAddingTask, makeCopyTask, makeLatchTask, makeParityTask, makeTemporalOrderTask, shuffleInPlace,
} from "../src/tasks";

const NUMPY = {
  adding: {
    "values": [0.07630828937395717, 0.7799187922401146, 0.4384092314408935, 0.7234651778309412, 0.9779895119966027, 0.5384958704104337, 0.5011204636599379, 0.07205113335976154, 0.26843898010187117, 0.49988250082555996, 0.6792299961209405, 0.8037390361043755, 0.3809411331485384, 0.06593634690590511, 0.28814559930799355, 0.9095935277196137, 0.2133853535799155, 0.4521239618176831],
    "p1": [0, 1, 0],
    "p2": [4, 3, 5],
    "target": [0.45724942252249556, 1.6572195081175431, 0.8905331932585766],
  },
  addingHs: {
    "L": [22, 20, 21],
    "rows": [
      {"p1": 3, "p2": 9, "values": [-0.7573428375895679, 0.13862265486936187, -0.12587611531774567, -0.9625039826991364, -0.9187385259979535, -0.5042234055479289, -0.8128970050691093, 0.3896473054569394, -0.7092597118491946, -0.0936553977557415, -0.5688459831701624, -0.29218985622741434, -0.0147281499078451, 0.8266028914448897, 0.5316527569123219, 0.9472965338714785, -0.19527871288208387, 0.10554390078075349, -0.3872787402102662, 0.17323993802746696, -0.45015978579420257, -0.09078446709142618]},
      {"p1": 0, "p2": 6, "values": [-0.48482942250433747, 0.7861302105780132, 0.43684404993628934, -0.9587709907294002, -0.714565341586118, -0.34938763226815905, 0.6178584075831006, -0.20201809141048743, -0.15059678119097653, -0.1725626341490314, 0.5742770069515817, 0.4271314943069928, -0.9537648674092516, -0.3684655069333329, 0.12554018898219232, 0.4963148723428781, 0.2192473306028957, -0.5932909480082036, 0.30726170332035285, 0.32537254074592736]},
      {"p1": 2, "p2": 3, "values": [0.6224555116590484, -0.2517505369391728, -0.8495997755913387, 0.5211569696870253, -0.8724604023391747, 0.6820823116187655, 0.3852674884138334, -0.10819911417102501, -0.27531907397975597, 0.03218924621859509, -0.08533564670245486, 0.6167244715866507, -0.3674309347033484, 0.6875741879364072, -0.02141749352442246, 0.08023920018663788, 0.6522561509282463, 0.04320868022956015, -0.7148013105760676, -0.3954727762538879, 0.6140453513205439]},
    ],
  },
  copy: {
    "seq": [[4, 7, 8, 6, 7, 7, 1, 2, 1, 5], [8, 7, 4, 1, 7, 1, 8, 5, 8, 2]],
  },
  temporalOrder: {
    "symbols": [5, 4, 5, 5, 3, 5, 3, 1, 3, 1, 5, 0, 4, 4, 4, 3, 3, 5, 4, 2, 5, 5, 3, 2, 4, 5, 5, 5, 5, 2, 1, 3, 1, 4, 0, 4, 2, 5, 5, 3, 4, 3, 4, 4, 3, 4, 5, 5, 3, 4, 2, 4, 2, 4, 4, 2, 3, 3, 5, 5],
    "classes": [3, 1, 2],
  },
  parity: {
    "bits": [1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0],
    "parity": [1, 0],
  },
  latch: {
    "classes": [1, 0, 1],
    "noise": [-0.06425928165260221, -0.14918355177135442, 0.19070563292538215, -0.3365266278497122, 0.19145295230953782, -0.4307609353504442, -0.4126584950491979, 0.23271211243300016, 0.6102486790042575, 0.900357869325376, -0.3823847897455913, 0.5865571921861462],
  },
  shuffle12: [6, 11, 4, 10, 2, 8, 1, 7, 9, 3, 0, 5],
  shuffle1000_first10: [993, 859, 298, 553, 672, 971, 27, 231, 306, 706],
} as const;

/** Index of the 1 in a one-hot x (T, B, n) at step t, row b. */
function hot(x: Float64Array, t: number, b: number, B: number, n: number): number {
  for (let j = 0; j < n; j++) if (x[(t * B + b) * n + j] === 1) return j;
  return -1;
}

describe("task generators reproduce numpy's legacy RandomState draw for draw", () => {
  it("adding: makeAddingTask(6).sample(new Rng(7), 3) equals the numpy snippet's values, markers and sums", () => {
    const { values, p1, p2, target } = NUMPY.adding;
    const T = 6, B = 3;
    const { batch } = makeAddingTask(T).sample(new Rng(7), B);
    for (let i = 0; i < T * B; i++) expect(batch.x[2 * i]).toBe(values[i]);
    for (let b = 0; b < B; b++) {
      const marked: number[] = [];
      for (let t = 0; t < T; t++) if (batch.x[(t * B + b) * 2 + 1] === 1) marked.push(t);
      expect(marked).toEqual([p1[b], p2[b]]);
      expect(batch.targets[(T - 1) * B + b]).toBe(target[b]);
    }
  });

  it("adding-hs: makeAddingHsTask(20).sample(new Rng(3), 3) equals the snippet's lengths, values and marks, X1 on pair 0 zeroed", () => {
    const { L, rows } = NUMPY.addingHs;
    const T = 20, B = 3;
    const tb = makeAddingHsTask(T).sample(new Rng(3), B);
    expect(Array.from(tb.lengths!)).toEqual(L);
    const Tmax = Math.max(...L);
    expect(tb.T).toBe(Tmax);
    for (let b = 0; b < B; b++) {
      const { p1, p2, values } = rows[b];
      const start = Tmax - L[b];
      for (let i = 0; i < L[b]; i++) {
        const v = tb.batch.x[((start + i) * B + b) * 2], m = tb.batch.x[((start + i) * B + b) * 2 + 1];
        expect(v).toBe(i === 0 && p1 === 0 ? 0 : values[i]);
        expect(m).toBe(i === p1 || i === p2 ? 1 : i === 0 || i === L[b] - 1 ? -1 : 0);
      }
      const x1 = p1 === 0 ? 0 : values[p1];
      expect(tb.batch.targets[(Tmax - 1) * B + b]).toBe(0.5 + (x1 + values[p2]) / 4);
    }
    expect(rows[1].p1).toBe(0); // the fixture covers the zeroing rule
  });

  it("copy: makeCopyTask(3).sample(new Rng(5), 2) draws the same symbols as Arjovsky's randint(1, 9, size=(B, 10))", () => {
    const B = 2, T = 3;
    const tb = makeCopyTask(T).sample(new Rng(5), B);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < 10; k++) {
        expect(hot(tb.batch.x, k, b, B, 10)).toBe(NUMPY.copy.seq[b][k]);
        expect(tb.batch.targets[(T + 10 + k) * B + b]).toBe(NUMPY.copy.seq[b][k]);
      }
    }
  });

  it("temporal-order: makeTemporalOrderTask(20).sample(new Rng(52), 3) equals Pascanu's TempOrderTask.generate(3, 20)", () => {
    const L = 20, B = 3;
    const tb = makeTemporalOrderTask(L).sample(new Rng(52), B);
    const got: number[] = [];
    for (let t = 0; t < L; t++) for (let b = 0; b < B; b++) got.push(hot(tb.batch.x, t, b, B, 6));
    expect(got).toEqual(NUMPY.temporalOrder.symbols);
    expect(Array.from({ length: B }, (_, b) => tb.batch.targets[(L - 1) * B + b])).toEqual(NUMPY.temporalOrder.classes);
  });

  it("parity: makeParityTask(7).sample(new Rng(11), 2) equals randint(2, size=(7, 2)) and its parity", () => {
    const tb = makeParityTask(7).sample(new Rng(11), 2);
    expect(Array.from(tb.batch.x)).toEqual(NUMPY.parity.bits);
    expect([tb.batch.targets[12], tb.batch.targets[13]]).toEqual(NUMPY.parity.parity);
  });

  it("latch: makeLatchTask(5).sample(new Rng(16), 3) equals randint(2, size=3) then normal(0, √0.2, size=(4, 3))", () => {
    const tb = makeLatchTask(5).sample(new Rng(16), 3);
    const { classes, noise } = NUMPY.latch;
    for (let b = 0; b < 3; b++) expect(tb.batch.x[b]).toBe(classes[b] === 1 ? 1 : -1);
    for (let i = 0; i < 12; i++) expect(tb.batch.x[3 + i]).toBe(noise[i]);
  });

  it("shuffleInPlace(new Rng(0), a) equals np.random.seed(0); np.random.shuffle(a) (the course's shuffle of the names)", () => {
    expect(shuffleInPlace(new Rng(0), Array.from({ length: 12 }, (_, i) => i))).toEqual(NUMPY.shuffle12);
    expect(shuffleInPlace(new Rng(0), Array.from({ length: 1000 }, (_, i) => i)).slice(0, 10)).toEqual(NUMPY.shuffle1000_first10);
    expect(shuffleInPlace(new Rng(0), [])).toEqual([]);
  });
});
