/**
 * The `rnnlab` command. Subcommands parse and validate their flags (zod), call core, and write files.
 * User errors print one line and exit with code 2; there is no stack trace unless RNNLAB_DEBUG=1.
 */
import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { UsageError } from "./errors";

/**
 * Each subcommand's module, loaded only when it is asked for: `rnnlab grad` does not load explain's
 * figure libraries (d3, linkedom, resvg), which keeps every start fast. `rnnlab --help` loads them all.
 */
const COMMANDS: Record<string, () => Promise<Command[]>> = {
  explain: async () => [(await import("./commands/explain")).explainCommand()],
  grad: async () => [(await import("./commands/grad")).gradCommand()],
  analyze: async () => [(await import("./commands/analyze")).analyzeCommand()],
  train: async () => [(await import("./commands/train")).trainCommand()],
  sample: async () => [(await import("./commands/train")).sampleCommand()],
  sweep: async () => [(await import("./commands/sweep")).sweepCommand()],
  reproduce: async () => [(await import("./commands/reproduce")).reproduceCommand()],
  summary: async () => [(await import("./commands/summary")).summaryCommand()],
  gradcheck: async () => [(await import("./commands/gradcheck")).gradcheckCommand()],
  demo: async () => [(await import("./commands/demo")).demoCommand()],
};

/** The program with the subcommand named in argv (or, for help and unknown names, all of them). */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command("rnnlab")
    .description("exact backpropagation through time for RNN, GRU and LSTM, and why the gradient vanishes")
    .version((createRequire(import.meta.url)("../../package.json") as { version: string }).version)
    .showHelpAfterError(false)
    .exitOverride();
  const first = argv.find((a) => !a.startsWith("-"));
  const names = first && first in COMMANDS ? [first] : Object.keys(COMMANDS);
  for (const name of names) for (const c of await COMMANDS[name]()) program.addCommand(c.exitOverride());
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await import("./gemm-env");
    await (await buildProgram(argv)).parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit through here with code 0; a bare `rnnlab` shows the help and is a usage error
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
      return 2; // commander already printed the help or "error: ..." on stderr
    }
    if (e instanceof UsageError) {
      process.stderr.write(`rnnlab: ${e.message}\n`);
      return 2;
    }
    if (process.env.RNNLAB_DEBUG) throw e;
    process.stderr.write(`rnnlab: internal error: ${(e as Error).message} (set RNNLAB_DEBUG=1 for the stack)\n`);
    return 1;
  }
}

// A closed pipe (`rnnlab grad | head`) is the reader's choice, not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
