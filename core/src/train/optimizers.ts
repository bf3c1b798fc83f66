/**
 * Optimizers: SGD (with momentum, dampening, Nesterov), Adam, AdamW, RMSprop and Adagrad, with PyTorch
 * 1.13's update formulas, defaults and order of floating-point operations (torch/optim/*.py,
 * `_single_tensor_*`; the elementwise kernels `add(a, b, alpha) = a + alpha*b`,
 * `addcmul(s, t1, t2, v) = s + v*t1*t2` and `addcdiv(s, t1, t2, v) = s + v*t1/t2`, evaluated left to right).
 * Against torch with ATEN_CPU_CAPABILITY=default (no FMA) the results agree bit for bit; see
 * tools/make-optim-fixtures.py and core/test/optimizers.test.ts.
 *
 * A spec is plain JSON-able data; an optimizer is the one stateful object (its moment buffers and step
 * count). It works on one flat Float64Array of parameters (see params.ts): every update is elementwise,
 * so one flat vector gives the same numbers as torch's per-tensor loop. `state()` and `restoreOptimizer`
 * turn the state into plain data and back, so a resumed run continues bit for bit.
 *
 * Per element, with g the gradient, p the parameter and t the step (1, 2, ...):
 *   sgd       d = g + wd·p;  buf = t=1 ? d : buf·μ + (1-dampening)·d;  d = nesterov ? d + μ·buf : buf;  p = p + (-lr)·d
 *   adam      g = g + wd·p;  m = m·β1 + (1-β1)·g;  v = v·β2 + (1-β2)·g·g;  [amsgrad: v̂ = max(v̂, v)]
 *             p = p + (-lr/(1-β1^t))·m / (sqrt(v)/sqrt(1-β2^t) + eps)
 *   adamw     p = p·(1 - lr·wd), then adam without the wd term
 *   rmsprop   g = g + wd·p;  s = s·α + (1-α)·g·g;  [centered: ḡ = ḡ·α + (1-α)·g;  s' = s - ḡ·ḡ]
 *             avg = sqrt(s') + eps;  momentum > 0 ? (buf = buf·μ + g/avg;  p = p + (-lr)·buf) : p = p + (-lr)·g/avg
 *   adagrad   g = g + wd·p;  clr = lr/(1 + (t-1)·lrDecay);  sum = sum + g·g;  p = p + (-clr)·g/(sqrt(sum) + eps)
 * (wd terms are skipped when wd = 0, as torch does.)
 */
import { checkInt } from "../dims";

/** The optimizer kinds. "momentum" is SGD with momentum 0.9 by default (a CLI convenience). */
export type OptimizerKind = "sgd" | "momentum" | "adam" | "adamw" | "rmsprop" | "adagrad";
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ["sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad"];

/** torch.optim.SGD. `lr` has no default (torch requires it). */
export interface SgdSpec {
  kind: "sgd" | "momentum";
  lr: number;
  /** default 0 for "sgd", 0.9 for "momentum" */
  momentum?: number;
  /** default 0 */
  dampening?: number;
  /** default false; needs momentum > 0 and dampening 0 */
  nesterov?: boolean;
  /** L2 penalty added to the gradient; default 0 */
  weightDecay?: number;
}

/** torch.optim.Adam / torch.optim.AdamW. */
export interface AdamSpec {
  kind: "adam" | "adamw";
  /** default 1e-3 */
  lr?: number;
  /** default [0.9, 0.999] */
  betas?: readonly [number, number];
  /** default 1e-8 */
  eps?: number;
  /** default 0 (adam: added to the gradient) or 1e-2 (adamw: decoupled, p *= 1 - lr·wd) */
  weightDecay?: number;
  /** default false */
  amsgrad?: boolean;
}

/** torch.optim.RMSprop. */
export interface RmspropSpec {
  kind: "rmsprop";
  /** default 1e-2 */
  lr?: number;
  /** smoothing constant; default 0.99 */
  alpha?: number;
  /** default 1e-8 */
  eps?: number;
  /** default 0 */
  weightDecay?: number;
  /** default 0 */
  momentum?: number;
  /** default false */
  centered?: boolean;
}

/** torch.optim.Adagrad. */
export interface AdagradSpec {
  kind: "adagrad";
  /** default 1e-2 */
  lr?: number;
  /** default 0 */
  lrDecay?: number;
  /** default 0 */
  weightDecay?: number;
  /** default 0 */
  initialAccumulatorValue?: number;
  /** default 1e-10 */
  eps?: number;
}

/** Plain JSON-able optimizer settings; omitted fields take PyTorch 1.13's defaults. */
export type OptimizerSpec = SgdSpec | AdamSpec | RmspropSpec | AdagradSpec;

/** A validated spec with every default filled in. */
export type ResolvedOptimizerSpec =
  | Required<SgdSpec>
  | (Required<Omit<AdamSpec, "betas">> & { betas: readonly [number, number] })
  | Required<RmspropSpec>
  | Required<AdagradSpec>;

/**
 * An optimizer's state as plain data: the step count and its buffers, each `size` numbers. Buffers by
 * kind: sgd/momentum `momentumBuffer` (when momentum ≠ 0); adam/adamw `expAvg`, `expAvgSq` and
 * `maxExpAvgSq` (amsgrad); rmsprop `squareAvg`, `gradAvg` (centered) and `momentumBuffer` (momentum > 0);
 * adagrad `sum`. JSON keeps every finite double exactly, except that -0 comes back as 0.
 */
export interface OptimizerState {
  kind: OptimizerKind;
  size: number;
  /** steps taken */
  step: number;
  buffers: Record<string, number[]>;
}

/** An optimizer: updates a flat parameter vector in place from a gradient with the same layout. */
export interface Optimizer {
  /** the validated spec, defaults filled in */
  readonly spec: ResolvedOptimizerSpec;
  /** number of parameters */
  readonly size: number;
  /** steps taken so far */
  readonly steps: number;
  /** One update: params -= f(grads, state). Overwrites params and the state; reads grads. Allocates nothing. */
  step(params: Float64Array, grads: Float64Array): void;
  /** A plain-data copy of the state, for checkpoints. */
  state(): OptimizerState;
}

const FIELDS: Record<OptimizerKind, readonly string[]> = {
  sgd: ["kind", "lr", "momentum", "dampening", "nesterov", "weightDecay"],
  momentum: ["kind", "lr", "momentum", "dampening", "nesterov", "weightDecay"],
  adam: ["kind", "lr", "betas", "eps", "weightDecay", "amsgrad"],
  adamw: ["kind", "lr", "betas", "eps", "weightDecay", "amsgrad"],
  rmsprop: ["kind", "lr", "alpha", "eps", "weightDecay", "momentum", "centered"],
  adagrad: ["kind", "lr", "lrDecay", "weightDecay", "initialAccumulatorValue", "eps"],
};

const show = (v: unknown): string => (typeof v === "number" ? String(v) : v === undefined ? "undefined" : JSON.stringify(v) ?? String(v));

function num(o: Record<string, unknown>, field: string, dflt: number | undefined, ok: (v: number) => boolean, range: string): number {
  const v = o[field] === undefined ? dflt : o[field];
  if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) {
    throw new RangeError(`${field} must be a finite number${range ? " " + range : ""}, got ${show(o[field])}`);
  }
  return v;
}

function bool(o: Record<string, unknown>, field: string): boolean {
  const v = o[field] ?? false;
  if (typeof v !== "boolean") throw new RangeError(`${field} must be true or false, got ${show(v)}`);
  return v;
}

/**
 * Validates a spec (from JSON, a config file or flags) and fills PyTorch 1.13's defaults. Throws a
 * RangeError naming the field, the value and the allowed range. Stricter than torch in two places:
 * lr and eps must be > 0 (torch allows 0), and every number must be finite.
 */
export function resolveOptimizerSpec(spec: unknown): ResolvedOptimizerSpec {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new RangeError(`optimizer spec must be an object, got ${show(spec)}`);
  const o = spec as Record<string, unknown>;
  const kind = o.kind as OptimizerKind;
  if (!OPTIMIZER_KINDS.includes(kind)) throw new RangeError(`kind must be one of ${OPTIMIZER_KINDS.join("|")}, got ${show(o.kind)}`);
  for (const k of Object.keys(o)) {
    if (!FIELDS[kind].includes(k)) throw new RangeError(`${k} is not a field of a ${kind} optimizer; allowed: ${FIELDS[kind].join(", ")}`);
  }
  const pos = (v: number) => v > 0, nonneg = (v: number) => v >= 0, any = () => true;
  const unit = (v: number) => v >= 0 && v < 1;
  switch (kind) {
    case "sgd":
    case "momentum": {
      if (o.lr === undefined) throw new RangeError(`lr must be a finite number > 0 (SGD has no default), got undefined`);
      const lr = num(o, "lr", undefined, pos, "> 0");
      const momentum = num(o, "momentum", kind === "momentum" ? 0.9 : 0, nonneg, ">= 0");
      const dampening = num(o, "dampening", 0, any, "");
      const nesterov = bool(o, "nesterov");
      const weightDecay = num(o, "weightDecay", 0, nonneg, ">= 0");
      if (nesterov && !(momentum > 0 && dampening === 0)) {
        throw new RangeError(`nesterov needs momentum > 0 and dampening 0, got momentum ${momentum} and dampening ${dampening}`);
      }
      return { kind, lr, momentum, dampening, nesterov, weightDecay };
    }
    case "adam":
    case "adamw": {
      const lr = num(o, "lr", 1e-3, pos, "> 0");
      const b = o.betas ?? [0.9, 0.999];
      if (!Array.isArray(b) || b.length !== 2) throw new RangeError(`betas must be a pair [beta1, beta2], got ${show(o.betas)}`);
      const bo = { "betas[0]": b[0], "betas[1]": b[1] } as Record<string, unknown>;
      const beta1 = num(bo, "betas[0]", undefined, unit, "in [0, 1)");
      const beta2 = num(bo, "betas[1]", undefined, unit, "in [0, 1)");
      const eps = num(o, "eps", 1e-8, pos, "> 0");
      const weightDecay = num(o, "weightDecay", kind === "adamw" ? 1e-2 : 0, nonneg, ">= 0");
      return { kind, lr, betas: [beta1, beta2], eps, weightDecay, amsgrad: bool(o, "amsgrad") };
    }
    case "rmsprop": {
      const lr = num(o, "lr", 1e-2, pos, "> 0");
      const alpha = num(o, "alpha", 0.99, nonneg, ">= 0");
      const eps = num(o, "eps", 1e-8, pos, "> 0");
      const weightDecay = num(o, "weightDecay", 0, nonneg, ">= 0");
      const momentum = num(o, "momentum", 0, nonneg, ">= 0");
      return { kind, lr, alpha, eps, weightDecay, momentum, centered: bool(o, "centered") };
    }
    case "adagrad": {
      const lr = num(o, "lr", 1e-2, pos, "> 0");
      const lrDecay = num(o, "lrDecay", 0, nonneg, ">= 0");
      const weightDecay = num(o, "weightDecay", 0, nonneg, ">= 0");
      const initialAccumulatorValue = num(o, "initialAccumulatorValue", 0, nonneg, ">= 0");
      const eps = num(o, "eps", 1e-10, pos, "> 0");
      return { kind, lr, lrDecay, weightDecay, initialAccumulatorValue, eps };
    }
  }
}

/** Throws a RangeError naming the first bad field unless `spec` is a valid OptimizerSpec. */
export function validateOptimizerSpec(spec: unknown): asserts spec is OptimizerSpec {
  resolveOptimizerSpec(spec);
}

/** The buffer names an optimizer with this (resolved) spec keeps, in a fixed order. */
export function optimizerBufferNames(spec: ResolvedOptimizerSpec): string[] {
  switch (spec.kind) {
    case "sgd":
    case "momentum":
      return spec.momentum !== 0 ? ["momentumBuffer"] : [];
    case "adam":
    case "adamw":
      return spec.amsgrad ? ["expAvg", "expAvgSq", "maxExpAvgSq"] : ["expAvg", "expAvgSq"];
    case "rmsprop":
      return ["squareAvg", ...(spec.centered ? ["gradAvg"] : []), ...(spec.momentum > 0 ? ["momentumBuffer"] : [])];
    case "adagrad":
      return ["sum"];
  }
}

/** A new optimizer for `size` parameters, with zeroed state (Adagrad: initialAccumulatorValue). */
export function makeOptimizer(spec: OptimizerSpec, size: number): Optimizer {
  const s = resolveOptimizerSpec(spec);
  checkInt("size", size, 0);
  switch (s.kind) {
    case "sgd":
    case "momentum":
      return new Sgd(s, size);
    case "adam":
    case "adamw":
      return new Adam(s, size);
    case "rmsprop":
      return new Rmsprop(s, size);
    case "adagrad":
      return new Adagrad(s, size);
  }
}

/**
 * An optimizer that continues from a checkpointed `state()` bit for bit. Throws a RangeError if the
 * state does not fit the spec (kind, buffer names, lengths) or holds a non-finite number.
 */
export function restoreOptimizer(spec: OptimizerSpec, state: OptimizerState): Optimizer {
  if (typeof state !== "object" || state === null) throw new RangeError(`optimizer state must be an object, got ${show(state)}`);
  const s = resolveOptimizerSpec(spec);
  if (state.kind !== s.kind) throw new RangeError(`state.kind must be ${s.kind} (the spec's kind), got ${show(state.kind)}`);
  checkInt("state.size", state.size, 0);
  checkInt("state.step", state.step, 0);
  const opt = makeOptimizer(s, state.size) as Base;
  const names = optimizerBufferNames(s);
  const given = state.buffers ?? {};
  for (const k of Object.keys(given)) {
    if (!names.includes(k)) throw new RangeError(`state.buffers.${k} is not a buffer of this ${s.kind} optimizer; expected ${names.join(", ") || "none"}`);
  }
  for (const name of names) {
    const src = given[name];
    if (!Array.isArray(src) || src.length !== state.size) {
      throw new RangeError(`state.buffers.${name} must be an array of ${state.size} numbers, got ${Array.isArray(src) ? `length ${src.length}` : show(src)}`);
    }
    const dst = opt.buffer(name);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`state.buffers.${name}[${i}] must be a finite number, got ${show(v)}`);
      dst[i] = v;
    }
  }
  opt.t = state.step;
  return opt;
}

/**
 * b^k for an integer k >= 0, correctly rounded in practice (double-double exponentiation by squaring,
 * ~2^-100 relative error). Python's `beta ** step` (glibc pow) gives the same double for every step of
 * typical betas up to ~2900; V8's Math.pow does not (Math.pow(0.9, 4) is 0.6561000000000001, one ulp
 * off), which would move Adam's bias corrections. Accuracy is only needed for results >= 2^-54: below
 * that, 1 - b^k rounds to 1 anyway.
 */
export function powInt(b: number, k: number): number {
  let rh = 1, rl = 0, bh = b, bl = 0;
  while (k > 0) {
    if (k % 2 === 1) {
      const p = ddMulHi(rh, rl, bh, bl);
      rl = DD_LO;
      rh = p;
    }
    k = Math.floor(k / 2);
    if (k > 0) {
      const p = ddMulHi(bh, bl, bh, bl);
      bl = DD_LO;
      bh = p;
    }
  }
  return rh;
}

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter
let DD_LO = 0;
/** (ah + al)·(ch + cl) in double-double (Dekker's exact product, no FMA); returns hi, leaves lo in DD_LO. */
function ddMulHi(ah: number, al: number, ch: number, cl: number): number {
  const p = ah * ch;
  let t = SPLIT * ah;
  const a1 = t - (t - ah), a2 = ah - a1;
  t = SPLIT * ch;
  const c1 = t - (t - ch), c2 = ch - c1;
  const e = ((a1 * c1 - p) + a1 * c2 + a2 * c1) + a2 * c2;
  const lo = e + (ah * cl + al * ch);
  const s = p + lo;
  DD_LO = lo - (s - p);
  return s;
}

abstract class Base implements Optimizer {
  t = 0;
  constructor(readonly spec: ResolvedOptimizerSpec, readonly size: number) {}
  get steps(): number {
    return this.t;
  }
  abstract step(params: Float64Array, grads: Float64Array): void;
  abstract buffer(name: string): Float64Array;
  protected check(params: Float64Array, grads: Float64Array): void {
    if (params.length !== this.size) throw new RangeError(`params length must be ${this.size} (the optimizer's size), got ${params.length}`);
    if (grads.length !== this.size) throw new RangeError(`grads length must be ${this.size} (the optimizer's size), got ${grads.length}`);
  }
  state(): OptimizerState {
    const buffers: Record<string, number[]> = {};
    for (const name of optimizerBufferNames(this.spec)) buffers[name] = Array.from(this.buffer(name));
    return { kind: this.spec.kind, size: this.size, step: this.t, buffers };
  }
}

/** torch.optim.SGD (_single_tensor_sgd). */
class Sgd extends Base {
  private readonly buf: Float64Array;
  constructor(override readonly spec: Required<SgdSpec>, size: number) {
    super(spec, size);
    this.buf = new Float64Array(spec.momentum !== 0 ? size : 0);
  }
  buffer(name: string): Float64Array {
    if (name === "momentumBuffer") return this.buf;
    throw new RangeError(`no buffer ${name}`);
  }
  step(p: Float64Array, g: Float64Array): void {
    this.check(p, g);
    const { lr, momentum: mu, dampening, nesterov, weightDecay: wd } = this.spec;
    const buf = this.buf, n = this.size, first = this.t === 0;
    const keep = 1 - dampening, negLr = -lr;
    for (let i = 0; i < n; i++) {
      let d = g[i];
      if (wd !== 0) d = d + wd * p[i];
      if (mu !== 0) {
        // torch clones d into the buffer on the first step (no dampening there)
        const b = first ? d : buf[i] * mu + keep * d;
        buf[i] = b;
        d = nesterov ? d + mu * b : b;
      }
      p[i] = p[i] + negLr * d;
    }
    this.t++;
  }
}

/** torch.optim.Adam and torch.optim.AdamW (_single_tensor_adam / _single_tensor_adamw, capturable=False). */
class Adam extends Base {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private readonly vmax: Float64Array;
  constructor(override readonly spec: Required<Omit<AdamSpec, "betas">> & { betas: readonly [number, number] }, size: number) {
    super(spec, size);
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    this.vmax = new Float64Array(spec.amsgrad ? size : 0);
  }
  buffer(name: string): Float64Array {
    if (name === "expAvg") return this.m;
    if (name === "expAvgSq") return this.v;
    if (name === "maxExpAvgSq") return this.vmax;
    throw new RangeError(`no buffer ${name}`);
  }
  step(p: Float64Array, g: Float64Array): void {
    this.check(p, g);
    const { lr, eps, weightDecay: wd, amsgrad } = this.spec;
    const beta1 = this.spec.betas[0], beta2 = this.spec.betas[1];
    const decoupled = this.spec.kind === "adamw";
    const t = ++this.t;
    const biasCorrection1 = 1 - powInt(beta1, t);
    const biasCorrection2 = 1 - powInt(beta2, t);
    const negStepSize = -(lr / biasCorrection1);
    const bc2Sqrt = Math.sqrt(biasCorrection2);
    const c1 = 1 - beta1, c2 = 1 - beta2, decay = 1 - lr * wd;
    const m = this.m, v = this.v, vmax = this.vmax, n = this.size;
    for (let i = 0; i < n; i++) {
      let gi = g[i];
      if (decoupled) p[i] = p[i] * decay; // torch multiplies even when wd = 0 (by exactly 1)
      else if (wd !== 0) gi = gi + wd * p[i];
      const mi = m[i] * beta1 + c1 * gi;
      const vi = v[i] * beta2 + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      let vv = vi;
      if (amsgrad) {
        vv = Math.max(vmax[i], vi); // torch.maximum: NaN-propagating, like Math.max
        vmax[i] = vv;
      }
      const denom = Math.sqrt(vv) / bc2Sqrt + eps;
      p[i] = p[i] + negStepSize * mi / denom;
    }
  }
}

/** torch.optim.RMSprop (_single_tensor_rmsprop). */
class Rmsprop extends Base {
  private readonly sq: Float64Array;
  private readonly gavg: Float64Array;
  private readonly buf: Float64Array;
  constructor(override readonly spec: Required<RmspropSpec>, size: number) {
    super(spec, size);
    this.sq = new Float64Array(size);
    this.gavg = new Float64Array(spec.centered ? size : 0);
    this.buf = new Float64Array(spec.momentum > 0 ? size : 0);
  }
  buffer(name: string): Float64Array {
    if (name === "squareAvg") return this.sq;
    if (name === "gradAvg") return this.gavg;
    if (name === "momentumBuffer") return this.buf;
    throw new RangeError(`no buffer ${name}`);
  }
  step(p: Float64Array, g: Float64Array): void {
    this.check(p, g);
    const { lr, alpha, eps, weightDecay: wd, momentum: mu, centered } = this.spec;
    const c = 1 - alpha, negLr = -lr;
    const sq = this.sq, gavg = this.gavg, buf = this.buf, n = this.size;
    for (let i = 0; i < n; i++) {
      let gi = g[i];
      if (wd !== 0) gi = gi + wd * p[i];
      const s = sq[i] * alpha + c * gi * gi;
      sq[i] = s;
      let avg: number;
      if (centered) {
        const ga = gavg[i] * alpha + c * gi;
        gavg[i] = ga;
        avg = Math.sqrt(s + -ga * ga); // addcmul(s, ga, ga, value=-1)
      } else {
        avg = Math.sqrt(s);
      }
      avg = avg + eps;
      if (mu > 0) {
        const b = buf[i] * mu + gi / avg;
        buf[i] = b;
        p[i] = p[i] + negLr * b;
      } else {
        p[i] = p[i] + negLr * gi / avg;
      }
    }
    this.t++;
  }
}

/** torch.optim.Adagrad (_single_tensor_adagrad, dense gradients). */
class Adagrad extends Base {
  private readonly sum: Float64Array;
  constructor(override readonly spec: Required<AdagradSpec>, size: number) {
    super(spec, size);
    this.sum = new Float64Array(size).fill(spec.initialAccumulatorValue);
  }
  buffer(name: string): Float64Array {
    if (name === "sum") return this.sum;
    throw new RangeError(`no buffer ${name}`);
  }
  step(p: Float64Array, g: Float64Array): void {
    this.check(p, g);
    const { lr, lrDecay, eps, weightDecay: wd } = this.spec;
    const t = ++this.t;
    const negClr = -(lr / (1 + (t - 1) * lrDecay));
    const sum = this.sum, n = this.size;
    for (let i = 0; i < n; i++) {
      let gi = g[i];
      if (wd !== 0) gi = gi + wd * p[i];
      const s = sum[i] + gi * gi;
      sum[i] = s;
      p[i] = p[i] + negClr * gi / (Math.sqrt(s) + eps);
    }
  }
}
