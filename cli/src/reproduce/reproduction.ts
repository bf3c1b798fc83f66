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
