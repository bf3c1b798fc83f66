/**
 * safetensors reader and writer (Hugging Face format, as written by `safetensors.torch.save_file`).
 *
 * Layout: bytes 0..8 hold N, the header length, as a little-endian u64. Bytes 8..8+N hold a UTF-8 JSON
 * object `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`. The rest
 * of the file is the byte buffer; offsets are relative to its start, data is little-endian, C order.
 *
 * Files come from strangers (DESIGN.md, "Untrusted input"), so the reader checks the whole header before
 * it allocates any tensor: header length (<= 100 MB as in the reference crate, and inside the file), strict
 * UTF-8, a JSON object, per entry a known dtype, a shape of non-negative safe integers, offsets inside the
 * buffer whose span equals elements x dtype size, no overlaps, and no holes: like the reference crate
 * (`Metadata::validate` + `MetadataIncompleteBuffer`), the tensors must tile the buffer exactly, so
 * unreferenced bytes between tensors or after the last one are rejected (they could smuggle data that
 * other tools would ignore). Entries with fields other than dtype, shape and data_offsets are rejected too
 * (stricter than the crate, which ignores them). Duplicate JSON keys follow JSON.parse: the last one wins,
 * as in serde's map deserialization. Values are decoded faithfully: NaN and infinities pass through, and
 * the model-import edge decides whether they are acceptable.
 *
 * Runs unchanged in Node and browsers: only Uint8Array/DataView, no TextDecoder (not in lib ES2022), so
 * UTF-8 is coded by hand below.
 */

/** Element types the reader understands. */
import { halfToNumber } from "./half";
export type SafetensorsDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32";

/** One decoded tensor: the file's dtype and shape, values widened to float64 in C order. */
export interface Tensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float64Array;
}

/** What parseSafetensors returns: tensors in file (offset) order, and `__metadata__` ({} when absent). */
export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Options for parseSafetensors. */
export interface ParseSafetensorsOptions {
  /** Upper bound on the decoded output (total elements x 8 bytes of Float64Array); default 1 GiB. */
  maxBytes?: number;
}

/** A tensor accepted by serializeSafetensors. */
export interface SafetensorsInput {
  dtype: "F64" | "F32";
  shape: number[];
  data: ArrayLike<number>;
}

/** Thrown for any malformed safetensors input; the message names the tensor, field, value and expectation. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SafetensorsError";
  }
}

/** The reference crate's MAX_HEADER_SIZE. */
const MAX_HEADER_BYTES = 100_000_000;
const DEFAULT_MAX_BYTES = 2 ** 30;
const METADATA_KEY = "__metadata__";
const ENTRY_FIELDS = ["dtype", "shape", "data_offsets"];

const DTYPE_SIZE: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };

/**
 * Rank in the reference crate's `Dtype` enum (declaration order = `Ord`). Its `serialize` sorts tensors
 * by descending rank, then by name, so wider types come first and every tensor stays aligned.
 */
const DTYPE_RANK: Record<SafetensorsDtype, number> = { F16: 7, BF16: 8, I32: 9, F32: 11, F64: 12, I64: 13 };

function isDtype(v: unknown): v is SafetensorsDtype {
  return typeof v === "string" && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, v);
}

/** A name as it appears in messages: bare when plain, else JSON-quoted; long names are cut. */
function label(name: string): string {
  const cut = name.length > 80 ? name.slice(0, 80) + "..." : name;
  return /^[\w.\-/:]+$/.test(cut) ? cut : JSON.stringify(cut);
}

/** A JSON value as it appears in messages, cut to a readable length. */
function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? s.slice(0, 80) + "..." : s;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Rust strings are UTF-8: a name or metadata string with a lone surrogate cannot exist in the format. */
function checkWellFormed(s: string, what: string): void {
  const m = LONE_SURROGATE.exec(s);
  if (m) {
    const cu = m[0].charCodeAt(0).toString(16);
    throw new SafetensorsError(`${what}: lone surrogate U+${cu} at index ${m.index} is not valid Unicode`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------------------
// UTF-8 (strict: no overlongs, no surrogates, nothing above U+10FFFF), as Rust's `str::from_utf8` demands.

function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  const units = new Uint16Array(end - start);
  let n = 0;
  let i = start;
  while (i < end) {
    const b0 = bytes[i];
    if (b0 < 0x80) {
      units[n++] = b0;
      i += 1;
      continue;
    }
    let need: number;
    let cp: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      cp = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      cp = b0 & 0x0f;
      if (b0 === 0xe0) lo = 0xa0;
      if (b0 === 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      cp = b0 & 0x07;
      if (b0 === 0xf0) lo = 0x90;
      if (b0 === 0xf4) hi = 0x8f;
    } else {
      throw new SafetensorsError(`header: byte 0x${b0.toString(16)} at offset ${i} is not valid UTF-8`);
    }
    if (i + need >= end) {
      throw new SafetensorsError(`header: UTF-8 sequence at offset ${i} is cut off by the header end`);
    }
    for (let k = 1; k <= need; k++) {
      const b = bytes[i + k];
      if (b < lo || b > hi) {
        throw new SafetensorsError(`header: byte 0x${b.toString(16)} at offset ${i + k} is not valid UTF-8`);
      }
      lo = 0x80;
      hi = 0xbf;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp > 0xffff) {
      cp -= 0x10000;
      units[n++] = 0xd800 | (cp >> 10);
      units[n++] = 0xdc00 | (cp & 0x3ff);
    } else {
      units[n++] = cp;
    }
    i += need + 1;
  }
  const parts: string[] = [];
  for (let p = 0; p < n; p += 4096) parts.push(String.fromCharCode(...units.subarray(p, Math.min(n, p + 4096))));
  return parts.join("");
}

function encodeUtf8(s: string, what: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i) as number;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      throw new SafetensorsError(`${what}: lone surrogate U+${cp.toString(16)} at index ${i} cannot be UTF-8`);
    }
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else {
      out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
      i++;
    }
  }
  return Uint8Array.from(out);
}

/** Compare by Unicode code point, which is UTF-8 byte order: how Rust's `String: Ord` sorts names. */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(i) as number;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

// ---------------------------------------------------------------------------------------------------------
// Reading

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  count: number;
  begin: number;
  end: number;
}

/** Element count of a validated shape; throws when it exceeds 2^53. */
function elementCount(shape: number[], where: string): number {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (!Number.isSafeInteger(count)) {
      throw new SafetensorsError(`${where}: shape ${show(shape)} has more than 2^53 elements`);
    }
  }
  return count;
}

function checkEntry(name: string, raw: unknown, bufferLength: number): Entry {
  const who = label(name);
  if (!isPlainObject(raw)) {
    throw new SafetensorsError(`${who}: entry is ${show(raw)}; expected an object {dtype, shape, data_offsets}`);
  }
  for (const key of Object.keys(raw)) {
    if (!ENTRY_FIELDS.includes(key)) {
      throw new SafetensorsError(`${who}: unexpected field ${label(key)}; expected only dtype, shape, data_offsets`);
    }
  }
  for (const key of ENTRY_FIELDS) {
    if (!(key in raw)) throw new SafetensorsError(`${who}: missing field ${key}`);
  }
  const dtype = raw.dtype;
  if (!isDtype(dtype)) {
    throw new SafetensorsError(
      `${who}: dtype ${show(dtype)} is not supported; expected one of ${Object.keys(DTYPE_SIZE).join(", ")}`,
    );
  }
  const shape = raw.shape;
  if (!Array.isArray(shape)) {
    throw new SafetensorsError(`${who}: shape ${show(shape)} is not an array; expected e.g. [4, 3]`);
  }
  const dims: number[] = [];
  (shape as unknown[]).forEach((d, k) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw new SafetensorsError(`${who}: shape[${k}] is ${show(d)}; expected a non-negative integer`);
    }
    dims.push(d);
  });
  const offsets = raw.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !(offsets as unknown[]).every((v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0)
  ) {
    throw new SafetensorsError(`${who}: data_offsets ${show(offsets)}; expected [begin, end], non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    throw new SafetensorsError(`${who}: data_offsets [${begin}, ${end}] end before they begin`);
  }
  if (end > bufferLength) {
    throw new SafetensorsError(
      `${who}: data_offsets [${begin}, ${end}] reach past the byte buffer, which holds ${bufferLength} bytes`,
    );
  }
  const count = elementCount(dims, who);
  const needed = count * DTYPE_SIZE[dtype];
  if (end - begin !== needed) {
    throw new SafetensorsError(
      `${who}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${dims.join(",")}] of ${dtype} needs ${needed}`,
    );
  }
  return { name, dtype, shape: dims, count, begin, end };
}

function decodeInto(out: Float64Array, view: DataView, at: number, e: Entry): void {
  const n = e.count;
  switch (e.dtype) {
    case "F64":
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, true);
      return;
    case "F32":
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, true);
      return;
    case "F16":
      for (let i = 0; i < n; i++) out[i] = halfToNumber(view.getUint16(at + 2 * i, true));
      return;
    case "BF16":
      for (let i = 0; i < n; i++) out[i] = bfloat16ToNumber(view.getUint16(at + 2 * i, true));
      return;
    case "I32":
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, true);
      return;
    case "I64":
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(at + 8 * i, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new SafetensorsError(
            `${label(e.name)}: I64 element ${i} is ${v}, outside the float64-exact range ±(2^53 - 1)`,
          );
        }
        out[i] = Number(v);
      }
      return;
  }
}


const bf16Scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 bits (the top half of a binary32) to its exact value. */
function bfloat16ToNumber(b: number): number {
  bf16Scratch.setUint32(0, b << 16);
  return bf16Scratch.getFloat32(0);
}

/**
 * Parse a safetensors file into float64 tensors and its `__metadata__`, validating the whole header first.
 * Throws SafetensorsError naming the tensor, field, value and expectation.
 */
export function parseSafetensors(bytes: Uint8Array, opts: ParseSafetensorsOptions = {}): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError("input: expected a Uint8Array");
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== "number" || !(maxBytes >= 0)) {
    throw new SafetensorsError(`opts.maxBytes is ${show(maxBytes)}; expected a non-negative number`);
  }
  if (bytes.length < 8) {
    throw new SafetensorsError(`file: ${bytes.length} bytes is too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLength = hi * 2 ** 32 + lo; // exact below 2^53, and anything >= 2^32 fails the next check
  if (headerLength > MAX_HEADER_BYTES) {
    throw new SafetensorsError(`header length ${headerLength} exceeds the 100000000-byte limit`);
  }
  if (headerLength > bytes.length - 8) {
    throw new SafetensorsError(
      `header length ${headerLength} reaches past the end of the file (${bytes.length - 8} bytes after the length field)`,
    );
  }
  const text = decodeUtf8(bytes, 8, 8 + headerLength);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.slice(0, 160) : "";
    throw new SafetensorsError(`header: not valid JSON (${why})`);
  }
  if (!isPlainObject(header)) {
    throw new SafetensorsError(`header: JSON is ${show(header)}; expected an object of tensors`);
  }

  const bufferStart = 8 + headerLength;
  const bufferLength = bytes.length - bufferStart;
  const entries: Entry[] = [];
  const metadataEntries: [string, string][] = [];
  for (const key of Object.keys(header)) {
    const raw = header[key];
    if (key === METADATA_KEY) {
      if (!isPlainObject(raw)) {
        throw new SafetensorsError(`__metadata__ is ${show(raw)}; expected an object of strings`);
      }
      for (const mk of Object.keys(raw)) {
        const mv = raw[mk];
        if (typeof mv !== "string") {
          throw new SafetensorsError(`__metadata__.${label(mk)} is ${show(mv)}; expected a string`);
        }
        checkWellFormed(mk, "__metadata__ key");
        checkWellFormed(mv, `__metadata__.${label(mk)}`);
        metadataEntries.push([mk, mv]);
      }
      continue;
    }
    checkWellFormed(key, "tensor name");
    entries.push(checkEntry(key, raw, bufferLength));
  }

  // Tile check: sorted by (begin, end), each tensor must start where the previous one ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin < cursor && previous) {
      throw new SafetensorsError(
        `${label(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap ${label(previous.name)}'s [${previous.begin}, ${previous.end}]`,
      );
    }
    if (e.begin > cursor) {
      throw new SafetensorsError(
        `${label(e.name)}: data_offsets [${e.begin}, ${e.end}] leave a hole of ${e.begin - cursor} unreferenced bytes at [${cursor}, ${e.begin}]; the tensors must cover the byte buffer exactly`,
      );
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== bufferLength) {
    throw new SafetensorsError(
      `byte buffer: ${bufferLength} bytes but the tensors cover only [0, ${cursor}]; ${bufferLength - cursor} trailing bytes are unreferenced`,
    );
  }
  let totalElements = 0;
  for (const e of entries) totalElements += e.count;
  if (totalElements * 8 > maxBytes) {
    throw new SafetensorsError(
      `tensors: ${totalElements} elements decode to ${totalElements * 8} bytes of float64, above maxBytes ${maxBytes}`,
    );
  }

  // Everything checks out: allocate and decode.
  const tensors = new Map<string, Tensor>();
  for (const e of entries) {
    const data = new Float64Array(e.count);
    decodeInto(data, view, bufferStart + e.begin, e);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata: Object.fromEntries(metadataEntries) };
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/**
 * Serialize F64/F32 tensors to safetensors bytes, byte-identical to the reference crate's `serialize`
 * (used by `safetensors.torch.save_file`): tensors sorted by descending dtype (F64 before F32), then by
 * name in code-point order; compact JSON with `__metadata__` first; header padded with spaces to a
 * multiple of 8; little-endian data. The crate keeps metadata in a HashMap (unspecified order), so we
 * write its keys sorted; with 0 or 1 key that is exactly its output. Omitting `metadata` omits the key.
 */
export function serializeSafetensors(
  tensors: Iterable<[string, SafetensorsInput]>,
  metadata?: Record<string, string>,
): Uint8Array {
  const items: { name: string; t: SafetensorsInput; count: number }[] = [];
  const seen = new Set<string>();
  for (const [name, t] of tensors) {
    if (typeof name !== "string") throw new SafetensorsError(`tensor name ${show(name)}: expected a string`);
    const who = label(name);
    if (name === METADATA_KEY) throw new SafetensorsError(`${who}: the name is reserved for metadata`);
    checkWellFormed(name, "tensor name");
    if (seen.has(name)) throw new SafetensorsError(`${who}: duplicate tensor name`);
    seen.add(name);
    if (t.dtype !== "F64" && t.dtype !== "F32") {
      throw new SafetensorsError(`${who}: dtype ${show(t.dtype)} cannot be written; expected F64 or F32`);
    }
    if (!Array.isArray(t.shape)) throw new SafetensorsError(`${who}: shape ${show(t.shape)} is not an array`);
    t.shape.forEach((d, k) => {
      if (!Number.isSafeInteger(d) || d < 0) {
        throw new SafetensorsError(`${who}: shape[${k}] is ${show(d)}; expected a non-negative integer`);
      }
    });
    const count = elementCount(t.shape, who);
    if (t.data.length !== count) {
      throw new SafetensorsError(
        `${who}: data has ${t.data.length} values but shape [${t.shape.join(",")}] needs ${count}`,
      );
    }
    items.push({ name, t, count });
  }
  items.sort((a, b) => DTYPE_RANK[b.t.dtype] - DTYPE_RANK[a.t.dtype] || compareCodePoints(a.name, b.name));

  // JSON.stringify escapes strings exactly as serde_json does (\" \\ \b \f \n \r \t, other controls as
  // lowercase \u00xx, everything else verbatim), so the header text matches the crate's.
  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(compareCodePoints);
    const fields = keys.map((k) => {
      const v = metadata[k];
      if (typeof v !== "string") throw new SafetensorsError(`metadata.${label(k)} is ${show(v)}; expected a string`);
      checkWellFormed(k, "metadata key");
      checkWellFormed(v, `metadata.${label(k)}`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"${METADATA_KEY}":{${fields.join(",")}}`);
  }
  let offset = 0;
  for (const { name, t, count } of items) {
    const size = count * DTYPE_SIZE[t.dtype];
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${offset + size}]}`,
    );
    offset += size;
  }
  const json = encodeUtf8(`{${parts.join(",")}}`, "header");
  const headerLength = json.length + ((8 - (json.length % 8)) % 8);

  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const { t, count } of items) {
    const d = t.data;
    if (t.dtype === "F64") {
      for (let i = 0; i < count; i++, at += 8) view.setFloat64(at, d[i], true);
    } else {
      for (let i = 0; i < count; i++, at += 4) view.setFloat32(at, d[i], true);
    }
  }
  return out;
}
