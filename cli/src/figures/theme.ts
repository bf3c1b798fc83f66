/**
 * The look shared by every figure: one font stack, the ink and grid greys, and the colour of each
 * model. Colours are the Okabe-Ito palette, which stays distinguishable with the common colour-vision
 * deficiencies. The PNG renderer (png.ts) maps the font stack to DejaVu Sans when it is installed.
 */
export const THEME = {
  font: "DejaVu Sans, Liberation Sans, Arial, sans-serif",
  fontSize: 12,
  titleSize: 15,
  background: "#ffffff",
  ink: "#222222",
  muted: "#555555",
  grid: "#e6e6e6",
  /** a marked reference level (‖·‖ = 1, no change) */
  reference: "#999999",
} as const;

/** One colour per model of the explain report, by key; `seriesColor` falls back to GREYS. */
export const CELL_COLORS: Readonly<Record<string, string>> = {
  rnn: "#D55E00", // vermillion
  gru: "#009E73", // bluish green
  lstm: "#0072B2", // blue
  lstmBf: "#CC79A7", // reddish purple
  // the same cell in another setup (summary --figure: a non-default init beside the default)
  rnnVariant: "#E69F00", // orange
  gruVariant: "#56B4E9", // sky blue
  lstmVariant: "#CC79A7", // reddish purple
};

/** Colours of the two gradient paths and their sum (figures two-paths and chain-rule). */
export const PATH_COLORS = {
  direct: "#E69F00", // orange
  recurrent: "#0072B2", // blue
  total: "#222222",
} as const;

const GREYS = ["#444444", "#777777", "#aaaaaa"];

/** The colour of a model by key, or a grey by position for keys the palette does not know. */
export function seriesColor(key: string, index: number): string {
  return CELL_COLORS[key] ?? GREYS[index % GREYS.length];
}
