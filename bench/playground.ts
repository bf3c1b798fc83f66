/**
 * The playground under load (a Playwright script, not part of `npm test`): trains at T = 10,000,
 * H = 64 (B = 1, adding) in Debian's Chromium, one page per cell, and measures after a warm-up
 *   - gradient views per second: frames from the training worker, each the ledger of a full forward,
 *     BPTT and ledger over T steps, taken from the training step itself (target >= 5/s)
 *   - main-thread long tasks (PerformanceObserver 'longtask'; target: none over 50 ms)
 *   - the training worker's busy fraction (its step time over wall time: 1.0 means the view rate is
 *     the step rate and nothing but the step itself limits it), paints per second, analyses per second
 *   - on Linux, the CPU that other processes than Chromium took over the window (a disturbed
 *     measurement), and each Chromium thread's CPU
 *   - with --sched (Linux, bench/sched.ts): for the whole window and for each long task, the time the
 *     page's main thread was on a CPU, waiting for one, and asleep (the kernel's schedstat every 5 ms)
 *   - with --trace: a Chrome trace of the window, and for each main-thread task over 50 ms its wall
 *     time against the main thread's CPU time inside it; every thread's events within 200 ms of each
 *     long task go to out/bench/playground-trace-CELL.json (for ui.perfetto.dev)
 * Run:  npx tsx bench/playground.ts [--cells rnn,gru,lstm] [--seconds 20] [--warmup 4] [--sched] [--trace] [--hash "hidden=64&T=10000"]
 * (`--hash` without cell=; each cell is added.) Writes out/bench/playground.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { startPlayground, REPO } from "../web/test/e2e/server";
import { describe, SchedSampler } from "./sched";

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const seconds = Number(arg("seconds", "20"));
const warmup = Number(arg("warmup", "4"));
const cells = arg("cells", "rnn,gru,lstm").split(",");
const base = arg("hash", "hidden=64&T=10000&task=adding&batch=1&seed=1&pick=5000");
const trace = process.argv.includes("--trace");
const sched = process.argv.includes("--sched");

// the timeline's tasks, plus what a task can wait on (IPC, the GPU process, V8's GC, the scheduler) and
// the page's user-timing mark that puts its long tasks on the trace's clock
const TRACE_CATEGORIES = "toplevel,devtools.timeline,disabled-by-default-devtools.timeline,v8,blink,cc,gpu,ipc,mojom,renderer.scheduler,benchmark,blink.user_timing";

interface TraceEvent { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; tdur?: number; args?: { name?: string } }

interface Probe {
  frames: number; viewUpdates: number; iteration: number; analyses: number; trainMs: number; heatRows: number;
  renderMs: number; renderMsMax: number; viewMsMax: Record<string, number>; lastError: string;
}
type Win = { rnnlab: Probe; __longtasks: { start: number; duration: number }[] };

const pg = await startPlayground();
const results: Record<string, unknown>[] = [];
try {
  for (const cell of cells) {
    const hash = `cell=${cell}&${base}`;
    const page = await pg.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.addInitScript(() => {
      const w = globalThis as unknown as Win;
      w.__longtasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longtasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: "longtask", buffered: true });
    });
    await page.goto(`${pg.url}#${hash}`);
    await page.waitForFunction(() => (globalThis as unknown as Win).rnnlab?.frames >= 1, null, { timeout: 60_000 });
    await page.click("#play");
    await page.waitForTimeout(warmup * 1000);
    const read = () => page.evaluate(() => {
      const w = globalThis as unknown as Win;
      const p = w.rnnlab;
      return {
        t: performance.now(), frames: p.frames, viewUpdates: p.viewUpdates, iteration: p.iteration, analyses: p.analyses, trainMs: p.trainMs,
        heatRows: p.heatRows, renderMs: p.renderMs, renderMsMax: p.renderMsMax, viewMsMax: p.viewMsMax, lastError: p.lastError,
      };
    });
    const events: TraceEvent[] = [];
    const cdp = trace ? await page.context().newCDPSession(page) : null;
    let traced: Promise<void> = Promise.resolve();
    let syncMs = 0;
    if (cdp) {
      cdp.on("Tracing.dataCollected", (d) => { for (const e of d.value) events.push(e as unknown as TraceEvent); });
      traced = new Promise<void>((r) => cdp.once("Tracing.tracingComplete", () => r()));
      // recordAsMuchAsPossible: the default, recordUntilFull, stops recording silently once its buffer is full
      await cdp.send("Tracing.start", { transferMode: "ReportEvents", traceConfig: { recordMode: "recordAsMuchAsPossible", includedCategories: TRACE_CATEGORIES.split(",") } });
      syncMs = await page.evaluate(() => performance.mark("rnnlab-trace-sync").startTime);
    }
    // without --sched only the window's ends are read: enough for the other processes' share
    const sampler = process.platform === "linux" ? new SchedSampler(sched ? 5 : null) : null;
    const a = await read();
    await page.waitForTimeout(seconds * 1000);
    const b = await read();
    sampler?.stop();
    const origin = await page.evaluate(() => performance.timeOrigin);
    let traceTasks: { wallMs: number; cpuMs: number; ts: number; dur: number }[] | null = null;
    let traceSpan = 0;
    const longTasks = await page.evaluate(([from, to]: number[]) => (globalThis as unknown as Win).__longtasks.filter((e) => e.start >= from && e.start < to), [a.t, b.t]);
    if (cdp) {
      await cdp.send("Tracing.end");
      await traced;
      // the page's main thread: of the threads named CrRendererMain (one per renderer process), the busiest
      const count = new Map<string, number>();
      for (const e of events) if (e.ph === "X") count.set(`${e.pid}:${e.tid}`, (count.get(`${e.pid}:${e.tid}`) ?? 0) + 1);
      const main = events
        .filter((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain")
        .sort((x, y) => (count.get(`${y.pid}:${y.tid}`) ?? 0) - (count.get(`${x.pid}:${x.tid}`) ?? 0))[0];
      traceTasks = events
        .filter((e) => main && e.pid === main.pid && e.tid === main.tid && e.ph === "X" && e.name === "RunTask" && (e.dur ?? 0) > 50_000)
        .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? NaN) / 1000, ts: e.ts, dur: e.dur ?? 0 }));
      let t0 = Infinity, t1 = -Infinity;
      for (const e of events) if (e.ph === "X") { t0 = Math.min(t0, e.ts); t1 = Math.max(t1, e.ts + (e.dur ?? 0)); }
      traceSpan = t1 > t0 ? (t1 - t0) / 1e6 : 0;
      // the long tasks that the page saw, on the trace's clock (the mark is on both)
      const mark = events.find((e) => e.name === "rnnlab-trace-sync");
      const windows = mark ? longTasks.map((l) => ({ ts: mark.ts + (l.start - syncMs) * 1000, dur: l.duration * 1000 })) : [];
      if (!mark) console.log("  trace: no rnnlab-trace-sync mark; the page's long tasks cannot be placed in it");
      for (const t of traceTasks) windows.push({ ts: t.ts, dur: t.dur });
      // every thread's events within 200 ms of each long task (a whole trace is ~4 MB a second), for
      // chrome://tracing or ui.perfetto.dev: what the other threads ran while the main thread waited
      const near = (e: TraceEvent) => windows.some((t) => e.ts < t.ts + t.dur + 200_000 && e.ts + (e.dur ?? 0) > t.ts - 200_000);
      if (windows.length) {
        mkdirSync(`${REPO}out/bench`, { recursive: true });
        writeFileSync(`${REPO}out/bench/playground-trace-${cell}.json`, JSON.stringify({ traceEvents: events.filter((e) => e.ph === "M" || near(e)) }));
      }
    }
    await page.click("#play");
    const tasks = longTasks.map((e) => e.duration);
    const status = await page.textContent("#status");
    await page.close();
    const dt = (b.t - a.t) / 1000;
    const steps = b.iteration - a.iteration;
    const sorted = tasks.slice().sort((x, y) => x - y);
    const r = {
      cell, hash, seconds: dt,
      gradientViewsPerSecond: (b.frames - a.frames) / dt,
      stepsPerSecond: steps / dt,
      heatRowsPerSecond: (b.heatRows - a.heatRows) / dt,
      msPerStep: (b.trainMs - a.trainMs) / Math.max(1, steps),
      workerBusy: (b.trainMs - a.trainMs) / (b.t - a.t),
      paintsPerSecond: (b.viewUpdates - a.viewUpdates) / dt,
      analysesPerSecond: (b.analyses - a.analyses) / dt,
      meanPaintMs: (b.renderMs - a.renderMs) / Math.max(1, b.viewUpdates - a.viewUpdates),
      maxPaintMs: b.renderMsMax,
      maxPaintMsPerView: b.viewMsMax,
      longTasks: { count: tasks.length, maxMs: sorted.length ? sorted[sorted.length - 1] : 0, p95Ms: sorted.length ? sorted[Math.floor(0.95 * (sorted.length - 1))] : 0, over50ms: tasks.filter((d) => d > 50).length },
      status, errors, lastError: b.lastError,
      traceTasksOver50ms: traceTasks,
      // a disturbed measurement: what else ran (other processes take cores from the page's threads)
      otherProcesses: sampler ? sampler.others() : null,
      chromiumThreads: sampler ? Object.fromEntries(sampler.threads().slice(0, 10)) : null,
      mainThread: sampler && sched ? sampler.window() : null,
      longTaskWindows: sampler && sched ? longTasks.map((l) => ({ ...l, ...sampler.window(origin + l.start, origin + l.start + l.duration) })) : null,
    };
    results.push(r);
    const ok = (c: boolean) => (c ? "ok" : "MISSED");
    console.log(`${cell}: ${hash}, ${dt.toFixed(1)} s after a ${warmup} s warm-up`);
    console.log(`  gradient views/s ${r.gradientViewsPerSecond.toFixed(2)} (target >= 5: ${ok(r.gradientViewsPerSecond >= 5)}); training steps/s ${r.stepsPerSecond.toFixed(2)}, ${r.msPerStep.toFixed(0)} ms per step, worker busy ${(100 * r.workerBusy).toFixed(0)}%`);
    console.log(`  main-thread long tasks ${r.longTasks.count}, max ${r.longTasks.maxMs.toFixed(0)} ms (target none > 50 ms: ${ok(r.longTasks.over50ms === 0)})`);
    console.log(`  paints/s ${r.paintsPerSecond.toFixed(2)}, mean paint ${r.meanPaintMs.toFixed(1)} ms (over several tasks), max ${r.maxPaintMs.toFixed(1)} ms; heatmap rows/s ${r.heatRowsPerSecond.toFixed(2)}; analyses/s ${r.analysesPerSecond.toFixed(2)}`);
    console.log(`  longest paint per view (ms): ${Object.entries(b.viewMsMax).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`);
    if (traceTasks) {
      const cpuMax = traceTasks.reduce((m, t) => Math.max(m, t.cpuMs), 0);
      console.log(`  trace: ${traceSpan.toFixed(1)} s recorded; ${traceTasks.length} main-thread tasks over 50 ms of wall time; the most main-thread CPU time in any of them ${cpuMax.toFixed(1)} ms${traceTasks.length ? ` (${traceTasks.map((t) => `${t.wallMs.toFixed(0)}/${t.cpuMs.toFixed(0)}`).join(", ")} ms wall/CPU)` : ""}`);
    }
    if (sampler) {
      console.log(`  CPU: other processes than Chromium ${(100 * r.otherProcesses!).toFixed(0)}% of the machine; by Chromium thread (% of one core): ${sampler.threads().slice(0, 6).map(([k, f]) => `${k} ${(100 * f).toFixed(1)}`).join(", ")}`);
    }
    if (sampler && sched) {
      console.log(`  sched, whole window: ${describe(sampler.window())}`);
      for (const l of longTasks) console.log(`  sched, long task of ${l.duration.toFixed(0)} ms: ${describe(sampler.window(origin + l.start, origin + l.start + l.duration))}`);
    }
    console.log(`  status: ${status}`);
    if (errors.length) console.log(`  console errors: ${errors.join(" | ")}`);
  }
  mkdirSync(`${REPO}out/bench`, { recursive: true });
  writeFileSync(`${REPO}out/bench/playground.json`, `${JSON.stringify({ date: new Date().toISOString(), seconds, warmup, results }, null, 2)}\n`);
  console.log("\n| cell | gradient views/s | ms per step | worker busy | long tasks > 50 ms (max) |\n|---|---|---|---|---|");
  for (const r of results as { cell: string; gradientViewsPerSecond: number; msPerStep: number; workerBusy: number; longTasks: { over50ms: number; maxMs: number } }[]) {
    console.log(`| ${r.cell} | ${r.gradientViewsPerSecond.toFixed(1)} | ${r.msPerStep.toFixed(0)} | ${(100 * r.workerBusy).toFixed(0)}% | ${r.longTasks.over50ms} (${r.longTasks.maxMs.toFixed(0)} ms) |`);
  }
  console.log("wrote out/bench/playground.json");
} finally {
  await pg.close();
}
