// RNNLAB_GEMM picks where the large products run. WebAssembly SIMD and JavaScript give the same bits,
// so a short batched training run (its per-step products, 16×128×32 and up, go to WebAssembly by
// default) writes byte-identical metrics either way; a bad value is a usage error. RNNLAB_MATMUL=float32
// (float32 sums) is deterministic across the two backends too, since both compute the same float32 sums.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCliAsync } from "./run-cli";

const dir = mkdtempSync(join(tmpdir(), "rnnlab-gemm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const train = (out: string, gemm: string | undefined, matmul?: string) => runCliAsync(
  ["train", "--task", "adding", "--cell", "lstm", "--T", "20", "--hidden", "32", "--batch", "16", "--steps", "4",
    "--optimizer", "adam", "--lr", "1e-2", "--seed", "3", "--quiet", "--out", join(dir, out)],
  { env: { ...process.env, RNNLAB_GEMM: gemm, RNNLAB_MATMUL: matmul } },
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

describe("RNNLAB_MATMUL", () => {
  it("float32 trains to the same bytes with and without WebAssembly, and not to float64's", async () => {
    const [js, wasm, f64] = await Promise.all([train("f32-js", "js", "float32"), train("f32-wasm", undefined, "float32"), train("f64", undefined, "float64")]);
    for (const r of [js, wasm, f64]) expect(r.code, r.stderr).toBe(0);
    const read = (d: string) => readFileSync(join(dir, d, "metrics.jsonl"), "utf8");
    expect(read("f32-wasm")).toBe(read("f32-js"));
    expect(read("f32-wasm")).not.toBe(read("f64"));
    const last = (d: string) => JSON.parse(read(d).trim().split("\n").pop()!).loss as number;
    expect(Math.abs(last("f32-wasm") - last("f64"))).toBeLessThan(1e-4 * last("f64"));
  });

  it("gradcheck and explain ignore float32 with a notice: a check and a reference report run in float64", async () => {
    // at this size float32 products put gradcheck's worst error near 1e-3, far above its 1e-7 tolerance
    const args = ["gradcheck", "--hidden", "32", "--batch", "16", "--input-size", "32", "--sample", "300", "--json"];
    const [f32, f64] = await Promise.all([runCliAsync(args, { env: { ...process.env, RNNLAB_MATMUL: "float32" } }), runCliAsync(args)]);
    expect(f32.code, f32.stderr).toBe(0);
    expect(f32.stderr).toBe("rnnlab gradcheck: RNNLAB_MATMUL=float32 ignored; gradcheck runs in float64\n");
    expect(f32.stdout).toBe(f64.stdout);
    const ex = await runCliAsync(["explain", "--T", "30", "--hidden", "4", "--out", join(dir, "explain")], { env: { ...process.env, RNNLAB_MATMUL: "float32" } });
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stderr).toContain("rnnlab explain: RNNLAB_MATMUL=float32 ignored; explain runs in float64");
  });

  it("rejects any other value with a one-line usage error (exit 2)", async () => {
    const r = await runCliAsync(["grad", "--cell", "rnn"], { env: { ...process.env, RNNLAB_MATMUL: "half" } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('rnnlab: RNNLAB_MATMUL must be "float64" or "float32", got "half"');
  });
});
