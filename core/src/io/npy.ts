/**
 * NumPy .npy reader and writer.
 *
 * Not built on npyjs: its header parser is loose regexes (extra keys and stray code pass), it never checks
 * shape x itemsize against the bytes, and it ignores fortran_order, rejects '>' descrs and pads to 8, not 64.
 *
 * Format (numpy.lib.format): magic "\x93NUMPY", major and minor version bytes (1.0, 2.0 or 3.0), the header
 * length (u16 LE for 1.0, u32 LE for 2.0/3.0), then the header: a Python dict literal
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces and ending in "\n"
 * (latin-1 for 1.0/2.0, UTF-8 for 3.0), then the raw elements.
 *
 * The reader treats the file as hostile (DESIGN.md, "Untrusted input"). The header is never evaluated: a
 * hand-written parser accepts only the dict grammar above (string keys, a string, True/False and a tuple
 * of non-negative decimal integers, optional trailing commas, Python 2's `3L` in 1.0/2.0 files), exactly
 * the keys descr, fortran_order and shape, each once. Like np.load, headers above 10000 bytes are refused.
 * Shape x itemsize must equal the bytes after the header exactly (np.save never writes trailing bytes;
 * a mismatch means truncation or tampering). All of this is checked before the output is allocated.
 *
 * Data comes back as a Float64Array in C (row-major) order whatever the file's order: Fortran-order files
 * are transposed on read, and `fortranOrder` reports the file's flag. Descrs: <f8 <f4 <f2 <i8 <i4 <i2 |i1
 * <u8 <u4 <u2 |u1 |b1, any of them big-endian ('>'), and '<'/'>' also for the 1-byte ones; `dtype` in
 * the result is the descr as written. 64-bit integers must be safe integers (|v| <= 2^53 - 1), else
 * NpyError; bools must be 0 or 1. NaN and infinities pass through unchanged.
 */

/** A parsed .npy array: descr as written in the file, shape, the file's order flag, values in C order. */
import { halfToNumber } from "./half";
export interface NpyArray {
  dtype: string;
  shape: number[];
  fortranOrder: boolean;
  data: Float64Array;
}

/** Options for parseNpy. */
export interface ParseNpyOptions {
  /** Upper bound on the decoded output (elements x 8 bytes of Float64Array); default 1 GiB. */
  maxBytes?: number;
}

/** Descrs serializeNpy can write. */
export type NpyWriteDtype = "<f8" | "<f4" | "<i8" | "<i4";

/** Thrown for any malformed .npy input or unwritable array; the message names the field and the value. */
export class NpyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NpyError";
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** numpy.lib.format._MAX_HEADER_SIZE: np.load refuses longer headers unless told to trust the file. */
const MAX_HEADER_BYTES = 10000;
/** numpy 2's NPY_MAXDIMS. */
const MAX_DIMS = 64;
const DEFAULT_MAX_BYTES = 2 ** 30;
const KEYS = ["descr", "fortran_order", "shape"];

type Reader = (view: DataView, at: number, little: boolean) => number;

interface Kind {
  size: number;
  read: Reader;
  /** 64-bit integer kinds are read as BigInt and range-checked. */
  big?: (view: DataView, at: number, little: boolean) => bigint;
}

const KINDS: Record<string, Kind> = {
  f8: { size: 8, read: (v, at, le) => v.getFloat64(at, le) },
  f4: { size: 4, read: (v, at, le) => v.getFloat32(at, le) },
  f2: { size: 2, read: (v, at, le) => halfToNumber(v.getUint16(at, le)) },
  i8: { size: 8, read: () => 0, big: (v, at, le) => v.getBigInt64(at, le) },
  i4: { size: 4, read: (v, at, le) => v.getInt32(at, le) },
  i2: { size: 2, read: (v, at, le) => v.getInt16(at, le) },
  i1: { size: 1, read: (v, at) => v.getInt8(at) },
  u8: { size: 8, read: () => 0, big: (v, at, le) => v.getBigUint64(at, le) },
  u4: { size: 4, read: (v, at, le) => v.getUint32(at, le) },
  u2: { size: 2, read: (v, at, le) => v.getUint16(at, le) },
  u1: { size: 1, read: (v, at) => v.getUint8(at) },
  b1: { size: 1, read: (v, at) => v.getUint8(at) },
};


/** Text for messages: JSON-quoted and cut to a readable length. */
function show(s: string): string {
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + "..." : s);
}

// ---------------------------------------------------------------------------------------------------------
// Header grammar: a Python dict literal, parsed by hand, never evaluated.

type PyValue =
  | { kind: "str"; value: string }
  | { kind: "bool"; value: boolean }
  | { kind: "tuple"; items: string[]; text: string };

class HeaderParser {
  private p = 0;
  constructor(
    private readonly h: string,
    private readonly allowLongSuffix: boolean,
  ) {}

  private fail(what: string): never {
    throw new NpyError(`header: ${what} at position ${this.p} in ${show(this.h.trim())}`);
  }

  private ws(): void {
    while (this.p < this.h.length && " \t\r\n".includes(this.h[this.p])) this.p++;
  }

  private expect(ch: string): void {
    if (this.h[this.p] !== ch) this.fail(`expected '${ch}' but found ${this.found()}`);
    this.p++;
  }

  private found(): string {
    return this.p < this.h.length ? show(this.h[this.p]) : "the end of the header";
  }

  private string(): string {
    const q = this.h[this.p];
    if (q !== "'" && q !== '"') this.fail(`expected a quoted string but found ${this.found()}`);
    const start = ++this.p;
    while (this.p < this.h.length && this.h[this.p] !== q) {
      if (this.h[this.p] === "\\" || this.h[this.p] === "\n") this.fail("escapes and newlines are not allowed in strings");
      this.p++;
    }
    if (this.p >= this.h.length) this.fail("unterminated string");
    return this.h.slice(start, this.p++);
  }

  private tuple(): PyValue {
    const start = this.p;
    this.expect("(");
    const items: string[] = [];
    let sawComma = false;
    this.ws();
    while (this.h[this.p] !== ")") {
      const t0 = this.p;
      while (this.p < this.h.length && /[-+.\w]/.test(this.h[this.p])) this.p++;
      if (this.p === t0) this.fail(`expected an integer or ')' in a tuple but found ${this.found()}`);
      items.push(this.h.slice(t0, this.p));
      this.ws();
      if (this.h[this.p] === ",") {
        sawComma = true;
        this.p++;
        this.ws();
      } else if (this.h[this.p] !== ")") {
        this.fail(`expected ',' or ')' in a tuple but found ${this.found()}`);
      }
    }
    this.p++;
    const text = this.h.slice(start, this.p);
    if (items.length === 1 && !sawComma) {
      throw new NpyError(`header: shape ${show(text)} is a parenthesized number, not a tuple; expected e.g. (3,)`);
    }
    return { kind: "tuple", items, text };
  }

  private value(): PyValue {
    const c = this.h[this.p];
    if (c === "'" || c === '"') return { kind: "str", value: this.string() };
    if (c === "(") return this.tuple();
    for (const word of ["True", "False"]) {
      if (this.h.startsWith(word, this.p) && !/\w/.test(this.h[this.p + word.length] ?? "")) {
        this.p += word.length;
        return { kind: "bool", value: word === "True" };
      }
    }
    return this.fail(`expected a string, True, False or a tuple but found ${this.found()}`);
  }

  /** The dict: exactly the keys descr, fortran_order and shape, each once. */
  dict(): Map<string, PyValue> {
    const out = new Map<string, PyValue>();
    this.expect("{");
    this.ws();
    while (this.h[this.p] !== "}") {
      const key = this.string();
      if (!KEYS.includes(key)) {
        throw new NpyError(`header: unexpected key ${show(key)}; expected exactly descr, fortran_order, shape`);
      }
      if (out.has(key)) throw new NpyError(`header: key ${show(key)} appears twice`);
      this.ws();
      this.expect(":");
      this.ws();
      out.set(key, this.value());
      this.ws();
      if (this.h[this.p] === ",") {
        this.p++;
        this.ws();
      } else if (this.h[this.p] !== "}") {
        this.fail(`expected ',' or '}' but found ${this.found()}`);
      }
    }
    this.p++;
    this.ws();
    if (this.p !== this.h.length) this.fail(`unexpected ${this.found()} after the dict`);
    for (const k of KEYS) if (!out.has(k)) throw new NpyError(`header: missing key '${k}'`);
    return out;
  }

  /** Shape entries: decimal integers without sign or leading zeros (Python 2's `L` suffix in 1.0/2.0). */
  shapeEntry(raw: string, index: number): number {
    const digits = this.allowLongSuffix ? raw.replace(/[Ll]$/, "") : raw;
    if (/^-\d+$/.test(digits)) throw new NpyError(`header: shape[${index}] is ${raw}; expected a non-negative integer`);
    if (!/^(0|[1-9]\d*)$/.test(digits)) {
      throw new NpyError(`header: shape[${index}] is ${show(raw)}; expected a non-negative integer`);
    }
    const n = Number(digits);
    if (!Number.isSafeInteger(n)) throw new NpyError(`header: shape[${index}] is ${raw}; expected at most 2^53 - 1`);
    return n;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reading

/**
 * Parse a .npy file (versions 1.0, 2.0, 3.0) into float64 values in C order, validating magic, version,
 * header, dtype and size before allocating. Throws NpyError naming the field and value.
 */
export function parseNpy(bytes: Uint8Array, opts: ParseNpyOptions = {}): NpyArray {
  if (!(bytes instanceof Uint8Array)) throw new NpyError("input: expected a Uint8Array");
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== "number" || !(maxBytes >= 0)) {
    throw new NpyError(`opts.maxBytes is ${String(maxBytes)}; expected a non-negative number`);
  }
  if (bytes.length < 10) throw new NpyError(`file: ${bytes.length} bytes is too short for an .npy preamble`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      const got = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(" ");
      throw new NpyError(`magic: bytes ${got}; expected 93 4e 55 4d 50 59 ("\\x93NUMPY")`);
    }
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) {
    throw new NpyError(`version: ${major}.${minor}; expected 1.0, 2.0 or 3.0`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else {
    if (bytes.length < 12) throw new NpyError(`file: ${bytes.length} bytes is too short for a ${major}.0 preamble`);
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  }
  if (headerLength > MAX_HEADER_BYTES) {
    throw new NpyError(`header length: ${headerLength} bytes; expected at most ${MAX_HEADER_BYTES} (numpy's limit)`);
  }
  if (headerStart + headerLength > bytes.length) {
    throw new NpyError(
      `header length: ${headerLength} bytes reaches past the end of the file (${bytes.length - headerStart} bytes left)`,
    );
  }
  // Every valid header is ASCII, so latin-1 (1.0/2.0) and UTF-8 (3.0) decode alike; refuse anything else.
  let text = "";
  for (let i = headerStart; i < headerStart + headerLength; i++) {
    const b = bytes[i];
    if (b >= 0x80 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) {
      throw new NpyError(`header: byte 0x${b.toString(16)} at offset ${i} is not printable ASCII`);
    }
    text += String.fromCharCode(b);
  }

  const parser = new HeaderParser(text, major <= 2);
  const dict = parser.dict();
  const descr = dict.get("descr") as PyValue;
  const fortran = dict.get("fortran_order") as PyValue;
  const shapeValue = dict.get("shape") as PyValue;
  if (descr.kind !== "str") throw new NpyError(`header: descr must be a string such as '<f8'`);
  if (fortran.kind !== "bool") throw new NpyError(`header: fortran_order must be True or False`);
  if (shapeValue.kind !== "tuple") throw new NpyError(`header: shape must be a tuple such as (2, 3)`);
  if (shapeValue.items.length > MAX_DIMS) {
    throw new NpyError(`header: shape has ${shapeValue.items.length} dimensions; expected at most ${MAX_DIMS}`);
  }
  const shape = shapeValue.items.map((raw, k) => parser.shapeEntry(raw, k));

  const order = descr.value[0];
  const kind = KINDS[descr.value.slice(1)];
  const validOrder = kind && (kind.size === 1 ? "|<>".includes(order) : "<>".includes(order));
  if (!kind || !validOrder || descr.value.length !== 3) {
    throw new NpyError(
      `header: descr ${show(descr.value)} is not supported; expected one of <f8 <f4 <f2 <i8 <i4 <i2 |i1 <u8 <u4 <u2 |u1 |b1 (or '>' for big-endian)`,
    );
  }
  const little = order !== ">";

  let count = shape.includes(0) ? 0 : 1;
  for (const d of shape) {
    count *= d;
    if (!Number.isSafeInteger(count)) throw new NpyError(`header: shape ${shapeValue.text} has more than 2^53 elements`);
  }
  const dataStart = headerStart + headerLength;
  const available = bytes.length - dataStart;
  const needed = count * kind.size;
  if (needed !== available) {
    throw new NpyError(
      `data: shape ${shapeValue.text} of ${descr.value} needs ${needed} bytes but the file has ${available} after the header`,
    );
  }
  if (count * 8 > maxBytes) {
    throw new NpyError(`data: ${count} elements decode to ${count * 8} bytes of float64, above maxBytes ${maxBytes}`);
  }

  const data = new Float64Array(count);
  // Element i of the file goes to C-order position `target`; for C order that is i itself. For Fortran
  // order the file's first axis varies fastest, so walk a multi-index and keep its C offset up to date.
  const ndim = shape.length;
  const fortranOrder = fortran.value;
  const transpose = fortranOrder && ndim > 1 && count > 0;
  const cStride = new Array<number>(ndim).fill(1);
  for (let k = ndim - 2; k >= 0; k--) cStride[k] = cStride[k + 1] * shape[k + 1];
  const idx = new Array<number>(ndim).fill(0);
  let target = 0;
  const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);
  for (let i = 0; i < count; i++) {
    const at = dataStart + i * kind.size;
    let v: number;
    if (kind.big) {
      const b = kind.big(view, at, little);
      if (b > maxSafe || b < -maxSafe) {
        throw new NpyError(`data: element ${i} of ${descr.value} is ${b}, outside the safe-integer range ±(2^53 - 1)`);
      }
      v = Number(b);
    } else {
      v = kind.read(view, at, little);
      if (kind === KINDS.b1 && v > 1) throw new NpyError(`data: bool element ${i} is byte ${v}; expected 0 or 1`);
    }
    if (!transpose) {
      data[i] = v;
      continue;
    }
    data[target] = v;
    let k = 0;
    idx[0]++;
    target += cStride[0];
    while (k < ndim - 1 && idx[k] === shape[k]) {
      target -= shape[k] * cStride[k];
      idx[k] = 0;
      k++;
      idx[k]++;
      target += cStride[k];
    }
  }
  return { dtype: descr.value, shape, fortranOrder, data };
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/**
 * Serialize values (C order) as a version 1.0 .npy file, byte-identical to numpy's `np.save`: header
 * `{'descr': ..., 'fortran_order': False, 'shape': (...), }`, then numpy's growth spaces
 * (21 - digits of shape[0]), then spaces and "\n" so the data starts at a multiple of 64 bytes.
 */
export function serializeNpy(data: ArrayLike<number>, shape: number[], dtype: NpyWriteDtype = "<f8"): Uint8Array {
  if (dtype !== "<f8" && dtype !== "<f4" && dtype !== "<i8" && dtype !== "<i4") {
    throw new NpyError(`dtype: ${show(String(dtype))}; expected <f8, <f4, <i8 or <i4`);
  }
  if (!Array.isArray(shape)) throw new NpyError(`shape: ${String(shape)} is not an array`);
  if (shape.length > MAX_DIMS) throw new NpyError(`shape: ${shape.length} dimensions; expected at most ${MAX_DIMS}`);
  let count = 1;
  shape.forEach((d, k) => {
    if (!Number.isSafeInteger(d) || d < 0) throw new NpyError(`shape[${k}] is ${String(d)}; expected a non-negative integer`);
    count *= d;
  });
  if (shape.includes(0)) count = 0;
  if (!Number.isSafeInteger(count)) throw new NpyError(`shape: (${shape.join(", ")}) has more than 2^53 elements`);
  if (data.length !== count) {
    throw new NpyError(`data: ${data.length} values but shape (${shape.join(", ")}) needs ${count}`);
  }

  // Python's repr of a tuple: (), (3,), (2, 3).
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${tuple}, }`;
  if (shape.length > 0) header += " ".repeat(Math.max(0, 21 - String(shape[0]).length));
  const padding = 64 - ((10 + header.length + 1) % 64); // numpy's padlen: 64 when already aligned, never 0
  header += " ".repeat(padding) + "\n";

  const size = dtype === "<f8" || dtype === "<i8" ? 8 : 4;
  const out = new Uint8Array(10 + header.length + count * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  let at = 10 + header.length;
  for (let i = 0; i < count; i++, at += size) {
    const v = data[i];
    switch (dtype) {
      case "<f8":
        view.setFloat64(at, v, true);
        break;
      case "<f4":
        view.setFloat32(at, v, true);
        break;
      case "<i8":
        if (!Number.isSafeInteger(v)) throw new NpyError(`data[${i}] is ${v}; <i8 needs a safe integer`);
        view.setBigInt64(at, BigInt(v), true);
        break;
      case "<i4":
        if (!Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31 - 1) {
          throw new NpyError(`data[${i}] is ${v}; <i4 needs an integer in [-2^31, 2^31 - 1]`);
        }
        view.setInt32(at, v, true);
        break;
    }
  }
  return out;
}
