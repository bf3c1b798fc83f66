/**
 * A reproduction: a sweep (a grid object in the format of `rnnlab sweep --grid`) plus what is made
 * from its finished runs: DIR/<name>.json, the data a figure is drawn from, and a few lines for the
 * terminal. `--quick` gives tiny sizes (seconds) for the tests.
 */
import type { collect } from "../sweep/collect";
import type { Plan } from "../sweep/grid";

export interface ReproduceContext {
  dir: string;
  /** the plan's finished runs (all of them, except under --collect) */
  plan: Plan;
  collected: ReturnType<typeof collect>;
  quick: boolean;
  /** ids of the runs that have not finished (--collect); NAME.json records them with complete: false */
  missing: string[];
  /** the part of the reproduction that --only, --seeds, --steps and --set picked; null for all of it */
  selection: Selection | null;
}

export interface Selection {
  /** the --only flags as given (AXIS=VALUES), in order */
  only: string[];
  /** the seeds run, when --seeds was given */
  seeds: number[] | null;
  /** the steps per run, when --steps was given */
  steps: number | null;
  /** the train options that --set changed, by flag name, as given ({} when none) */
  set: Record<string, string | boolean>;
}

/**
 * The fields every NAME.json starts with. `complete` says whether every run of the selected plan has
 * finished; `selection` says which plan that was (null: the whole reproduction, at the sizes `quick`
 * says), so a file written for `--only T=100` or `--quick` cannot pass for the full reproduction.
 */
export function reportHead(ctx: ReproduceContext, format: string, source: string) {
  return { format, version: 1, complete: ctx.missing.length === 0, missing: ctx.missing, selection: ctx.selection, quick: ctx.quick, source };
}

export interface Reproduction {
  name: string;
  /** one line for --help */
  title: string;
  /** the source the setup follows */
  source: string;
  /** the grid file, as an object (written to DIR/grid.json) */
  grid(quick: boolean): Record<string, unknown>;
  /** writes DIR/<name>.json; returns the lines printed at the end */
  finish(ctx: ReproduceContext): string[];
}
