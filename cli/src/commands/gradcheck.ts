/**
 * `rnnlab gradcheck`: exact BPTT against central finite differences (core's `gradcheck`) over every
 * parameter, every x<t>, a<0> and c<0>, on the model and data that `rnnlab grad` takes, or on a seeded
 * model with synthetic N(0,1) inputs. Prints the worst relative error per group; exit 1 when the
 * largest exceeds --tol.
 */
import { Command } from "commander";
import { z } from "zod";
import { gradcheck, Rng, type GradcheckResult } from "../../../core/src/index";
import { parseLayered } from "../config";
import { UsageError } from "../errors";
import { writeFileAtomic } from "../files";
import { enumFlag, intFlag, numberText } from "../flags";
import { describeProblemOptions, loadProblem, problemShape } from "../problem";
import { float64For } from "../gemm-env";

const gradcheckSchema = z.object({
  ...problemShape,
  T: intFlag(1, 100_000).default(8),
  batch: intFlag(1, 4096).default(2),
  inputSize: intFlag(1, 4096).default(3),
  stencil: enumFlag(["2", "4", "6"] as const).default("6"),
  h: numberText.refine((v) => v > 0 && v < 1, "expected a step in (0, 1)").optional(),
  sample: intFlag(1, 100_000_000).optional(),
  tol: numberText.refine((v) => v > 0, "expected a tolerance > 0").default(1e-7),
  json: z.boolean().default(false),
  out: z.string().optional(),
});
type GradcheckFlags = z.output<typeof gradcheckSchema>;

export function gradcheckCommand(): Command {
  return describeProblemOptions(new Command("gradcheck")
    .description("check exact BPTT against central finite differences over every parameter, x<t>, a<0> and c<0>; exit 1 above --tol"))
    .option("--T <steps>", "synthetic inputs (no --inputs): sequence length", "8")
    .option("--batch <B>", "synthetic inputs: batch size", "2")
    .option("--input-size <I>", "synthetic inputs: input size", "3")
    .option("--stencil <n>", "2|4|6: order of the central difference (6: error O(h^6))", "6")
    .option("--h <x>", "step relative to max(1, |θ|); default 3e-3 (stencil 6), 1e-3 (4), 1e-5 (2)")
    .option("--sample <n>", "check n coordinates per group, drawn with --seed (large models); default all")
    .option("--tol <x>", "largest relative error allowed", "1e-7")
    .option("--json", "print the result as JSON")
    .option("--out <file>", "also write the JSON here (atomically)")
    .option("--config <file>", "JSON object of these options; flags given here win")
    .addHelpText("after", `
Examples:
  rnnlab gradcheck --cell lstm --hidden 8 --seed 3                       # seeded LSTM, synthetic inputs
  rnnlab gradcheck --weights model.safetensors --inputs x.npy --targets y.npy --stencil 4 --sample 200
  rnnlab gradcheck --cell gru --gru-variant reset-after --loss ce --on every --T 20`)
    .action((raw: Record<string, unknown>, cmd: Command) => runGradcheck(parseLayered(gradcheckSchema, raw, cmd)));
}

function runGradcheck(f: GradcheckFlags): void {
  float64For("gradcheck");
  if (f.targets && !f.inputs) throw new UsageError("--targets: needs --inputs (synthetic inputs come with zero targets)");
  const { model, batch, spec, T, B } = loadProblem(f, { T: f.T, B: f.batch, I: f.inputSize });
  const stencil = Number(f.stencil) as 2 | 4 | 6;
  const r = gradcheck(model, batch, spec, {
    stencil, h: f.h, sample: f.sample !== undefined ? { count: f.sample, rng: new Rng(f.seed ?? 1) } : undefined,
  });
  // a non-finite loss has no derivative to check: that is the input's problem, not BPTT's (exit 2, not 1)
  if (!Number.isFinite(r.loss)) throw new UsageError(`the loss is ${r.loss} for these weights and inputs (the forward pass overflowed); a gradient check needs a finite loss`);
  const pass = r.maxRelErr <= f.tol;
  const json = { pass, tol: f.tol, stencil, T, B, model: model.config, ...r };
  const text = JSON.stringify(json, null, 1) + "\n";
  if (f.out) writeFileAtomic(f.out, text);
  if (f.json) process.stdout.write(text);
  else process.stdout.write(report(r, f, model.config.cell, model.config.H, T, B, stencil, pass).join("\n") + "\n");
  if (!pass) process.exitCode = 1;
}

function report(r: GradcheckResult, f: GradcheckFlags, cell: string, H: number, T: number, B: number, stencil: number, pass: boolean): string[] {
  const lines = [`rnnlab gradcheck: ${cell} H=${H}, T=${T}, B=${B}, loss ${f.loss} on ${f.on} (${f.reduction}); ${stencil}th-order central differences; loss ${r.loss.toPrecision(6)}`];
  lines.push(`  ${"group".padEnd(8)} ${"checked".padStart(8)}  worst relative error`);
  for (const [g, s] of Object.entries(r.groups)) lines.push(`  ${g.padEnd(8)} ${String(s.checked).padStart(8)}  ${s.maxRelErr.toExponential(2)}`);
  const w = r.worst;
  lines.push(`  max ${r.maxRelErr.toExponential(2)} over ${r.checked} coordinates${w ? ` at ${w.group}[${w.index}] (analytic ${w.analytic.toPrecision(10)}, numeric ${w.numeric.toPrecision(10)})` : ""}`);
  lines.push(pass ? `pass: ${r.maxRelErr.toExponential(2)} <= --tol ${f.tol}` : `FAIL: ${r.maxRelErr.toExponential(2)} > --tol ${f.tol}`);
  return lines;
}
