/**
 * A figure's SVG document on a server-side DOM (linkedom), and its serialization. Every figure
 * function starts with `createFigure` and ends with `figureToSvg`. Nothing here reads a clock or
 * draws a random id, and every geometric number is written with fixed decimals, so the same data
 * gives the same bytes.
 */
import { select, type Selection } from "d3-selection";
import { parseHTML } from "linkedom";
import { fixDecimals, type DomElement } from "./fixed-decimals";
import { THEME } from "./theme";

export const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG selection. The cli compiles without the DOM lib, so elements are typed loosely here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Sel = Selection<any, unknown, null, undefined>;

export interface Figure {
  /** the <svg> root */
  svg: Sel;
  width: number;
  height: number;
}

export interface FigureHeader {
  /** the figure's headline, drawn top left in bold */
  title: string;
  /** one or two lines below the title (the definition, or how to read it) */
  subtitle?: readonly string[];
}

/** Height taken by the title and `n` subtitle lines. */
export function headerHeight(n: number): number {
  return 30 + 17 * n;
}

/**
 * A new figure of width × height pixels with a white background, the theme's font on the root and
 * the header drawn. A <title> element carries the title for screen readers of the inline HTML.
 */
export function createFigure(width: number, height: number, header: FigureHeader): Figure {
  const { document } = parseHTML("<!DOCTYPE html><html><body></body></html>");
  const svg: Sel = select(document.body).append("svg")
    .attr("xmlns", SVG_NS)
    .attr("width", width)
    .attr("height", height)
    .attr("viewBox", `0 0 ${width} ${height}`)
    .attr("font-family", THEME.font)
    .attr("font-size", THEME.fontSize)
    .attr("color", THEME.ink)
    .attr("role", "img");
  // the accessible name, as a <title> child: linkedom escapes text content but not attribute values
  svg.append("title").text(header.title);
  svg.append("rect").attr("width", width).attr("height", height).attr("fill", THEME.background);
  svg.append("text").attr("x", 16).attr("y", 24).attr("font-size", THEME.titleSize).attr("font-weight", "bold").attr("fill", THEME.ink).text(header.title);
  (header.subtitle ?? []).forEach((line, i) => {
    svg.append("text").attr("x", 16).attr("y", 24 + 18 * (i + 1)).attr("fill", THEME.muted).text(line);
  });
  return { svg, width, height };
}

/** The figure as standalone SVG text (with the namespace), numbers rounded to 2 decimals, ending in a newline. */
export function figureToSvg(fig: Figure): string {
  const node = fig.svg.node() as DomElement & { outerHTML: string };
  fixDecimals(node);
  return node.outerHTML + "\n";
}
