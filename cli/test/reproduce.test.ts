// `rnnlab reproduce NAME --quick` as real processes: each writes its sweep and the data of its figure.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCliAsync } from "./run-cli";


const run = (args: string[]) => runCliAsync(args);

const tmp = mkdtempSync(join(tmpdir(), "rnnlab-reproduce-"));
const json = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), "utf8"));

async function reproduce(name: string): Promise<string> {
  const dir = join(tmp, name);
  const r = await run(["reproduce", name, "--quick", "--workers", "1", "--quiet", "--out", dir]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  for (const f of ["grid.json", "plan.json", "summary.json", "summary.csv", "success-rate.json", "curves.json", `${name}.json`]) expect(existsSync(join(dir, f)), f).toBe(true);
  expect(json(dir, "summary.json").complete).toBe(true);
  return dir;
}

describe("rnnlab reproduce --quick", () => {
  it.concurrent("rnnlab reproduce adding --quick writes adding.json: per cell and T, each seed's steps to MSE < 0.01, final MSE and curve", async () => {
    const dir = await reproduce("adding");
    const a = json(dir, "adding.json");
    expect(a.format).toBe("rnnlab-reproduce-adding");
    expect(a.complete).toBe(true);
    expect(a.selection).toBe(null); // the whole reproduction
    expect(a.quick).toBe(true); // at the tests' sizes
    // curves.json carries each run's gradient ratio on the loss curve's steps, and the figure draws it
    const curves = json(dir, "curves.json");
    for (const r of curves.runs) {
      expect(r.gradRatio.length).toBe(r.step.length);
      for (const v of r.gradRatio) expect(v).toBeLessThan(0);
    }
    expect(readFileSync(join(dir, "loss-curves.svg"), "utf8")).toContain("How much of the last step's gradient reaches step 1");
    expect(readFileSync(join(dir, "loss-curves.svg"), "utf8")).not.toMatch(/partial/);
    expect(a.baseline).toBeCloseTo(1 / 6, 15);
    expect(a.threshold).toBe(0.01);
    expect(a.groups.map((g: { label: string }) => g.label)).toEqual(["cell=lstm T=6", "cell=lstm T=10", "cell=rnn T=6", "cell=rnn T=10"]);
    for (const g of a.groups) {
      expect(g.runs.map((r: { seed: number }) => r.seed)).toEqual([1, 2]);
      for (const r of g.runs) {
        expect(r.curve.step.length).toBe(r.curve.loss.length);
        expect(r.curve.step.at(-1)).toBe(30);
        expect(Number.isFinite(r.finalLoss)).toBe(true);
      }
    }
  }, 180_000);

  it.concurrent("--only T=6 keeps one value of an axis: 4 runs, with the same run ids as in the full grid; unknown axes and values are usage errors", async () => {
    const dir = join(tmp, "adding-only");
    const r = await run(["reproduce", "adding", "--quick", "--only", "T=6", "--workers", "1", "--quiet", "--out", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const plan = json(dir, "plan.json");
    expect(plan.runs.map((x: { point: { cell: string; T: number }; seed: number }) => `${x.point.cell} ${x.point.T} ${x.seed}`))
      .toEqual(["lstm 6 1", "lstm 6 2", "rnn 6 1", "rnn 6 2"]);
    const only = json(dir, "adding.json");
    expect(only.groups.map((g: { label: string }) => g.label)).toEqual(["cell=lstm T=6", "cell=rnn T=6"]);
    // complete, but of the --only plan: the file says so
    expect(only.complete).toBe(true);
    expect(only.selection).toEqual({ only: ["T=6"], seeds: null, steps: null, set: {} });
    const fullDir = join(tmp, "adding-full");
    expect((await run(["reproduce", "adding", "--quick", "--workers", "1", "--quiet", "--out", fullDir])).code).toBe(0);
    const full = json(fullDir, "plan.json");
    const ids = new Map(full.runs.map((x: { point: { cell: string; T: number }; seed: number; id: string }) => [`${x.point.cell} ${x.point.T} ${x.seed}`, x.id]));
    for (const x of plan.runs) expect(x.id).toBe(ids.get(`${x.point.cell} ${x.point.T} ${x.seed}`));
    const bad = await run(["reproduce", "adding", "--quick", "--only", "H=6", "--out", join(tmp, "bad1")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--only H=6: H is not an axis of adding's grid \(its axes: cell, T\)/);
    const bad2 = await run(["reproduce", "adding", "--quick", "--only", "T=7,10", "--out", join(tmp, "bad2")]);
    expect(bad2.code).toBe(2);
    expect(bad2.stderr).toMatch(/--only T=7,10: 7 is not a value of T \(its values: 6, 10\)/);
  }, 240_000);

  it.concurrent("--set init=glorot changes a fixed train option: new runs with their own ids, the option in adding.json's base and selection; axes, seeds, steps and unknown options are usage errors", async () => {
    const dir = join(tmp, "adding-set");
    const r = await run(["reproduce", "adding", "--quick", "--only", "T=6", "--only", "cell=lstm", "--set", "init=glorot", "--set", "forget-bias=1.5", "--workers", "1", "--quiet", "--out", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const plan = json(dir, "plan.json");
    expect(plan.runs.map((x: { flags: { init: string; forgetBias: number } }) => `${x.flags.init} ${x.flags.forgetBias}`)).toEqual(["glorot 1.5", "glorot 1.5"]);
    const a = json(dir, "adding.json");
    expect(a.selection).toEqual({ only: ["T=6", "cell=lstm"], seeds: null, steps: null, set: { init: "glorot", "forget-bias": "1.5" } });
    expect(a.base.init).toBe("glorot");
    // the figures' titles say what was changed
    expect(readFileSync(join(dir, "loss-curves.svg"), "utf8")).toContain("init=glorot, forget-bias=1.5");
    // the same points without --set are other runs
    const plain = await run(["reproduce", "adding", "--quick", "--only", "T=6", "--only", "cell=lstm", "--workers", "1", "--quiet", "--out", join(tmp, "adding-set-plain")]);
    expect(plain.code).toBe(0);
    const plainIds = json(join(tmp, "adding-set-plain"), "plan.json").runs.map((x: { id: string }) => x.id);
    for (const x of plan.runs) expect(plainIds).not.toContain(x.id);
    for (const [arg, msg] of [
      ["T=7", /--set T=7: T is an axis of adding's grid; use --only T=VALUES/],
      ["seed=3", /--set seed=3: use --seeds/],
      ["steps=9", /--set steps=9: use --steps/],
      ["hiden=3", /--set hiden=3: hiden is not a train option that a reproduction fixes/],
      ["init=bogus", /"init": "bogus" is not allowed: expected one of/],
      ["hidden=0x10", /"hidden": "0x10" is not allowed/], // parsed as the flag would be
      ["out=x", /--set out=x: out is not a train option that a reproduction fixes \(allowed: task, cell, T, /],
    ] as const) {
      const bad = await run(["reproduce", "adding", "--quick", "--set", arg, "--out", join(tmp, "set-bad")]);
      expect(bad.code, arg).toBe(2);
      expect(bad.stderr, arg).toMatch(msg);
    }
    const twice = await run(["reproduce", "adding", "--quick", "--set", "init=glorot", "--set", "init=orthogonal", "--out", join(tmp, "set-bad")]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--set init=orthogonal: init is set twice/);
  }, 240_000);

  it.concurrent("--collect trains nothing: adding.json from the finished runs, with complete: false and the missing run ids", async () => {
    const dir = join(tmp, "adding-collect");
    const none = await run(["reproduce", "adding", "--quick", "--collect", "--out", dir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--collect: none of the 8 runs of adding has finished in .*adding-collect/);
    expect((await run(["reproduce", "adding", "--quick", "--only", "cell=lstm", "--workers", "1", "--quiet", "--out", dir])).code).toBe(0);
    const r = await run(["reproduce", "adding", "--quick", "--collect", "--quiet", "--out", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(4 of 8 runs finished; missing: /);
    const a = json(dir, "adding.json");
    const plan = json(dir, "plan.json"); // still the --only run's plan: --collect writes no plan
    expect(plan.runs.length).toBe(4);
    expect(a.complete).toBe(false);
    expect(a.missing.length).toBe(4);
    expect(a.missing.some((id: string) => plan.runs.some((x: { id: string }) => x.id === id))).toBe(false);
    for (const id of a.missing) expect(existsSync(join(dir, "runs", id))).toBe(false); // nothing trained
    expect(a.groups.map((g: { label: string }) => g.label)).toEqual(["cell=lstm T=6", "cell=lstm T=10"]);
    expect(json(dir, "summary.json").complete).toBe(false);
    expect(a.selection).toBe(null);
    expect(existsSync(join(dir, "loss-curves.png"))).toBe(true);
    // the figures say they are partial
    expect(readFileSync(join(dir, "loss-curves.svg"), "utf8")).toMatch(/partial: 4 of 8 runs finished/);
    expect(readFileSync(join(dir, "success-rate.svg"), "utf8")).toMatch(/partial: 4 of 8 runs finished/);
    // --seeds narrows the plan, and the selection records it
    const s = await run(["reproduce", "adding", "--quick", "--collect", "--quiet", "--only", "cell=lstm", "--seeds", "2", "--out", dir]);
    expect(s.code).toBe(0);
    const sel = json(dir, "adding.json");
    expect(sel.complete).toBe(true);
    expect(sel.missing).toEqual([]);
    expect(sel.selection).toEqual({ only: ["cell=lstm"], seeds: [2], steps: null, set: {} });
    expect(sel.groups.map((g: { runs: { seed: number }[] }) => g.runs.map((r) => r.seed))).toEqual([[2], [2]]);
    expect(readFileSync(join(dir, "loss-curves.svg"), "utf8")).not.toMatch(/partial/);
    // flags that pick the whole reproduction are no selection
    const all = await run(["reproduce", "adding", "--quick", "--collect", "--quiet", "--only", "cell=rnn,lstm", "--seeds", "2,1", "--out", dir]);
    expect(all.code).toBe(0);
    expect(json(dir, "adding.json").selection).toBe(null);
  }, 180_000);

  it.concurrent("rnnlab reproduce copy --quick writes copy.json with the memoryless baseline 10 ln 8/(T+20)", async () => {
    const dir = await reproduce("copy");
    const c = json(dir, "copy.json");
    expect(c.baseline).toBeCloseTo((10 * Math.log(8)) / (5 + 20), 12);
    expect(c.groups.map((g: { point: { cell: string } }) => g.point.cell)).toEqual(["lstm", "rnn"]);
    for (const g of c.groups) expect(g.runs[0].finalMetric).toBeCloseTo(g.runs[0].finalLoss / c.baseline, 12);
  }, 180_000);

  it.concurrent("rnnlab reproduce char-lm --quick writes the course-smoothed loss from ln V·7 and 7 sampled names", async () => {
    const dir = await reproduce("char-lm");
    const c = json(dir, "char-lm.json");
    const r = c.runs[0];
    expect(r.V).toBe(27);
    expect(r.smoothed.loss[0]).toBeCloseTo(Math.log(27) * 7, 12);
    expect(r.smoothed.step.at(-1)).toBe(40);
    expect(r.names).toHaveLength(7);
    for (const n of r.names) expect(n).toMatch(/^[a-z]*$/);
  }, 180_000);

  it.concurrent("rnnlab reproduce gradients --quick writes log10||dJ/da<t>|| for t = 1..T at init and after training, for rnn, gru and lstm", async () => {
    const dir = await reproduce("gradients");
    const g = json(dir, "gradients.json");
    expect(g.t).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(g.runs.map((r: { cell: string }) => r.cell)).toEqual(["rnn", "gru", "lstm"]);
    for (const r of g.runs) {
      for (const when of [r.init, r.trained]) {
        expect(when.total).toHaveLength(12);
        expect(when.direct.slice(0, 11)).toEqual(Array(11).fill(null)); // the loss sits at t = T only
        for (const v of when.total) expect(Number.isFinite(v)).toBe(true);
      }
      expect(r.trained.loss).not.toBe(r.init.loss);
    }
  }, 180_000);
});
