// `rnnlab sweep`: the grid format, and as real processes the array-job path (--plan, concurrent
// --index processes against one folder, --collect) against a local parallel run, and a real SIGINT.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decimate, runStats } from "../src/sweep/collect";
import { expandGrid, parseGrid, runId } from "../src/sweep/grid";
import { runLocal } from "../src/sweep/local";
import { executeRun, findPrefixRuns } from "../src/sweep/run";
import { runTraining } from "../src/train-run";
import { setMatmulPrecision } from "../../core/src/index";
import { ROOT } from "./run-cli";

const BIN = fileURLToPath(new URL("../../bin/rnnlab.mjs", import.meta.url));

interface Result { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** The real binary; `onSpawn` gets the child (to signal it). */
function run(args: string[], env: Record<string, string> = {}, onSpawn?: (c: ReturnType<typeof spawn>) => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    const clean = { ...process.env };
    delete clean.JOB_COMPLETION_INDEX;
    delete clean.SLURM_ARRAY_TASK_ID;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...clean, ...env } });
    let stdout = "", stderr = "";
    child.stdout!.on("data", (d) => { stdout += d; });
    child.stderr!.on("data", (d) => { stderr += d; });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    onSpawn?.(child);
  });
}

const tmp = mkdtempSync(join(tmpdir(), "rnnlab-sweep-"));
// 4 runs: lstm T=100, lstm T=4, rnn T=100, rnn T=4. Two threads start with the first two; the short
// one finishes first, and the SIGINT test stops the sweep then, with the long one halfway.
const GRID = join(tmp, "grid.json");
writeFileSync(GRID, JSON.stringify({
  description: "test grid",
  base: { task: "adding", hidden: 8, batch: 4, optimizer: "adam", lr: 0.01, "clip-norm": 1, "save-every": 10 },
  grid: { cell: ["lstm", "rnn"], T: [100, 4] },
  seeds: [1],
  steps: 200,
  success: { metric: "loss", below: 0.05, window: 20 },
}));
const OUTPUTS = ["summary.json", "summary.csv", "success-rate.json", "curves.json", "plan.json", "loss-curves.svg"];
const read = (dir: string, name: string) => readFileSync(join(dir, name), "utf8");
const runFiles = (dir: string) => readdirSync(join(dir, "runs")).filter((n) => n.endsWith(".json")).sort();

// the reference: a local parallel sweep on two worker threads, shared by both process tests
const localDir = join(tmp, "local");
const local = run(["sweep", "--grid", GRID, "--out", localDir, "--workers", "2", "--quiet"]);

describe("rnnlab sweep as real processes", () => {
  it.concurrent("rnnlab sweep --plan, then 4 concurrent --index processes on one folder, then --collect, equals the local parallel sweep byte for byte", async () => {
    const dir = join(tmp, "array");
    const plan = await run(["sweep", "--grid", GRID, "--out", dir, "--plan"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/4 runs \(indices 0\.\.3\)/);
    // two tasks as Kubernetes starts them, one as Slurm does, one with --index
    const tasks = await Promise.all([
      run(["sweep", "--grid", GRID, "--out", dir, "--quiet"], { JOB_COMPLETION_INDEX: "0" }),
      run(["sweep", "--grid", GRID, "--out", dir, "--quiet"], { JOB_COMPLETION_INDEX: "3" }),
      run(["sweep", "--grid", GRID, "--out", dir, "--quiet"], { SLURM_ARRAY_TASK_ID: "1" }),
      run(["sweep", "--grid", GRID, "--out", dir, "--quiet", "--index", "2"]),
    ]);
    for (const t of tasks) { expect(t.stderr).toBe(""); expect(t.code).toBe(0); }
    expect(runFiles(dir)).toHaveLength(4);
    const collected = await run(["sweep", "--out", dir, "--collect", "--quiet"]);
    expect(collected.code).toBe(0);
    expect(collected.stdout).toMatch(/cell=rnn +T=4 +solved \d\/1/);
    const ref = await local;
    expect(ref.stderr).toBe("");
    expect(ref.code).toBe(0);
    for (const name of OUTPUTS) expect(read(dir, name), name).toBe(read(localDir, name));
    expect(runFiles(dir)).toEqual(runFiles(localDir));
    for (const f of runFiles(dir)) expect(read(dir, join("runs", f))).toBe(read(localDir, join("runs", f)));
    const summary = JSON.parse(read(dir, "summary.json"));
    expect(summary.complete).toBe(true);
    expect(summary.runs.map((r: { point: unknown }) => r.point)).toEqual([{ cell: "lstm", T: 100 }, { cell: "lstm", T: 4 }, { cell: "rnn", T: 100 }, { cell: "rnn", T: 4 }]);
    const rate = JSON.parse(read(dir, "success-rate.json"));
    expect(rate.series.map((s: { label: string }) => s.label)).toEqual(["cell=lstm", "cell=rnn"]);
    expect(rate.series[0].points.map((p: { T: number }) => p.T)).toEqual([4, 100]);
  }, 300_000);

  it.concurrent("rnnlab sweep interrupted by a real SIGINT resumes, skips the finished runs and ends equal to the uninterrupted sweep", async () => {
    const dir = join(tmp, "interrupted");
    const args = ["sweep", "--grid", GRID, "--out", dir, "--workers", "2"];
    const first = await run(args, {}, (child) => {
      const timer = setInterval(() => {
        if (existsSync(join(dir, "runs")) && runFiles(dir).length > 0) { clearInterval(timer); child.kill("SIGINT"); }
      }, 10);
      child.on("exit", () => clearInterval(timer));
    });
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/interrupted: \d of 4 runs finished/);
    const done = runFiles(dir);
    expect(done.length).toBeGreaterThan(0);
    expect(done.length).toBeLessThan(4);
    const stamps = done.map((f) => statSync(join(dir, "runs", f)).mtimeMs);
    expect(existsSync(join(dir, "summary.json"))).toBe(false);
    // the long run stopped halfway wrote its checkpoint
    const long = JSON.parse(read(dir, "plan.json")).runs[0].id;
    if (!done.includes(`${long}.json`)) expect(existsSync(join(dir, "runs", long, "checkpoint.json"))).toBe(true);
    const second = await run([...args.slice(0, -1), "1"]); // continue in this thread: the threads' SIGINT path is the first half
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`${done.length} of 4 runs already finished in ${dir}; skipping them`);
    expect(done.map((f) => statSync(join(dir, "runs", f)).mtimeMs)).toEqual(stamps);
    await local;
    for (const name of OUTPUTS) expect(read(dir, name), name).toBe(read(localDir, name));
  }, 300_000);
});

describe("the grid file", () => {
  const base = { task: "adding", hidden: 4, batch: 2 };
  it("expandGrid(grid) varies the first grid key slowest and the seeds fastest, and validates every run", () => {
    const plan = expandGrid(parseGrid({ base, grid: { cell: ["rnn", "gru"], T: [3, 5] }, seeds: [7, 8], steps: 2 }, "g"), "g");
    expect(plan.runs.map((r) => [r.point.cell, r.point.T, r.seed])).toEqual([
      ["rnn", 3, 7], ["rnn", 3, 8], ["rnn", 5, 7], ["rnn", 5, 8], ["gru", 3, 7], ["gru", 3, 8], ["gru", 5, 7], ["gru", 5, 8]]);
    expect(plan.runs[5].flags).toMatchObject({ task: "adding", cell: "gru", T: 3, seed: 8, steps: 2, hidden: 4, batch: 2, lr: 1e-3 });
    expect(new Set(plan.runs.map((r) => r.id)).size).toBe(8);
  });

  it("runId(flags) depends on the options only: not on key order, spelling or save-every", () => {
    const a = expandGrid(parseGrid({ base: { ...base, "clip-norm": 1, "save-every": 5 }, grid: { T: [6] } }, "a"), "a").runs[0];
    const b = expandGrid(parseGrid({ grid: { T: [6] }, base: { clipNorm: 1, batch: 2, hidden: 4, task: "adding" } }, "b"), "b").runs[0];
    const c = expandGrid(parseGrid({ base: { ...base, "clip-norm": 1, lr: 0.002 }, grid: { T: [6] } }, "c"), "c").runs[0];
    expect(a.id).toMatch(/^[0-9a-f]{12}$/);
    expect(b.id).toBe(a.id);
    expect(c.id).not.toBe(a.id);
    expect(runId(a.flags)).toBe(a.id);
  });

  for (const [what, grid, msg] of [
    ["an unknown top-level key", { bases: {} }, /g: unknown key "bases"; allowed keys: description, base, grid, seeds, steps, success/],
    ["an unknown key in base", { base: { hiden: 3 } }, /g: base: unknown key "hiden"/],
    ["a seed in grid", { grid: { seed: [1, 2] } }, /g: grid: unknown key "seed"/],
    ["an empty list", { grid: { T: [] } }, /g: grid\.T: expected a non-empty list/],
    ["a value listed twice", { grid: { T: [5, 5] } }, /grid\.T lists 5 twice/],
    ["a key in base and grid", { base: { T: 5 }, grid: { T: [6] } }, /"T" is in both base and grid/],
    ["steps twice", { base: { steps: 5 }, steps: 6 }, /set "steps" once/],
    ["a seed in base", { base: { seed: 3 } }, /base\.seed: give the seeds as "seeds": \[3\]/],
    ["a bad success metric", { success: { metric: "accuracy", below: 0.1 } }, /g: success\.metric: /],
    ["a negative threshold", { success: { metric: "loss", below: -1 } }, /g: success\.below: expected a finite number > 0/],
    ["a non-integer T", { grid: { T: [5, 7.5] } }, /g: run 1 \(T=7\.5 seed=1\): "T": 7\.5 is not allowed: expected an integer/],
    ["a T the task refuses", { grid: { T: [1] } }, /g: run 0 \(T=1 seed=1\): --task adding: T must be/],
    ["two clipping modes", { base: { "clip-norm": 1, "clip-value": 1 } }, /g: run 0 \(seed=1\): --clip-norm, --clip-value and --clip-tensor-norm: choose at most one/],
  ] as [string, Record<string, unknown>, RegExp][]) {
    it(`parseGrid / expandGrid reject ${what}, naming it`, () => {
      expect(() => expandGrid(parseGrid(grid, "g"), "g")).toThrow(msg);
    });
  }
});

describe("a grid over --bptt", () => {
  it("may keep --checkpoint-k and --k1 in base: each run takes the ones its mode uses (regression: planning failed)", () => {
    const plan = expandGrid(parseGrid({
      base: { task: "adding", T: 10, hidden: 4, batch: 2, "checkpoint-k": 3, k1: 5 },
      grid: { bptt: ["full", "checkpoint", "tbptt"] }, seeds: [1], steps: 3,
    }, "test"), "test");
    expect(plan.runs.map((r) => r.point.bptt)).toEqual(["full", "checkpoint", "tbptt"]);
  });
});

describe("run statistics", () => {
  it("runStats(losses) takes the moving mean over the window: first step below the threshold, and the final mean", () => {
    const losses = [1, 1, 0.2, 0.1, 0.05, 0.3, 0.01, 0.01];
    const s = runStats(losses, 2, { metric: "loss", below: 0.1, window: 2 });
    // moving means: -, 1, 0.6, 0.15, 0.075 (step 5), 0.175, 0.155, 0.01
    expect(s.stepsToThreshold).toBe(5);
    expect(s.finalLoss).toBeCloseTo(0.01, 15);
    expect(s.solved).toBe(true);
    expect(s.lastLoss).toBe(0.01);
    // loss/baseline with baseline 4: the moving mean must be below 0.05·4 = 0.2, first at step 4 (0.15)
    const r = runStats(losses, 4, { metric: "loss/baseline", below: 0.05, window: 2 });
    expect(r.stepsToThreshold).toBe(4);
    expect(r.finalMetric).toBeCloseTo(0.0025, 15);
    expect(runStats([0.5, null, 0.5], 1, { metric: "loss", below: 1, window: 2 })).toMatchObject({ stepsToThreshold: null, finalLoss: null, solved: false });
    expect(runStats(losses, 1, null)).toMatchObject({ stepsToThreshold: null, solved: null });
  });

  it("decimate(losses, n) keeps at most n bucket means, each at its bucket's last step", () => {
    expect(decimate([1, 2, 3, 4, 5], 2)).toEqual({ step: [3, 5], loss: [2, 4.5] });
    expect(decimate([1, 2], 10)).toEqual({ step: [1, 2], loss: [1, 2] });
  });
});

describe("a longer run continues a finished shorter one (findPrefixRuns)", () => {
  const grid = (steps: number, seeds = [1, 2]) => expandGrid(parseGrid({
    base: { task: "adding", cell: "lstm", T: 6, hidden: 4, batch: 2, optimizer: "rmsprop", lr: 0.01, "clip-norm": 1, "save-every": 7 },
    seeds, steps,
  }, "test"), "test");
  const opts = { workers: 1, quiet: true, label: "steps" };
  const files = (dir: string, id: string) => [`runs/${id}.json`, `runs/${id}/metrics.jsonl`, `runs/${id}/model.json`].map((f) => read(dir, f));

  it("trains only the new steps, and gives the same bytes as the longer run trained from step 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-prefix-")), fresh = mkdtempSync(join(tmpdir(), "rnnlab-prefix-fresh-"));
    const short = grid(20), long = grid(45);
    await runLocal(dir, short, opts);
    const shortFiles = short.runs.map((r) => files(dir, r.id));
    const found = findPrefixRuns(dir, long.runs);
    expect(long.runs.map((r) => found.get(r.id))).toEqual(short.runs.map((r) => ({ id: r.id, steps: 20 })));
    const started: number[] = [];
    await executeRun(dir, long.runs[0], { shouldStop: () => false, onStart: (s) => started.push(s) }, found.get(long.runs[0].id)!);
    expect(started).toEqual([20]); // it resumed at the shorter run's last step
    await runLocal(dir, long, opts);
    await runLocal(fresh, long, opts);
    for (const r of long.runs) expect(files(dir, r.id)).toEqual(files(fresh, r.id));
    // the shorter runs are untouched, and still count as finished
    expect(short.runs.map((r) => files(dir, r.id))).toEqual(shortFiles);
    // no prefix for a shorter or equal budget, or for other options (seed 3)
    expect(findPrefixRuns(dir, grid(20).runs).size).toBe(0);
    expect(findPrefixRuns(dir, grid(15).runs).size).toBe(0);
    expect(findPrefixRuns(dir, grid(60, [3]).runs).size).toBe(0);
    // the longest finished prefix wins
    expect([...findPrefixRuns(dir, grid(60).runs).values()]).toEqual(long.runs.map((r) => ({ id: r.id, steps: 45 })));
  });

  it("does not continue a run whose checkpoint is gone, is not at its last step, or was written with other flags", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-prefix-"));
    const short = grid(20, [1, 2, 3]);
    await runLocal(dir, short, opts);
    const [a, b, c] = short.runs;
    expect(findPrefixRuns(dir, grid(40, [1, 2, 3]).runs).size).toBe(3);
    rmSync(join(dir, "runs", a.id, "checkpoint.json"));
    const edit = (id: string, f: (ck: { run: string; state: { step: number } }) => void) => {
      const ck = JSON.parse(read(dir, `runs/${id}/checkpoint.json`));
      f(ck);
      writeFileSync(join(dir, "runs", id, "checkpoint.json"), JSON.stringify(ck));
    };
    edit(b.id, (ck) => { ck.state.step = 14; });
    edit(c.id, (ck) => { ck.run = ck.run.replace('"lr":0.01', '"lr":0.02'); });
    expect(findPrefixRuns(dir, grid(40, [1, 2, 3]).runs).size).toBe(0);
  });

  it("does not continue across matrix-product precisions, and a resume across them is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-prefix-"));
    setMatmulPrecision("float32");
    try {
      await runLocal(dir, grid(10), opts);
      expect(findPrefixRuns(dir, grid(20).runs).size).toBe(2);
    } finally {
      setMatmulPrecision("float64");
    }
    expect(findPrefixRuns(dir, grid(20).runs).size).toBe(0);
    const run = grid(20).runs[0], out = join(dir, "runs", grid(10).runs[0].id);
    await expect(runTraining({ ...run.flags, out, quiet: true, resume: true }, out, true, { shouldStop: () => false }))
      .rejects.toThrow(/written with float32 matrix products, and this process uses float64; resume with RNNLAB_MATMUL=float32/);
  });

  it("a diverged run keeps no checkpoint, and is never continued", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-prefix-"));
    const g = (steps: number) => expandGrid(parseGrid({ base: { task: "adding", cell: "rnn", T: 5, hidden: 4, batch: 2, optimizer: "sgd", lr: 1e6 }, seeds: [1], steps }, "test"), "test");
    await runLocal(dir, g(200), opts);
    const id = g(200).runs[0].id;
    expect(JSON.parse(read(dir, `runs/${id}.json`)).diverged.step).toBe(24);
    expect(existsSync(join(dir, "runs", id, "checkpoint.json"))).toBe(false);
    expect(findPrefixRuns(dir, g(400).runs).size).toBe(0);
  });
});
