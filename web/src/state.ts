/**
 * The playground's state: one typed table of fields, serialized to the URL hash. Pure: no window, no
 * location, no DOM (url.ts alone touches those), so it runs and is tested under Node.
 *
 *   decodeState("#cell=gru&hidden=8&T=200&seed=7") -> { state, notices }
 *   encodeState(state) -> "cell=gru&activation=tanh&hidden=8&T=200&..."
 *
 * Every field has a codec (int, num, enum, intOrAuto) that parses, formats and validates it, and a
 * label for its control. A missing field takes its default silently; an invalid value or an unknown
 * key takes the default with a notice. `reconcile` then fixes combinations that are invalid although
 * each field is valid on its own (adding-hs needs T >= 11, memory caps B), again with a notice.
 * decodeState(encodeState(s)) = s for every reconciled state (web/test/state.test.ts).
 *
 * Fields a task or cell ignores (T, batch and loss for char-lm; the forget bias for a GRU) keep their
 * values, so that switching back restores them; `inapplicable` says why their controls are disabled.
 */
import {
  ACTIVATIONS, CELL_KINDS, CLIP_MODES, INIT_KINDS, OPTIMIZER_KINDS,
  type Activation, type CellKind, type ClipMode, type InitKind, type OptimizerKind,
} from "../../core/src/index";
import { charLmMaxT } from "./corpus";

/** The tasks the playground offers: all of makeTask's (char-lm on the bundled names, corpus.ts). */
export const PLAYGROUND_TASKS = ["adding", "adding-hs", "copy", "temporal-order", "parity", "latch", "char-lm"] as const;
export type PlaygroundTask = (typeof PLAYGROUND_TASKS)[number];

/** What the recurrent matrix (Waa; Wc[:, :H] for gated cells) is rescaled to after the draw. */
export const WAA_SCALINGS = ["rho", "lambda1", "init"] as const;
export type WaaScaling = (typeof WAA_SCALINGS)[number];

/** Where the loss sits: the task's answer at the last step only, or a running answer at every step (loss-on.ts). */
export const LOSS_PLACES = ["last", "every"] as const;
export type LossPlace = (typeof LOSS_PLACES)[number];

export interface PlaygroundState {
  cell: CellKind;
  /** vanilla cell only */
  activation: Activation;
  /** H */
  hidden: number;
  /** sequence length (copy: the delay; its sequences have T + 20 steps; char-lm: unused, T = a name's length + 1) */
  T: number;
  waa: WaaScaling;
  /** the target ρ or λ1 of the recurrent matrix (unused when waa = init) */
  radius: number;
  init: InitKind;
  /** LSTM only: added to bf */
  forgetBias: number;
  loss: LossPlace;
  task: PlaygroundTask;
  optimizer: OptimizerKind;
  lr: number;
  clip: ClipMode;
  clipAt: number;
  /** B, or "auto": chosen from T (autoBatch); char-lm always trains on one name (B = 1) */
  batch: number | "auto";
  seed: number;
  /** the step t whose chain rule is written out; 0 = none */
  pick: number;
}

/** One field's codec: parse (null when invalid), format, the default, and what its control shows. */
export interface Codec<V> {
  readonly kind: "int" | "num" | "enum" | "intOrAuto";
  readonly default: V;
  readonly label: string;
  /** int, num, intOrAuto: the closed range */
  readonly min?: number;
  readonly max?: number;
  /** enum: the allowed values, in menu order */
  readonly values?: readonly string[];
  /** num: the smallest step the number control offers (the value itself may be any double in range) */
  readonly step?: number;
  parse(text: string): V | null;
  format(v: V): string;
  /** what a valid value is, for notices: "an integer in 1..256" */
  readonly allowed: string;
}

const INT_RE = /^[+-]?\d+$/;
const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** An integer in [min, max]. */
export function int(label: string, def: number, min: number, max: number): Codec<number> {
  return {
    kind: "int", default: def, label, min, max, allowed: `an integer in ${min}..${max}`,
    parse: (s) => {
      if (!INT_RE.test(s)) return null;
      const v = Number(s);
      return Number.isSafeInteger(v) && v >= min && v <= max ? (v === 0 ? 0 : v) : null;
    },
    format: (v) => String(v),
  };
}

/** A finite number in [min, max] (or (min, max] with `openMin`). Formatted with String(v), which round-trips every double. */
export function num(label: string, def: number, min: number, max: number, opts: { openMin?: boolean; step?: number } = {}): Codec<number> {
  const ok = (v: number) => Number.isFinite(v) && (opts.openMin ? v > min : v >= min) && v <= max;
  return {
    kind: "num", default: def, label, min, max, step: opts.step, allowed: `a number in ${opts.openMin ? "(" : "["}${min}, ${max}]`,
    parse: (s) => {
      if (!NUM_RE.test(s)) return null;
      const v = Number(s);
      return ok(v) ? (v === 0 ? 0 : v) : null; // -0 would not survive String(): store 0
    },
    format: (v) => String(v),
  };
}

/** One of `values`. */
export function enumOf<V extends string>(label: string, values: readonly V[], def: V): Codec<V> {
  return {
    kind: "enum", default: def, label, values, allowed: `one of ${values.join(", ")}`,
    parse: (s) => ((values as readonly string[]).includes(s) ? (s as V) : null),
    format: (v) => v,
  };
}

/** "auto" or an integer in [min, max]. */
export function intOrAuto(label: string, def: number | "auto", min: number, max: number): Codec<number | "auto"> {
  const i = int(label, min, min, max);
  return {
    kind: "intOrAuto", default: def, label, min, max, allowed: `auto or an integer in ${min}..${max}`,
    parse: (s) => (s === "auto" ? "auto" : i.parse(s)),
    format: (v) => String(v),
  };
}

export const T_MIN = 10;
export const T_MAX = 10_000;
export const H_MAX = 256;
export const B_MAX = 256;
/** pick (the chain-rule step) can reach the longest sequence: adding-hs's T + T/10. */
export const PICK_MAX = T_MAX + T_MAX / 10;

/** The table: one codec per field, in the order of the controls and of the encoded hash. */
export const FIELDS = {
  cell: enumOf("cell", CELL_KINDS, "rnn"),
  activation: enumOf("activation g", ACTIVATIONS, "tanh"),
  hidden: int("hidden size H", 16, 1, H_MAX),
  T: int("T (steps)", 100, T_MIN, T_MAX),
  waa: enumOf("rescale Waa to", WAA_SCALINGS, "rho"),
  radius: num("ρ or λ1", 0.9, 0, 10, { step: 0.05 }),
  init: enumOf("init", INIT_KINDS, "gaussian"),
  forgetBias: num("forget bias", 1, -10, 10, { step: 0.5 }),
  loss: enumOf("loss at", LOSS_PLACES, "last"),
  task: enumOf("task", PLAYGROUND_TASKS, "adding"),
  optimizer: enumOf("optimizer", OPTIMIZER_KINDS, "adam"),
  lr: num("learning rate", 0.01, 0, 10, { openMin: true, step: 0.001 }),
  clip: enumOf("clipping", CLIP_MODES, "global"),
  clipAt: num("clip threshold", 1, 0, 1e6, { openMin: true, step: 0.1 }),
  batch: intOrAuto("batch B", "auto", 1, B_MAX),
  seed: int("seed", 1, 0, 2 ** 31 - 1),
  pick: int("chain rule at t", 0, 0, PICK_MAX),
} satisfies { [K in keyof PlaygroundState]: Codec<PlaygroundState[K]> };

export type FieldKey = keyof PlaygroundState;
export const FIELD_KEYS = Object.keys(FIELDS) as FieldKey[];

/** Every field's default. */
export const DEFAULTS: PlaygroundState = Object.fromEntries(FIELD_KEYS.map((k) => [k, FIELDS[k].default])) as unknown as PlaygroundState;

/**
 * Fields that keep the run going when they change (the next step uses the new value); a change of any
 * other field rebuilds the model and restarts from step 0, as in TensorFlow Playground.
 */
export const CONTINUING: ReadonlySet<FieldKey> = new Set<FieldKey>(["lr", "clip", "clipAt", "pick"]);

/** True when going from a to b needs a new model (a reset). */
export function needsReset(a: PlaygroundState, b: PlaygroundState): boolean {
  return FIELD_KEYS.some((k) => !CONTINUING.has(k) && a[k] !== b[k]);
}

/** Largest (T·B·H·(2G + 4)) doubles a run may allocate for its tape and gradients: 2^25 (256 MiB). */
export const MEMORY_CAP = 2 ** 25;

/** The number of doubles a step's buffers take, roughly: tape states, gates, dpre and gradients. */
export function memoryEstimate(cell: CellKind, T: number, B: number, H: number): number {
  const G = cell === "rnn" ? 1 : cell === "gru" ? 3 : 4;
  return T * B * H * (2 * G + 4);
}

/** The longest sequence the task builds for this T: copy adds 20 steps, adding-hs up to T/10; char-lm's longest name + 1. */
export function sequenceLength(task: PlaygroundTask, T: number): number {
  return task === "copy" ? T + 20 : task === "adding-hs" ? T + Math.floor(T / 10) : task === "char-lm" ? charLmMaxT() : T;
}

/** "auto" batch: about 2000 time steps per batch, between 1 and 32 rows, within the memory cap; char-lm: 1. */
export function autoBatch(s: Pick<PlaygroundState, "cell" | "T" | "hidden" | "task">): number {
  if (s.task === "char-lm") return 1;
  const L = sequenceLength(s.task, s.T);
  let B = Math.max(1, Math.min(32, Math.floor(2000 / L)));
  while (B > 1 && memoryEstimate(s.cell, L, B, s.hidden) > MEMORY_CAP) B--;
  return B;
}

/** The batch size a state trains with (char-lm: one name per step, whatever the batch field holds). */
export function resolveBatch(s: PlaygroundState): number {
  return s.batch === "auto" || s.task === "char-lm" ? autoBatch(s) : s.batch;
}

/**
 * Fixes combinations of individually valid fields that cannot run together, returning the fixed state
 * and a notice per fix. Idempotent: reconcile(reconcile(s).state) changes nothing.
 */
export function reconcile(s: PlaygroundState): { state: PlaygroundState; notices: string[] } {
  const out = { ...s };
  const notices: string[] = [];
  if (out.task === "adding-hs" && out.T < 11) {
    notices.push(`T=${out.T} is too short for adding-hs, which needs T >= 11; using T=11`);
    out.T = 11;
  }
  if (out.batch !== "auto" && out.task !== "char-lm") {
    const L = sequenceLength(out.task, out.T);
    let B = out.batch;
    while (B > 1 && memoryEstimate(out.cell, L, B, out.hidden) > MEMORY_CAP) B = Math.max(1, Math.floor(B / 2));
    if (B !== out.batch) {
      notices.push(`batch=${out.batch} with T=${out.T} and hidden=${out.hidden} needs more than ${MEMORY_CAP * 8 / 2 ** 20} MiB; using batch=${B}`);
      out.batch = B;
    }
  }
  const L = sequenceLength(out.task, out.T);
  if (out.pick > L) {
    notices.push(`pick=${out.pick} lies beyond the last step ${L}; no step is picked`);
    out.pick = 0;
  }
  return { state: out, notices };
}

/** The hash for a state, without "#": every field, in table order (so a link survives a change of defaults). */
export function encodeState(s: PlaygroundState): string {
  const parts: string[] = [];
  for (const k of FIELD_KEYS) {
    const c = FIELDS[k] as Codec<PlaygroundState[typeof k]>;
    parts.push(`${k}=${encodeURIComponent(c.format(s[k]))}`);
  }
  return parts.join("&");
}

/** Shortens a value for a notice, so that a hostile hash cannot flood the page. */
function clip(text: string, n = 40): string {
  return text.length > n ? `${text.slice(0, n)}…` : text;
}

/**
 * The state a hash describes (with or without the leading "#"). Never throws: missing fields take
 * their defaults; invalid values, unknown keys and repeated keys take the default (or the first
 * value) with a notice. The notices are plain text, to be shown with textContent.
 */
export function decodeState(hash: string): { state: PlaygroundState; notices: string[] } {
  const state: PlaygroundState = { ...DEFAULTS };
  const notices: string[] = [];
  const text = hash.startsWith("#") ? hash.slice(1) : hash;
  const seen = new Set<string>();
  if (text.length > 0) {
    for (const part of text.split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      let key: string, raw: string;
      try {
        key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
        raw = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " "));
      } catch {
        notices.push(`"${clip(part)}" is not valid URL encoding; ignored`);
        continue;
      }
      if (!Object.hasOwn(FIELDS, key)) {
        notices.push(`unknown setting "${clip(key)}"; ignored`);
        continue;
      }
      const k = key as FieldKey;
      if (seen.has(k)) {
        notices.push(`${k} is given twice; the first value is used`);
        continue;
      }
      seen.add(k);
      const c = FIELDS[k] as Codec<PlaygroundState[typeof k]>;
      const v = c.parse(raw);
      if (v === null) {
        notices.push(`${k}="${clip(raw)}" is not ${c.allowed}; using the default ${c.format(c.default)}`);
        continue;
      }
      (state as unknown as Record<string, unknown>)[k] = v;
    }
  }
  const r = reconcile(state);
  return { state: r.state, notices: notices.concat(r.notices) };
}

/** The fields whose values differ between a and b. */
export function changedFields(a: PlaygroundState, b: PlaygroundState): FieldKey[] {
  return FIELD_KEYS.filter((k) => a[k] !== b[k]);
}

/** Which controls apply to a state (the others are shown disabled, with the reason as a title). */
export function inapplicable(s: PlaygroundState): Partial<Record<FieldKey, string>> {
  const out: Partial<Record<FieldKey, string>> = {};
  if (s.cell !== "rnn") out.activation = "gated cells use sigmoid gates and tanh";
  if (s.cell !== "lstm") out.forgetBias = "only the LSTM has a forget gate";
  if (s.waa === "init") out.radius = "Waa is kept as drawn";
  if (s.clip === "none") out.clipAt = "no clipping";
  if (s.task === "char-lm") {
    out.T = `char-lm: each step trains on one name, T = its length + 1 (up to ${charLmMaxT()})`;
    out.batch = "char-lm: one name per step (B = 1), as in the course";
    out.loss = "char-lm: the next character is predicted at every step";
  }
  return out;
}
