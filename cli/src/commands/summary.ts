/**
 * `rnnlab summary DIR...`: what happened during a training run, read from its metrics.jsonl: the
 * moving-mean loss (first step below a threshold, final, best window) and, per block of steps, the
 * mean loss, the mean of log10‖dJ/da<1>‖ − log10‖dJ/da<T>‖ (how much of the last step's gradient
 * reaches the first step, from the ledger), the share of steps that clipped, skipped updates and
 * ρ(Waa) at the block's end. The README's training numbers are read with it. Reads a run's folder
 * (`rnnlab train --out`) or a sweep's or reproduction's folder (every runs/ID/), finished or not: a
 * run still training is read up to its last whole line.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Command } from "commander";
import { z } from "zod";
import { parseLayered } from "../config";
import { UsageError } from "../errors";
import { makeDir, writeFileAtomic } from "../files";
import { intFlag, numberText } from "../flags";
import { finiteLoss, gradRatio, readMetrics, type MetricsLine } from "../metrics-file";
import { decimate, forEachWindowMean, runStats } from "../sweep/collect";
import { buildTask } from "../train-run";
import type { TrainFlags } from "./train";

const summarySchema = z.object({
  block: intFlag(1, 1_000_000_000).optional(),
  window: intFlag(1, 1_000_000_000).optional(),
  below: numberText.refine((v) => v > 0, "expected a loss threshold > 0").optional(),
  json: z.boolean().default(false),
  out: z.string().optional(),
  figure: z.string().regex(/\.(svg|png)$/, "expected a file name ending in .svg or .png").optional(),
});
type SummaryFlags = z.output<typeof summarySchema>;

/** The window and threshold when neither the flags nor a plan give them (the sweeps' default window). */
export const SUMMARY_WINDOW = 100;

export function summaryCommand(): Command {
  return new Command("summary")
    .description("what happened during training runs: moving-mean loss, and per block of steps the loss, how much gradient reaches step 1, clipping and ρ(Waa) (gated cells: of the candidate's recurrent block)")
    .argument("<dir...>", "a run's folder (rnnlab train --out) or a sweep's or reproduction's folder (each runs/ID/)")
    .option("--block <n>", "steps per block (default: a round number that gives at most 15 blocks)")
    .option("--window <n>", `moving-mean window (default: the plan's success window, else ${SUMMARY_WINDOW})`)
    .option("--below <x>", "report the first step whose moving-mean loss is below x (default: the plan's success threshold, if any)")
    .option("--json", "print the summary as JSON")
    .option("--out <file>", "also write the JSON here (atomically)")
    .option("--figure <file>", "also draw every run's loss over its task's baseline and its gradient ratio, finished or not (.svg or .png)")
    .option("--config <file>", "JSON object of these options; flags given here win")
    .addHelpText("after", `
Examples:
  rnnlab summary out/train                             # one run of rnnlab train
  rnnlab summary out/reproduce/adding --block 2000     # every run of the reproduction, finished or not
  rnnlab summary out/train --below 0.01 --window 100 --json
  rnnlab summary out/reproduce/adding --figure out/adding-now.svg   # the loss-curves figure, runs still training included`)
    .action((dirs: string[], raw: Record<string, unknown>, cmd: Command) => runSummary(dirs, parseLayered(summarySchema, raw, cmd)));
}

export interface SummaryBlock {
  /** first and last step of the block (1-based, inclusive) */
  from: number;
  to: number;
  /** mean training loss over the block's finite losses (null when none is finite) */
  loss: number | null;
  /** mean over the block of log10‖dJ/da<1>‖ − log10‖dJ/da<T>‖ (null when the ledger was not recorded) */
  log10GradRatio: number | null;
  /** share of the block's steps whose gradient was clipped */
  clipped: number;
  /** updates skipped for a non-finite gradient */
  skipped: number;
  /** spectral radius of the recurrent matrix at the block's last step */
  rho: number | null;
}

export interface RunSummary {
  dir: string;
  /** the run's grid point and seed when a plan or result names them, else the folder's name */
  label: string;
  steps: number;
  window: number;
  below: number | null;
  /** first step at which the mean of the last `window` losses is below `below` */
  stepsToThreshold: number | null;
  /** mean of the last `window` losses */
  finalLoss: number | null;
  /** the lowest mean over `window` consecutive losses, and the step that window ends at */
  bestLoss: number | null;
  bestTo: number | null;
  block: number;
  blocks: SummaryBlock[];
  /** whether the run has finished (a sweep run's result file, a train folder's model.json); false: still training or interrupted */
  finished: boolean;
  /** the steps its plan asks for, when a sweep's plan or result says (null for a train folder) */
  plannedSteps: number | null;
}

/** A round block size (1, 2 or 5 times a power of 10) that splits `steps` into at most `most` blocks. */
export function roundBlock(steps: number, most = 15): number {
  for (let p = 1; ; p *= 10) for (const m of [1, 2, 5]) if (m * p * most >= steps) return m * p;
}

/** The summary of one run's metrics. */
export function summarizeMetrics(metrics: MetricsLine[], o: { dir: string; label: string; window: number; below: number | null; block?: number }): Omit<RunSummary, "finished" | "plannedSteps"> {
  const n = metrics.length;
  const losses = metrics.map(finiteLoss);
  const window = Math.max(1, Math.min(o.window, n));
  // without a threshold, below = -Infinity: runStats then still takes the final mean over `window`
  const s = runStats(losses, 1, { metric: "loss", below: o.below ?? -Infinity, window });
  // best window: over the windows without a non-finite loss, as runStats takes them
  let bestLoss: number | null = null, bestTo: number | null = null;
  forEachWindowMean(losses, window, (to, mean) => { if (bestLoss === null || mean < bestLoss) { bestLoss = mean; bestTo = to; } });
  const block = o.block ?? roundBlock(n);
  const blocks: SummaryBlock[] = [];
  for (let from = 0; from < n; from += block) {
    const to = Math.min(n, from + block);
    let ls = 0, ln = 0, rs = 0, rn = 0, clipped = 0, skipped = 0;
    let rho: number | null = null;
    for (let i = from; i < to; i++) {
      const m = metrics[i], v = losses[i];
      if (v !== null) { ls += v; ln++; }
      const g = gradRatio(m);
      if (g !== null) { rs += g; rn++; }
      if (m.clipped) clipped++;
      if (m.skipped) skipped++;
      if (typeof m.spectralRadius === "number") rho = m.spectralRadius;
    }
    blocks.push({ from: from + 1, to, loss: ln ? ls / ln : null, log10GradRatio: rn ? rs / rn : null, clipped: clipped / (to - from), skipped, rho });
  }
  return { dir: o.dir, label: o.label, steps: n, window, below: o.below, stepsToThreshold: s.stepsToThreshold, finalLoss: s.finalLoss, bestLoss, bestTo, block, blocks };
}

interface PlanInfo {
  labels: Map<string, string>;
  success: { metric: string; below: number; window: number } | null;
  /** the grid's axes (a run still training is labelled by them from its checkpoint) */
  axes: string[];
  /** each finished run's task baseline (for a loss/baseline criterion) */
  baselines: Map<string, number>;
  /** each run's planned steps (plan.json or its result), and the runs that have finished */
  planned: Map<string, number>;
  finished: Set<string>;
}

/** A JSON object from a file, or null when the file is missing, damaged or not an object (its run is then labelled by its id). */
function readObject(path: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(readFileSync(path, "utf8"));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * "cell=lstm T=200 seed 1": a sweep run by its grid point, plus its init when that is not the default
 * and not an axis (`reproduce --set init=glorot` runs beside the default's in one figure)
 */
const runLabel = (axes: string[], point: Record<string, unknown>, seed: unknown, flags?: { init?: unknown }) =>
  [...axes.map((k) => `${k}=${point[k]}`), ...(!axes.includes("init") ? initNote(flags) : []), `seed ${seed}`].join(" ");
const initNote = (flags?: { init?: unknown }) => (typeof flags?.init === "string" && flags.init !== "pytorch" ? [`init=${flags.init}`] : []);

/** Run labels, axes, baselines and the success criterion from a sweep's plan.json and its finished runs' results, when present. */
function readPlan(dir: string): PlanInfo {
  const info: PlanInfo = { labels: new Map(), success: null, axes: [], baselines: new Map(), planned: new Map(), finished: new Set() };
  type Steps = { flags?: { steps?: unknown; init?: unknown } };
  const p = readObject(join(dir, "plan.json")) as { grid?: { grid?: Record<string, unknown>; success?: PlanInfo["success"] }; runs?: ({ id: string; point: Record<string, unknown>; seed: number } & Steps)[] } | null;
  if (p) {
    const sc = p.grid?.success;
    info.success = sc && typeof sc.below === "number" && typeof sc.window === "number" ? sc : null;
    info.axes = Object.keys(p.grid?.grid ?? {});
    for (const r of Array.isArray(p.runs) ? p.runs : []) {
      if (!r?.id || !r.point) continue;
      info.labels.set(r.id, runLabel(Object.keys(r.point), r.point, r.seed, r.flags));
      if (typeof r.flags?.steps === "number") info.planned.set(r.id, r.flags.steps);
    }
  }
  // several processes may share a folder with different --only (each rewrites plan.json); the results name their own run
  const runs = join(dir, "runs");
  for (const f of existsSync(runs) ? readdirSync(runs) : []) {
    if (!f.endsWith(".json")) continue;
    const r = readObject(join(runs, f)) as ({ id?: string; point?: Record<string, unknown>; seed?: number; task?: { baseline?: number } } & Steps) | null;
    if (!r?.id || !r.point) continue;
    info.labels.set(r.id, runLabel(Object.keys(r.point), r.point, r.seed, r.flags));
    info.finished.add(r.id);
    if (typeof r.flags?.steps === "number") info.planned.set(r.id, r.flags.steps);
    if (typeof r.task?.baseline === "number") info.baselines.set(r.id, r.task.baseline);
  }
  return info;
}

/**
 * The flags a run's checkpoint was written with (its run key, kept as a JSON string and compared as
 * text when resuming), or null when there is no readable checkpoint (none, or replaced mid-read).
 */
function checkpointRunKey(dir: string): Record<string, unknown> | null {
  const c = readObject(join(dir, "checkpoint.json"));
  if (!c || typeof c.run !== "string") return null;
  try {
    const r: unknown = JSON.parse(c.run);
    return r && typeof r === "object" ? (r as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A run's own description from its checkpoint (a run still training): by the grid's axes when known, or null. */
function checkpointLabel(dir: string, axes: string[] = []): string | null {
  const run = checkpointRunKey(dir);
  if (!run) return null; // the id will do
  if (axes.length && axes.every((k) => k in run)) return runLabel(axes, run, run.seed, run);
  // a train folder: its task, cell and sizes, and its init when not the default
  return [`${run.task} ${run.cell} T=${run.T} H=${run.hidden}`, ...initNote(run), `seed ${run.seed}`].join(" ");
}

/** The runs a folder holds: itself when it has metrics.jsonl, else every runs/ID/ with one. */
export function findRuns(dir: string): { dir: string; label: string; plan: PlanInfo | null }[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: ${existsSync(dir) ? "not a folder" : "no such folder"}`);
  if (existsSync(join(dir, "metrics.jsonl"))) {
    // one run of a sweep (SWEEP/runs/ID): its label and success criterion from the sweep's files
    const sweep = basename(dirname(resolve(dir))) === "runs" ? readPlan(dirname(dirname(resolve(dir)))) : null;
    return [{ dir, label: sweep?.labels.get(basename(resolve(dir))) ?? checkpointLabel(dir, sweep?.axes) ?? basename(dir), plan: sweep }];
  }
  const runs = join(dir, "runs");
  const ids = existsSync(runs) ? readdirSync(runs).filter((id) => existsSync(join(runs, id, "metrics.jsonl"))).sort() : [];
  if (!ids.length) throw new UsageError(`${dir}: holds neither metrics.jsonl nor runs/ID/metrics.jsonl (a folder written by rnnlab train, sweep or reproduce)`);
  const plan = readPlan(dir);
  return ids.map((id) => ({ dir: join(runs, id), label: plan.labels.get(id) ?? checkpointLabel(join(runs, id), plan.axes) ?? id, plan }))
    .sort((a, b) => a.label.localeCompare(b.label, "en", { numeric: true }));
}

async function runSummary(dirs: string[], f: SummaryFlags): Promise<void> {
  const runs: RunSummary[] = [];
  const drawn: FigureRun[] = [];
  for (const d of dirs) {
    const from = runs.length;
    for (const r of findRuns(d)) {
      const metrics = readMetrics(join(r.dir, "metrics.jsonl"));
      if (f.figure) drawn.push(figureRun(r.dir, r.label, metrics, r.plan?.baselines.get(basename(resolve(r.dir)))));
      const sc = r.plan?.success ?? null;
      // a loss/baseline criterion becomes a loss threshold with the run's baseline (known once it has finished)
      const baseline = r.plan?.baselines.get(basename(resolve(r.dir)));
      const planBelow = !sc ? null : sc.metric === "loss" ? sc.below : sc.metric === "loss/baseline" && baseline !== undefined ? sc.below * baseline : null;
      const id = basename(resolve(r.dir));
      runs.push({
        ...summarizeMetrics(metrics, {
          dir: r.dir, label: r.label, block: f.block,
          window: f.window ?? sc?.window ?? SUMMARY_WINDOW,
          below: f.below ?? planBelow,
        }),
        // a sweep run's result, or (a train folder, wherever it sits) its model.json
        finished: !!r.plan?.finished.has(id) || existsSync(join(r.dir, "model.json")),
        plannedSteps: r.plan?.planned.get(id) ?? null,
      });
    }
    // runs of one label (a 30,000-step run and its continuation) in the order of their steps
    const group = runs.splice(from).sort((a, b) => a.label.localeCompare(b.label, "en", { numeric: true }) || a.steps - b.steps);
    runs.push(...group);
  }
  const json = JSON.stringify({ format: "rnnlab-run-summary", version: 1, runs }, null, 1) + "\n";
  if (f.out) writeFileAtomic(f.out, json);
  if (f.figure) await writeFigure(f.figure, drawn, dirs);
  process.stdout.write(f.json ? json : runs.map(formatRun).join("\n"));
}

const fix = (v: number | null, d: number) => (v === null ? "-" : v.toFixed(d));
const lossText = (v: number | null) => (v === null ? "-" : v >= 0.01 ? v.toFixed(4) : v.toPrecision(2));
const stepText = (v: number) => v.toLocaleString("en-US");

/** The text report of one run. */
export function formatRun(r: RunSummary): string {
  const so = r.finished ? "" : ` so far${r.plannedSteps === null ? "" : ` of ${stepText(r.plannedSteps)}`} (still training, or interrupted)`;
  const out = [`${r.label} (${r.dir}): ${stepText(r.steps)} step${r.steps === 1 ? "" : "s"}${so}`];
  if (r.steps === 0) return out.join("\n") + "\n";
  const w = `${r.window}-step mean loss`;
  const parts = [`final ${lossText(r.finalLoss)}`, `best ${lossText(r.bestLoss)}${r.bestTo === null ? "" : ` (steps ${stepText(r.bestTo - r.window + 1)}–${stepText(r.bestTo)})`}`];
  if (r.below !== null) parts.unshift(r.stepsToThreshold === null ? `never below ${r.below}` : `first below ${r.below} at step ${stepText(r.stepsToThreshold)}`);
  out.push(`  ${w}: ${parts.join("; ")}`);
  out.push(`  ${"steps".padStart(17)}  ${"mean loss".padStart(9)}  ${"log10 ‖dJ/da<1>‖/‖dJ/da<T>‖".padStart(28)}  ${"clipped".padStart(7)}  ${"skipped".padStart(7)}  ${"ρ(Waa)".padStart(7)}`);
  for (const b of r.blocks) {
    out.push(`  ${`${stepText(b.from)}–${stepText(b.to)}`.padStart(17)}  ${lossText(b.loss).padStart(9)}  ${fix(b.log10GradRatio, 2).padStart(28)}  ${`${Math.round(100 * b.clipped)}%`.padStart(7)}  ${String(b.skipped).padStart(7)}  ${fix(b.rho, 3).padStart(7)}`);
  }
  return out.join("\n") + "\n";
}

/** One run in summary's figure: its curves as bucket means, or why it is left out. */
interface FigureRun { label: string; cell: string; steps: number; curves: { step: number[]; ratio: (number | null)[]; gradRatio: (number | null)[] } | null; why: string }

/**
 * A run's loss over its task's baseline and its gradient ratio, as bucket means (collect's decimate).
 * The baseline is its sweep result's, or else its task's from the checkpoint's run key (task and T).
 */
function figureRun(dir: string, label: string, metrics: MetricsLine[], planBaseline: number | undefined): FigureRun {
  const key = checkpointRunKey(dir);
  let baseline = planBaseline;
  if (baseline === undefined && key && typeof key.task === "string" && typeof key.T === "number") {
    try {
      baseline = buildTask({ task: key.task as TrainFlags["task"], T: key.T }).baseline;
    } catch {
      baseline = undefined;
    }
  }
  // the colour: the cell's, or its variant's when the init is not the default (Glorot's runs beside PyTorch's)
  const cell = (typeof key?.cell === "string" ? key.cell : label) + (initNote(key ?? undefined).length ? "Variant" : "");
  if (baseline === undefined || !(baseline > 0)) return { label, cell, steps: metrics.length, curves: null, why: "its task's baseline is unknown (no checkpoint or result)" };
  if (!metrics.length) return { label, cell, steps: 0, curves: null, why: "it has no step yet" };
  const loss = decimate(metrics.map(finiteLoss)), grad = decimate(metrics.map(gradRatio));
  const b = baseline;
  return { label, cell, steps: metrics.length, curves: { step: loss.step, ratio: loss.loss.map((v) => (v === null ? null : v / b)), gradRatio: grad.loss }, why: "" };
}

/** Loaded only with --figure: the figure libraries (d3, resvg) would slow every summary's start. */
async function writeFigure(path: string, runs: FigureRun[], dirs: string[]): Promise<void> {
  const [{ lossCurvesFigure }, { svgToPng }] = await Promise.all([import("../figures/loss-curves"), import("../figures/png")]);
  for (const r of runs) if (!r.curves) process.stderr.write(`rnnlab summary: ${r.label} is not in the figure: ${r.why}\n`);
  const shown = runs.filter((r) => r.curves);
  if (!shown.length) throw new UsageError(`--figure: no run can be drawn`);
  const where = dirs.join(", "); // too long for the subtitle beyond 70 characters
  const svg = lossCurvesFigure({
    what: `rnnlab summary of ${where.length > 70 ? `${dirs.length} folders` : where}, ${shown.length} run${shown.length === 1 ? "" : "s"}, finished or not`,
    series: shown.map((r) => ({ key: r.cell, label: `${r.label}, ${stepText(r.steps)} steps`, runs: [{ seed: 0, ...r.curves! }] })),
  });
  makeDir("--figure", dirname(path) || ".");
  writeFileAtomic(path, path.endsWith(".png") ? svgToPng(svg) : svg);
}
