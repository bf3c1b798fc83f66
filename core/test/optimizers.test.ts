// Optimizers against PyTorch 1.13 (float64, ATEN_CPU_CAPABILITY=default), fixtures written by
// tools/make-optim-fixtures.py: two parameters of shapes (3, 4) and (5,) flattened into one vector,
// six steps with seeded gradients, the parameters after every step and torch's state buffers after the
// last. Every step and every buffer agrees bit for bit.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  makeOptimizer, optimizerBufferNames, powInt, resolveOptimizerSpec, restoreOptimizer, validateOptimizerSpec,
  type OptimizerSpec, type OptimizerState,
} from "../src/train/optimizers";

interface Fixture {
  torchCall: string; spec: OptimizerSpec; params0: number[]; grads: number[][]; params: number[][];
  state: { step: number; buffers: Record<string, number[]> };
}

const dir = new URL("./fixtures/optim/", import.meta.url);
const cases = readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "clip.json").map((f) => f.slice(0, -5)).sort();
const load = (name: string) => JSON.parse(readFileSync(new URL(`${name}.json`, dir), "utf8")) as Fixture;

/** max |a-b|/|b| (0 where both are 0) */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    const e = a[i] === b[i] ? 0 : Math.abs(a[i] - b[i]) / Math.abs(b[i]);
    if (!(e <= m)) m = e;
  }
  return m;
}
const sameBits = (a: Float64Array, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));

describe("optimizers vs torch.optim (1.13, float64)", () => {
  it("finds the fixture set", () => {
    expect(cases.length).toBe(16);
    for (const k of ["sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad"]) expect(cases.some((c) => c.startsWith(k))).toBe(true);
  });

  for (const name of cases) {
    it(`makeOptimizer(${name}).step matches ${load(name).torchCall} at every step and in its state, bit for bit`, () => {
      const fx = load(name);
      const p = Float64Array.from(fx.params0);
      const opt = makeOptimizer(fx.spec, p.length);
      for (let k = 0; k < fx.grads.length; k++) {
        opt.step(p, Float64Array.from(fx.grads[k]));
        expect(relErr(p, fx.params[k]), `step ${k + 1}`).toBeLessThanOrEqual(1e-12);
        expect(sameBits(p, fx.params[k]), `step ${k + 1} bit-exact`).toBe(true);
      }
      expect(opt.steps).toBe(fx.grads.length);
      const st = opt.state();
      expect(st.step).toBe(fx.state.step);
      expect(Object.keys(st.buffers).sort()).toEqual(Object.keys(fx.state.buffers).sort());
      for (const [k, want] of Object.entries(fx.state.buffers)) {
        expect(relErr(st.buffers[k], want), k).toBeLessThanOrEqual(1e-12);
        expect(sameBits(Float64Array.from(st.buffers[k]), want), `${k} bit-exact`).toBe(true);
      }
    });
  }
});

describe("optimizer state round trip", () => {
  for (const name of cases) {
    it(`restoreOptimizer(spec, JSON(state())) after 3 steps of ${name} continues bit-identically`, () => {
      const fx = load(name);
      const a = Float64Array.from(fx.params0);
      const opt = makeOptimizer(fx.spec, a.length);
      for (let k = 0; k < 3; k++) opt.step(a, Float64Array.from(fx.grads[k]));
      const st = JSON.parse(JSON.stringify(opt.state())) as OptimizerState;
      expect(st.step).toBe(3);
      expect(Object.keys(st.buffers)).toEqual(optimizerBufferNames(resolveOptimizerSpec(fx.spec)));
      const b = Float64Array.from(a);
      const resumed = restoreOptimizer(JSON.parse(JSON.stringify(fx.spec)) as OptimizerSpec, st);
      for (let k = 3; k < fx.grads.length; k++) {
        const g = Float64Array.from(fx.grads[k]);
        opt.step(a, g);
        resumed.step(b, g);
        expect(sameBits(b, a), `step ${k + 1}`).toBe(true);
      }
      expect(resumed.state()).toEqual(opt.state());
      expect(sameBits(b, fx.params[fx.params.length - 1])).toBe(true);
    });
  }

  it("state() returns copies: stepping afterwards does not change an earlier state", () => {
    const opt = makeOptimizer({ kind: "adam" }, 2);
    opt.step(new Float64Array([1, 2]), new Float64Array([0.5, -0.5]));
    const st = opt.state();
    const before = JSON.stringify(st);
    opt.step(new Float64Array([1, 2]), new Float64Array([0.5, -0.5]));
    expect(JSON.stringify(st)).toBe(before);
  });

  it("restoreOptimizer rejects a state that does not fit the spec, naming the field", () => {
    const spec: OptimizerSpec = { kind: "adam", amsgrad: true };
    const good = makeOptimizer(spec, 3).state();
    expect(() => restoreOptimizer({ kind: "adamw" }, good)).toThrow(/state\.kind must be adamw/);
    expect(() => restoreOptimizer({ kind: "adam" }, good)).toThrow(/state\.buffers\.maxExpAvgSq is not a buffer/);
    const { maxExpAvgSq: _, ...two } = good.buffers;
    expect(() => restoreOptimizer(spec, { ...good, buffers: two })).toThrow(/state\.buffers\.maxExpAvgSq must be an array of 3 numbers/);
    expect(() => restoreOptimizer(spec, { ...good, buffers: { ...good.buffers, expAvg: [0, 0] } })).toThrow(/state\.buffers\.expAvg must be an array of 3 numbers, got length 2/);
    expect(() => restoreOptimizer(spec, { ...good, buffers: { ...good.buffers, expAvgSq: [0, null as unknown as number, 0] } }))
      .toThrow(/state\.buffers\.expAvgSq\[1\] must be a finite number, got null/);
    expect(() => restoreOptimizer(spec, { ...good, step: -1 })).toThrow(/state\.step must be an integer/);
    expect(() => restoreOptimizer(spec, { ...good, step: -1 })).toThrow(RangeError);
  });
});

describe("optimizer specs", () => {
  it("resolveOptimizerSpec fills PyTorch 1.13's defaults", () => {
    expect(resolveOptimizerSpec({ kind: "sgd", lr: 0.1 })).toEqual({ kind: "sgd", lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
    expect(resolveOptimizerSpec({ kind: "momentum", lr: 0.1 })).toEqual({ kind: "momentum", lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 });
    expect(resolveOptimizerSpec({ kind: "adam" })).toEqual({ kind: "adam", lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false });
    expect(resolveOptimizerSpec({ kind: "adamw" })).toEqual({ kind: "adamw", lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false });
    expect(resolveOptimizerSpec({ kind: "rmsprop" })).toEqual({ kind: "rmsprop", lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
    expect(resolveOptimizerSpec({ kind: "adagrad" })).toEqual({ kind: "adagrad", lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
  });

  const bad: [string, unknown, RegExp][] = [
    ["lr = 0", { kind: "adam", lr: 0 }, /^lr must be a finite number > 0, got 0$/],
    ["lr = NaN", { kind: "rmsprop", lr: NaN }, /^lr must be .* got NaN$/],
    ["lr = Infinity", { kind: "adagrad", lr: Infinity }, /^lr must be .* got Infinity$/],
    ["lr given as a string", { kind: "adam", lr: "0.1" }, /^lr must be .* got "0\.1"$/],
    ["sgd without lr", { kind: "sgd" }, /^lr must be .*no default.*got undefined$/],
    ["betas[1] = 1", { kind: "adam", betas: [0.9, 1] }, /^betas\[1\] must be a finite number in \[0, 1\), got 1$/],
    ["betas[0] < 0", { kind: "adamw", betas: [-0.1, 0.9] }, /^betas\[0\] must be .*in \[0, 1\), got -0\.1$/],
    ["betas not a pair", { kind: "adam", betas: [0.9] }, /^betas must be a pair/],
    ["eps = 0", { kind: "adam", eps: 0 }, /^eps must be a finite number > 0, got 0$/],
    ["adagrad eps < 0", { kind: "adagrad", eps: -1e-10 }, /^eps must be .*> 0/],
    ["momentum < 0", { kind: "sgd", lr: 0.1, momentum: -0.5 }, /^momentum must be a finite number >= 0, got -0\.5$/],
    ["rmsprop momentum < 0", { kind: "rmsprop", momentum: -1 }, /^momentum must be .*>= 0/],
    ["nesterov without momentum", { kind: "sgd", lr: 0.1, nesterov: true }, /^nesterov needs momentum > 0 and dampening 0, got momentum 0 and dampening 0$/],
    ["nesterov with dampening", { kind: "momentum", lr: 0.1, nesterov: true, dampening: 0.1 }, /^nesterov needs .*dampening 0.1$/],
    ["dampening = NaN", { kind: "sgd", lr: 0.1, momentum: 0.9, dampening: NaN }, /^dampening must be a finite number, got NaN$/],
    ["weightDecay < 0", { kind: "adamw", weightDecay: -0.1 }, /^weightDecay must be .*>= 0, got -0\.1$/],
    ["alpha < 0", { kind: "rmsprop", alpha: -0.5 }, /^alpha must be .*>= 0, got -0\.5$/],
    ["lrDecay < 0", { kind: "adagrad", lrDecay: -1 }, /^lrDecay must be .*>= 0, got -1$/],
    ["initialAccumulatorValue < 0", { kind: "adagrad", initialAccumulatorValue: -1 }, /^initialAccumulatorValue must be .*>= 0, got -1$/],
    ["amsgrad not boolean", { kind: "adam", amsgrad: "yes" }, /^amsgrad must be true or false, got "yes"$/],
    ["a torch-style snake_case field", { kind: "adam", weight_decay: 0.1 }, /^weight_decay is not a field of a adam optimizer; allowed: kind, lr, betas/],
    ["a field of another kind", { kind: "sgd", lr: 0.1, betas: [0.9, 0.99] }, /^betas is not a field of a sgd optimizer/],
    ["unknown kind", { kind: "lbfgs", lr: 1 }, /^kind must be one of sgd\|momentum\|adam\|adamw\|rmsprop\|adagrad, got "lbfgs"$/],
    ["not an object", null, /^optimizer spec must be an object, got null$/],
  ];
  for (const [what, spec, msg] of bad) {
    it(`validateOptimizerSpec with ${what} throws a RangeError naming the field`, () => {
      expect(() => validateOptimizerSpec(spec)).toThrow(RangeError);
      expect(() => validateOptimizerSpec(spec)).toThrow(msg);
    });
  }

  it("validateOptimizerSpec accepts every fixture spec and the CLI's shortest forms", () => {
    for (const name of cases) expect(() => validateOptimizerSpec(load(name).spec)).not.toThrow();
    for (const s of [{ kind: "momentum", lr: 0.01 }, { kind: "sgd", lr: 1, momentum: 0.9, nesterov: true }, { kind: "adam" }]) {
      expect(() => validateOptimizerSpec(s)).not.toThrow();
    }
  });

  it("makeOptimizer rejects a bad size, and step rejects params or grads of another length", () => {
    expect(() => makeOptimizer({ kind: "adam" }, -1)).toThrow(/^size must be an integer in \[0, /);
    expect(() => makeOptimizer({ kind: "adam" }, 1.5)).toThrow(RangeError);
    const opt = makeOptimizer({ kind: "sgd", lr: 0.1 }, 3);
    expect(() => opt.step(new Float64Array(2), new Float64Array(3))).toThrow(/^params length must be 3 .*got 2$/);
    expect(() => opt.step(new Float64Array(3), new Float64Array(4))).toThrow(/^grads length must be 3 .*got 4$/);
  });
});

describe("powInt", () => {
  it("powInt(b, k) is correctly rounded where V8's Math.pow is not (0.9^4) and where glibc's pow is not (0.999^2904)", () => {
    // Python: 0.9 ** 4 == 0.6561; float(Fraction(0.999) ** 2904) == 0.054723996727378245 (glibc pow gives ...824)
    expect(powInt(0.9, 4)).toBe(0.6561);
    expect(powInt(0.999, 2904)).toBe(0.054723996727378245);
    expect(powInt(0.9, 0)).toBe(1);
    expect(powInt(0, 3)).toBe(0);
    expect(powInt(0.5, 1074)).toBe(2 ** -1074);
  });
});
