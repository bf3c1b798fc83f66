/**
 * A legend: rows of a swatch (a line, a dashed line or a point) and a label, in one or more columns,
 * on a white box. Figures put it outside their plot areas, so no curve can hide under it. Text is not
 * measured on a server-side DOM, so widths are estimated from the label lengths (a deterministic
 * 0.6 em per character, generous for DejaVu Sans at this size).
 */
import type { Sel } from "./figure";
import { THEME } from "./theme";

export interface LegendItem {
  label: string;
  color: string;
  kind: "line" | "points" | "line+points" | "hollow";
  dash?: string;
  width?: number;
}

const ROW = 17;
const CHAR = THEME.fontSize * 0.6;

/** Estimated width of one column holding these labels. */
function columnWidth(items: readonly LegendItem[]): number {
  return 44 + Math.ceil(Math.max(0, ...items.map((i) => i.label.length)) * CHAR);
}

/** The items split into `columns` columns, filled top to bottom. */
function split(items: readonly LegendItem[], columns: number): LegendItem[][] {
  const per = Math.ceil(items.length / columns);
  const out: LegendItem[][] = [];
  for (let c = 0; c < columns; c++) out.push(items.slice(c * per, (c + 1) * per));
  return out.filter((c) => c.length > 0);
}

/** The most columns (up to `most`) whose estimated width fits in `maxWidth`; at least 1. */
export function legendColumns(items: readonly LegendItem[], maxWidth: number, most = 2): number {
  for (let c = Math.min(most, items.length); c > 1; c--) if (legendSize(items, c)[0] <= maxWidth) return c;
  return 1;
}

/** Estimated [width, height] of the legend. */
export function legendSize(items: readonly LegendItem[], columns = 1): [number, number] {
  const cols = split(items, columns);
  return [cols.reduce((s, c) => s + columnWidth(c), 0), 8 + ROW * Math.max(0, ...cols.map((c) => c.length))];
}

/** Draws the legend with its top left corner at (x, y) of `g`. */
export function drawLegend(g: Sel, items: readonly LegendItem[], x: number, y: number, columns = 1): void {
  const [w, h] = legendSize(items, columns);
  const box = g.append("g").attr("transform", `translate(${x},${y})`);
  box.append("rect").attr("width", w).attr("height", h).attr("fill", THEME.background).attr("stroke", THEME.grid);
  let cx0 = 0;
  for (const col of split(items, columns)) {
    col.forEach((it, i) => {
      const cy = 4 + ROW * i + ROW / 2;
      if (it.kind === "line" || it.kind === "line+points") {
        const l = box.append("line").attr("x1", cx0 + 8).attr("x2", cx0 + 32).attr("y1", cy).attr("y2", cy)
          .attr("stroke", it.color).attr("stroke-width", it.width ?? 2);
        if (it.dash) l.attr("stroke-dasharray", it.dash);
      }
      if (it.kind === "points" || it.kind === "line+points") box.append("circle").attr("cx", cx0 + 20).attr("cy", cy).attr("r", 3).attr("fill", it.color);
      if (it.kind === "hollow") box.append("circle").attr("cx", cx0 + 20).attr("cy", cy).attr("r", 3.5).attr("fill", "none").attr("stroke", it.color).attr("stroke-width", 1.2);
      box.append("text").attr("x", cx0 + 38).attr("y", cy).attr("dy", "0.35em").attr("fill", THEME.ink).text(it.label);
    });
    cx0 += columnWidth(col);
  }
}
