/**
 * `rnnlab analyze`: why the gradient vanishes or explodes, measured. One pass of exact BPTT with the
 * ledger, then the quantities of the literature on the same trajectory: Jacobian products P(T,k),
 * the Lyapunov spectrum, Pascanu et al.'s bound, the lag split of dWaa, the deep-network twin and the
 * gate statistics. Prints a short summary and writes JSON (fields in the README).
 */
import { dirname } from "node:path";
import { Command } from "commander";
import { z } from "zod";
import { deepTwinLossAndGrads, makeDeepTwin } from "../../../core/src/analysis/deep-twin";
import { gateStats } from "../../../core/src/analysis/gates";
import { jacobianProducts } from "../../../core/src/analysis/jacobian-products";
import { lagSplit } from "../../../core/src/analysis/lag-split";
import { lyapunovSpectrum } from "../../../core/src/analysis/lyapunov";
import { pascanuReport } from "../../../core/src/analysis/pascanu";
import { stateSize } from "../../../core/src/analysis/step-jacobian";
import { firstNonFiniteForwardStep, ledgerRecords, lossAndGrads } from "../../../core/src/index";
import { UsageError } from "../errors";
import { makeDir, writeFileAtomic } from "../files";
import { intFlag, parseFlags } from "../flags";
import { describeProblemOptions, loadProblem, problemShape } from "../problem";

const analyzeSchema = z.object({
  ...problemShape,
  T: intFlag(1, 10_000_000).default(1000),
  batch: intFlag(1, 4096).default(1),
  inputSize: intFlag(1, 4096).default(4),
  lyapunov: intFlag(1, 8192).optional(),
  reorth: intFlag(1, 1_000_000).default(10),
  svd: intFlag(1, 8192).optional(),
  svdEvery: intFlag(1, 1_000_000).default(1),
  maxLag: intFlag(1, 1 << 20).optional(),
  row: intFlag(0, 4095).default(0),
  twin: z.enum(["auto", "on", "off"]).default("auto"),
  out: z.string().default("out/analyze/analysis.json"),
  json: z.boolean().default(false),
});
type AnalyzeFlags = z.output<typeof analyzeSchema>;

export function analyzeCommand(): Command {
  return describeProblemOptions(new Command("analyze")
    .description("measure why the gradient vanishes or explodes: Jacobian products, Lyapunov spectrum, Pascanu's bound, lag split, deep twin, gates"))
    .option("--T <steps>", "synthetic inputs (no --inputs): sequence length", "1000")
    .option("--batch <B>", "synthetic inputs: batch size", "1")
    .option("--input-size <I>", "synthetic inputs: input size", "4")
    .option("--lyapunov <m>", "number of Lyapunov exponents; default min(n, 8), n = H (2H for the LSTM)")
    .option("--reorth <r>", "Lyapunov: re-orthonormalize every r steps", "10")
    .option("--svd <m>", "singular values of P(T,k) to report per k; default min(n, 8)")
    .option("--svd-every <r>", "diagonalize P(T,k) every r steps (1 = exact singular values at every k)", "1")
    .option("--max-lag <L>", "lags resolved one by one in the lag split; default min(T, 256)")
    .option("--row <b>", "batch row whose trajectory the Jacobians, Lyapunov and gate products follow", "0")
    .option("--twin <mode>", "auto|on|off: the untied deep-network twin (auto skips it above 512 MiB)", "auto")
    .option("--out <file>", "the JSON report", "out/analyze/analysis.json")
    .option("--json", "print the JSON on stdout instead of the summary")
    .addHelpText("after", `
Examples:
  rnnlab analyze --cell rnn --hidden 32 --T 1000                  # seeded model, synthetic N(0,1) inputs
  rnnlab analyze --weights model.safetensors --inputs x.npy --targets y.npy --lyapunov 16 --reorth 5`)
    .action((raw: Record<string, unknown>) => runAnalyze(parseFlags(analyzeSchema, raw)));
}

function runAnalyze(f: AnalyzeFlags): void {
  const { loaded, model, batch, spec, T, B } = loadProblem(f, { T: f.T, B: f.batch, I: f.inputSize });
  const n = stateSize(model.config);
  const m = f.lyapunov ?? Math.min(n, 8);
  const svd = f.svd ?? Math.min(n, 8);
  if (m > n) throw new UsageError(`--lyapunov: ${m} exceeds the state size n = ${n}`);
  if (svd > n) throw new UsageError(`--svd: ${svd} exceeds the state size n = ${n}`);
  if (f.row >= B) throw new UsageError(`--row: ${f.row} is not a batch row; B = ${B}`);
  const ws = lossAndGrads(null, model, batch, spec, { ledger: true });
  const ledger = ws.ledger!;
  const overflowAt = firstNonFiniteForwardStep(ws);
  if (overflowAt !== null || !Number.isFinite(ws.loss)) {
    process.stderr.write(overflowAt !== null
      ? `rnnlab analyze: warning: the forward state a<${overflowAt}> is not finite: the forward pass overflowed float64, so the ledger, Jacobian products, Lyapunov exponents and lag split from there on mean nothing\n`
      : `rnnlab analyze: warning: the loss is ${ws.loss} (the states are finite; the readout overflowed), so the ledger and lag split, which start from its gradient, mean nothing\n`);
  }
  const jp = jacobianProducts(model, ws.tape, { svd, b: f.row, reorth: f.svdEvery });
  const ly = lyapunovSpectrum(model, ws.tape, { m, reorth: f.reorth, b: f.row });
  const pa = pascanuReport(model, T);
  const ls = lagSplit(model, batch, spec, { maxLag: f.maxLag ?? Math.min(T, 256) });
  const gates = gateStats(ws.tape, f.row);
  let twin: Record<string, unknown> = { skipped: "--twin off" };
  if (f.twin !== "off") {
    try {
      const tw = deepTwinLossAndGrads(makeDeepTwin(model, T), batch, spec);
      let maxDiff = 0;
      for (let t = 0; t < T; t++) {
        const a = tw.log10LayerGradNorm[t], b = ledger.dWaa[t];
        if (a === b) continue;
        maxDiff = Math.max(maxDiff, Math.abs(a - b));
      }
      twin = {
        loss: tw.loss,
        log10LayerGradNorm: nullable(tw.log10LayerGradNorm),
        log10DaNorm: nullable(tw.log10DaNorm),
        maxAbsLog10DiffVsLedger: maxDiff,
      };
    } catch (e) {
      if (f.twin === "on" || !(e instanceof RangeError)) throw e instanceof RangeError ? new UsageError(`--twin: ${e.message}`) : e;
      twin = { skipped: e.message };
    }
  }
  const lstm = model.config.cell === "lstm";
  const report = {
    model: { ...model.config, source: loaded.source, headless: loaded.headless },
    T, B, row: f.row, n,
    loss: ws.loss,
    loss_spec: { loss: f.loss, on: f.on, reduction: f.reduction },
    /** the first t whose forward state a<t> is not finite (the analyses past it mean nothing), or null */
    forwardNonFiniteAt: overflowAt,
    ledger: ledgerRecords(ledger, lstm),
    jacobian: {
      m: jp.m, svdEvery: f.svdEvery, sweeps: jp.sweeps,
      log10Spectral: nullable(jp.log10Spectral),
      log10Frobenius: nullable(jp.log10Frobenius),
      log10Singular: Array.from({ length: T + 1 }, (_, k) => nullable(jp.log10Singular.subarray(k * jp.m, (k + 1) * jp.m))),
      exact: Array.from(jp.exact),
    },
    lyapunov: {
      m: ly.m, reorth: f.reorth, steps: ly.steps, blocks: ly.blocks,
      exponents: nullable(ly.exponents), log10PerStep: nullable(ly.log10PerStep), stdErr: nullable(ly.stdErr),
    },
    pascanu: { ...pa, log10Bound: nullable(pa.log10Bound) },
    lagSplit: {
      maxLag: ls.maxLag, log10DWaa: ls.log10DWaa, remainderLog10: ls.remainderLog10 === -Infinity ? null : ls.remainderLog10,
      log10Lag: nullable(ls.log10Lag), log10Tail: nullable(ls.log10Tail), tailFraction: Array.from(ls.tailFraction),
    },
    twin,
    gates: {
      ...gates,
      log10CarouselTotal: nullable(gates.log10CarouselTotal),
      log10CarouselMean: nullable(gates.log10CarouselMean),
    },
  };
  const text = JSON.stringify(report) + "\n";
  makeDir("--out", dirname(f.out));
  writeFileAtomic(f.out, text);
  if (f.json) process.stdout.write(text);
  else process.stdout.write(summary(report, ledger.total, jp.log10Spectral, f.out));
}

/** -Infinity (an exact zero) as null; JSON has no infinities. */
function nullable(a: ArrayLike<number>): (number | null)[] {
  return Array.from(a, (v) => (v === -Infinity ? null : v === Infinity ? Number.MAX_VALUE : v));
}

function summary(r: {
  model: { cell: string; activation: string; H: number }; T: number; B: number;
  lyapunov: { exponents: (number | null)[]; log10PerStep: (number | null)[]; stdErr: (number | null)[] };
  pascanu: { lambda1: number; spectralRadius: number; gamma: number; vanishingSufficient: boolean; explodingPossible: boolean; matrix: string };
  lagSplit: { log10Tail: (number | null)[]; log10DWaa: number };
  twin: Record<string, unknown>;
}, total: Float64Array, spec: Float64Array, out: string): string {
  const { T } = r;
  const f = (v: number | null | undefined, d = 2) => (v === null || v === undefined ? "-inf" : v.toFixed(d));
  const name = r.model.cell === "rnn" ? `${r.model.activation} RNN` : r.model.cell.toUpperCase();
  const tail = (L: number) => (L < r.lagSplit.log10Tail.length ? r.lagSplit.log10Tail[L] : null);
  const rel = (v: number | null) => (v === null ? null : v - r.lagSplit.log10DWaa);
  const lines = [
    `rnnlab analyze: ${name}, H = ${r.model.H}, T = ${T}, B = ${r.B}`,
    `  ledger      log10||dJ/da<t>|| = ${f(total[T - 1])} at t = T, ${f(total[0])} at t = 1`,
    `  products    log10||dS<T>/dS<k>||_2 = ${f(spec[T - 1])} at k = T-1, ${f(spec[0])} at k = 0 (${f(spec[0] / T, 4)} per step)`,
    `  lyapunov    lambda1 = ${f(r.lyapunov.exponents[0], 4)} per step (log10 ${f(r.lyapunov.log10PerStep[0], 4)}) +- ${f(r.lyapunov.stdErr[0], 4)}`,
    `  pascanu     lambda1(${r.pascanu.matrix}) = ${r.pascanu.lambda1.toFixed(4)}, rho = ${r.pascanu.spectralRadius.toFixed(4)}, gamma = ${r.pascanu.gamma}: ` +
      (r.pascanu.vanishingSufficient ? "vanishing guaranteed (lambda1 < 1/gamma)" : r.pascanu.explodingPossible ? "exploding possible (lambda1 > 1/gamma)" : "at the boundary"),
    `  lag split   the part of dWaa sent back 10 or more steps has norm 10^${f(rel(tail(10)))} of ||dWaa||; 100 or more: 10^${f(rel(tail(100)))}`,
    `  deep twin   ` + ("maxAbsLog10DiffVsLedger" in r.twin
      ? `a ${T}-layer untied network: its per-layer gradients match dWaa<t> (max log10 difference ${(r.twin.maxAbsLog10DiffVsLedger as number).toExponential(1)})`
      : `skipped: ${String(r.twin.skipped)}`),
    `  written     ${out}`,
  ];
  return lines.join("\n") + "\n";
}
