/**
 * Gradient check by central differences over every parameter, every x<t> and the initial state(s).
 * The default stencil is the sixth-order central difference
 *   f'(θ) ≈ (-f(θ-3h) + 9f(θ-2h) - 45f(θ-h) + 45f(θ+h) - 9f(θ+2h) + f(θ+3h)) / 60h,
 * error O(h⁶) + O(ε·|f|/h). With h = 3e-3·max(1, |θ|) its error on the tiny nets of the tests was at
 * most 6.4e-12 absolute (the rounding of the loss itself), against ~1e-9 for the classic second-order
 * (f(θ+h) - f(θ-h))/2h at h = 1e-5, which `stencil: 2` still offers.
 *
 * relErr = |g - n| / max(|g| + |n|, floor). Finite differences cannot resolve a gradient below their
 * own rounding noise, so the default floor is 1e-4·max(1, |loss|): a gradient smaller than that is
 * held to an absolute error of 1e-11·max(1, |loss|) by a 1e-7 bound, and every larger gradient to a
 * purely relative 1e-7.
 */
import { forwardLoss, lossAndGrads, type Batch, type Workspace } from "./bptt";
import type { LossSpec } from "./loss-spec";
import type { Model } from "./model";
import type { Rng } from "./rng";

export interface GradcheckOptions {
  /** step relative to max(1, |θ|); default 3e-3 (stencil 6), 1e-3 (stencil 4), 1e-5 (stencil 2) */
  h?: number;
  /** order of the central difference: 2, 4 or 6 (default) */
  stencil?: 2 | 4 | 6;
  /** check only this many coordinates per group, drawn with `rng` (large nets) */
  sample?: { count: number; rng: Rng };
  /** floor of the relative error's denominator; default 1e-4·max(1, |loss|) (see above) */
  floor?: number;
}

export interface GradcheckEntry {
  group: string;
  index: number;
  analytic: number;
  numeric: number;
  relErr: number;
}

export interface GradcheckResult {
  /** the largest relative error over every coordinate checked */
  maxRelErr: number;
  worst: GradcheckEntry | null;
  /** per group (each parameter block by name, "x", "a0", "c0"): coordinates checked and the worst error */
  groups: Record<string, { checked: number; maxRelErr: number }>;
  checked: number;
  loss: number;
}

/** Compares lossAndGrads' analytic gradients with finite differences of forwardLoss. */
export function gradcheck(model: Model, batch: Batch, spec: LossSpec, opts: GradcheckOptions = {}): GradcheckResult {
  const stencil = opts.stencil ?? 6;
  const weights = STENCILS[stencil];
  if (!weights) throw new RangeError(`stencil must be 2, 4 or 6, got ${stencil}`);
  const hRel = opts.h ?? (stencil === 6 ? 3e-3 : stencil === 4 ? 1e-3 : 1e-5);
  const ws = lossAndGrads(null, model, batch, spec);
  const loss = ws.loss;
  const floor = opts.floor ?? 1e-4 * Math.max(1, Math.abs(loss));
  const grads = ws.grads;
  // Perturbed copies, so the caller's arrays are never touched.
  const m2: Model = { config: model.config, params: model.params.slice() };
  const b2: Batch = {
    ...batch,
    x: batch.x.slice(),
    a0: batch.a0 ? batch.a0.slice() : new Float64Array(batch.B * model.config.H),
    c0: model.config.cell === "lstm" ? (batch.c0 ? batch.c0.slice() : new Float64Array(batch.B * model.config.H)) : null,
  };
  let fws: Workspace | null = null;
  const f = (): number => {
    fws = forwardLoss(fws, m2, b2, spec);
    return fws.loss;
  };
  const result: GradcheckResult = { maxRelErr: 0, worst: null, groups: {}, checked: 0, loss };
  const check = (group: string, arr: Float64Array, off: number, n: number, analytic: Float64Array, aOff: number) => {
    const idx = pickIndices(n, opts.sample);
    const gr = (result.groups[group] ??= { checked: 0, maxRelErr: 0 });
    for (const i of idx) {
      const theta = arr[off + i];
      const h = hRel * Math.max(1, Math.abs(theta));
      let num = 0;
      for (let j = 0; j < weights.length; j++) {
        arr[off + i] = theta + (j + 1) * h;
        const fp = f();
        arr[off + i] = theta - (j + 1) * h;
        num += weights[j] * (fp - f());
      }
      num /= h;
      arr[off + i] = theta;
      const an = analytic[aOff + i];
      const rel = Math.abs(an - num) / Math.max(Math.abs(an) + Math.abs(num), floor);
      gr.checked++;
      result.checked++;
      if (!(rel <= gr.maxRelErr)) gr.maxRelErr = rel;
      if (!(rel <= result.maxRelErr)) {
        result.maxRelErr = rel;
        result.worst = { group, index: i, analytic: an, numeric: num, relErr: rel };
      }
    }
  };
  for (const blk of ws.layout.blocks) check(blk.name, m2.params, blk.offset, blk.size, grads.dparams, blk.offset);
  check("x", b2.x, 0, b2.x.length, grads.dx, 0);
  check("a0", b2.a0!, 0, b2.a0!.length, grads.da0, 0);
  if (b2.c0) check("c0", b2.c0, 0, b2.c0.length, grads.dc0, 0);
  return result;
}

/** Central-difference weights w_j of (f(θ+jh) - f(θ-jh)), j = 1.. */
const STENCILS: Record<number, number[]> = {
  2: [1 / 2],
  4: [2 / 3, -1 / 12],
  6: [3 / 4, -3 / 20, 1 / 60],
};

function pickIndices(n: number, sample: GradcheckOptions["sample"]): number[] {
  if (!sample || sample.count >= n) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < sample.count; i++) out.push(sample.rng.uniformInt(n));
  return out;
}
