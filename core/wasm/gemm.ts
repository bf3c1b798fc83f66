// AssemblyScript, compiled to WebAssembly with SIMD by scripts/build-wasm.mjs (never committed).
// The batched-regime GEMM kernels of core/src/linalg.ts, in f64x2. Each one computes exactly the sums
// of its JavaScript reference (gemmNT, gemmNN, gemmTN in linalg.ts) in exactly the same order: the two
// lanes of a vector hold two DIFFERENT output entries, never two terms of one sum, and WebAssembly has
// no fused multiply-add here (f64x2.mul then f64x2.add round like JavaScript's a*b then +), so the
// results are bit-identical to the JavaScript kernels. Subnormals are kept (WebAssembly forbids
// flush-to-zero), as in JavaScript.
//
// Operands live in this module's linear memory: the JavaScript side copies them in (and C out).
// Pointers are byte addresses; ld* are row strides in elements.
//
// The module also holds the cells' sigmoid and tanh (lib/activations.ts, bit-identical to V8's Math.exp
// and Math.tanh forms).
export { activateRows } from "./lib/activations";

/** The first free byte after the module's static data: operands are placed from here up. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

@inline function at(base: usize, row: i32, ld: i32, col: i32): usize {
  return base + ((<usize>row * <usize>ld + <usize>col) << 3);
}

/**
 * Packs the transpose of B[0..N4, 0..K) (B is N×K at row stride ldb, N4 a multiple of 4) as pnn's
 * panels at w: panel j is K rows of [B[4j, k], B[4j+1, k], B[4j+2, k], B[4j+3, k]]. With it, pnn
 * (fromC = 2) computes gemmNT's C += A·Bᵀ on rows of A as they are, no transposed copy of A.
 */
export function packT(w: usize, b: usize, ldb: i32, N4: i32, K: i32): void {
  let pw = w;
  for (let n = 0; n < N4; n += 4) {
    const b0 = at(b, n, ldb, 0), b1 = at(b, n + 1, ldb, 0), b2 = at(b, n + 2, ldb, 0), b3 = at(b, n + 3, ldb, 0);
    for (let k = 0; k < K; k++) {
      const k8 = <usize>k << 3;
      store<f64>(pw, load<f64>(b0 + k8)); store<f64>(pw, load<f64>(b1 + k8), 8);
      store<f64>(pw, load<f64>(b2 + k8), 16); store<f64>(pw, load<f64>(b3 + k8), 24);
      pw += 32;
    }
  }
}

/** Columns n0..N-1 of gemmNT's C += A·Bᵀ (A M×K, B N×K), one scalar sum per entry: the columns pnn's 4-wide panels leave. */
export function ntTail(c: usize, ldc: i32, a: usize, lda: i32, b: usize, ldb: i32, M: i32, n0: i32, N: i32, K: i32): void {
  for (let m = 0; m < M; m++) {
    for (let n = n0; n < N; n++) ntScalar(c, ldc, a, lda, b, ldb, m, n, K);
  }
}

@inline function ntScalar(c: usize, ldc: i32, a: usize, lda: i32, b: usize, ldb: i32, m: i32, n: i32, K: i32): void {
  let s: f64 = 0;
  for (let k = 0; k < K; k++) s += load<f64>(at(a, m, lda, k)) * load<f64>(at(b, n, ldb, k));
  const p = at(c, m, ldc, n);
  store<f64>(p, load<f64>(p) + s);
}

/**
 * Copies the K×4 strip B[0..K, n..n+3] (row stride ldb) into w as 4 contiguous doubles per row, so a
 * kernel can stream it: read in place, consecutive rows of a strip lie ldb·8 bytes apart, a multiple
 * of 4 kB for the power-of-two widths of real models, and they all fall into the same few cache sets.
 */
@inline function packStrip(w: usize, b: usize, ldb: i32, n: i32, K: i32): void {
  let pb = at(b, 0, ldb, n);
  const stride = <usize>ldb << 3;
  let pw = w;
  for (let k = 0; k < K; k++) {
    v128.store(pw, v128.load(pb));
    v128.store(pw, v128.load(pb, 16), 16);
    pb += stride;
    pw += 32;
  }
}

/**
 * Packs B[0..K, 0..N4) (B is K×N at row stride ldb, N4 a multiple of 4) as pnn's panels at w: panel j is
 * the K×4 strip of columns 4j..4j+3 (packStrip), so pnn (fromC = 1) computes gemmNN's C += A·B.
 */
export function pack(w: usize, b: usize, ldb: i32, N4: i32, K: i32): void {
  const panel = <usize>K << 5; // bytes of one K×4 strip
  for (let n = 0; n < N4; n += 4) packStrip(w + <usize>(n >> 2) * panel, b, ldb, n, K);
}

/** Columns n0..N-1 of gemmNN's C += A·B (A M×K, B K×N): each entry from C, k ascending, one scalar sum: the columns pnn's 4-wide panels leave. */
export function nnTail(c: usize, ldc: i32, a: usize, lda: i32, b: usize, ldb: i32, M: i32, n0: i32, N: i32, K: i32): void {
  for (let m = 0; m < M; m++) {
    for (let n = n0; n < N; n++) {
      const p = at(c, m, ldc, n);
      let s = load<f64>(p);
      for (let k = 0; k < K; k++) s += load<f64>(at(a, m, lda, k)) * load<f64>(at(b, k, ldb, n));
      store<f64>(p, s);
    }
  }
}

/**
 * Rows m..m+3, columns n..n+3 of C against the K×4 strip at pb (K rows of 4 contiguous doubles), in
 * 8 f64x2 sums (lanes over n). fromC = 1: each sum starts from C and adds k = 0, 1, … one at a time
 * (gemmNN's order); fromC = 2: from +0, k ascending, then C + s once (gemmNT's). fromC is a
 * constant at every call, so the branches fold away.
 */
@inline function tile4x4(c: usize, ldc: i32, m: i32, n: i32, a: usize, lda: i32, pb: usize, K: i32, fromC: i32): void {
  const c0 = at(c, m, ldc, n), c1 = at(c, m + 1, ldc, n), c2 = at(c, m + 2, ldc, n), c3 = at(c, m + 3, ldc, n);
  const zero = f64x2.splat(0);
  let s00 = zero, s01 = zero, s10 = zero, s11 = zero, s20 = zero, s21 = zero, s30 = zero, s31 = zero;
  if (fromC == 1) {
    s00 = v128.load(c0); s01 = v128.load(c0, 16); s10 = v128.load(c1); s11 = v128.load(c1, 16);
    s20 = v128.load(c2); s21 = v128.load(c2, 16); s30 = v128.load(c3); s31 = v128.load(c3, 16);
  }
  const a0 = at(a, m, lda, 0), a1 = at(a, m + 1, lda, 0), a2 = at(a, m + 2, lda, 0), a3 = at(a, m + 3, lda, 0);
  for (let k = 0; k < K; k++) {
    const y0 = v128.load(pb), y1 = v128.load(pb, 16);
    const k8 = <usize>k << 3;
    let x = f64x2.splat(load<f64>(a0 + k8));
    s00 = f64x2.add(s00, f64x2.mul(x, y0)); s01 = f64x2.add(s01, f64x2.mul(x, y1));
    x = f64x2.splat(load<f64>(a1 + k8));
    s10 = f64x2.add(s10, f64x2.mul(x, y0)); s11 = f64x2.add(s11, f64x2.mul(x, y1));
    x = f64x2.splat(load<f64>(a2 + k8));
    s20 = f64x2.add(s20, f64x2.mul(x, y0)); s21 = f64x2.add(s21, f64x2.mul(x, y1));
    x = f64x2.splat(load<f64>(a3 + k8));
    s30 = f64x2.add(s30, f64x2.mul(x, y0)); s31 = f64x2.add(s31, f64x2.mul(x, y1));
    pb += 32;
  }
  if (fromC == 2) {
    s00 = f64x2.add(v128.load(c0), s00); s01 = f64x2.add(v128.load(c0, 16), s01);
    s10 = f64x2.add(v128.load(c1), s10); s11 = f64x2.add(v128.load(c1, 16), s11);
    s20 = f64x2.add(v128.load(c2), s20); s21 = f64x2.add(v128.load(c2, 16), s21);
    s30 = f64x2.add(v128.load(c3), s30); s31 = f64x2.add(v128.load(c3, 16), s31);
  }
  v128.store(c0, s00); v128.store(c0, s01, 16);
  v128.store(c1, s10); v128.store(c1, s11, 16);
  v128.store(c2, s20); v128.store(c2, s21, 16);
  v128.store(c3, s30); v128.store(c3, s31, 16);
}

/** Row m of tile4x4 alone (the rows past the last multiple of 4), in the same order. */
@inline function tile1x4(c: usize, ldc: i32, m: i32, n: i32, a: usize, lda: i32, pb: usize, K: i32, fromC: i32): void {
  const c0 = at(c, m, ldc, n);
  const zero = f64x2.splat(0);
  let s0 = zero, s1 = zero;
  if (fromC == 1) { s0 = v128.load(c0); s1 = v128.load(c0, 16); }
  const a0 = at(a, m, lda, 0);
  for (let k = 0; k < K; k++) {
    const x = f64x2.splat(load<f64>(a0 + (<usize>k << 3)));
    s0 = f64x2.add(s0, f64x2.mul(x, v128.load(pb))); s1 = f64x2.add(s1, f64x2.mul(x, v128.load(pb, 16)));
    pb += 32;
  }
  if (fromC == 2) { s0 = f64x2.add(v128.load(c0), s0); s1 = f64x2.add(v128.load(c0, 16), s1); }
  v128.store(c0, s0); v128.store(c0, s1, 16);
}

/**
 * C[m, n] += Σ_k A[k, m]·B[k, n]   (C += Aᵀ·B; A is K×M, B is K×N): gemmTN. Each entry starts from C
 * and adds the rows k = K-1, K-2, …, 0 one at a time, the LAST row first (see gemmTN in linalg.ts for
 * why: checkpointed and truncated BPTT stay bit-identical to full BPTT). Lanes run over n.
 * Work space w: K·(N4 + 4) doubles. Every K×4 strip of B is packed once (panel j at w + j·K·4), then
 * m strips outer, each K×4 strip of A packed behind them and reused by every column tile.
 */
export function tn(c: usize, ldc: i32, a: usize, lda: i32, b: usize, ldb: i32, M: i32, N: i32, K: i32, w: usize): void {
  const M4 = M & ~3;
  const N4 = N & ~3;
  const panel = <usize>K << 5; // bytes of one K×4 strip
  pack(w, b, ldb, N4, K);
  const wa = w + <usize>(N4 >> 2) * panel;
  for (let m = 0; m < M4; m += 4) {
    packStrip(wa, a, lda, m, K);
    for (let n = 0; n < N4; n += 4) {
      const c0 = at(c, m, ldc, n), c1 = at(c, m + 1, ldc, n), c2 = at(c, m + 2, ldc, n), c3 = at(c, m + 3, ldc, n);
      let s00 = v128.load(c0), s01 = v128.load(c0, 16);
      let s10 = v128.load(c1), s11 = v128.load(c1, 16);
      let s20 = v128.load(c2), s21 = v128.load(c2, 16);
      let s30 = v128.load(c3), s31 = v128.load(c3, 16);
      let pa = wa + panel - 32;
      let pb = w + <usize>(n >> 2) * panel + panel - 32;
      for (let k = K - 1; k >= 0; k--) {
        const y0 = v128.load(pb), y1 = v128.load(pb, 16);
        let x = f64x2.splat(load<f64>(pa));
        s00 = f64x2.add(s00, f64x2.mul(x, y0)); s01 = f64x2.add(s01, f64x2.mul(x, y1));
        x = f64x2.splat(load<f64>(pa, 8));
        s10 = f64x2.add(s10, f64x2.mul(x, y0)); s11 = f64x2.add(s11, f64x2.mul(x, y1));
        x = f64x2.splat(load<f64>(pa, 16));
        s20 = f64x2.add(s20, f64x2.mul(x, y0)); s21 = f64x2.add(s21, f64x2.mul(x, y1));
        x = f64x2.splat(load<f64>(pa, 24));
        s30 = f64x2.add(s30, f64x2.mul(x, y0)); s31 = f64x2.add(s31, f64x2.mul(x, y1));
        pa -= 32;
        pb -= 32;
      }
      v128.store(c0, s00); v128.store(c0, s01, 16);
      v128.store(c1, s10); v128.store(c1, s11, 16);
      v128.store(c2, s20); v128.store(c2, s21, 16);
      v128.store(c3, s30); v128.store(c3, s31, 16);
    }
  }
  for (let m = 0; m < M; m++) {
    const n0 = m < M4 ? N4 : 0;
    for (let n = n0; n < N; n++) {
      const p = at(c, m, ldc, n);
      let s = load<f64>(p);
      for (let k = K - 1; k >= 0; k--) s += load<f64>(at(a, k, lda, m)) * load<f64>(at(b, k, ldb, n));
      store<f64>(p, s);
    }
  }
}

/**
 * C[m, n] (+)= Σ_k A[m, k]·P[k, n] for a K×N matrix P given as packed panels: the panel of columns
 * 4j..4j+3 is K rows of 4 contiguous doubles at p + j·K·32 bytes (N a multiple of 4). simd.ts packs a
 * pinned weight block this way once per pin, so the time loop's products stream it with no copy.
 *   fromC = 1: C[m, n] = C[m, n] + A[m,0]·P[0,n] + …, one k at a time: gemmNN's order, with P = B;
 *   fromC = 2: C[m, n] = C[m, n] + (0 + A[m,0]·P[0,n] + … + A[m,K-1]·P[K-1,n]): each sum from 0, added
 *              to C once: gemmNT's order, with P = Bᵀ.
 * Lanes run over n; tiles of 4 rows × 4 columns (8 accumulators: a 6-row tile measured slower in V8).
 */
export function pnn(c: usize, ldc: i32, a: usize, lda: i32, p: usize, M: i32, N: i32, K: i32, fromC: i32): void {
  const M4 = M & ~3;
  const panel = <usize>K << 5;
  for (let n = 0; n < N; n += 4) {
    const pw = p + <usize>(n >> 2) * panel;
    if (fromC == 2) {
      for (let m = 0; m < M4; m += 4) tile4x4(c, ldc, m, n, a, lda, pw, K, 2);
      for (let m = M4; m < M; m++) tile1x4(c, ldc, m, n, a, lda, pw, K, 2);
    } else {
      for (let m = 0; m < M4; m += 4) tile4x4(c, ldc, m, n, a, lda, pw, K, 1);
      for (let m = M4; m < M; m++) tile1x4(c, ldc, m, n, a, lda, pw, K, 1);
    }
  }
}

/**
 * y[n] (+)= Σ_k x[k]·W[k, n]   for n < N, k < K, W K×N at row stride ldw: the batch-1 products of the
 * time loop (cells/row-kernels.ts). Lanes run over n (contiguous in a row of W), so every entry is ONE
 * scalar sum taken for k ascending, as in the JavaScript row kernels:
 *   fromY = 0:  y[n] = s = 0 + x[0]·W[0, n] + … + x[K-1]·W[K-1, n]  (the caller adds s to its y:
 *               matvecRow on Wᵀ; so y need not be copied in)
 *   fromY = 1:  y[n] = y[n] + x[0]·W[0, n] + … + x[K-1]·W[K-1, n]               (vecmatRow)
 * 16 columns per pass (8 vector sums in flight: the adds are latency-bound), then 2, then 1.
 */
export function mv(y: usize, w: usize, ldw: i32, x: usize, N: i32, K: i32, fromY: i32): void {
  const N16 = N & ~15, N2 = N & ~1;
  const stride = <usize>ldw << 3;
  for (let n = 0; n < N16; n += 16) {
    const py = y + (<usize>n << 3);
    const z = f64x2.splat(0);
    let s0 = z, s1 = z, s2 = z, s3 = z, s4 = z, s5 = z, s6 = z, s7 = z;
    if (fromY) {
      s0 = v128.load(py); s1 = v128.load(py, 16); s2 = v128.load(py, 32); s3 = v128.load(py, 48);
      s4 = v128.load(py, 64); s5 = v128.load(py, 80); s6 = v128.load(py, 96); s7 = v128.load(py, 112);
    }
    let pw = w + (<usize>n << 3);
    for (let k = 0; k < K; k++) {
      const v = f64x2.splat(load<f64>(x + (<usize>k << 3)));
      s0 = f64x2.add(s0, f64x2.mul(v, v128.load(pw)));
      s1 = f64x2.add(s1, f64x2.mul(v, v128.load(pw, 16)));
      s2 = f64x2.add(s2, f64x2.mul(v, v128.load(pw, 32)));
      s3 = f64x2.add(s3, f64x2.mul(v, v128.load(pw, 48)));
      s4 = f64x2.add(s4, f64x2.mul(v, v128.load(pw, 64)));
      s5 = f64x2.add(s5, f64x2.mul(v, v128.load(pw, 80)));
      s6 = f64x2.add(s6, f64x2.mul(v, v128.load(pw, 96)));
      s7 = f64x2.add(s7, f64x2.mul(v, v128.load(pw, 112)));
      pw += stride;
    }
    v128.store(py, s0); v128.store(py, s1, 16); v128.store(py, s2, 32); v128.store(py, s3, 48);
    v128.store(py, s4, 64); v128.store(py, s5, 80); v128.store(py, s6, 96); v128.store(py, s7, 112);
  }
  for (let n = N16; n < N2; n += 2) {
    const py = y + (<usize>n << 3);
    let s = fromY ? v128.load(py) : f64x2.splat(0);
    let pw = w + (<usize>n << 3);
    for (let k = 0; k < K; k++) {
      s = f64x2.add(s, f64x2.mul(f64x2.splat(load<f64>(x + (<usize>k << 3))), v128.load(pw)));
      pw += stride;
    }
    v128.store(py, s);
  }
  for (let n = N2; n < N; n++) {
    const py = y + (<usize>n << 3);
    let s: f64 = fromY ? load<f64>(py) : 0;
    let pw = w + (<usize>n << 3);
    for (let k = 0; k < K; k++) {
      s += load<f64>(x + (<usize>k << 3)) * load<f64>(pw);
      pw += stride;
    }
    store<f64>(py, s);
  }
}

/**
 * linalg.ts's orthonormalizeRowsCgs2 on X (rows × cols at row stride ld), the same operations in the
 * same order, so the same bits. Row by row, twice: the projections r_j = q_j·v for every finished row
 * j < i (mv over qt, the finished rows stored transposed, cols × rows, so lanes run over j and each r_j
 * is one sum from 0 for k ascending), then v -= ((r0·q0 + r1·q1) + r2·q2) + r3·q3 for rows in fours
 * and v -= r_j·q_j one row at a time for the rest (skipped when r_j = 0), lanes over k. Then v is
 * scaled by its largest |entry| mx, s = Σ (v_k/mx)² (k ascending), v = (v/mx)·(1/√s). out receives
 * (mx, s) per row; the caller takes log R_ii = ln mx + ½ ln s, so that the logarithm is JavaScript's.
 * Work: qt (cols·rows doubles), r (rows doubles).
 */
export function cgs2(x: usize, ld: i32, rows: i32, cols: i32, qt: usize, r: usize, out: usize): void {
  const C2 = cols & ~1;
  const row = <usize>ld << 3;
  for (let i = 0; i < rows; i++) {
    const v = x + <usize>i * row;
    const i4 = i & ~3;
    for (let pass = 0; pass < 2; pass++) {
      if (i > 0) mv(r, qt, rows, v, i, cols, 0);
      for (let j = 0; j < i4; j += 4) {
        const q0 = x + <usize>j * row, q1 = q0 + row, q2 = q1 + row, q3 = q2 + row;
        const s0 = load<f64>(r + (<usize>j << 3)), s1 = load<f64>(r + (<usize>j << 3), 8);
        const s2 = load<f64>(r + (<usize>j << 3), 16), s3 = load<f64>(r + (<usize>j << 3), 24);
        const r0 = f64x2.splat(s0), r1 = f64x2.splat(s1), r2 = f64x2.splat(s2), r3 = f64x2.splat(s3);
        for (let k = 0; k < C2; k += 2) {
          const o = <usize>k << 3;
          let t = f64x2.add(f64x2.mul(r0, v128.load(q0 + o)), f64x2.mul(r1, v128.load(q1 + o)));
          t = f64x2.add(t, f64x2.mul(r2, v128.load(q2 + o)));
          t = f64x2.add(t, f64x2.mul(r3, v128.load(q3 + o)));
          v128.store(v + o, f64x2.sub(v128.load(v + o), t));
        }
        for (let k = C2; k < cols; k++) {
          const o = <usize>k << 3;
          store<f64>(v + o, load<f64>(v + o) - (((s0 * load<f64>(q0 + o) + s1 * load<f64>(q1 + o)) + s2 * load<f64>(q2 + o)) + s3 * load<f64>(q3 + o)));
        }
      }
      for (let j = i4; j < i; j++) {
        const rj = load<f64>(r + (<usize>j << 3));
        if (rj == 0) continue;
        const q = x + <usize>j * row;
        const rv = f64x2.splat(rj);
        for (let k = 0; k < C2; k += 2) {
          const o = <usize>k << 3;
          v128.store(v + o, f64x2.sub(v128.load(v + o), f64x2.mul(rv, v128.load(q + o))));
        }
        for (let k = C2; k < cols; k++) {
          const o = <usize>k << 3;
          store<f64>(v + o, load<f64>(v + o) - rj * load<f64>(q + o));
        }
      }
    }
    // maxAbs: NaN sticks, as in linalg.maxAbs
    let mx: f64 = 0;
    for (let k = 0; k < cols; k++) {
      const a = Math.abs(load<f64>(v + (<usize>k << 3)));
      if (a > mx || a != a) mx = a;
    }
    let s: f64 = 0;
    if (mx != 0) {
      for (let k = 0; k < cols; k++) {
        const t = load<f64>(v + (<usize>k << 3)) / mx;
        s += t * t;
      }
      const inv = 1 / Math.sqrt(s);
      for (let k = 0; k < cols; k++) {
        const o = <usize>k << 3;
        store<f64>(v + o, (load<f64>(v + o) / mx) * inv);
      }
    }
    store<f64>(out + (<usize>i << 4), mx);
    store<f64>(out + (<usize>i << 4), s, 8);
    for (let k = 0; k < cols; k++) store<f64>(qt + ((<usize>k * <usize>rows + <usize>i) << 3), load<f64>(v + (<usize>k << 3)));
  }
}

/**
 * The one-sided Jacobi pass of analysis/jacobian-products.ts, on two columns yi, yj of n doubles:
 * out = (yi·yi, yj·yj, yi·yj), each summed in two interleaved partial sums (even r, odd r; an odd n's
 * last term goes to the even one) that are added at the end: the order of the JavaScript fallback.
 */
export function colDots(yi: usize, yj: usize, n: i32, out: usize): void {
  const n2 = n & ~1;
  let A = f64x2.splat(0), B = f64x2.splat(0), C = f64x2.splat(0);
  for (let r = 0; r < n2; r += 2) {
    const o = <usize>r << 3;
    const a = v128.load(yi + o), b = v128.load(yj + o);
    A = f64x2.add(A, f64x2.mul(a, a));
    B = f64x2.add(B, f64x2.mul(b, b));
    C = f64x2.add(C, f64x2.mul(a, b));
  }
  let A0 = f64x2.extract_lane(A, 0), B0 = f64x2.extract_lane(B, 0), C0 = f64x2.extract_lane(C, 0);
  if (n2 < n) {
    const o = <usize>n2 << 3;
    const a = load<f64>(yi + o), b = load<f64>(yj + o);
    A0 += a * a; B0 += b * b; C0 += a * b;
  }
  store<f64>(out, A0 + f64x2.extract_lane(A, 1));
  store<f64>(out, B0 + f64x2.extract_lane(B, 1), 8);
  store<f64>(out, C0 + f64x2.extract_lane(C, 1), 16);
}

/** yi ← (yi - a·yj)·si and yj ← (tau·yi + yj)·sj, elementwise over n: the Jacobi rotation. */
export function colRotate(yi: usize, yj: usize, n: i32, a: f64, tau: f64, si: f64, sj: f64): void {
  const n2 = n & ~1;
  const va = f64x2.splat(a), vt = f64x2.splat(tau), vsi = f64x2.splat(si), vsj = f64x2.splat(sj);
  for (let r = 0; r < n2; r += 2) {
    const o = <usize>r << 3;
    const x = v128.load(yi + o), y = v128.load(yj + o);
    v128.store(yi + o, f64x2.mul(f64x2.sub(x, f64x2.mul(va, y)), vsi));
    v128.store(yj + o, f64x2.mul(f64x2.add(f64x2.mul(vt, x), y), vsj));
  }
  if (n2 < n) {
    const o = <usize>n2 << 3;
    const x = load<f64>(yi + o), y = load<f64>(yj + o);
    store<f64>(yi + o, (x - a * y) * si);
    store<f64>(yj + o, (tau * x + y) * sj);
  }
}

/**
 * The scan of one Jacobi sweep (analysis/jacobian-products.ts): from pair (pp, qq) = (start / n, start % n)
 * on, in the sweep's order (pp ascending, then qq from pp+1), the first pair of columns that needs a
 * rotation: both scales finite (ell ≠ -Infinity), i the column of larger scale (ties: order[pp]), and
 * |C| > tol·√(A·Bv) for its dot products (colDots). Writes A, Bv, C, i, j to out[0..4] and returns the
 * pair's index pp·n + qq, or -1 when the sweep is through. order (as doubles) and ell hold n entries.
 */
export function jacobiScan(y: usize, n: i32, order: usize, ell: usize, start: i32, tol: f64, out: usize): i32 {
  let pp = start / n, qq = start % n;
  if (qq <= pp) qq = pp + 1;
  for (; pp < n - 1; pp++, qq = pp + 1) {
    const p = <i32>load<f64>(order + (<usize>pp << 3));
    const lp = load<f64>(ell + (<usize>p << 3));
    if (lp == -Infinity) continue;
    for (; qq < n; qq++) {
      const q = <i32>load<f64>(order + (<usize>qq << 3));
      const lq = load<f64>(ell + (<usize>q << 3));
      if (lq == -Infinity) continue;
      const i = lp >= lq ? p : q, j = i == p ? q : p;
      colDots(y + ((<usize>i * <usize>n) << 3), y + ((<usize>j * <usize>n) << 3), n, out);
      const A = load<f64>(out), Bv = load<f64>(out, 8), C = load<f64>(out, 16);
      if (!(Math.abs(C) > tol * Math.sqrt(A * Bv))) continue;
      store<f64>(out, <f64>i, 24);
      store<f64>(out, <f64>j, 32);
      return pp * n + qq;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------------
// float32 products (simd.ts's setMatmulPrecision("float32")): operands rounded to float32, each sum
// taken in float32 from 0 (f32x4 lanes over 4 different output entries, no fused multiply-add, so each
// step rounds as JavaScript's Math.fround(s + Math.fround(a * b))), then added once to the float64 C.
// Panels are 8 columns wide (8 f32x4 accumulators per 4×8 tile: the f64 tile's instruction count, twice
// its flops). The JavaScript references are linalg.ts's gemmNT32, gemmNN32 and gemmTN32.

@inline function at32(base: usize, row: i32, ld: i32, col: i32): usize {
  return base + ((<usize>row * <usize>ld + <usize>col) << 2);
}

/** The 4 doubles at p as 4 floats in one vector (each rounded to nearest even, as Math.fround). */
@inline function demote4(p: usize): v128 {
  return f32x4.shuffle(f32x4.demote_f64x2_zero(v128.load(p)), f32x4.demote_f64x2_zero(v128.load(p, 16)), 0, 1, 4, 5);
}

/** dst[i] = f32(src[i]) for i < n: float64 at src to float32 at dst. */
export function demote(dst: usize, src: usize, n: i32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) v128.store(dst + (<usize>i << 2), demote4(src + (<usize>i << 3)));
  for (let i = n4; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<f64>(src + (<usize>i << 3)));
}

/**
 * Packs the transpose of the float64 B[0..N8, 0..K) (N×K at row stride ldb, N8 a multiple of 8) as
 * float32 panels at w: panel j is K rows of [B[8j, k], …, B[8j+7, k]], so pnn32 computes C += A·Bᵀ.
 */
export function packT32(w: usize, b: usize, ldb: i32, N8: i32, K: i32): void {
  let pw = w;
  for (let n = 0; n < N8; n += 8) {
    const b0 = at(b, n, ldb, 0);
    const row = <usize>ldb << 3;
    for (let k = 0; k < K; k++) {
      const p = b0 + (<usize>k << 3);
      for (let j = 0; j < 8; j++) store<f32>(pw + (<usize>j << 2), <f32>load<f64>(p + <usize>j * row));
      pw += 32;
    }
  }
}

/** Packs the float64 B[0..K, 0..N8) (K×N at row stride ldb) as float32 panels at w (panel j: columns 8j..8j+7), for pnn32's C += A·B. */
export function pack32(w: usize, b: usize, ldb: i32, N8: i32, K: i32): void {
  let pw = w;
  const stride = <usize>ldb << 3;
  for (let n = 0; n < N8; n += 8) {
    let pb = at(b, 0, ldb, n);
    for (let k = 0; k < K; k++) {
      v128.store(pw, demote4(pb));
      v128.store(pw, demote4(pb + 32), 16);
      pb += stride;
      pw += 32;
    }
  }
}

/** C[m, n..n+7] (float64) += the 8 float32 sums in lo (columns n..n+3) and hi (n+4..n+7). */
@inline function addPromoted8(cp: usize, lo: v128, hi: v128): void {
  v128.store(cp, f64x2.add(v128.load(cp), f64x2.promote_low_f32x4(lo)));
  v128.store(cp, f64x2.add(v128.load(cp, 16), f64x2.promote_low_f32x4(f32x4.shuffle(lo, lo, 2, 3, 0, 1))), 16);
  v128.store(cp, f64x2.add(v128.load(cp, 32), f64x2.promote_low_f32x4(hi)), 32);
  v128.store(cp, f64x2.add(v128.load(cp, 48), f64x2.promote_low_f32x4(f32x4.shuffle(hi, hi, 2, 3, 0, 1))), 48);
}

/**
 * C[m, n] += f32(Σ_k A[m, k]·P[k, n]) for the float32 A (M×K at row stride lda) and the float32 panels P
 * of pack32 / packT32 (N a multiple of 8): each sum from 0, k ascending, in float32, then added once
 * to the float64 C. Tiles of 4 rows × 8 columns, then single rows.
 */
export function pnn32(c: usize, ldc: i32, a: usize, lda: i32, p: usize, M: i32, N: i32, K: i32): void {
  const M4 = M & ~3;
  const panel = <usize>K << 5; // bytes of one K×8 float32 panel
  for (let n = 0; n < N; n += 8) {
    const pw = p + <usize>(n >> 3) * panel;
    for (let m = 0; m < M4; m += 4) {
      const z = f32x4.splat(0);
      let s00 = z, s01 = z, s10 = z, s11 = z, s20 = z, s21 = z, s30 = z, s31 = z;
      const a0 = at32(a, m, lda, 0), a1 = at32(a, m + 1, lda, 0), a2 = at32(a, m + 2, lda, 0), a3 = at32(a, m + 3, lda, 0);
      let pb = pw;
      for (let k = 0; k < K; k++) {
        const y0 = v128.load(pb), y1 = v128.load(pb, 16);
        const k4 = <usize>k << 2;
        let x = f32x4.splat(load<f32>(a0 + k4));
        s00 = f32x4.add(s00, f32x4.mul(x, y0)); s01 = f32x4.add(s01, f32x4.mul(x, y1));
        x = f32x4.splat(load<f32>(a1 + k4));
        s10 = f32x4.add(s10, f32x4.mul(x, y0)); s11 = f32x4.add(s11, f32x4.mul(x, y1));
        x = f32x4.splat(load<f32>(a2 + k4));
        s20 = f32x4.add(s20, f32x4.mul(x, y0)); s21 = f32x4.add(s21, f32x4.mul(x, y1));
        x = f32x4.splat(load<f32>(a3 + k4));
        s30 = f32x4.add(s30, f32x4.mul(x, y0)); s31 = f32x4.add(s31, f32x4.mul(x, y1));
        pb += 32;
      }
      addPromoted8(at(c, m, ldc, n), s00, s01);
      addPromoted8(at(c, m + 1, ldc, n), s10, s11);
      addPromoted8(at(c, m + 2, ldc, n), s20, s21);
      addPromoted8(at(c, m + 3, ldc, n), s30, s31);
    }
    for (let m = M4; m < M; m++) {
      const z = f32x4.splat(0);
      let s0 = z, s1 = z;
      const a0 = at32(a, m, lda, 0);
      let pb = pw;
      for (let k = 0; k < K; k++) {
        const x = f32x4.splat(load<f32>(a0 + (<usize>k << 2)));
        s0 = f32x4.add(s0, f32x4.mul(x, v128.load(pb))); s1 = f32x4.add(s1, f32x4.mul(x, v128.load(pb, 16)));
        pb += 32;
      }
      addPromoted8(at(c, m, ldc, n), s0, s1);
    }
  }
}

/**
 * Columns n0..N-1 of pnn32's product, one float32 sum per entry (the columns its 8-wide panels leave):
 * A float32 (M×K, row stride lda), B float64 read as float32: B[n, k] at row stride ldb for NT
 * (nt = 1), B[k, n] for NN (nt = 0).
 */
export function tail32(c: usize, ldc: i32, a: usize, lda: i32, b: usize, ldb: i32, M: i32, n0: i32, N: i32, K: i32, nt: i32): void {
  for (let m = 0; m < M; m++) {
    for (let n = n0; n < N; n++) {
      let s: f32 = 0;
      for (let k = 0; k < K; k++) {
        const bv = <f32>load<f64>(nt ? at(b, n, ldb, k) : at(b, k, ldb, n));
        s += load<f32>(at32(a, m, lda, k)) * bv;
      }
      const p = at(c, m, ldc, n);
      store<f64>(p, load<f64>(p) + <f64>s);
    }
  }
}

/**
 * S[m, n] += Σ_k A[k, m]·B[k, n] in float32 (S float32 M×N, dense; A K×M and B K×N float64 at row
 * strides lda, ldb, read as float32), rows k = K-1 … 0 one at a time: gemmTN32's sums, taken a chunk of
 * rows at a time (simd.ts passes the chunks last first and adds S to the float64 C at the end).
 * Work space w: K·(N8 + 4) floats: B's 8-column panels, then one 4-column strip of A.
 */
export function tn32(s: usize, a: usize, lda: i32, b: usize, ldb: i32, M: i32, N: i32, K: i32, w: usize): void {
  const M4 = M & ~3, N8 = N & ~7;
  const panel = <usize>K << 5;
  pack32(w, b, ldb, N8, K);
  const wa = w + <usize>(N8 >> 3) * panel;
  const stride = <usize>lda << 3;
  for (let m = 0; m < M4; m += 4) {
    let pa = at(a, 0, lda, m), pw = wa;
    for (let k = 0; k < K; k++) {
      v128.store(pw, demote4(pa));
      pa += stride;
      pw += 16;
    }
    for (let n = 0; n < N8; n += 8) {
      const c0 = at32(s, m, N, n), c1 = at32(s, m + 1, N, n), c2 = at32(s, m + 2, N, n), c3 = at32(s, m + 3, N, n);
      let s00 = v128.load(c0), s01 = v128.load(c0, 16);
      let s10 = v128.load(c1), s11 = v128.load(c1, 16);
      let s20 = v128.load(c2), s21 = v128.load(c2, 16);
      let s30 = v128.load(c3), s31 = v128.load(c3, 16);
      let qa = wa + (<usize>K << 4) - 16;
      let pb = w + <usize>(n >> 3) * panel + panel - 32;
      for (let k = K - 1; k >= 0; k--) {
        const y0 = v128.load(pb), y1 = v128.load(pb, 16);
        let x = f32x4.splat(load<f32>(qa));
        s00 = f32x4.add(s00, f32x4.mul(x, y0)); s01 = f32x4.add(s01, f32x4.mul(x, y1));
        x = f32x4.splat(load<f32>(qa, 4));
        s10 = f32x4.add(s10, f32x4.mul(x, y0)); s11 = f32x4.add(s11, f32x4.mul(x, y1));
        x = f32x4.splat(load<f32>(qa, 8));
        s20 = f32x4.add(s20, f32x4.mul(x, y0)); s21 = f32x4.add(s21, f32x4.mul(x, y1));
        x = f32x4.splat(load<f32>(qa, 12));
        s30 = f32x4.add(s30, f32x4.mul(x, y0)); s31 = f32x4.add(s31, f32x4.mul(x, y1));
        qa -= 16;
        pb -= 32;
      }
      v128.store(c0, s00); v128.store(c0, s01, 16);
      v128.store(c1, s10); v128.store(c1, s11, 16);
      v128.store(c2, s20); v128.store(c2, s21, 16);
      v128.store(c3, s30); v128.store(c3, s31, 16);
    }
  }
  for (let m = 0; m < M; m++) {
    const n0 = m < M4 ? N8 : 0;
    for (let n = n0; n < N; n++) {
      const p = at32(s, m, N, n);
      let t = load<f32>(p);
      for (let k = K - 1; k >= 0; k--) t += <f32>load<f64>(at(a, k, lda, m)) * <f32>load<f64>(at(b, k, ldb, n));
      store<f32>(p, t);
    }
  }
}
