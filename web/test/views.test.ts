import { describe, expect, it } from "vitest";
import { LUT, NAN_SHADE, NUM_SHADES, ZERO_SHADE, finiteRange, shadeOf } from "../src/views/colormap";
import { maxDecimate, minMaxIndices } from "../src/views/decimate";
import { fmtPow10 } from "../src/views/format";
import { extendRunningMean } from "../src/views/running-mean";

describe("colormap", () => {
  it("shadeOf maps [lo, hi] onto 0..NUM_SHADES-1, -Infinity to the zero colour and NaN to the NaN colour", () => {
    expect(shadeOf(-5, -5, 5)).toBe(0);
    expect(shadeOf(5, -5, 5)).toBe(NUM_SHADES - 1);
    expect(shadeOf(0, -5, 5)).toBe(NUM_SHADES / 2);
    expect(shadeOf(-99, -5, 5)).toBe(0);
    expect(shadeOf(-Infinity, -5, 5)).toBe(ZERO_SHADE);
    expect(shadeOf(NaN, -5, 5)).toBe(NAN_SHADE);
    expect(LUT.length).toBe((NUM_SHADES + 2) * 4);
    expect(Array.from(LUT.subarray(0, 4))).toEqual([0x44, 0x01, 0x54, 255]);
  });

  it("finiteRange skips NaN and infinities", () => {
    expect(finiteRange([NaN, -Infinity, 3, -2, Infinity])).toEqual([-2, 3]);
    expect(finiteRange([NaN]).every(Number.isNaN)).toBe(true);
  });
});

describe("decimate", () => {
  it("maxDecimate(out, v, 10000, 7) keeps each column's largest value, and NaN wins", () => {
    const v = Float64Array.from({ length: 10_000 }, (_, i) => 1 - i / 10);
    v[5000] = 3;
    const out = new Float64Array(7);
    maxDecimate(out, v, v.length, 7);
    expect(out[0]).toBe(1);
    expect(out[3]).toBe(3);
    v[9999] = NaN;
    maxDecimate(out, v, v.length, 7);
    expect(out[6]).toBeNaN();
  });

  it("maxDecimate spreads fewer values than columns over several columns", () => {
    const out = new Float64Array(6);
    maxDecimate(out, [1, 2, 3], 3, 6);
    expect(Array.from(out)).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it("minMaxIndices keeps the first, last, smallest and largest of each bucket, ascending", () => {
    const n = 10_000;
    const v = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50));
    v[1234] = 50;
    const idx = minMaxIndices(v, n, 100);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(n - 1);
    expect(Array.from(idx)).toContain(1234);
    for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1]);
    expect(idx.length).toBeLessThanOrEqual(202);
    expect(Array.from(minMaxIndices(v, 50, 100))).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe("format", () => {
  it("fmtPow10 writes 10^v beyond float64's range", () => {
    expect(fmtPow10(-457.6)).toBe("2.512e-458");
    expect(fmtPow10(0)).toBe("1.000e0");
    expect(fmtPow10(-Infinity)).toBe("0");
  });
});

describe("running mean", () => {
  it("is the plain mean over the first window, then an EMA; frames of any size give the same curve; NaN repeats", () => {
    const v = Float64Array.from({ length: 300 }, (_, i) => (i < 5 ? 10 : 1) + (i % 3));
    const whole = new Float64Array(300);
    extendRunningMean({ m: NaN, k: 0 }, v, whole, 0, 50);
    expect(whole[0]).toBe(v[0]);
    let sum = 0;
    for (let i = 0; i < 50; i++) sum += v[i];
    expect(whole[49]).toBeCloseTo(sum / 50, 12);
    // past the window, each value weighs 1/50
    expect(whole[200]).toBeCloseTo(whole[199] + (v[200] - whole[199]) / 50, 12);
    const pieces = new Float64Array(300), s = { m: NaN, k: 0 };
    for (const [a, b] of [[0, 7], [7, 8], [8, 120], [120, 300]]) extendRunningMean(s, v.subarray(a, b), pieces, a, 50);
    expect(pieces).toEqual(whole);
    const out = new Float64Array(3);
    extendRunningMean({ m: NaN, k: 0 }, [NaN, 2, Infinity], out, 0, 50);
    expect(Array.from(out)).toEqual([NaN, 2, 2]);
  });
});
