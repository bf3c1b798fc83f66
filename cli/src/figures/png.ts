/**
 * SVG text to PNG bytes with @resvg/resvg-js. Fonts: DejaVu Sans when Debian's fonts-dejavu-core is
 * installed (loaded by file, which is fast and pins the glyphs), else whatever the system has. The
 * PNG's pixels may differ across machines with other fonts; tests check its size and background only.
 */
import { existsSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";
import { THEME } from "./theme";

const FONT_FILES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];

let fonts: string[] | null = null;

/** Renders `svg` at `zoom` times its size (2: crisp on high-density screens and in print). */
export function svgToPng(svg: string, zoom = 2): Uint8Array {
  fonts ??= FONT_FILES.filter((f) => existsSync(f));
  const r = new Resvg(svg, {
    fitTo: { mode: "zoom", value: zoom },
    background: THEME.background,
    font: { fontFiles: fonts, loadSystemFonts: fonts.length === 0, defaultFontFamily: fonts.length ? "DejaVu Sans" : "" },
    logLevel: "off",
  });
  const png = r.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
