// `rnnlab grad` end to end: the real binary on the PyTorch fixtures, and clean rejection of bad input.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serializeNpy } from "../../core/src/index";
import { runCli } from "./run-cli";

const FIX = "core/test/fixtures/torch";
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const relErr = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.max(1, Math.abs(b[i]))));

describe("rnnlab grad", () => {
  for (const [c, extra] of [
    ["lstm-mse-every-mean-long", ["--c0", `${FIX}/lstm-mse-every-mean-long/c0.npy`, "--on", "every"]],
    ["gru-ce-every-mean", ["--loss", "ce", "--on", "every"]],
    ["rnn-relu-mse-every-sum", ["--activation", "relu", "--on", "every", "--reduction", "sum"]],
  ] as [string, string[]][]) {
    it(`rnnlab grad --weights ${c}/model.safetensors matches torch autograd to 1e-10 under PyTorch's names`, () => {
      const d = `${FIX}/${c}`;
      const r = runCli(["grad", "--weights", `${d}/model.safetensors`, "--inputs", `${d}/x.npy`, "--targets", `${d}/y.npy`, "--h0", `${d}/h0.npy`, ...extra]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      const exp = JSON.parse(readFileSync(`${d}/expected.json`, "utf8"));
      expect(Math.abs(out.loss - exp.loss_value) / Math.abs(exp.loss_value)).toBeLessThan(1e-10);
      for (const [k, v] of Object.entries(exp.grads)) expect(relErr(flat(out.grads.torch[k]), flat(v)), k).toBeLessThan(1e-10);
      expect(relErr(flat(out.dx), flat(exp.dx))).toBeLessThan(1e-10);
      expect(relErr(flat(out.da0), flat(exp.dh0))).toBeLessThan(1e-10);
      expect(out.ledger).toHaveLength(exp.T);
      expect(Object.keys(out.grads.course)).toContain("Wya");
      expect(out.nonFinite).toEqual([]);
    });
  }

  it("rnnlab grad writes null for an exactly-zero ledger part, and --out writes the same JSON atomically", () => {
    const d = `${FIX}/rnn-tanh-mse-last-mean`;
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-"));
    const out = join(dir, "g.json");
    const r = runCli(["grad", "--weights", `${d}/model.safetensors`, "--inputs", `${d}/x.npy`, "--targets", `${d}/y.npy`, "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const j = JSON.parse(readFileSync(out, "utf8"));
    expect(j.ledger[0].direct).toBeNull(); // the loss sits on the last step only
    expect(j.ledger[j.T - 1].recurrent).toBeNull(); // nothing arrives from after the last step
    expect(typeof j.ledger[0].total).toBe("number");
  });

  it("rnnlab grad with a seeded model and a reset-before GRU reports course names and no PyTorch names", () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-"));
    writeFileSync(join(dir, "x.npy"), serializeNpy(Array.from({ length: 12 }, (_, i) => Math.sin(i)), [4, 1, 3]));
    writeFileSync(join(dir, "y.npy"), serializeNpy([0.5], [1, 1]));
    const r = runCli(["grad", "--cell", "gru", "--hidden", "5", "--inputs", join(dir, "x.npy"), "--targets", join(dir, "y.npy")]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.grads.torch).toBeNull();
    expect(Object.keys(j.grads.course)).toEqual(["Wr", "Wu", "Wc", "br", "bu", "bc", "Wya", "by"]);
    expect(j.model.gruVariant).toBe("reset-before");
  });

  const d = `${FIX}/lstm-mse-every-mean-long`;
  const base = ["grad", "--weights", `${d}/model.safetensors`, "--inputs", `${d}/x.npy`, "--targets", `${d}/y.npy`, "--on", "every"];
  const bad: [string, string[], RegExp][] = [
    ["a missing weights file", ["grad", "--weights", "nope.safetensors", "--inputs", `${d}/x.npy`, "--targets", `${d}/y.npy`], /--weights: cannot read nope\.safetensors/],
    ["a .npy given as weights", ["grad", "--weights", `${d}/x.npy`, "--inputs", `${d}/x.npy`, "--targets", `${d}/y.npy`], /--weights: .* is a \.npy array/],
    ["an unknown cell", [...base, "--cell", "banana"], /--cell: "banana" .*rnn\|gru\|lstm/],
    ["a cell that disagrees with the weights", [...base, "--cell", "gru"], /--cell is gru but .*LSTM/],
    ["an unknown flag", [...base, "--bogus"], /unknown option '--bogus'/],
    ["targets of the wrong shape", [...base.slice(0, -2)], /--targets has shape \(60, 2, 2\); .*must be \(2, 2\)/],
    ["inputs whose I differs from the model's", ["grad", "--weights", `${FIX}/gru-mse-last-mean/model.safetensors`, "--inputs", `${d}/x.npy`, "--targets", `${d}/y.npy`], /--inputs: shape \(60, 2, 3\) has I = 3, but the model takes I = 4/],
    ["h0 of the wrong shape", [...base, "--h0", `${d}/x.npy`], /--h0: shape \(60, 2, 3\); expected \(B, H\) = \(2, 8\)/],
    ["a missing --targets", ["grad", "--inputs", `${d}/x.npy`], /--targets: \(missing\)/],
    ["a loss that needs another output", [...base, "--loss", "bce", "--output", "identity"], /--output: identity does not go with --loss bce/],
    ["a non-integer --hidden", ["grad", "--inputs", `${d}/x.npy`, "--targets", `${d}/y.npy`, "--hidden", "2.5"], /--hidden: "2.5" .*integer/],
  ];
  for (const [what, args, msg] of bad) {
    it(`rnnlab grad rejects ${what} with exit code 2 and one line naming the field`, () => {
      const r = runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stdout).toBe("");
    });
  }

  it("rnnlab grad rejects a NaN in the inputs, naming its index, and leaves no output file", () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-"));
    const x = Array.from({ length: 60 * 2 * 3 }, (_, i) => Math.cos(i));
    x[3 * 6 + 1 * 3 + 2] = NaN;
    writeFileSync(join(dir, "x.npy"), serializeNpy(x, [60, 2, 3]));
    const out = join(dir, "g.json");
    const r = runCli(["grad", "--weights", `${d}/model.safetensors`, "--inputs", join(dir, "x.npy"), "--targets", `${d}/y.npy`, "--on", "every", "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--inputs: holds NaN at index \(3, 1, 2\)/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("rnnlab demo", () => {
  it("rnnlab demo --T 200 prints the ledger table for t = 1, 10, 100, 200 and the vanishing ratio", () => {
    const r = runCli(["demo", "--T", "200", "--hidden", "8"]);
    expect(r.code).toBe(0);
    const rows = r.stdout.split("\n").filter((l) => /^\s+\d+\s+-?\d/.test(l)).map((l) => l.trim().split(/\s+/).map(Number));
    expect(rows.map((x) => x[0])).toEqual([1, 10, 100, 200]);
    // the tanh RNN's gradient at t = 1 is far smaller than at t = T
    expect(rows[0][1]).toBeLessThan(rows[3][1] - 10);
    expect(r.stdout).toMatch(/10\^-\d+\.\d of its size at t = 200/);
  });
});

describe("rnnlab analyze", () => {
  it("rnnlab analyze on a seeded tanh RNN writes the JSON report whose parts agree with each other", () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-"));
    const out = join(dir, "a.json");
    const r = runCli(["analyze", "--cell", "rnn", "--hidden", "6", "--T", "300", "--lyapunov", "6", "--svd", "3", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/lyapunov\s+lambda1 = -?\d/);
    const j = JSON.parse(readFileSync(out, "utf8"));
    expect(j.ledger).toHaveLength(300);
    expect(j.jacobian.log10Spectral).toHaveLength(301);
    expect(j.jacobian.log10Singular[0]).toHaveLength(3);
    expect(j.lyapunov.exponents).toHaveLength(6);
    expect(j.pascanu.log10Bound).toHaveLength(300);
    // Pascanu's bound holds: ‖∂a<T>/∂a<k>‖ ≤ (γλ1)^(T-k)
    for (let k = 1; k < 300; k += 37) expect(j.jacobian.log10Spectral[k]).toBeLessThanOrEqual(j.pascanu.log10Bound[k - 1] + 1e-9);
    // the long-run slope of the product norm is the top Lyapunov exponent (log10 per step), within 10%
    const slope = (j.jacobian.log10Spectral[0] - j.jacobian.log10Spectral[200]) / 200;
    expect(Math.abs(slope - j.lyapunov.log10PerStep[0])).toBeLessThan(0.1 * Math.abs(j.lyapunov.log10PerStep[0]) + 0.01);
    // the twin's per-layer gradients are the ledger's per-step dWaa
    expect(j.twin.maxAbsLog10DiffVsLedger).toBeLessThan(1e-9);
    expect(j.lagSplit.log10Lag.length).toBe(256);
  });

  it("rnnlab analyze warns, and records where, when the forward pass overflows; gradcheck refuses a non-finite loss (exit 2, not a FAIL)", () => {
    // a relu RNN with Waa = 1e10·I: its states grow 10^10 a step and leave float64 at a<32>
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-overflow-"));
    const w = join(dir, "relu.json"), out = join(dir, "a.json");
    const p = (shape: number[], data: number[]) => ({ shape, data });
    writeFileSync(w, JSON.stringify({
      format: "rnnlab-model", version: 1,
      config: { cell: "rnn", I: 2, H: 2, O: 1, activation: "relu", gruVariant: "reset-before", output: "identity" },
      params: { Wax: p([2, 2], [1, 0, 0, 1]), Waa: p([2, 2], [1e10, 0, 0, 1e10]), ba: p([2], [1, 1]), Wya: p([1, 2], [1, 1]), by: p([1], [0]) },
    }));
    const r = runCli(["analyze", "--weights", w, "--input-size", "2", "--T", "50", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^rnnlab analyze: warning: the forward state a<\d+> is not finite: the forward pass overflowed float64/);
    const at = Number(/a<(\d+)>/.exec(r.stderr)![1]);
    expect(JSON.parse(readFileSync(out, "utf8")).forwardNonFiniteAt).toBe(at);
    const ok = runCli(["analyze", "--cell", "rnn", "--hidden", "4", "--T", "20", "--out", out]);
    expect([ok.code, ok.stderr]).toEqual([0, ""]);
    expect(JSON.parse(readFileSync(out, "utf8")).forwardNonFiniteAt).toBeNull();
    const g = runCli(["gradcheck", "--weights", w, "--input-size", "2", "--T", "50"]);
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/the loss is (NaN|Infinity) for these weights and inputs \(the forward pass overflowed\); a gradient check needs a finite loss/);
  });

  it("rnnlab grad --loss ce names --targets when a class index is beyond the largest output size", () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnlab-ce-"));
    writeFileSync(join(dir, "x.npy"), serializeNpy(new Float64Array(2), [1, 1, 2]));
    writeFileSync(join(dir, "y.npy"), serializeNpy(new Float64Array([70000]), [1]));
    const r = runCli(["grad", "--loss", "ce", "--inputs", join(dir, "x.npy"), "--targets", join(dir, "y.npy")]);
    expect([r.code, r.stderr.trim()]).toEqual([2, "rnnlab: --targets: holds class 70000; class indices must be integers in [0, 65535]"]);
  });

  it("rnnlab analyze rejects --lyapunov larger than the state size with exit 2", () => {
    const r = runCli(["analyze", "--cell", "gru", "--hidden", "4", "--T", "20", "--lyapunov", "9"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--lyapunov: 9 exceeds the state size n = 4/);
  });
});
