/**
 * The playground in Debian's Chromium (playwright-core inside vitest; no @playwright/test runner).
 * Screenshots of the main views go to out/screenshots/ for people to look at; they are not goldens.
 */
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { REPO, startPlayground, type Playground } from "./server";
import { compareSelftest, runSelftest, type SelftestResult } from "../../src/selftest-run";

const SHOTS = `${REPO}out/screenshots`;
let pg: Playground;

interface Probe {
  iteration: number;
  frames: number;
  viewUpdates: number;
  lossCount: number;
  playing: boolean;
  lastError: string;
  analyses: number;
  heatRows: number;
}
const probe = (page: Page) => page.evaluate(() => {
  const p = (globalThis as unknown as { rnnlab: Probe }).rnnlab;
  return { iteration: p.iteration, frames: p.frames, viewUpdates: p.viewUpdates, lossCount: p.lossCount, playing: p.playing, lastError: p.lastError, analyses: p.analyses, heatRows: p.heatRows };
});
const meanLoss = (page: Page, a: number, b: number) => page.evaluate(([x, y]) => (globalThis as unknown as { rnnlab: { meanLoss(a: number, b: number): number } }).rnnlab.meanLoss(x, y), [a, b] as const);

/** A page that records console errors and uncaught exceptions. */
async function open(hash: string, viewport = { width: 1280, height: 800 }, path = ""): Promise<{ page: Page; errors: string[] }> {
  const page = await pg.browser.newPage({ viewport });
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${pg.url}${path}${hash}`);
  return { page, errors };
}

async function waitFor(page: Page, pred: (p: Probe) => boolean, timeoutMs: number): Promise<Probe> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const p = await probe(page);
    if (pred(p)) return p;
    if (Date.now() > end) throw new Error(`timed out; last probe ${JSON.stringify(p)}`);
    await page.waitForTimeout(100);
  }
}

/** Play until pred holds, then pause and wait until the page says it paused. */
async function trainUntil(page: Page, pred: (p: Probe) => boolean, timeoutMs: number): Promise<Probe> {
  await page.click("#play");
  const p = await waitFor(page, pred, timeoutMs);
  await page.click("#play");
  await waitFor(page, (q) => !q.playing, 10_000);
  return p;
}

/** How far the page sticks out sideways (px; <= 0: nothing does). */
const overflowX = (page: Page) => page.evaluate(() => {
  const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
  return d.scrollWidth - d.clientWidth;
});

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  pg = await startPlayground();
}, 60_000);

afterAll(async () => {
  await pg?.close();
});

describe("playground in Chromium", () => {
  it("opening #cell=gru&hidden=8&T=200&seed=7 shows those values; a change rewrites the hash and a reload restores it", async () => {
    const { page, errors } = await open("#cell=gru&hidden=8&T=200&seed=7");
    await waitFor(page, (p) => p.frames >= 1, 15_000);
    expect(await page.inputValue("#f-cell")).toBe("gru");
    expect(await page.inputValue("#f-hidden")).toBe("8");
    expect(await page.inputValue("#f-T")).toBe("200");
    expect(await page.inputValue("#f-seed")).toBe("7");
    // every control has a label and can take keyboard focus
    const unlabeled = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ id: string; labels: ArrayLike<unknown> | null; tabIndex: number }> } }).document;
      return Array.from(doc.querySelectorAll("#controls select, #controls input, #pick-row input")).filter((e) => !e.labels || e.labels.length === 0 || e.tabIndex < 0).map((e) => e.id);
    });
    expect(unlabeled).toEqual([]);
    // change by keyboard: focus the cell menu and pick lstm
    await page.focus("#f-cell");
    await page.selectOption("#f-cell", "lstm");
    await page.fill("#f-hidden", "12");
    await page.press("#f-hidden", "Enter");
    await page.locator("#f-lr").fill("0.003");
    await page.locator("#f-lr").blur();
    const hash = await page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash);
    expect(hash).toContain("cell=lstm");
    expect(hash).toContain("hidden=12");
    expect(hash).toContain("lr=0.003");
    expect(hash).toContain("T=200");
    await page.reload();
    await waitFor(page, (p) => p.frames >= 1, 15_000);
    expect(await page.inputValue("#f-cell")).toBe("lstm");
    expect(await page.inputValue("#f-hidden")).toBe("12");
    expect(await page.inputValue("#f-lr")).toBe("0.003");
    expect(await page.inputValue("#f-seed")).toBe("7");
    expect(errors).toEqual([]);
    await page.close();
  }, 40_000);

  it("Play advances the iteration counter, and on adding at T = 10 the loss falls", async () => {
    const { page, errors } = await open("#task=adding&T=10&cell=rnn&hidden=16&optimizer=adam&lr=0.01&seed=1");
    await waitFor(page, (p) => p.frames >= 1, 15_000);
    expect(await page.textContent("#iteration")).toBe("0");
    const p = await trainUntil(page, (q) => q.lossCount >= 240, 30_000);
    expect(p.iteration).toBeGreaterThanOrEqual(240);
    expect(Number(await page.textContent("#iteration"))).toBeGreaterThanOrEqual(240);
    const first = await meanLoss(page, 0, 30), last = await meanLoss(page, 210, 240);
    expect(last).toBeLessThan(0.5 * first);
    // Step takes exactly one step
    const before = (await probe(page)).iteration;
    await page.waitForTimeout(300);
    const settled = (await probe(page)).iteration;
    await page.click("#step");
    await waitFor(page, (q) => q.iteration === settled + 1, 10_000);
    expect(settled).toBeGreaterThanOrEqual(before);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("selftest.html gives the numbers Node gives, to 1e-12", async () => {
    const { page, errors } = await open("", { width: 800, height: 600 }, "selftest.html");
    await page.waitForFunction(() => (globalThis as unknown as { selftestDone?: boolean }).selftestDone === true, null, { timeout: 30_000 });
    const browser = await page.evaluate(() => (globalThis as unknown as { selftest: SelftestResult | null }).selftest);
    expect(browser).not.toBeNull();
    const node = runSelftest();
    const { maxDiff, where } = compareSelftest(node, browser!);
    expect(maxDiff, `largest difference at ${where}`).toBeLessThanOrEqual(1e-12);
    for (const g of browser!.gradcheck) expect(g.maxRelErr).toBeLessThan(1e-7);
    expect(errors).toEqual([]);
    await page.close();
  }, 40_000);

  it("an invalid hash shows the notice, falls back to defaults, and the page still trains", async () => {
    const { page, errors } = await open("#cell=banana&hidden=9999&T=abc&lr=-1&%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E=1");
    await waitFor(page, (p) => p.frames >= 1, 15_000);
    const notice = page.locator("#notice");
    expect(await notice.isVisible()).toBe(true);
    const text = (await notice.textContent()) ?? "";
    expect(text).toContain("cell=\"banana\"");
    expect(text).toContain("hidden=\"9999\"");
    expect(text).toContain("unknown setting \"<img");
    expect(await page.locator("#notice img").count()).toBe(0); // shown as text, never as HTML
    expect(await page.inputValue("#f-cell")).toBe("rnn");
    expect(await page.inputValue("#f-hidden")).toBe("16");
    const hash = await page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash);
    expect(hash).toContain("cell=rnn");
    await page.click("#step");
    await waitFor(page, (p) => p.iteration >= 1, 15_000);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it("choosing char-lm in the task menu trains on the pokemon names and the loss falls below the uniform baseline", async () => {
    const { page, errors } = await open("#task=adding&cell=rnn&hidden=32&optimizer=adam&lr=0.01&seed=1");
    await waitFor(page, (p) => p.frames >= 1, 15_000);
    await page.selectOption("#f-task", "char-lm");
    await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } | null } }).document.getElementById("loss-info")?.textContent.includes("V=27"), null, { timeout: 15_000 });
    const hash = await page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash);
    expect(hash).toContain("task=char-lm");
    // T, batch and loss do not apply: one name per step, the loss at every character
    for (const id of ["#f-T", "#f-batch", "#f-loss"]) expect(await page.isDisabled(id), id).toBe(true);
    expect(await page.textContent("#loss-info")).toContain("uniform over V=27 characters");
    await trainUntil(page, (p) => p.lossCount >= 2000, 40_000);
    // the run is seeded, so these are the same numbers as under Node (25.4 and 22.3 nats per name)
    const first = await meanLoss(page, 0, 50), last = await meanLoss(page, 1700, 2000);
    const baseline = 28.44149350252807; // ln 27 · (mean name length + 1)
    expect(last).toBeLessThan(0.9 * first);
    expect(last).toBeLessThan(0.85 * baseline);
    // the task view: the name of the step on view, character by character, and 8 sampled names
    await page.waitForTimeout(300);
    expect(await page.textContent("#task table.names caption")).toMatch(/^the name this step trained on: "[a-z]+" \(T = \d+\)$/);
    expect(await page.locator("#task .samples li").count()).toBe(8);
    expect(await page.textContent("#task .summary")).toContain("nats per character on this batch");
    const p = await probe(page);
    expect(p.heatRows).toBe(p.iteration + 1); // one heatmap row per training iteration, plus iteration 0
    await page.screenshot({ path: `${SHOTS}/char-lm-desktop-full.png`, fullPage: true });
    for (const id of ["task-view", "heat-view", "loss-view", "strip-view"]) await page.locator(`#${id}`).screenshot({ path: `${SHOTS}/char-lm-${id}.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(400);
    await page.locator("#task-view").screenshot({ path: `${SHOTS}/char-lm-phone-task-view.png` });
    expect(await overflowX(page)).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it("the heatmap has one row per training iteration: its axis, caption and hover name exact iterations", async () => {
    const { page, errors } = await open("#task=adding&T=200&cell=rnn&hidden=16&seed=2");
    await waitFor(page, (p) => p.frames >= 1, 15_000);
    await trainUntil(page, (p) => p.iteration >= 500, 60_000);
    await page.waitForTimeout(500);
    const p = await probe(page);
    // many steps pass per frame at T = 200, yet every iteration's row arrived
    expect(p.frames).toBeLessThan(p.iteration);
    expect(p.heatRows).toBe(p.iteration + 1);
    const caption = (await page.textContent("#heat .heat-caption")) ?? "";
    const m = /one per training iteration: every (\d+)(?:st|nd|rd|th) iteration \(0, \d+, \d+, …\) from 0 to (\d+)/.exec(caption);
    expect(m, caption).not.toBeNull();
    const stride = Number(m![1]), newest = Number(m![2]);
    expect(newest % stride).toBe(0);
    expect(p.iteration - newest).toBeLessThan(stride);
    // hover the middle of the plot: an exact iteration, a t and a value
    const box = (await page.locator("#heat canvas").boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 60);
    const tip = (await page.locator("#heat .tooltip").innerText()).split("\n");
    expect(tip[0]).toMatch(/^iteration \d+$/);
    expect(Number(tip[0].slice(10)) % stride).toBe(0);
    expect(tip[1]).toMatch(/^t = \d+/);
    expect(tip[2]).toMatch(/^log10‖dJ\/da<t>‖ = -?\d+\.\d{4} \(/);
    await page.locator("#heat-view").screenshot({ path: `${SHOTS}/heatmap-after-${p.iteration}-iterations.png` });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it("screenshots of the main views at 1280×800 and 390×844 (out/screenshots/)", async () => {
    const { page, errors } = await open("#cell=lstm&hidden=16&T=120&task=adding&pick=60&seed=3");
    await waitFor(page, (p) => p.frames >= 1, 15_000);
    await trainUntil(page, (p) => p.lossCount >= 40, 30_000);
    const before = (await probe(page)).analyses;
    await page.click("#step"); // one more step; its analyses (chain rule included) follow
    await waitFor(page, (p) => p.analyses > before && !p.playing, 30_000);
    await page.waitForTimeout(300);
    for (const [name, vp] of [["desktop", { width: 1280, height: 800 }], ["phone", { width: 390, height: 844 }]] as const) {
      await page.setViewportSize(vp);
      await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
      await page.waitForTimeout(400);
      await page.screenshot({ path: `${SHOTS}/${name}-top.png` });
      await page.screenshot({ path: `${SHOTS}/${name}-full.png`, fullPage: true });
      for (const id of ["strip-view", "grad-view", "heat-view", "chain-view", "lag-view", "loss-view", "task-view"]) {
        await page.locator(`#${id}`).screenshot({ path: `${SHOTS}/${name}-${id}.png` });
      }
      // nothing sticks out sideways
      expect(await overflowX(page), name).toBeLessThanOrEqual(0);
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
