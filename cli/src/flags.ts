/**
 * Flag validation with zod. Each command declares a schema over its camelCase option names; an
 * error names the flag (--kebab-case), the value given and what is allowed.
 */
import { z } from "zod";
import { UsageError } from "./errors";

/** camelCase option key -> --kebab-case flag ("clipNorm" -> "--clip-norm"; a one-letter key such as "T" stays "--T") */
export function flagName(key: string): string {
  return "--" + (key.length === 1 ? key : key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()));
}

/** Validates commander's option object against a schema; throws UsageError naming the flag. */
export function parseFlags<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = String(issue.path[0] ?? "");
  const value = raw[key];
  const shown = value === undefined ? "(missing)" : JSON.stringify(value);
  throw new UsageError(`${key ? flagName(key) : "options"}: ${shown} is not allowed: ${issue.message}`);
}

/** A number flag given as text: finite, parsed strictly (no "12abc", no NaN). */
export const numberText = z.string().trim().regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, "expected a number").transform(Number)
  .refine((v) => Number.isFinite(v), "expected a finite number");

/** An integer flag in [min, max]. */
export function intFlag(min: number, max: number) {
  return numberText.refine((v) => Number.isInteger(v) && v >= min && v <= max, `expected an integer in [${min}, ${max}]`);
}

/** An enum flag with the allowed values listed in the message. */
export function enumFlag<T extends string>(values: readonly T[]) {
  return z.string().refine((v): v is T => (values as readonly string[]).includes(v), `expected one of ${values.join("|")}`) as unknown as z.ZodType<T, string>;
}
