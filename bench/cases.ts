// The benchmark's cases and the files every peer reads. One training step: forward over T, exact
// BPTT, every parameter gradient, no optimizer update; a linear readout of the last state to one
// unit; MSE (mean over the batch). float64 weights drawn once (PyTorch's default U(-1/√H, 1/√H)).
//
// A case directory holds, in PyTorch's layout and time-major order:
//   case.json                {name, cell, H, I, T, B}
//   x.npy (T, B, I)  y.npy (B, 1)
//   rnn.weight_ih_l0.npy rnn.weight_hh_l0.npy rnn.bias_ih_l0.npy rnn.bias_hh_l0.npy head.weight.npy head.bias.npy
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  initModel, makeConfig, paramLayout, Rng, serializeNpy, stateDictFromModel, type CellKind, type Model,
} from "../core/src/index";

export interface BenchConfig { name: string; H: number; I: number; T: number; B: number }

/** The four configurations. */
export const CONFIGS: BenchConfig[] = [
  { name: "A", H: 32, I: 8, T: 1000, B: 1 },
  { name: "B", H: 128, I: 32, T: 100, B: 32 },
  { name: "C", H: 512, I: 128, T: 100, B: 32 },
  { name: "D", H: 64, I: 1, T: 10_000, B: 1 },
];
export const CELLS: CellKind[] = ["rnn", "lstm", "gru"];

export interface BenchCase extends BenchConfig { cell: CellKind }

/** The case's model (the GRU is PyTorch's reset-after) and data, from a fixed seed per case. */
export function makeCase(c: BenchCase): { model: Model; x: Float64Array; y: Float64Array } {
  const seed = 1000 + CONFIGS.findIndex((k) => k.name === c.name) * 10 + CELLS.indexOf(c.cell);
  const rng = new Rng(seed);
  const model = initModel(makeConfig({ cell: c.cell, I: c.I, H: c.H, O: 1, gruVariant: "reset-after" }), rng);
  const x = new Float64Array(c.T * c.B * c.I);
  rng.fillRandn(x, 0, x.length);
  const y = new Float64Array(c.B);
  rng.fillRandn(y, 0, y.length, 0.5);
  return { model, x, y };
}

/** Writes the case directory (see the header) and returns its path. */
export function writeCase(root: string, c: BenchCase): string {
  const dir = join(root, `${c.name}-${c.cell}`);
  mkdirSync(dir, { recursive: true });
  const { model, x, y } = makeCase(c);
  writeFileSync(join(dir, "case.json"), JSON.stringify(c));
  writeFileSync(join(dir, "x.npy"), serializeNpy(x, [c.T, c.B, c.I]));
  writeFileSync(join(dir, "y.npy"), serializeNpy(y, [c.B, 1]));
  for (const [name, t] of stateDictFromModel(model.config, model.params)) writeFileSync(join(dir, `${name}.npy`), serializeNpy(t.data, t.shape));
  return dir;
}

/** ‖g‖ in PyTorch's layout (both biases counted, as torch's parameters() has them). */
export function torchGradNorm(model: Model, dparams: Float64Array): number {
  let s = 0;
  for (const t of stateDictFromModel(model.config, dparams, undefined, { gradient: true }).values()) for (const v of t.data) s += v * v;
  return Math.sqrt(s);
}

/** ‖g‖ over rnnlab's (and Keras's) layout: one bias per gate block, plus the readout. */
export function flatGradNorm(dparams: Float64Array): number {
  let s = 0;
  for (const v of dparams) s += v * v;
  return Math.sqrt(s);
}

/**
 * The reset-before GRU that TF.js's GRU computes on the weights the TF.js peer loads (Keras has no
 * PyTorch-style reset-after in TF.js): the same Wr, Wu, Wc, br, bu, and bc + bca as its candidate bias.
 */
export function resetBeforeTwin(m: Model): Model {
  const from = paramLayout(m.config);
  const config = makeConfig({ ...m.config, gruVariant: "reset-before" });
  const to = paramLayout(config);
  const params = new Float64Array(to.size);
  for (const b of to.blocks) params.set(m.params.subarray(from.byName[b.name].offset, from.byName[b.name].offset + b.size), b.offset);
  const bc = to.byName.bc.offset, bca = from.byName.bca.offset;
  for (let j = 0; j < m.config.H; j++) params[bc + j] += m.params[bca + j];
  return { config, params };
}

/** median and minimum of a list of times */
export function stats(xs: number[]): { median: number; min: number } {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  return { median: n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2, min: s[0] };
}

/**
 * Times f: warm-up calls (see below), then repetitions until `budgetMs` has passed (at least `minReps`, at
 * most `maxReps`). Returns the per-call wall times and CPU times (user + system of this process) in
 * ms, warm-up excluded, and the warm-up's total wall time. The CPU times matter on a shared machine: when
 * other processes compete for the cores, wall time includes the time slices this one waited.
 */
export function timeSteps(f: () => void, budgetMs: number, minReps: number, maxReps: number): { times: number[]; cpuTimes: number[]; warmupMs: number } {
  // warm-up: until 500 ms have passed (at least one call, at most 10), so the JIT has tiered up
  const w0 = performance.now();
  for (let i = 0; i < 10 && (i === 0 || performance.now() - w0 < 500); i++) f();
  const warmupMs = performance.now() - w0;
  const times: number[] = [], cpuTimes: number[] = [];
  const start = performance.now();
  while (times.length < maxReps && (times.length < minReps || performance.now() - start < budgetMs)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000);
  }
  return { times, cpuTimes, warmupMs };
}
