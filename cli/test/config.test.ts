// Layered configuration (defaults < --config FILE < flags) and bad input, through the real binary:
// every mistake exits 2 with one line that names the field.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { normalizeKeys, parseLayered } from "../src/config";
import { intFlag, numberText } from "../src/flags";
import { runCliAsync } from "./run-cli";


const run = (args: string[]) => runCliAsync(args);

const dir = mkdtempSync(join(tmpdir(), "rnnlab-config-"));
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
// The real binary for the kinds of bad input a user meets first (train.test.ts covers the same as flags).
const cases: [string, string[], RegExp][] = [
  ["an unknown flag", ["sweep", "--grid", "g.json", "--wokers", "2"], /unknown option '--wokers'/],
  ["a non-integer T in a config file", ["train", "--config", file("frac-t.json", '{"T": 2.5}')], /^rnnlab: --config .*frac-t\.json: "T": 2\.5 is not allowed: expected an integer in \[1, 1000000\]\n$/],
  ["a learning rate of NaN in a config file", ["train", "--config", file("nan-lr.json", '{"lr": "NaN"}')], /^rnnlab: --config .*nan-lr\.json: "lr": "NaN" is not allowed: expected a number\n$/],
  ["an unreadable config file", ["train", "--config", join(dir, "missing.json")], /^rnnlab: --config: cannot read .*missing\.json \(ENOENT\)\n$/],
  ["a config file with an unknown key", ["train", "--config", file("typo.json", '{"hiden": 32}')], /^rnnlab: --config .*typo\.json: unknown key "hiden"; allowed keys: task, cell, T, hidden, .*\n$/],
  ["--activation with an LSTM", ["analyze", "--cell", "lstm", "--activation", "relu", "--T", "5"], /^rnnlab: --activation: applies to --cell rnn only, got --cell lstm\n$/],
  ["--forget-bias with a GRU", ["gradcheck", "--cell", "gru", "--forget-bias", "3"], /^rnnlab: --forget-bias: applies to --cell lstm only, got --cell gru\n$/],
  ["--forget-bias with --weights", ["gradcheck", "--weights", "core/test/fixtures/torch/lstm-mse-last-mean/model.safetensors", "--forget-bias", "3"], /^rnnlab: --forget-bias: applies to a seeded LSTM \(no --weights\); .*model\.safetensors brings its own bf\n$/],
  ["--activation with a GRU's weights", ["gradcheck", "--weights", "core/test/fixtures/torch/gru-mse-last-mean/model.safetensors", "--activation", "relu"], /^rnnlab: --activation: applies to a vanilla RNN; .*model\.safetensors holds a gru\n$/],
  ["a value beyond float64 in a config file", ["train", "--config", file("huge-t.json", '{"T": 1e400}')], /^rnnlab: --config .*huge-t\.json: "T": Infinity \(a number beyond float64\) is not allowed: /],
  ["an unknown reproduction", ["reproduce", "foo"], /^rnnlab: NAME: "foo" is not allowed: expected one of adding\|copy\|char-lm\|gradients\n$/],
  ["a seed beyond 2^32 - 1", ["reproduce", "adding", "--quick", "--seeds", "1,99999999999"], /^rnnlab: --seeds: "1,99999999999" is not allowed: expected seeds separated by commas, each an integer in \[0, 4294967295\]\n$/],
  ["a file where a folder should be", ["summary", file("not-a-dir.json", "{}")], /^rnnlab: .*not-a-dir\.json: not a folder\n$/],
  ["an --out that cannot be created", ["analyze", "--cell", "rnn", "--T", "5", "--out", join(file("blocker", ""), "a.json")], /^rnnlab: --out: cannot create the folder ".*blocker" \(EEXIST\)\n$/],
];

describe("bad input exits 2 with a message naming the field", () => {
  for (const [what, args, msg] of cases) {
    it.concurrent(`rnnlab ${args[0]} rejects ${what}`, async () => {
      const r = await run(args);
      expect(r.stderr).toMatch(msg);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }, 180_000);
  }
});

it.concurrent("rnnlab --version prints package.json's version and exits 0", async () => {
  const r = await run(["--version"]);
  expect([r.code, r.stdout.trim()]).toEqual([0, JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version]);
});

describe("rnnlab train --config", () => {
  it.concurrent("rnnlab train --config FILE takes the file's values over the defaults, and flags over the file", async () => {
    const out = join(dir, "layered");
    const cfg = file("layered.json", JSON.stringify({ task: "adding", cell: "gru", T: 7, hidden: 5, batch: 3, steps: 9, "clip-norm": 1, quiet: true }));
    const r = await run(["train", "--config", cfg, "--steps", "4", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(4); // the flag beat the file's 9
    const ck = JSON.parse(readFileSync(join(out, "checkpoint.json"), "utf8"));
    const key = JSON.parse(ck.run);
    expect(key).toMatchObject({ cell: "gru", T: 7, hidden: 5, batch: 3, clip: { mode: "global", threshold: 1 }, lr: 1e-3 });
  }, 180_000);
});

/** A command with a few of train's options, whose action returns parseLayered's result (or its error). */
function layered(argv: string[]): Record<string, unknown> | Error {
  const schema = z.object({ T: intFlag(1, 1000).default(50), lr: numberText.default(1e-3), cell: z.string().default("lstm"), quiet: z.boolean().default(false) });
  let got: Record<string, unknown> | Error = new Error("action not called");
  const cmd = new Command("x").exitOverride()
    .option("--T <n>", "", "50").option("--lr <x>", "", "1e-3").option("--cell <c>", "", "lstm").option("--quiet").option("--config <file>")
    .action((raw: Record<string, unknown>, c: Command) => {
      try { got = parseLayered(schema, raw, c); } catch (e) { got = e as Error; }
    });
  cmd.parse(argv, { from: "user" });
  return got;
}

describe("parseLayered(schema, raw, cmd)", () => {
  it("parseLayered without --config gives the defaults and the flags", () => {
    expect(layered(["--T", "7"])).toEqual({ T: 7, lr: 1e-3, cell: "lstm", quiet: false });
  });
  it("parseLayered puts the file over the defaults and the command line over the file, kebab-case or camelCase keys", () => {
    const p = file("l1.json", JSON.stringify({ T: 9, lr: 0.5, cell: "gru", quiet: true }));
    expect(layered(["--config", p])).toEqual({ T: 9, lr: 0.5, cell: "gru", quiet: true });
    expect(layered(["--config", p, "--lr", "0.25", "--T", "50"])).toEqual({ T: 50, lr: 0.25, cell: "gru", quiet: true });
  });
  it("parseLayered names the file and the key of a bad value, and the flag of a bad flag", () => {
    const p = file("l2.json", JSON.stringify({ T: 0 }));
    expect((layered(["--config", p]) as Error).message).toMatch(/--config .*l2\.json: "T": 0 is not allowed: expected an integer in \[1, 1000\]/);
    expect((layered(["--config", file("l3.json", '{"T": [1]}')]) as Error).message).toMatch(/"T": \[1\] is not allowed/);
    expect((layered(["--config", file("l4.json", '{"T": 5}'), "--T", "x"]) as Error).message).toMatch(/^--T: "x" is not allowed: expected a number/);
  });
  it("parseLayered rejects an unknown key, a repeated option and a file that is not one JSON object", () => {
    expect((layered(["--config", file("l5.json", '{"hidden": 3}')]) as Error).message).toMatch(/unknown key "hidden"; allowed keys: T, lr, cell, quiet/);
    expect((layered(["--config", file("l6.json", '{"clip-norm": 1, "clipNorm": 2}')]) as Error).message).toMatch(/unknown key "clip-norm"/);
    expect((layered(["--config", file("l7.json", '[1, 2]')]) as Error).message).toMatch(/must hold one JSON object/);
    expect((layered(["--config", file("l8.json", '{"T": 5,}')]) as Error).message).toMatch(/is not valid JSON/);
    expect((layered(["--config", dir]) as Error).message).toMatch(/is not a file/);
  });
  it("normalizeKeys maps kebab-case to option keys and refuses two spellings of one option", () => {
    expect(normalizeKeys({ "clip-norm": 1, T: 2, forgetBias: 3 }, ["clipNorm", "T", "forgetBias"], "f")).toEqual({ clipNorm: 1, T: 2, forgetBias: 3 });
    expect(() => normalizeKeys({ "clip-norm": 1, clipNorm: 2 }, ["clipNorm"], "f")).toThrow(/"clipNorm" and "clip-norm" name the same option/);
  });
});
