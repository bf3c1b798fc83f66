/**
 * rnnlab's own model file: JSON, readable, exact (JSON numbers round-trip float64 exactly).
 *   { "format": "rnnlab-model", "version": 1, "config": ModelConfig,
 *     "params": { "<block>": { "shape": [...], "data": [...] }, ... } }
 * Blocks are named as in params.ts (Wax, Waa, ba, Wf, ..., Wya, by). Parsing validates every field
 * (this is untrusted input) and names the first bad one.
 */
import { z } from "zod";
import { ACTIVATIONS, CELL_KINDS, GRU_VARIANTS, MAX_DIM, OUTPUT_KINDS, validateConfig, type Model, type ModelConfig } from "../model";
import { paramLayout } from "../params";

export const MODEL_FORMAT = "rnnlab-model";

const dim = z.number().int().min(1).max(MAX_DIM);
const configSchema = z.strictObject({
  cell: z.enum(CELL_KINDS as [string, ...string[]]),
  I: dim,
  H: dim,
  O: dim,
  activation: z.enum(ACTIVATIONS as [string, ...string[]]).default("tanh"),
  gruVariant: z.enum(GRU_VARIANTS as [string, ...string[]]).default("reset-before"),
  output: z.enum(OUTPUT_KINDS as [string, ...string[]]).default("identity"),
});
const fileSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  version: z.literal(1),
  config: configSchema,
  params: z.record(z.string(), z.strictObject({ shape: z.array(z.number().int().min(0)), data: z.array(z.number()) })),
  meta: z.record(z.string(), z.unknown()).optional(),
});

/** Thrown for a malformed model file; the message names the field. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelFileError";
  }
}

/** The model as a JSON-ready object (see the format above). JSON.stringify of it turns -0 into 0; modelToJSONText does not. */
export function modelToJSON(model: Model, meta?: Record<string, unknown>): unknown {
  const L = paramLayout(model.config);
  const params: Record<string, { shape: number[]; data: number[] }> = {};
  for (const b of L.blocks) params[b.name] = { shape: [...b.shape], data: Array.from(model.params.subarray(b.offset, b.offset + b.size)) };
  return { format: MODEL_FORMAT, version: 1, config: model.config, params, ...(meta ? { meta } : {}) };
}

/**
 * The model file's text. Unlike JSON.stringify, it keeps the sign of zero (-0 is written as `-0`,
 * which JSON.parse reads back as -0), so text -> model is bitwise exact. Numbers use JS's shortest
 * round-trip form.
 */
export function modelToJSONText(model: Model, meta?: Record<string, unknown>): string {
  const L = paramLayout(model.config);
  const num = (v: number) => (Object.is(v, -0) ? "-0" : String(v));
  const blocks = L.blocks.map((b) => {
    const parts: string[] = new Array(b.size);
    for (let i = 0; i < b.size; i++) parts[i] = num(model.params[b.offset + i]);
    return `${JSON.stringify(b.name)}:{"shape":${JSON.stringify(b.shape)},"data":[${parts.join(",")}]}`;
  });
  for (let i = 0; i < model.params.length; i++) {
    if (!Number.isFinite(model.params[i])) throw new ModelFileError(`params[${i}] is ${model.params[i]}; a model file holds finite numbers only`);
  }
  const head = `{"format":"${MODEL_FORMAT}","version":1,"config":${JSON.stringify(model.config)},`;
  return head + `"params":{${blocks.join(",")}}` + (meta ? `,"meta":${JSON.stringify(meta)}` : "") + "}\n";
}

/** Parses and validates a model file's text. Every parameter must be present, of the right shape, and finite. */
export function modelFromJSONText(text: string, maxChars = 512 * 1024 * 1024): Model {
  if (text.length > maxChars) throw new ModelFileError(`model file is ${text.length} characters; at most ${maxChars} allowed`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`model file is not JSON: ${(e as Error).message}`);
  }
  const r = fileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ModelFileError(`model file field ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const config = r.data.config as ModelConfig;
  validateConfig(config);
  const L = paramLayout(config);
  const params = new Float64Array(L.size);
  for (const b of L.blocks) {
    const p = r.data.params[b.name];
    if (!p) throw new ModelFileError(`model file field params.${b.name}: missing (a ${config.cell} with I=${config.I}, H=${config.H}, O=${config.O} needs ${L.blocks.map((x) => x.name).join(", ")})`);
    if (p.shape.length !== b.shape.length || p.shape.some((n, i) => n !== b.shape[i])) {
      throw new ModelFileError(`model file field params.${b.name}.shape: [${p.shape}], expected [${b.shape}]`);
    }
    if (p.data.length !== b.size) throw new ModelFileError(`model file field params.${b.name}.data: ${p.data.length} values, expected ${b.size}`);
    for (let i = 0; i < b.size; i++) {
      const v = p.data[i];
      if (!Number.isFinite(v)) throw new ModelFileError(`model file field params.${b.name}.data[${i}]: ${v} is not finite`);
      params[b.offset + i] = v;
    }
  }
  const extra = Object.keys(r.data.params).filter((k) => !L.byName[k]);
  if (extra.length) throw new ModelFileError(`model file field params: unknown blocks ${extra.join(", ")} for a ${config.cell}`);
  return { config, params };
}
