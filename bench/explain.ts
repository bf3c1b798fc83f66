// Wall time of `rnnlab explain` (what `npm start` runs) at the defaults, T = 1,000 and H = 32: the
// issue's budget is 30 s on this 2-core machine. Measured end to end through the real binary (Node
// start, tsx, compute, figures, PNGs, writes), median of --reps runs, then one in-process run split by
// stage through the command's progress hook. Not part of `npm test`: timings depend on the machine's load.
// Run: npx tsx bench/explain.ts [--reps 3] [--T 1000] [--hidden 32]
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { computeExplain, renderExplainFigures } from "../cli/src/commands/explain";
import { svgToPng } from "../cli/src/figures/png";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const reps = arg("reps", 3), T = arg("T", 1000), H = arg("hidden", 32);
const BIN = fileURLToPath(new URL("../bin/rnnlab.mjs", import.meta.url));
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

console.log(`rnnlab explain --T ${T} --hidden ${H}: ${cpus().length} CPUs, load average ${loadavg().map((v) => v.toFixed(2)).join(" ")} at the start`);
const walls: number[] = [];
for (let i = 0; i < reps; i++) {
  const out = mkdtempSync(join(tmpdir(), "rnnlab-bench-explain-"));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, "explain", "--T", String(T), "--hidden", String(H), "--out", out], { encoding: "utf8" });
  walls.push((performance.now() - t0) / 1000);
  if (r.status !== 0) throw new Error(`rnnlab explain failed (${r.status}): ${r.stderr}`);
}
console.log(`end to end (the binary): median ${median(walls).toFixed(1)} s over ${reps} runs [${walls.map((w) => w.toFixed(1)).join(", ")}]`);

// One in-process run, split by stage. The hook is called as each stage starts.
const stages = new Map<string, number>();
let label = "", since = performance.now();
const group = (l: string) => (/lag split/.test(l) ? "lag split (loss at every step, lags 0..255)" :
  /twin/.test(l) ? "deep twin" : /chain rule/.test(l) ? "chain rule (‖J_k‖₂ by SVD, P(T,k))" :
  /ρ =/.test(l) ? "spectral sweep (11 runs)" : "BPTT with the ledger, Lyapunov");
const t0 = performance.now();
const report = computeExplain({ T, hidden: H, seed: 1, t: 1, forgetBias: 5, gruVariant: "reset-after", twin: "auto" }, (l) => {
  const now = performance.now();
  if (label) stages.set(group(label), (stages.get(group(label)) ?? 0) + now - since);
  label = l; since = now;
});
const tCompute = performance.now();
const figures = renderExplainFigures(report);
const tSvg = performance.now();
for (const f of figures) svgToPng(f.svg);
const tPng = performance.now();
for (const [k, ms] of stages) console.log(`  ${k.padEnd(46)} ${(ms / 1000).toFixed(2)} s`);
console.log(`  ${"measurements, total".padEnd(46)} ${((tCompute - t0) / 1000).toFixed(2)} s`);
console.log(`  ${"6 SVG figures (d3 on linkedom)".padEnd(46)} ${((tSvg - tCompute) / 1000).toFixed(2)} s`);
console.log(`  ${"6 PNGs (resvg, 2x)".padEnd(46)} ${((tPng - tSvg) / 1000).toFixed(2)} s`);
