/**
 * `rnnlab reproduce char-lm`: the course's Dinosaurus Island model (Sequence Models, week 1: n_a = 50,
 * SGD lr 0.01, gradients clipped to ±5, one name per step, 35,000 iterations) on the 1,025 names of
 * the `pokemon` npm package. DIR/char-lm.json holds the loss smoothed as the course smooths it
 * (starting at ln V·7, then loss·0.999 + cur·0.001 each step) and names sampled after training.
 * Two differences from the course, both from core's trainer: it draws a name uniformly at random each
 * step instead of walking a once-shuffled list, and a<0> = 0 for every name instead of carrying the
 * last name's final state over.
 */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { initialLoss, modelFromJSONText, Rng, sampleName, smoothLoss, type CharLmTask } from "../../../core/src/index";
import { writeFileAtomic } from "../files";
import { runDir } from "../sweep/run";
import { buildTask } from "../train-run";
import { reportHead, type Reproduction } from "./reproduction";

/** The course's num_iterations and dino_names. */
export const CHAR_LM_STEPS = 35_000;
export const CHAR_LM_NAMES = 7;
/** Points kept of the smoothed curve (the value at every k-th step, k = ceil(steps / this)). */
const CURVE_POINTS = 1000;

export const charLmReproduction: Reproduction = {
  name: "char-lm",
  title: "the course's character-level name model (n_a = 50, SGD 0.01, clip ±5): smoothed loss from ln V·7, and sampled names",
  source: "Andrew Ng's Sequence Models course, week 1, 'Dinosaurus Island' (model(): num_iterations 35000, n_a 50, dino_names 7)",
  grid: (quick) => ({
    description: "the course's Dinosaurus Island char-LM on the pokemon names",
    base: { task: "char-lm", cell: "rnn", hidden: quick ? 8 : 50, batch: 1, optimizer: "sgd", lr: 0.01, "clip-value": 5, "save-every": quick ? 10 : 1000 },
    grid: {},
    seeds: [1],
    steps: quick ? 40 : CHAR_LM_STEPS,
  }),
  finish(ctx) {
    const out: string[] = [];
    const runs = ctx.plan.runs.map((run) => {
      const res = ctx.collected.results[run.index]!;
      const task = buildTask(run.flags) as CharLmTask;
      const V = task.vocab.V;
      const k = Math.max(1, Math.ceil(res.losses.length / CURVE_POINTS));
      let s = initialLoss(V);
      const step: number[] = [0], smoothed: number[] = [s];
      res.losses.forEach((l, i) => {
        s = smoothLoss(s, l ?? NaN);
        if ((i + 1) % k === 0 || i + 1 === res.losses.length) { step.push(i + 1); smoothed.push(s); }
      });
      const model = modelFromJSONText(readFileSync(join(runDir(ctx.dir, run.id), "model.json"), "utf8"));
      const rng = new Rng(run.seed);
      const names = Array.from({ length: CHAR_LM_NAMES }, () => sampleName(model, task.vocab, rng));
      out.push(`char-lm (seed ${run.seed}): smoothed loss ${initialLoss(V).toFixed(3)} (ln ${V}·7) -> ${s.toFixed(3)} after ${res.steps} steps`
        + ` (per-name uniform baseline ${task.baseline.toFixed(3)}; unigram entropy ${task.unigramNats.toFixed(3)} nats/char)`);
      out.push(`  sampled: ${names.join(", ")}`);
      return { seed: run.seed, id: run.id, V, initialLoss: initialLoss(V), baseline: task.baseline, unigramNats: task.unigramNats, steps: res.steps,
        smoothed: { step, loss: smoothed }, names };
    });
    writeFileAtomic(join(ctx.dir, "char-lm.json"), JSON.stringify({
      ...reportHead(ctx, "rnnlab-reproduce-char-lm", charLmReproduction.source), base: ctx.plan.grid.base,
      smoothing: "loss<0> = ln V·7; loss<j> = 0.999·loss<j-1> + 0.001·(the j-th step's loss, summed over the name's characters)", runs,
    }) + "\n");
    return out;
  },
};
