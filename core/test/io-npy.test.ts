import { readFileSync } from "node:fs";
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { parseNpy, serializeNpy, NpyError, type NpyWriteDtype } from "../src/io/npy";

// Fixtures come from tools/make-io-fixtures.py (numpy 1.24 writes every .npy file here).
const FIXTURES = new URL("./fixtures/io/", import.meta.url);
const read = (rel: string): Uint8Array => new Uint8Array(readFileSync(new URL(rel, FIXTURES)));

type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";
interface Expected {
  descr: string;
  shape: number[];
  fortranOrder: boolean;
  version: string;
  values?: JsonNumber[];
  error?: string;
}
interface SaveSpec {
  dtype: NpyWriteDtype;
  shape: number[];
  values: number[];
}

const expected = JSON.parse(readFileSync(new URL("npy-expected.json", FIXTURES), "utf8")) as Record<string, Expected>;
const saveSpecs = JSON.parse(readFileSync(new URL("npy-save.json", FIXTURES), "utf8")) as Record<string, SaveSpec>;

const num = (v: JsonNumber): number =>
  v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v;

/** Exact, element-wise comparison that tells -0 from 0 and accepts NaN === NaN. */
function expectExact(actual: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(actual.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(actual[i], want[i])) {
      throw new Error(`element ${i}: got ${actual[i]} (${Object.is(actual[i], -0) ? "-0" : ""}), want ${want[i]}`);
    }
  }
}

/** An .npy file from a raw header string (padded like numpy) and data bytes. */
function npyWith(header: string, data: Uint8Array = new Uint8Array(0), major = 1, pad = true): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  let h = header;
  if (pad) h += " ".repeat(63 - ((prefix + h.length) % 64)) + "\n";
  const out = new Uint8Array(prefix + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, h.length, true);
  else view.setUint32(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[prefix + i] = h.charCodeAt(i);
  out.set(data, prefix + h.length);
  return out;
}

function f8Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float64Array(values).buffer);
}

function expectNpyError(bytes: Uint8Array, pattern: RegExp, opts?: { maxBytes?: number }): void {
  let caught: unknown;
  try {
    parseNpy(bytes, opts);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(NpyError);
  expect((caught as Error).message).toMatch(pattern);
}

describe("parseNpy on files written by numpy", () => {
  for (const [file, want] of Object.entries(expected)) {
    if (want.error !== undefined) {
      it(`parseNpy(bytes) of ${file} throws NpyError naming the unsafe value ${want.error}`, () => {
        expectNpyError(read(`npy/${file}`), new RegExp(want.error as string));
      });
      continue;
    }
    it(`parseNpy(bytes) of ${file} (${want.descr}, shape [${want.shape}], v${want.version}) returns numpy's values exactly`, () => {
      const got = parseNpy(read(`npy/${file}`));
      expect(got.dtype).toBe(want.descr);
      expect(got.shape).toEqual(want.shape);
      expect(got.fortranOrder).toBe(want.fortranOrder);
      expect(got.data).toBeInstanceOf(Float64Array);
      expectExact(got.data, (want.values as JsonNumber[]).map(num));
    });
  }

  it("parseNpy(bytes) of a Fortran-order (2,3) float64 array returns C-order data", () => {
    const got = parseNpy(read("npy/f8-fortran-2x3.npy"));
    expect(got.fortranOrder).toBe(true);
    expect(got.shape).toEqual([2, 3]);
    expectExact(got.data, [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
  });

  it("parseNpy(bytes) of a Fortran-order (2,3,4) int32 array returns C-order data", () => {
    const got = parseNpy(read("npy/i4-fortran-2x3x4.npy"));
    expectExact(got.data, Array.from({ length: 24 }, (_, i) => i - 5));
  });

  it("parseNpy(bytes) of a big-endian >f8 file decodes the values, not their byte-swapped bits", () => {
    expectExact(parseNpy(read("npy/be-f8.npy")).data, [1.5, -0.1, 1e300]);
  });

  it("parseNpy(bytes) of a 0-d array returns shape [] and one value", () => {
    const got = parseNpy(read("npy/f8-0d.npy"));
    expect(got.shape).toEqual([]);
    expectExact(got.data, [3.5]);
  });

  it("parseNpy(bytes) of an empty (0, 3) array returns shape [0, 3] and no data", () => {
    const got = parseNpy(read("npy/f8-empty-0x3.npy"));
    expect(got.shape).toEqual([0, 3]);
    expect(got.data.length).toBe(0);
  });

  it("parseNpy(bytes) of a Uint8Array view at an odd byteOffset decodes the same values", () => {
    const file = read("npy/f8-3d.npy");
    const backing = new Uint8Array(file.length + 3);
    backing.set(file, 3);
    expectExact(parseNpy(backing.subarray(3)).data, parseNpy(file).data);
  });
});

describe("serializeNpy", () => {
  for (const [file, spec] of Object.entries(saveSpecs)) {
    it(`serializeNpy(values, [${spec.shape}], ${spec.dtype}) is byte-identical to np.save (${file})`, () => {
      expect(serializeNpy(spec.values, spec.shape, spec.dtype)).toEqual(read(`npy-save/${file}`));
    });
  }

  it("serializeNpy(data, shape) then parseNpy returns the same float64 values, shape and descr", () => {
    const data = [0, -0, 1e-310, -Math.PI, 1.7976931348623157e308, NaN, -Infinity];
    const got = parseNpy(serializeNpy(data, [7]));
    expect(got.dtype).toBe("<f8");
    expect(got.shape).toEqual([7]);
    expectExact(got.data, data);
  });

  it("serializeNpy(data, shape, '<f4') then parseNpy rounds each value as Math.fround", () => {
    const data = [0.1, -1 / 3, 1e-40, 3.5e38, 1e39];
    expectExact(parseNpy(serializeNpy(data, [5], "<f4")).data, data.map(Math.fround));
  });

  it("serializeNpy(ints, shape, '<i8' | '<i4') then parseNpy returns the integers", () => {
    const i8 = [0, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    expectExact(parseNpy(serializeNpy(i8, [2, 2], "<i8")).data, i8);
    const i4 = [2 ** 31 - 1, -(2 ** 31), 0];
    expectExact(parseNpy(serializeNpy(i4, [3], "<i4")).data, i4);
  });

  it("serializeNpy throws NpyError when data length, shape or integer range is wrong", () => {
    expect(() => serializeNpy([1, 2, 3], [2, 2])).toThrow(/3 values but shape \(2, 2\) needs 4/);
    expect(() => serializeNpy([1], [-1])).toThrow(NpyError);
    expect(() => serializeNpy([1], [1.5])).toThrow(/shape\[0\] is 1.5/);
    expect(() => serializeNpy([2 ** 31], [1], "<i4")).toThrow(/<i4 needs an integer/);
    expect(() => serializeNpy([0.5], [1], "<i8")).toThrow(/<i8 needs a safe integer/);
    expect(() => serializeNpy([2 ** 53], [1], "<i8")).toThrow(NpyError);
  });

  it("serializeNpy→parseNpy is the identity for random shapes and finite doubles (fast-check)", () => {
    const arb = fc
      .array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 })
      .chain((shape) => {
        const n = shape.reduce((a, b) => a * b, 1);
        return fc.tuple(
          fc.constant(shape),
          fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n }),
        );
      });
    const prop = fc.property(arb, ([shape, data]) => {
      const got = parseNpy(serializeNpy(data, shape));
      expect(got.shape).toEqual(shape);
      expectExact(got.data, data);
    });
    fc.assert(prop, { seed: 42, numRuns: 100 });
  });
});

describe("parseNpy on hostile input", () => {
  const good = (shape = "(2,)", descr = "'<f8'") => `{'descr': ${descr}, 'fortran_order': False, 'shape': ${shape}, }`;

  it("parseNpy(bytes) with the wrong magic throws NpyError naming the magic", () => {
    const bytes = read("npy/f8-1d.npy").slice();
    bytes[1] = 0x4f;
    expectNpyError(bytes, /magic: bytes 93 4f/);
    expectNpyError(new TextEncoder().encode("PK\u0003\u0004 this is a zip file"), /magic/);
  });

  it("parseNpy(bytes) with version 4.0 or 1.1 throws NpyError naming the version", () => {
    const bytes = read("npy/f8-1d.npy").slice();
    bytes[6] = 4;
    expectNpyError(bytes, /version: 4\.0; expected 1\.0, 2\.0 or 3\.0/);
    bytes[6] = 1;
    bytes[7] = 1;
    expectNpyError(bytes, /version: 1\.1/);
  });

  it("parseNpy(bytes) with a header length beyond the file throws NpyError naming the header length", () => {
    const bytes = read("npy/f8-1d.npy").slice(0, 60);
    expectNpyError(bytes, /header length: 118 bytes reaches past the end of the file \(50 bytes left\)/);
  });

  it("parseNpy(bytes) with a 4 GB version 2.0 header length throws before reading it", () => {
    const bytes = npyWith(good(), f8Bytes([1, 2]), 2);
    new DataView(bytes.buffer).setUint32(8, 0xffffffff, true);
    expectNpyError(bytes, /header length: 4294967295 bytes; expected at most 10000/);
  });

  it("parseNpy(bytes) of a truncated file throws NpyError naming the missing bytes", () => {
    const bytes = read("npy/f8-1d.npy");
    expectNpyError(bytes.subarray(0, bytes.length - 1), /shape \(10,\) of <f8 needs 80 bytes but the file has 79/);
    expectNpyError(bytes.subarray(0, 9), /too short/);
  });

  it("parseNpy(bytes) with trailing bytes after the data throws NpyError", () => {
    const bytes = read("npy/f8-1d.npy");
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expectNpyError(longer, /needs 80 bytes but the file has 88/);
  });

  it("parseNpy(bytes) whose header claims a 1e15-byte array throws NpyError without allocating it", () => {
    expectNpyError(npyWith(good("(125000000000000,)"), f8Bytes([1, 2])), /needs 1000000000000000 bytes but the file has 16/);
    expectNpyError(npyWith(good("(100000000, 100000000, 100000000)")), /more than 2\^53 elements/);
  });

  it("parseNpy(bytes) with a negative or non-integer shape entry throws NpyError naming the entry", () => {
    expectNpyError(npyWith(good("(-2,)"), f8Bytes([1, 2])), /shape\[0\] is -2; expected a non-negative integer/);
    expectNpyError(npyWith(good("(2, 2.5)")), /shape\[1\] is "2.5"/);
    expectNpyError(npyWith(good("(1e3,)")), /shape\[0\] is "1e3"/);
    expectNpyError(npyWith(good("(0x10,)")), /shape\[0\] is "0x10"/);
    expectNpyError(npyWith(good("(2)")), /shape "\(2\)" is a parenthesized number, not a tuple/);
    expectNpyError(npyWith(good("[2]")), /expected a string, True, False or a tuple/);
  });

  it("parseNpy(bytes) of a .npy dict with an extra, missing or repeated key throws NpyError naming the key", () => {
    const extra = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'evil': 1, }";
    expectNpyError(npyWith(extra, f8Bytes([1, 2])), /unexpected key "evil"/);
    expectNpyError(npyWith("{'descr': '<f8', 'shape': (2,), }", f8Bytes([1, 2])), /missing key 'fortran_order'/);
    const twice = "{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    expectNpyError(npyWith(twice, f8Bytes([1, 2])), /key "descr" appears twice/);
  });

  it("parseNpy(bytes) of a .npy dict with Python code in it throws NpyError and evaluates nothing", () => {
    const code = "{'descr': __import__('os').system('touch /tmp/pwned'), 'fortran_order': False, 'shape': (2,), }";
    expectNpyError(npyWith(code, f8Bytes([1, 2])), /expected a string, True, False or a tuple but found "_"/);
    const lambda = "{'descr': '<f8', 'fortran_order': (lambda: True)(), 'shape': (2,), }";
    expectNpyError(npyWith(lambda, f8Bytes([1, 2])), /expected ',' or '\)' in a tuple but found ":"/);
    const trailing = good() + "; import os";
    expectNpyError(npyWith(trailing, f8Bytes([1, 2])), /unexpected ";" after the dict/);
    const escaped = "{'descr': '<f8\\x00', 'fortran_order': False, 'shape': (2,), }";
    expectNpyError(npyWith(escaped, f8Bytes([1, 2])), /escapes and newlines are not allowed/);
  });

  it("parseNpy(bytes) with an unsupported or malformed descr throws NpyError naming the descr", () => {
    expectNpyError(npyWith(good("(1,)", "'|O'"), new Uint8Array(8)), /descr "\|O" is not supported/);
    expectNpyError(npyWith(good("(1,)", "'<c16'"), new Uint8Array(16)), /descr "<c16" is not supported/);
    expectNpyError(npyWith(good("(1,)", "'|f8'"), new Uint8Array(8)), /descr "\|f8" is not supported/);
    expectNpyError(npyWith(good("(1,)", "[('a', '<f8')]"), new Uint8Array(8)), /expected a string, True, False or a tuple/);
    expectNpyError(npyWith("{'descr': True, 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), /descr must be a string/);
  });

  it("parseNpy(bytes) with a non-ASCII header byte or a bool byte other than 0/1 throws NpyError", () => {
    const bytes = npyWith(good(), f8Bytes([1, 2]));
    bytes[12] = 0xe9;
    expectNpyError(bytes, /byte 0xe9 at offset 12 is not printable ASCII/);
    expectNpyError(npyWith(good("(2,)", "'|b1'"), Uint8Array.from([1, 2])), /bool element 1 is byte 2/);
  });

  it("parseNpy(bytes, { maxBytes }) refuses output larger than maxBytes", () => {
    expectNpyError(read("npy/f8-3d.npy"), /24 elements decode to 192 bytes of float64, above maxBytes 100/, { maxBytes: 100 });
  });

  it("parseNpy(bytes) accepts Python 2's 3L shape entries in 1.0 files and double-quoted keys", () => {
    const got = parseNpy(npyWith(`{"descr": "<f8", "fortran_order": False, "shape": (2L,)}`, f8Bytes([1, 2])));
    expect(got.shape).toEqual([2]);
    expectExact(got.data, [1, 2]);
    expectNpyError(npyWith(good("(2L,)"), f8Bytes([1, 2]), 3), /shape\[0\] is "2L"/);
  });

  it("parseNpy never throws anything but NpyError on random byte mutations of valid files (fast-check)", () => {
    const bases = ["f8-3d.npy", "f8-fortran-2x3.npy", "v2-f8.npy", "v3-i4.npy", "be-i8.npy", "b1-1d.npy", "f2-1d.npy"].map(
      (f) => read(`npy/${f}`),
    );
    const mutation = fc.record({
      base: fc.integer({ min: 0, max: bases.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    });
    const prop = fc.property(mutation, ({ base, edits, cut }) => {
      const src = bases[base];
      // Bias edits toward the preamble and header, where the parser's decisions are made.
      const bytes = src.slice(0, cut === undefined ? src.length : cut % (src.length + 1));
      for (const [pos, value] of edits) {
        if (bytes.length > 0) bytes[pos % Math.min(bytes.length, pos % 2 ? bytes.length : 140)] = value;
      }
      try {
        const got = parseNpy(bytes);
        expect(got.data.length).toBe(got.shape.reduce((a, b) => a * b, 1));
      } catch (err) {
        if (!(err instanceof NpyError)) throw err;
      }
    });
    fc.assert(prop, { seed: 42, numRuns: 100 });
  });
});
