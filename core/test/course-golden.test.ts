// The course's ("Building your RNN step by step") golden values, reproduced through the numpy port:
// each test seeds Rng(1) and draws its inputs with randn in the course's order (DESIGN.md §3), runs
// rnnlab's kernels, and compares with the numbers the course prints and with the full arrays that
// tools/course-golden.py (a NumPy re-implementation of the course functions) wrote.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { makeConfig } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { makeGrads, sequenceBackward, sequenceForward } from "../src/sequence";
import { Tape } from "../src/tape";
import { maxRelErr } from "./support/random-case";

interface Arr { shape: number[]; data: number[] }
const golden = JSON.parse(readFileSync(new URL("./fixtures/course-golden.json", import.meta.url), "utf8")) as {
  cases: Record<string, { outputs: Record<string, Arr> }>;
};

/** np.random.randn(...shape) as a flat row-major array. */
function randn(rng: Rng, ...shape: number[]): Float64Array {
  const out = new Float64Array(shape.reduce((p, n) => p * n, 1));
  rng.fillRandn(out, 0, out.length);
  return out;
}

/** course (n, m) -> rnnlab (m, n) */
function fromCourse2(a: ArrayLike<number>, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let j = 0; j < n; j++) for (let b = 0; b < m; b++) out[b * n + j] = a[j * m + b];
  return out;
}

/** course (n, m, T) -> rnnlab (T, m, n) */
function fromCourse3(a: ArrayLike<number>, n: number, m: number, T: number): Float64Array {
  const out = new Float64Array(n * m * T);
  for (let j = 0; j < n; j++) for (let b = 0; b < m; b++) for (let t = 0; t < T; t++) out[(t * m + b) * n + j] = a[(j * m + b) * T + t];
  return out;
}

/** rnnlab (m, n) -> course (n, m) */
function toCourse2(a: ArrayLike<number>, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let j = 0; j < n; j++) for (let b = 0; b < m; b++) out[j * m + b] = a[b * n + j];
  return out;
}

/** rnnlab (T, m, n) -> course (n, m, T) */
function toCourse3(a: ArrayLike<number>, n: number, m: number, T: number, off = 0): Float64Array {
  const out = new Float64Array(n * m * T);
  for (let j = 0; j < n; j++) for (let b = 0; b < m; b++) for (let t = 0; t < T; t++) out[(j * m + b) * T + t] = a[off + (t * m + b) * n + j];
  return out;
}

describe("course golden values", () => {
  it("rnnStepForward reproduces rnn_cell_forward's a_next[4] (seed 1)", () => {
    const rng = new Rng(1);
    const nx = 3, m = 10, na = 5, ny = 2;
    const xt = randn(rng, nx, m), aPrev = randn(rng, na, m), Waa = randn(rng, na, na), Wax = randn(rng, na, nx);
    randn(rng, ny, na); // Wya
    const ba = randn(rng, na, 1);
    const config = makeConfig({ cell: "rnn", I: nx, H: na, O: ny });
    const L = paramLayout(config);
    const P = new Float64Array(L.size);
    P.set(Wax, L.byName.Wax.offset); P.set(Waa, L.byName.Waa.offset); P.set(ba, L.byName.ba.offset);
    const tape = new Tape(config, 1, m);
    sequenceForward(tape, P, L, fromCourse2(xt, nx, m), fromCourse2(aPrev, na, m), null);
    const aNext = toCourse2(tape.a.subarray(m * na), na, m);
    const course = [0.59584544, 0.18141802, 0.61311866, 0.99808218, 0.85016201, 0.99980978, -0.18887155, 0.99815551, 0.6531151, 0.82872037];
    for (let b = 0; b < m; b++) expect(aNext[4 * m + b]).toBeCloseTo(course[b], 8);
    expect(maxRelErr(aNext, golden.cases.rnn_cell_forward.outputs.a_next.data)).toBeLessThan(1e-14);
  });

  it("sequenceBackward with the course's da reproduces rnn_backward's dx, dWax, dWaa, dba (seed 1)", () => {
    const rng = new Rng(1);
    const nx = 3, m = 10, T = 4, na = 5, ny = 2;
    const x = randn(rng, nx, m, T), a0 = randn(rng, na, m), Wax = randn(rng, na, nx), Waa = randn(rng, na, na);
    randn(rng, ny, na); // Wya
    const ba = randn(rng, na, 1);
    randn(rng, ny, 1); // by
    const da = randn(rng, na, m, T);
    const config = makeConfig({ cell: "rnn", I: nx, H: na, O: ny });
    const L = paramLayout(config);
    const P = new Float64Array(L.size);
    P.set(Wax, L.byName.Wax.offset); P.set(Waa, L.byName.Waa.offset); P.set(ba, L.byName.ba.offset);
    const tape = new Tape(config, T, m);
    const xs = fromCourse3(x, nx, m, T);
    sequenceForward(tape, P, L, xs, fromCourse2(a0, na, m), null);
    const grads = makeGrads(config, L, T, m);
    // the course's da[:, :, t] is the upstream gradient of each hidden state: our direct part
    sequenceBackward(grads, tape, P, L, xs, fromCourse3(da, na, m, T), null);
    const dx = toCourse3(grads.dx, nx, m, T);
    const want = [-2.07101689, -0.59255627, 0.02466855, 0.01483317];
    for (let t = 0; t < T; t++) expect(dx[(1 * m + 2) * T + t]).toBeCloseTo(want[t], 8);
    const dWax = grads.dparams.subarray(L.byName.Wax.offset, L.byName.Wax.offset + na * nx);
    const dWaa = grads.dparams.subarray(L.byName.Waa.offset, L.byName.Waa.offset + na * na);
    const dba = grads.dparams.subarray(L.byName.ba.offset, L.byName.ba.offset + na);
    expect(dWax[3 * nx + 1]).toBeCloseTo(11.2641045, 7);
    expect(dWaa[1 * na + 2]).toBeCloseTo(2.30333313, 8);
    expect(dba[4]).toBeCloseTo(-0.74747722, 8);
    const out = golden.cases.rnn_backward.outputs;
    expect(maxRelErr(dx, out.dx.data)).toBeLessThan(1e-13);
    expect(maxRelErr(dWax, out.dWax.data)).toBeLessThan(1e-13);
    expect(maxRelErr(dWaa, out.dWaa.data)).toBeLessThan(1e-13);
    expect(maxRelErr(dba, out.dba.data)).toBeLessThan(1e-13);
    expect(maxRelErr(toCourse2(grads.da0, na, m), out.da0.data)).toBeLessThan(1e-13);
  });

  it("lstmStepBackward with the course's da_next, dc_next reproduces lstm_cell_backward's dxt, dWf (seed 1)", () => {
    const rng = new Rng(1);
    const nx = 3, m = 10, na = 5, ny = 2;
    const xt = randn(rng, nx, m), aPrev = randn(rng, na, m), cPrev = randn(rng, na, m);
    const Wf = randn(rng, na, na + nx), bf = randn(rng, na, 1);
    const Wi = randn(rng, na, na + nx), bi = randn(rng, na, 1);
    const Wo = randn(rng, na, na + nx), bo = randn(rng, na, 1);
    const Wc = randn(rng, na, na + nx), bc = randn(rng, na, 1);
    randn(rng, ny, na); randn(rng, ny, 1); // Wy, by
    const daNext = randn(rng, na, m), dcNext = randn(rng, na, m);
    const config = makeConfig({ cell: "lstm", I: nx, H: na, O: ny });
    const L = paramLayout(config);
    const P = new Float64Array(L.size);
    // the course's Wi is rnnlab's Wu (the update gate Γu); concat = [a_prev; xt] in both
    for (const [name, v] of [["Wf", Wf], ["bf", bf], ["Wu", Wi], ["bu", bi], ["Wo", Wo], ["bo", bo], ["Wc", Wc], ["bc", bc]] as const) P.set(v, L.byName[name].offset);
    const tape = new Tape(config, 1, m);
    const xs = fromCourse2(xt, nx, m);
    sequenceForward(tape, P, L, xs, fromCourse2(aPrev, na, m), fromCourse2(cPrev, na, m));
    const out = golden.cases.lstm_cell_backward.outputs;
    expect(maxRelErr(toCourse2(tape.a.subarray(m * na), na, m), out.a_next.data)).toBeLessThan(1e-14);
    expect(maxRelErr(toCourse2(tape.c.subarray(m * na), na, m), out.c_next.data)).toBeLessThan(1e-14);
    const grads = makeGrads(config, L, 1, m);
    tape.g.fill(0);
    tape.gc.set(fromCourse2(dcNext, na, m));
    tape.gExp = 0;
    sequenceBackward(grads, tape, P, L, xs, fromCourse2(daNext, na, m), null, { carry: true });
    const dxt = toCourse2(grads.dx, nx, m);
    expect(dxt[1 * m + 2]).toBeCloseTo(3.2305591151091875, 14); // the course prints 16 digits; the last may differ with summation order
    const dWf = grads.dparams.subarray(L.byName.Wf.offset, L.byName.Wf.offset + na * (na + nx));
    expect(dWf[3 * (na + nx) + 1]).toBeCloseTo(-0.1479548381644968, 15);
    expect(maxRelErr(dxt, out.dxt.data)).toBeLessThan(1e-13);
    expect(maxRelErr(toCourse2(grads.da0, na, m), out.da_prev.data)).toBeLessThan(1e-13);
    expect(maxRelErr(toCourse2(grads.dc0, na, m), out.dc_prev.data)).toBeLessThan(1e-13);
    for (const [ours, theirs] of [["Wf", "dWf"], ["Wu", "dWi"], ["Wc", "dWc"], ["Wo", "dWo"], ["bf", "dbf"], ["bu", "dbi"], ["bc", "dbc"], ["bo", "dbo"]] as const) {
      const b = L.byName[ours];
      expect(maxRelErr(grads.dparams.subarray(b.offset, b.offset + b.size), out[theirs].data), ours).toBeLessThan(1e-13);
    }
  });
});
