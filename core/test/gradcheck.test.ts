// Finite differences in float64 on tiny nets (I=2, H=3, T=5, B=2): every cell, variant, activation,
// loss, output and loss placement; every parameter, every x<t>, a<0> and c<0>.
import { describe, expect, it } from "vitest";
import { gradcheck } from "../src/gradcheck";
import { Rng } from "../src/rng";
import { CELL_CASES, LOSS_CASES, config, masks, randomBatch, randomModel, spec } from "./support/random-case";

describe("gradcheck", () => {
  const I = 2, H = 3, T = 5, B = 2, O = 3;
  let worst = 0;
  for (const cc of CELL_CASES) {
    for (const lc of LOSS_CASES) {
      for (const [mname, mask] of masks(T)) {
        it(`gradcheck(${cc.name}, ${lc.name}, loss on ${mname}) has relative error < 1e-7 on every coordinate`, () => {
          const rng = new Rng(11);
          const model = randomModel(config(cc, lc, I, H, O), rng);
          const batch = randomBatch(model.config, T, B, lc.loss, rng);
          const r = gradcheck(model, batch, spec(lc, mask));
          worst = Math.max(worst, r.maxRelErr);
          expect(r.checked).toBe(model.params.length + batch.x.length + B * H * (model.config.cell === "lstm" ? 2 : 1));
          expect(r.maxRelErr, JSON.stringify(r.worst)).toBeLessThan(1e-7);
        });
      }
    }
  }
  it("gradcheck(..., { stencil: 2 }) and { stencil: 4 } also pass, at their own accuracy", () => {
    const rng = new Rng(3);
    const lc = LOSS_CASES[0];
    const model = randomModel(config(CELL_CASES[6], lc, I, H, O), rng);
    const batch = randomBatch(model.config, T, B, lc.loss, rng);
    expect(gradcheck(model, batch, spec(lc, masks(T)[1][1]), { stencil: 2 }).maxRelErr).toBeLessThan(1e-5);
    expect(gradcheck(model, batch, spec(lc, masks(T)[1][1]), { stencil: 4 }).maxRelErr).toBeLessThan(1e-6);
  });
});
