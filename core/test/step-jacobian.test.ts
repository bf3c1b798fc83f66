// The step Jacobians J = ∂s<t>/∂s<t-1> (s = a for rnn and gru, s = [a; c] for the lstm):
// (a) each *StepJacobian equals central differences of one forward step, taken by re-running
//     sequenceForward on a T=1 tape from a perturbed a<0> (and c<0>), with x<1> = x<t>;
// (b) each *StepBackward is its transpose: from tape.g = v (and tape.gc = w) it leaves Jᵀ·[v; w].
import { describe, expect, it } from "vitest";
import { gruStepBackward, gruStepJacobian } from "../src/cells/gru";
import { lstmStepBackward, lstmStepJacobian } from "../src/cells/lstm";
import { rnnStepBackward, rnnStepJacobian } from "../src/cells/rnn";
import { makeConfig, type ModelConfig } from "../src/model";
import { paramLayout, type ParamLayout } from "../src/params";
import { Rng } from "../src/rng";
import { sequenceForward } from "../src/sequence";
import { Tape } from "../src/tape";
import { CELL_CASES, randomModel } from "./support/random-case";

const H = 4, I = 3, B = 2, T = 3;
const CASES = CELL_CASES.filter((c) => c.name !== "rnn relu"); // relu's kink at 0 is not differentiable

/** The state size n (H, or 2H for the lstm) and its Jacobian and backward step. */
function cellOps(config: ModelConfig) {
  if (config.cell === "rnn") return { n: H, jac: rnnStepJacobian, back: rnnStepBackward };
  if (config.cell === "gru") return { n: H, jac: gruStepJacobian, back: gruStepBackward };
  return { n: 2 * H, jac: lstmStepJacobian, back: lstmStepBackward };
}

/** A forward pass over T steps, with x ~ N(0,1), a<0>, c<0> ~ N(0, 0.25). */
function setup(cc: (typeof CASES)[number], seed: number) {
  const config = makeConfig({ ...cc.config, I, H, O: 2 });
  const rng = new Rng(seed);
  const model = randomModel(config, rng, 0.7);
  const L = paramLayout(config);
  const x = new Float64Array(T * B * I);
  rng.fillRandn(x, 0, x.length);
  const a0 = new Float64Array(B * H);
  rng.fillRandn(a0, 0, a0.length, 0.5);
  const c0 = config.cell === "lstm" ? new Float64Array(B * H) : null;
  if (c0) rng.fillRandn(c0, 0, c0.length, 0.5);
  const tape = new Tape(config, T, B);
  sequenceForward(tape, model.params, L, x, a0, c0);
  return { config, P: model.params, L, x, tape, rng };
}

/** s<1> for batch row b after one step from (a0, c0) with input x1: [a<1>] or [a<1>; c<1>]. */
function oneStep(one: Tape, P: Float64Array, L: ParamLayout, x1: Float64Array, a0: Float64Array, c0: Float64Array | null, b: number): Float64Array {
  sequenceForward(one, P, L, x1, a0, c0);
  const s = new Float64Array(c0 ? 2 * H : H);
  for (let i = 0; i < H; i++) {
    s[i] = one.a[(B + b) * H + i];
    if (c0) s[H + i] = one.c[(B + b) * H + i];
  }
  return s;
}

/** The state s<t> of row b read from the full tape. */
function stateAt(tape: Tape, t: number, b: number, lstm: boolean): Float64Array {
  const s = new Float64Array(lstm ? 2 * H : H);
  for (let i = 0; i < H; i++) {
    s[i] = tape.a[(t * B + b) * H + i];
    if (lstm) s[H + i] = tape.c[(t * B + b) * H + i];
  }
  return s;
}

describe("*StepJacobian against finite differences of one forward step", () => {
  for (const cc of CASES) {
    it(`${cc.config.cell}StepJacobian(${cc.name}) equals central differences of sequenceForward over one step to 1e-8`, () => {
      const { config, P, L, x, tape } = setup(cc, 20240 + CASES.indexOf(cc));
      const lstm = config.cell === "lstm";
      const { n, jac } = cellOps(config);
      const J = new Float64Array(n * n);
      const one = new Tape(config, 1, B);
      const h = 1e-5;
      let worst = 0, normJ = 0;
      for (let t = 1; t <= T; t++) {
        // x<1> = x<t>, a<0> = a<t-1>, c<0> = c<t-1>, for every batch row.
        const x1 = x.slice((t - 1) * B * I, t * B * I);
        const a0 = tape.a.slice((t - 1) * B * H, t * B * H);
        const c0 = lstm ? tape.c.slice((t - 1) * B * H, t * B * H) : null;
        for (let b = 0; b < B; b++) {
          // The one-step re-run reproduces the tape's own step t (same kernels, same order).
          const base = oneStep(one, P, L, x1, a0, c0, b);
          const onTape = stateAt(tape, t, b, lstm);
          for (let i = 0; i < n; i++) expect(Math.abs(base[i] - onTape[i])).toBeLessThanOrEqual(1e-15);
          jac(J, tape, P, L, t, b);
          for (let j = 0; j < n; j++) {
            const src = j < H ? a0 : c0!;
            const k = b * H + (j % H);
            const v = src[k];
            src[k] = v + h;
            const sp = oneStep(one, P, L, x1, a0, c0, b);
            src[k] = v - h;
            const sm = oneStep(one, P, L, x1, a0, c0, b);
            src[k] = v;
            for (let i = 0; i < n; i++) {
              const fd = (sp[i] - sm[i]) / (2 * h);
              worst = Math.max(worst, Math.abs(J[i * n + j] - fd));
              normJ = Math.max(normJ, Math.abs(J[i * n + j]));
            }
          }
        }
      }
      expect(normJ).toBeGreaterThan(0.05); // a non-trivial Jacobian, so the comparison means something
      expect(worst).toBeLessThan(1e-8);
    });
  }
});

describe("*StepBackward is the transpose of *StepJacobian", () => {
  for (const cc of CASES) {
    it(`${cc.config.cell}StepBackward(${cc.name}) from tape.g = v${cc.config.cell === "lstm" ? ", tape.gc = w" : ""} leaves Jᵀ·v in tape.g${cc.config.cell === "lstm" ? " and tape.gc" : ""} to 1e-13 relative`, () => {
      const { config, P, L, tape, rng } = setup(cc, 777 + CASES.indexOf(cc));
      const lstm = config.cell === "lstm";
      const { n, jac, back } = cellOps(config);
      const J = new Float64Array(n * n);
      const v = new Float64Array(B * n); // row b: [dJ/da<t> (H); dJ/dc<t> (H, lstm)]
      for (let t = T; t >= 1; t--) {
        rng.fillRandn(v, 0, v.length);
        for (let b = 0; b < B; b++) {
          for (let i = 0; i < H; i++) {
            tape.g[b * H + i] = v[b * n + i];
            if (lstm) tape.gc[b * H + i] = v[b * n + H + i];
          }
        }
        tape.dpre.fill(0);
        tape.dhn.fill(0);
        back(tape, P, L, t);
        for (let b = 0; b < B; b++) {
          jac(J, tape, P, L, t, b);
          let err = 0, scale = 0;
          for (let j = 0; j < n; j++) {
            let want = 0;
            for (let i = 0; i < n; i++) want += J[i * n + j] * v[b * n + i];
            const got = j < H ? tape.g[b * H + j] : tape.gc[b * H + j - H];
            err = Math.max(err, Math.abs(got - want));
            scale = Math.max(scale, Math.abs(want));
          }
          expect(scale).toBeGreaterThan(1e-3);
          expect(err / scale).toBeLessThan(1e-13);
        }
      }
    });
  }
});
