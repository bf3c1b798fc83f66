/**
 * `rnnlab explain` (what `npm start` runs): the thread's question, "the weights are shared, so why does
 * an RNN over 1,000 steps behave like a 1,000-layer network?", answered with measured numbers.
 *
 * A tanh RNN, a GRU, an LSTM and an LSTM with its forget gate biased open, all with PyTorch's default
 * init from the same seed, run on the same N(0,1) inputs at T = 1,000 (MSE against zero targets, mean
 * reduction). From exact BPTT with the gradient ledger and core's analyses it writes, to out/explain/:
 *   report.json        every number behind the figures and the summary (fields in `ExplainReport`)
 *   <figure>.svg/.png  one-path, two-paths, chain-rule, deep-twin, lag-split, spectral-sweep
 *   index.html         the summary and the figures inline, self-contained
 * and prints about ten lines that answer the thread. The same flags give the same bytes in every
 * file (the terminal's last line holds the elapsed time; no file does).
 *
 * Inputs and weights, reproducible with core alone (the tests do):
 *   x = new Float64Array(T·1·4); new Rng(seed).fillRandn(x, 0, x.length)            // (T, B=1, I=4)
 *   model = initModel(makeConfig({ cell, I: 4, H, O: 1, gruVariant }), new Rng(seed + 1), { forgetBias })
 */
import { join } from "node:path";
import { Command } from "commander";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { z } from "zod";
import {
  deepTwinLossAndGrads, GRU_VARIANTS, initModel, jacobianProducts, lagSplit, lossAndGrads, lyapunovSpectrum, makeConfig,
  makeDeepTwin, maskEvery, maskLast, paramLayout, pascanuReport, Rng, stepJacobian,
  type Batch, type CellKind, type GruVariant, type LossSpec, type Model,
} from "../../../core/src/index";
import { UsageError } from "../errors";
import { createProgress, type Progress } from "../progress";
import { makeDir, writeFileAtomic } from "../files";
import { enumFlag, intFlag, numberText, parseFlags } from "../flags";
import { chainRuleFigure } from "../figures/chain-rule";
import { deepTwinFigure } from "../figures/deep-twin";
import { formatPow10 } from "../figures/format-pow10";
import { lagSplitFigure } from "../figures/lag-split";
import { onePathFigure } from "../figures/one-path";
import { svgToPng } from "../figures/png";
import { reportHtml, type ReportFigure } from "../figures/report-html";
import { spectralSweepFigure, sweepCrossing } from "../figures/spectral-sweep";
import { twoPathsFigure } from "../figures/two-paths";
import { float64For } from "../gemm-env";

const explainSchema = z.object({
  T: intFlag(2, 10_000_000).default(1000),
  hidden: intFlag(1, 1024).default(32),
  seed: intFlag(0, 2 ** 32 - 1).default(1),
  t: intFlag(0, 10_000_000).default(1), // its upper bound is T - 1, checked with T (runExplain)
  forgetBias: numberText.refine((v) => v >= 0 && v <= 20, "expected a number in [0, 20]").default(5),
  gruVariant: enumFlag(GRU_VARIANTS).default("reset-after"),
  maxLag: intFlag(1, 1 << 20).optional(),
  svdEvery: intFlag(1, 10_000_000).optional(),
  twin: enumFlag(["auto", "on", "off"] as const).default("auto"),
  out: z.string().min(1, "expected a folder").default("out/explain"),
});
type ExplainFlags = z.output<typeof explainSchema>;

/** Input size of the explain runs: four N(0,1) features per step. */
export const EXPLAIN_I = 4;
/** The spectral radii of the sweep: 0.5, 0.6, ..., 1.5. */
export const SWEEP_RHO: readonly number[] = Array.from({ length: 11 }, (_, i) => (50 + 10 * i) / 100);
/** The loss of every run: MSE against zero targets, PyTorch's mean reduction. */
const LOSS = { loss: "mse", reduction: "mean" } as const;

/** What the computation needs; the flags after validation. */
export interface ExplainOptions {
  T: number;
  /** H */
  hidden: number;
  seed: number;
  /** the step whose chain rule is written out, 1 <= t < T */
  t: number;
  /** added to the 4th model's bf; 0 leaves the 4th model out */
  forgetBias: number;
  gruVariant: GruVariant;
  /** lags resolved one by one in the lag split; default min(T, 256) */
  maxLag?: number;
  /** diagonalize the chain rule's running product every r steps; default ceil(T / 1000) */
  svdEvery?: number;
  twin: "auto" | "on" | "off";
}

/**
 * Progress of a long run: `done` of `total` stages finished, `label` the stage starting now
 * (shown by `stageProgress` through cli/src/progress.ts).
 */
export type ExplainProgress = (label: string, done: number, total: number) => void;
export const noProgress: ExplainProgress = () => {};

/** Stage progress through cli/src/progress.ts: one display per (total), replaced when the total changes. */
function stageProgress(): { fn: ExplainProgress; stop(): void } {
  let p: Progress | null = null;
  let tot = -1;
  return {
    fn: (label, done, total) => {
      if (!p || total !== tot) {
        p?.stop();
        p = createProgress({ total, label: "explain", quiet: false, plainEvery: 1 });
        tot = total;
      }
      p.update(done, () => label);
    },
    stop: () => p?.stop(),
  };
}

/** One of the compared models. */
export interface ExplainModel { key: string; label: string; cell: CellKind; forgetBias: number }

/** The models compared: tanh RNN, GRU, LSTM, and (forgetBias > 0) the LSTM with bf + forgetBias. */
export function explainModels(forgetBias: number): ExplainModel[] {
  const ms: ExplainModel[] = [
    { key: "rnn", label: "tanh RNN", cell: "rnn", forgetBias: 0 },
    { key: "gru", label: "GRU", cell: "gru", forgetBias: 0 },
    { key: "lstm", label: "LSTM", cell: "lstm", forgetBias: 0 },
  ];
  if (forgetBias > 0) ms.push({ key: "lstmBf", label: `LSTM bf+${forgetBias}`, cell: "lstm", forgetBias });
  return ms;
}

type Log10s = (number | null)[];

/** The report.json document. Every log10 array holds null where the value is exactly zero. */
export interface ExplainReport {
  command: "explain";
  setup: {
    T: number; H: number; I: number; B: 1; O: 1; seed: number; t: number;
    init: "pytorch"; gruVariant: GruVariant; forgetBias: number;
    inputs: string; weights: string; loss: string;
  };
  /** the compared models, with the top Lyapunov exponent of each trajectory (loss on the last step) */
  models: (ExplainModel & { lyapunov: { lambda1: number; log10PerStep: number; stdErr: number } })[];
  /** loss on the last step: log10‖dJ/da<t>‖ (total) and log10‖dWaa<t>‖ per model, index t-1; ratio = total<1> − total<T> */
  onePath: Record<string, { total: Log10s; dWaa: Log10s; log10Ratio: number | null }>;
  /** loss at every step: the ledger's direct, recurrent and total per model, index t-1 */
  twoPaths: Record<string, { direct: Log10s; recurrent: Log10s; total: Log10s }>;
  /** the chain rule of the tanh RNN for t: factor norms (index k-1), running products (index k = 0..T) */
  chainRule: {
    model: "rnn"; T: number; t: number; svdEvery: number;
    log10FactorNorm: Log10s; log10Product: Log10s; exact: number[];
    pascanu: { matrix: string; lambda1: number; spectralRadius: number; gamma: number; log10PerStep: number };
    lyapunov: { lambda1: number; log10PerStep: number; stdErr: number; m: number; reorth: number };
  };
  /** the untied T-layer twin per model: log10‖dW_l^aa‖ (index l-1) and its largest log10 distance from the ledger's dWaa<t> */
  deepTwin: Record<string, { log10LayerGradNorm: Log10s; maxAbsLog10DiffVsLedger: number } | { skipped: string }>;
  /** the lag split of dWaa with a loss at every step, per model */
  lagSplit: {
    maxLag: number;
    models: Record<string, { log10DWaa: number; log10Lag: Log10s; log10TailFraction: Log10s; remainderLog10: number | null }>;
  };
  /** the tanh RNN with Waa rescaled to each ρ, loss on the last step */
  sweep: { model: "rnn"; T: number; rho: number[]; lambda1: number[]; log10Ratio: Log10s; crossing: number | null };
  /** the lines printed on the terminal (without the timing line) */
  summary: string[];
  /** the figures, in order */
  figures: { name: string; title: string; svg: string; png: string }[];
}

/** -Infinity (an exact zero) as null; +Infinity as Number.MAX_VALUE (JSON has no infinities). */
function nullable(a: ArrayLike<number>): Log10s {
  return Array.from(a, (v) => (v === -Infinity ? null : v === Infinity ? Number.MAX_VALUE : v));
}

/** log10 ‖J‖₂ of an n×n row-major matrix (its largest singular value, by ml-matrix's SVD). */
function log10SpectralNorm(J: Float64Array, n: number): number {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(J.subarray(i * n, (i + 1) * n)));
  const svd = new SingularValueDecomposition(new Matrix(rows), { computeLeftSingularVectors: false, computeRightSingularVectors: false });
  return Math.log10(svd.norm2);
}

/** Runs every measurement of the report (not the figures). Deterministic: the same options give the same numbers. */
export function computeExplain(o: ExplainOptions, progress: ExplainProgress = noProgress): ExplainReport {
  const { T, hidden: H, seed, t } = o;
  const I = EXPLAIN_I;
  if (!(t >= 1 && t < T)) throw new RangeError(`t must be an integer in [1, T-1] = [1, ${T - 1}], got ${t}`);
  const maxLag = o.maxLag ?? Math.min(T, 256);
  const svdEvery = o.svdEvery ?? Math.ceil(T / 1000);
  const models = explainModels(o.forgetBias);
  const x = new Float64Array(T * I);
  new Rng(seed).fillRandn(x, 0, x.length);
  const batch: Batch = { x, T, B: 1, targets: new Float64Array(T) };
  const last: LossSpec = { ...LOSS, mask: maskLast(T) };
  const every: LossSpec = { ...LOSS, mask: maskEvery(T) };
  const makeModel = (m: ExplainModel, spectralRadius?: number): Model =>
    initModel(makeConfig({ cell: m.cell, I, H, O: 1, gruVariant: o.gruVariant }), new Rng(seed + 1), { forgetBias: m.forgetBias, spectralRadius });

  const stages = models.length * (o.twin === "off" ? 3 : 4) + 2 + SWEEP_RHO.length;
  let done = 0;
  const step = (label: string) => progress(label, done++, stages);

  const setup: ExplainReport["setup"] = {
    T, H, I, B: 1, O: 1, seed, t, init: "pytorch", gruVariant: o.gruVariant, forgetBias: o.forgetBias,
    inputs: "x ~ N(0,1), (T, B, I) time-major: new Rng(seed).fillRandn(x)",
    weights: "initModel(makeConfig({ cell, I, H, O: 1, gruVariant }), new Rng(seed + 1), { forgetBias }), the same for every model",
    loss: "mse against zero targets, mean reduction; on the last step only (onePath, chainRule, deepTwin, sweep) or at every step (twoPaths, lagSplit)",
  };
  const reportModels: ExplainReport["models"] = [];
  const onePath: ExplainReport["onePath"] = {};
  const twoPaths: ExplainReport["twoPaths"] = {};
  const deepTwin: ExplainReport["deepTwin"] = {};
  const lagModels: ExplainReport["lagSplit"]["models"] = {};
  let chainRule: ExplainReport["chainRule"] | null = null;

  for (const m of models) {
    const model = makeModel(m);
    step(`${m.label}: BPTT with the ledger, loss on the last step; Lyapunov exponent`);
    const ws = lossAndGrads(null, model, batch, last, { ledger: true });
    const led = ws.ledger!;
    const ly = lyapunovSpectrum(model, ws.tape, { m: 1, reorth: 10 });
    reportModels.push({ ...m, lyapunov: { lambda1: ly.exponents[0], log10PerStep: ly.log10PerStep[0], stdErr: ly.stdErr[0] } });
    const ratio = led.total[0] - led.total[T - 1];
    onePath[m.key] = { total: nullable(led.total), dWaa: nullable(led.dWaa), log10Ratio: Number.isFinite(ratio) ? ratio : null };

    if (m.key === "rnn") {
      step("tanh RNN: the chain rule, ‖J_k‖₂ for every k");
      const n = H, L = paramLayout(model.config);
      const J = new Float64Array(n * n);
      const factor = new Float64Array(T);
      for (let k = 1; k <= T; k++) {
        stepJacobian(J, ws.tape, model.params, L, k, 0);
        factor[k - 1] = log10SpectralNorm(J, n);
      }
      step("tanh RNN: the chain rule, running products ‖∂a<T>/∂a<k>‖₂");
      const jp = jacobianProducts(model, ws.tape, { svd: 1, reorth: svdEvery });
      const pa = pascanuReport(model, T);
      chainRule = {
        model: "rnn", T, t, svdEvery,
        log10FactorNorm: nullable(factor), log10Product: nullable(jp.log10Spectral), exact: Array.from(jp.exact),
        pascanu: { matrix: pa.matrix, lambda1: pa.lambda1, spectralRadius: pa.spectralRadius, gamma: pa.gamma, log10PerStep: Math.log10(pa.gamma * pa.lambda1) },
        lyapunov: { lambda1: ly.exponents[0], log10PerStep: ly.log10PerStep[0], stdErr: ly.stdErr[0], m: 1, reorth: 10 },
      };
    }

    step(`${m.label}: BPTT with the ledger, a loss at every step`);
    const le = lossAndGrads(null, model, batch, every, { ledger: true }).ledger!;
    twoPaths[m.key] = { direct: nullable(le.direct), recurrent: nullable(le.recurrent), total: nullable(le.total) };

    if (o.twin !== "off") {
      step(`${m.label}: the untied ${T}-layer twin`);
      try {
        const tw = deepTwinLossAndGrads(makeDeepTwin(model, T), batch, last);
        let maxDiff = 0;
        for (let i = 0; i < T; i++) {
          const a = tw.log10LayerGradNorm[i], b = led.dWaa[i];
          if (a !== b) maxDiff = Math.max(maxDiff, Math.abs(a - b));
        }
        deepTwin[m.key] = { log10LayerGradNorm: nullable(tw.log10LayerGradNorm), maxAbsLog10DiffVsLedger: maxDiff };
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        if (o.twin === "on") throw new UsageError(`--twin: ${e.message}`);
        deepTwin[m.key] = { skipped: e.message };
      }
    }

    step(`${m.label}: the lag split of dWaa, lags 0..${maxLag - 1}`);
    let ls;
    try {
      ls = lagSplit(model, batch, every, { maxLag });
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(`--max-lag: ${e.message}`);
      throw e;
    }
    lagModels[m.key] = {
      log10DWaa: ls.log10DWaa,
      log10Lag: nullable(ls.log10Lag),
      log10TailFraction: nullable(Array.from(ls.log10Tail, (v) => v - ls.log10DWaa)),
      remainderLog10: ls.remainderLog10 === -Infinity ? null : ls.remainderLog10,
    };
  }

  const rnn = models[0];
  const sweep = { model: "rnn" as const, T, rho: [...SWEEP_RHO], lambda1: [] as number[], log10Ratio: [] as Log10s, crossing: null as number | null };
  let ws = null;
  for (const rho of SWEEP_RHO) {
    step(`tanh RNN: Waa rescaled to ρ = ${rho.toFixed(1)}`);
    const model = makeModel(rnn, rho);
    ws = lossAndGrads(ws, model, batch, last, { ledger: true });
    const r = ws.ledger!.total[0] - ws.ledger!.total[T - 1];
    sweep.log10Ratio.push(Number.isFinite(r) ? r : null);
    sweep.lambda1.push(pascanuReport(model, 1).lambda1);
  }
  sweep.crossing = sweepCrossing(sweep.rho, sweep.log10Ratio);
  progress("measurements done", done, stages);
  const report: ExplainReport = {
    command: "explain", setup, models: reportModels, onePath, twoPaths, chainRule: chainRule!, deepTwin,
    lagSplit: { maxLag, models: lagModels }, sweep, summary: [], figures: [],
  };
  report.summary = explainSummary(report);
  return report;
}

/** The figures' file stems, titles and captions, in the report's order. */
export const FIGURES = [
  { name: "one-path", title: "One path", caption: "log10‖dJ/da<t>‖ against t with the loss on the last step only: the gradient reaching step t has crossed T − t step Jacobians." },
  { name: "two-paths", title: "Two paths", caption: "A loss at every step: the ledger's direct part (through yhat<t>), recurrent part (from step t+1) and their sum." },
  { name: "chain-rule", title: "The chain rule", caption: "dJ/da<t> = J_{t+1}ᵀ ⋯ J_Tᵀ · dJ/da<T> in the tanh RNN: each factor's ‖J_k‖₂, the running product ‖∂a<T>/∂a<k>‖₂, the product of the factors' norms, Pascanu's bound (γλ1)^(T−k) and the Lyapunov rate exp(λ1 (T−k))." },
  { name: "deep-twin", title: "The deep twin", caption: "The RNN's per-step dWaa<t> (lines) and the per-layer gradients of an untied T-layer network with the same weights (circles): the same numbers." },
  { name: "lag-split", title: "The lag split", caption: "dWaa = Σ_L S_L with a loss at every step: each lag's part and the fraction carried by lags L and beyond." },
  { name: "spectral-sweep", title: "Spectral radius sweep", caption: "The tanh RNN's Waa rescaled to spectral radius ρ from 0.5 to 1.5: log10‖dJ/da<1>‖ − log10‖dJ/da<T>‖ goes from vanishing to exploding." },
] as const;

/** Every figure of the report as SVG text, in FIGURES order. */
export function renderExplainFigures(r: ExplainReport): { name: string; svg: string }[] {
  const { T } = r.setup;
  const ms = r.models;
  const svgs = [
    onePathFigure({ T, series: ms.map((m) => ({ key: m.key, label: m.label, log10: r.onePath[m.key].total })) }),
    twoPathsFigure({ T, series: ms.map((m) => ({ key: m.key, label: m.label, ...r.twoPaths[m.key] })) }),
    chainRuleFigure({
      label: "tanh RNN", T, t: r.chainRule.t, log10FactorNorm: r.chainRule.log10FactorNorm, log10Product: r.chainRule.log10Product,
      matrix: r.chainRule.pascanu.matrix, lambda1: r.chainRule.pascanu.lambda1, gamma: r.chainRule.pascanu.gamma,
      lyapunovLog10PerStep: r.chainRule.lyapunov.log10PerStep,
    }),
    deepTwinFigure({
      T, series: ms.map((m) => {
        const tw = r.deepTwin[m.key];
        const ok = tw && "log10LayerGradNorm" in tw ? tw : null;
        return { key: m.key, label: m.label, rnn: r.onePath[m.key].dWaa, twin: ok ? ok.log10LayerGradNorm : null, maxAbsLog10Diff: ok ? ok.maxAbsLog10DiffVsLedger : null };
      }),
    }),
    lagSplitFigure({ maxLag: r.lagSplit.maxLag, series: ms.map((m) => ({ key: m.key, label: m.label, ...r.lagSplit.models[m.key] })) }),
    spectralSweepFigure({ label: "tanh RNN", T, rho: r.sweep.rho, log10Ratio: r.sweep.log10Ratio, crossing: r.sweep.crossing }),
  ];
  return FIGURES.map((f, i) => ({ name: f.name, svg: svgs[i] }));
}

/** The median of the finite values. */
function median(v: readonly (number | null)[]): number | null {
  const f = v.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  return f.length ? f[f.length >> 1] : null;
}

/** About ten lines (twenty short ones) that answer the thread with this run's numbers, each under ~110 characters. */
export function explainSummary(r: ExplainReport): string[] {
  const { T, H, I, seed, t } = r.setup;
  const p = (v: number | null | undefined, digits = 1) => formatPow10(v ?? null, digits);
  const keys = r.models.map((m) => m.key);
  const label = (k: string) => r.models.find((m) => m.key === k)!.label;
  const list = (parts: string[]) => (parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}` : parts[0]);
  const cr = r.chainRule;
  const ly = r.models[0].lyapunov;
  const twins = keys.map((k) => r.deepTwin[k]).filter((x): x is { log10LayerGradNorm: Log10s; maxAbsLog10DiffVsLedger: number } => !!x && "maxAbsLog10DiffVsLedger" in x);
  const twinMax = twins.length ? Math.max(...twins.map((x) => x.maxAbsLog10DiffVsLedger)) : null;
  const skipped = keys.filter((k) => r.deepTwin[k] && "skipped" in r.deepTwin[k]).map(label);
  const tp = r.twoPaths.rnn;
  const probes = [10, 100].filter((L) => L < r.lagSplit.maxLag);
  const tail = (k: string, L: number) => p(r.lagSplit.models[k].log10TailFraction[L]);
  const deep = probes[probes.length - 1];
  const sw = r.sweep;
  const product = cr.log10Product[t];
  const bound = (T - t) * cr.pascanu.log10PerStep;
  const pascanu = `Pascanu's bound (γλ1)^${T - t} = ${p(bound)} ` + (bound > 0 ? "only says it may grow." : "already says it vanishes.");
  const items = [
    `rnnlab explain, T = ${T}, H = ${H}, I = ${I}, seed ${seed}: ${r.models.map((m) => m.label).join(", ")}; PyTorch's init, same inputs`,
    `1. One path (the loss at t = ${T} only): of the gradient at t = ${T}, what reaches t = 1 is ` +
      `${list(keys.map((k) => `${p(r.onePath[k].log10Ratio)} in the ${label(k)}`))}.`,
    // T = 2 has one factor: no "⋯", and nothing to line up
    `2. Waa is shared, yet dJ/da<1> = ${T === 2 ? "J_2ᵀ" : `J_2ᵀ ⋯ J_${T}ᵀ`} · dJ/da<${T}>: ${T - 1} factor${T === 2 ? "" : "s"}, as in a ${T}-layer network.`,
    `3. The chain rule in the tanh RNN: ` + (T - t === 1
      ? `the one factor has ‖J_${T}‖₂ = ${p(product)}; ${pascanu}`
      : `a typical factor has ‖J_k‖₂ = ${p(median(cr.log10FactorNorm.slice(t)), 2)}, yet ` +
        `‖∂a<${T}>/∂a<${t}>‖₂ = ${p(product)} (${p(product === null ? null : product / (T - t), 3)} per step): the factors do not line up. ` +
        `The product follows the top Lyapunov exponent, ${p(ly.log10PerStep, 3)} per step; ${pascanu}`),
    twinMax === null
      ? "4. Deep twin: skipped (--twin off, or the layer copies would not fit)."
      : `4. Deep twin: an untied ${T}-layer network's per-layer gradients equal the RNN's dWaa<t> ` +
        `(to ${twinMax.toExponential(0)} in log10): sharing Waa does not shorten the path, it only sums them (dWaa = Σ_t dWaa<t>).` +
        (skipped.length ? ` (Skipped for the ${list(skipped)}: ${T} layer copies would exceed 512 MiB.)` : ""),
    `5. Two paths (a loss at every step): at t = 1 the tanh RNN's direct part is ${p(tp.direct[0])}, its recurrent part ${p(tp.recurrent[0])}: ` +
      "the short path via yhat<t> keeps each step's gradient alive, but carries only step t's own loss.",
    probes.length
      ? `6. Lag split: of the tanh RNN's dWaa, ${probes.map((L) => `lags ${L}+ carry ${tail("rnn", L)}`).join(", ")}` +
        (keys.length > 1 ? ` (${keys.slice(1).map((k) => `${label(k)} ${tail(k, deep)}`).join(", ")})` : "") +
        ": where the tail vanishes, Waa learns only from the recent past."
      : "6. Lag split: --max-lag must exceed 10 to say how much of dWaa comes from far back.",
    `7. Sweep: rescaling the tanh RNN's Waa from ρ = ${sw.rho[0]} to ${sw.rho[sw.rho.length - 1]} moves what reaches t = 1 ` +
      `from ${p(sw.log10Ratio[0])} to ${p(sw.log10Ratio[sw.log10Ratio.length - 1])}` +
      (sw.crossing === null ? "." : `; it neither vanishes nor explodes near ρ = ${sw.crossing.toFixed(2)}.`),
  ];
  return items.flatMap((text, i) => wrapText(text, SUMMARY_WIDTH, i === 0 ? "  " : "   "));
}

/** Width of the terminal summary's lines. */
const SUMMARY_WIDTH = 110;

/** Splits `text` at spaces into lines of at most `width` characters; lines after the first start with `indent`. */
export function wrapText(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (next.length > width && line.trim()) {
      out.push(line);
      line = indent + word;
    } else line = next;
  }
  if (line) out.push(line);
  return out;
}

/** Registers the command. */
export function explainCommand(): Command {
  return new Command("explain")
    .description("the thread's answer, measured: why an RNN over T steps behaves like a T-layer network (report.json, SVG/PNG figures, index.html)")
    .option("--T <steps>", "sequence length", "1000")
    .option("--hidden <H>", "hidden size", "32")
    .option("--seed <n>", "seed for inputs and weights", "1")
    .option("--t <step>", "the step whose chain rule is written out (1 <= t < T)", "1")
    .option("--forget-bias <b>", "the 4th model: an LSTM with bf + b (0 leaves it out)", "5")
    .option("--gru-variant <v>", "reset-after (PyTorch's nn.GRU) or reset-before (the course's)", "reset-after")
    .option("--max-lag <L>", "lags resolved one by one in the lag split; default min(T, 256)")
    .option("--svd-every <r>", "diagonalize the running product every r steps; default ceil(T / 1000)")
    .option("--twin <mode>", "auto|on|off: the untied deep twin (auto skips a model whose copies exceed 512 MiB)", "auto")
    .option("--out <dir>", "output folder", "out/explain")
    .addHelpText("after", `
Examples:
  rnnlab explain                          # T = 1000, H = 32: out/explain/{report.json,*.svg,*.png,index.html}
  rnnlab explain --T 10000 --t 5000       # longer; progress lines on stderr
  rnnlab explain --hidden 8 --forget-bias 0 --out /tmp/explain`)
    .action((raw: Record<string, unknown>) => runExplain(parseFlags(explainSchema, raw)));
}

function runExplain(f: ExplainFlags): void {
  float64For("explain");
  const t0 = performance.now();
  if (f.t < 1 || f.t >= f.T) throw new UsageError(`--t: ${f.t} is not allowed: expected an integer in [1, T-1] = [1, ${f.T - 1}]`);
  if (f.svdEvery !== undefined && f.svdEvery > f.T) throw new UsageError(`--svd-every: ${f.svdEvery} is not allowed: expected an integer in [1, T] = [1, ${f.T}]`);
  // T >= 10,000 takes minutes: a cli-progress bar on a terminal, plain lines otherwise (progress.ts)
  const bar = f.T >= 10_000 ? stageProgress() : null;
  const progress = bar ? bar.fn : noProgress;
  const report = computeExplain({ ...f }, progress);
  const figures = renderExplainFigures(report);
  const files: { path: string; data: string | Uint8Array }[] = [];
  const page: ReportFigure[] = [];
  figures.forEach((fig, i) => {
    progress(`figure ${fig.name} (SVG, PNG)`, i, figures.length);
    files.push({ path: `${fig.name}.svg`, data: fig.svg }, { path: `${fig.name}.png`, data: svgToPng(fig.svg) });
    const meta = FIGURES[i];
    report.figures.push({ name: fig.name, title: meta.title, svg: `${fig.name}.svg`, png: `${fig.name}.png` });
    page.push({ name: fig.name, title: meta.title, caption: meta.caption, svg: fig.svg });
  });
  const { T, H, seed } = report.setup;
  const html = reportHtml({
    title: `rnnlab explain: an RNN over ${T} steps is a ${T}-layer network`,
    setup: `T = ${T}, H = ${H}, I = ${EXPLAIN_I}, seed ${seed}; ${report.models.map((m) => m.label).join(", ")}; PyTorch's default init, the same inputs for every model.`,
    summary: report.summary,
    figures: page,
  });
  files.push({ path: "report.json", data: JSON.stringify(report) + "\n" }, { path: "index.html", data: html });
  makeDir("--out", f.out);
  bar?.stop();
  for (const file of files) writeFileAtomic(join(f.out, file.path), file.data);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write([...report.summary,
    `Wrote ${join(f.out, "index.html")} with ${figures.length} figures (.svg and .png beside it) and report.json in ${secs} s.`].join("\n") + "\n");
}
