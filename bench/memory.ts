// Memory of one training step with checkpointed BPTT (core/src/checkpointed.ts, k = √T by default):
// the heap growth (V8 heap + typed-array buffers + the WebAssembly kernels' linear memory) from before
// the step to after it, with the
// workspace still alive, after a full GC on each side. Targets (issue 7): an LSTM at T = 100,000,
// H = 128, B = 1 under 100 MB, and a D-sized LSTM (T = 10,000, H = 64) under 10 MB. Full BPTT's
// workspace is reported beside it for scale (--no-full skips running it).
// Run: node --expose-gc --import tsx bench/memory.ts   (npm run bench:memory)
import {
  checkpointedLossAndGrads, defaultCheckpointInterval, initModel, lossAndGrads, makeConfig, maskLast, Rng, wasmMemoryBytes, type LossSpec,
} from "../core/src/index";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc (npm run bench:memory)");
const full = !process.argv.includes("--no-full");
const MB = 2 ** 20;

function used(): { heap: number; buffers: number; wasm: number } {
  gc!(); gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers, wasm: wasmMemoryBytes() };
}

function measure(name: string, H: number, T: number, target: number) {
  const I = 1, B = 1;
  const model = initModel(makeConfig({ cell: "lstm", I, H, O: 1 }), new Rng(5));
  const x = new Float64Array(T * B * I);
  new Rng(6).fillRandn(x, 0, x.length);
  const targets = new Float64Array(T * B);
  targets[T - 1] = 0.5;
  const batch = { x, T, B, targets };
  const spec: LossSpec = { loss: "mse", reduction: "mean", mask: maskLast(T) };
  const k = defaultCheckpointInterval(T);
  const m0 = used();
  const t0 = performance.now();
  const ws = checkpointedLossAndGrads(null, model, batch, spec);
  const ms = performance.now() - t0;
  const m1 = used();
  // the module's memory is counted on its own: whether Node counts it in arrayBuffers is not specified
  const growth = (m1.heap - m0.heap + m1.buffers - m0.buffers + m1.wasm - m0.wasm) / MB;
  const out: Record<string, unknown> = {
    case: name, cell: "lstm", H, I, T, B, k, checkpointedMs: +ms.toFixed(0),
    heapGrowthMB: +growth.toFixed(2), heapMB: +((m1.heap - m0.heap) / MB).toFixed(2), typedArraysMB: +((m1.buffers - m0.buffers) / MB).toFixed(2),
    wasmMB: +((m1.wasm - m0.wasm) / MB).toFixed(2),
    targetMB: target, met: growth < target, loss: ws.loss,
  };
  if (full) {
    const f0 = used();
    const t1 = performance.now();
    const w = lossAndGrads(null, model, batch, spec);
    out.fullMs = +(performance.now() - t1).toFixed(0);
    const f1 = used();
    out.fullBpttGrowthMB = +((f1.heap - f0.heap + f1.buffers - f0.buffers + f1.wasm - f0.wasm) / MB).toFixed(1);
    // the same gradients, bit for bit (checkpointing only trades memory for one extra forward pass)
    let same = w.loss === ws.loss;
    for (let i = 0; i < w.grads.dparams.length; i++) same &&= Object.is(w.grads.dparams[i], ws.grads.dparams[i]);
    out.bitIdenticalToFull = same;
  }
  console.log(JSON.stringify(out));
  return out;
}

const a = measure("D-sized", 64, 10_000, 10);
const b = measure("long", 128, 100_000, 100);
console.log("\n| LSTM step | k | heap growth, checkpointed | target | full BPTT | time checkpointed / full |");
console.log("|---|---|---|---|---|---|");
for (const r of [a, b]) {
  console.log(`| H ${r.H}, T ${r.T}, B 1 | ${r.k} | ${r.heapGrowthMB} MB | < ${r.targetMB} MB ${r.met ? "met" : "MISSED"} | ${r.fullBpttGrowthMB ?? "–"} MB | ${r.checkpointedMs} / ${r.fullMs ?? "–"} ms |`);
}
