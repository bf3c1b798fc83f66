import { describe, expect, it } from "vitest";
import { compareSelftest, runSelftest } from "../src/selftest-run";

describe("runSelftest (the numbers selftest.html shows; e2e compares the browser's with these)", () => {
  it("passes the gradient check and is deterministic", () => {
    const a = runSelftest(), b = runSelftest();
    for (const g of a.gradcheck) expect(g.maxRelErr).toBeLessThan(1e-7);
    expect(compareSelftest(a, b).maxDiff).toBe(0);
    expect(a.training.losses).toHaveLength(20);
    expect(a.training.losses[19]).toBeLessThan(a.training.losses[0]);
  });
});
