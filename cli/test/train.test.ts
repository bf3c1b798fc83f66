// `rnnlab train` and `rnnlab sample` as real processes: outputs, a real SIGINT and --resume.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ROOT, runCli } from "./run-cli";

const BIN = fileURLToPath(new URL("../../bin/rnnlab.mjs", import.meta.url));
const base = ["train", "--task", "adding", "--cell", "gru", "--T", "30", "--hidden", "8", "--batch", "8", "--optimizer", "adam", "--lr", "3e-3", "--clip-norm", "1", "--quiet"];

describe("rnnlab train", () => {
  it("rnnlab train writes one metrics line per step with step and loss, and a model.json", () => {
    const out = mkdtempSync(join(tmpdir(), "rnnlab-train-"));
    const r = runCli([...base, "--steps", "15", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    for (const l of lines) expect(Number.isFinite(l.loss)).toBe(true);
    const model = JSON.parse(readFileSync(join(out, "model.json"), "utf8"));
    expect(model.format).toBe("rnnlab-model");
    expect(model.config.cell).toBe("gru");
  });

  it("rnnlab train interrupted by a real SIGINT and continued with --resume ends with the same model bytes as an uninterrupted run", async () => {
    const a = mkdtempSync(join(tmpdir(), "rnnlab-train-")), b = mkdtempSync(join(tmpdir(), "rnnlab-train-"));
    const steps = ["--steps", "400", "--save-every", "7"];
    expect(runCli([...base, ...steps, "--out", a]).code).toBe(0);
    // interrupted run: SIGINT once the metrics show progress
    const child = spawn(process.execPath, [BIN, ...base, ...steps, "--out", b], { cwd: ROOT, stdio: "ignore" });
    const metrics = join(b, "metrics.jsonl");
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const n = existsSync(metrics) ? readFileSync(metrics, "utf8").split("\n").length : 0;
        if (n > 30) { clearInterval(timer); child.kill("SIGINT"); resolve(); }
      }, 20);
      child.on("exit", () => { clearInterval(timer); reject(new Error("finished before it could be interrupted")); });
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code).toBe(130);
    expect(existsSync(join(b, "model.json"))).toBe(false);
    const ck = JSON.parse(readFileSync(join(b, "checkpoint.json"), "utf8"));
    expect(ck.state.step).toBeGreaterThan(0);
    expect(ck.state.step).toBeLessThan(400);
    const r = runCli([...base, ...steps, "--out", b, "--resume"]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(b, "model.json"), "utf8")).toBe(readFileSync(join(a, "model.json"), "utf8"));
    expect(readFileSync(join(b, "metrics.jsonl"), "utf8")).toBe(readFileSync(join(a, "metrics.jsonl"), "utf8"));
  }, 120_000);

  it("rnnlab train --alpha sets RMSProp's smoothing constant: 0.99 given equals the default, 0.9 trains differently", () => {
    const rms = ["train", "--task", "adding", "--cell", "rnn", "--T", "10", "--hidden", "4", "--batch", "4", "--steps", "5", "--quiet"];
    const losses = (extra: string[]) => {
      const out = mkdtempSync(join(tmpdir(), "rnnlab-train-"));
      expect(runCli([...rms, ...extra, "--out", out]).code).toBe(0);
      return readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).loss as number);
    };
    const def = losses([]), same = losses(["--alpha", "0.99"]), other = losses(["--alpha", "0.9"]);
    expect(same).toEqual(def);
    expect(other[0]).toBe(def[0]); // the first loss comes before any update
    expect(other.slice(1)).not.toEqual(def.slice(1));
  });

  it("rnnlab train --resume with a larger --steps extends a finished run to the same bytes as the longer run", () => {
    const short = mkdtempSync(join(tmpdir(), "rnnlab-train-")), long = mkdtempSync(join(tmpdir(), "rnnlab-train-"));
    expect(runCli([...base, "--steps", "5", "--out", short]).code).toBe(0);
    expect(runCli([...base, "--steps", "12", "--out", short, "--resume"]).code).toBe(0);
    expect(runCli([...base, "--steps", "12", "--out", long]).code).toBe(0);
    for (const f of ["metrics.jsonl", "model.json", "checkpoint.json"]) expect(readFileSync(join(short, f), "utf8"), f).toBe(readFileSync(join(long, f), "utf8"));
  });

  it("rnnlab train refuses to start afresh over another run, and --resume explains what does not fit", () => {
    const out = mkdtempSync(join(tmpdir(), "rnnlab-train-"));
    expect(runCli([...base, "--steps", "6", "--save-every", "3", "--out", out]).code).toBe(0);
    const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8");
    let r = runCli([...base, "--steps", "3", "--out", out]);
    expect([r.code, r.stderr.trim()]).toEqual([2, `rnnlab: --out: ${out} already holds a run; continue it with --resume (a larger --steps extends a finished one), or choose another --out`]);
    expect(readFileSync(join(out, "metrics.jsonl"), "utf8")).toBe(metrics); // untouched
    r = runCli([...base, "--steps", "4", "--out", out, "--resume"]);
    expect([r.code, r.stderr.trim()]).toEqual([2, `rnnlab: --steps: 4 is not allowed: the checkpoint in ${out} is at step 6 already`]);
    r = runCli([...base.map((a) => (a === "8" ? "9" : a)), "--steps", "8", "--out", out, "--resume"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/other flags \(hidden: 9 here, 8 in the checkpoint; batch: 9 here, 8 in the checkpoint\)/);
    // a hard kill can tear the last metrics line: it is dropped on resume
    writeFileSync(join(out, "metrics.jsonl"), metrics + '{"step":7,"loss":0.1');
    r = runCli([...base, "--steps", "8", "--out", out, "--resume"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    writeFileSync(join(out, "checkpoint.json"), '{"run": "x", "sta');
    r = runCli([...base, "--steps", "9", "--out", out, "--resume"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--resume: .*checkpoint.json is not a checkpoint rnnlab wrote \(.*\); delete it to start afresh/);
  });

  it("rnnlab train over the metrics of a run that stopped before its first checkpoint says to delete them, not to --resume", () => {
    const out = mkdtempSync(join(tmpdir(), "rnnlab-train-"));
    const div = ["train", "--task", "adding", "--cell", "rnn", "--T", "5", "--hidden", "4", "--batch", "2", "--optimizer", "sgd", "--lr", "1e6", "--steps", "200", "--quiet", "--out", out];
    expect(runCli(div).code).toBe(2); // it diverges at step 24, before the first checkpoint (step 50)
    const r = runCli(div);
    expect([r.code, r.stderr.trim()]).toEqual([2, `rnnlab: --out: ${out} holds the metrics of a run that stopped before its first checkpoint; delete them or choose another --out`]);
  });

  it("rnnlab train --on-nonfinite skip warns at the end how many updates it skipped", () => {
    const out = mkdtempSync(join(tmpdir(), "rnnlab-train-"));
    const r = runCli(["train", "--task", "adding", "--cell", "rnn", "--T", "5", "--hidden", "4", "--batch", "2", "--optimizer", "sgd", "--lr", "1e30", "--on-nonfinite", "skip", "--steps", "20", "--quiet", "--out", out]);
    expect(r.code).toBe(0);
    const skipped = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").filter((l) => JSON.parse(l).skipped).length;
    expect(skipped).toBeGreaterThan(0);
    expect(r.stderr.trim()).toBe(`rnnlab train: warning: ${skipped} of the 20 steps trained here skipped their update (non-finite gradients; see "skipped" in metrics.jsonl)`);
  });

  it("rnnlab train --resume with other flags is refused with exit 2", () => {
    const out = mkdtempSync(join(tmpdir(), "rnnlab-train-"));
    expect(runCli([...base, "--steps", "3", "--out", out]).code).toBe(0);
    const r = runCli([...base, "--steps", "6", "--lr", "1e-2", "--out", out, "--resume"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--resume: .* was written by a run with other flags/);
  });

  for (const [what, args, msg] of [
    ["an unknown task", ["train", "--task", "sorting"], /--task: "sorting" .*adding\|adding-hs/],
    ["a negative T", ["train", "--T", "-5"], /--T: "-5" .*integer in \[1, 1000000\]/],
    ["a non-integer T", ["train", "--T", "2.5"], /--T: "2.5" .*integer/],
    ["a learning rate of NaN", ["train", "--lr", "NaN"], /--lr: "NaN" .*expected a number/],
    ["two clipping modes", ["train", "--clip-norm", "1", "--clip-value", "1"], /choose at most one/],
    ["an rmsprop alpha of 1", ["train", "--alpha", "1"], /--alpha: "1" .*\[0, 1\)/],
    ["--alpha with adam", ["train", "--optimizer", "adam", "--alpha", "0.9"], /--alpha: applies to --optimizer rmsprop only/],
    ["--checkpoint-k beyond the sequence", ["train", "--T", "3", "--bptt", "checkpoint", "--checkpoint-k", "100"], /--checkpoint-k: 100 is not allowed: expected an integer in \[1, 3\] \(the shortest sequence\)/],
    ["--checkpoint-k without --bptt checkpoint", ["train", "--checkpoint-k", "4"], /--checkpoint-k: applies to --bptt checkpoint only/],
    ["--k2 without --bptt tbptt", ["train", "--k2", "4"], /--k2: applies to --bptt tbptt only/],
    ["an --out that is a file", ["train", "--out", fileURLToPath(import.meta.url)], /--out: cannot create the folder .* \(EEXIST\)/],
  ] as [string, string[], RegExp][]) {
    it(`rnnlab train rejects ${what} with exit 2 and a message naming the flag`, () => {
      const r = runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
    });
  }
});

describe("rnnlab sample", () => {
  it("rnnlab sample draws names from a char-LM trained by rnnlab train --task char-lm, deterministically per seed", () => {
    const out = mkdtempSync(join(tmpdir(), "rnnlab-dinos-"));
    expect(runCli(["train", "--task", "char-lm", "--cell", "rnn", "--hidden", "16", "--optimizer", "sgd", "--lr", "0.01", "--clip-value", "5", "--steps", "200", "--quiet", "--out", out]).code).toBe(0);
    const a = runCli(["sample", "--model", join(out, "model.json"), "--n", "5", "--seed", "4"]);
    const b = runCli(["sample", "--model", join(out, "model.json"), "--n", "5", "--seed", "4"]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const names = a.stdout.trimEnd().split("\n");
    expect(names).toHaveLength(5);
    for (const n of names) expect(n).toMatch(/^[a-z]*$/);
  });

  it("rnnlab sample rejects a model that is not a char-LM", () => {
    const out = mkdtempSync(join(tmpdir(), "rnnlab-train-"));
    expect(runCli([...base, "--steps", "2", "--out", out]).code).toBe(0);
    const r = runCli(["sample", "--model", join(out, "model.json")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no valid meta.vocab/);
  });
});
