/**
 * Checks the oracle itself: its autograd against central differences of its own forward pass, plus
 * two closed forms worked out by hand. Tiny shapes: I=2, H=3, T=4, B=2, O=2.
 */
import { describe, expect, it } from "vitest";
import { makeConfig, type ModelConfig, type OutputKind } from "../src/model";
import { paramLayout } from "../src/params";
import { maskEvery, maskLast, type LossKind, type LossSpec, type Reduction } from "../src/loss-spec";
import { oracleForward, oracleLossAndGrads } from "./support/oracle";

/** mulberry32: a seeded 32-bit generator, inline so the test depends on nothing else; uniform in [lo, hi). */
function uniform(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0;
  return (lo, hi) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return lo + (hi - lo) * (((r ^ (r >>> 14)) >>> 0) / 4294967296);
  };
}

const [I, H, T, B, O] = [2, 3, 4, 2, 2];

interface Problem {
  cfg: ModelConfig;
  params: Float64Array;
  x: Float64Array;
  a0: Float64Array;
  c0: Float64Array | null;
  targets: Float64Array;
  spec: LossSpec;
}

function makeProblem(cfg: ModelConfig, spec: LossSpec, seed: number): Problem {
  const rand = uniform(seed);
  const fill = (n: number, lo: number, hi: number) => Float64Array.from({ length: n }, () => rand(lo, hi));
  const params = fill(paramLayout(cfg).size, -0.9, 0.9);
  const x = fill(T * B * I, -1, 1);
  const a0 = fill(B * H, -0.8, 0.8);
  const c0 = cfg.cell === "lstm" ? fill(B * H, -1, 1) : null;
  const targets = spec.loss === "ce"
    ? Float64Array.from({ length: T * B }, () => Math.floor(rand(0, O)))
    : fill(T * B * O, spec.loss === "bce" ? 0 : -1, 1);
  return { cfg, params, x, a0, c0, targets, spec };
}

const lossOf = (p: Problem): number =>
  oracleForward({ config: p.cfg, params: p.params }, p.x, T, B, p.a0, p.c0, p.targets, p.spec).loss;

/**
 * Largest relative error |g-n| / max(1e-12, |g|+|n|) between the oracle's grads g and central
 * differences n = (L(θ+h) - L(θ-h)) / 2h, h = 1e-6·max(1,|θ|), over every parameter, x, a0 and c0.
 * Coordinates with |g-n| <= 1e-9·max(1,|L|) pass without the relative test: the quotient's rounding
 * noise is about u·S/h = 2.2e-16·S/1e-6 = 2.2e-10·S, where S is the size of the loss's terms, which is
 * about max(1,|L|) even when they cancel to a small L (ce's logsumexp(z) - z_c). The floor is ~4.5× that;
 * measured noise here reaches 8.6e-10 on |L| = 3.8. Below it a 1e-7 relative bound is unreachable for
 * grads under ~1e-2, whatever the oracle does.
 */
const FLOOR_PER_LOSS = 1e-9;
function maxRelError(p: Problem): number {
  const r = oracleLossAndGrads({ config: p.cfg, params: p.params }, p.x, T, B, p.a0, p.c0, p.targets, p.spec);
  const pairs: [Float64Array, Float64Array][] = [[p.params, r.dparams], [p.x, r.dx], [p.a0, r.da0]];
  if (p.c0 && r.dc0) pairs.push([p.c0, r.dc0]);
  const floor = FLOOR_PER_LOSS * Math.max(1, Math.abs(r.loss));
  let worst = 0;
  for (const [theta, grad] of pairs) {
    expect(grad.length).toBe(theta.length);
    for (let i = 0; i < theta.length; i++) {
      const saved = theta[i];
      const h = 1e-6 * Math.max(1, Math.abs(saved));
      const up = saved + h;
      const down = saved - h;
      theta[i] = up;
      const lUp = lossOf(p);
      theta[i] = down;
      const lDown = lossOf(p);
      theta[i] = saved;
      const n = (lUp - lDown) / (up - down);
      const diff = Math.abs(grad[i] - n);
      if (diff > floor) worst = Math.max(worst, diff / Math.max(1e-12, Math.abs(grad[i]) + Math.abs(n)));
    }
  }
  return worst;
}

type CellChoice = Pick<ModelConfig, "cell"> & Partial<Pick<ModelConfig, "activation" | "gruVariant">>;
const CELLS: [string, CellChoice][] = [
  ...(["tanh", "relu", "sigmoid", "identity"] as const).map((activation): [string, CellChoice] => [`an RNN (${activation})`, { cell: "rnn", activation }]),
  ["a GRU reset-before", { cell: "gru", gruVariant: "reset-before" }],
  ["a GRU reset-after", { cell: "gru", gruVariant: "reset-after" }],
  ["an LSTM", { cell: "lstm" }],
];
const HEADS: [LossKind, OutputKind][] = [["mse", "identity"], ["mse", "sigmoid"], ["mse", "softmax"], ["bce", "sigmoid"], ["ce", "softmax"]];
const MASKS: [string, Uint8Array, Reduction][] = [["last step (sum)", maskLast(T), "sum"], ["every step (mean)", maskEvery(T), "mean"]];

describe("oracleLossAndGrads against central differences", () => {
  let seed = 1;
  for (const [cellName, cellCfg] of CELLS) {
    for (const [loss, output] of HEADS) {
      for (const [maskName, mask, reduction] of MASKS) {
        const s = seed++;
        // ReLU: a pre-activation within ~h of 0 would break the difference quotient, not the oracle.
        // With these seeds (11-20) the smallest |Waa a<t-1> + Wax x<t> + ba| is 5e-3, far from the kink.
        it(`oracleLossAndGrads on ${cellName}, ${loss} on ${output}, ${maskName} matches central differences to 1e-7`, () => {
          const cfg = makeConfig({ ...cellCfg, I, H, O, output });
          expect(maxRelError(makeProblem(cfg, { loss, reduction, mask }, s))).toBeLessThan(1e-7);
        });
      }
    }
  }
});

describe("oracleLossAndGrads closed forms", () => {
  it("oracleLossAndGrads on a scalar identity RNN with Wax=0 gives L=(w^T a0)², dL/da0=2w^(2T)a0, dL/dw=2T w^(2T-1)a0²", () => {
    const cfg = makeConfig({ cell: "rnn", activation: "identity", I: 1, H: 1, O: 1 });
    const L = paramLayout(cfg).byName;
    const [w, a0, Tn] = [0.9, 0.7, 6];
    const params = new Float64Array(paramLayout(cfg).size); // Wax = ba = by = 0
    params[L.Waa.offset] = w;
    params[L.Wya.offset] = 1;
    const x = Float64Array.from({ length: Tn }, (_, t) => 0.3 - 0.1 * t); // ignored by the loss: Wax = 0
    const spec: LossSpec = { loss: "mse", reduction: "mean", mask: maskLast(Tn) };
    const r = oracleLossAndGrads({ config: cfg, params }, x, Tn, 1, Float64Array.of(a0), null, new Float64Array(Tn), spec);
    const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);
    expect(rel(r.loss, (w ** Tn * a0) ** 2)).toBeLessThan(1e-14);
    expect(rel(r.da0[0], 2 * w ** (2 * Tn) * a0)).toBeLessThan(1e-14);
    expect(rel(r.dparams[L.Waa.offset], 2 * Tn * w ** (2 * Tn - 1) * a0 ** 2)).toBeLessThan(1e-14);
    // dL/dWax = Σ_t 2 a<T> w^(T-t) x<t>, and dL/dx<t> = 2 a<T> w^(T-t) Wax = 0
    let dWax = 0;
    for (let t = 1; t <= Tn; t++) dWax += 2 * w ** Tn * a0 * w ** (Tn - t) * x[t - 1];
    expect(rel(r.dparams[L.Wax.offset], dWax)).toBeLessThan(1e-13);
    expect(Array.from(r.dx)).toEqual(new Array(Tn).fill(0));
  });

  it("oracleLossAndGrads on an LSTM with Γf=1, Γu=0 (biases ±40, zero weights) keeps c<T> = c<0> to 1e-15", () => {
    const cfg = makeConfig({ cell: "lstm", I, H, O });
    const L = paramLayout(cfg).byName;
    const Tn = 20;
    const rand = uniform(7);
    const params = new Float64Array(paramLayout(cfg).size); // Wf = Wu = Wc = Wo = 0
    for (const name of ["bc", "bo", "Wya", "by"]) for (let i = 0; i < L[name].size; i++) params[L[name].offset + i] = rand(-1, 1);
    params.fill(40, L.bf.offset, L.bf.offset + H); //  Γf = σ(40) = 1 in float64
    params.fill(-40, L.bu.offset, L.bu.offset + H); // Γu = σ(-40) ≈ 4e-18
    const x = Float64Array.from({ length: Tn * B * I }, () => rand(-1, 1));
    const [a0, c0] = [new Float64Array(B * H), new Float64Array(B * H)].map((v) => v.map(() => rand(-1, 1)));
    const spec: LossSpec = { loss: "mse", reduction: "sum", mask: maskLast(Tn) };
    const r = oracleForward({ config: cfg, params }, x, Tn, B, a0, c0, new Float64Array(Tn * B * O), spec);
    const c = r.c as Float64Array;
    for (let i = 0; i < B * H; i++) expect(Math.abs(c[Tn * B * H + i] - c0[i])).toBeLessThan(1e-15);
  });
});

describe("oracleLossAndGrads input checks", () => {
  it("oracleLossAndGrads throws for bce without a sigmoid output and ce without a softmax output", () => {
    for (const [loss, output] of [["bce", "identity"], ["ce", "sigmoid"]] as [LossKind, OutputKind][]) {
      const cfg = makeConfig({ cell: "rnn", I, H, O, output });
      const p = makeProblem(cfg, { loss, reduction: "sum", mask: maskLast(T) }, 3);
      expect(() => oracleLossAndGrads({ config: cfg, params: p.params }, p.x, T, B, p.a0, null, p.targets, p.spec)).toThrow(RangeError);
    }
  });
});
