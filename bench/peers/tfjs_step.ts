// TF.js peer: a layers model (SimpleRNN / LSTM / GRU + Dense(1)) on the WebAssembly backend, float32.
// recurrentActivation 'sigmoid' (TF.js defaults to hardSigmoid); built with zeros initializers (the
// default orthogonal initializer runs a slow pure-JS QR), then setWeights with the case's weights.
// One training step = tf.variableGrads of the MSE loss (forward, BPTT, every gradient), no update.
// TF.js's GRU is the reset-before variant only, so its GRU is checked against rnnlab's reset-before
// twin (cases.ts resetBeforeTwin), not against PyTorch's GRU.
// Usage: tsx bench/peers/tfjs_step.ts <caseDir> [budgetMs] [minReps] [maxReps]
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { stats, timeSteps } from "../cases";
import { readCase } from "../case-io";

const [dir, budget = "3000", minReps = "3", maxReps = "30"] = process.argv.slice(2);
const require = createRequire(import.meta.url);
setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + "/");
await tf.setBackend("wasm");
await tf.ready();

const { c, sd } = readCase(dir);
const { H, I, T, B, cell } = c;
const G = cell === "rnn" ? 1 : cell === "lstm" ? 4 : 3;
const Wih = sd.get("rnn.weight_ih_l0")!.data, Whh = sd.get("rnn.weight_hh_l0")!.data;
const bih = sd.get("rnn.bias_ih_l0")!.data, bhh = sd.get("rnn.bias_hh_l0")!.data;
// Keras gate blocks (columns of kernel (I, G·H)) and PyTorch's row blocks they come from:
// LSTM [i|f|c|o] = torch [i|f|g|o]; GRU [z|r|h] = torch [z|r|n] (torch rows are [r|z|n]).
const order = cell === "gru" ? [1, 0, 2] : Array.from({ length: G }, (_, g) => g);
const kernel = new Float32Array(I * G * H), rec = new Float32Array(H * G * H), bias = new Float32Array(G * H);
for (let kb = 0; kb < G; kb++) {
  const tb = order[kb];
  for (let j = 0; j < H; j++) {
    const r = tb * H + j, col = kb * H + j;
    for (let k = 0; k < I; k++) kernel[k * G * H + col] = Wih[r * I + k];
    for (let k = 0; k < H; k++) rec[k * G * H + col] = Whh[r * H + k];
    bias[col] = bih[r] + bhh[r];
  }
}
const zeros = { kernelInitializer: "zeros", recurrentInitializer: "zeros", biasInitializer: "zeros" } as const;
const base = { units: H, inputShape: [T, I], returnSequences: false, ...zeros };
const layer = cell === "rnn" ? tf.layers.simpleRNN({ ...base, activation: "tanh" })
  : cell === "lstm" ? tf.layers.lstm({ ...base, recurrentActivation: "sigmoid", unitForgetBias: false })
  : tf.layers.gru({ ...base, recurrentActivation: "sigmoid" });
const model = tf.sequential({ layers: [layer, tf.layers.dense({ units: 1, ...zeros })] });
layer.setWeights([tf.tensor2d(kernel, [I, G * H]), tf.tensor2d(rec, [H, G * H]), tf.tensor1d(bias)]);
model.layers[1].setWeights([tf.tensor2d(Float32Array.from(sd.get("head.weight")!.data), [H, 1]), tf.tensor1d(Float32Array.from(sd.get("head.bias")!.data))]);

// x is stored (T, B, I); Keras wants (B, T, I)
const xd = readCase(dir).x, xb = new Float32Array(T * B * I);
for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let k = 0; k < I; k++) xb[(b * T + t) * I + k] = xd[(t * B + b) * I + k];
const xt = tf.tensor3d(xb, [B, T, I]);
const yt = tf.tensor2d(Float32Array.from(readCase(dir).y), [B, 1]);
let loss = NaN, gradNorm = NaN;
const rss0 = process.resourceUsage().maxRSS;
const step = () => {
  const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(yt, model.apply(xt, { training: true }) as tf.Tensor) as tf.Scalar);
  loss = value.dataSync()[0];
  let s = 0;
  for (const g of Object.values(grads)) { const d = g.dataSync(); for (let i = 0; i < d.length; i++) s += d[i] * d[i]; }
  gradNorm = Math.sqrt(s);
  tf.dispose([value, ...Object.values(grads)]);
};
const { times, cpuTimes, warmupMs } = timeSteps(step, Number(budget), Number(minReps), Number(maxReps));
console.log(JSON.stringify({
  peer: "tfjs-wasm", dtype: "float32", case: `${c.name}-${c.cell}`, ...stats(times), cpuMedian: stats(cpuTimes).median, reps: times.length, warmupMs, loss, gradNorm,
  peakRssGrowthMB: (process.resourceUsage().maxRSS - rss0) / 1024, backend: tf.getBackend(), tfjs: tf.version.tfjs,
  numTensors: tf.memory().numTensors, simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
  threads: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
}));
