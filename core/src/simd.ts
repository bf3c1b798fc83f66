/**
 * The WebAssembly SIMD (f64x2) GEMM kernels of core/wasm/gemm.ts, behind the signatures of linalg.ts's
 * gemmNT, gemmNN and gemmTN. They compute the same sums in the same order as those JavaScript
 * references, so they are bit-identical to them (test/simd.test.ts); linalg's blocked kernels hand a
 * product over when it is big enough to pay for copying its operands into the module's memory.
 *
 * The module is compiled from AssemblyScript at install/test time (scripts/build-wasm.mjs) and arrives
 * here as base64, so it loads synchronously and identically in Node and in the browser. If WebAssembly
 * or its SIMD is missing (or the module fails to instantiate), every product stays in JavaScript.
 *
 * Memory: one linear memory, grown on demand and never shrunk; the operands of one call are copied in
 * (strided rows packed densely; a dense block is one memcpy), the kernel runs, C is copied back. Batched
 * NT and NN products read B as packed 4-column panels (pnn); inside withPinned, those of a block of the
 * pinned weights are made once per pin, so the time loop copies only the activations. Nothing is allocated per call except
 * when the memory grows (a new Float64Array view over the new buffer).
 */
import { WASM_BASE64 } from "./wasm/gemm.generated";

// core compiles against ES2022 only (no DOM, no @types/node), and WebAssembly and atob belong to
// neither: declare the little this module uses, as both Node and browsers provide it.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: unknown;
};
declare function atob(data: string): string;

interface WasmMemory { buffer: ArrayBuffer; grow(pages: number): number }
type Kernel = (c: number, ldc: number, a: number, lda: number, b: number, ldb: number, M: number, N: number, K: number, work?: number) => void;
type TailKernel = (c: number, ldc: number, a: number, lda: number, b: number, ldb: number, M: number, n0: number, N: number, K: number) => void;
type RowKernel = (y: number, w: number, ldw: number, x: number, N: number, K: number, fromY: number) => void;
type Cgs2Kernel = (x: number, ld: number, rows: number, cols: number, qt: number, r: number, out: number) => void;
interface GemmModule {
  memory: WasmMemory; heapBase(): number; tn: Kernel; mv: RowKernel; cgs2: Cgs2Kernel;
  packT(w: number, b: number, ldb: number, N4: number, K: number): void;
  pack(w: number, b: number, ldb: number, N4: number, K: number): void;
  ntTail: TailKernel; nnTail: TailKernel;
  pnn(c: number, ldc: number, a: number, lda: number, p: number, M: number, N: number, K: number, fromC: number): void;
  demote(dst: number, src: number, n: number): void;
  packT32(w: number, b: number, ldb: number, N8: number, K: number): void;
  pack32(w: number, b: number, ldb: number, N8: number, K: number): void;
  pnn32(c: number, ldc: number, a: number, lda: number, p: number, M: number, N: number, K: number): void;
  tail32(c: number, ldc: number, a: number, lda: number, b: number, ldb: number, M: number, n0: number, N: number, K: number, nt: number): void;
  tn32(s: number, a: number, lda: number, b: number, ldb: number, M: number, N: number, K: number, w: number): void;
  colDots(yi: number, yj: number, n: number, out: number): void;
  colRotate(yi: number, yj: number, n: number, a: number, tau: number, si: number, sj: number): void;
  jacobiScan(y: number, n: number, order: number, ell: number, start: number, tol: number, out: number): number;
  activateRows(kind: number, p: number, rows: number, ld: number, n: number): void;
}

export type GemmBackend = "wasm" | "js";
export type MatmulPrecision = "float64" | "float32";

let mod: GemmModule | null = null;
let tried = false;
let wanted: GemmBackend = "wasm";
let heap = new Float64Array(0);
let heap32 = new Float32Array(0); // the same memory, as floats (float32 products' operands)
let precision: MatmulPrecision = "float64";
let base = 0; // first free element of heap
// A pinned array (withPinned): its copy sits at heap[pinAt ..), and products whose B operand lies in it
// read it there instead of copying it again. Scratch for the operands of one call starts at `scratch`.
let pinX: Float64Array | null = null;
let pinAt = 0;
let scratch = 0;
// Transposed copies of blocks of the pinned array, made on first use by a batch-1 product (simdMatvecRow)
// and kept until the pin ends: quintuples [wOff, ldw, N, K, heap index of the K×N copy].
const pinT: number[] = [];
// Packed panels of blocks of the pinned array (the B operand of a batched product, as the pnn kernel
// streams it), made on first use and kept until the pin ends: [bOff, ldb, rows, cols, nt, heap index].
const pinP: number[] = [];

function load(): GemmModule | null {
  if (tried) return mod;
  tried = true;
  try {
    if (typeof WebAssembly !== "object" || typeof atob !== "function") return null;
    const text = atob(WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { abort() { throw new Error("wasm abort"); } } }).exports;
    mod = ex as unknown as GemmModule;
    base = mod.heapBase() / 8;
    scratch = base;
    heap = new Float64Array(mod.memory.buffer);
    heap32 = new Float32Array(mod.memory.buffer);
  } catch {
    mod = null; // no WebAssembly SIMD here: validation of the module failed. JavaScript it is.
  }
  return mod;
}

/**
 * Chooses where linalg's large products run: "wasm" (the default; it falls back to JavaScript when
 * WebAssembly SIMD is unavailable) or "js". Both give the same bits; "js" exists to measure and test.
 */
export function setGemmBackend(backend: GemmBackend): void {
  if (backend !== "wasm" && backend !== "js") throw new RangeError(`backend must be "wasm" or "js", got ${String(backend)}`);
  wanted = backend;
}

/** The backend large products actually use now: "wasm" only if it was asked for and loads. */
export function gemmBackend(): GemmBackend {
  return wanted === "wasm" && load() !== null ? "wasm" : "js";
}

/**
 * The precision of the large matrix products (those linalg's blocked kernels hand to WebAssembly:
 * at least SIMD_MIN_WORK multiply-adds), process-wide, as torch.set_float32_matmul_precision is:
 *   "float64" (the default): every product in float64, the bits of the JavaScript references;
 *   "float32": operands rounded to float32 and each sum taken in float32 (f32x4, twice the lanes, about
 *     twice the speed), then added to the float64 result: linalg's gemmNT32/NN32/TN32, bit for bit (simdGemmNT/NN/TN
 *     read this switch), which also run where WebAssembly SIMD is missing. Everything else (activations, the batch-1
 *     matrix-vector products, the analyses' QR) stays float64. Gradients then agree with float64 to
 *     about 1e-6 relative, not to the last bit: for speed in the batched regime, not for gradient checks.
 */
export function setMatmulPrecision(p: MatmulPrecision): void {
  if (p !== "float64" && p !== "float32") throw new RangeError(`matmul precision must be "float64" or "float32", got ${String(p)}`);
  precision = p;
}

/** The precision of large matrix products now (setMatmulPrecision). */
export function matmulPrecision(): MatmulPrecision {
  return precision;
}

/** Bytes of the WebAssembly module's linear memory now (0 before it loads): it grows on demand and never shrinks. */
export function wasmMemoryBytes(): number {
  return mod ? mod.memory.buffer.byteLength : 0;
}

/**
 * Runs fn with X copied once into the module's memory, so that every large product inside fn whose B
 * operand (the weight matrix, in BPTT) lies in X reads that copy instead of copying its slice again at
 * every timestep. X MUST NOT change while fn runs: the copy is not refreshed. Nested calls with the same
 * X reuse the copy; with another X, the inner call runs unpinned. Without the wasm backend, just fn().
 */
export function withPinned<T>(X: Float64Array, fn: () => T): T {
  // scratch !== base: an open WasmColumns holds the memory the copy would go to; run unpinned
  if (pinX !== null || !(X instanceof Float64Array) || wanted !== "wasm" || load() === null || scratch !== base || !reserve(X.length)) return fn();
  pinX = X;
  pinAt = base;
  scratch = base + X.length + (X.length & 1); // keep scratch 16-byte aligned
  copyIn(pinAt, X, 0, X.length, 1, X.length);
  try {
    return fn();
  } finally {
    pinX = null;
    scratch = base;
    pinT.length = 0;
    pinP.length = 0;
  }
}

/** Blocks of the pinned array packed as panels for batched products in the current pin (tests: the panel path ran). */
export function pinnedPanelBlocks(): number {
  return pinP.length / 6;
}

/** True while X is pinned by withPinned (so batch-1 products over it may run in WebAssembly). */
export function isPinned(X: Float64Array): boolean {
  return X === pinX && wanted === "wasm";
}

/**
 * Where B[bOff + r·ldb + c] (r < rows, c < cols) can be read in the module without a copy: its index
 * in heap if B is the pinned array, else -1.
 */
function pinned(B: Float64Array, bOff: number, ldb: number, rows: number, cols: number): number {
  if (B !== pinX || rows === 0) return -1;
  return bOff + (rows - 1) * ldb + cols <= B.length ? pinAt + bOff : -1;
}

/** Makes heap hold at least n doubles from `scratch`; returns false if the memory cannot grow. */
function reserve(n: number): boolean {
  const need = (scratch + n) * 8;
  const have = mod!.memory.buffer.byteLength;
  if (need <= have) return true;
  try {
    mod!.memory.grow(Math.ceil((need - have) / 65536));
  } catch {
    return false;
  }
  heap = new Float64Array(mod!.memory.buffer);
  heap32 = new Float32Array(mod!.memory.buffer);
  return true;
}

/**
 * heap[dst + r·cols + c] = X[off + r·ld + c] for r < rows, c < cols. A dense block (ld = cols) goes as
 * one TypedArray.set of a subarray view: a memcpy, 6-8× faster than the element loop here (0.10-0.14
 * against 0.8 ns per double, 4k-16k doubles). The view is the one allocation in the time loop, a
 * ~100-byte young object per copy, never a buffer: DESIGN's "no subarray in hot loops", relaxed for it.
 */
function copyIn(dst: number, X: Float64Array, off: number, ld: number, rows: number, cols: number): void {
  const h = heap;
  if (ld === cols && off + rows * cols <= X.length) {
    h.set(X.subarray(off, off + rows * cols), dst); // one memcpy (a view, not a copy, is made)
    return;
  }
  for (let r = 0; r < rows; r++) {
    const s = off + r * ld;
    const d = dst + r * cols;
    for (let c = 0; c < cols; c++) h[d + c] = X[s + c];
  }
}

/** heap[dst + c·rows + r] = X[off + r·ld + c]: X (rows × cols) stored transposed, cols × rows. */
function copyInT(dst: number, X: Float64Array, off: number, ld: number, rows: number, cols: number): void {
  const h = heap;
  for (let r = 0; r < rows; r++) {
    const s = off + r * ld;
    for (let c = 0; c < cols; c++) h[dst + c * rows + r] = X[s + c];
  }
}

function copyOut(X: Float64Array, off: number, ld: number, src: number, rows: number, cols: number): void {
  const h = heap;
  if (ld === cols && off + rows * cols <= X.length) {
    X.set(h.subarray(src, src + rows * cols), off);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const d = off + r * ld;
    const s = src + r * cols;
    for (let c = 0; c < cols; c++) X[d + c] = h[s + c];
  }
}

/** Rows per chunk so that a chunk of `width` doubles per row stays near 2 MB (the memory stays small). */
function chunkRows(width: number): number {
  return Math.max(4, Math.floor(262144 / Math.max(1, width)));
}

/**
 * C += A·Bᵀ (linalg's gemmNT; with float32 products, gemmNT32) in WebAssembly. Bᵀ goes in as pnn's
 * panels (lanes over columns of C); rows of C are independent sums, so M is taken in chunks. Returns
 * false (and does nothing) when the wasm backend is off or unavailable.
 */
export function simdGemmNT(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): boolean {
  return byRowChunks(true, precision === "float32", C, cOff, ldc, A, aOff, lda, B, bOff, ldb, M, N, K);
}

/**
 * C += A·Bᵀ in WebAssembly in float64 whatever the matmul precision: for measurements (the ledger's
 * Gram matrices) that must not change with setMatmulPrecision. False when not run.
 */
export function simdGemmNT64(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): boolean {
  return byRowChunks(true, false, C, cOff, ldc, A, aOff, lda, B, bOff, ldb, M, N, K);
}

/** C += A·B (linalg's gemmNN; with float32 products, gemmNN32) in WebAssembly; rows of C (and of A) in chunks. False when not run. */
export function simdGemmNN(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): boolean {
  return byRowChunks(false, precision === "float32", C, cOff, ldc, A, aOff, lda, B, bOff, ldb, M, N, K);
}

/**
 * NT (B is N×K) or NN (B is K×N) through pnn: the first Nw = N - N % 4 columns of the K×N operand P
 * (Bᵀ for NT, B for NN) as packed panels, then the rows of A and C in chunks, copied in as they are,
 * multiplied and copied back; the last N % 4 columns are summed one entry at a time (ntTail, nnTail),
 * in the same order. A block of the pinned weights has its panels made once per pin (pinnedPanels);
 * any other B is copied in and packed for this call (packT, pack).
 * f32 (float32 products): Nw = N - N % 8 columns as pnn32's 8-column float32 panels; each chunk of A is
 * copied in as float64 and rounded into a float32 area by the module (demote); pnn32 and tail32 add
 * their float32 sums to C's float64 rows. Heap indices count doubles: n floats take ⌈n/2⌉ of them.
 */
function byRowChunks(
  nt: boolean, f32: boolean,
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): boolean {
  if (wanted !== "wasm" || load() === null) return false;
  const Nw = f32 ? N & ~7 : N & ~3;
  let panels = B === pinX && Nw > 0 ? pinnedPanels(nt, bOff, ldb, Nw, K, f32) : -1;
  const bRows = nt ? N : K, bCols = nt ? K : N;
  const at = pinned(B, bOff, ldb, bRows, bCols);
  // B itself is needed for packing (no cached panels) and for the tail columns
  const nb = at < 0 && (panels < 0 || Nw < N) ? even(bRows * bCols) : 0;
  const work = panels < 0 ? panelDoubles(Nw, K, f32) : 0;
  const mc = Math.min(M, chunkRows(K + N));
  const na = even(mc * K), na32 = f32 ? even(Math.ceil((mc * K) / 2)) : 0; // C's rows start 16-byte aligned
  if (!reserve(nb + work + na + na32 + mc * N)) return false;
  const pb = at < 0 ? scratch : at, ld = at < 0 ? bCols : ldb;
  const pa = scratch + nb + work, pa32 = pa + na, pc = pa32 + na32;
  if (nb > 0) copyIn(pb, B, bOff, ldb, bRows, bCols);
  if (panels < 0 && Nw > 0) {
    panels = scratch + nb;
    packPanels(nt, f32, panels, pb, ld, Nw, K);
  }
  for (let m0 = 0; m0 < M; m0 += mc) {
    const rows = Math.min(mc, M - m0);
    copyIn(pa, A, aOff + m0 * lda, lda, rows, K);
    if (f32) mod!.demote(pa32 * 8, pa * 8, rows * K);
    copyIn(pc, C, cOff + m0 * ldc, ldc, rows, N);
    if (f32) {
      if (Nw > 0) mod!.pnn32(pc * 8, N, pa32 * 8, K, panels * 8, rows, Nw, K);
      if (Nw < N) mod!.tail32(pc * 8, N, pa32 * 8, K, pb * 8, ld, rows, Nw, N, K, nt ? 1 : 0);
    } else {
      if (Nw > 0) mod!.pnn(pc * 8, N, pa * 8, K, panels * 8, rows, Nw, K, nt ? 2 : 1);
      if (Nw < N) (nt ? mod!.ntTail : mod!.nnTail)(pc * 8, N, pa * 8, K, pb * 8, ld, rows, Nw, N, K);
    }
    copyOut(C, cOff + m0 * ldc, ldc, pc, rows, N);
  }
  return true;
}

/** Doubles of heap that the panels of the first Nw columns of a K-row operand take (float32: half). */
function panelDoubles(Nw: number, K: number, f32: boolean): number {
  return f32 ? (Nw * K) / 2 : Nw * K; // Nw is a multiple of 8 for float32: a whole, even number
}

/** Packs the panels of the K×N operand (Bᵀ for NT, B for NN) of the float64 B at heap[src ..) into heap[at ..). */
function packPanels(nt: boolean, f32: boolean, at: number, src: number, ld: number, Nw: number, K: number): void {
  if (f32) (nt ? mod!.packT32 : mod!.pack32)(at * 8, src * 8, ld, Nw, K);
  else (nt ? mod!.packT : mod!.pack)(at * 8, src * 8, ld, Nw, K);
}

/**
 * Where the first N4 columns of the K×N operand of a product over the pinned array sit as pnn's packed
 * panels, packed on first use from the pinned copy: P = Bᵀ for NT (B is N×K at bOff, row stride ldb),
 * P = B for NN (B is K×N); with f32, pnn32's 8-column float32 panels (N4 then a multiple of 8). -1 if
 * that block is not inside the pinned array or the memory cannot grow.
 */
function pinnedPanels(nt: boolean, bOff: number, ldb: number, N4: number, K: number, f32: boolean): number {
  const rows = nt ? N4 : K, cols = nt ? K : N4, t = (nt ? 1 : 0) + (f32 ? 2 : 0);
  for (let i = 0; i < pinP.length; i += 6) {
    if (pinP[i] === bOff && pinP[i + 1] === ldb && pinP[i + 2] === rows && pinP[i + 3] === cols && pinP[i + 4] === t) return pinP[i + 5];
  }
  const src = pinned(pinX!, bOff, ldb, rows, cols);
  const size = panelDoubles(N4, K, f32);
  if (src < 0 || !reserve(size)) return -1;
  const at = scratch;
  packPanels(nt, f32, at, src, ldb, N4, K);
  scratch += even(size);
  pinP.push(bOff, ldb, rows, cols, t, at);
  return at;
}

/**
 * C += Aᵀ·B (linalg's gemmTN) in WebAssembly. The summed rows k come in chunks, the LAST chunk first,
 * and the kernel takes each chunk from its last row, so every entry adds rows K-1 … 0 in order, as the
 * reference does; C stays in the module across chunks. False when not run.
 * With float32 products (gemmTN32), tn32 sums into a float32 S (M×N) that stays in the module across
 * the chunks instead, and C += S at the end, so the chunking does not change the sums.
 */
export function simdGemmTN(
  C: Float64Array, cOff: number, ldc: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  M: number, N: number, K: number,
): boolean {
  if (wanted !== "wasm" || load() === null) return false;
  const f32 = precision === "float32";
  const kc = Math.min(K, chunkRows(M + N));
  // the sums (C, or float32 S), the chunks of A and B, and the kernel's work space: every panel of the
  // B chunk (4 doubles or 8 floats wide) and one 4-column strip of A
  const ns = f32 ? even(Math.ceil((M * N) / 2)) : even(M * N);
  const nw = f32 ? even(Math.ceil((kc * ((N & ~7) + 4)) / 2)) : kc * (N + 4);
  if (!reserve(ns + even(kc * M) + even(kc * N) + nw)) return false;
  const pc = scratch, pa = pc + ns, pb = pa + even(kc * M), pw = pb + even(kc * N);
  if (f32) heap32.fill(0, pc * 2, pc * 2 + M * N);
  else copyIn(pc, C, cOff, ldc, M, N);
  for (let k1 = K; k1 > 0; k1 -= kc) {
    const k0 = Math.max(0, k1 - kc);
    const rows = k1 - k0;
    copyIn(pa, A, aOff + k0 * lda, lda, rows, M);
    copyIn(pb, B, bOff + k0 * ldb, ldb, rows, N);
    if (f32) mod!.tn32(pc * 8, pa * 8, M, pb * 8, N, M, N, rows, pw * 8);
    else mod!.tn(pc * 8, N, pa * 8, M, pb * 8, N, M, N, rows, pw * 8);
  }
  if (!f32) {
    copyOut(C, cOff, ldc, pc, M, N);
    return true;
  }
  const h32 = heap32;
  for (let m = 0; m < M; m++) {
    const c = cOff + m * ldc, s = pc * 2 + m * N;
    for (let n = 0; n < N; n++) C[c + n] += h32[s + n];
  }
  return true;
}

/** n rounded up to even (keeps the next area 16-byte aligned). */
function even(n: number): number {
  return n + (n & 1);
}

/**
 * Below this many multiply-adds (N·K) a batch-1 product stays in JavaScript: copying x and y across and
 * the call cost about as much as a 16×16 product saves.
 */
export const SIMD_ROW_MIN_WORK = 512;

/**
 * Where the K×N transpose of the pinned block W[wOff + n·ldw + k] (n < N, k < K) sits in heap, made on
 * first use; -1 if W is not the pinned array or the memory cannot grow.
 */
function pinnedTransposed(W: Float64Array, wOff: number, ldw: number, N: number, K: number): number {
  if (W !== pinX) return -1;
  for (let i = 0; i < pinT.length; i += 5) {
    if (pinT[i] === wOff && pinT[i + 1] === ldw && pinT[i + 2] === N && pinT[i + 3] === K) return pinT[i + 4];
  }
  if (wOff + (N - 1) * ldw + K > W.length) return -1;
  const size = N * K + ((N * K) & 1);
  if (!reserve(size)) return -1;
  const at = scratch;
  copyInT(at, W, wOff, ldw, N, K);
  scratch += size;
  pinT.push(wOff, ldw, N, K, at);
  return at;
}

/**
 * Copies x into scratch and runs mv over the matrix at heap[w ..) (row stride ldw). fromY = 1: y is
 * copied in, summed onto and copied back; fromY = 0: the kernel returns the sums s and y += s here.
 */
function rowProduct(y: Float64Array, yOff: number, x: Float64Array, xOff: number, w: number, ldw: number, N: number, K: number, fromY: number): boolean {
  if (!reserve(K + N + 1)) return false;
  const px = scratch, py = scratch + K + (K & 1);
  const h = heap;
  for (let k = 0; k < K; k++) h[px + k] = x[xOff + k];
  if (fromY) for (let n = 0; n < N; n++) h[py + n] = y[yOff + n];
  mod!.mv(py * 8, w * 8, ldw, px * 8, N, K, fromY);
  if (fromY) for (let n = 0; n < N; n++) y[yOff + n] = h[py + n];
  else for (let n = 0; n < N; n++) y[yOff + n] += h[py + n];
  return true;
}

/**
 * cells/row-kernels.ts's matvecRow in WebAssembly: y[yOff + n] += Σ_k x[xOff + k]·W[wOff + n·ldw + k],
 * each sum from 0 for k ascending, so the same bits. Runs only inside withPinned with W the pinned
 * array (it reads a transposed copy of the block, made once per pin) and N·K ≥ SIMD_ROW_MIN_WORK;
 * returns false, having done nothing, otherwise.
 */
export function simdMatvecRow(y: Float64Array, yOff: number, W: Float64Array, wOff: number, ldw: number, x: Float64Array, xOff: number, N: number, K: number): boolean {
  if (W !== pinX || wanted !== "wasm" || N * K < SIMD_ROW_MIN_WORK) return false;
  const at = pinnedTransposed(W, wOff, ldw, N, K);
  return at >= 0 && rowProduct(y, yOff, x, xOff, at, N, N, K, 0);
}

/**
 * cells/row-kernels.ts's vecmatRow in WebAssembly: y[yOff + n] = y[yOff + n] + Σ_k x[xOff + k]·W[wOff + k·ldw + n],
 * added one k at a time from y, k ascending: the same bits. W is read in place in the pinned copy.
 * Runs only inside withPinned with W the pinned array and N·K ≥ SIMD_ROW_MIN_WORK; false otherwise.
 */
export function simdVecmatRow(y: Float64Array, yOff: number, x: Float64Array, xOff: number, W: Float64Array, wOff: number, ldw: number, N: number, K: number): boolean {
  if (W !== pinX || wanted !== "wasm" || N * K < SIMD_ROW_MIN_WORK) return false;
  const at = pinned(W, wOff, ldw, K, N);
  return at >= 0 && rowProduct(y, yOff, x, xOff, at, ldw, N, K, 1);
}

/**
 * linalg.ts's orthonormalizeRowsCgs2 in WebAssembly (the Lyapunov loop's QR): the rows are copied in,
 * orthonormalized with the same operations in the same order, and copied back; log R_ii = ln mx + ½ ln s
 * is taken here from the kernel's (mx, s), as the JavaScript reference takes it. The same bits.
 * False, having done nothing, when the wasm backend is off or unavailable.
 */
export function simdOrthonormalizeRowsCgs2(logR: Float64Array, logOff: number, X: Float64Array, xOff: number, ld: number, rows: number, cols: number): boolean {
  if (wanted !== "wasm" || load() === null) return false;
  const nx = rows * cols + ((rows * cols) & 1), nr = rows + (rows & 1);
  if (!reserve(2 * nx + nr + 2 * rows)) return false;
  const px = scratch, pq = px + nx, pr = pq + nx, po = pr + nr;
  copyIn(px, X, xOff, ld, rows, cols);
  mod!.cgs2(px * 8, cols, rows, cols, pq * 8, pr * 8, po * 8);
  copyOut(X, xOff, ld, px, rows, cols);
  const h = heap;
  for (let i = 0; i < rows; i++) {
    const mx = h[po + 2 * i], s = h[po + 2 * i + 1];
    logR[logOff + i] = mx === 0 ? -Infinity : Math.log(mx) + 0.5 * Math.log(s);
  }
  return true;
}

/** The codes of the module's activations (core/wasm/lib/activations.ts). */
export const SIMD_SIGMOID = 0;
export const SIMD_TANH = 1;

/**
 * Copies X[off..off+len) into the module's scratch memory for simdActivate and returns where it sits
 * (an index into the module's heap), or -1 when the wasm backend is off or unavailable or the memory
 * cannot grow; then the caller runs its JavaScript loops. The block stays valid until the next call
 * into this module (a product, another block): take it back with simdBlockOut first.
 */
export function simdBlockIn(X: Float64Array, off: number, len: number): number {
  if (wanted !== "wasm" || load() === null || !reserve(len)) return -1;
  copyIn(scratch, X, off, len, 1, len);
  return scratch;
}

/**
 * In the block at heap index `at` (simdBlockIn): y = σ(y) = 1/(1 + e^-y) (kind SIMD_SIGMOID) or
 * y = tanh(y) (SIMD_TANH) for the entries at + r·ld + j, r < rows, j < n. The bits of JavaScript's
 * `1 / (1 + Math.exp(-y))` and `Math.tanh(y)`: the kernels evaluate V8's fdlibm formulas lane-wise.
 */
export function simdActivate(kind: number, at: number, rows: number, ld: number, n: number): void {
  mod!.activateRows(kind, at * 8, rows, ld, n);
}

/** X[off..off+len) = the block at heap index `at`. */
export function simdBlockOut(X: Float64Array, off: number, at: number, len: number): void {
  copyOut(X, off, len, at, 1, len);
}

/**
 * Column operations of the one-sided Jacobi sweeps (analysis/jacobian-products.ts) on an n×n column-major
 * matrix held in module memory for the length of the sweeps: `open` copies it in, `scan` finds the next
 * pair of a sweep that needs a rotation (the skipped pairs' dot products never leave WebAssembly),
 * `rotate` applies one, `pull`/`push` move single columns out and back for the rare JavaScript-only
 * path, `close` copies the matrix back. The pair's scalar algebra (its angle, its scales' logarithms)
 * stays in JavaScript. The results equal the JavaScript loops they replace bit for bit (the same
 * operations; the dot products in the two interleaved partial sums that the JavaScript order also uses).
 */
export class WasmColumns {
  private constructor(private readonly at: number, private readonly n: number, private readonly order: number,
    private readonly ell: number, private readonly out: number, private readonly end: number) {}

  /**
   * Y[0..n·n) in module memory, or null when the wasm backend is off, unavailable, or out of memory,
   * or n < 1. Its space is held (scratch moves past it) until `close`, so products run in between
   * cannot overwrite it.
   */
  static open(Y: Float64Array, n: number): WasmColumns | null {
    if (wanted !== "wasm" || load() === null || !(n >= 1)) return null;
    const size = n * n + ((n * n) & 1), total = size + 2 * n + 6;
    if (!reserve(total)) return null;
    const at = scratch;
    copyIn(at, Y, 0, n * n, 1, n * n);
    scratch += total;
    return new WasmColumns(at, n, at + size, at + size + n, at + size + 2 * n, scratch);
  }

  /** The sweep's column order and every column's log2 scale, as the scan will read them. */
  setOrder(order: Int32Array, ell: Float64Array): void {
    const h = heap;
    for (let i = 0; i < this.n; i++) { h[this.order + i] = order[i]; h[this.ell + i] = ell[i]; }
  }

  /** Column i's log2 scale changed to v. */
  setEll(i: number, v: number): void {
    heap[this.ell + i] = v;
  }

  /**
   * The first pair from index `start` (pp·n + qq) on that needs a rotation: its index, with
   * res = (A, Bv, C, i, j); -1 when the sweep is through.
   */
  scan(start: number, tol: number, res: Float64Array): number {
    const idx = mod!.jacobiScan(this.at * 8, this.n, this.order * 8, this.ell * 8, start, tol, this.out * 8);
    if (idx >= 0) {
      const h = heap, o = this.out;
      res[0] = h[o]; res[1] = h[o + 1]; res[2] = h[o + 2]; res[3] = h[o + 3]; res[4] = h[o + 4];
    }
    return idx;
  }

  /** y_i ← (y_i - a·y_j)·si, y_j ← (tau·y_i + y_j)·sj, for the columns at offsets io, jo. */
  rotate(io: number, jo: number, a: number, tau: number, si: number, sj: number): void {
    mod!.colRotate((this.at + io) * 8, (this.at + jo) * 8, this.n, a, tau, si, sj);
  }

  /** Y[off..off+n) = the module's copy of those entries. */
  pull(Y: Float64Array, off: number): void {
    copyOut(Y, off, this.n, this.at + off, 1, this.n);
  }

  /** The module's copy of Y[off..off+n) = Y[off..off+n). */
  push(Y: Float64Array, off: number): void {
    copyIn(this.at + off, Y, off, this.n, 1, this.n);
  }

  /** Copies the matrix back into Y and releases its space (columns must be closed last-opened first). */
  close(Y: Float64Array): void {
    copyOut(Y, 0, this.n * this.n, this.at, 1, this.n * this.n);
    if (scratch === this.end) scratch = this.at;
  }
}
