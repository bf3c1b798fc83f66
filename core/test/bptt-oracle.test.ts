// BPTT against the independent scalar autograd (test/support/oracle.ts), to 1e-12, for every cell,
// variant, activation, loss, output and loss placement.
import { describe, expect, it } from "vitest";
import { lossAndGrads } from "../src/bptt";
import { Rng } from "../src/rng";
import { oracleLossAndGrads } from "./support/oracle";
import { CELL_CASES, LOSS_CASES, config, masks, maxRelErr, randomBatch, randomModel, spec } from "./support/random-case";

describe("lossAndGrads agrees with the scalar-autograd oracle", () => {
  const I = 2, H = 3, T = 5, B = 2, O = 3;
  for (const cc of CELL_CASES) {
    for (const lc of LOSS_CASES) {
      for (const [mname, mask] of masks(T)) {
        it(`lossAndGrads(${cc.name}, ${lc.name}, loss on ${mname}) matches the oracle to 1e-12`, () => {
          const rng = new Rng(7);
          const model = randomModel(config(cc, lc, I, H, O), rng);
          const batch = randomBatch(model.config, T, B, lc.loss, rng);
          const s = spec(lc, mask);
          const ws = lossAndGrads(null, model, batch, s);
          const ref = oracleLossAndGrads(model, batch.x, T, B, batch.a0!, batch.c0 ?? null, batch.targets, s);
          expect(Math.abs(ws.loss - ref.loss) / Math.max(1, Math.abs(ref.loss))).toBeLessThan(1e-12);
          expect(maxRelErr(ws.tape.a, ref.a)).toBeLessThan(1e-13);
          expect(maxRelErr(ws.grads.dparams, ref.dparams)).toBeLessThan(1e-12);
          expect(maxRelErr(ws.grads.dx, ref.dx)).toBeLessThan(1e-12);
          expect(maxRelErr(ws.grads.da0, ref.da0)).toBeLessThan(1e-12);
          if (model.config.cell === "lstm") expect(maxRelErr(ws.grads.dc0, ref.dc0!)).toBeLessThan(1e-12);
        });
      }
    }
  }
});
