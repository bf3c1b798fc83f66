// `rnnlab explain` end to end: the real binary at a small size, its files checked against independent
// calls of core, a self-contained index.html, byte-identical reruns, and clean rejection of bad flags.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  initModel, lagSplit, lossAndGrads, makeConfig, maskEvery, maskLast, Rng, type CellKind, type GruVariant,
} from "../../core/src/index";
import { computeExplain, explainSummary } from "../src/commands/explain";
import { formatPow10 } from "../src/figures/format-pow10";
import { ROOT, type CliResult } from "./run-cli";

/** run-cli.ts's runCli, but asynchronous, so that the binary's runs below overlap on the two cores. */
function runCliAsync(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(ROOT, "bin/rnnlab.mjs"), ...args], { cwd: ROOT, timeout: 60_000 });
    let stdout = "", stderr = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; });
    p.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
    p.on("error", reject);
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const T = 100, H = 8, I = 4, SEED = 1;
const NAMES = ["one-path", "two-paths", "chain-rule", "deep-twin", "lag-split", "spectral-sweep"];
const FILES = ["report.json", "index.html", ...NAMES.flatMap((n) => [`${n}.svg`, `${n}.png`])];

/** The protocol documented in explain.ts, rebuilt from core alone. */
function coreRun(cell: CellKind, forgetBias: number, on: "last" | "every", spectralRadius?: number) {
  const x = new Float64Array(T * I);
  new Rng(SEED).fillRandn(x, 0, x.length);
  const gruVariant: GruVariant = "reset-after";
  const model = initModel(makeConfig({ cell, I, H, O: 1, gruVariant }), new Rng(SEED + 1), { forgetBias, spectralRadius });
  const batch = { x, T, B: 1, targets: new Float64Array(T) };
  const spec = { loss: "mse" as const, reduction: "mean" as const, mask: on === "last" ? maskLast(T) : maskEvery(T) };
  return { model, batch, spec, ws: lossAndGrads(null, model, batch, spec, { ledger: true }) };
}

/** Bad flags, each with the flag its one-line error must name. */
const BAD: [string[], string][] = [
  [["--T", "-5"], "--T"],
  [["--T", "100", "--t", "100"], "--t"],
  [["--T", "50", "--t", "0"], "--t: 0 is not allowed: expected an integer in [1, T-1] = [1, 49]"],
  [["--forget-bias", "NaN"], "--forget-bias"],
  [["--bogus", "1"], "--bogus"],
];

describe("rnnlab explain", () => {
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), "rnnlab-explain-")));
  const badOut = BAD.map(() => join(mkdtempSync(join(tmpdir(), "rnnlab-explain-bad-")), "x"));
  let runs: CliResult[] = [];
  let bad: CliResult[] = [];
  beforeAll(async () => {
    const all = await Promise.all([
      ...dirs.map((d) => runCliAsync(["explain", "--T", String(T), "--hidden", String(H), "--out", d])),
      ...BAD.map(([args], i) => runCliAsync(["explain", ...args, "--out", badOut[i]])),
    ]);
    runs = all.slice(0, dirs.length);
    bad = all.slice(dirs.length);
  }, 120_000);

  it(`rnnlab explain --T ${T} --hidden ${H} exits 0 and writes report.json, index.html and an SVG and a PNG per figure`, () => {
    expect(runs[0].stderr).toBe("");
    expect(runs[0].code).toBe(0);
    for (const f of FILES) expect(existsSync(join(dirs[0], f)), f).toBe(true);
    const r = JSON.parse(readFileSync(join(dirs[0], "report.json"), "utf8"));
    expect(r.figures.map((f: { name: string }) => f.name)).toEqual(NAMES);
    expect(r.setup).toMatchObject({ T, H, I, seed: SEED, t: 1, gruVariant: "reset-after", forgetBias: 5 });
    expect(r.models.map((m: { key: string }) => m.key)).toEqual(["rnn", "gru", "lstm", "lstmBf"]);
  });

  it("report.json's ledgers equal lossAndGrads' ledger on the same models and inputs to 1e-12", () => {
    const r = JSON.parse(readFileSync(join(dirs[0], "report.json"), "utf8"));
    for (const [key, cell, fb] of [["rnn", "rnn", 0], ["gru", "gru", 0], ["lstm", "lstm", 0], ["lstmBf", "lstm", 5]] as [string, CellKind, number][]) {
      const last = coreRun(cell, fb, "last").ws.ledger!;
      const every = coreRun(cell, fb, "every").ws.ledger!;
      expect(Math.abs(r.onePath[key].total[0] - last.total[0]), `${key} log10‖dJ/da<1>‖`).toBeLessThan(1e-12);
      expect(Math.abs(r.onePath[key].total[T - 1] - last.total[T - 1])).toBeLessThan(1e-12);
      expect(Math.abs(r.onePath[key].log10Ratio - (last.total[0] - last.total[T - 1]))).toBeLessThan(1e-12);
      expect(r.onePath[key].dWaa[0]).toBeNull(); // dWaa<1> multiplies a<0> = 0: exactly zero, stored as null
      expect(Math.abs(r.onePath[key].dWaa[1] - last.dWaa[1])).toBeLessThan(1e-12);
      expect(Math.abs(r.twoPaths[key].direct[0] - every.direct[0])).toBeLessThan(1e-12);
      expect(Math.abs(r.twoPaths[key].recurrent[0] - every.recurrent[0])).toBeLessThan(1e-12);
      expect(r.twoPaths[key].recurrent[T - 1]).toBeNull(); // nothing arrives after the last step
      // the twin's layers and the lag split's sum are the same gradient by two other routes
      expect(r.deepTwin[key].maxAbsLog10DiffVsLedger).toBeLessThan(1e-9);
      expect(r.deepTwin[key].log10LayerGradNorm.length).toBe(T);
    }
  });

  it("report.json's lag split sums to dWaa of lossAndGrads, and its sweep matches runs with Waa rescaled", () => {
    const r = JSON.parse(readFileSync(join(dirs[0], "report.json"), "utf8"));
    const { model, batch, spec, ws } = coreRun("rnn", 0, "every");
    const b = ws.layout.byName.Waa;
    let s = 0;
    for (let i = 0; i < b.size; i++) s += ws.grads.dparams[b.offset + i] ** 2;
    expect(Math.abs(r.lagSplit.models.rnn.log10DWaa - Math.log10(Math.sqrt(s)))).toBeLessThan(1e-10);
    expect(r.lagSplit.maxLag).toBe(Math.min(T, 256));
    expect(r.lagSplit.models.rnn.log10TailFraction[0]).toBeCloseTo(0, 10);
    expect(Math.abs(r.lagSplit.models.rnn.log10Lag[1] - lagSplit(model, batch, spec, { maxLag: 4 }).log10Lag[1])).toBeLessThan(1e-12);
    expect(r.sweep.rho).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.4, 1.5]);
    for (const i of [0, 5, 10]) {
      const l = coreRun("rnn", 0, "last", r.sweep.rho[i]).ws.ledger!;
      expect(Math.abs(r.sweep.log10Ratio[i] - (l.total[0] - l.total[T - 1]))).toBeLessThan(1e-12);
    }
    // the chain rule: P(T,T) = I, and the running product never exceeds the product of the factors' norms
    const cr = r.chainRule;
    expect(cr.log10Product[T]).toBe(0);
    let acc = 0;
    for (let k = T; k >= 1; k--) {
      acc += cr.log10FactorNorm[k - 1];
      expect(cr.log10Product[k - 1]).toBeLessThanOrEqual(acc + 1e-9);
    }
  });

  it("the terminal lines answer with the report's numbers", () => {
    const r = JSON.parse(readFileSync(join(dirs[0], "report.json"), "utf8"));
    const out = runs[0].stdout;
    expect(out.split("\n").slice(0, r.summary.length)).toEqual(r.summary);
    const flat = out.replace(/\n\s*/g, " "); // the lines wrap at ~110 characters
    expect(flat).toContain(`${formatPow10(r.onePath.rnn.log10Ratio)} in the tanh RNN`);
    expect(flat).toContain(`${formatPow10(r.onePath.lstm.log10Ratio)} in the LSTM`);
    expect(flat).toContain(`lags 10+ carry ${formatPow10(r.lagSplit.models.rnn.log10TailFraction[10])}`);
    for (const line of r.summary) expect(line.length).toBeLessThanOrEqual(110);
    expect(r.summary.length).toBeGreaterThanOrEqual(8);
    expect(r.summary.length).toBeLessThanOrEqual(18);
    expect(out).toMatch(/Wrote .*index\.html .* in \d+\.\d s\.\n$/);
  });

  it("index.html holds every figure as inline SVG and references nothing outside itself", () => {
    const html = readFileSync(join(dirs[0], "index.html"), "utf8");
    expect(html.match(/<svg /g)?.length).toBe(NAMES.length);
    for (const n of NAMES) {
      const svg = readFileSync(join(dirs[0], `${n}.svg`), "utf8").replace(' xmlns="http://www.w3.org/2000/svg"', "").trim();
      expect(html).toContain(svg);
    }
    expect(html).not.toMatch(/http|<script|<link|<img|src=|url\(/i);
  });

  it("two runs with the same flags write byte-identical SVG, JSON and HTML files", () => {
    expect(runs[1].code).toBe(0);
    for (const f of FILES.filter((f) => !f.endsWith(".png"))) {
      expect(readFileSync(join(dirs[1], f)).equals(readFileSync(join(dirs[0], f))), f).toBe(true);
    }
  });

  BAD.forEach(([args, flag], i) => {
    it(`rnnlab explain ${args.join(" ")} exits 2 with one line naming ${flag} and writes nothing`, () => {
      expect(bad[i].code).toBe(2);
      expect(bad[i].stderr.trim().split("\n")).toHaveLength(1);
      expect(bad[i].stderr).toContain(flag);
      expect(existsSync(badOut[i])).toBe(false);
    });
  });
});

describe("explainSummary at T = 2", () => {
  it("writes one factor as one factor: no '⋯', no 'factors', nothing to line up", () => {
    const r = computeExplain({ T: 2, hidden: 4, seed: 1, t: 1, forgetBias: 5, gruVariant: "reset-after", twin: "auto" });
    const text = explainSummary(r).join("\n");
    expect(text).toContain("dJ/da<1> = J_2ᵀ · dJ/da<2>: 1 factor, as in a 2-layer network.");
    expect(text).toMatch(/the one factor has ‖J_2‖₂ = 10\^-?[\d.]+; Pascanu's bound/);
    expect(text).not.toMatch(/⋯|1 factors|line up/);
  });
});
