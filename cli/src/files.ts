/** File access at the CLI's edge: size-checked reads that name the flag, and atomic writes. */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { NpyError, parseNpy, type NpyArray } from "../../core/src/index";
import { UsageError } from "./errors";

/** Largest input file the CLI reads (weights, arrays, configs). */
export const MAX_FILE_BYTES = 2 * 1024 ** 3;

/** Reads a whole file as bytes; a missing, unreadable or oversized file is a UsageError naming the flag. */
export function readBytes(flag: string, path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UsageError(`${flag}: ${path} is not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${flag}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (size > MAX_FILE_BYTES) throw new UsageError(`${flag}: ${path} is ${size} bytes; at most ${MAX_FILE_BYTES} allowed`);
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Creates folder `path` (and its parents); failure (a file in the way, no permission, "") is a UsageError naming the flag. */
export function makeDir(flag: string, path: string): void {
  try {
    if (path === "") throw Object.assign(new Error("empty path"), { code: "an empty path" });
    mkdirSync(path, { recursive: true });
  } catch (e) {
    throw new UsageError(`${flag}: cannot create the folder ${JSON.stringify(path)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Reads a .npy file; format errors become UsageErrors naming the flag. */
export function readNpy(flag: string, path: string): NpyArray {
  const bytes = readBytes(flag, path);
  try {
    return parseNpy(bytes);
  } catch (e) {
    if (e instanceof NpyError) throw new UsageError(`${flag}: ${path}: ${e.message}`);
    throw e;
  }
}

/** Throws a UsageError naming the flag and position of the first non-finite value. */
export function checkFinite(flag: string, data: ArrayLike<number>, shape: readonly number[]): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const idx: number[] = [];
      let r = i;
      for (let d = shape.length - 1; d >= 0; d--) { idx.unshift(r % shape[d]); r = Math.floor(r / shape[d]); }
      throw new UsageError(`${flag}: holds ${data[i]} at index (${idx.join(", ")}); every value must be finite`);
    }
  }
}

/** Writes text to `path` atomically: a temp file in the same folder, fsync, then rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, "w");
    try {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw new UsageError(`cannot write ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
