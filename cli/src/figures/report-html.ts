/**
 * The explain report as one self-contained HTML page: the terminal summary, then each figure inline
 * as SVG with its caption. No script, no stylesheet or font from elsewhere, no external reference of
 * any kind (the SVG namespace attribute is dropped: HTML5 does not need it), so the file can be
 * mailed or opened offline. All text is escaped; nothing from the data is inserted as HTML.
 */
import { SVG_NS } from "./figure";

export interface ReportFigure {
  /** file stem, e.g. "chain-rule" (used as the section id) */
  name: string;
  title: string;
  caption: string;
  /** standalone SVG text from a figure function */
  svg: string;
}

export interface ReportPage {
  title: string;
  /** the lines the terminal printed */
  summary: readonly string[];
  /** the run's settings, shown under the title */
  setup: string;
  figures: readonly ReportFigure[];
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The SVG with its namespace declaration removed, for inlining in HTML. */
export function inlineSvg(svg: string): string {
  return svg.replace(` xmlns="${SVG_NS}"`, "").trim();
}

const CSS = `body{font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}
figure{margin:2em 0}figcaption{color:#444;font-size:14px}svg{max-width:100%;height:auto}
nav a{margin-right:1em}`;

/** The page as HTML text, ending in a newline. */
export function reportHtml(p: ReportPage): string {
  const out: string[] = [];
  out.push("<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">', `<title>${escapeHtml(p.title)}</title>`,
    `<style>${CSS}</style>`, "</head>", "<body>", `<h1>${escapeHtml(p.title)}</h1>`, `<p>${escapeHtml(p.setup)}</p>`);
  out.push(`<nav>${p.figures.map((f) => `<a href="#${escapeHtml(f.name)}">${escapeHtml(f.title)}</a>`).join(" ")}</nav>`);
  out.push(`<pre>${escapeHtml(p.summary.join("\n"))}</pre>`);
  for (const f of p.figures) {
    out.push(`<figure id="${escapeHtml(f.name)}">`, inlineSvg(f.svg), `<figcaption>${escapeHtml(f.caption)}</figcaption>`, "</figure>");
  }
  out.push("</body>", "</html>");
  return out.join("\n") + "\n";
}
