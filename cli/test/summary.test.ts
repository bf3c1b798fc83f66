// `rnnlab summary`: block statistics of metrics.jsonl against brute-force recomputation, the torn last
// line of a run still writing, bad files and folders, and the real binary on a real training run.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findRuns, formatRun, roundBlock, summarizeMetrics } from "../src/commands/summary";
import { readMetrics } from "../src/metrics-file";
import { Rng } from "../../core/src/index";
import { runCli } from "./run-cli";
import { CELL_COLORS } from "../src/figures/theme";

interface Line { step: number; loss: number | null; clipped: boolean; skipped: boolean; spectralRadius: number; log10GradFirst: number | null; log10GradLast: number | null }

/** n steps of noisy, falling losses; a NaN loss (null) at step 37; the ledger missing at step 5. */
function synthetic(n: number, seed = 4): Line[] {
  const rng = new Rng(seed);
  const out: Line[] = [];
  for (let i = 1; i <= n; i++) {
    const u = rng.randomSample();
    out.push({
      step: i, loss: i === 37 ? null : 0.2 / (1 + i / 50) + 0.01 * u, clipped: u < 0.3, skipped: i === 37,
      spectralRadius: 0.5 + i / 1000, log10GradFirst: i === 5 ? null : -10 + i / 100 - u, log10GradLast: i === 5 ? null : -1 + 0.1 * u,
    });
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("rnnlab summary", () => {
  it("block means, clip shares, ρ at the block's end and the gradient ratio equal a brute-force recomputation (null and missing values left out)", () => {
    const m = synthetic(230);
    const s = summarizeMetrics(m, { dir: "d", label: "l", window: 20, below: 0.09, block: 50 });
    expect(s.blocks.map((b) => [b.from, b.to])).toEqual([[1, 50], [51, 100], [101, 150], [151, 200], [201, 230]]);
    for (const b of s.blocks) {
      const rows = m.slice(b.from - 1, b.to);
      expect(b.loss).toBeCloseTo(mean(rows.flatMap((r) => (r.loss === null ? [] : [r.loss]))), 14);
      expect(b.log10GradRatio).toBeCloseTo(mean(rows.flatMap((r) => (r.log10GradFirst === null ? [] : [r.log10GradFirst - r.log10GradLast!]))), 12);
      expect(b.clipped).toBe(rows.filter((r) => r.clipped).length / rows.length);
      expect(b.skipped).toBe(rows.filter((r) => r.skipped).length);
      expect(b.rho).toBe(rows[rows.length - 1].spectralRadius);
    }
    // moving means over windows with no null loss: the first below 0.09, the last, the lowest
    const win: { to: number; v: number }[] = [];
    for (let to = 20; to <= 230; to++) {
      const w = m.slice(to - 20, to);
      if (w.every((r) => r.loss !== null)) win.push({ to, v: mean(w.map((r) => r.loss!)) });
    }
    expect(s.stepsToThreshold).toBe(win.find((w) => w.v < 0.09)!.to);
    expect(s.stepsToThreshold).toBeGreaterThan(56); // the windows that hold step 37 are skipped
    expect(s.finalLoss).toBeCloseTo(win[win.length - 1].v, 14);
    const best = win.reduce((a, b) => (b.v < a.v ? b : a));
    expect(s.bestLoss).toBeCloseTo(best.v, 14);
    expect(s.bestTo).toBe(best.to);
    expect(s.steps).toBe(230);
    const text = formatRun({ ...s, finished: true, plannedSteps: null });
    expect(text).toContain(`first below 0.09 at step ${s.stepsToThreshold}`);
    expect(text.split("\n").filter((l) => /^\s+[\d,]+–[\d,]+\s/.test(l))).toHaveLength(5);
  });

  it("without a threshold there is no step to it, and a window longer than the run is the whole run", () => {
    const m = synthetic(30);
    const s = summarizeMetrics(m.map((r) => ({ ...r, loss: r.loss ?? 0.1 })), { dir: "d", label: "l", window: 100, below: null });
    expect(s.stepsToThreshold).toBeNull();
    expect(s.window).toBe(30);
    expect(s.bestTo).toBe(30);
    expect(formatRun({ ...s, finished: true, plannedSteps: null })).not.toContain("below");
    const t = summarizeMetrics(m.map((r) => ({ ...r, loss: r.step })), { dir: "d", label: "l", window: 4, below: null });
    expect(t.finalLoss).toBe((27 + 28 + 29 + 30) / 4);
    expect([t.bestLoss, t.bestTo]).toEqual([2.5, 4]);
  });

  it("a huge early loss leaves no rounding behind in the moving means (compensated sliding sum)", () => {
    // a plain running sum read the later windows of ~0.002 as below 0 after a loss of 3e14 left them
    const m: Line[] = [3e14, ...Array.from({ length: 300 }, (_, i) => 0.002 + 0.0005 * Math.sin(i))].map((loss, i) => ({
      step: i + 1, loss, clipped: false, skipped: false, spectralRadius: 1, log10GradFirst: null, log10GradLast: null,
    }));
    const s = summarizeMetrics(m, { dir: "d", label: "l", window: 100, below: 0.0015 });
    let best = Infinity;
    for (let to = 101; to <= 301; to++) best = Math.min(best, mean(m.slice(to - 100, to).map((r) => r.loss!)));
    expect(s.stepsToThreshold).toBeNull();
    expect(Math.abs(s.bestLoss! - best)).toBeLessThan(1e-15);
  });

  it("a round block size gives at most 15 blocks", () => {
    expect([1, 15, 16, 31, 150, 151, 30_000, 30_001].map((n) => roundBlock(n))).toEqual([1, 1, 2, 5, 10, 20, 2000, 5000]);
    for (let n = 1; n < 5000; n += 7) expect(Math.ceil(n / roundBlock(n))).toBeLessThanOrEqual(15);
  });

  it("a torn last line (a run still writing) is dropped; a bad line or a skipped step elsewhere is an error naming the file and line", () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-summary-"));
    const p = join(dir, "metrics.jsonl");
    const lines = synthetic(3).map((l) => JSON.stringify(l));
    writeFileSync(p, lines.join("\n") + "\n" + lines[0].slice(0, 10));
    expect(readMetrics(p)).toHaveLength(3);
    writeFileSync(p, [lines[0], "{oops", lines[2]].join("\n") + "\n");
    expect(() => readMetrics(p)).toThrow(`${p}: line 2 is not JSON`);
    writeFileSync(p, [lines[0], lines[2]].join("\n") + "\n");
    expect(() => readMetrics(p)).toThrow(`${p}: line 2 should be step 2`);
  });

  it("a folder without runs is a usage error; a sweep's runs are labelled by their plan", () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-summary-"));
    expect(() => findRuns(dir)).toThrow("holds neither metrics.jsonl nor runs/ID/metrics.jsonl");
    expect(() => findRuns(join(dir, "nope"))).toThrow("no such folder");
    for (const id of ["bbb", "aaa"]) {
      mkdirSync(join(dir, "runs", id), { recursive: true });
      writeFileSync(join(dir, "runs", id, "metrics.jsonl"), JSON.stringify(synthetic(1)[0]) + "\n");
    }
    writeFileSync(join(dir, "plan.json"), JSON.stringify({
      grid: { success: { metric: "loss", below: 0.01, window: 100 } },
      runs: [{ id: "aaa", point: { cell: "rnn", T: 100 }, seed: 2 }, { id: "bbb", point: { cell: "lstm", T: 100 }, seed: 1 }],
    }));
    const runs = findRuns(dir);
    expect(runs.map((r) => r.label)).toEqual(["cell=lstm T=100 seed 1", "cell=rnn T=100 seed 2"]);
    expect(runs[0].plan?.success?.below).toBe(0.01);
    // a run still training (no result, not in this plan.json) is labelled by the grid's axes from its checkpoint
    mkdirSync(join(dir, "runs", "ccc"));
    writeFileSync(join(dir, "runs", "ccc", "metrics.jsonl"), JSON.stringify(synthetic(1)[0]) + "\n");
    writeFileSync(join(dir, "runs", "ccc", "checkpoint.json"), JSON.stringify({ run: JSON.stringify({ task: "adding", cell: "gru", T: 200, hidden: 8, seed: 3 }), state: {} }));
    writeFileSync(join(dir, "plan.json"), JSON.stringify({
      grid: { grid: { cell: ["rnn"], T: [100] }, success: { metric: "loss", below: 0.01, window: 100 } },
      runs: [{ id: "aaa", point: { cell: "rnn", T: 100 }, seed: 2 }, { id: "bbb", point: { cell: "lstm", T: 100 }, seed: 1 }],
    }));
    expect(findRuns(dir).map((r) => r.label)).toEqual(["cell=gru T=200 seed 3", "cell=lstm T=100 seed 1", "cell=rnn T=100 seed 2"]);
    // one run's folder inside the sweep: the same label and criterion
    const one = findRuns(join(dir, "runs", "aaa"));
    expect(one.map((r) => r.label)).toEqual(["cell=rnn T=100 seed 2"]);
    expect(one[0].plan?.success?.window).toBe(100);
    // damaged plan and result files cost the labels, not the summary
    writeFileSync(join(dir, "plan.json"), "{bad");
    writeFileSync(join(dir, "runs", "bbb.json"), "null");
    expect(findRuns(dir).map((r) => r.label)).toEqual(["aaa", "bbb", "adding gru T=200 H=8 seed 3"].sort((a, b) => a.localeCompare(b, "en", { numeric: true })));
  });

  it("a run with an init other than PyTorch's says so in its label, from its plan or its checkpoint, unless init is an axis", () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-summary-init-"));
    for (const id of ["aaa", "bbb", "ccc"]) {
      mkdirSync(join(dir, "runs", id), { recursive: true });
      writeFileSync(join(dir, "runs", id, "metrics.jsonl"), JSON.stringify(synthetic(1)[0]) + "\n");
    }
    writeFileSync(join(dir, "runs", "ccc", "checkpoint.json"), JSON.stringify({ run: JSON.stringify({ task: "adding", cell: "lstm", T: 200, hidden: 8, seed: 3, init: "glorot" }), state: {} }));
    writeFileSync(join(dir, "plan.json"), JSON.stringify({
      grid: { grid: { cell: ["lstm"], T: [200] } },
      runs: [{ id: "aaa", point: { cell: "lstm", T: 200 }, seed: 1, flags: { init: "glorot" } }, { id: "bbb", point: { cell: "lstm", T: 200 }, seed: 2, flags: { init: "pytorch" } }],
    }));
    expect(findRuns(dir).map((r) => r.label)).toEqual(["cell=lstm T=200 init=glorot seed 1", "cell=lstm T=200 init=glorot seed 3", "cell=lstm T=200 seed 2"]);
    writeFileSync(join(dir, "plan.json"), JSON.stringify({
      grid: { grid: { init: ["glorot", "pytorch"] } },
      runs: [{ id: "aaa", point: { init: "glorot" }, seed: 1, flags: { init: "glorot" } }, { id: "bbb", point: { init: "pytorch" }, seed: 2, flags: { init: "pytorch" } }],
    }));
    expect(findRuns(dir).map((r) => r.label)).toEqual(["init=glorot seed 1", "init=glorot seed 3", "init=pytorch seed 2"]);
  });

  it("a loss/baseline criterion gives the window, and the threshold times the run's baseline once the run has finished", () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-summary-"));
    mkdirSync(join(dir, "runs", "aaa"), { recursive: true });
    const m = synthetic(60);
    writeFileSync(join(dir, "runs", "aaa", "metrics.jsonl"), m.map((l) => JSON.stringify(l)).join("\n") + "\n");
    writeFileSync(join(dir, "plan.json"), JSON.stringify({ grid: { grid: { T: [5] }, success: { metric: "loss/baseline", below: 0.5, window: 10 } }, runs: [] }));
    const live = runCli(["summary", dir, "--json"]);
    expect(live.code).toBe(0);
    expect(JSON.parse(live.stdout).runs[0]).toMatchObject({ window: 10, below: null });
    writeFileSync(join(dir, "runs", "aaa.json"), JSON.stringify({ id: "aaa", point: { T: 5 }, seed: 1, task: { baseline: 0.2 } }));
    const done = JSON.parse(runCli(["summary", dir, "--json"]).stdout).runs[0];
    expect(done).toMatchObject({ label: "T=5 seed 1", window: 10, below: 0.1 });
  });

  it("a sweep's run without a result is reported as so far, of the steps its plan asks for", () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-summary-"));
    mkdirSync(join(dir, "runs", "aaa"), { recursive: true });
    writeFileSync(join(dir, "runs", "aaa", "metrics.jsonl"), synthetic(30).map((l) => JSON.stringify(l)).join("\n") + "\n");
    writeFileSync(join(dir, "plan.json"), JSON.stringify({ grid: { grid: {} }, runs: [{ id: "aaa", point: { cell: "rnn" }, seed: 1, flags: { steps: 30000 } }] }));
    const head = () => runCli(["summary", dir]).stdout.split("\n")[0];
    expect(head()).toBe(`cell=rnn seed 1 (${join(dir, "runs", "aaa")}): 30 steps so far of 30,000 (still training, or interrupted)`);
    writeFileSync(join(dir, "runs", "aaa.json"), JSON.stringify({ id: "aaa", point: { cell: "rnn" }, seed: 1, flags: { steps: 30 } }));
    expect(head()).toBe(`cell=rnn seed 1 (${join(dir, "runs", "aaa")}): 30 steps`);
    // a run that has not written a step yet: one line, no table
    writeFileSync(join(dir, "runs", "aaa", "metrics.jsonl"), "");
    rmSync(join(dir, "runs", "aaa.json"));
    expect(runCli(["summary", dir]).stdout).toBe(`cell=rnn seed 1 (${join(dir, "runs", "aaa")}): 0 steps so far of 30,000 (still training, or interrupted)\n`);
  });

  it("runs that share a label (a run and its longer continuation) are listed by their steps", () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-summary-"));
    // ids sort the longer run first; the steps put it second
    for (const [id, n] of [["aaa", 40], ["bbb", 20]] as const) {
      mkdirSync(join(dir, "runs", id), { recursive: true });
      writeFileSync(join(dir, "runs", id, "metrics.jsonl"), synthetic(n).map((l) => JSON.stringify(l)).join("\n") + "\n");
      writeFileSync(join(dir, "runs", `${id}.json`), JSON.stringify({ id, point: { cell: "lstm" }, seed: 3, flags: { steps: n } }));
    }
    const heads = runCli(["summary", dir]).stdout.split("\n").filter((l) => l.startsWith("cell="));
    expect(heads.map((l) => /: (\d+) steps/.exec(l)![1])).toEqual(["20", "40"]);
  });

  it("the real binary on a real training run: --json's steps and final loss match metrics.jsonl, and bad flags exit 2", () => {
    const out = mkdtempSync(join(tmpdir(), "rnnlab-summary-"));
    const train = runCli(["train", "--task", "adding", "--cell", "lstm", "--T", "12", "--hidden", "6", "--batch", "4", "--steps", "45", "--quiet", "--out", out]);
    expect(train.code).toBe(0);
    const r = runCli(["summary", out, "--json", "--block", "10", "--window", "20"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.format).toBe("rnnlab-run-summary");
    const [s] = j.runs;
    const losses = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).loss as number);
    expect(s.steps).toBe(45);
    expect(s.blocks).toHaveLength(5);
    let sum = 0;
    for (let i = 25; i < 45; i++) sum += losses[i];
    expect(s.finalLoss).toBe(sum / 20);
    expect(s.blocks[4].loss).toBeCloseTo(mean(losses.slice(40)), 14);
    expect(s.blocks.every((b: { log10GradRatio: number | null }) => b.log10GradRatio !== null && b.log10GradRatio < 0)).toBe(true);
    const text = runCli(["summary", out]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("adding lstm T=12 H=6 seed 1"); // from the run's checkpoint
    expect(text.stdout).toContain("45 steps\n"); // finished: model.json is there
    // --figure: the loss-curves figure from the metrics, with the baseline of the checkpoint's task
    const svg = join(out, "fig", "curves.svg");
    expect(runCli(["summary", out, "--figure", svg]).code).toBe(0);
    const fig = readFileSync(svg, "utf8");
    for (const s of ["adding lstm T=12 H=6 seed 1, 45 steps", "loss / baseline", "log10 ratio", "finished or not"]) expect(fig).toContain(s);
    expect(fig).toContain(CELL_COLORS.lstm);
    // a run with Glorot's init beside it: its label says so, and it takes the LSTM's variant colour
    const glorot = mkdtempSync(join(tmpdir(), "rnnlab-summary-glorot-"));
    expect(runCli(["train", "--task", "adding", "--cell", "lstm", "--T", "12", "--hidden", "6", "--batch", "4", "--steps", "20", "--init", "glorot", "--quiet", "--out", glorot]).code).toBe(0);
    const both = join(out, "fig", "both.svg");
    expect(runCli(["summary", out, glorot, "--figure", both]).code).toBe(0);
    const figBoth = readFileSync(both, "utf8");
    for (const s of ["adding lstm T=12 H=6 init=glorot seed 1, 20 steps", CELL_COLORS.lstm, CELL_COLORS.lstmVariant]) expect(figBoth).toContain(s);
    const badFig = runCli(["summary", out, "--figure", join(out, "x.pdf")]);
    expect([badFig.code, badFig.stderr.trim()]).toEqual([2, 'rnnlab: --figure: "' + join(out, "x.pdf") + '" is not allowed: expected a file name ending in .svg or .png']);
    expect(s.finished).toBe(true);
    // a train folder inside a runs/ folder is still a train folder: its model.json says it finished
    const nested = join(out, "runs", "x");
    mkdirSync(nested, { recursive: true });
    for (const f of ["metrics.jsonl", "model.json"]) writeFileSync(join(nested, f), readFileSync(join(out, f)));
    expect(runCli(["summary", nested]).stdout).toContain("45 steps\n");
    // without model.json the run is still training, or was interrupted
    rmSync(join(out, "model.json"));
    expect(runCli(["summary", out]).stdout).toContain("45 steps so far (still training, or interrupted)\n");
    const bad = runCli(["summary", out, "--window", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--window");
  });
});
