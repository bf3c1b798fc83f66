/**
 * The kernel's account of the playground's threads (Linux, bench/playground.ts --sched): a long task
 * whose main thread used little CPU either waited for a core or slept. /proc says which:
 *   /proc/PID/task/TID/schedstat  ns on a CPU, ns runnable but waiting for one (run_delay)
 *   /proc/PID/task/TID/stat       utime + stime of every Chromium thread, in 10 ms ticks
 *   /proc/stat                    the machine's busy, idle and stolen jiffies
 * Sampling every 5 ms costs the bench process about 1% of a core. Only this process's descendants
 * count as Chromium (another session's browser is one of the "other processes"). The kernel adds a
 * wait to run_delay when the thread gets a CPU back, so a wait that crosses a window's edge counts
 * wholly in the window where it ends, and a running thread's on-CPU time lags by up to a tick: per
 * long task the split is approximate, to a few ms.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";

interface Sample {
  /** epoch ms, the clock of the page's performance.timeOrigin + startTime */
  t: number;
  /** per renderer main thread: [ns on a CPU, ns waiting for one] */
  main: Map<number, [number, number]>;
  busy: number;
  steal: number;
  total: number;
}

const cmdline = (pid: string) => { try { return readFileSync(`/proc/${pid}/cmdline`, "utf8"); } catch { return ""; } };
/** Fields of /proc/PATH/stat after the command name: [0] state (field 3), [1] ppid, [11] utime, [12] stime. */
const statFields = (path: string) => { const st = readFileSync(`/proc/${path}/stat`, "utf8"); return st.slice(st.lastIndexOf(")") + 2).split(" "); };
/** Clock ticks a second, the unit of utime and stime (100 on Linux almost everywhere). */
const CLK_TCK = (() => { try { return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100; } catch { return 100; } })();

/** The processes descended from this one (Playwright starts Chromium as a child). */
function pids(): string[] {
  const parent = new Map<string, string>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try { parent.set(d, statFields(d)[1]); } catch { /* it ended */ }
  }
  const me = String(process.pid);
  const mine = (p: string) => { for (let q = parent.get(p), n = 0; q && q !== "0" && n < 64; q = parent.get(q), n++) if (q === me) return true; return false; };
  return [...parent.keys()].filter(mine);
}

/** Milliseconds of CPU of every thread of every Chromium process, keyed "type/thread name". */
function chromiumThreadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of pids()) {
    const cmd = cmdline(pid);
    if (!/chrom/.test(cmd)) continue;
    const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? "browser";
    let tids: string[] = [];
    try { tids = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tids) {
      try {
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
        const f = statFields(`${pid}/task/${tid}`);
        const k = `${type}/${name}${tid === pid ? " (main)" : ""}`;
        out.set(k, (out.get(k) ?? 0) + ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK);
      } catch { /* the thread ended */ }
    }
  }
  return out;
}

export class SchedSampler {
  private readonly renderers: number[];
  private readonly samples: Sample[] = [];
  private readonly cpu0: Map<string, number>;
  private cpu1 = new Map<string, number>();
  /** the page's renderer, fixed at stop(): the one whose main thread ran longest */
  private pid = 0;
  private readonly timer: ReturnType<typeof setInterval> | null;

  /**
   * Starts sampling every renderer's main thread (the page's is picked at the end: the busiest) every
   * intervalMs, or only now and at stop() with null.
   */
  constructor(intervalMs: number | null) {
    this.renderers = pids().filter((p) => cmdline(p).includes("--type=renderer")).map(Number);
    this.cpu0 = chromiumThreadCpu();
    this.samples.push(this.read());
    this.timer = intervalMs === null ? null : setInterval(() => this.samples.push(this.read()), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.samples.push(this.read());
    this.cpu1 = chromiumThreadCpu();
    const a = this.samples[0], b = this.samples[this.samples.length - 1];
    const ran = (pid: number) => (b.main.get(pid)?.[0] ?? 0) - (a.main.get(pid)?.[0] ?? 0);
    this.pid = this.renderers.slice().sort((p, q) => ran(q) - ran(p))[0] ?? 0;
  }

  private read(): Sample {
    const t = performance.timeOrigin + performance.now();
    const main = new Map<number, [number, number]>();
    for (const pid of this.renderers) {
      try {
        const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ").map(Number);
        main.set(pid, [run, wait]);
      } catch { /* the process ended */ }
    }
    const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return { t, main, busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
  }

  /**
   * After stop(), over [from, to] (epoch ms; the whole window by default): ms the page's main thread was on a CPU,
   * waiting for one, and neither (asleep or blocked), and the machine's busy and stolen fractions.
   * The counters are read every 5 ms, so a window is widened to the samples around it.
   */
  window(from = -Infinity, to = Infinity): { ms: number; runMs: number; waitMs: number; sleepMs: number; busy: number; stolen: number } {
    const s = this.samples;
    let i = 0;
    while (i < s.length - 1 && s[i + 1].t <= from) i++;
    let j = s.length - 1;
    while (j > i + 1 && s[j - 1].t >= to) j--;
    const pid = this.pid, x = s[i], y = s[j];
    const ms = y.t - x.t, jiffies = Math.max(1, y.total - x.total);
    const runMs = ((y.main.get(pid)?.[0] ?? 0) - (x.main.get(pid)?.[0] ?? 0)) / 1e6;
    const waitMs = ((y.main.get(pid)?.[1] ?? 0) - (x.main.get(pid)?.[1] ?? 0)) / 1e6;
    return { ms, runMs, waitMs, sleepMs: Math.max(0, ms - runMs - waitMs), busy: (y.busy - x.busy) / jiffies, stolen: (y.steal - x.steal) / jiffies };
  }

  /** Per Chromium thread, the fraction of one core it used between the constructor and stop(), largest first. */
  threads(): [string, number][] {
    const ms = this.samples[this.samples.length - 1].t - this.samples[0].t;
    return [...this.cpu1.entries()].map(([k, v]) => [k, (v - (this.cpu0.get(k) ?? 0)) / ms] as [string, number])
      .filter(([, f]) => f > 0).sort((a, b) => b[1] - a[1]);
  }

  /** The share of the machine's CPUs that Chromium did not use: other processes (and this sampler). */
  others(): number {
    const w = this.window();
    const chromium = this.threads().reduce((sum, [, f]) => sum + f, 0);
    return Math.max(0, w.busy - chromium / cpus().length);
  }
}

export function describe(w: ReturnType<SchedSampler["window"]>): string {
  return `${w.ms.toFixed(0)} ms: main thread on a CPU ${w.runMs.toFixed(1)}, waiting for one ${w.waitMs.toFixed(1)}, `
    + `asleep or blocked ${w.sleepMs.toFixed(1)}; machine busy ${(100 * w.busy).toFixed(0)}%, stolen ${(100 * w.stolen).toFixed(0)}%`;
}
