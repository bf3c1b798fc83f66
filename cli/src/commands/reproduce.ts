/**
 * `rnnlab reproduce NAME`: the literature's training results, each a sweep (cli/src/sweep) with a
 * fixed grid, then the data a figure is drawn from. Writes DIR (default out/reproduce/NAME) with
 * grid.json, plan.json, runs/, summary.*, success-rate.json, curves.json and NAME.json. Runs that
 * finished are skipped and interrupted ones continue, so Ctrl-C and the same command again is safe.
 * For a cluster: `rnnlab sweep --grid DIR/grid.json --out DIR --index i` per task, then this command
 * again (every run is then found finished) to write NAME.json. `--collect` trains nothing: it writes
 * NAME.json and the figures from the runs that have finished so far (a look at a reproduction that
 * takes hours), with `complete: false` and the missing run ids in NAME.json until every run is there.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { z } from "zod";
import { configKey, parseLayered } from "../config";
import { UsageError } from "../errors";
import { makeDir, writeFileAtomic } from "../files";
import { flagName, intFlag } from "../flags";
import { addingReproduction } from "../reproduce/adding";
import { charLmReproduction } from "../reproduce/char-lm";
import { copyReproduction } from "../reproduce/copy";
import { gradientsReproduction } from "../reproduce/gradients";
import type { Reproduction } from "../reproduce/reproduction";
import { collect, summaryLines, writeCollected } from "../sweep/collect";
import { BASE_KEYS, expandGrid, parseGrid } from "../sweep/grid";
import { runLocal } from "../sweep/local";
import { writePlan } from "./sweep";

export const REPRODUCTIONS: readonly Reproduction[] = [addingReproduction, copyReproduction, charLmReproduction, gradientsReproduction];
const NAMES = REPRODUCTIONS.map((r) => r.name);

const reproduceSchema = z.object({
  quick: z.boolean().default(false),
  steps: intFlag(1, 100_000_000).optional(),
  seeds: z.string().regex(/^\d+(,\d+)*$/, "expected seeds separated by commas, such as 1,2,3")
    .refine((v) => v.split(",").every((x) => Number(x) <= 2 ** 32 - 1), `expected seeds separated by commas, each an integer in [0, ${2 ** 32 - 1}]`).optional(),
  workers: intFlag(1, 256).optional(),
  only: z.array(z.string().regex(/^[A-Za-z][\w-]*=[^=,]+(,[^=,]+)*$/, "expected AXIS=VALUES, such as T=100 or cell=lstm,rnn")).optional(),
  set: z.array(z.string().regex(/^[A-Za-z][\w-]*=[^=]+$/, "expected OPTION=VALUE, such as init=glorot")).optional(),
  out: z.string().optional(),
  quiet: z.boolean().default(false),
  collect: z.boolean().default(false),
});
type ReproduceFlags = z.output<typeof reproduceSchema> & { name: string };

export function reproduceCommand(): Command {
  return new Command("reproduce")
    .description("re-run a classic training result (adding, copy, char-lm, gradients) as a resumable sweep; writes the data of its figure")
    .argument("<name>", NAMES.join("|"))
    .option("--quick", "tiny sizes (seconds; what the tests run)")
    .option("--steps <n>", "training steps per run instead of the reproduction's (more steps continue finished shorter runs from their checkpoints)")
    .option("--seeds <list>", "seeds instead of the reproduction's, such as 1,2,3")
    .option("--only <axis=values>", "keep only these values of one axis of the grid, such as T=100 (repeatable); run ids do not change, so runs move between folders", (v: string, prev: string[] = []) => [...prev, v])
    .option("--set <option=value>", "change one of the reproduction's fixed train options, such as init=glorot (repeatable): other runs, with their own ids, in a folder of their own (default out/reproduce/NAME-OPTION-VALUE)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--workers <n>", `worker threads (default: the CPUs, here ${availableParallelism()})`)
    .option("--out <dir>", "output folder (default out/reproduce/NAME, or out/reproduce/NAME-quick; with --set, NAME-OPTION-VALUE)")
    .option("--quiet", "print no progress")
    .option("--collect", "train nothing: write NAME.json and the figures from the runs finished so far (NAME.json says which are missing)")
    .option("--config <file>", "JSON object of these options; flags given here win")
    .addHelpText("after", `
Reproductions:
${REPRODUCTIONS.map((r) => `  ${r.name.padEnd(10)} ${r.title}`).join("\n")}

Examples:
  rnnlab reproduce adding                      # 12 runs (hours; see the README for times); Ctrl-C and rerun to continue
  rnnlab reproduce adding --only T=100 --out out/reproduce/adding-T100   # the T = 100 half (6 runs)
  rnnlab reproduce adding --only T=200 --only cell=lstm --set init=glorot   # the authors' init (3 runs)
  rnnlab reproduce adding --collect            # while it runs (another terminal): the finished runs' results so far
  rnnlab reproduce gradients --steps 300
  rnnlab reproduce char-lm --quick --out /tmp/charlm`)
    .action((name: string, raw: Record<string, unknown>, cmd: Command) => {
      // a positional argument: named NAME in the message, not --name
      if (!NAMES.includes(name)) throw new UsageError(`NAME: ${JSON.stringify(name)} is not allowed: expected one of ${NAMES.join("|")}`);
      return runReproduce({ ...parseLayered(reproduceSchema, raw, cmd), name });
    });
}

async function runReproduce(f: ReproduceFlags): Promise<void> {
  const rep = REPRODUCTIONS.find((r) => r.name === f.name)!;
  const gridObj = rep.grid(f.quick);
  if (f.steps !== undefined) gridObj.steps = f.steps;
  if (f.seeds !== undefined) {
    const seeds = f.seeds.split(",").map(Number);
    if (seeds.some((s) => s > 2 ** 32 - 1)) throw new UsageError(`--seeds: ${f.seeds} is not allowed: each seed must be in [0, ${2 ** 32 - 1}]`);
    gridObj.seeds = seeds;
  }
  for (const o of f.only ?? []) restrictAxis(gridObj, o, rep.name);
  const set: Record<string, string | boolean> = {};
  for (const o of f.set ?? []) setOption(gridObj, o, rep.name, set);
  const changes = Object.entries(set);
  // changed options get a folder of their own (out/reproduce/adding-init-glorot): the default one holds the reproduction as published
  const variant = changes.map(([k, v]) => `-${k}-${String(v).replace(/[^\w.+-]/g, "_")}`).join("");
  const dir = f.out ?? join("out", "reproduce", `${rep.name}${variant}${f.quick ? "-quick" : ""}`);
  // the figures' titles come from the description: they say what was changed
  if (changes.length) gridObj.description = `${gridObj.description ?? rep.name}; ${changes.map(([k, v]) => `${k}=${v}`).join(", ")}`;
  const grid = parseGrid(gridObj, `reproduce ${rep.name}`);
  const plan = expandGrid(grid, `reproduce ${rep.name}`);
  // what NAME.json's `complete` is relative to: the whole reproduction (null), or the part these flags
  // picked; flags that pick every run of the whole reproduction (--seeds 1,2,3, --only T=100,200) pick it
  const whole = expandGrid(parseGrid(rep.grid(f.quick), `reproduce ${rep.name}`), `reproduce ${rep.name}`);
  const picked = new Set(plan.runs.map((r) => r.id));
  const same = whole.runs.length === picked.size && whole.runs.every((r) => picked.has(r.id)); // as sets: --seeds 2,1 is 1,2
  const selection = !same
    ? { only: f.only ?? [], seeds: f.seeds !== undefined ? (gridObj.seeds as number[]) : null, steps: f.steps ?? null, set }
    : null;
  const log = (s: string) => { if (!f.quiet) process.stderr.write(s + "\n"); };
  if (f.collect) {
    // read-only on the runs: a reproduction still training in another process is left alone
    // one reading decides everything written: a run finishing meanwhile is in all of it or in none
    const collected = collect(dir, plan);
    const finished = plan.runs.filter((_, i) => collected.results[i] !== null);
    if (!finished.length) throw new UsageError(`--collect: none of the ${plan.runs.length} runs of ${rep.name} has finished in ${dir} (run without --collect to train them)`);
    writeCollected(dir, plan, collected);
    const missing = plan.runs.filter((_, i) => collected.results[i] === null).map((r) => r.id);
    const lines = rep.finish({ dir, plan: { ...plan, runs: finished }, collected, quick: f.quick, missing, selection });
    const note = missing.length ? [`(${finished.length} of ${plan.runs.length} runs finished; missing: ${missing.join(", ")})`] : [];
    process.stdout.write([...lines, ...note, ...(grid.success ? ["", ...summaryLines(collected)] : [])].join("\n") + "\n");
    log(`wrote ${join(dir, `${rep.name}.json`)} from ${finished.length} of ${plan.runs.length} runs`);
    return;
  }
  makeDir("--out", dir);
  writeFileAtomic(join(dir, "grid.json"), JSON.stringify(gridObj, null, 1) + "\n");
  writePlan(dir, plan);
  const workers = f.workers ?? availableParallelism();
  log(`rnnlab reproduce ${rep.name}: ${rep.source}`);
  log(`  ${plan.runs.length} runs of ${plan.runs[0].flags.steps} steps in ${dir} on ${Math.min(workers, plan.runs.length)} worker thread(s)`);
  const o = await runLocal(dir, plan, { workers, quiet: f.quiet, label: "steps" });
  if (o.errors.length) {
    for (const e of o.errors) process.stderr.write(`rnnlab reproduce: run ${e.index} failed: ${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (o.interrupted) {
    log(`interrupted: ${o.done + o.skipped} of ${plan.runs.length} runs finished; run the same command to continue`);
    process.exitCode = 130;
    return;
  }
  const collected = writeCollected(dir, plan);
  const lines = rep.finish({ dir, plan, collected, quick: f.quick, missing: [], selection });
  process.stdout.write([...lines, ...(grid.success ? ["", ...summaryLines(collected)] : [])].join("\n") + "\n");
  log(`wrote ${join(dir, `${rep.name}.json`)} (and summary.json, summary.csv, success-rate.json, curves.json)`);
}

/**
 * `--set OPTION=VALUE`: one train option of the grid's base (fixed for every run) takes VALUE, given to
 * the grid's check as the flag's text ("true" and "false" as booleans), so it is validated and parsed as
 * `rnnlab train` would. Axes belong to --only, seeds and steps to their own flags. Records the option
 * in `set` (under its flag name); setting one option twice is an error.
 */
function setOption(gridObj: Record<string, unknown>, o: string, name: string, set: Record<string, string | boolean>): void {
  const i = o.indexOf("=");
  const key = o.slice(0, i), text = o.slice(i + 1);
  const camel = configKey(key), flag = flagName(camel).slice(2);
  const axes = gridObj.grid as Record<string, unknown[]>;
  if (Object.keys(axes).some((k) => configKey(k) === camel)) throw new UsageError(`--set ${o}: ${key} is an axis of ${name}'s grid; use --only ${key}=VALUES`);
  if (camel === "seed") throw new UsageError(`--set ${o}: use --seeds for the seeds`);
  if (camel === "steps") throw new UsageError(`--set ${o}: use --steps for the steps per run`);
  if (!BASE_KEYS.includes(camel)) {
    throw new UsageError(`--set ${o}: ${key} is not a train option that a reproduction fixes (allowed: ${BASE_KEYS.filter((k) => k !== "seed" && k !== "steps").map((k) => flagName(k).slice(2)).join(", ")})`);
  }
  if (flag in set) throw new UsageError(`--set ${o}: ${flag} is set twice`);
  const value = text === "true" ? true : text === "false" ? false : text;
  const base = gridObj.base as Record<string, unknown>;
  // the base may spell the option either way (forget-bias or forgetBias): replace whichever it uses
  for (const k of Object.keys(base)) if (configKey(k) === camel) delete base[k];
  base[flag] = value;
  set[flag] = value;
}

/** `--only AXIS=V1,V2`: the grid's axis AXIS keeps V1, V2 (in the grid's order); an unknown axis or value is a usage error. */
function restrictAxis(gridObj: Record<string, unknown>, only: string, name: string): void {
  const [key, list] = only.split("=");
  const axes = (gridObj.grid ?? {}) as Record<string, unknown[]>;
  const axis = axes[key];
  if (!Array.isArray(axis)) {
    throw new UsageError(`--only ${only}: ${key} is not an axis of ${name}'s grid (its axes: ${Object.keys(axes).join(", ") || "none"})`);
  }
  const want = list.split(",");
  const missing = want.filter((w) => !axis.some((v) => String(v) === w));
  if (missing.length) throw new UsageError(`--only ${only}: ${missing.join(", ")} is not a value of ${key} (its values: ${axis.map(String).join(", ")})`);
  axes[key] = axis.filter((v) => want.includes(String(v)));
}
