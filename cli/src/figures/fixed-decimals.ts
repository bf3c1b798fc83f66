/**
 * Numbers in SVG attributes with fixed decimals, so that a figure's bytes do not depend on the last
 * bits of a float (or on how a platform prints 0.1 + 0.2). Applied to every geometric attribute of
 * every element once a figure is built; text content and colours are left alone.
 */
/** The part of a (linkedom) DOM element this file uses; cli compiles without the DOM lib. */
export interface DomElement {
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

/** The attributes whose numbers are rounded. */
const NUMERIC_ATTRIBUTES = ["d", "transform", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "points", "viewBox", "dx", "dy"];

const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g;

/** A number with at most `digits` decimals, no trailing zeros, and never "-0". */
export function fixedNumber(v: number, digits = 2): string {
  let s = v.toFixed(digits);
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s === "-0" ? "0" : s;
}

/** Rewrites every number in one attribute value with `fixedNumber`. */
export function fixedAttribute(value: string, digits = 2): string {
  return value.replace(NUMBER, (m) => fixedNumber(Number(m), digits));
}

/** Rounds the numeric attributes of `root` and all its descendants, in place. */
export function fixDecimals(root: DomElement, digits = 2): void {
  const all = [root, ...Array.from(root.querySelectorAll("*"))];
  for (const el of all) {
    for (const name of NUMERIC_ATTRIBUTES) {
      const v = el.getAttribute(name);
      if (v !== null) el.setAttribute(name, fixedAttribute(v, digits));
    }
  }
}
