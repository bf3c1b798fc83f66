// Reads a case directory written by cases.ts (the same files every peer reads).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { modelFromStateDict, parseNpy, type Model, type StateTensor } from "../core/src/index";
import type { BenchCase } from "./cases";

export const TORCH_KEYS = ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "head.weight", "head.bias"];

export function readNpy(dir: string, name: string): StateTensor {
  const a = parseNpy(new Uint8Array(readFileSync(join(dir, `${name}.npy`))));
  return { shape: a.shape, data: Float64Array.from(a.data as ArrayLike<number>) };
}

/** The case, its PyTorch state_dict tensors, the rnnlab model built from them, and x (T, B, I), y (B, 1). */
export function readCase(dir: string): { c: BenchCase; sd: Map<string, StateTensor>; model: Model; x: Float64Array; y: Float64Array } {
  const c = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as BenchCase;
  const sd = new Map(TORCH_KEYS.map((k) => [k, readNpy(dir, k)] as const));
  const { model } = modelFromStateDict(sd);
  return { c, sd, model, x: readNpy(dir, "x").data, y: readNpy(dir, "y").data };
}
