/**
 * The marks drawn in a panel: a line (d3-shape's line, broken at gaps) and points. Both take
 * decimated points (decimate.ts) and the panel's scales; path numbers are written with 2 decimals.
 */
import type { ScaleLinear } from "d3-scale";
import { line } from "d3-shape";
import type { Point } from "./decimate";
import type { Sel } from "./figure";

export interface LineStyle {
  color: string;
  width?: number;
  /** an SVG stroke-dasharray, e.g. "6,4"; solid when omitted */
  dash?: string;
  opacity?: number;
}

/** A line through the points, broken where y is null. */
export function drawLine(g: Sel, points: readonly Point[], x: ScaleLinear<number, number>, y: ScaleLinear<number, number>, style: LineStyle): void {
  const path = line<Point>().defined((p) => p[1] !== null).x((p) => x(p[0])).y((p) => y(p[1] as number)).digits(2)(points as Point[]);
  if (!path) return;
  const el = g.append("path").attr("d", path).attr("fill", "none").attr("stroke", style.color).attr("stroke-width", style.width ?? 1.5)
    .attr("stroke-linejoin", "round").attr("stroke-linecap", "round");
  if (style.dash) el.attr("stroke-dasharray", style.dash);
  if (style.opacity !== undefined) el.attr("stroke-opacity", style.opacity);
}

export interface PointStyle {
  color: string;
  /** radius in pixels, default 2.5 */
  r?: number;
  /** hollow circles (stroke only) instead of filled discs */
  hollow?: boolean;
}

/** One circle per point with a finite y. */
export function drawPoints(g: Sel, points: readonly Point[], x: ScaleLinear<number, number>, y: ScaleLinear<number, number>, style: PointStyle): void {
  const grp = g.append("g");
  if (style.hollow) grp.attr("fill", "none").attr("stroke", style.color).attr("stroke-width", 1.2);
  else grp.attr("fill", style.color);
  for (const [px, py] of points) {
    if (py === null) continue;
    grp.append("circle").attr("cx", x(px)).attr("cy", y(py)).attr("r", style.r ?? 2.5);
  }
}
