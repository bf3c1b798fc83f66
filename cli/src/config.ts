/**
 * Layered configuration: defaults < `--config FILE` (JSON) < flags given on the command line.
 *
 * A config file is one JSON object whose keys are a command's options, spelled as the flag without its
 * dashes (`"clip-norm"`) or in camelCase (`"clipNorm"`); `"T"` is `--T`. Values are JSON numbers,
 * strings or booleans. They are validated by the same zod schema as the flags, and an error names the
 * file and the key. A key the command does not know is an error that names the key. Commander reports
 * where each option value came from (`cmd.getOptionValueSource(key)`): a value from the command line
 * wins over the file, a default loses to it.
 */
import type { Command } from "commander";
import { z } from "zod";
import { UsageError } from "./errors";
import { readBytes } from "./files";
import { flagName, parseFlags } from "./flags";

/** Largest config or grid file read (a config is a few hundred bytes; a grid a few kilobytes). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** "clip-norm" | "clipNorm" -> "clipNorm"; "T" stays "T". */
export function configKey(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Reads a JSON object from `path`; an unreadable, oversized or malformed file is a UsageError naming `flag`. */
export function readJsonObject(flag: string, path: string): Record<string, unknown> {
  const bytes = readBytes(flag, path);
  if (bytes.length > MAX_CONFIG_BYTES) throw new UsageError(`${flag}: ${path} is ${bytes.length} bytes; a config file may have at most ${MAX_CONFIG_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new UsageError(`${flag}: ${path} is not valid JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new UsageError(`${flag}: ${path} must hold one JSON object ({"key": value, ...})`);
  return value as Record<string, unknown>;
}

/**
 * A JSON value as the flag parser sees it: numbers become their shortest round-trip text (the flag
 * schemas parse numbers from text, strictly), strings and booleans pass, anything else is left for the
 * schema to reject with its own message.
 */
export function flagValue(v: unknown): unknown {
  return typeof v === "number" ? String(v) : v;
}

/**
 * The keys of `obj` renamed to option keys and checked against `allowed`; `where` names the object in
 * errors ("--config run.json", "grid.json: base"). Throws on an unknown or repeated key.
 */
export function normalizeKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen: Record<string, string> = {};
  for (const [raw, v] of Object.entries(obj)) {
    const key = configKey(raw);
    if (!allowed.includes(key)) {
      throw new UsageError(`${where}: unknown key "${raw}"; allowed keys: ${allowed.map((k) => flagName(k).slice(2)).join(", ")}`);
    }
    if (key in seen) throw new UsageError(`${where}: "${raw}" and "${seen[key]}" name the same option`);
    seen[key] = raw;
    out[key] = v;
  }
  return out;
}

/**
 * Validates `values` (option key -> JSON value) against `schema`, reporting the first bad one as
 * `where: "key": value is not allowed: reason`.
 */
export function parseConfigValues<S extends z.ZodObject>(schema: S, values: Record<string, unknown>, where: string): z.output<S> {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) raw[k] = flagValue(v);
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = String(issue.path[0] ?? "");
  // JSON.parse turns 1e400 into Infinity, which JSON.stringify would show as null
  const v = values[key];
  const shown = !(key in values) ? "(missing)" : typeof v === "number" && !Number.isFinite(v) ? `${v} (a number beyond float64)` : JSON.stringify(v);
  throw new UsageError(`${where}: "${key ? flagName(key).slice(2) : "?"}": ${shown} is not allowed: ${issue.message}`);
}

/** Keys a config file may not set: the file itself. */
const NOT_IN_FILE = ["config"];

/**
 * The command's options with the config file layered in, validated. Call it from `.action((raw, cmd) => ...)`.
 * Errors name the flag when the bad value came from the command line (or a default), and the file and
 * key when it came from the file.
 */
export function parseLayered<S extends z.ZodObject>(schema: S, raw: Record<string, unknown>, cmd: Command): z.output<S> {
  const path = raw.config;
  const merged: Record<string, unknown> = { ...raw };
  delete merged.config;
  if (path === undefined) return parseFlags(schema, merged);
  if (typeof path !== "string" || path === "") throw new UsageError("--config: expected a file name");
  const allowed = Object.keys(schema.shape).filter((k) => !NOT_IN_FILE.includes(k));
  const file = normalizeKeys(readJsonObject("--config", path), allowed, `--config ${path}`);
  const fromFile: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file)) {
    if (cmd.getOptionValueSource(k) === "cli") continue;
    merged[k] = flagValue(v);
    fromFile[k] = v;
  }
  // validate the file's values on their own first, so an error in them names the file and the key
  const shapeOfFile: Record<string, z.ZodType> = {};
  for (const k of Object.keys(fromFile)) shapeOfFile[k] = (schema.shape as Record<string, z.ZodType>)[k];
  parseConfigValues(z.object(shapeOfFile), fromFile, `--config ${path}`);
  return parseFlags(schema, merged);
}
