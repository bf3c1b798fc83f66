/**
 * The training loss against iteration (log scale), with its running mean and the task's trivial
 * baseline as a line. The whole history is kept in growing columns and decimated to pixel width when
 * drawn. The running mean is an exponential moving average over about SMOOTH_STEPS steps (the plain
 * mean while fewer steps have passed). It shows the trend through the noise: char-lm's loss is summed
 * over one name, so it jumps with the name's length, and a batch's loss jumps with its draw.
 */
import { Chart } from "./chart";
import { minMaxIndices } from "./decimate";
import { fmtNum } from "./format";
import { extendRunningMean, type RunningMean } from "./running-mean";

/** The running mean's window, in steps (running-mean.ts). */
export const SMOOTH_STEPS = 50;

export class LossChart {
  private readonly chart: Chart;
  private it = new Float64Array(1024);
  private loss = new Float64Array(1024);
  private smooth = new Float64Array(1024);
  private n = 0;
  private mean: RunningMean = { m: NaN, k: 0 };
  private baseline = NaN;

  constructor(host: HTMLElement) {
    this.chart = new Chart(host, {
      height: 200,
      xLabel: "iteration",
      yLabel: "loss",
      series: [
        { label: "loss", stroke: "#8da9c4", width: 1, value: (_u, v) => fmtNum(v, 8) },
        { label: `mean of ~${SMOOTH_STEPS} steps`, stroke: "#1d3557", width: 2, value: (_u, v) => fmtNum(v, 6) },
        { label: "baseline", stroke: "#e76f51", width: 1.5, dash: [6, 4], spanGaps: true, points: { show: false }, value: () => fmtNum(this.baseline, 6) },
      ],
      extra: { scales: { y: { distr: 3 } } },
    });
  }

  clear(baseline: number): void {
    this.n = 0;
    this.mean = { m: NaN, k: 0 };
    this.baseline = baseline;
    this.chart.setData([[], [], [], []]);
  }

  add(iteration: Float64Array, loss: Float64Array): void {
    const need = this.n + loss.length;
    if (need > this.it.length) {
      let cap = this.it.length;
      while (cap < need) cap *= 2;
      const a = new Float64Array(cap); a.set(this.it.subarray(0, this.n)); this.it = a;
      const b = new Float64Array(cap); b.set(this.loss.subarray(0, this.n)); this.loss = b;
      const c = new Float64Array(cap); c.set(this.smooth.subarray(0, this.n)); this.smooth = c;
    }
    this.it.set(iteration, this.n);
    this.loss.set(loss, this.n);
    extendRunningMean(this.mean, loss, this.smooth, this.n, SMOOTH_STEPS);
    this.n = need;
  }

  get count(): number {
    return this.n;
  }

  /** The mean loss over iterations [from, to) of the history (for tests and the status line). */
  meanLoss(from: number, to: number): number {
    let s = 0, k = 0;
    for (let i = Math.max(0, from); i < Math.min(this.n, to); i++) { s += this.loss[i]; k++; }
    return k ? s / k : NaN;
  }

  paint(): void {
    const n = this.n;
    const idx = minMaxIndices(this.loss, n, Math.max(50, Math.floor(this.chart.width / 2)));
    const x = new Float64Array(idx.length), y: (number | null)[] = [], m: (number | null)[] = [], b: (number | null)[] = [];
    for (let j = 0; j < idx.length; j++) {
      const i = idx[j];
      x[j] = this.it[i];
      const v = this.loss[i];
      y.push(v > 0 && v < Infinity ? v : null);
      const sm = this.smooth[i];
      m.push(sm > 0 && sm < Infinity ? sm : null);
      // a straight line: its two end points only (dashed paths are slow to rasterize in software)
      b.push(this.baseline > 0 && (j === 0 || j === idx.length - 1) ? this.baseline : null);
    }
    this.chart.setData([x, y, m, b]);
  }
}
