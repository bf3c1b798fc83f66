// RNNLAB_GEMM picks where the large products run. WebAssembly SIMD and JavaScript give the same bits,
// so a short batched training run (its per-step products, 16×128×32 and up, go to WebAssembly by
// default) writes byte-identical metrics either way; a bad value is a usage error.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCliAsync } from "./run-cli";

const dir = mkdtempSync(join(tmpdir(), "rnnlab-gemm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const train = (out: string, gemm: string | undefined) => runCliAsync(
  ["train", "--task", "adding", "--cell", "lstm", "--T", "20", "--hidden", "32", "--batch", "16", "--steps", "4",
    "--optimizer", "adam", "--lr", "1e-2", "--seed", "3", "--quiet", "--out", join(dir, out)],
  { env: { ...process.env, RNNLAB_GEMM: gemm } },
);

describe("RNNLAB_GEMM", () => {
  it("js and wasm (the default) train to byte-identical metrics and models", async () => {
    const [js, wasm] = await Promise.all([train("js", "js"), train("wasm", undefined)]);
    expect(js.code, js.stderr).toBe(0);
    expect(wasm.code, wasm.stderr).toBe(0);
    const read = (d: string, f: string) => readFileSync(join(dir, d, f), "utf8");
    expect(read("js", "metrics.jsonl").split("\n").length).toBeGreaterThan(4);
    expect(read("wasm", "metrics.jsonl")).toBe(read("js", "metrics.jsonl"));
    expect(read("wasm", "model.json")).toBe(read("js", "model.json"));
  });

  it("rejects any other value with a one-line usage error (exit 2)", async () => {
    const r = await runCliAsync(["grad", "--cell", "rnn"], { env: { ...process.env, RNNLAB_GEMM: "gpu" } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('rnnlab: RNNLAB_GEMM must be "js" or "wasm", got "gpu"');
  });
});
