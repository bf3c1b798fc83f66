/**
 * Progress for long commands (train, sweep, reproduce). On a terminal (the stream's isTTY) it draws a
 * cli-progress bar with an ETA and a short detail text; otherwise it prints plain lines every
 * `plainEvery` units (and, with `plainSeconds`, at least that often); `quiet` prints nothing at all.
 * Lines logged through `log` appear above the bar, or as plain lines.
 */
import { MultiBar, Presets } from "cli-progress";

/** The stream progress writes to: process.stderr, or a stand-in in tests. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface ProgressOptions {
  /** the value at which the work is done (steps, or steps summed over runs) */
  total: number;
  /** the value already done (a resumed run) */
  start?: number;
  /** a word before the numbers: "step", "sweep" */
  label: string;
  quiet: boolean;
  /** default process.stderr */
  stream?: ProgressStream;
  /** plain mode: print a line each time the value passes a multiple of this; default total/20 */
  plainEvery?: number;
  /** plain mode: also print when this many seconds passed since the last line (none by default) */
  plainSeconds?: number;
}

export interface Progress {
  /** "bar" on a terminal, "plain" otherwise, "quiet" with --quiet */
  readonly mode: "bar" | "plain" | "quiet";
  /** Sets the value; `detail` is called only when its text is shown (with the mode, so a bar can get a shorter text). */
  update(value: number, detail?: (mode: "bar" | "plain") => string): void;
  /** Prints a line (above the bar on a terminal). */
  log(line: string): void;
  /** Draws the last state and releases the terminal. Safe to call twice. */
  stop(): void;
}

/** Creates the progress display that fits the stream. */
export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { mode: "quiet", update() {}, log() {}, stop() {} };
  if (stream.isTTY) return barProgress(opts, stream);
  return plainProgress(opts, stream);
}

function plainProgress(opts: ProgressOptions, stream: ProgressStream): Progress {
  const every = Math.max(1, opts.plainEvery ?? Math.round(opts.total / 20));
  let next = (Math.floor((opts.start ?? 0) / every) + 1) * every;
  let lastAt = Date.now();
  let printedLast = false;
  const line = (value: number, detail?: (mode: "plain") => string) => {
    stream.write(`${opts.label} ${value}/${opts.total}${detail ? "  " + detail("plain") : ""}\n`);
    lastAt = Date.now();
  };
  return {
    mode: "plain",
    update(value, detail) {
      const due = value >= next || value === opts.total || (opts.plainSeconds !== undefined && Date.now() - lastAt >= opts.plainSeconds * 1000);
      if (!due || (value === opts.total && printedLast)) return;
      while (next <= value) next += every;
      printedLast = value === opts.total;
      line(value, detail);
    },
    log(s) { stream.write(s + "\n"); },
    stop() {},
  };
}

function barProgress(opts: ProgressOptions, stream: ProgressStream): Progress {
  const multi = new MultiBar({
    stream,
    format: "{label} {bar} {percentage}% {value}/{total} | ETA {eta_formatted} | {detail}",
    barsize: 24,
    fps: 5,
    etaBuffer: 200,
    hideCursor: false,
    clearOnComplete: false,
    linewrap: true,
    gracefulExit: false,
  }, Presets.shades_classic);
  const bar = multi.create(opts.total, opts.start ?? 0, { label: opts.label, detail: "" });
  let stopped = false;
  return {
    mode: "bar",
    update(value, detail) {
      if (!stopped) bar.update(value, { detail: detail ? detail("bar") : "" });
    },
    log(s) {
      if (stopped) stream.write(s + "\n");
      else multi.log(s + "\n");
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.update(); // writes the lines logged since the last redraw
      multi.stop();
    },
  };
}
