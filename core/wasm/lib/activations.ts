// AssemblyScript, part of the module core/wasm/gemm.ts (which re-exports it): the cells' sigmoid and
// tanh in f64x2, with the BITS of JavaScript's `1 / (1 + Math.exp(-x))` and `Math.tanh(x)` in V8.
//
// V8 computes Math.exp and Math.tanh with its port of fdlibm (src/base/ieee754.cc: exp, and tanh on top
// of expm1; FreeBSD msun, Sun Microsystems 1993, "Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice is preserved"). The lanes below evaluate the
// same formulas with the same constants in the same order. fdlibm's branches become selects: every lane
// computes each case it can reach and keeps its own, and merged cases are merged only where the
// arithmetic is provably the same (noted at each). WebAssembly has no fused multiply-add here and
// keeps subnormals, as JavaScript does. test/activations-simd.test.ts checks Object.is against Math.exp
// and Math.tanh on millions of inputs: random doubles, every branch boundary, ±0, ±Inf, NaN, subnormals.
//
// A JavaScript engine whose Math.exp/Math.tanh are not fdlibm's (the standard leaves them
// implementation-approximated) would see these differ from its own Math in the last bit. V8 in Node 20
// and in Debian's Chromium uses the fdlibm port; a later V8 that calls the C library's tanh would not.
// The tests would then fail and say so (docs/design-notes.md, "Limits").

// exp: fdlibm's ln2 split, 1/ln2 and the rational approximation's coefficients
const P1: f64 = 1.66666666666666019037e-01, P2: f64 = -2.77777777770155933842e-03, P3: f64 = 6.61375632143793436117e-05;
const P4: f64 = -1.65339022054652515390e-06, P5: f64 = 4.13813679705723846039e-08;
const LN2HI: f64 = 6.93147180369123816490e-01, LN2LO: f64 = 1.90821492927058770002e-10, INVLN2: f64 = 1.44269504088896338700e+00;
// expm1's scaled coefficients
const Q1: f64 = -3.33333333333331316428e-02, Q2: f64 = 1.58730158725481460165e-03, Q3: f64 = -7.93650757867487942473e-05;
const Q4: f64 = 4.00821782732936239552e-06, Q5: f64 = -2.01099218183624371326e-07;
/** fdlibm's "|x| > 0.5 ln2" tests the high word (> 0x3FD62E42): |x| ≥ this double (high word 0x3FD62E43, low 0). */
const HALF_LN2: f64 = 0.3465735912322998;
/** 2^-28 (high word 0x3E300000): below it exp(x) = 1 + x and tanh(x) = x */
const TWOM28: f64 = 3.725290298461914e-9;
/** |x| < this: the vector exp's 2^k stays a normal power of two (k in [-1021, 1021]); beyond, the scalar exp */
const EXP_VECTOR_MAX: f64 = 708.0;
const E: f64 = 2.718281828459045; // V8 returns this for exp(1), which the formula misses by one ulp

/** 2^k for integral k in [-1022, 1023], lane-wise: k + 2^52 + 1023 holds k + 1023 in its low mantissa bits. */
@inline function pow2(kd: v128): v128 {
  return i64x2.shl(f64x2.add(kd, f64x2.splat(4503599627371519.0)), 52);
}

/**
 * fdlibm's argument reduction x = k·ln2 + (hi - lo), |hi - lo| ≤ 0.5 ln2, lane-wise. k = trunc(x/ln2 ± 0.5)
 * for |x| ≥ HALF_LN2, else 0 (then hi = x, lo = 0). fdlibm takes k = ±1 without the product for
 * |x| < 1.5 ln2; there trunc(x/ln2 ± 0.5) is ±1 and k·ln2HI, k·ln2LO are exact, so the same bits.
 */
@inline function reduceK(x: v128): v128 {
  const big = f64x2.ge(f64x2.abs(x), f64x2.splat(HALF_LN2));
  const half = v128.or(f64x2.splat(0.5), v128.and(x, f64x2.splat(-0.0))); // halF[sign of x]
  return v128.and(f64x2.trunc(f64x2.add(f64x2.mul(f64x2.splat(INVLN2), x), half)), big);
}

/**
 * exp(x), lane-wise, for |x| < EXP_VECTOR_MAX (NaN excluded). With hi = x, lo = 0 for k = 0, fdlibm's
 * k = 0 form 1 - ((x·c)/(c-2) - x) equals the general 1 - ((lo - (x·c)/(2-c)) - hi) times 2^0: the
 * quotients are exact negatives, and 0 - q differs from -q only at q = 0, which needs x = 0 (the 2^-28
 * case).
 */
@inline function expLanes(x: v128): v128 {
  const kd = reduceK(x);
  const hi = f64x2.sub(x, f64x2.mul(kd, f64x2.splat(LN2HI)));
  const lo = f64x2.mul(kd, f64x2.splat(LN2LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  const p = f64x2.add(f64x2.splat(P1), f64x2.mul(t, f64x2.add(f64x2.splat(P2), f64x2.mul(t, f64x2.add(f64x2.splat(P3),
    f64x2.mul(t, f64x2.add(f64x2.splat(P4), f64x2.mul(t, f64x2.splat(P5)))))))));
  const c = f64x2.sub(r, f64x2.mul(t, p));
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2.0), c));
  const y = f64x2.sub(f64x2.splat(1.0), f64x2.sub(f64x2.sub(lo, q), hi));
  const e = v128.bitselect(f64x2.add(f64x2.splat(1.0), x), f64x2.mul(y, pow2(kd)), f64x2.lt(f64x2.abs(x), f64x2.splat(TWOM28)));
  return v128.bitselect(f64x2.splat(E), e, f64x2.eq(x, f64x2.splat(1.0)));
}

/** fdlibm's exp for one double, every input (the lanes the vector form leaves: |x| ≥ 708, NaN; the tails). */
function expScalar(x: f64): f64 {
  if (x != x) return x + x;
  if (x > 7.09782712893383973096e+02) return Infinity;
  if (x < -7.45133219101941108420e+02) return 0;
  const ax = Math.abs(x);
  let hi: f64 = 0, lo: f64 = 0, k: i32 = 0;
  if (ax >= HALF_LN2) {
    if (x == 1.0) return E;
    k = <i32>(INVLN2 * x + (x < 0 ? -0.5 : 0.5));
    const t = <f64>k;
    hi = x - t * LN2HI;
    lo = t * LN2LO;
    x = hi - lo;
  } else if (ax < TWOM28) {
    return 1 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1 - ((x * c) / (c - 2.0) - x);
  const y = 1 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * 8.98846567431158e+307;
    return y * reinterpret<f64>(<i64>(0x3FF + k) << 52);
  }
  return y * reinterpret<f64>(<i64>(0x3FF + k + 1000) << 52) * 9.33263618503218878990e-302;
}

@inline function sigmoidLanes(x: v128): v128 {
  const one = f64x2.splat(1.0);
  return f64x2.div(one, f64x2.add(one, expLanes(f64x2.neg(x))));
}

/** True if a lane of x needs the scalar exp in 1/(1 + exp(-x)): |x| ≥ 708, or NaN. */
@inline function expOutside(x: v128): v128 {
  return v128.not(f64x2.lt(f64x2.abs(x), f64x2.splat(EXP_VECTOR_MAX)));
}

/** p[0..n) = 1 / (1 + exp(-p[0..n))), four vectors at a time (independent chains keep the units busy). */
function sigmoidSpan(p: usize, n: i32): void {
  const end = p + (<usize>n << 3);
  let q = p;
  for (; q + 64 <= end; q += 64) {
    const x0 = v128.load(q), x1 = v128.load(q, 16), x2 = v128.load(q, 32), x3 = v128.load(q, 48);
    if (v128.any_true(v128.or(v128.or(expOutside(x0), expOutside(x1)), v128.or(expOutside(x2), expOutside(x3))))) {
      for (let i = 0; i < 64; i += 8) store<f64>(q + i, 1 / (1 + expScalar(-load<f64>(q + i))));
      continue;
    }
    const y0 = sigmoidLanes(x0), y1 = sigmoidLanes(x1), y2 = sigmoidLanes(x2), y3 = sigmoidLanes(x3);
    v128.store(q, y0); v128.store(q, y1, 16); v128.store(q, y2, 32); v128.store(q, y3, 48);
  }
  for (; q < end; q += 8) store<f64>(q, 1 / (1 + expScalar(-load<f64>(q))));
}

/**
 * expm1(y) for the arguments tanh gives it: y in (-2, -2^-27] (|x| < 1: y = -2|x|, k in {0, -1, -2, -3})
 * and [2, 44) (|x| ≥ 1: y = 2|x|, k in [3, 63]). Of fdlibm's final cases these reach k = 0, k = -1,
 * "k ≤ -2 or k > 56", "k < 20" and the rest; never k = 1, |y| < 2^-54 or the overflow and NaN filters
 * (tanhLanes handles |x| ≥ 22 and NaN itself; a NaN lane ends in the last case, which keeps it NaN).
 * fdlibm's c is computed for k = 0 too, where it is (y - y) - 0 = 0 and unused.
 */
@inline function expm1ForTanh(y: v128): v128 {
  const kd = reduceK(y);
  const hi = f64x2.sub(y, f64x2.mul(kd, f64x2.splat(LN2HI)));
  const lo = f64x2.mul(kd, f64x2.splat(LN2LO));
  const r = f64x2.sub(hi, lo);
  const c = f64x2.sub(f64x2.sub(hi, r), lo);
  const hfx = f64x2.mul(f64x2.splat(0.5), r);
  const hxs = f64x2.mul(r, hfx);
  const r1 = f64x2.add(f64x2.splat(1.0), f64x2.mul(hxs, f64x2.add(f64x2.splat(Q1), f64x2.mul(hxs, f64x2.add(f64x2.splat(Q2),
    f64x2.mul(hxs, f64x2.add(f64x2.splat(Q3), f64x2.mul(hxs, f64x2.add(f64x2.splat(Q4), f64x2.mul(hxs, f64x2.splat(Q5)))))))))));
  const t = f64x2.sub(f64x2.splat(3.0), f64x2.mul(r1, hfx));
  const e = f64x2.mul(hxs, f64x2.div(f64x2.sub(r1, t), f64x2.sub(f64x2.splat(6.0), f64x2.mul(r, t))));
  const z0 = f64x2.sub(r, f64x2.sub(f64x2.mul(r, e), hxs)); // k = 0
  const e2 = f64x2.sub(f64x2.sub(f64x2.mul(r, f64x2.sub(e, c)), c), hxs);
  const zm1 = f64x2.sub(f64x2.mul(f64x2.splat(0.5), f64x2.sub(r, e2)), f64x2.splat(0.5)); // k = -1
  const twopk = pow2(kd), twomk = pow2(f64x2.neg(kd));
  const er = f64x2.sub(e2, r);
  const zfar = f64x2.sub(f64x2.mul(f64x2.sub(f64x2.splat(1.0), er), twopk), f64x2.splat(1.0)); // k ≤ -2 or k > 56
  const zmid = f64x2.mul(f64x2.sub(f64x2.sub(f64x2.splat(1.0), twomk), er), twopk); // 2 ≤ k < 20: (1 - 2^-k) - (e - x)
  const zhi = f64x2.mul(f64x2.add(f64x2.sub(r, f64x2.add(e2, twomk)), f64x2.splat(1.0)), twopk); // 20 ≤ k ≤ 56
  let z = v128.bitselect(zmid, zhi, f64x2.lt(kd, f64x2.splat(20.0)));
  z = v128.bitselect(zfar, z, v128.or(f64x2.le(kd, f64x2.splat(-2.0)), f64x2.gt(kd, f64x2.splat(56.0))));
  z = v128.bitselect(zm1, z, f64x2.eq(kd, f64x2.splat(-1.0)));
  return v128.bitselect(z0, z, f64x2.eq(kd, f64x2.splat(0.0)));
}

/**
 * fdlibm's tanh, lane-wise, every input: |x| < 2^-28 → x; |x| ≥ 22 (and ±Inf) → ±1 (1 - tiny rounds to
 * 1); |x| ≥ 1 → 1 - 2/(t+2) with t = expm1(2|x|); else -t/(t+2) with t = expm1(-2|x|); the sign of x
 * restored on the positive result. The two quotients share one division: only the numerator differs.
 */
@inline function tanhLanes(x: v128): v128 {
  const ax = f64x2.abs(x);
  const ge1 = f64x2.ge(ax, f64x2.splat(1.0));
  const two = f64x2.add(ax, ax);
  const t = expm1ForTanh(v128.bitselect(two, f64x2.neg(two), ge1));
  const q = f64x2.div(v128.bitselect(f64x2.splat(2.0), f64x2.neg(t), ge1), f64x2.add(t, f64x2.splat(2.0)));
  let z = v128.bitselect(f64x2.sub(f64x2.splat(1.0), q), q, ge1);
  z = v128.bitselect(f64x2.splat(1.0), z, f64x2.ge(ax, f64x2.splat(22.0)));
  z = v128.xor(z, v128.and(x, f64x2.splat(-0.0))); // z ≥ 0 here: -z for negative x is its sign bit flipped
  return v128.bitselect(x, z, f64x2.lt(ax, f64x2.splat(TWOM28)));
}

/** p[0..n) = tanh(p[0..n)), four vectors at a time. */
function tanhSpan(p: usize, n: i32): void {
  const end = p + (<usize>n << 3);
  let q = p;
  for (; q + 64 <= end; q += 64) {
    const y0 = tanhLanes(v128.load(q)), y1 = tanhLanes(v128.load(q, 16)), y2 = tanhLanes(v128.load(q, 32)), y3 = tanhLanes(v128.load(q, 48));
    v128.store(q, y0); v128.store(q, y1, 16); v128.store(q, y2, 32); v128.store(q, y3, 48);
  }
  for (; q + 16 <= end; q += 16) v128.store(q, tanhLanes(v128.load(q)));
  if (q < end) store<f64>(q, f64x2.extract_lane(tanhLanes(f64x2.splat(load<f64>(q))), 0));
}

/**
 * The activation `kind` (0 sigmoid, 1 tanh) in place on rows of a dense block: p[r·ld + j] for
 * r < rows, j < n (p a byte address, ld in elements).
 */
export function activateRows(kind: i32, p: usize, rows: i32, ld: i32, n: i32): void {
  const stride = <usize>ld << 3;
  if (ld == n) { // one span: the 4-vector loop runs across row ends
    if (kind == 0) sigmoidSpan(p, rows * n);
    else tanhSpan(p, rows * n);
    return;
  }
  for (let r = 0; r < rows; r++) {
    if (kind == 0) sigmoidSpan(p, n);
    else tanhSpan(p, n);
    p += stride;
  }
}
