/**
 * `rnnlab sweep --collect`: merges the run files DIR/runs/<id>.json of a plan into
 *   DIR/summary.json     one row per run, in plan order (fields below), plus the grid;
 *   DIR/summary.csv      the same rows as a table;
 *   DIR/success-rate.json  the fraction of seeds solved against T, one series per combination of the
 *                        other grid keys (for example one per cell): the data of Pascanu et al.'s Fig. 7;
 *   DIR/curves.json      each run's loss curve, as bucket means (at most CURVE_POINTS points), its
 *                        task's baseline loss, and its gradient ratio log10‖dJ/da<1>‖ − log10‖dJ/da<T>‖
 *                        over the same buckets (read from runs/<id>/metrics.jsonl);
 *   DIR/loss-curves.svg/.png  those curves divided by the task's baseline, one colour per grid point,
 *                        and below them the gradient ratios.
 * All of them are functions of the plan and the run files only (no times, no paths), so a sweep run
 * locally and the same sweep run as an array job give the same bytes.
 */
import { successRateFigure, type SuccessRateData } from "../figures/success-rate";
import { lossCurvesFigure, type LossCurvesData } from "../figures/loss-curves";
import { svgToPng } from "../figures/png";
import { join } from "node:path";
import { writeFileAtomic } from "../files";
import { DEFAULT_WINDOW, describePoint, describeRun, type Grid, type Plan, type SuccessSpec } from "./grid";
import { existsSync } from "node:fs";
import { gradRatio, readMetrics } from "../metrics-file";
import { readResult, runDir, type RunResult } from "./run";

/** One row of the summary. */
export interface SummaryRow {
  index: number;
  id: string;
  point: Record<string, unknown>;
  seed: number;
  task: string;
  T: number;
  steps: number;
  /** mean training loss over the last `window` steps (null when not finite) */
  finalLoss: number | null;
  /** the loss of the last step */
  lastLoss: number | null;
  /** finalLoss in the success metric's units (loss, or loss / the task's baseline) */
  finalMetric: number | null;
  /** first step at which the moving mean of the metric was below the threshold; null if never (or no criterion) */
  stepsToThreshold: number | null;
  /** the final moving mean is below the threshold; null without a criterion */
  solved: boolean | null;
  diverged: boolean;
  skippedUpdates: number;
}

export interface Summary {
  format: "rnnlab-sweep-summary";
  version: 1;
  grid: Grid;
  /** the moving-mean window used for finalLoss and the success metric */
  window: number;
  runs: SummaryRow[];
  /** plan indices of runs without a result file */
  missing: number[];
  complete: boolean;
}

export interface SuccessPoint {
  T: number;
  runs: number;
  solved: number;
  rate: number | null;
  /** median stepsToThreshold over the runs that reached it */
  medianStepsToThreshold: number | null;
}

export interface SuccessRate {
  format: "rnnlab-success-rate";
  version: 1;
  x: "T";
  success: SuccessSpec | null;
  series: { key: Record<string, unknown>; label: string; points: SuccessPoint[] }[];
}

export const CURVE_POINTS = 500;

/**
 * Calls f(to, mean) for every window of `window` consecutive steps ending at step `to` (1-based, in
 * order) that holds no null loss. The sliding sum is compensated (Neumaier's variant of Kahan's): a
 * plain running sum keeps the rounding of every value that passed through it, so one early loss of
 * 3e14 left a later window of 0.002s reading below 0 (found by a review); the compensation keeps the
 * error near 2^-53 of the window's own sum plus n·2^-106 of all the values seen.
 */
export function forEachWindowMean(losses: readonly (number | null)[], window: number, f: (to: number, mean: number) => void): void {
  let sum = 0, c = 0, bad = 0;
  const add = (v: number) => {
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  };
  for (let i = 0; i < losses.length; i++) {
    const v = losses[i];
    if (v === null) bad++; else add(v);
    if (i >= window) { const u = losses[i - window]; if (u === null) bad--; else add(-u); }
    if (i + 1 >= window && bad === 0) f(i + 1, (sum + c) / window);
  }
}

/** Moving-mean statistics of one run's losses under a success criterion. */
export function runStats(losses: (number | null)[], baseline: number, success: SuccessSpec | null): Pick<SummaryRow, "finalLoss" | "lastLoss" | "finalMetric" | "stepsToThreshold" | "solved"> {
  const n = losses.length;
  const window = Math.max(1, Math.min(success?.window ?? DEFAULT_WINDOW, n));
  const scale = success?.metric === "loss/baseline" ? 1 / baseline : 1;
  let stepsToThreshold: number | null = null;
  if (success) forEachWindowMean(losses, window, (to, mean) => { if (stepsToThreshold === null && mean * scale < success.below) stepsToThreshold = to; });
  // the final mean again, summed afresh so that it does not carry the running sum's rounding
  let fin = 0, finBad = false;
  for (let i = n - window; i < n; i++) { const v = losses[i]; if (v === null) finBad = true; else fin += v; }
  const finalLoss = n === 0 || finBad ? null : fin / window;
  const finalMetric = finalLoss === null ? null : finalLoss * scale;
  return {
    finalLoss,
    lastLoss: n ? losses[n - 1] : null,
    finalMetric,
    stepsToThreshold,
    solved: success ? finalMetric !== null && finalMetric < success.below : null,
  };
}

/** Bucket means of a loss curve: at most `points` points, each at the bucket's last step. */
export function decimate(losses: (number | null)[], points = CURVE_POINTS): { step: number[]; loss: (number | null)[] } {
  const k = Math.max(1, Math.ceil(losses.length / points));
  const step: number[] = [], loss: (number | null)[] = [];
  for (let s = 0; s < losses.length; s += k) {
    const e = Math.min(losses.length, s + k);
    let sum = 0, bad = false;
    for (let i = s; i < e; i++) { const v = losses[i]; if (v === null) bad = true; else sum += v; }
    step.push(e);
    loss.push(bad ? null : sum / (e - s));
  }
  return { step, loss };
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The summary rows, success rates and curves of a plan, from the run files in `dir`. */
/**
 * One run's entry in curves.json: its loss curve as bucket means, its task's baseline loss, and the
 * bucket means of log10‖dJ/da<1>‖ − log10‖dJ/da<T>‖ over the same steps (from the run's metrics.jsonl;
 * null when that file is gone or the ledger was not recorded).
 */
export interface CurveRun {
  index: number; id: string; label: string; point: Record<string, unknown>; seed: number;
  baseline: number; step: number[]; loss: (number | null)[]; gradRatio: (number | null)[] | null;
}

/** A finished run's per-step gradient ratios from its metrics.jsonl, or null. */
function runGradRatios(dir: string, id: string, steps: number): (number | null)[] | null {
  const path = join(runDir(dir, id), "metrics.jsonl");
  if (!existsSync(path)) return null;
  let r: (number | null)[];
  try {
    r = readMetrics(path).slice(0, steps).map(gradRatio);
  } catch {
    return null; // a damaged metrics file costs that run its gradient curve, not the collection
  }
  return r.length === steps && r.some((v) => v !== null) ? r : null;
}
export interface Curves { format: "rnnlab-sweep-curves"; version: 1; runs: CurveRun[] }

export function collect(dir: string, plan: Plan): { summary: Summary; successRate: SuccessRate; curves: Curves; results: (RunResult | null)[] } {
  const { grid } = plan;
  const results = plan.runs.map((r) => readResult(dir, r));
  const rows: SummaryRow[] = [];
  const missing: number[] = [];
  plan.runs.forEach((run, i) => {
    const res = results[i];
    if (!res) { missing.push(run.index); return; }
    rows.push({
      index: run.index, id: run.id, point: run.point, seed: run.seed, task: res.task.name, T: run.flags.T,
      steps: res.steps, ...runStats(res.losses, res.task.baseline, grid.success), diverged: res.diverged !== null, skippedUpdates: res.skippedUpdates,
    });
  });
  const summary: Summary = {
    format: "rnnlab-sweep-summary", version: 1, grid, window: grid.success?.window ?? DEFAULT_WINDOW,
    runs: rows, missing, complete: missing.length === 0,
  };
  // success rate against T: one series per combination of the grid's other keys
  const otherKeys = Object.keys(grid.grid).filter((k) => k !== "T");
  const series = new Map<string, { key: Record<string, unknown>; label: string; byT: Map<number, SummaryRow[]> }>();
  for (const row of rows) {
    const key: Record<string, unknown> = {};
    for (const k of otherKeys) key[k] = row.point[k];
    const label = otherKeys.map((k) => `${k}=${String(key[k])}`).join(" ") || "all";
    let s = series.get(label);
    if (!s) series.set(label, (s = { key, label, byT: new Map() }));
    const list = s.byT.get(row.T) ?? [];
    list.push(row);
    s.byT.set(row.T, list);
  }
  const successRate: SuccessRate = {
    format: "rnnlab-success-rate", version: 1, x: "T", success: grid.success,
    series: [...series.values()].map((s) => ({
      key: s.key, label: s.label,
      points: [...s.byT.entries()].sort((a, b) => a[0] - b[0]).map(([T, rs]) => {
        const solved = rs.filter((r) => r.solved === true).length;
        return {
          T, runs: rs.length, solved, rate: grid.success ? solved / rs.length : null,
          medianStepsToThreshold: median(rs.flatMap((r) => (r.stepsToThreshold === null ? [] : [r.stepsToThreshold]))),
        };
      }),
    })),
  };
  const curves: Curves = {
    format: "rnnlab-sweep-curves", version: 1,
    runs: plan.runs.flatMap((run, i) => {
      const res = results[i];
      if (!res) return [];
      const ratios = runGradRatios(dir, run.id, res.losses.length);
      return [{
        index: run.index, id: run.id, label: describeRun(run.point, run.seed), point: run.point, seed: run.seed, baseline: res.task.baseline,
        ...decimate(res.losses), gradRatio: ratios && decimate(ratios).loss,
      }];
    }),
  };
  return { summary, successRate, curves, results };
}

/** A CSV field: quoted when it holds a comma, a quote or a newline. */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The summary as CSV: index, id, the grid keys, seed, and the statistics. */
export function summaryCsv(summary: Summary): string {
  const keys = Object.keys(summary.grid.grid);
  const withT = !keys.includes("T");
  const head = ["index", "id", ...keys, "seed", "task", ...(withT ? ["T"] : []), "steps", "final_loss", "final_metric", "steps_to_threshold", "solved", "diverged"];
  const lines = [head.join(",")];
  for (const r of summary.runs) {
    lines.push([r.index, r.id, ...keys.map((k) => r.point[k]), r.seed, r.task, ...(withT ? [r.T] : []), r.steps, r.finalLoss, r.finalMetric, r.stepsToThreshold, r.solved, r.diverged].map(csvField).join(","));
  }
  return lines.join("\n") + "\n";
}

/** The figure's data from success-rate.json: series keyed by their cell when they have one. */
export function successRateData(sr: SuccessRate, note = ""): SuccessRateData {
  const criterion = (sr.success ? `${sr.success.metric} below ${sr.success.below}` : "no criterion: final loss") + note;
  return {
    criterion,
    series: sr.series.map((s) => ({ key: String(s.key.cell ?? s.label), label: s.label, points: s.points.map((p) => ({ T: p.T, rate: p.rate })) })),
  };
}

/**
 * Writes summary.json, summary.csv, success-rate.json (and its figure, .svg and .png), curves.json and
 * the loss-curves figure (.svg, .png) into `dir`, from `c` (read now unless given: a caller that has
 * already decided from one reading passes it, so runs finishing meanwhile cannot make the two disagree).
 * While runs are missing, both figures say how many of the plan's runs they show.
 */
export function writeCollected(dir: string, plan: Plan, c: ReturnType<typeof collect> = collect(dir, plan)): ReturnType<typeof collect> {
  writeFileAtomic(join(dir, "summary.json"), JSON.stringify(c.summary, null, 1) + "\n");
  writeFileAtomic(join(dir, "summary.csv"), summaryCsv(c.summary));
  writeFileAtomic(join(dir, "success-rate.json"), JSON.stringify(c.successRate, null, 1) + "\n");
  writeFileAtomic(join(dir, "curves.json"), JSON.stringify(c.curves) + "\n");
  const total = plan.runs.length, done = total - c.summary.missing.length;
  const partial = c.summary.complete ? "" : `partial: ${done} of ${total} runs finished`;
  if (c.successRate.series.length) {
    const svg = successRateFigure(successRateData(c.successRate, partial && `; ${partial}`));
    writeFileAtomic(join(dir, "success-rate.svg"), svg);
    writeFileAtomic(join(dir, "success-rate.png"), svgToPng(svg));
  }
  const lc = lossCurvesData(c.curves, (plan.grid.description ?? "sweep") + (partial && `; ${partial}`));
  if (lc.series.length) {
    const svg = lossCurvesFigure(lc);
    writeFileAtomic(join(dir, "loss-curves.svg"), svg);
    writeFileAtomic(join(dir, "loss-curves.png"), svgToPng(svg));
  }
  return c;
}

/**
 * The loss-curves figure's data: curves.json's runs divided by their task's baseline, grouped by grid
 * point (seeds together) in the plan's order.
 */
export function lossCurvesData(curves: Curves, description: string | null): LossCurvesData {
  const series: LossCurvesData["series"] = [];
  const byLabel = new Map<string, LossCurvesData["series"][number]>();
  for (const r of curves.runs) {
    if (!(r.baseline > 0)) continue;
    const label = describePoint(r.point) || "every run";
    let s = byLabel.get(label);
    if (!s) {
      s = { key: String(r.point.cell ?? label), label, runs: [] };
      byLabel.set(label, s);
      series.push(s);
    }
    s.runs.push({ seed: r.seed, step: r.step, ratio: r.loss.map((v) => (v === null ? null : v / r.baseline)), gradRatio: r.gradRatio ?? null });
  }
  return { what: description ?? "sweep", series };
}

/** A few lines for the terminal: success rate (or final loss) per series and T. */
export function summaryLines(c: ReturnType<typeof collect>): string[] {
  const out: string[] = [];
  const { summary, successRate } = c;
  const sc = summary.grid.success;
  out.push(sc ? `success: mean ${sc.metric} over the last ${sc.window} steps < ${sc.below}` : `no success criterion; final loss = mean over the last ${summary.window} steps`);
  for (const s of successRate.series) {
    for (const p of s.points) {
      const rows = summary.runs.filter((r) => r.T === p.T && Object.entries(s.key).every(([k, v]) => r.point[k] === v));
      const losses = rows.map((r) => (r.finalLoss === null ? "nan" : r.finalLoss.toPrecision(4))).join(" ");
      out.push(`  ${s.label.padEnd(24)} T=${String(p.T).padEnd(6)} ${sc ? `solved ${p.solved}/${p.runs}` : `${p.runs} runs`}${p.medianStepsToThreshold !== null ? `, median steps to threshold ${p.medianStepsToThreshold}` : ""}; final loss ${losses}`);
    }
  }
  if (!summary.complete) out.push(`  missing: ${summary.missing.length} of ${summary.missing.length + summary.runs.length} runs have no result yet (plan indices ${summary.missing.slice(0, 10).join(", ")}${summary.missing.length > 10 ? ", ..." : ""})`);
  return out;
}
