// rnnlab's side of the benchmark: one training step (lossAndGrads: forward, exact BPTT, every
// gradient) on a case directory, timed in this process. Prints one JSON line.
// Usage: tsx bench/run-rnnlab.ts <caseDir> [budgetMs] [minReps] [maxReps]
// RNNLAB_GEMM=js keeps every product in JavaScript (the default puts large ones in WebAssembly SIMD);
// RNNLAB_MATMUL=float32 takes the large products in float32. Both read and checked as the CLI does.
import "../cli/src/gemm-env";
import { gemmBackend, lossAndGrads, maskLast, matmulPrecision, type LossSpec } from "../core/src/index";
import { flatGradNorm, resetBeforeTwin, stats, timeSteps, torchGradNorm } from "./cases";
import { readCase } from "./case-io";

const [dir, budget = "3000", minReps = "3", maxReps = "30"] = process.argv.slice(2);
const { c, model, x, y } = readCase(dir);
const { T, B } = c;
const targets = new Float64Array(T * B); // the loss sits on the last step only
targets.set(y, (T - 1) * B);
const spec: LossSpec = { loss: "mse", reduction: "mean", mask: maskLast(T) };
const batch = { x, T, B, targets };
const mem0 = process.memoryUsage();
const rss0 = process.resourceUsage().maxRSS;
let ws = lossAndGrads(null, model, batch, spec);
const { times, cpuTimes, warmupMs } = timeSteps(() => { ws = lossAndGrads(ws, model, batch, spec); }, Number(budget), Number(minReps), Number(maxReps));
const mem1 = process.memoryUsage();
const out: Record<string, unknown> = {
  peer: "rnnlab", dtype: matmulPrecision() === "float32" ? "float64, float32 products" : "float64", gemm: gemmBackend(), case: `${c.name}-${c.cell}`, ...stats(times), cpuMedian: stats(cpuTimes).median, reps: times.length, warmupMs,
  loss: ws.loss, gradNorm: torchGradNorm(model, ws.grads.dparams), flatGradNorm: flatGradNorm(ws.grads.dparams),
  // the workspace (tape, gradients, readout buffers) is what one step keeps; typed arrays count as arrayBuffers
  stepMB: (mem1.arrayBuffers - mem0.arrayBuffers) / 2 ** 20,
  peakRssGrowthMB: (process.resourceUsage().maxRSS - rss0) / 1024,
};
if (c.cell === "gru") {
  // the f64 reference for TF.js's reset-before GRU (not timed)
  const twin = resetBeforeTwin(model);
  const w = lossAndGrads(null, twin, batch, spec);
  out.resetBefore = { loss: w.loss, flatGradNorm: flatGradNorm(w.grads.dparams) };
}
console.log(JSON.stringify(out));
