import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Rng, type RngState } from "../src/rng";

interface SeedFixture {
  seed: number;
  randn: number[];
  randomSample: number[];
  raw32: number[];
  stateAfter7Randn: { key: number[]; pos: number; hasGauss: number; gauss: number };
  randint: Record<string, number[]>;
}
interface NumpyFixture {
  generator: string;
  seeds: SeedFixture[];
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/numpy-random.json", import.meta.url), "utf8"),
) as NumpyFixture;

/** Index of the first element that is not Object.is-equal, or -1. */
function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Math.min(got.length, want.length);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) return i;
  return -1;
}

function draw(n: number, f: () => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(f());
  return out;
}

describe("Rng against numpy's legacy RandomState", () => {
  it("the fixture covers seeds 0, 1, 42 and 4294967295", () => {
    expect(fixture.seeds.map((s) => s.seed)).toEqual([0, 1, 42, 4294967295]);
  });

  for (const fx of fixture.seeds) {
    const s = fx.seed;

    it(`Rng(${s}).nextUint32() reproduces MT19937 random_raw after np.random.seed(${s}) for 50 words`, () => {
      const r = new Rng(s);
      const got = draw(fx.raw32.length, () => r.nextUint32());
      expect(firstMismatch(got, fx.raw32)).toBe(-1);
    });

    it(`Rng(${s}).randomSample() reproduces np.random.seed(${s}); np.random.random_sample(50) bit for bit`, () => {
      const r = new Rng(s);
      const got = draw(fx.randomSample.length, () => r.randomSample());
      expect(firstMismatch(got, fx.randomSample)).toBe(-1);
    });

    it(`Rng(${s}).randn() reproduces np.random.seed(${s}); np.random.randn(3000) bit for bit`, () => {
      const r = new Rng(s);
      const got = draw(fx.randn.length, () => r.randn());
      const i = firstMismatch(got, fx.randn);
      expect(i, i < 0 ? "" : `first mismatch at ${i}: ${got[i]} vs ${fx.randn[i]}`).toBe(-1);
    });

    it(`Rng(${s}).fillRandn(out, 5, 3000) writes np.random.randn(3000) at out[5..] and leaves the rest`, () => {
      const out = new Float64Array(3010).fill(7);
      new Rng(s).fillRandn(out, 5, 3000);
      expect(firstMismatch(out.subarray(5, 3005), fx.randn)).toBe(-1);
      expect(Array.from(out.subarray(0, 5))).toEqual([7, 7, 7, 7, 7]);
      expect(Array.from(out.subarray(3005))).toEqual([7, 7, 7, 7, 7]);
    });

    it(`Rng(${s}).fillRandn(out, 0, n, 0.01) gives each np.random.randn value times 0.01`, () => {
      const out = new Float64Array(100);
      new Rng(s).fillRandn(out, 0, 100, 0.01);
      expect(firstMismatch(out, fx.randn.slice(0, 100).map((v) => v * 0.01))).toBe(-1);
    });

    it(`Rng(${s}).getState() after 7 randn() equals np.random.get_state() (key, pos, has_gauss, gauss)`, () => {
      const r = new Rng(s);
      for (let i = 0; i < 7; i++) r.randn();
      const st = r.getState();
      const want = fx.stateAfter7Randn;
      expect(firstMismatch(st.key, want.key)).toBe(-1);
      expect(st.pos).toBe(want.pos);
      expect(st.hasGauss).toBe(want.hasGauss === 1);
      expect(Object.is(st.gauss, want.gauss)).toBe(true);
    });

    it(`Rng.fromState(numpy's state after seed(${s}); randn(7)) continues with randn values 7..2999`, () => {
      const want = fx.stateAfter7Randn;
      const r = Rng.fromState({
        key: want.key,
        pos: want.pos,
        hasGauss: want.hasGauss === 1,
        gauss: want.gauss,
      });
      const got = draw(fx.randn.length - 7, () => r.randn());
      expect(firstMismatch(got, fx.randn.slice(7))).toBe(-1);
    });

    for (const [nStr, want] of Object.entries(fx.randint)) {
      const n = Number(nStr);
      it(`Rng(${s}).uniformInt(${nStr}) reproduces np.random.RandomState(${s}).randint(0, ${nStr}, size=20)`, () => {
        const r = new Rng(s);
        const got = draw(want.length, () => r.uniformInt(n));
        expect(firstMismatch(got, want)).toBe(-1);
      });
    }
  }
});

describe("Rng state and determinism", () => {
  it("new Rng(s) twice gives identical nextUint32, randomSample and randn streams", () => {
    for (const s of [0, 7, 123456789, 4294967295]) {
      const a = new Rng(s);
      const b = new Rng(s);
      for (let i = 0; i < 2000; i++) {
        expect(a.nextUint32()).toBe(b.nextUint32());
        expect(Object.is(a.randomSample(), b.randomSample())).toBe(true);
        expect(Object.is(a.randn(), b.randn())).toBe(true);
      }
    }
  });

  it("Rng.fromState(JSON round trip of getState()) continues the identical stream, cached gaussian included", () => {
    const a = new Rng(42);
    // 7 randn leaves a cached gaussian; 700 words cross a twist boundary.
    for (let i = 0; i < 7; i++) a.randn();
    for (let i = 0; i < 700; i++) a.nextUint32();
    const st = a.getState();
    expect(st.hasGauss).toBe(true);
    const b = Rng.fromState(JSON.parse(JSON.stringify(st)) as RngState);
    for (let i = 0; i < 3000; i++) {
      expect(Object.is(b.randn(), a.randn())).toBe(true);
      expect(b.uniformInt(1000)).toBe(a.uniformInt(1000));
      expect(Object.is(b.randomSample(), a.randomSample())).toBe(true);
    }
  });

  it("getState() returns a copy: mutating it does not change the generator", () => {
    const a = new Rng(3);
    const st = a.getState();
    st.key[0] = 0;
    st.pos = 0;
    const b = new Rng(3);
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it("fillUniform(out, 1, n, lo, hi) writes lo + (hi - lo) * randomSample() and stays in [lo, hi)", () => {
    const out = new Float64Array(1002);
    new Rng(1).fillUniform(out, 1, 1000, -0.5, 2);
    const ref = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const v = out[1 + i]!;
      expect(Object.is(v, -0.5 + 2.5 * ref.randomSample())).toBe(true);
      expect(v >= -0.5 && v < 2).toBe(true);
    }
    expect(out[0]).toBe(0);
    expect(out[1001]).toBe(0);
  });

  it("uniformInt(1) returns 0 without consuming a word, like numpy's randint(0, 1)", () => {
    const a = new Rng(9);
    expect(a.uniformInt(1)).toBe(0);
    expect(a.nextUint32()).toBe(new Rng(9).nextUint32());
  });
});

describe("Rng input validation", () => {
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 32, Number.POSITIVE_INFINITY]) {
    it(`new Rng(${bad}) throws a RangeError naming seed, the value and the range`, () => {
      expect(() => new Rng(bad)).toThrow(RangeError);
      expect(() => new Rng(bad)).toThrow(/seed.*\[0, 4294967295\].*got/);
      expect(() => new Rng(bad)).toThrow(String(bad));
    });
  }

  for (const bad of [0, -3, 2.5, Number.NaN, 2 ** 32 + 1]) {
    it(`uniformInt(${bad}) throws a RangeError naming n`, () => {
      expect(() => new Rng(0).uniformInt(bad)).toThrow(/^n must be an integer in \[1, 4294967296\]/);
    });
  }

  const good = (): RngState => new Rng(5).getState();
  const cases: [string, (s: RngState) => unknown, RegExp][] = [
    ["a short key", (s) => ({ ...s, key: s.key.slice(1) }), /state\.key must be an array of 624/],
    ["a key word of 2^32", (s) => ({ ...s, key: s.key.map((w, i) => (i === 3 ? 2 ** 32 : w)) }), /state\.key\[3\]/],
    ["a negative key word", (s) => ({ ...s, key: s.key.map((w, i) => (i === 0 ? -1 : w)) }), /state\.key\[0\]/],
    ["a string key word", (s) => ({ ...s, key: s.key.map((w, i) => (i === 9 ? "1" : w)) }), /state\.key\[9\]/],
    ["an all-zero key", (s) => ({ ...s, key: s.key.map(() => 0) }), /state\.key must not be all zero/],
    ["pos 625", (s) => ({ ...s, pos: 625 }), /state\.pos must be an integer in \[0, 624\], got 625/],
    ["pos 1.5", (s) => ({ ...s, pos: 1.5 }), /state\.pos/],
    ["hasGauss 1", (s) => ({ ...s, hasGauss: 1 }), /state\.hasGauss must be a boolean/],
    ["gauss NaN", (s) => ({ ...s, gauss: Number.NaN }), /state\.gauss must be a finite number, got NaN/],
    ["null", () => null, /state must be an object/],
  ];
  for (const [what, mutate, msg] of cases) {
    it(`Rng.fromState with ${what} throws a RangeError naming the field`, () => {
      const bad = mutate(good()) as RngState;
      expect(() => Rng.fromState(bad)).toThrow(RangeError);
      expect(() => Rng.fromState(bad)).toThrow(msg);
    });
  }
});

interface CourseArray {
  shape: number[];
  data: number[];
}
interface CourseCase {
  seed: number;
  drawOrder: string[];
  inputs: Record<string, CourseArray>;
}
const course = JSON.parse(
  readFileSync(new URL("./fixtures/course-golden.json", import.meta.url), "utf8"),
) as { cases: Record<string, CourseCase> };

describe("Rng reproduces the course's seeded test inputs", () => {
  // The fixture's drawOrder ends with the arrays drawn after the forward pass (da, da_next, dc_next);
  // numpy draws nothing during the forward pass, so one uninterrupted stream covers them all.
  for (const [fn, c] of Object.entries(course.cases)) {
    it(`Rng(1).fillRandn in ${fn}'s draw order (${c.drawOrder.join(", ")}) reproduces np.random.randn bit for bit`, () => {
      const r = new Rng(c.seed);
      for (const name of c.drawOrder) {
        const want = c.inputs[name]!;
        const got = new Float64Array(want.data.length);
        r.fillRandn(got, 0, got.length);
        expect(want.data.length).toBe(want.shape.reduce((a, b) => a * b, 1));
        expect(firstMismatch(got, want.data), name).toBe(-1);
      }
    });
  }
});
