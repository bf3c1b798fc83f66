/** A log10 value written as a power of ten for people: -250.083 -> "10^-250.1", 0.004 -> "10^0.0"; null (an exact zero) -> "0". */
export function formatPow10(log10: number | null, digits = 1): string {
  if (log10 === null || log10 === -Infinity) return "0";
  if (log10 === Infinity) return "∞";
  let s = log10.toFixed(digits);
  if (Number(s) === 0) s = (0).toFixed(digits); // no "10^-0.0"
  return `10^${s}`;
}
