// `rnnlab gradcheck` as a real process: a seeded LSTM passes at 1e-7 and fails (exit 1) at 1e-30.
import { describe, expect, it } from "vitest";
import { runCliAsync } from "./run-cli";


const run = (args: string[]) => runCliAsync(args);

const lstm = ["gradcheck", "--cell", "lstm", "--hidden", "5", "--T", "6", "--batch", "2", "--input-size", "3", "--seed", "7", "--on", "every"];

describe("rnnlab gradcheck", () => {
  it.concurrent("rnnlab gradcheck on a seeded LSTM passes at the default --tol 1e-7 and prints every group's worst error", async () => {
    const r = await run(lstm);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const g of ["Wf", "Wu", "Wc", "Wo", "bf", "Wya", "by", "x", "a0", "c0"]) expect(r.stdout).toMatch(new RegExp(`^  ${g} +\\d+  \\d\\.\\d\\de-\\d+$`, "m"));
    expect(r.stdout).toMatch(/^pass: .* <= --tol 1e-7$/m);
  }, 180_000);

  it.concurrent("rnnlab gradcheck --tol 1e-30 --json fails with exit 1 and reports the worst coordinate", async () => {
    const r = await run([...lstm, "--tol", "1e-30", "--json", "--stencil", "4", "--sample", "5"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.pass).toBe(false);
    expect(j.stencil).toBe(4);
    expect(j.maxRelErr).toBeGreaterThan(1e-30);
    expect(j.maxRelErr).toBeLessThan(1e-7); // it is the tolerance that fails, not the gradient
    expect(j.groups.Wf.checked).toBe(5);
    expect(j.worst).toMatchObject({ group: expect.any(String), relErr: j.maxRelErr });
  }, 180_000);
});
