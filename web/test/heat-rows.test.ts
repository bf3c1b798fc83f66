import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HEAT_COLS, HEAT_ROWS, HeatHistory, HeatRowBuffer, columnSteps, decimateRow, heatCols } from "../src/heat-rows";
import { hoverLines, ordinal, rowsCaption, tickRows } from "../src/views/heatmap";

/** A frame's rows for iterations [from, to): row i's total is -i at every step, so a value names its iteration. */
function frameRows(from: number, to: number, T: number, Tmax = T) {
  const buf = new HeatRowBuffer(Tmax);
  for (let it = from; it < to; it++) buf.push(it, new Float64Array(T).fill(-it), T);
  return buf.take();
}

describe("heat rows", () => {
  it("columnSteps tiles t = 1..Tmax without gaps, one t per column up to HEAT_COLS", () => {
    for (const Tmax of [1, 7, 13, 400, 401, 10_000, 11_000]) {
      const cols = heatCols(Tmax);
      expect(cols).toBe(Math.min(HEAT_COLS, Tmax));
      let next = 1;
      for (let c = 0; c < cols; c++) {
        const [a, b] = columnSteps(c, cols, Tmax);
        expect(a).toBe(next);
        expect(b).toBeGreaterThanOrEqual(a);
        next = b + 1;
      }
      expect(next).toBe(Tmax + 1);
    }
  });

  it("decimateRow keeps each column's largest value and its t; NaN wins; columns past the row's T are empty", () => {
    const total = Float64Array.from({ length: 1000 }, (_, i) => 1 - i / 100);
    total[517] = 4;
    const out = new Float64Array(400), at = new Int32Array(400);
    decimateRow(out, at, 0, total, 1000, 1000, 400);
    let c = 0;
    while (columnSteps(c, 400, 1000)[1] < 518) c++;
    expect(out[c]).toBe(4);
    expect(at[c]).toBe(518);
    expect(out[0]).toBe(1);
    expect(at[0]).toBe(1);
    total[3] = NaN;
    decimateRow(out, at, 0, total, 1000, 1000, 400);
    expect(out[1]).toBeNaN();
    // a short row (a 5-letter name, T = 6) on an axis of 13 steps: t = 7..13 have no step
    const short = new Float64Array(13), shortT = new Int32Array(13);
    decimateRow(short, shortT, 0, [-1, -2, -Infinity, -4, -5, -6], 6, 13, 13);
    expect(Array.from(shortT)).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0]);
    expect(short[2]).toBe(-Infinity);
    expect(short[6]).toBeNaN();
  });

  it("HeatHistory: row r is iteration r·stride for every run length and frame size (fast-check)", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 40 }), (n, sizes) => {
      const h = new HeatHistory();
      let it = 0, k = 0;
      while (it <= n) {
        const to = Math.min(n + 1, it + sizes[k++ % sizes.length]);
        h.add(frameRows(it, to, 5));
        it = to;
      }
      expect(h.rows).toBeGreaterThan(0);
      expect(h.rows).toBeLessThanOrEqual(HEAT_ROWS);
      expect(Math.log2(h.stride) % 1).toBe(0);
      for (let r = 0; r < h.rows; r++) {
        expect(h.iterations[r]).toBe(r * h.stride);
        expect(h.at(r, 0)).toBe(-(r * h.stride)); // the row's values came with its iteration
      }
      // the newest row is no older than one stride, and the stride is no larger than it must be
      expect(n - h.iterations[h.rows - 1]).toBeLessThan(h.stride);
      expect(h.stride === 1 || n / h.stride >= HEAT_ROWS / 2 - 1).toBe(true);
    }), { seed: 6, numRuns: 150 });
  });

  it("HeatHistory keeps the colour range of what it recorded, and a new geometry starts afresh", () => {
    const h = new HeatHistory();
    h.add(frameRows(0, 10, 20));
    expect([h.lo, h.hi]).toEqual([-9, -0]);
    h.add(frameRows(0, 2, 30));
    expect(h.rows).toBe(2);
    expect(h.Tmax).toBe(30);
    expect([h.lo, h.hi]).toEqual([-1, -0]);
  });

  it("hover names the exact iteration, t and value; the caption and ticks name iterations", () => {
    const h = new HeatHistory();
    for (let it = 0; it <= 400; it++) {
      const buf = new HeatRowBuffer(1000);
      const total = Float64Array.from({ length: 1000 }, (_, i) => -i / 10 - it);
      buf.push(it, total, 1000);
      h.add(buf.take());
    }
    expect(h.stride).toBe(4);
    const r = 7;
    const lines = hoverLines(h, r, 0);
    expect(lines[0]).toBe("iteration 28");
    expect(lines[1]).toBe("t = 1 (the largest of t = 1..2)");
    expect(lines[2]).toContain("= -28.0000");
    expect(rowsCaption(h)).toContain("every 4th iteration (0, 4, 8, …) from 0 to 400");
    expect(tickRows(h.rows).map((k) => h.iterations[k])).toEqual([0, 100, 200, 300, 400]);
    expect(tickRows(1)).toEqual([0]);
    expect(tickRows(3)).toEqual([0, 1, 2]);
    expect([1, 2, 3, 4, 11, 12, 13, 22, 32, 101].map(ordinal)).toEqual(["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "22nd", "32nd", "101st"]);
    // a char-lm row shorter than the axis: hover says there is no step there
    const n = new HeatHistory();
    n.add(frameRows(5, 6, 4, 13));
    expect(hoverLines(n, 0, 8)).toEqual(["iteration 5", "no step t = 9: this iteration's sequence has T = 4"]);
    expect(hoverLines(n, 0, 3)).toEqual(["iteration 5", "t = 4", "log10‖dJ/da<t>‖ = -5.0000 (1.000e-5)"]);
  });
});
