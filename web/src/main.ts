/**
 * The page: URL hash -> state -> controls; state changes -> hash and either a reset (a new model) or
 * a continuing update; worker frames -> views, painted once per animation frame.
 */
import "./style.css";
import { Player, type AnalysisWorker, type TrainWorker } from "./loop";
import {
  FIELDS, needsReset, reconcile, inapplicable, resolveBatch, sequenceLength,
  type Codec, type FieldKey, type PlaygroundState,
} from "./state";
import { copyText, onHashChange, readHash, shareLink, writeHash } from "./url";
import { StripView } from "./views/strip";
import { GradientChart } from "./views/gradient-chart";
import { Heatmap } from "./views/heatmap";
import { LagBars } from "./views/lag-bars";
import { LossChart } from "./views/loss-chart";
import { TaskPanel } from "./views/task-view";
import { ChainPanel } from "./views/chain-rule";
import { el } from "./views/dom";
import { fmtNum } from "./views/format";
import type { Analysis, Frame } from "./protocol";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Control groups, in order; `pick` lives in the chain-rule panel. */
const GROUPS: { legend: string; keys: FieldKey[] }[] = [
  { legend: "Model", keys: ["cell", "activation", "hidden", "init", "waa", "radius", "forgetBias"] },
  { legend: "Task", keys: ["task", "T", "loss", "batch", "seed"] },
  { legend: "Training", keys: ["optimizer", "lr", "clip", "clipAt"] },
];

/** What tests and the bench read: counters only, no state model. */
interface PlaygroundProbe {
  iteration: number;
  frames: number;
  viewUpdates: number;
  lossCount: number;
  meanLoss(from: number, to: number): number;
  playing: boolean;
  generation: number;
  lastError: string;
  analyses: number;
  /** worker ms spent in training steps, summed over frames (busy fraction = trainMs / wall time) */
  trainMs: number;
  /** heatmap rows received in this run (one per training step, and the preview's) */
  heatRows: number;
  /** main-thread ms of the paints: total and the longest, and the longest per view */
  renderMs: number;
  renderMsMax: number;
  viewMsMax: Record<string, number>;
  /** paints the latest frame now, synchronously (for the bench) */
  paintNow(): void;
}

let state: PlaygroundState;
let latest: Frame | null = null;
let latestAnalysis: Analysis | null = null;
let paintPending = false;
let paintAgain = false;
let paintedAnalysis: Analysis | null | undefined;
let paintedPick = -1;
const probe: PlaygroundProbe = {
  iteration: 0, frames: 0, viewUpdates: 0, lossCount: 0, trainMs: 0, heatRows: 0, meanLoss: () => NaN, playing: false, generation: 0, lastError: "", analyses: 0, renderMs: 0, renderMsMax: 0, viewMsMax: {}, paintNow: () => {},
};
(window as unknown as { rnnlab: PlaygroundProbe }).rnnlab = probe;

// ---- notices -------------------------------------------------------------------------------------

function showNotices(lines: string[]): void {
  const box = $("notice");
  if (lines.length === 0) return;
  $("notice-text").replaceChildren(...lines.map((l) => el("p", { text: l })));
  box.hidden = false;
}
$("notice-close").addEventListener("click", () => { $("notice").hidden = true; });

function setStatus(text: string, error = false): void {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

// ---- controls ------------------------------------------------------------------------------------

const inputs = new Map<FieldKey, HTMLInputElement | HTMLSelectElement>();

function controlFor(k: FieldKey): HTMLElement {
  const c = FIELDS[k] as Codec<unknown>;
  const id = `f-${k}`;
  let input: HTMLInputElement | HTMLSelectElement;
  if (c.kind === "enum") {
    const sel = el("select", { id, name: k });
    for (const v of c.values!) sel.append(el("option", { value: v, text: v }));
    input = sel;
  } else {
    const inp = el("input", { id, name: k, type: c.kind === "intOrAuto" ? "text" : "number", inputmode: c.kind === "num" ? "decimal" : "numeric" });
    if (c.kind !== "intOrAuto") {
      inp.min = String(c.min);
      inp.max = String(c.max);
      inp.step = c.kind === "int" ? "1" : "any";
    } else {
      inp.setAttribute("list", `${id}-list`);
    }
    input = inp;
  }
  input.title = c.allowed;
  input.addEventListener("change", () => onControl(k, input.value));
  inputs.set(k, input);
  const wrap = el("div", { class: "field", id: `field-${k}` }, el("label", { for: id, text: c.label }), input);
  if (c.kind === "intOrAuto") {
    const dl = el("datalist", { id: `${id}-list` });
    for (const v of ["auto", "1", "4", "16", "32", "64"]) dl.append(el("option", { value: v }));
    wrap.append(dl);
  }
  return wrap;
}

function buildControls(): void {
  const form = $<HTMLFormElement>("controls");
  form.addEventListener("submit", (e) => e.preventDefault());
  for (const g of GROUPS) {
    const fs = el("fieldset", {}, el("legend", { text: g.legend }));
    for (const k of g.keys) fs.append(controlFor(k));
    form.append(fs);
  }
  const pickRow = $("pick-row");
  pickRow.append(controlFor("pick"), el("span", { class: "hint", text: "0 = none; or click the strip" }));
}

function showState(s: PlaygroundState): void {
  for (const [k, input] of inputs) {
    const c = FIELDS[k] as Codec<unknown>;
    const text = c.format(s[k]);
    if (input.value !== text) input.value = text;
  }
  const off = inapplicable(s);
  for (const k of inputs.keys()) {
    const why = off[k];
    const field = $(`field-${k}`);
    field.classList.toggle("off", why !== undefined);
    const input = inputs.get(k)!;
    input.disabled = why !== undefined;
    input.title = why ?? (FIELDS[k] as Codec<unknown>).allowed;
  }
  const pick = inputs.get("pick") as HTMLInputElement;
  pick.max = String(sequenceLength(s.task, s.T));
}

/** A control changed: validate with the field's codec, then apply. */
function onControl(k: FieldKey, text: string): void {
  const c = FIELDS[k] as Codec<unknown>;
  const v = c.parse(text.trim());
  if (v === null) {
    showNotices([`${c.label}: "${text.slice(0, 40)}" is not ${c.allowed}; kept ${c.format(state[k])}`]);
    showState(state);
    return;
  }
  apply({ ...state, [k]: v });
}

/** Moves to state `next`: the hash, the controls, and a reset or a continuing update. */
function apply(next: PlaygroundState): void {
  const r = reconcile(next);
  showNotices(r.notices);
  const prev = state;
  state = r.state;
  writeHash(state);
  showState(state);
  if (needsReset(prev, state)) {
    startRun();
  } else {
    player.update(state);
    if (state.pick !== prev.pick) paint();
  }
}

// ---- views ---------------------------------------------------------------------------------------

const strip = new StripView($("strip"), (t) => apply({ ...state, pick: t }));
const grad = new GradientChart($("grad"), $("grad-info"));
const heat = new Heatmap($("heat"));
const lag = new LagBars($("lag"), $("lag-info"));
const loss = new LossChart($("losschart"));
const task = new TaskPanel($("task"));
const chain = new ChainPanel($("chain"));
probe.meanLoss = (a, b) => loss.meanLoss(a, b);
probe.paintNow = () => render(true);

function startRun(): void {
  latest = null;
  latestAnalysis = null;
  paintedAnalysis = undefined;
  heat.clear();
  loss.clear(NaN);
  task.clear(state.task);
  probe.iteration = 0;
  probe.lossCount = 0;
  probe.heatRows = 0;
  probe.lastError = "";
  $("iteration").textContent = "0";
  $("loss").textContent = "–";
  const what = state.task === "char-lm" ? "char-lm on the pokemon names, one name per step" : `${state.task} T=${state.T}, B=${resolveBatch(state)}`;
  setStatus(`building: ${state.cell.toUpperCase()} H=${state.hidden}, ${what} …`);
  player.reset(state);
  probe.generation = player.generation;
}

/**
 * Painting is split into short main-thread tasks, one per view, so that no single task comes near
 * 50 ms even when the two workers keep both cores busy. The animation frame only starts the chain:
 * its own task also holds the browser's style, layout and paint of the whole page, so no view draws
 * inside it. (Canvas drawing is rasterized at the next frame's commit; in software rendering that is
 * where the cost lands, so each task also keeps the next commit small.)
 */
const nextTask = (() => {
  const ch = new MessageChannel();
  const queue: (() => void)[] = [];
  ch.port1.onmessage = () => queue.shift()?.();
  return (f: () => void) => { queue.push(f); ch.port2.postMessage(0); };
})();

/** Paints the latest frame soon. A frame that arrives while a paint is under way is painted right after it (never lost). */
function paint(): void {
  if (paintPending) {
    paintAgain = true;
    return;
  }
  paintPending = true;
  requestAnimationFrame(() => {
    render(false, () => {
      paintPending = false;
      if (paintAgain) {
        paintAgain = false;
        paint();
      }
    });
  });
}

function timed(name: string, g: () => void): number {
  const a = performance.now();
  g();
  const ms = performance.now() - a;
  probe.viewMsMax[name] = Math.max(probe.viewMsMax[name] ?? 0, ms);
  return ms;
}

/** Paints the latest frame, one view per task (or all at once with `sync`), then calls done. */
function render(sync = false, done: () => void = () => {}): void {
  const f = latest;
  if (!f) { done(); return; }
  const v = f.view;
  let ms = 0;
  let fresh = false;
  const phases: (() => void)[] = [
    () => { ms += timed("strip", () => strip.update(v, state.pick)); },
    () => { ms += timed("gradient", () => grad.update(v, latestAnalysis, v.total[v.T - 1])); },
    () => { ms += timed("heatmap", () => heat.paint()); },
    () => { ms += timed("loss", () => loss.paint()); },
    () => {
      ms += timed("task", () => task.paint());
      // the analysis panels change only with a new analysis or a new pick
      fresh = sync || latestAnalysis !== paintedAnalysis || state.pick !== paintedPick;
      paintedAnalysis = latestAnalysis;
      paintedPick = state.pick;
      if (fresh) ms += timed("lag", () => lag.update(latestAnalysis?.lag ?? null, latestAnalysis?.T ?? v.T));
    },
    () => {
      if (fresh) {
        const ch = latestAnalysis?.chain && latestAnalysis.chain.t === state.pick ? latestAnalysis.chain : null;
        ms += timed("chain", () => chain.update(ch, v, latestAnalysis, state.loss, state.cell, state.pick));
      }
      probe.viewUpdates++;
      probe.renderMs += ms;
      probe.renderMsMax = Math.max(probe.renderMsMax, ms);
      done();
    },
  ];
  if (sync) { for (const p of phases) p(); return; }
  const run = (i: number) => {
    phases[i]();
    if (i + 1 < phases.length) nextTask(() => run(i + 1));
  };
  nextTask(() => run(0));
}

/** The line under the controls: batch, step time, clipping, and ρ from the latest analysis. */
function updateStatus(): void {
  const f = latest;
  if (!f || probe.lastError) return;
  const n = f.steps.loss.length;
  let clippedCount = 0;
  for (let i = 0; i < n; i++) clippedCount += f.steps.clipped[i];
  const a = latestAnalysis;
  const rho = a?.pascanu ? ` · ρ(${a.pascanu.matrix}) ${fmtNum(a.pascanu.spectralRadius, 4)} at iteration ${a.iteration}` : "";
  const clipped = n && state.clip !== "none" ? ` · ${clippedCount}/${n} clipped` : "";
  setStatus(`B=${f.B} · T=${f.view.T} · ${n ? `${n} step${n > 1 ? "s" : ""} in ${Math.round(f.trainMs)} ms (${fmtNum(f.trainMs / n, 3)} ms/step)` : "ready: press Play or Step"}${clipped}${rho}`);
}

function onFrame(f: Frame): void {
  latest = f;
  probe.frames++;
  probe.trainMs += f.trainMs;
  probe.heatRows += f.heat.iteration.length;
  if (f.steps.loss.length) {
    loss.add(f.steps.iteration, f.steps.loss);
  } else {
    loss.clear(f.baseline);
  }
  probe.lossCount = loss.count;
  heat.add(f.heat);
  task.add(f.view.task, f.solvedNote);
  probe.iteration = f.view.iteration;
  $("iteration").textContent = String(f.view.iteration);
  const n = f.steps.loss.length;
  $("loss").textContent = n ? fmtNum(f.steps.loss[n - 1], 5) : fmtNum(f.view.loss, 5);
  $("loss-info").textContent = `baseline ${fmtNum(f.baseline, 4)}: ${f.baselineNote}`;
  updateStatus();
  paint();
}

const player = new Player(
  {
    makeTrainWorker: () => new Worker(new URL("./worker.ts", import.meta.url), { type: "module" }) as unknown as TrainWorker,
    makeAnalysisWorker: () => new Worker(new URL("./analysis-worker.ts", import.meta.url), { type: "module" }) as unknown as AnalysisWorker,
    now: () => performance.now(),
  },
  {
    onFrame,
    onAnalysis(a) {
      latestAnalysis = a;
      probe.analyses++;
      updateStatus();
      paint();
    },
    onError(message, fatal) {
      probe.lastError = message;
      if (fatal) setStatus(message, true);
      else showNotices([message]);
    },
    onStatus({ playing }) {
      probe.playing = playing;
      const b = $("play");
      b.textContent = playing ? "❚❚ Pause" : "▶ Play";
      b.setAttribute("aria-pressed", String(playing));
    },
  },
);

// ---- transport -----------------------------------------------------------------------------------

$("play").addEventListener("click", () => (player.isPlaying ? player.pause() : player.play()));
$("step").addEventListener("click", () => player.step());
$("reset").addEventListener("click", () => startRun());
$("share").addEventListener("click", async () => {
  const link = shareLink(state);
  const ok = await copyText(link);
  const b = $("share");
  if (ok) {
    b.textContent = "Copied";
    setTimeout(() => { b.textContent = "Share"; }, 1500);
  } else {
    showNotices([`Copy this link: ${link}`]);
  }
});
document.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (e.key === " " && (t === document.body || t.tagName === "MAIN")) {
    e.preventDefault();
    if (player.isPlaying) player.pause(); else player.play();
  }
});

onHashChange(() => {
  const r = readHash();
  showNotices(r.notices);
  apply(r.state);
});

// ---- start ---------------------------------------------------------------------------------------

buildControls();
{
  const r = readHash();
  state = r.state;
  showNotices(r.notices);
  writeHash(state);
  showState(state);
  startRun();
}
