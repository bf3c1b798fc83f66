/**
 * The extended-range carry of the backward pass (sequence.ts, analysis/deep-twin.ts): dJ/da (and
 * dJ/dc) travel as g·2^k with an integer k. While |g| stays in [2^-400, 2^400], k = 0 and the
 * arithmetic is plain float64's; outside it, g is rescaled by an exact power of two.
 */
import { maxAbs, pow2 } from "./linalg";

const HI = 2 ** 400;
const LO = 2 ** -400;

/** x[off..off+n) *= 2^k exactly (in two factors, so that |k| up to ~2000 does not overflow 2^k itself). */
export function scaleBy2(x: Float64Array, off: number, n: number, k: number): void {
  if (k === 0) return;
  const k1 = Math.trunc(k / 2);
  scaleByFactors(x, off, n, pow2(k1), pow2(k - k1));
}

/**
 * x[off..off+n) *= s1·s2 (each nonzero entry, as v·s1·s2): scaleBy2 with s1 = 2^trunc(k/2),
 * s2 = 2^(k - trunc(k/2)) computed once by the caller (the backward loop rescales one row per step at
 * the same k for thousands of steps; Math.pow twice per row was measurable).
 * Returns true when every entry is ±0 afterwards (it underflowed, or was 0).
 */
export function scaleByFactors(x: Float64Array, off: number, n: number, s1: number, s2: number): boolean {
  let zero = true;
  for (let i = off, end = off + n; i < end; i++) {
    const v = x[i];
    if (v !== 0) {
      const w = v * s1 * s2;
      x[i] = w;
      if (w !== 0) zero = false;
    }
  }
  return zero;
}

/**
 * g += direct[dOff..dOff+n) where g carries scale 2^k; returns the new k. When k < 0 the carried part
 * is tiny next to a loss term, so it returns to the plain scale first (and may underflow, as plain
 * float64 would). gc (the LSTM's dJ/dc, or null) shares g's scale.
 */
export function addDirectScaled(g: Float64Array, gc: Float64Array | null, direct: Float64Array, dOff: number, n: number, k: number): number {
  if (!(maxAbs(direct, dOff, n) > 0)) return k;
  if (k < 0) {
    scaleBy2(g, 0, n, k);
    if (gc) scaleBy2(gc, 0, n, k);
    k = 0;
  }
  if (k === 0) for (let i = 0; i < n; i++) g[i] += direct[dOff + i];
  else {
    const s = pow2(-k);
    for (let i = 0; i < n; i++) g[i] += direct[dOff + i] * s;
  }
  return k;
}

/** Rescales g (and gc) by a power of two when their largest entry leaves [2^-400, 2^400]; returns the new k. */
export function renormalizeScaled(g: Float64Array, gc: Float64Array | null, n: number, k: number): number {
  const m = gc ? Math.max(maxAbs(g, 0, n), maxAbs(gc, 0, n)) : maxAbs(g, 0, n);
  if (m > 0 && (m < LO || (m > HI && m < Infinity))) {
    const s = -Math.floor(Math.log2(m));
    scaleBy2(g, 0, n, s);
    if (gc) scaleBy2(gc, 0, n, s);
    return k - s;
  }
  return k;
}
