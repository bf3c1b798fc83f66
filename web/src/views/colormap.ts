/**
 * The colour table shared by the strip and the heatmap: NUM_SHADES RGBA entries of viridis, built once
 * at load, so painting a pixel is an index computation and four byte copies, never a colour parse.
 * Two extra entries: exactly zero (log10 = -Infinity) and NaN.
 */
export const NUM_SHADES = 256;
/** Index of the "exactly zero" colour and of the NaN colour in LUT. */
export const ZERO_SHADE = NUM_SHADES;
export const NAN_SHADE = NUM_SHADES + 1;

// viridis (matplotlib) at 9 evenly spaced stops
const STOPS = [0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725];

/** (NUM_SHADES + 2) × RGBA: shades from small (dark purple) to large (yellow), then zero (light grey), then NaN (red). */
export const LUT: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray((NUM_SHADES + 2) * 4);
  for (let i = 0; i < NUM_SHADES; i++) {
    const x = (i / (NUM_SHADES - 1)) * (STOPS.length - 1);
    const k = Math.min(STOPS.length - 2, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++) {
      const sh = 16 - 8 * c;
      const a = (STOPS[k] >> sh) & 255, b = (STOPS[k + 1] >> sh) & 255;
      lut[i * 4 + c] = Math.round(a + (b - a) * f);
    }
    lut[i * 4 + 3] = 255;
  }
  lut.set([222, 222, 222, 255], ZERO_SHADE * 4);
  lut.set([230, 30, 30, 255], NAN_SHADE * 4);
  return lut;
})();

/** The LUT index of value v on the scale [lo, hi]: clamped shades, ZERO_SHADE for -Infinity, NAN_SHADE for NaN. */
export function shadeOf(v: number, lo: number, hi: number): number {
  if (v !== v) return NAN_SHADE;
  if (v === -Infinity) return ZERO_SHADE;
  const span = hi - lo;
  if (!(span > 0)) return NUM_SHADES - 1;
  const i = Math.floor(((v - lo) / span) * NUM_SHADES);
  return i < 0 ? 0 : i >= NUM_SHADES ? NUM_SHADES - 1 : i;
}

/** The CSS colour of a LUT index (for legends and swatches, not per pixel). */
export function cssOf(shade: number): string {
  const o = shade * 4;
  return `rgb(${LUT[o]}, ${LUT[o + 1]}, ${LUT[o + 2]})`;
}

/** The finite range [lo, hi] of v (NaN, ±Infinity skipped); [NaN, NaN] when none is finite. */
export function finiteRange(v: ArrayLike<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x > -Infinity && x < Infinity) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}
