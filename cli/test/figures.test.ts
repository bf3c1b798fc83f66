// The explain report's figures: golden SVG snapshots in the pattern of Observable Plot's harness, and
// PNG checks that do not depend on fonts (signature, size, background, not blank).
//
// Each figure function is rendered on the report of a tiny seeded run (T = 50, H = 4) and compared
// byte for byte with cli/test/golden/<name>.svg. A missing golden file is written (with a warning)
// unless CI is set; a mismatch writes <name>-changed.svg beside it and fails. To accept a change:
// look at the -changed file, then move it over the golden one.
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { computeExplain, renderExplainFigures } from "../src/commands/explain";
import { decimateMinMax } from "../src/figures/decimate";
import { fixedAttribute, fixedNumber } from "../src/figures/fixed-decimals";
import { formatPow10 } from "../src/figures/format-pow10";
import { onePathFigure } from "../src/figures/one-path";
import { svgToPng } from "../src/figures/png";
import { inlineSvg, reportHtml } from "../src/figures/report-html";
import { sweepCrossing } from "../src/figures/spectral-sweep";
import { successRateFigure } from "../src/figures/success-rate";
import { gradientAxis, lossCurvesFigure, sustainedMin } from "../src/figures/loss-curves";

const GOLDEN = fileURLToPath(new URL("./golden/", import.meta.url));

/** Plot's harness: compare with golden/<name>.svg; write it when missing outside CI; write -changed on a mismatch. */
function expectGolden(name: string, actual: string): void {
  const path = join(GOLDEN, `${name}.svg`);
  const changed = join(GOLDEN, `${name}-changed.svg`);
  if (!existsSync(path)) {
    if (process.env.CI) throw new Error(`golden file ${path} is missing (CI is set, so it is not written)`);
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
    console.warn(`warning: wrote the missing golden file ${path}`);
    return;
  }
  const expected = readFileSync(path, "utf8");
  if (actual === expected) {
    if (existsSync(changed)) unlinkSync(changed);
    return;
  }
  writeFileSync(changed, actual);
  expect.fail(`${name}.svg differs from its golden file; wrote ${changed} (move it over ${path} to accept)`);
}

/** The RGBA pixels of a PNG: 8-bit RGBA, non-interlaced, as resvg writes. */
function decodePng(png: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let off = 8, width = 0, height = 0;
  const idat: Uint8Array[] = [];
  while (off < png.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = view.getUint32(off + 8); height = view.getUint32(off + 12);
      if (data[8] !== 8 || data[9] !== 6 || data[12] !== 0) throw new Error(`expected 8-bit RGBA, not interlaced; got depth ${data[8]}, colour type ${data[9]}`);
    }
    if (type === "IDAT") idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rgba = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= 4 ? rgba[y * stride + x - 4] : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + x] : 0;
      const c = x >= 4 && y > 0 ? rgba[(y - 1) * stride + x - 4] : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      rgba[y * stride + x] = (v + pred) & 255;
    }
  }
  return { width, height, rgba };
}

const report = computeExplain({ T: 50, hidden: 4, seed: 1, t: 1, forgetBias: 5, gruVariant: "reset-after", twin: "auto" });
const figures = renderExplainFigures(report);

describe("explain figures (T = 50, H = 4, seed 1)", () => {
  for (const { name, svg } of figures) {
    it(`${name}: the figure function's SVG matches golden/${name}.svg byte for byte`, () => expectGolden(name, svg));
  }

  it("renderExplainFigures(report) is deterministic: a second render gives the same bytes", () => {
    expect(renderExplainFigures(report).map((f) => f.svg)).toEqual(figures.map((f) => f.svg));
  });

  it("every figure is standalone SVG with fixed decimals, a title and no ids, scripts or external references", () => {
    for (const { name, svg } of figures) {
      expect(svg.startsWith('<svg'), name).toBe(true);
      expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
      expect(svg.match(/http/g)?.length, name).toBe(1); // the namespace only
      expect(svg).not.toMatch(/\sid=|<script|href=/);
      expect(svg).toMatch(/<title>[^<]+<\/title>/);
      // no number in a geometric attribute has more than 2 decimals
      for (const m of svg.matchAll(/\s(?:d|transform|x|y|x1|x2|y1|y2|cx|cy|r|width|height)="([^"]*)"/g)) {
        expect(m[1], `${name}: ${m[0]}`).not.toMatch(/\d\.\d{3}/);
      }
    }
  });

  it("svgToPng(svg): PNG signature, twice the SVG's size, white background, and drawn content", () => {
    for (const { name, svg } of figures) {
      const png = svgToPng(svg);
      expect(Array.from(png.subarray(0, 8)), name).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const w = Number(/width="(\d+)"/.exec(svg)![1]), h = Number(/height="(\d+)"/.exec(svg)![1]);
      const img = decodePng(png);
      expect([img.width, img.height], name).toEqual([2 * w, 2 * h]);
      const px = (x: number, y: number) => Array.from(img.rgba.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
      for (const [x, y] of [[1, 1], [img.width - 2, 1], [1, img.height - 2], [img.width - 2, img.height - 2]]) expect(px(x, y), `${name} (${x}, ${y})`).toEqual([255, 255, 255, 255]);
      let ink = 0;
      for (let i = 0; i < img.rgba.length; i += 4) if (img.rgba[i] < 128 && img.rgba[i + 1] < 128 && img.rgba[i + 2] < 128) ink++;
      expect(ink / (img.width * img.height), `${name}: dark pixels (axes, text)`).toBeGreaterThan(0.005);
    }
  });
});

describe("figure helpers", () => {
  it("onePathFigure with a gradient of 10^-458 draws it as the point -458 on the log10 axis, not as zero", () => {
    const T = 10_000;
    const log10 = Array.from({ length: T }, (_, i) => -0.0458 * (T - 1 - i)); // 0.9^10000 ≈ 10^-457.6
    const svg = onePathFigure({ T, series: [{ key: "rnn", label: "tanh RNN", log10 }] });
    expect(svg).toContain("10^-458.0 at t = 1");
    expect(svg).toContain(">−500<"); // the y axis reaches below -458 (d3-format's minus sign)
    const d = /stroke="#D55E00" fill="none" d="(M[^"]+)"/.exec(svg)![1];
    const ys = d.slice(1).split("L").map((p) => Number(p.split(",")[1]));
    expect(ys.every(Number.isFinite)).toBe(true);
    expect(Math.max(...ys)).toBeGreaterThan(270); // t = 1 sits low on the axis (y grows downwards), not at log10 = 0
    expect(ys.length).toBeLessThan(T / 4); // decimated to the pixel width
  });

  it("decimateMinMax(x, y, buckets) keeps each bucket's first, lowest, highest and last point, and gaps", () => {
    const x = Array.from({ length: 1000 }, (_, i) => i);
    const y: (number | null)[] = x.map((i) => Math.sin(i));
    y[500] = null;
    const pts = decimateMinMax(x, y, 10);
    expect(pts.length).toBeLessThanOrEqual(10 * 4 + 4 + 1);
    expect(pts.some((p) => p[1] === null && p[0] === 500)).toBe(true);
    const max = Math.max(...(y.filter((v) => v !== null) as number[]));
    expect(pts.some((p) => p[1] === max)).toBe(true);
    expect(pts[0]).toEqual([0, 0]);
    expect(pts[pts.length - 1]).toEqual([999, Math.sin(999)]);
    expect(decimateMinMax([1, 2], [3, -Infinity], 10)).toEqual([[1, 3], [2, null]]);
  });

  it("fixedNumber and fixedAttribute write at most 2 decimals, no trailing zeros, never -0", () => {
    expect(fixedNumber(158.93175304448806)).toBe("158.93");
    expect(fixedNumber(-0.001)).toBe("0");
    expect(fixedNumber(10.5)).toBe("10.5");
    expect(fixedNumber(3)).toBe("3");
    expect(fixedAttribute("translate(0,158.93175304448806) rotate(-90)")).toBe("translate(0,158.93) rotate(-90)");
    expect(fixedAttribute("M1e-7,2.3456L4,5")).toBe("M0,2.35L4,5");
  });

  it("formatPow10(log10) writes powers of ten for people; an exact zero is 0", () => {
    expect(formatPow10(-250.083)).toBe("10^-250.1");
    expect(formatPow10(-0.01)).toBe("10^0.0");
    expect(formatPow10(null)).toBe("0");
    expect(formatPow10(-Infinity)).toBe("0");
  });

  it("sweepCrossing(rho, ratio) interpolates where the ratio changes sign, or gives null", () => {
    expect(sweepCrossing([1, 2], [-1, 1])).toBeCloseTo(1.5, 12);
    expect(sweepCrossing([1, 2, 3], [-3, -1, null])).toBeNull();
  });

  it("reportHtml(page) inlines the SVG without its namespace, escapes text and has no script", () => {
    const html = reportHtml({ title: "a<b", setup: "s & t", summary: ["x <y>"], figures: [{ name: "f", title: "F", caption: "c", svg: figures[0].svg }] });
    expect(html).toContain("<h1>a&lt;b</h1>");
    expect(html).toContain("x &lt;y&gt;");
    expect(html).toContain(inlineSvg(figures[0].svg));
    expect(html).not.toMatch(/http|<script/);
  });
});

describe("successRateFigure", () => {
  it("successRateFigure(fixed sweep data) matches its golden SVG (Pascanu et al.'s Fig. 7 layout)", () => {
    const svg = successRateFigure({
      criterion: "loss below 0.01",
      series: [
        { key: "rnn", label: "tanh RNN", points: [{ T: 20, rate: 1 }, { T: 50, rate: 2 / 3 }, { T: 100, rate: 0 }, { T: 200, rate: 0 }] },
        { key: "lstm", label: "LSTM", points: [{ T: 20, rate: 1 }, { T: 50, rate: 1 }, { T: 100, rate: 1 }, { T: 200, rate: 2 / 3 }] },
      ],
    });
    expectGolden("success-rate", svg);
    expect(svg).toContain("success rate");
  });
});

describe("lossCurvesFigure", () => {
  const data = {
    what: "copy memory",
    series: [
      { key: "lstm", label: "cell=lstm T=100", runs: [{ seed: 1, step: [10, 20, 30], ratio: [12, 1.2, 0.8] }, { seed: 2, step: [10, 20, 30], ratio: [9, null, 0.9] }] },
      { key: "lstm", label: "cell=lstm T=200", runs: [{ seed: 1, step: [10, 20, 30], ratio: [5, 1.1, 1.0] }] },
      { key: "rnn", label: "cell=rnn T=100", runs: [{ seed: 1, step: [10, 20, 30], ratio: [2, 1, 1] }] },
    ],
  };

  it("draws one clipped line per seed, the baseline at 1, a y axis capped at 3 baselines, and dashes for a colour's second series", () => {
    const svg = lossCurvesFigure(data);
    const lines = svg.match(/<g clip-path="url\(#loss-curves-plot\)">([\s\S]*?)<\/g>/)![1];
    expect(lines.match(/<path /g)!.length).toBe(4); // one per run
    expect(lines.match(/stroke-dasharray="7 5"/g)!.length).toBe(1); // lstm T=200, the second lstm series
    expect(svg).toContain('<clipPath id="loss-curves-plot">');
    expect(svg).toContain('stroke-dasharray="4,3"'); // the reference line at loss/baseline = 1
    expect(svg).toMatch(/>3\.0<\/text>/); // the axis stops at 3 although the first ratios are 12 and 9
    expect(svg).not.toMatch(/>3\.5<\/text>/);
    for (const l of ["cell=lstm T=100 (2 seeds)", "cell=lstm T=200 (1 seed)", "cell=rnn T=100 (1 seed)", "loss / baseline", "training step"]) expect(svg).toContain(l);
    expect(svg).not.toMatch(/NaN|undefined/);
    expect(svg).not.toContain("log10 ratio"); // no gradient ratios: no second panel
  });

  it("adds a panel of log10 ‖dJ/da<1>‖ − log10 ‖dJ/da<T>‖ on the same steps when runs carry gradient ratios, with its reference at 0", () => {
    const withGrad = {
      ...data,
      series: data.series.map((s, i) => ({ ...s, runs: s.runs.map((r, j) => ({ ...r, gradRatio: i === 2 ? null : [-20 + j, -9.5, i === 0 && j === 1 ? null : -1] })) })),
    };
    const svg = lossCurvesFigure(withGrad);
    const plain = lossCurvesFigure(data);
    expect(Number(svg.match(/height="(\d+)"/)![1])).toBeGreaterThan(Number(plain.match(/height="(\d+)"/)![1]));
    expect(svg).toContain("How much of the last step's gradient reaches step 1 (log10)");
    expect(svg).toContain("log10 ratio");
    // the loss panel keeps its 4 clipped lines; the new panel draws the 3 runs that have ratios
    expect(svg.match(/<g clip-path="url\(#loss-curves-plot\)">([\s\S]*?)<\/g>/)![1].match(/<path /g)!.length).toBe(4);
    expect(svg.match(/<path /g)!.length - plain.match(/<path /g)!.length).toBeGreaterThanOrEqual(3 + 2); // + 3 lines, + the new panel's 2 axis domains
    expect(svg.match(/stroke-dasharray="4,3"/g)!.length).toBe(2); // loss/baseline = 1, ratio = 0
    expect(svg).toMatch(/>−20<\/text>/); // the ratio axis reaches the lowest value (d3 writes U+2212)
    expect(svg).not.toMatch(/NaN|undefined/);
  });

  it("cuts a run's isolated deep dips at the gradient panel's edge instead of stretching its axis to them", () => {
    // an RNN-like run: 40 buckets between -2 and -12, two dips to -90; an LSTM-like run from -14 to -1
    const step = Array.from({ length: 40 }, (_, k) => 100 * (k + 1));
    const rnn = step.map((_, k) => (k === 7 || k === 31 ? -90 : -2 - ((k * 7) % 11)));
    const lstm = step.map((_, k) => -14 + (13 * k) / 39);
    const fig = (gr: number[]) => lossCurvesFigure({
      what: "adding",
      series: [
        { key: "lstm", label: "cell=lstm", runs: [{ seed: 1, step, ratio: step.map(() => 1), gradRatio: lstm }] },
        { key: "rnn", label: "cell=rnn", runs: [{ seed: 1, step, ratio: step.map(() => 1), gradRatio: gr }] },
      ],
    });
    const { domain, cut } = gradientAxis([lstm, rnn]);
    expect(domain[0]).toBeLessThanOrEqual(-14); // the axis reaches the LSTM's -14 ...
    expect(domain[0]).toBeGreaterThan(-20); // ... and not the dips
    expect(cut).toBe(true);
    const svg = fig(rnn);
    expect(svg).not.toMatch(/>−(20|40|60|80|100)<\/text>/);
    expect(svg).toContain("deeper dips run off the bottom");
    expect(svg).toContain('<clipPath id="loss-curves-grad">');
    expect(svg.match(/<g clip-path="url\(#loss-curves-grad\)">([\s\S]*?)<\/g>/)![1].match(/<path /g)!.length).toBe(2);
    // without the dips nothing is cut and the title says nothing about it
    expect(fig(rnn.map((v) => Math.max(v, -12)))).not.toContain("deeper dips");
  });

  it("sustainedMin: the lowest 5-bucket moving median; one or two low buckets do not count, three do", () => {
    expect(sustainedMin([-1, -2, -90, -3, -2, -1, -2])).toBe(-2);
    expect(sustainedMin([-90, -2, -1, -3, -2, -1, -2])).toBe(-2); // an edge dip too
    expect(sustainedMin([-1, -2, -90, -90, -2, -1, -2])).toBe(-2);
    expect(sustainedMin([-1, -2, -90, -90, -90, -1, -2])).toBe(-90);
    expect(sustainedMin([-20, -9.5, -1])).toBe(-20); // under 5 values: the minimum
    expect(sustainedMin([null, -3, NaN, null])).toBe(-3);
    expect(sustainedMin([null])).toBe(Infinity);
  });

  it("keeps a curve's early low stretch on the axis (an LSTM's plateau before it learns), and says nothing about dips when none are cut", () => {
    // from the review: 15 of 100 buckets rising from -12, then near -1
    const step = Array.from({ length: 100 }, (_, k) => 100 * (k + 1));
    const g = step.map((_, k) => (k < 15 ? -12 + k * 0.1 : -1 - 0.1 * ((k * 7) % 5)));
    expect(gradientAxis([g])).toEqual({ domain: [expect.any(Number), expect.any(Number)], cut: false });
    expect(gradientAxis([g]).domain[0]).toBeLessThanOrEqual(-12);
    const svg = lossCurvesFigure({ what: "adding", series: [{ key: "lstm", label: "cell=lstm", runs: [{ seed: 1, step, ratio: step.map(() => 1), gradRatio: g }] }] });
    expect(svg).not.toContain("deeper dips");
    // a value below the fence but inside the rounded axis is not "cut" (-3.3 with a fence near -3)
    const h = [-1, -1.5, -2, -3, -3.1, -3, -2, -3.3, -2.5, -1];
    expect(gradientAxis([h]).cut).toBe(false);
  });
});
