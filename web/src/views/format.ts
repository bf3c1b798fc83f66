/** Number formatting for hover values: exact log10 values, and the norm they stand for even far below 1e-308. */

/** log10 value v as text with 4 decimals; "0 (exactly)" for -Infinity, "NaN" for NaN. */
export function fmtLog(v: number | null | undefined): string {
  if (v === null || v === undefined) return "–";
  if (v !== v) return "NaN";
  if (v === -Infinity) return "−∞ (exactly 0)";
  if (v === Infinity) return "+∞";
  return v.toFixed(4);
}

/** The number 10^v written as m·10^e, exact far outside float64's range (10^-457.6 -> "2.51e-458"). */
export function fmtPow10(v: number): string {
  if (v !== v) return "NaN";
  if (v === -Infinity) return "0";
  if (v === Infinity) return "∞";
  let e = Math.floor(v);
  let m = 10 ** (v - e);
  if (m >= 9.9995) { m /= 10; e += 1; }
  return `${m.toFixed(3)}e${e}`;
}

/** A plain number with `digits` significant digits, or "–". */
export function fmtNum(v: number | null | undefined, digits = 6): string {
  if (v === null || v === undefined) return "–";
  if (v !== v) return "NaN";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e6) return Number(v.toPrecision(digits)).toString();
  return v.toExponential(digits - 1);
}
