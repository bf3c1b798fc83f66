import { readFileSync } from "node:fs";
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { parseSafetensors, serializeSafetensors, SafetensorsError, type SafetensorsInput } from "../src/io/safetensors";

// Fixtures come from tools/make-io-fixtures.py: torch makes the tensors (including F16/BF16 bits) and a
// small spec-following Python writer lays out the files (the `safetensors` package is not installed).
const FIXTURES = new URL("./fixtures/io/", import.meta.url);
const read = (rel: string): Uint8Array => new Uint8Array(readFileSync(new URL(rel, FIXTURES)));

interface ExpectedFile {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>;
}
const expected = JSON.parse(readFileSync(new URL("safetensors-expected.json", FIXTURES), "utf8")) as Record<
  string,
  ExpectedFile
>;

function expectExact(actual: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(actual.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(actual[i], want[i])) throw new Error(`element ${i}: got ${actual[i]}, want ${want[i]}`);
  }
}

/** A safetensors file from a header (object or raw JSON text) and a byte buffer (or its length). */
function stFile(header: unknown, data: Uint8Array | number = 0): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const buffer = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

/** Bytes of an expected file: u64 LE header length, header text, then data. */
function bytesOf(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return stFile(header, data);
}

function expectStError(bytes: Uint8Array, pattern: RegExp | string, opts?: { maxBytes?: number }): void {
  let caught: unknown;
  try {
    parseSafetensors(bytes, opts);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  if (typeof pattern === "string") expect((caught as Error).message).toBe(pattern);
  else expect((caught as Error).message).toMatch(pattern);
}

const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

describe("parseSafetensors on fixture files", () => {
  for (const [file, want] of Object.entries(expected)) {
    it(`parseSafetensors(bytes) of ${file} returns every tensor's dtype, shape and values exactly, and the metadata`, () => {
      const { tensors, metadata } = parseSafetensors(read(`safetensors/${file}`));
      expect(metadata).toEqual(want.metadata);
      expect([...tensors.keys()].sort()).toEqual(Object.keys(want.tensors).sort());
      for (const [name, t] of Object.entries(want.tensors)) {
        const got = tensors.get(name);
        expect(got?.dtype).toBe(t.dtype);
        expect(got?.shape).toEqual(t.shape);
        expect(got?.data).toBeInstanceOf(Float64Array);
        expectExact(got?.data ?? [], t.values);
      }
    });
  }

  it("parseSafetensors(bytes) decodes F16 and BF16 subnormals, maxima and 0.1 exactly", () => {
    const { tensors } = parseSafetensors(read("safetensors/mixed-dtypes.safetensors"));
    expectExact(tensors.get("c_f16")?.data ?? [], [0.0999755859375, 65504, 2 ** -24, -1]);
    expectExact(tensors.get("d_bf16")?.data ?? [], [0.10009765625, 1.765625 * 2 ** 127, -1, 2 ** -133]);
  });

  it("serializeSafetensors(parseSafetensors(file)) reproduces an F64/F32 file byte for byte", () => {
    for (const file of ["rnn-f64.safetensors", "rnn-f32.safetensors", "no-metadata.safetensors"]) {
      const bytes = read(`safetensors/${file}`);
      const { tensors, metadata } = parseSafetensors(bytes);
      const inputs = [...tensors].map(([k, t]) => [k, t as SafetensorsInput] as [string, SafetensorsInput]);
      const again = serializeSafetensors(inputs, Object.keys(metadata).length > 0 ? metadata : undefined);
      expect(again).toEqual(bytes);
    }
  });
});

describe("serializeSafetensors", () => {
  // The expected bytes are the reference crate's own unit tests (safetensors/src/tensor.rs:
  // test_serialization, test_empty, test_serialization_forced_alignement), written out as text + data.
  it("serializeSafetensors([['attn.0', F32 [1,2,3]]]) matches the reference crate's bytes", () => {
    const out = serializeSafetensors([["attn.0", { dtype: "F32", shape: [1, 2, 3], data: [0, 1, 2, 3, 4, 5] }]]);
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(out).toEqual(bytesOf(header, f32([0, 1, 2, 3, 4, 5])));
    expect(out[0]).toBe(64);
  });

  it("serializeSafetensors pads the header with spaces to a multiple of 8 like the reference crate", () => {
    const out = serializeSafetensors([["attn0", { dtype: "F32", shape: [1, 1, 2, 3], data: [0, 1, 2, 3, 4, 5] }]]);
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}' + " ".repeat(7);
    expect(out).toEqual(bytesOf(header, f32([0, 1, 2, 3, 4, 5])));
  });

  it("serializeSafetensors([]) and serializeSafetensors([], {framework: 'pt'}) match the reference crate's bytes", () => {
    expect(serializeSafetensors([])).toEqual(Uint8Array.from([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]));
    expect(serializeSafetensors([], { framework: "pt" })).toEqual(bytesOf('{"__metadata__":{"framework":"pt"}}     '));
  });

  it("serializeSafetensors orders F64 before F32, then names by code point, with __metadata__ first", () => {
    const t = (dtype: "F64" | "F32") => ({ dtype, shape: [1], data: [1] });
    const names = ["b", "B", "é", "\u{1F600}", "\uFFFF", "a"];
    const out = serializeSafetensors(
      [...names.map((n) => [n, t("F32")] as [string, SafetensorsInput]), ["z64", t("F64")], ["A64", t("F64")]],
      { z: "1", a: "2" },
    );
    const n = new DataView(out.buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(out.subarray(8, 8 + n))) as Record<string, unknown>;
    expect(Object.keys(header)).toEqual(["__metadata__", "A64", "z64", "B", "a", "b", "é", "\uFFFF", "\u{1F600}"]);
    expect(Object.keys(header.__metadata__ as object)).toEqual(["a", "z"]);
  });

  it("serializeSafetensors escapes names like serde_json and writes non-ASCII as UTF-8", () => {
    const out = serializeSafetensors([['we"ird\n\u0001/é', { dtype: "F64", shape: [], data: [2] }]]);
    const text = new TextDecoder().decode(out.subarray(8, 8 + out[0]));
    expect(text.trimEnd()).toBe('{"we\\"ird\\n\\u0001/é":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}');
    expect(parseSafetensors(out).tensors.get('we"ird\n\u0001/é')?.data).toEqual(new Float64Array([2]));
  });

  it("serializeSafetensors then parseSafetensors is exact for F64 and rounds F32 as Math.fround", () => {
    const data = [0, -0, 0.1, -Math.PI, 5e-324, 1.7976931348623157e308, 1e-40];
    const { tensors } = parseSafetensors(
      serializeSafetensors([
        ["d", { dtype: "F64", shape: [7], data }],
        ["s", { dtype: "F32", shape: [7, 1], data }],
      ]),
    );
    expectExact(tensors.get("d")?.data ?? [], data);
    expectExact(tensors.get("s")?.data ?? [], data.map(Math.fround));
    expect(tensors.get("s")?.shape).toEqual([7, 1]);
  });

  it("serializeSafetensors throws SafetensorsError for a wrong data length, duplicate or reserved name, lone surrogate", () => {
    const t = { dtype: "F64" as const, shape: [2, 2], data: [1, 2, 3] };
    expect(() => serializeSafetensors([["w", t]])).toThrow(/w: data has 3 values but shape \[2,2\] needs 4/);
    const ok = { dtype: "F64" as const, shape: [1], data: [1] };
    expect(() => serializeSafetensors([["w", ok], ["w", ok]])).toThrow(/duplicate tensor name/);
    expect(() => serializeSafetensors([["__metadata__", ok]])).toThrow(/reserved/);
    expect(() => serializeSafetensors([["\uD800", ok]])).toThrow(/tensor name: lone surrogate U\+d800 at index 0/);
    expect(() => serializeSafetensors([], { k: "a\uDC00" })).toThrow(/metadata.k: lone surrogate/);
    expect(() => serializeSafetensors([["w", { ...ok, shape: [-1] }]])).toThrow(SafetensorsError);
  });

  it("serializeSafetensors→parseSafetensors is the identity for random shapes and finite doubles (fast-check)", () => {
    const tensor = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }).chain((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return fc.record({
        shape: fc.constant(shape),
        data: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n }),
      });
    });
    const wellFormed = /^(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;
    const text = (maxLength: number) => fc.string({ unit: "binary", maxLength }).filter((s) => wellFormed.test(s));
    const files = fc.uniqueArray(fc.tuple(text(6), tensor), {
      maxLength: 4,
      selector: ([name]) => name,
    });
    const prop = fc.property(files, fc.dictionary(text(4), text(4)), (items, meta) => {
      const inputs = items
        .filter(([name]) => name !== "__metadata__")
        .map(([name, t]) => [name, { dtype: "F64", ...t }] as [string, SafetensorsInput]);
      const { tensors, metadata } = parseSafetensors(serializeSafetensors(inputs, meta));
      expect(tensors.size).toBe(inputs.length);
      for (const [name, t] of inputs) {
        expect(tensors.get(name)?.shape).toEqual(t.shape);
        expectExact(tensors.get(name)?.data ?? [], t.data);
      }
      expect(metadata).toEqual(meta);
    });
    fc.assert(prop, { seed: 42, numRuns: 100 });
  });
});

describe("parseSafetensors on hostile input", () => {
  it("parseSafetensors(bytes) names the tensor, offsets, shape and dtype when the span does not fit the shape", () => {
    const bytes = stFile({ weight_hh_l0: entry("F64", [4, 4], [0, 96]) }, 96);
    expectStError(bytes, "weight_hh_l0: data_offsets [0, 96] span 96 bytes but shape [4,4] of F64 needs 128");
  });

  it("parseSafetensors(bytes) whose header claims a 1e15-byte tensor throws before allocating it", () => {
    const bytes = stFile({ big: entry("F64", [125000000000000], [0, 1e15]) }, 16);
    expectStError(bytes, "big: data_offsets [0, 1000000000000000] reach past the byte buffer, which holds 16 bytes");
    const overflow = stFile({ big: entry("F64", [2 ** 40, 2 ** 40], [0, 16]) }, 16);
    expectStError(overflow, /big: shape \[1099511627776,1099511627776\] has more than 2\^53 elements/);
  });

  it("parseSafetensors(bytes) with a header length beyond the file or above 100 MB throws naming the length", () => {
    const bytes = stFile({}, 0);
    new DataView(bytes.buffer).setUint32(0, 500, true);
    expectStError(bytes, /header length 500 reaches past the end of the file \(2 bytes after the length field\)/);
    const huge = bytes.slice();
    new DataView(huge.buffer).setUint32(4, 0x100, true);
    expectStError(huge, /header length 1099511628276 exceeds the 100000000-byte limit/);
    expectStError(Uint8Array.from([1, 2, 3]), /3 bytes is too short/);
  });

  it("parseSafetensors(bytes) of a truncated file throws SafetensorsError naming the tensor", () => {
    const bytes = read("safetensors/rnn-f64.safetensors");
    expectStError(bytes.subarray(0, bytes.length - 1), /reach past the byte buffer/);
    expectStError(bytes.subarray(0, 100), /header length \d+ reaches past the end of the file/);
  });

  it("parseSafetensors(bytes) with a negative or non-integer shape entry throws naming the entry", () => {
    expectStError(stFile({ w: entry("F32", [2, -1], [0, 8]) }, 8), "w: shape[1] is -1; expected a non-negative integer");
    expectStError(stFile({ w: entry("F32", [2.5], [0, 8]) }, 8), "w: shape[0] is 2.5; expected a non-negative integer");
    expectStError(stFile({ w: entry("F32", ["2"], [0, 8]) }, 8), 'w: shape[0] is "2"; expected a non-negative integer');
    expectStError(stFile({ w: entry("F32", 2, [0, 8]) }, 8), /w: shape 2 is not an array/);
  });

  it("parseSafetensors(bytes) with overlapping offsets throws naming both tensors", () => {
    const header = { a: entry("F32", [2], [0, 8]), b: entry("F32", [2], [4, 12]) };
    expectStError(stFile(header, 12), "b: data_offsets [4, 12] overlap a's [0, 8]");
    const same = { a: entry("F32", [2], [0, 8]), b: entry("F32", [2], [0, 8]) };
    expectStError(stFile(same, 8), /overlap/);
  });

  it("parseSafetensors(bytes) rejects holes and trailing bytes in the byte buffer", () => {
    const hole = { a: entry("F32", [1], [0, 4]), b: entry("F32", [1], [8, 12]) };
    expectStError(stFile(hole, 12), /b: data_offsets \[8, 12\] leave a hole of 4 unreferenced bytes at \[4, 8\]/);
    expectStError(stFile({ a: entry("F32", [1], [0, 4]) }, 6), /6 bytes but the tensors cover only \[0, 4\]; 2 trailing bytes/);
  });

  it("parseSafetensors(bytes) with an unknown dtype throws naming the dtype and the choices", () => {
    expectStError(
      stFile({ w: entry("F8_E4M3", [4], [0, 4]) }, 4),
      'w: dtype "F8_E4M3" is not supported; expected one of F64, F32, F16, BF16, I64, I32',
    );
  });

  it("parseSafetensors(bytes) with a malformed header throws SafetensorsError", () => {
    expectStError(stFile("{not json", 0), /header: not valid JSON/);
    expectStError(stFile("[1, 2]", 0), /header: JSON is \[1,2\]; expected an object/);
    expectStError(stFile({ w: [1, 2] }, 0), /w: entry is \[1,2\]; expected an object/);
    expectStError(stFile({ w: { ...entry("F32", [1], [0, 4]), extra: 1 } }, 4), /w: unexpected field extra/);
    expectStError(stFile({ w: { dtype: "F32", shape: [1] } }, 4), /w: missing field data_offsets/);
    expectStError(stFile({ w: entry("F32", [1], [4, 0]) }, 4), /end before they begin/);
    expectStError(stFile({ w: entry("F32", [1], [0]) }, 4), /w: data_offsets \[0\]; expected \[begin, end\]/);
    expectStError(stFile({ __metadata__: { format: 1 } }, 0), /__metadata__.format is 1; expected a string/);
    expectStError(stFile('{"a\\ud800":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}', 0), /tensor name: lone surrogate/);
    const badUtf8 = stFile('{"\u00e9":1}', 0);
    badUtf8[10] = 0xff;
    expectStError(badUtf8, /byte 0xff at offset 10 is not valid UTF-8/);
  });

  it("parseSafetensors(bytes) of an I64 tensor outside ±(2^53 - 1) throws naming the element", () => {
    const data = new Uint8Array(16);
    new DataView(data.buffer).setBigInt64(8, 2n ** 53n, true);
    expectStError(stFile({ ids: entry("I64", [2], [0, 16]) }, data), /ids: I64 element 1 is 9007199254740992/);
  });

  it("parseSafetensors(bytes, { maxBytes }) refuses output larger than maxBytes", () => {
    const bytes = stFile({ w: entry("F32", [4], [0, 16]) }, 16);
    expectStError(bytes, /4 elements decode to 32 bytes of float64, above maxBytes 31/, { maxBytes: 31 });
    expect(parseSafetensors(bytes, { maxBytes: 32 }).tensors.get("w")?.data.length).toBe(4);
  });

  it("parseSafetensors(bytes) keeps a __proto__ tensor name as data, not as a prototype", () => {
    const bytes = stFile('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32([1.5]));
    const { tensors } = parseSafetensors(bytes);
    expect(tensors.get("__proto__")?.data[0]).toBe(1.5);
  });

  it("parseSafetensors never throws anything but SafetensorsError on random byte mutations of valid files (fast-check)", () => {
    const bases = ["mixed-dtypes.safetensors", "rnn-f32.safetensors", "no-metadata.safetensors"].map((f) =>
      read(`safetensors/${f}`),
    );
    const mutation = fc.record({
      base: fc.integer({ min: 0, max: bases.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    });
    const prop = fc.property(mutation, ({ base, edits, cut }) => {
      const src = bases[base];
      const bytes = src.slice(0, cut === undefined ? src.length : cut % (src.length + 1));
      for (const [pos, value] of edits) if (bytes.length > 0) bytes[pos % bytes.length] = value;
      try {
        const { tensors } = parseSafetensors(bytes);
        for (const t of tensors.values()) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
      } catch (err) {
        if (!(err instanceof SafetensorsError)) throw err;
      }
    });
    fc.assert(prop, { seed: 42, numRuns: 100 });
  });
});
