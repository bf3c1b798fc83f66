/**
 * `rnnlab sweep --grid FILE`: a grid of `rnnlab train` configurations × seeds, expanded into runs
 * (the file format is documented in cli/src/sweep/grid.ts and the README).
 *   (default)     write DIR/plan.json, run every unfinished run on worker threads, then collect;
 *   --plan        write DIR/plan.json only (the run list an array job indexes);
 *   --index i     run run i only (default $JOB_COMPLETION_INDEX, then $SLURM_ARRAY_TASK_ID);
 *   --collect     merge DIR/runs/*.json into summary.json, summary.csv, success-rate.json, curves.json.
 * Every run writes DIR/runs/<id>.json when it finishes; a finished run is never run again, and an
 * interrupted one continues from DIR/runs/<id>/checkpoint.json.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { z } from "zod";
import { parseLayered } from "../config";
import { UsageError } from "../errors";
import { makeDir, writeFileAtomic } from "../files";
import { intFlag } from "../flags";
import { summaryLines, writeCollected } from "../sweep/collect";
import { checkPlan, describeRun, expandGrid, readGrid, type Plan } from "../sweep/grid";
import { runLocal } from "../sweep/local";

const sweepSchema = z.object({
  grid: z.string().optional(),
  out: z.string().default("out/sweep"),
  plan: z.boolean().default(false),
  index: intFlag(0, 99_999).optional(),
  collect: z.boolean().default(false),
  workers: intFlag(1, 256).optional(),
  quiet: z.boolean().default(false),
});
type SweepFlags = z.output<typeof sweepSchema>;

/** The environment variables an array job sets to a task's index, in the order they are read. */
export const INDEX_ENV = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"] as const;

export function sweepCommand(): Command {
  return new Command("sweep")
    .description("train a grid of configurations × seeds: in parallel here, or one run per array-job task (Kubernetes, Slurm)")
    .option("--grid <file>", "the grid (JSON: base, grid, seeds, steps, success; see the README)")
    .option("--out <dir>", "the sweep folder (plan.json, runs/, summaries)", "out/sweep")
    .option("--plan", "write DIR/plan.json and stop (then run each index as an array-job task)")
    .option("--index <i>", "run only run i of the plan (default $JOB_COMPLETION_INDEX or $SLURM_ARRAY_TASK_ID)")
    .option("--collect", "merge the finished runs into summary.json, summary.csv, success-rate.json and curves.json")
    .option("--workers <n>", `worker threads for a local sweep (default: the CPUs, here ${availableParallelism()})`)
    .option("--quiet", "print no progress")
    .option("--config <file>", "JSON object of these options ({\"grid\": \"grid.json\", \"out\": \"out/sweep\"}); flags given here win")
    .addHelpText("after", `
Examples:
  rnnlab sweep --grid deploy/grid-adding-vs-T.json --out out/sweep                # all runs here, 2 threads, then the summary
  rnnlab sweep --grid deploy/grid-adding-vs-T.json --out /shared/sweep --plan     # the run list for an array job
  rnnlab sweep --grid deploy/grid-adding-vs-T.json --out /shared/sweep --index 3  # one array task (or $JOB_COMPLETION_INDEX)
  rnnlab sweep --out /shared/sweep --collect                                      # merge what has finished`)
    .action((raw: Record<string, unknown>, cmd: Command) => runSweep(parseLayered(sweepSchema, raw, cmd)));
}

/** The run index from --index or the array-job environment, checked; null when there is none. */
function arrayIndex(f: SweepFlags): { index: number; from: string } | null {
  if (f.index !== undefined) return { index: f.index, from: "--index" };
  for (const name of INDEX_ENV) {
    const v = process.env[name];
    if (v === undefined || v === "") continue;
    if (!/^\d{1,9}$/.test(v.trim())) throw new UsageError(`$${name}: ${JSON.stringify(v)} is not allowed: expected a run index (an integer >= 0)`);
    return { index: Number(v.trim()), from: `$${name}` };
  }
  return null;
}

/** The plan: from --grid (checked against DIR/plan.json when `strict`), or from DIR/plan.json. */
export function loadPlan(gridPath: string | undefined, dir: string, strict: boolean): { plan: Plan; onDisk: boolean; sameAsDisk: boolean } {
  const planPath = join(dir, "plan.json");
  let disk: Plan | null = null;
  if (existsSync(planPath)) {
    let v: unknown;
    try { v = JSON.parse(readFileSync(planPath, "utf8")); } catch (e) { throw new UsageError(`${planPath}: not valid JSON (${(e as Error).message})`); }
    disk = checkPlan(v, planPath);
  }
  if (!gridPath) {
    if (!disk) throw new UsageError(`--grid: (missing) is not allowed: required, since ${planPath} does not exist yet`);
    return { plan: disk, onDisk: true, sameAsDisk: true };
  }
  const plan = expandGrid(readGrid(gridPath), gridPath);
  const same = disk !== null && JSON.stringify(disk.runs.map((r) => r.id)) === JSON.stringify(plan.runs.map((r) => r.id))
    && JSON.stringify(disk.grid) === JSON.stringify(plan.grid);
  if (strict && disk && !same) throw new UsageError(`--grid: ${gridPath} gives another plan than ${planPath}; use the grid that wrote it, or another --out`);
  return { plan, onDisk: disk !== null, sameAsDisk: same };
}

export function writePlan(dir: string, plan: Plan): void {
  makeDir("--out", join(dir, "runs"));
  writeFileAtomic(join(dir, "plan.json"), JSON.stringify(plan, null, 1) + "\n");
}

async function runSweep(f: SweepFlags): Promise<void> {
  if (f.plan && f.collect) throw new UsageError("--plan and --collect: choose one");
  const explicit = f.index !== undefined;
  if (explicit && (f.plan || f.collect)) throw new UsageError(`--index: not with ${f.plan ? "--plan" : "--collect"}`);
  const dir = f.out;
  const log = (s: string) => { if (!f.quiet) process.stderr.write(s + "\n"); };

  if (f.plan) {
    const { plan } = loadPlan(f.grid, dir, false);
    writePlan(dir, plan);
    const n = plan.runs.length;
    process.stdout.write(`wrote ${join(dir, "plan.json")}: ${n} runs (indices 0..${n - 1})\n`
      + `  Kubernetes Indexed Job: completions: ${n}   Slurm: #SBATCH --array=0-${n - 1}\n`);
    return;
  }
  if (f.collect) {
    const { plan } = loadPlan(f.grid, dir, true);
    const c = writeCollected(dir, plan);
    process.stdout.write(summaryLines(c).join("\n") + "\n");
    log(`wrote ${["summary.json", "summary.csv", "success-rate.json", "curves.json"].map((n) => join(dir, n)).join(", ")}`);
    return;
  }
  const idx = arrayIndex(f);
  if (idx) {
    const { plan, onDisk } = loadPlan(f.grid, dir, true);
    if (idx.index >= plan.runs.length) throw new UsageError(`${idx.from}: ${idx.index} is not allowed: the plan has ${plan.runs.length} runs (indices 0..${plan.runs.length - 1})`);
    if (!onDisk) writePlan(dir, plan); // every task writes the same bytes; the rename is atomic
    else makeDir("--out", join(dir, "runs"));
    const run = plan.runs[idx.index];
    log(`rnnlab sweep: run ${idx.index} of ${plan.runs.length} (${idx.from}): ${describeRun(run.point, run.seed)}, id ${run.id}`);
    const o = await runLocal(dir, plan, { workers: 1, quiet: f.quiet, label: "step" }, [idx.index]);
    if (o.interrupted) {
      log(`interrupted; ${join(dir, "runs", run.id, "checkpoint.json")} written; the same command continues it`);
      process.exitCode = 130;
    }
    return;
  }
  // local: every run here, then the summary
  const { plan, onDisk, sameAsDisk } = loadPlan(f.grid, dir, false);
  if (!onDisk || !sameAsDisk) writePlan(dir, plan);
  const workers = f.workers ?? availableParallelism();
  log(`rnnlab sweep: ${plan.runs.length} runs in ${dir} on ${Math.min(workers, plan.runs.length)} worker thread(s)`);
  const o = await runLocal(dir, plan, { workers, quiet: f.quiet, label: "sweep steps" });
  if (o.errors.length) {
    for (const e of o.errors) process.stderr.write(`rnnlab sweep: run ${e.index} failed: ${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (o.interrupted) {
    log(`interrupted: ${o.done + o.skipped} of ${plan.runs.length} runs finished; the same command continues (finished runs are skipped)`);
    process.exitCode = 130;
    return;
  }
  const c = writeCollected(dir, plan);
  process.stdout.write(summaryLines(c).join("\n") + "\n");
  log(`wrote ${join(dir, "summary.json")}, summary.csv, success-rate.json and curves.json`);
}
