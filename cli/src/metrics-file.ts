/**
 * Reading `metrics.jsonl`, the one JSON line per step that `rnnlab train` (and every sweep run) writes:
 * `rnnlab summary` reads it, and sweeps draw the gradient-ratio curves from it.
 */
import { readFileSync } from "node:fs";
import { UsageError } from "./errors";

/** One line of metrics.jsonl (rnnlab train writes more fields; these are the ones read back). */
export interface MetricsLine {
  step: number;
  loss: number | null;
  clipped?: boolean;
  skipped?: boolean;
  spectralRadius?: number | null;
  log10GradFirst?: number | null;
  log10GradLast?: number | null;
}

/** Parses metrics.jsonl; a torn last line (a run still writing) is dropped, any other bad line is an error. */
export function readMetrics(path: string): MetricsLine[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const out: MetricsLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l.trim()) continue;
    let m: MetricsLine;
    try {
      m = JSON.parse(l) as MetricsLine;
    } catch {
      if (i === lines.length - 1) break; // no newline yet: the writer is mid-line
      throw new UsageError(`${path}: line ${i + 1} is not JSON`);
    }
    if (typeof m !== "object" || m === null || m.step !== out.length + 1) throw new UsageError(`${path}: line ${i + 1} should be step ${out.length + 1}`);
    out.push(m);
  }
  return out;
}

/** A step's training loss, null where it was not finite (JSON writes NaN and ±Infinity as null). */
export function finiteLoss(m: MetricsLine): number | null {
  return typeof m.loss === "number" && Number.isFinite(m.loss) ? m.loss : null;
}

/** log10‖dJ/da<1>‖ − log10‖dJ/da<T>‖ of a step: how much of the last step's gradient reaches step 1 (null without the ledger). */
export function gradRatio(m: MetricsLine): number | null {
  const a = m.log10GradFirst, b = m.log10GradLast;
  return typeof a === "number" && typeof b === "number" && Number.isFinite(a - b) ? a - b : null;
}
