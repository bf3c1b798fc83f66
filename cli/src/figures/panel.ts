/**
 * A panel: a plot area with linear scales, grid lines, d3 axes and axis labels in the course's
 * notation. Log quantities are plotted as their log10 values on a linear axis, so 10^-458 is the
 * point -458 on the axis, never a zero. Figures place one or more panels with `addPanel`.
 */
import { extent } from "d3-array";
import { axisBottom, axisLeft } from "d3-axis";
import { scaleLinear, type ScaleLinear } from "d3-scale";
import type { Figure, Sel } from "./figure";
import { THEME } from "./theme";

/** Where a panel's plot area sits in the figure, in pixels. */
export interface PanelBox { left: number; top: number; width: number; height: number }

export interface PanelSpec {
  x: ScaleLinear<number, number>;
  y: ScaleLinear<number, number>;
  xLabel: string;
  yLabel: string;
  /** approximate tick counts (d3's `ticks(n)`) */
  xTicks?: number;
  yTicks?: number;
  /** a heading above the plot area (small multiples) */
  title?: string;
  /** draw a dashed line at this y (log10 1 = 0: "no change") */
  yReference?: number;
}

/** Linear scales over the box, x from `xDomain`, y from `yDomain` (already nice or exact). */
export function panelScales(box: PanelBox, xDomain: [number, number], yDomain: [number, number]) {
  return {
    x: scaleLinear().domain(xDomain).range([0, box.width]),
    y: scaleLinear().domain(yDomain).range([box.height, 0]),
  };
}

/**
 * [min, max] of the finite values (null and ±Infinity skipped), widened to contain `include`, padded
 * by `pad` of the span, and rounded outward to nice ticks. A single value gives a unit-wide domain.
 */
export function niceExtent(values: Iterable<number | null>, include: readonly number[] = [], pad = 0.02, ticks = 6): [number, number] {
  const finite: number[] = [];
  for (const v of values) if (v !== null && Number.isFinite(v)) finite.push(v);
  finite.push(...include);
  let [lo, hi] = extent(finite) as [number | undefined, number | undefined];
  if (lo === undefined || hi === undefined) { lo = -1; hi = 1; }
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const span = hi - lo;
  const d = scaleLinear().domain([lo - pad * span, hi + pad * span]).nice(ticks).domain();
  return [d[0], d[1]];
}

/**
 * Draws grid, axes and labels for `spec` in `box`; returns the plot group (origin at the box's top
 * left). The y label sits 56 px left of the axis: keep box.left (or the gap between panels) >= 72.
 */
export function addPanel(fig: Figure, box: PanelBox, spec: PanelSpec): Sel {
  const { x, y } = spec;
  const g: Sel = fig.svg.append("g").attr("transform", `translate(${box.left},${box.top})`);
  const xTicks = spec.xTicks ?? 8, yTicks = spec.yTicks ?? 6;
  // grid
  const grid = g.append("g").attr("stroke", THEME.grid).attr("stroke-width", 1);
  for (const v of y.ticks(yTicks)) grid.append("line").attr("x1", 0).attr("x2", box.width).attr("y1", y(v)).attr("y2", y(v));
  for (const v of x.ticks(xTicks)) grid.append("line").attr("x1", x(v)).attr("x2", x(v)).attr("y1", 0).attr("y2", box.height);
  if (spec.yReference !== undefined) {
    const [d0, d1] = y.domain();
    if (spec.yReference >= Math.min(d0, d1) && spec.yReference <= Math.max(d0, d1)) {
      g.append("line").attr("x1", 0).attr("x2", box.width).attr("y1", y(spec.yReference)).attr("y2", y(spec.yReference))
        .attr("stroke", THEME.reference).attr("stroke-dasharray", "4,3");
    }
  }
  // axes
  const ax = g.append("g").attr("transform", `translate(0,${box.height})`).call(axisBottom(x).ticks(xTicks, x.tickFormat(xTicks)));
  const ay = g.append("g").call(axisLeft(y).ticks(yTicks, y.tickFormat(yTicks)));
  for (const a of [ax, ay]) a.attr("font-family", null).attr("font-size", THEME.fontSize - 1);
  // labels
  g.append("text").attr("x", box.width / 2).attr("y", box.height + 36).attr("text-anchor", "middle").attr("fill", THEME.ink).text(spec.xLabel);
  g.append("text").attr("transform", `translate(-56,${box.height / 2}) rotate(-90)`).attr("text-anchor", "middle")
    .attr("fill", THEME.ink).text(spec.yLabel);
  if (spec.title) g.append("text").attr("x", 0).attr("y", -8).attr("font-weight", "bold").attr("fill", THEME.ink).text(spec.title);
  return g;
}
