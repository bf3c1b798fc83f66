/**
 * The analyses, run in their own worker (analysis-worker.ts) on a snapshot of the step on view (its
 * parameters and batch), so that training never waits for them. Plain class, no `self`: Node tests it.
 * Each analysis has a cost cap so that one call stays near a second at T = 10,000, H = 64:
 *   Pascanu     λ1, ρ, γ and log10 (γλ1)^(T-k): one SVD and one eigendecomposition of H×H
 *   Lyapunov    λ1 by Benettin's QR over the last steps of batch row 0 (as many as fit lyapunovMs)
 *   lag split   log10‖S_L‖ for L < maxLag and the remainder (maxLag sized from the training step time)
 *   deep twin   an untied T-layer twin (untieByPermutation), when it fits in TWIN_MAX_BYTES
 *   chain rule  for a picked t: ‖J_k‖₂ for k = T..t+1 (power iteration, time-budgeted) and the exact
 *               ‖J_T⋯J_k‖₂ (jacobianProducts on a sub-tape from a<s0>) over a window capped by n³·W
 */
import {
  deepTwinLossAndGrads, ensureTape, forwardLoss, jacobianProducts, lagSplit, lyapunovSpectrum, makeConfig, makeDeepTwin,
  paramLayout, pascanuReport, largestSingularValue, Rng, sequenceForward, stateSize, stepJacobian,
  type DeepTwin, type Model, type PascanuReport, type TaskBatch, type Workspace,
} from "../../core/src/index";
import { playgroundTask } from "./corpus";
import type { Clock, Snapshot } from "./engine";
import type { PlaygroundState } from "./state";

/** Pascanu et al.'s numbers as the views need them: core's report. */
export type PascanuView = Omit<PascanuReport, "cell">;

export interface LyapunovView {
  /** λ1 per step (natural log) */
  exponent: number;
  stdErr: number;
  /** steps the estimate ran over (the last ones of the sequence) */
  steps: number;
  tFrom: number;
}

export interface LagView {
  maxLag: number;
  /** log10‖S_L‖, L = 0..maxLag-1 */
  log10Lag: Float64Array;
  remainderLog10: number;
  log10DWaa: number;
  /** ‖Σ_{L'≥L} S_L'‖ / ‖dWaa‖ */
  tailFraction: Float64Array;
}

export interface TwinView {
  /** log10‖dJ/da<l>‖ of the untied twin, l = 1..T; null with `skipped` when it would not fit */
  log10Da: Float64Array | null;
  skipped: string;
}

export interface ChainView {
  /** the picked step */
  t: number;
  T: number;
  n: number;
  /** log10‖J_k‖₂ for k = T, T-1, ..., down to kLow (index T-k) */
  log10Factor: Float64Array;
  /** factors computed down to this k (t+1 when complete) */
  kLow: number;
  /** log10‖J_T⋯J_k‖₂ for k = T..s0+1 (index T-k): the exact product, from a sub-tape starting at a<s0> */
  log10Product: Float64Array;
  s0: number;
  note: string;
}

export interface Analysis {
  iteration: number;
  T: number;
  ms: number;
  pascanu: PascanuView | null;
  lyapunov: LyapunovView | null;
  lag: LagView | null;
  twin: TwinView | null;
  chain: ChainView | null;
  /** per analysis, the time it took (ms), for the page's "computed in" line */
  costs: Record<string, number>;
  errors: string[];
}

/** Budgets of `analyze`, in ms (the lag split and the twin are sized from the measured step time). */
export interface AnalysisBudget {
  lyapunovMs: number;
  lagMs: number;
  chainMs: number;
}

export const DEFAULT_BUDGET: AnalysisBudget = { lyapunovMs: 300, lagMs: 500, chainMs: 1500 };
/** The untied twin holds T copies of the cell's weights and gradients; beyond this it is skipped. */
export const TWIN_MAX_BYTES = 96 * 2 ** 20;
/** The exact chain product costs ~6·n³ per step; its window W is capped so that 6·n³·W stays below this. */
export const CHAIN_PRODUCT_FLOPS = 3e8;
/** Power iterations per factor before the dense SVD takes over. */
export const POWER_ITERATIONS = 40;

export class Analyzer {
  private twin: DeepTwin | null = null;
  private lyapMsPerStep = 0;
  private ws: Workspace | null = null;
  private stepMs = 0;
  private seed = 0;

  /** The analyses of a snapshot's step, with the chain rule at `pick` (0: none). */
  analyze(state: PlaygroundState, snap: Snapshot, pick: number, now: Clock, budget: AnalysisBudget = DEFAULT_BUDGET): Analysis {
    const start = now();
    const task = playgroundTask(state.task, state.T);
    const config = makeConfig({ cell: state.cell, I: task.I, H: state.hidden, O: task.O, activation: state.activation, output: task.output });
    const model: Model = { config, params: snap.params };
    const T = snap.T;
    const tb: TaskBatch = {
      batch: { x: snap.x, T, B: snap.B, targets: snap.targets },
      spec: { loss: snap.loss, reduction: snap.reduction, mask: snap.mask },
      T, lengths: null,
    };
    const ws = (this.ws = forwardLoss(this.ws, model, tb.batch, tb.spec));
    this.stepMs = snap.stepMs;
    this.seed = state.seed;
    const out: Analysis = { iteration: snap.iteration, T, ms: 0, pascanu: null, lyapunov: null, lag: null, twin: null, chain: null, costs: {}, errors: [] };
    const timed = <R>(name: string, f: () => R): R | null => {
      const t0 = now();
      try {
        return f();
      } catch (e) {
        out.errors.push(`${name}: ${(e as Error).message}`);
        return null;
      } finally {
        out.costs[name] = now() - t0;
      }
    };
    out.pascanu = timed("pascanu", () => {
      const r = pascanuReport(model, T);
      return { matrix: r.matrix, lambda1: r.lambda1, spectralRadius: r.spectralRadius, gamma: r.gamma, vanishingSufficient: r.vanishingSufficient, explodingPossible: r.explodingPossible, note: r.note, log10Bound: r.log10Bound };
    });
    out.lyapunov = timed("lyapunov", () => {
      // Sized from the last run's ms per step; the first run measures on at most 200 steps.
      const want = this.lyapMsPerStep > 0 ? Math.floor(budget.lyapunovMs / this.lyapMsPerStep) : 200;
      const steps = Math.max(Math.min(T, 20), Math.min(T, want));
      const tFrom = T - steps + 1;
      const t0 = now();
      const r = lyapunovSpectrum(model, ws.tape, { m: 1, tFrom, blocks: Math.min(10, Math.max(2, Math.floor(steps / 20))) });
      this.lyapMsPerStep = Math.max(1e-4, (now() - t0) / steps);
      return { exponent: r.exponents[0], stdErr: r.stdErr[0], steps: r.steps, tFrom };
    });
    out.lag = timed("lag", () => {
      let sources = 0;
      for (let t = 0; t < T; t++) sources += tb.spec.mask[t];
      // one lag costs a step backward per source; one more sweep over T gives the remainder
      // (the budget always covers the remainder sweep, which costs about one backward pass)
      const stepMs = this.stepMs > 0 ? this.stepMs : 1;
      const perStepBackward = Math.max(1e-5, stepMs / T) * 1.5;
      const units = (budget.lagMs + 1.5 * stepMs) / perStepBackward - T;
      const maxLag = Math.max(1, Math.min(T, 256, Math.floor(units / Math.max(1, sources))));
      const r = lagSplit(model, tb.batch, tb.spec, { maxLag });
      return { maxLag: r.maxLag, log10Lag: r.log10Lag.slice(), remainderLog10: r.remainderLog10, log10DWaa: r.log10DWaa, tailFraction: r.tailFraction.slice() };
    });
    out.twin = timed("twin", () => this.twinView(model, tb));
    if (pick >= 1 && pick < T) out.chain = timed("chain", () => chainView(model, ws, tb.batch.x, pick, now, budget.chainMs));
    else if (pick === T) out.chain = { t: T, T, n: stateSize(model.config), log10Factor: new Float64Array(0), kLow: T + 1, log10Product: new Float64Array(0), s0: T, note: "t = T: dJ/da<T> comes from the loss directly; there is no factor" };
    out.ms = now() - start;
    return out;
  }

  private twinView(model: Model, tb: TaskBatch): TwinView {
    const S = paramLayout(model.config).byName.Wya.offset;
    const T = tb.T;
    const bytes = 2 * T * S * 8;
    if (bytes > TWIN_MAX_BYTES) {
      this.twin = null;
      return { log10Da: null, skipped: `the untied twin needs ${T} copies of ${S} weights and their gradients (${(bytes / 2 ** 20).toFixed(0)} MiB, over the ${TWIN_MAX_BYTES / 2 ** 20} MiB cap); lower T or H to see it` };
    }
    if (!this.twin || this.twin.T !== T) this.twin = makeDeepTwin(model, T, { maxBytes: TWIN_MAX_BYTES });
    untieByPermutation(this.twin, model.params, new Rng(this.seed + 2));
    const r = deepTwinLossAndGrads(this.twin, tb.batch, tb.spec);
    return { log10Da: r.log10DaNorm.slice(), skipped: "" };
  }
}


/**
 * Loads `params` into every layer of the twin, each with its hidden units relabeled by its own random
 * permutation π_l (layer T keeps π = identity, so the shared readout reads the units it was trained
 * on): W_l = P_l·W·P_lᵀ on the a-side, rows permuted on the x-side, biases permuted. Every layer then
 * has the RNN's λ1, ρ and weight statistics, but the layers no longer share weights: the product
 * W_T⋯W_1 is not W^T. The tied twin (no permutation) reproduces the RNN's ledger exactly, which is
 * core's claim (core/test); this is the untied comparison DESIGN.md §5 asks for.
 */
export function untieByPermutation(twin: DeepTwin, params: Float64Array, rng: Rng): void {
  const { T, S, layout, config } = twin;
  const H = config.H, I = config.I;
  const perm = new Int32Array(H);
  twin.head.set(params);
  for (let l = 0; l < T; l++) {
    const dst = twin.layers[l];
    for (let i = 0; i < H; i++) perm[i] = i;
    if (l < T - 1) {
      for (let i = H - 1; i > 0; i--) {
        const j = rng.uniformInt(i + 1);
        const tmp = perm[i]; perm[i] = perm[j]; perm[j] = tmp;
      }
    }
    for (const b of layout.blocks) {
      if (b.offset >= S) continue;
      const o = b.offset;
      if (b.shape.length === 1) {
        for (let i = 0; i < H; i++) dst[o + i] = params[o + perm[i]];
      } else if (b.name === "Wax") {
        for (let i = 0; i < H; i++) for (let k = 0; k < I; k++) dst[o + i * I + k] = params[o + perm[i] * I + k];
      } else if (b.name === "Waa") {
        for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) dst[o + i * H + j] = params[o + perm[i] * H + perm[j]];
      } else {
        // a gate block (H, H+I): columns [a<t-1>; x<t>]
        const C = H + I;
        for (let i = 0; i < H; i++) {
          const src = o + perm[i] * C, d = o + i * C;
          for (let j = 0; j < H; j++) dst[d + j] = params[src + perm[j]];
          for (let k = 0; k < I; k++) dst[d + H + k] = params[src + H + k];
        }
      }
    }
  }
}

/**
 * The chain rule at step t for batch row 0: ‖J_k‖₂ for k = T down to t+1 (power iteration on JᵀJ,
 * warm-started from the previous k, to a relative change of 1e-13, or a dense SVD when that does not
 * converge in POWER_ITERATIONS; stops at the time budget), and the
 * exact ‖J_T⋯J_k‖₂ from jacobianProducts on a sub-tape that restarts the forward pass at a<s0> (and
 * c<s0>) with the same inputs x (T, B, I) of the batch, so its trajectory is the original one for steps s0+1..T.
 */
export function chainView(model: Model, ws: Workspace, x: Float64Array, t: number, now: Clock, budgetMs: number): ChainView {
  const tape = ws.tape;
  const { config, params } = model;
  const L = paramLayout(config);
  const T = tape.T, B = tape.B, H = config.H, I = config.I;
  const n = stateSize(config);
  const J = new Float64Array(n * n);
  const v = new Float64Array(n).fill(1 / Math.sqrt(n));
  const w = new Float64Array(n), u = new Float64Array(n);
  const log10Factor = new Float64Array(T - t);
  const start = now();
  let kLow = T + 1;
  let fallbacks = 0;
  for (let k = T; k > t; k--) {
    stepJacobian(J, tape, params, L, k, 0);
    // power iteration on JᵀJ, warm-started from the previous k's vector; s -> σ1²
    let s = 0, prev = -1, converged = false;
    for (let it = 0; it < POWER_ITERATIONS; it++) {
      for (let i = 0; i < n; i++) { let z = 0; for (let j = 0; j < n; j++) z += J[i * n + j] * v[j]; w[i] = z; }
      u.fill(0);
      for (let i = 0; i < n; i++) { const wi = w[i]; for (let j = 0; j < n; j++) u[j] += J[i * n + j] * wi; }
      let uu = 0;
      for (let j = 0; j < n; j++) uu += u[j] * u[j];
      s = Math.sqrt(uu);
      if (s === 0) { converged = true; break; }
      for (let j = 0; j < n; j++) v[j] = u[j] / s;
      if (Math.abs(s - prev) <= 1e-13 * s) { converged = true; break; }
      prev = s;
    }
    let sigma: number;
    if (converged) {
      sigma = Math.sqrt(s);
    } else {
      // near-equal leading singular values: the dense SVD instead (exact, O(n³))
      sigma = largestSingularValue(J, n);
      fallbacks++;
    }
    if (s === 0) v.fill(1 / Math.sqrt(n));
    log10Factor[T - k] = Math.log10(sigma);
    kLow = k;
    if ((T - k) % 16 === 15 && now() - start > budgetMs) break;
  }
  // The exact product over the window s0+1..T.
  const cost = 6 * n * n * n;
  const W = Math.max(1, Math.min(T - t, Math.floor(CHAIN_PRODUCT_FLOPS / cost)));
  const s0 = T - W;
  const sub = ensureTape(null, config, W, 1);
  const xs = new Float64Array(W * I);
  for (let k = 0; k < W; k++) for (let i = 0; i < I; i++) xs[k * I + i] = x[(s0 + k) * B * I + i];
  const a0 = tape.a.slice(s0 * B * H, s0 * B * H + H);
  const c0 = config.cell === "lstm" ? tape.c.slice(s0 * B * H, s0 * B * H + H) : null;
  sequenceForward(sub, params, L, xs, a0, c0);
  const jp = jacobianProducts(model, sub, { svd: 1 });
  const log10Product = new Float64Array(W);
  for (let k = T; k > s0; k--) log10Product[T - k] = jp.log10Spectral[k - s0 - 1];
  const notes: string[] = [];
  if (kLow > t + 1) notes.push(`factor norms computed for k = ${T}..${kLow} within the ${budgetMs} ms budget`);
  if (s0 > t) notes.push(`exact product computed over the last ${W} factors (cost cap ${CHAIN_PRODUCT_FLOPS.toExponential(0)} flops at n = ${n})`);
  return { t, T, n, log10Factor: log10Factor.subarray(0, T - kLow + 1).slice(), kLow, log10Product, s0, note: notes.join("; ") };
}
