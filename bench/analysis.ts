// Cost of a full analysis relative to one BPTT step (issue: H = 64, T = 10,000, B = 1; ledger,
// P(T,k) norms for every k, Lyapunov spectrum with m = 64, r = 10). Median of repeated runs.
// Run: npx tsx bench/analysis.ts [--H 64] [--T 10000] [--reps 3]
import { jacobianProducts } from "../core/src/analysis/jacobian-products";
import { lyapunovSpectrum } from "../core/src/analysis/lyapunov";
import { initModel, lossAndGrads, makeConfig, maskLast, Rng, type CellKind } from "../core/src/index";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const H = arg("H", 64), T = arg("T", 10_000), reps = arg("reps", 3), svdEvery = arg("svd-every", 10);
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
function time(f: () => void): number {
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); f(); xs.push(performance.now() - t0); }
  return median(xs);
}

for (const cell of ["rnn", "gru", "lstm"] as CellKind[]) {
  const model = initModel(makeConfig({ cell, I: 1, H, O: 1, gruVariant: "reset-after" }), new Rng(1));
  const x = new Float64Array(T); new Rng(2).fillRandn(x, 0, T);
  const batch = { x, T, B: 1, targets: new Float64Array(T) };
  const spec = { loss: "mse" as const, reduction: "mean" as const, mask: maskLast(T) };
  let ws = lossAndGrads(null, model, batch, spec); // warm-up
  const bptt = time(() => { ws = lossAndGrads(ws, model, batch, spec); });
  const ledger = time(() => { ws = lossAndGrads(ws, model, batch, spec, { ledger: true }); });
  const n = cell === "lstm" ? 2 * H : H;
  const prod = time(() => jacobianProducts(model, ws.tape, { svd: Math.min(8, n), reorth: svdEvery }));
  const lyap = time(() => lyapunovSpectrum(model, ws.tape, { m: Math.min(64, n), reorth: 10 }));
  const full = ledger + prod + lyap;
  console.log(JSON.stringify({ cell, H, T, bpttMs: +bptt.toFixed(1), ledgerMs: +ledger.toFixed(1), productsMs: +prod.toFixed(0), svdEvery,
    lyapunovMs: +lyap.toFixed(0), fullOverBptt: +(full / bptt).toFixed(1) }));
}
