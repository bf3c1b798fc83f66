/**
 * The independent oracle (test-only): the unrolled network and its loss built from scalar Values,
 * straight from the equations in DESIGN.md §2 and loss-spec.ts, then one backward pass.
 * It shares only the config, the parameter layout and the loss spec with the library, never a kernel.
 *
 * Layouts (flat, row-major): x (T, B, I) with x<t> at ((t-1)·B + b)·I; a0, c0 (B, H);
 * states a, c (T+1, B, H) with a<0> first; yhat (T, B, O); dparams in the layout of params.
 */
import type { Model } from "../../src/model";
import { paramLayout } from "../../src/params";
import type { LossSpec } from "../../src/loss-spec";
import { Value } from "./scalar-autograd";

export interface OracleResult {
  loss: number;
  dparams: Float64Array;
  dx: Float64Array;
  da0: Float64Array;
  /** lstm only, else null */
  dc0: Float64Array | null;
  /** (T+1, B, H) hidden states, a<0> first */
  a: Float64Array;
  /** (T+1, B, H) lstm memory cells, c<0> first; null for rnn and gru */
  c: Float64Array | null;
  /** (T, B, O) readout at every step, whether or not the mask puts a loss there */
  yhat: Float64Array;
}

/** Loss and its gradient with respect to every parameter, x entry and initial state, by scalar autograd. */
export function oracleLossAndGrads(model: Model, x: Float64Array, T: number, B: number, a0: Float64Array,
    c0: Float64Array | null, targets: Float64Array, spec: LossSpec): OracleResult {
  const g = buildGraph(model, x, T, B, a0, c0, targets, spec);
  g.loss.backward();
  return { ...g.forward, dparams: grads(g.params), dx: grads(g.x), da0: grads(g.a0), dc0: g.c0 && grads(g.c0) };
}

/** The forward pass alone (loss, states, readouts): what a finite-difference check perturbs. */
export function oracleForward(model: Model, x: Float64Array, T: number, B: number, a0: Float64Array,
    c0: Float64Array | null, targets: Float64Array, spec: LossSpec): Pick<OracleResult, "loss" | "a" | "c" | "yhat"> {
  return buildGraph(model, x, T, B, a0, c0, targets, spec).forward;
}

const leaves = (v: Float64Array): Value[] => Array.from(v, (d) => new Value(d));
const grads = (vs: Value[]): Float64Array => Float64Array.from(vs, (v) => v.grad);

function buildGraph(model: Model, xs: Float64Array, T: number, B: number, a0s: Float64Array,
    c0s: Float64Array | null, targets: Float64Array, spec: LossSpec) {
  const cfg = model.config;
  const { cell, I, H, O } = cfg;
  const L = paramLayout(cfg);
  const lstm = cell === "lstm";
  if (model.params.length !== L.size) throw new RangeError(`params length must be ${L.size}`);
  if (xs.length !== T * B * I) throw new RangeError(`x length must be T·B·I = ${T * B * I}`);
  if (a0s.length !== B * H) throw new RangeError(`a0 length must be B·H = ${B * H}`);
  if (lstm !== (c0s !== null) || (c0s !== null && c0s.length !== B * H)) throw new RangeError("c0 must be (B, H) for lstm, else null");
  if (spec.mask.length !== T) throw new RangeError(`mask length must be T = ${T}`);
  if (targets.length !== (spec.loss === "ce" ? T * B : T * B * O)) throw new RangeError("targets must be (T, B) for ce, else (T, B, O)");
  if (spec.loss === "bce" && cfg.output !== "sigmoid") throw new RangeError("bce requires output sigmoid");
  if (spec.loss === "ce" && cfg.output !== "softmax") throw new RangeError("ce requires output softmax");

  const params = leaves(model.params);
  const x = leaves(xs);
  const a0 = leaves(a0s);
  const c0 = c0s && leaves(c0s);

  /** b_j + Σ_k W[j, col0 + k]·v[k]: row j of block W (rows, cols), from column col0, against v */
  const affine = (W: string, bias: Value | null, j: number, v: readonly Value[], col0 = 0): Value => {
    const w = L.byName[W];
    const base = w.offset + j * w.shape[1] + col0;
    let s = bias ?? new Value(0);
    for (let k = 0; k < v.length; k++) s = s.add(params[base + k].mul(v[k]));
    return s;
  };
  const bias = (name: string, j: number): Value => params[L.byName[name].offset + j];
  /** row j of the gate pre-activation W[a<t-1>; x<t>] + b */
  const gate = (gname: string, j: number, ax: readonly Value[]): Value => affine(`W${gname}`, bias(`b${gname}`, j), j, ax);

  /** One step for one batch row: (a<t-1>, c<t-1>, x<t>) -> (a<t>, c<t>). */
  function step(aPrev: Value[], cPrev: Value[] | null, xt: Value[]): [Value[], Value[] | null] {
    const a: Value[] = [];
    const ax = [...aPrev, ...xt]; // [a<t-1>; x<t>]
    if (cell === "rnn") {
      for (let j = 0; j < H; j++) {
        // a<t> = g(Waa a<t-1> + Wax x<t> + ba)
        const z = affine("Wax", affine("Waa", bias("ba", j), j, aPrev), j, xt);
        const act = cfg.activation;
        a.push(act === "tanh" ? z.tanh() : act === "relu" ? z.relu() : act === "sigmoid" ? z.sigmoid() : z);
      }
      return [a, null];
    }
    if (cell === "gru") {
      // Γr = σ(Wr[a<t-1>; x<t>] + br), Γu = σ(Wu[a<t-1>; x<t>] + bu)
      const r = aPrev.map((_, j) => gate("r", j, ax).sigmoid());
      const u = aPrev.map((_, j) => gate("u", j, ax).sigmoid());
      const rax = [...aPrev.map((ak, k) => r[k].mul(ak)), ...xt]; // [Γr⊙a<t-1>; x<t>]
      for (let j = 0; j < H; j++) {
        const cc = cfg.gruVariant === "reset-before"
          ? gate("c", j, rax).tanh() // c~ = tanh(Wc[Γr⊙a<t-1>; x<t>] + bc)
          // c~ = tanh(Wc[:, H:] x<t> + bc + Γr⊙(Wc[:, :H] a<t-1> + bca))
          : affine("Wc", bias("bc", j), j, xt, H).add(r[j].mul(affine("Wc", bias("bca", j), j, aPrev))).tanh();
        // a<t> = Γu⊙c~ + (1-Γu)⊙a<t-1>
        a.push(u[j].mul(cc).add(new Value(1).sub(u[j]).mul(aPrev[j])));
      }
      return [a, null];
    }
    if (!cPrev) throw new RangeError("lstm needs c<t-1>");
    const c: Value[] = [];
    for (let j = 0; j < H; j++) {
      const f = gate("f", j, ax).sigmoid(); // Γf = σ(Wf[a<t-1>; x<t>] + bf)
      const u = gate("u", j, ax).sigmoid(); // Γu = σ(Wu[a<t-1>; x<t>] + bu)
      const cc = gate("c", j, ax).tanh(); //   c~ = tanh(Wc[a<t-1>; x<t>] + bc)
      const o = gate("o", j, ax).sigmoid(); // Γo = σ(Wo[a<t-1>; x<t>] + bo)
      c.push(f.mul(cPrev[j]).add(u.mul(cc))); // c<t> = Γf⊙c<t-1> + Γu⊙c~
      a.push(o.mul(c[j].tanh())); //           a<t> = Γo⊙tanh(c<t>)
    }
    return [a, c];
  }

  /** softplus(z) = max(z,0) + log(1+exp(-|z|)), written per sign so each branch is smooth */
  const softplus = (z: Value): Value => (z.data >= 0 ? z.add(z.neg().exp().add(1).log()) : z.exp().add(1).log());
  /** log Σ_k exp(z_k) = m + log Σ_k exp(z_k - m), m = max z held constant (the gradient does not depend on m) */
  const logSumExp = (z: Value[]): Value => {
    const m = Math.max(...z.map((v) => v.data));
    return z.map((v) => v.sub(m).exp()).reduce((s, e) => s.add(e)).log().add(m);
  };

  const aOut = new Float64Array((T + 1) * B * H);
  const cOut = lstm ? new Float64Array((T + 1) * B * H) : null;
  const yhatOut = new Float64Array(T * B * O);
  let loss = new Value(0);
  for (let b = 0; b < B; b++) {
    let a = a0.slice(b * H, (b + 1) * H);
    let c = c0 && c0.slice(b * H, (b + 1) * H);
    for (let j = 0; j < H; j++) {
      aOut[b * H + j] = a[j].data;
      if (cOut && c) cOut[b * H + j] = c[j].data;
    }
    for (let t = 1; t <= T; t++) {
      [a, c] = step(a, c, x.slice(((t - 1) * B + b) * I, ((t - 1) * B + b + 1) * I));
      for (let j = 0; j < H; j++) {
        aOut[(t * B + b) * H + j] = a[j].data;
        if (cOut && c) cOut[(t * B + b) * H + j] = c[j].data;
      }
      // z<t> = Wya a<t> + by; yhat<t> = identity(z), σ(z) or softmax(z)
      const z = Array.from({ length: O }, (_, k) => affine("Wya", bias("by", k), k, a));
      let yhat = z;
      if (cfg.output === "sigmoid") yhat = z.map((v) => v.sigmoid());
      if (cfg.output === "softmax") {
        const m = Math.max(...z.map((v) => v.data));
        const e = z.map((v) => v.sub(m).exp());
        const sum = e.reduce((s, v) => s.add(v));
        yhat = e.map((v) => v.div(sum));
      }
      for (let k = 0; k < O; k++) yhatOut[((t - 1) * B + b) * O + k] = yhat[k].data;
      if (spec.mask[t - 1] !== 1) continue;
      const yOff = ((t - 1) * B + b) * O;
      if (spec.loss === "ce") {
        // -log softmax(z)_c = logsumexp(z) - z_c
        const cls = targets[(t - 1) * B + b];
        if (!(Number.isInteger(cls) && cls >= 0 && cls < O)) throw new RangeError(`ce target must be a class in [0, ${O}), got ${cls}`);
        loss = loss.add(logSumExp(z).sub(z[cls]));
      } else {
        for (let k = 0; k < O; k++) {
          const y = targets[yOff + k];
          // mse: (yhat - y)²;  bce: -(y·log σ(z) + (1-y)·log(1-σ(z))) = softplus(z) - y·z
          loss = loss.add(spec.loss === "mse" ? yhat[k].sub(y).square() : softplus(z[k]).sub(z[k].mul(y)));
        }
      }
    }
  }
  if (spec.reduction === "mean") {
    const steps = spec.mask.filter((m) => m === 1).length;
    if (steps === 0) throw new RangeError("mean reduction needs at least one step with mask = 1");
    loss = loss.div(steps * B * (spec.loss === "ce" ? 1 : O));
  }
  return { loss, params, x, a0, c0, forward: { loss: loss.data, a: aOut, c: cOut, yhat: yhatOut } };
}
