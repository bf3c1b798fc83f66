/**
 * The `rnnlab` command. Subcommands parse and validate their flags (zod), call core, and write files.
 * User errors print one line and exit with code 2; there is no stack trace unless RNNLAB_DEBUG=1.
 */
import { Command, CommanderError } from "commander";
import { analyzeCommand } from "./commands/analyze";
import { gradCommand } from "./commands/grad";
import { sampleCommand, trainCommand } from "./commands/train";
import { demoCommand } from "./commands/demo";
import { gradcheckCommand } from "./commands/gradcheck";
import { reproduceCommand } from "./commands/reproduce";
import { sweepCommand } from "./commands/sweep";
import { explainCommand } from "./commands/explain";
import { UsageError } from "./errors";

export function buildProgram(): Command {
  const program = new Command("rnnlab")
    .description("exact backpropagation through time for RNN, GRU and LSTM, and why the gradient vanishes")
    .showHelpAfterError(false)
    .exitOverride();
  for (const c of [gradCommand(), analyzeCommand(), trainCommand(), sampleCommand(), demoCommand(), reproduceCommand(), gradcheckCommand(), sweepCommand()]) program.addCommand(c.exitOverride());
  program.addCommand(explainCommand().exitOverride());
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
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
