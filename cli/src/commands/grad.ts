/**
 * `rnnlab grad`: one forward and one backward pass, printed as JSON.
 * Inputs follow PyTorch's time-major layout: x (T, B, I); h0, c0 (B, H); targets (B, O) with --on last,
 * (T, B, O) with --on every, or class indices (B) / (T, B) for --loss ce.
 */
import { Command } from "commander";
import { z } from "zod";
import { ledgerRecords, lossAndGrads, stateDictFromModel, type Model, type Workspace } from "../../../core/src/index";
import { writeFileAtomic } from "../files";
import { parseFlags } from "../flags";
import type { LoadedModel } from "../model-source";
import { describeProblemOptions, loadProblem, problemShape, type ProblemFlags } from "../problem";
import { nest, nonFinite } from "../nested";

const gradSchema = z.object({
  ...problemShape,
  inputs: z.string({ message: "required: a .npy file of shape (T, B, I)" }),
  targets: z.string({ message: "required: a .npy file (see --help)" }),
  out: z.string().optional(),
});
export type GradFlags = z.output<typeof gradSchema>;

/** Registers the command. */
export function gradCommand(): Command {
  return describeProblemOptions(new Command("grad")
    .description("one forward and one exact BPTT pass: the loss, every gradient and the per-timestep ledger, as JSON"))
    .option("--out <file>", "write the JSON here (atomically) instead of stdout")
    .addHelpText("after", `
Examples:
  rnnlab grad --weights model.safetensors --inputs x.npy --targets y.npy --h0 h0.npy
  rnnlab grad --cell lstm --hidden 16 --inputs x.npy --targets y.npy --on every --out grads.json`)
    .action((raw: Record<string, unknown>) => runGrad(parseFlags(gradSchema, raw)));
}

/** Computes everything first and writes only at the end, so an error leaves no partial file. */
export function runGrad(f: GradFlags): void {
  const { loaded, model, batch, spec, T, B } = loadProblem(f);
  const ws = lossAndGrads(null, model, batch, spec, { ledger: true });
  const json = gradReport(ws, loaded, model, f, T, B);
  const text = JSON.stringify(json) + "\n";
  const bad = (json as { nonFinite: string[] }).nonFinite;
  if (bad.length) process.stderr.write(`rnnlab grad: warning: non-finite values in ${bad.join(", ")} (the gradient overflowed float64; the ledger's log10 norms stay exact)\n`);
  if (f.out) writeFileAtomic(f.out, text);
  else process.stdout.write(text);
}

/** The JSON document (field by field in the README). */
export function gradReport(ws: Workspace, loaded: LoadedModel, model: Model, f: ProblemFlags, T: number, B: number): unknown {
  const { config } = model;
  const { I, H } = config;
  const g = ws.grads;
  const course: Record<string, unknown> = {};
  const flatCourse: Record<string, ArrayLike<number>> = {};
  for (const b of ws.layout.blocks) {
    if (loaded.headless && (b.name === "Wya" || b.name === "by")) continue;
    const v = g.dparams.subarray(b.offset, b.offset + b.size);
    course[b.name] = nest(v, b.shape);
    flatCourse[b.name] = v;
  }
  let torch: Record<string, unknown> | null = null;
  try {
    const sd = stateDictFromModel(config, g.dparams, loaded.headless ? { ...loaded.names, head: null } : loaded.names, { gradient: true });
    torch = {};
    for (const [name, t] of sd) torch[name] = nest(t.data, t.shape);
  } catch {
    torch = null; // a reset-before GRU or a sigmoid/identity RNN has no PyTorch equivalent
  }
  const ledger = ledgerRecords(ws.ledger!, config.cell === "lstm");
  const bad = nonFinite({ loss: [ws.loss], ...flatCourse, dx: g.dx, da0: g.da0, dc0: g.dc0 });
  return {
    loss: ws.loss,
    model: { ...config, source: loaded.source, headless: loaded.headless },
    T, B,
    loss_spec: { loss: f.loss, on: f.on, reduction: f.reduction },
    grads: { course, torch },
    dx: nest(g.dx, [T, B, I]),
    da0: nest(g.da0, [B, H]),
    ...(config.cell === "lstm" ? { dc0: nest(g.dc0, [B, H]) } : {}),
    ledger,
    nonFinite: bad,
  };
}
