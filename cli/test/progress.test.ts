// createProgress: a cli-progress bar with an ETA on a terminal, plain periodic lines otherwise, and
// nothing with --quiet; and `rnnlab train`'s lines when stderr is not a terminal.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createProgress, type ProgressStream } from "../src/progress";
import { ROOT } from "./run-cli";

/** A stream that records what is written; `tty` makes it claim to be a terminal. */
function sink(tty: boolean): ProgressStream & { text: () => string } {
  let out = "";
  const s = new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } }) as Writable & { isTTY?: boolean; columns?: number; text: () => string };
  if (tty) { s.isTTY = true; s.columns = 120; }
  s.text = () => out;
  return s;
}

describe("createProgress", () => {
  it("createProgress on a stream that is not a terminal prints a plain line every total/20 and at the end", () => {
    const s = sink(false);
    const p = createProgress({ total: 40, label: "step", quiet: false, stream: s });
    expect(p.mode).toBe("plain");
    for (let i = 1; i <= 40; i++) p.update(i, () => `loss ${i}`);
    p.log("done");
    p.stop();
    const lines = s.text().trimEnd().split("\n");
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe("step 2/40  loss 2");
    expect(lines[19]).toBe("step 40/40  loss 40");
    expect(lines[20]).toBe("done");
  });

  it("createProgress continues a resumed count from `start` and calls `detail` only for printed lines", () => {
    const s = sink(false);
    let calls = 0;
    const p = createProgress({ total: 100, start: 37, label: "step", quiet: false, stream: s, plainEvery: 10 });
    for (let i = 38; i <= 100; i++) p.update(i, () => { calls++; return "x"; });
    expect(s.text().split("\n")[0]).toBe("step 40/100  x");
    expect(calls).toBe(7); // 40, 50, ..., 100
  });

  it("createProgress with quiet prints nothing, not even logged lines", () => {
    const s = sink(true);
    const p = createProgress({ total: 10, label: "step", quiet: true, stream: s });
    expect(p.mode).toBe("quiet");
    for (let i = 1; i <= 10; i++) p.update(i, () => "x");
    p.log("hello");
    p.stop();
    expect(s.text()).toBe("");
  });

  it("createProgress on a terminal draws a cli-progress bar with the value, an ETA and the bar's detail text", () => {
    const s = sink(true);
    const p = createProgress({ total: 50, label: "step", quiet: false, stream: s });
    expect(p.mode).toBe("bar");
    for (let i = 1; i <= 50; i++) p.update(i, (mode) => `${mode} detail`);
    p.log("a line above the bar");
    p.stop();
    p.stop();
    const text = s.text();
    expect(text).toContain("step ");
    expect(text).toMatch(/50\/50 \| ETA \d+s \| bar detail/);
    expect(text).toContain("a line above the bar");
  });
});

describe("rnnlab train progress", () => {
  it("rnnlab train with stderr not a terminal prints the header, a line every steps/20 with loss and gradient, and the files written", async () => {
    const out = mkdtempSync(join(tmpdir(), "rnnlab-progress-"));
    const BIN = fileURLToPath(new URL("../../bin/rnnlab.mjs", import.meta.url));
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "train", "--task", "adding", "--cell", "rnn", "--T", "5", "--hidden", "4", "--batch", "2", "--steps", "40", "--out", out], { cwd: ROOT });
      let stderr = "";
      child.stderr.on("data", (d) => { stderr += d; });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^rnnlab train: rnn H=4 on adding \(T=5, B=2\); baseline 0\.1667/);
    const steps = lines.filter((l) => l.startsWith("step "));
    expect(steps.map((l) => l.split(" ")[1])).toEqual(Array.from({ length: 20 }, (_, i) => `${2 * i + 2}/40`));
    for (const l of steps) expect(l).toMatch(/^step \d+\/40 {2}loss \d\.\d{5} {2}\|g\| \S+( \(clipped\))? {2}rho \d\.\d{3} {2}log10\|dJ\/da<1>\|-log10\|dJ\/da<T>\| -?\d+\.\d\d$/);
    expect(lines.at(-1)).toBe(`wrote ${join(out, "model.json")} and ${join(out, "metrics.jsonl")}`);
  }, 180_000);
});
