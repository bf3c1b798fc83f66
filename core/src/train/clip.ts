/**
 * Gradient clipping on a flat gradient vector (see params.ts): by value (torch.nn.utils.clip_grad_value_),
 * by norm per named block (Keras `clipnorm`), and by global norm (torch.nn.utils.clip_grad_norm_ with
 * norm_type 2). Also `firstNonFinite`, which names the first NaN or ±Infinity for an error report.
 *
 * Norms are computed so they neither overflow nor underflow: a vector holding 1e200 has norm 1e200 here,
 * where torch 1.13 returns inf (and then zeroes every gradient), and one holding only 1e-200s has norm
 * ~1e-200 where torch returns 0. Whenever torch's plain sum of squares stays in range the results agree
 * to a few ulps (only the summation order differs).
 *
 * All functions overwrite `grads` in place (except the norms and firstNonFinite, which only read) and
 * allocate nothing but their small return value.
 */
import type { ParamLayout } from "../params";

/** What the per-block functions need of a ParamLayout: named blocks at offsets, and the total size. */
export type BlockLayout = Pick<ParamLayout, "size"> & { readonly blocks: readonly { readonly name: string; readonly offset: number; readonly size: number }[] };

/** The first non-finite gradient entry: its block, its index inside the block (row-major) and its value. */
export interface NonFinite {
  block: string;
  index: number;
  value: number;
}

// Inside [2^-480, 2^480] a plain sum of squares of up to 2^40 entries can neither overflow nor lose the
// largest term to underflow, so norms of vectors whose largest entry is in that range are computed
// unscaled: sqrt(Σx²), exactly the naive result.
const SAFE_HI = 2 ** 480;
const SAFE_LO = 2 ** -480;

/**
 * Euclidean norm of x[off..off+n): NaN if any entry is NaN, else +Infinity if any is infinite, else
 * sqrt(Σx²) computed without overflow or underflow. When the largest |entry| is in [2^-480, 2^480] this
 * is the naive sqrt(Σx²) bit for bit; otherwise the entries are scaled by a power of two first (exact),
 * so the result is that same sum done in a wider exponent range. Reads only.
 */
export function norm2(x: Float64Array, off: number, n: number): number {
  let m = 0;
  let inf = false;
  for (let i = off, end = off + n; i < end; i++) {
    const a = Math.abs(x[i]);
    if (a > m) {
      if (a === Infinity) inf = true;
      else m = a;
    } else if (a !== a) {
      return NaN;
    }
  }
  if (inf) return Infinity;
  if (m === 0) return 0;
  if (m >= SAFE_LO && m <= SAFE_HI) {
    let s = 0;
    for (let i = off, end = off + n; i < end; i++) s += x[i] * x[i];
    return Math.sqrt(s);
  }
  // m = f·2^e with f in [1, 2); scale by 2^-e in two exact halves (one factor cannot reach 2^1074)
  const e = Math.floor(Math.log2(m));
  const e1 = Math.trunc(e / 2), e2 = e - e1;
  const s1 = 2 ** -e1, s2 = 2 ** -e2;
  let s = 0;
  for (let i = off, end = off + n; i < end; i++) {
    const y = x[i] * s1 * s2;
    s += y * y;
  }
  return Math.sqrt(s) * 2 ** e1 * 2 ** e2;
}

/**
 * The global 2-norm of all gradients, the way torch.nn.utils.clip_grad_norm_ takes it: with a layout,
 * the norm of the per-block norms; without, the norm of the whole vector (the same number up to rounding).
 * NaN if any entry is NaN, else +Infinity if any is infinite. Reads only.
 */
export function globalNorm(grads: Float64Array, layout?: BlockLayout): number {
  if (!layout) return norm2(grads, 0, grads.length);
  checkLayout(grads, layout);
  // Two sums in one pass over the block norms: the plain Σ norm² (torch's, used when the largest block
  // norm is in the safe range) and a running scaled one (LAPACK dlassq: total = scale·sqrt(ssq)).
  let plain = 0, scale = 0, ssq = 1, inf = false;
  for (let j = 0; j < layout.blocks.length; j++) {
    const b = layout.blocks[j];
    const v = norm2(grads, b.offset, b.size);
    if (v !== v) return NaN;
    if (v === Infinity) {
      inf = true;
      continue;
    }
    plain += v * v;
    if (v > scale) {
      const r = scale / v;
      ssq = 1 + ssq * r * r;
      scale = v;
    } else if (v > 0) {
      const r = v / scale;
      ssq += r * r;
    }
  }
  if (inf) return Infinity;
  if (scale === 0) return 0;
  return scale >= SAFE_LO && scale <= SAFE_HI ? Math.sqrt(plain) : scale * Math.sqrt(ssq);
}

/**
 * Clamps every gradient into [-clipValue, clipValue] (torch.nn.utils.clip_grad_value_; NaN stays NaN).
 * Overwrites grads. Returns how many entries were changed.
 */
export function clipByValue(grads: Float64Array, clipValue: number): number {
  if (!(clipValue > 0)) throw new RangeError(`clipValue must be > 0, got ${clipValue}`);
  const lo = -clipValue;
  let changed = 0;
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    if (g > clipValue) {
      grads[i] = clipValue;
      changed++;
    } else if (g < lo) {
      grads[i] = lo;
      changed++;
    }
  }
  return changed;
}

/**
 * Per-block norm clipping (Keras `clipnorm`, tf.clip_by_norm on each tensor): every block g whose norm
 * exceeds maxNorm becomes g·maxNorm/‖g‖; blocks at or below maxNorm are left untouched (bit for bit).
 * A block holding ±Infinity gets coefficient 0 (finite entries become 0, infinite ones NaN), as in Keras.
 * Overwrites grads. Returns how many blocks were rescaled.
 */
export function clipByNorm(grads: Float64Array, layout: BlockLayout, maxNorm: number): number {
  if (!(maxNorm > 0)) throw new RangeError(`maxNorm must be > 0, got ${maxNorm}`);
  checkLayout(grads, layout);
  let clipped = 0;
  for (let j = 0; j < layout.blocks.length; j++) {
    const b = layout.blocks[j];
    const norm = norm2(grads, b.offset, b.size);
    if (norm > maxNorm) {
      const coef = maxNorm / norm;
      for (let i = b.offset, end = b.offset + b.size; i < end; i++) grads[i] *= coef;
      clipped++;
    }
  }
  return clipped;
}

/**
 * torch.nn.utils.clip_grad_norm_(params, maxNorm) with norm_type 2: total = globalNorm(grads, layout),
 * coef = maxNorm/(total + 1e-6) clamped to at most 1, grads *= coef. As in torch 1.13, the coefficient is
 * applied whenever it is below 1, so a norm just under maxNorm (within ~1e-6) is still scaled slightly;
 * a NaN norm makes every gradient NaN and an infinite one zeroes the finite entries. Unlike torch, the
 * norm neither overflows nor underflows (see the file comment). Overwrites grads. Returns the norm before
 * clipping and whether the gradients were scaled.
 */
export function clipByGlobalNorm(grads: Float64Array, maxNorm: number, layout?: BlockLayout): { norm: number; clipped: boolean } {
  if (!(maxNorm > 0)) throw new RangeError(`maxNorm must be > 0, got ${maxNorm}`);
  const norm = globalNorm(grads, layout);
  const coef = maxNorm / (norm + 1e-6);
  const c = coef > 1 ? 1 : coef; // torch.clamp(coef, max=1.0), NaN-propagating
  if (c === 1) return { norm, clipped: false }; // torch multiplies by 1.0 here, which changes no bit
  for (let i = 0; i < grads.length; i++) grads[i] *= c;
  return { norm, clipped: true };
}

/** The first NaN or ±Infinity in grads, by block order, or null if all are finite. Reads only. */
export function firstNonFinite(grads: Float64Array, layout: BlockLayout): NonFinite | null {
  checkLayout(grads, layout);
  for (let j = 0; j < layout.blocks.length; j++) {
    const b = layout.blocks[j];
    for (let i = 0; i < b.size; i++) {
      const v = grads[b.offset + i];
      if (!Number.isFinite(v)) return { block: b.name, index: i, value: v };
    }
  }
  return null;
}

function checkLayout(grads: Float64Array, layout: BlockLayout): void {
  if (grads.length !== layout.size) throw new RangeError(`grads length must be ${layout.size} (the layout's size), got ${grads.length}`);
}
