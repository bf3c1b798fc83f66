// Gradient clipping: clipByGlobalNorm against torch.nn.utils.clip_grad_norm_ (torch 1.13, float64;
// fixtures by tools/make-optim-fixtures.py), and closed-form checks of the rest.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { makeConfig } from "../src/model";
import { paramLayout } from "../src/params";
import { clipByGlobalNorm, clipByNorm, clipByValue, firstNonFinite, globalNorm, norm2, type BlockLayout } from "../src/train/clip";

type Num = number | "NaN" | "Infinity" | "-Infinity";
interface ClipCase { name: string; maxNorm: number; grads: Num[]; norm: Num; clipped: Num[]; exactNorm: Num; exactClipped: Num[] }
const fx = JSON.parse(readFileSync(new URL("./fixtures/optim/clip.json", import.meta.url), "utf8")) as { cases: ClipCase[] };
const num = (v: Num): number => (typeof v === "number" ? v : Number(v));
const arr = (v: Num[]) => Float64Array.from(v, num);
const byName = (n: string) => fx.cases.find((c) => c.name === n)!;

/** The fixtures' two tensors, (3, 4) and (5,), as blocks of one flat vector. */
const LAYOUT: BlockLayout = { size: 17, blocks: [{ name: "W", offset: 0, size: 12 }, { name: "b", offset: 12, size: 5 }] };

/** max |a-b|/|b|; NaN must meet NaN, ±Infinity the same sign, 0 must meet 0. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    const e = Object.is(a[i], b[i]) || a[i] === b[i] ? 0 : Math.abs(a[i] - b[i]) / Math.abs(b[i]);
    if (!(e <= m)) m = e;
  }
  return m;
}

describe("clipByGlobalNorm vs torch.nn.utils.clip_grad_norm_", () => {
  const inRange = ["below", "above", "just-below-within-1e-6", "equal", "all-zero", "nan", "inf"];
  for (const name of inRange) {
    for (const layout of [LAYOUT, undefined]) {
      it(`clipByGlobalNorm(${name}, ${layout ? "per-tensor layout" : "no layout"}) returns torch's norm and clipped grads to 1e-12`, () => {
        const c = byName(name);
        const g = arr(c.grads);
        const r = clipByGlobalNorm(g, c.maxNorm, layout);
        expect(relErr([r.norm], [num(c.norm)])).toBeLessThanOrEqual(1e-15);
        expect(relErr(g, arr(c.clipped))).toBeLessThanOrEqual(1e-15);
        expect(r.clipped).toBe(name !== "below" && name !== "all-zero");
      });
    }
  }

  it("clipByGlobalNorm scales a norm just below maxNorm (within 1e-6), as torch's max_norm/(norm + 1e-6) does", () => {
    const c = byName("just-below-within-1e-6");
    const g = arr(c.grads);
    const r = clipByGlobalNorm(g, c.maxNorm, LAYOUT);
    expect(r.norm).toBeLessThan(c.maxNorm);
    expect(r.clipped).toBe(true);
    expect(g[0]).not.toBe(num(c.grads[0]));
  });

  it("clipByGlobalNorm leaves grads bit-identical when the norm is well below maxNorm", () => {
    const c = byName("below");
    const g = arr(c.grads);
    expect(clipByGlobalNorm(g, c.maxNorm, LAYOUT)).toEqual({ norm: expect.closeTo(0.5, 15), clipped: false });
    expect(Array.from(g)).toEqual(c.grads);
  });

  it("clipByGlobalNorm with a 1e200 and a 1e-200 entry returns the true norm 1e200 where torch overflows to inf and zeroes every grad", () => {
    const c = byName("huge-and-tiny");
    expect(c.norm).toBe("Infinity");
    expect(arr(c.clipped).every((v) => v === 0)).toBe(true);
    for (const layout of [LAYOUT, undefined]) {
      const g = arr(c.grads);
      const r = clipByGlobalNorm(g, c.maxNorm, layout);
      expect(r).toEqual({ norm: num(c.exactNorm), clipped: true });
      expect(relErr(g, arr(c.exactClipped))).toBeLessThanOrEqual(1e-15);
      expect(g[6]).toBe(c.maxNorm); // the 1e200 entry, W[1, 2], carries the whole norm
    }
  });

  it("clipByGlobalNorm on entries of size 1e-200 returns their true norm where torch underflows to 0, and leaves them as torch does", () => {
    const c = byName("all-tiny");
    expect(c.norm).toBe(0);
    for (const layout of [LAYOUT, undefined]) {
      const g = arr(c.grads);
      const r = clipByGlobalNorm(g, c.maxNorm, layout);
      expect(relErr([r.norm], [num(c.exactNorm)])).toBeLessThanOrEqual(1e-15);
      expect(r.clipped).toBe(false);
      expect(Array.from(g)).toEqual(c.clipped);
    }
  });

  it("clipByGlobalNorm rejects maxNorm <= 0 or NaN, and a layout of another size", () => {
    expect(() => clipByGlobalNorm(new Float64Array(3), 0)).toThrow(/^maxNorm must be > 0, got 0$/);
    expect(() => clipByGlobalNorm(new Float64Array(3), NaN)).toThrow(RangeError);
    expect(() => clipByGlobalNorm(new Float64Array(3), 1, LAYOUT)).toThrow(/^grads length must be 17 .*got 3$/);
  });
});

describe("norms", () => {
  it("norm2 neither overflows nor underflows: 3-4-5 at 2^1000, 2^-1070 (subnormal) and 1e±200", () => {
    expect(norm2(new Float64Array([3 * 2 ** 1000, 4 * 2 ** 1000]), 0, 2)).toBe(5 * 2 ** 1000);
    expect(norm2(new Float64Array([3 * 2 ** -1070, 4 * 2 ** -1070]), 0, 2)).toBe(5 * 2 ** -1070);
    expect(relErr([norm2(new Float64Array([3e200, -4e200]), 0, 2)], [5e200])).toBeLessThanOrEqual(2e-16);
    expect(relErr([norm2(new Float64Array([-3e-200, 4e-200]), 0, 2)], [5e-200])).toBeLessThanOrEqual(2e-16);
    expect(norm2(new Float64Array([1.5e308, 1.5e308]), 0, 2)).toBe(Infinity); // the true norm exceeds the double range
  });

  it("norm2 in the ordinary range is the naive sqrt(Σx²) bit for bit, and reads only x[off..off+n)", () => {
    const x = new Float64Array(101);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 1.7) * 10 ** ((i % 7) - 3);
    let s = 0;
    for (let i = 5; i < 95; i++) s += x[i] * x[i];
    expect(norm2(x, 5, 90)).toBe(Math.sqrt(s));
  });

  it("norm2 is NaN with a NaN entry (even after an Infinity) and Infinity with an Infinity entry", () => {
    expect(norm2(new Float64Array([1, Infinity, NaN]), 0, 3)).toBeNaN();
    expect(norm2(new Float64Array([1, -Infinity, 2, Infinity]), 0, 4)).toBe(Infinity);
    expect(norm2(new Float64Array([0, -0]), 0, 2)).toBe(0);
    expect(norm2(new Float64Array(0), 0, 0)).toBe(0);
  });

  it("globalNorm(grads, layout) is the norm of the per-block norms, computed without overflow", () => {
    const g = new Float64Array(17);
    g[0] = 3e250; // block W: norm 3e250
    g[12] = 4e250; // block b: norm 4e250
    expect(relErr([globalNorm(g, LAYOUT)], [5e250])).toBeLessThanOrEqual(2e-16);
    g.fill(0);
    g[3] = 3;
    g[14] = 4;
    expect(globalNorm(g, LAYOUT)).toBe(5);
    expect(globalNorm(g)).toBe(5);
  });
});

describe("clipByValue", () => {
  it("clipByValue(grads, 1) clamps into [-1, 1] like clip_grad_value_, keeps NaN and -0, and counts the changes", () => {
    const g = new Float64Array([-3, -1, -0.5, -0, 0.5, 1, 3, NaN, -Infinity]);
    expect(clipByValue(g, 1)).toBe(3);
    expect(Array.from(g)).toEqual([-1, -1, -0.5, -0, 0.5, 1, 1, NaN, -1]);
    expect(Object.is(g[3], -0)).toBe(true);
  });

  it("clipByValue rejects clipValue <= 0 or NaN", () => {
    expect(() => clipByValue(new Float64Array(1), -1)).toThrow(/^clipValue must be > 0, got -1$/);
    expect(() => clipByValue(new Float64Array(1), NaN)).toThrow(RangeError);
  });
});

describe("clipByNorm", () => {
  it("clipByNorm(grads, layout, 1) rescales each block above maxNorm to norm maxNorm and leaves the others bit-identical", () => {
    const g = new Float64Array(17);
    g.set([3, 4], 0); // W: norm 5 -> scaled by 1/5
    g.set([0.3, 0.4], 12); // b: norm 0.5 -> untouched
    expect(clipByNorm(g, LAYOUT, 1)).toBe(1);
    expect(relErr(g.subarray(0, 2), [0.6, 0.8])).toBeLessThanOrEqual(2e-16);
    expect(Array.from(g.subarray(2, 12))).toEqual(new Array(10).fill(0));
    expect(Array.from(g.subarray(12, 14))).toEqual([0.3, 0.4]);
    expect(relErr([norm2(g, 0, 12)], [1])).toBeLessThanOrEqual(2e-16);
  });

  it("clipByNorm leaves a block whose norm equals maxNorm untouched, and clips a 1e200 block without overflow", () => {
    const g = new Float64Array(17);
    g.set([3, 4], 0);
    g.set([3e200, -4e200], 15);
    expect(clipByNorm(g, LAYOUT, 5)).toBe(1);
    expect(Array.from(g.subarray(0, 2))).toEqual([3, 4]);
    expect(relErr(g.subarray(15, 17), [3, -4])).toBeLessThanOrEqual(2e-16);
  });

  it("clipByNorm rejects maxNorm <= 0 and a layout of another size", () => {
    expect(() => clipByNorm(new Float64Array(17), LAYOUT, 0)).toThrow(/^maxNorm must be > 0, got 0$/);
    expect(() => clipByNorm(new Float64Array(16), LAYOUT, 1)).toThrow(/^grads length must be 17/);
  });
});

describe("firstNonFinite", () => {
  const layout = paramLayout(makeConfig({ cell: "rnn", I: 2, H: 3 })); // Wax (3,2), Waa (3,3), ba, Wya, by

  it("firstNonFinite(grads, layout) names a NaN in the second block (Waa) at its index inside the block", () => {
    const g = new Float64Array(layout.size).fill(0.25);
    g[layout.byName.Waa.offset + 4] = NaN;
    g[layout.byName.by.offset] = Infinity; // later, so not the first
    const r = firstNonFinite(g, layout);
    expect(r).toEqual({ block: "Waa", index: 4, value: NaN });
  });

  it("firstNonFinite returns null for finite grads and finds -Infinity in the first block first", () => {
    const g = new Float64Array(layout.size).fill(-1e300);
    expect(firstNonFinite(g, layout)).toBeNull();
    g[5] = -Infinity;
    g[layout.byName.ba.offset] = NaN;
    expect(firstNonFinite(g, layout)).toEqual({ block: "Wax", index: 5, value: -Infinity });
    expect(() => firstNonFinite(new Float64Array(3), layout)).toThrow(RangeError);
  });
});
