/**
 * The playground under load (a Playwright script, not part of `npm test`): trains at T = 10,000,
 * H = 64 (B = 1, adding, RNN) in Debian's Chromium and measures, after a warm-up,
 *   - main-thread long tasks (PerformanceObserver 'longtask', > 50 ms each; target: none over 50 ms)
 *   - gradient views per second: frames from the training worker, each a full forward, BPTT and
 *     ledger over T steps (target >= 5/s), and paints per second on the main thread
 *   - analyses per second (the analysis worker: Pascanu, Lyapunov, lag split, chain rule)
 * Run:  npx tsx bench/playground.ts [--seconds 20] [--warmup 4] [--hash "cell=lstm&hidden=64&T=10000"]
 * Writes out/bench/playground.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { startPlayground, REPO } from "../web/test/e2e/server";

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const seconds = Number(arg("seconds", "20"));
const warmup = Number(arg("warmup", "4"));
const hash = arg("hash", "cell=rnn&hidden=64&T=10000&task=adding&batch=1&seed=1&pick=5000");

interface Probe { frames: number; viewUpdates: number; iteration: number; analyses: number; renderMs: number; renderMsMax: number; viewMsMax: Record<string, number>; lastError: string }
type Win = { rnnlab: Probe; __longtasks: { start: number; duration: number }[] };

const pg = await startPlayground();
try {
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
    return { t: performance.now(), frames: p.frames, viewUpdates: p.viewUpdates, iteration: p.iteration, analyses: p.analyses, renderMs: p.renderMs, renderMsMax: p.renderMsMax, viewMsMax: p.viewMsMax, longtasks: w.__longtasks.length, lastError: p.lastError };
  });
  const a = await read();
  await page.waitForTimeout(seconds * 1000);
  const b = await read();
  await page.click("#play");
  const tasks = await page.evaluate((from: number) => (globalThis as unknown as Win).__longtasks.filter((e) => e.start >= from).map((e) => e.duration), a.t);
  const status = await page.textContent("#status");
  const dt = (b.t - a.t) / 1000;
  const sorted = tasks.slice().sort((x, y) => x - y);
  const result = {
    hash, seconds: dt,
    gradientViewsPerSecond: (b.frames - a.frames) / dt,
    paintsPerSecond: (b.viewUpdates - a.viewUpdates) / dt,
    stepsPerSecond: (b.iteration - a.iteration) / dt,
    analysesPerSecond: (b.analyses - a.analyses) / dt,
    meanPaintMs: (b.renderMs - a.renderMs) / Math.max(1, b.viewUpdates - a.viewUpdates),
    maxPaintMs: b.renderMsMax,
    maxPaintMsPerView: b.viewMsMax,
    longTasks: { count: tasks.length, maxMs: sorted.length ? sorted[sorted.length - 1] : 0, p95Ms: sorted.length ? sorted[Math.floor(0.95 * (sorted.length - 1))] : 0, over50ms: tasks.filter((d) => d > 50).length },
    status, errors, lastError: b.lastError,
  };
  mkdirSync(`${REPO}out/bench`, { recursive: true });
  writeFileSync(`${REPO}out/bench/playground.json`, `${JSON.stringify(result, null, 2)}\n`);
  const ok = (c: boolean) => (c ? "ok" : "MISSED");
  console.log(`playground at ${hash}, ${dt.toFixed(1)} s after a ${warmup} s warm-up`);
  console.log(`  gradient views/s (forward + BPTT + ledger over T)  ${result.gradientViewsPerSecond.toFixed(2)}   target >= 5: ${ok(result.gradientViewsPerSecond >= 5)}`);
  console.log(`  main-thread long tasks                             ${result.longTasks.count} (max ${result.longTasks.maxMs.toFixed(0)} ms)   target none > 50 ms: ${ok(result.longTasks.over50ms === 0)}`);
  console.log(`  paints/s ${result.paintsPerSecond.toFixed(2)}, mean paint ${result.meanPaintMs.toFixed(1)} ms, max ${result.maxPaintMs.toFixed(1)} ms; training steps/s ${result.stepsPerSecond.toFixed(2)}; analyses/s ${result.analysesPerSecond.toFixed(2)}`);
  console.log(`  longest paint per view (ms): ${Object.entries(b.viewMsMax).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`);
  console.log(`  status: ${status}`);
  if (errors.length) console.log(`  console errors: ${errors.join(" | ")}`);
  console.log(`wrote out/bench/playground.json`);
} finally {
  await pg.close();
}
