/**
 * The grid file of `rnnlab sweep` and its expansion into a plan: a list of runs, each a complete set
 * of `rnnlab train` options with an id derived from its content.
 *
 * ```json
 * {
 *   "description": "Pascanu et al. Fig. 7: success rate against T",      (optional, free text)
 *   "base":  { "task": "adding", "hidden": 32, "batch": 20, "optimizer": "rmsprop", "lr": 1e-3, "clip-norm": 1 },
 *   "grid":  { "cell": ["rnn", "lstm"], "T": [20, 50] },
 *   "seeds": [1, 2, 3],                                                  (default [1])
 *   "steps": 2000,                                                       (optional; same as base.steps)
 *   "success": { "metric": "loss", "below": 0.01, "window": 100 }       (optional)
 * }
 * ```
 * `base` holds any `rnnlab train` option (keys as the flags, or camelCase) except out, quiet, resume
 * and config; `grid` maps any of those except seed and save-every to a non-empty list of values.
 * The runs are the Cartesian product of the grid's lists (the first key varies slowest) times the
 * seeds (innermost), each validated as `rnnlab train` validates its flags. A run's id is the first 12
 * hex digits of the SHA-256 of its options (save-every excluded: it changes no result), so the same
 * configuration has the same id in every plan, and no two runs of a plan share one.
 *
 * `success`: a run's metric is the mean over the last `window` steps (default 100, or all steps when
 * fewer) of the training loss ("loss") or of the loss divided by the task's baseline ("loss/baseline").
 * `stepsToThreshold` is the first step at which that moving mean is below `below` (null if never);
 * `solved` is whether the final one is.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { trainSchema, type TrainFlags } from "../commands/train";
import { normalizeKeys, parseConfigValues, readJsonObject } from "../config";
import { UsageError } from "../errors";
import { setupTraining } from "../train-run";

/** Train options a grid may set in `base`. */
export const BASE_KEYS: readonly string[] = Object.keys(trainSchema.shape).filter((k) => !["out", "quiet", "resume"].includes(k));
/** Train options a grid may vary in `grid`. */
export const GRID_KEYS: readonly string[] = BASE_KEYS.filter((k) => !["seed", "saveEvery"].includes(k));
/** Options that change no result, left out of a run's id. */
const NOT_IN_ID = ["saveEvery"];

export type SuccessMetric = "loss" | "loss/baseline";
export interface SuccessSpec {
  metric: SuccessMetric;
  below: number;
  window: number;
}
/** The moving-mean window of `finalLoss` when the grid sets no success criterion. */
export const DEFAULT_WINDOW = 100;

/** A grid file after checking: keys normalized to option names, defaults filled in. */
export interface Grid {
  description: string | null;
  base: Record<string, unknown>;
  grid: Record<string, unknown[]>;
  seeds: number[];
  steps: number | null;
  success: SuccessSpec | null;
}

/** The run options stored in a plan: train's validated flags without out, quiet and resume. */
export type RunFlags = Omit<TrainFlags, "out" | "quiet" | "resume">;

export interface PlannedRun {
  index: number;
  id: string;
  /** the grid values of this run ({} for a grid without keys) */
  point: Record<string, unknown>;
  seed: number;
  flags: RunFlags;
}

export interface Plan {
  format: "rnnlab-sweep-plan";
  version: 1;
  grid: Grid;
  runs: PlannedRun[];
}

const successSchema = z.strictObject({
  metric: z.enum(["loss", "loss/baseline"]),
  below: z.number().refine((v) => Number.isFinite(v) && v > 0, "expected a finite number > 0"),
  window: z.number().int().min(1).max(1_000_000).default(DEFAULT_WINDOW),
});

const fileSchema = z.strictObject({
  description: z.string().optional(),
  base: z.record(z.string(), z.unknown()).default({}),
  grid: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1, "expected a non-empty list of values")).default({}),
  seeds: z.array(z.number().int().min(0).max(2 ** 32 - 1)).min(1, "expected at least one seed").max(10_000).default([1]),
  steps: z.number().int().min(1).max(100_000_000).optional(),
  success: successSchema.optional(),
});

/** Largest number of runs one grid may expand to. */
export const MAX_RUNS = 100_000;

/** Checks a grid object (from a file, or built by `reproduce`); `where` names it in errors. */
export function parseGrid(obj: Record<string, unknown>, where: string): Grid {
  const r = fileSchema.safeParse(obj);
  if (!r.success) {
    const issue = r.error.issues[0];
    if (issue.code === "unrecognized_keys") throw new UsageError(`${where}: unknown key "${issue.keys[0]}"; allowed keys: description, base, grid, seeds, steps, success`);
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
    throw new UsageError(`${where}: ${path || "the file"}: ${issue.message}`);
  }
  const g = r.data;
  const base = normalizeKeys(g.base, BASE_KEYS, `${where}: base`);
  const grid = normalizeKeys(g.grid, GRID_KEYS, `${where}: grid`) as Record<string, unknown[]>;
  if (g.steps !== undefined && "steps" in base) throw new UsageError(`${where}: set "steps" once, either at the top or in base`);
  if (g.steps !== undefined && "steps" in grid) throw new UsageError(`${where}: "steps" is both a top-level value and a grid key`);
  for (const [k, vs] of Object.entries(grid)) {
    if (k in base) throw new UsageError(`${where}: "${k}" is in both base and grid; keep it in one place`);
    const seen = new Set<string>();
    for (const v of vs) {
      const key = String(v);
      if (seen.has(key)) throw new UsageError(`${where}: grid.${k} lists ${JSON.stringify(v)} twice`);
      seen.add(key);
    }
  }
  if ("seed" in base) throw new UsageError(`${where}: base.seed: give the seeds as "seeds": [${String(base.seed)}]`);
  if (new Set(g.seeds).size !== g.seeds.length) throw new UsageError(`${where}: seeds: a seed is listed twice`);
  const count = Object.values(grid).reduce((n, vs) => n * vs.length, 1) * g.seeds.length;
  if (count > MAX_RUNS) throw new UsageError(`${where}: the grid expands to ${count} runs; at most ${MAX_RUNS} allowed`);
  return { description: g.description ?? null, base, grid, seeds: g.seeds, steps: g.steps ?? null, success: g.success ?? null };
}

/** Reads and checks a grid file. */
export function readGrid(path: string): Grid {
  return parseGrid(readJsonObject("--grid", path), path);
}

/** JSON with object keys sorted at every depth: the canonical text a run id hashes. */
export function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJSON((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** The content-derived id of a run. */
export function runId(flags: RunFlags): string {
  const keyed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) if (!NOT_IN_ID.includes(k)) keyed[k] = v;
  return createHash("sha256").update("rnnlab-sweep-run/1\n" + canonicalJSON(keyed)).digest("hex").slice(0, 12);
}

/** "cell=lstm T=100" ("" for an empty point) */
export function describePoint(point: Record<string, unknown>): string {
  return Object.entries(point).map(([k, v]) => `${k}=${String(v)}`).join(" ");
}

/** "cell=lstm T=100 seed=2" */
export function describeRun(point: Record<string, unknown>, seed: number): string {
  const p = describePoint(point);
  return p ? `${p} seed=${seed}` : `seed=${seed}`;
}

/** Expands the grid into runs, each validated as `rnnlab train` would validate it. */
export function expandGrid(grid: Grid, where: string): Plan {
  const keys = Object.keys(grid.grid);
  const points: Record<string, unknown>[] = [];
  const walk = (i: number, acc: Record<string, unknown>) => {
    if (i === keys.length) { points.push({ ...acc }); return; }
    for (const v of grid.grid[keys[i]]) walk(i + 1, { ...acc, [keys[i]]: v });
  };
  walk(0, {});
  const runs: PlannedRun[] = [];
  const ids = new Map<string, number>();
  for (const point of points) {
    for (const seed of grid.seeds) {
      const index = runs.length;
      const label = `${where}: run ${index} (${describeRun(point, seed)})`;
      const values: Record<string, unknown> = { ...grid.base, ...point, seed };
      if (grid.steps !== null) values.steps = grid.steps;
      const parsed = parseConfigValues(trainSchema, values, label);
      const { out: _o, quiet: _q, resume: _r, ...flags } = parsed;
      try {
        setupTraining(parsed);
      } catch (e) {
        if (e instanceof UsageError) throw new UsageError(`${label}: ${e.message}`);
        throw e;
      }
      const id = runId(flags);
      const dup = ids.get(id);
      if (dup !== undefined) throw new UsageError(`${label} has the same options as run ${dup}; a grid must not repeat a configuration`);
      ids.set(id, index);
      runs.push({ index, id, point, seed, flags });
    }
  }
  return { format: "rnnlab-sweep-plan", version: 1, grid, runs };
}

/** Checks a plan.json read back from disk (written by `expandGrid`); `where` names the file. */
export function checkPlan(v: unknown, where: string): Plan {
  const p = v as Partial<Plan> | null;
  if (!p || p.format !== "rnnlab-sweep-plan" || p.version !== 1 || !Array.isArray(p.runs) || !p.grid) {
    throw new UsageError(`${where}: not a plan written by rnnlab sweep --plan (format rnnlab-sweep-plan, version 1)`);
  }
  const runs = p.runs.map((r, i): PlannedRun => {
    if (!r || r.index !== i || typeof r.id !== "string" || typeof r.seed !== "number" || !r.flags || typeof r.flags !== "object" || !r.point || typeof r.point !== "object") {
      throw new UsageError(`${where}: runs[${i}] is malformed`);
    }
    // the options are validated again, and must still hash to the run's id
    const { out: _o, quiet: _q, resume: _r, ...flags } = parseConfigValues(trainSchema, r.flags as Record<string, unknown>, `${where}: runs[${i}].flags`);
    if (runId(flags) !== r.id) throw new UsageError(`${where}: runs[${i}] has id ${r.id}, but its options hash to ${runId(flags)}`);
    return { index: i, id: r.id, point: r.point, seed: r.seed, flags };
  });
  const g = p.grid as unknown as Record<string, unknown>;
  const grid = parseGrid(Object.fromEntries(Object.entries(g).filter(([, v]) => v !== null)), `${where}: grid`);
  return { format: "rnnlab-sweep-plan", version: 1, grid, runs };
}
