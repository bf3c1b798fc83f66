/**
 * The runs of a reproduction grouped by their grid point (for example cell × T), each group with its
 * seeds' statistics and loss curves: the shared body of adding.json and copy.json.
 */
import type { ReproduceContext } from "./reproduction";

export interface GroupedRun {
  seed: number;
  id: string;
  steps: number;
  finalLoss: number | null;
  finalMetric: number | null;
  stepsToThreshold: number | null;
  solved: boolean | null;
  diverged: boolean;
  /** bucket means of the training loss (at most 500 points) */
  curve: { step: number[]; loss: (number | null)[] };
}

export interface RunGroup {
  point: Record<string, unknown>;
  label: string;
  /** the task's baseline loss (copy: depends on T) */
  baseline: number;
  runs: GroupedRun[];
  solved: number;
  medianStepsToThreshold: number | null;
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Groups the finished runs by grid point, in plan order. */
export function groupRuns(ctx: ReproduceContext): RunGroup[] {
  const { collected } = ctx;
  const curves = collected.curves.runs;
  const groups = new Map<string, RunGroup>();
  for (const row of collected.summary.runs) {
    const label = Object.entries(row.point).map(([k, v]) => `${k}=${String(v)}`).join(" ");
    let g = groups.get(label);
    const res = collected.results[row.index]!;
    if (!g) groups.set(label, (g = { point: row.point, label, baseline: res.task.baseline, runs: [], solved: 0, medianStepsToThreshold: null }));
    const c = curves.find((x) => x.id === row.id)!;
    g.runs.push({ seed: row.seed, id: row.id, steps: row.steps, finalLoss: row.finalLoss, finalMetric: row.finalMetric, stepsToThreshold: row.stepsToThreshold,
      solved: row.solved, diverged: row.diverged, curve: { step: c.step, loss: c.loss } });
  }
  for (const g of groups.values()) {
    g.solved = g.runs.filter((r) => r.solved === true).length;
    g.medianStepsToThreshold = median(g.runs.flatMap((r) => (r.stepsToThreshold === null ? [] : [r.stepsToThreshold])));
  }
  return [...groups.values()];
}

/** "1830 2410 -" : steps to threshold per seed. */
export function stepsText(g: RunGroup): string {
  return g.runs.map((r) => (r.stepsToThreshold === null ? "-" : String(r.stepsToThreshold))).join(" ");
}

/** "0.0021 0.0034 0.0019" : final losses per seed. */
export function lossText(g: RunGroup): string {
  return g.runs.map((r) => (r.finalLoss === null ? "nan" : r.finalLoss.toPrecision(3))).join(" ");
}
