/**
 * The self-test: the same seeded computations run in the browser (selftest.html) and under Node
 * (web/test/selftest.test.ts and e2e), and must agree to 1e-12 (STYLE.md §D). Pure: core only.
 *   1. gradcheck of a small GRU, LSTM and RNN on a seeded batch: the loss, the analytic gradient's
 *      first entries, and the largest relative error
 *   2. 20 training steps of the playground's own Engine (adding, T = 20): every loss and gradient norm,
 *      and a checksum of the final parameters
 */
import { gradcheck, initModel, makeConfig, makeTask, lossAndGrads, Rng, type CellKind } from "../../core/src/index";
import { Engine } from "./engine";
import { DEFAULTS } from "./state";

export interface SelftestResult {
  gradcheck: { cell: CellKind; loss: number; maxRelErr: number; checked: number; grad: number[] }[];
  training: { losses: number[]; gradNorms: number[]; paramSum: number; paramSqSum: number; first: number[] };
}

/** Runs everything (about 0.3 s). */
export function runSelftest(): SelftestResult {
  const gc: SelftestResult["gradcheck"] = [];
  for (const cell of ["rnn", "gru", "lstm"] as const) {
    const task = makeTask("adding", { T: 6 });
    const config = makeConfig({ cell, I: task.I, H: 3, O: task.O, output: task.output });
    const model = initModel(config, new Rng(11), { kind: "gaussian" });
    const tb = task.sample(new Rng(12), 2);
    const r = gradcheck(model, tb.batch, tb.spec);
    const g = lossAndGrads(null, model, tb.batch, tb.spec).grads.dparams;
    gc.push({ cell, loss: r.loss, maxRelErr: r.maxRelErr, checked: r.checked, grad: Array.from(g.subarray(0, 8)) });
  }
  const e = new Engine({ ...DEFAULTS, cell: "lstm", hidden: 8, T: 20, task: "adding", batch: 4, seed: 3, optimizer: "adam", lr: 0.01, clip: "global", clipAt: 1 });
  const losses: number[] = [], gradNorms: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = e.step();
    losses.push(s.loss);
    gradNorms.push(s.gradNorm);
  }
  let ps = 0, pq = 0;
  for (const p of e.model.params) { ps += p; pq += p * p; }
  return { gradcheck: gc, training: { losses, gradNorms, paramSum: ps, paramSqSum: pq, first: Array.from(e.model.params.subarray(0, 8)) } };
}

/** The largest |a - b| / max(1, |a|) over two results' numbers, and where. */
export function compareSelftest(a: SelftestResult, b: SelftestResult): { maxDiff: number; where: string } {
  let maxDiff = 0, where = "";
  const cmp = (x: number, y: number, w: string) => {
    const d = x === y ? 0 : Math.abs(x - y) / Math.max(1, Math.abs(x));
    if (!(d <= maxDiff)) { maxDiff = d; where = w; }
  };
  a.gradcheck.forEach((g, i) => {
    const h = b.gradcheck[i];
    cmp(g.loss, h.loss, `${g.cell} loss`); cmp(g.maxRelErr, h.maxRelErr, `${g.cell} maxRelErr`); cmp(g.checked, h.checked, `${g.cell} checked`);
    g.grad.forEach((v, j) => cmp(v, h.grad[j], `${g.cell} grad[${j}]`));
  });
  a.training.losses.forEach((v, i) => cmp(v, b.training.losses[i], `loss[${i}]`));
  a.training.gradNorms.forEach((v, i) => cmp(v, b.training.gradNorms[i], `gradNorm[${i}]`));
  cmp(a.training.paramSum, b.training.paramSum, "paramSum");
  cmp(a.training.paramSqSum, b.training.paramSqSum, "paramSqSum");
  a.training.first.forEach((v, i) => cmp(v, b.training.first[i], `param[${i}]`));
  return { maxDiff, where };
}
