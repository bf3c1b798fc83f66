import { describe, expect, it } from "vitest";
import { Player, type AnalysisWorker, type TrainWorker } from "../src/loop";
import type { Analysis, AnalysisReply, AnalysisRequest, Frame, Reply, Request, Snapshot } from "../src/protocol";
import { DEFAULTS } from "../src/state";

class FakeWorker<Req, Rep> {
  sent: Req[] = [];
  terminated = false;
  onmessage: ((e: { data: Rep }) => void) | null = null;
  onerror: ((e: { message: string }) => void) | null = null;
  postMessage(m: Req): void { this.sent.push(m); }
  terminate(): void { this.terminated = true; }
  reply(r: Rep): void { this.onmessage!({ data: r }); }
}

const snap = (iteration: number): Snapshot => ({
  iteration, params: new Float64Array(2), x: new Float64Array(2), targets: new Float64Array(1), mask: new Uint8Array(1),
  loss: "mse", reduction: "mean", T: 1, B: 1, stepMs: 1,
});

function frame(gen: number, iteration: number, withSnap = false): Frame {
  const z = new Float64Array(1);
  return {
    type: "frame", gen,
    steps: { iteration: Float64Array.of(iteration), loss: z, gradNorm: z, clipped: new Uint8Array(1) },
    view: { iteration, T: 1, loss: 0, direct: z, recurrent: z, total: z, dWaa: z, task: { kind: "scatter", truth: z, pred: z, perRow: 1, metric: "mse", value: 0, solved: false } },
    heat: { cols: 1, Tmax: 1, iteration: Float64Array.of(iteration), T: Int32Array.of(1), values: new Float64Array(1), argT: new Int32Array(1) },
    snapshot: withSnap ? snap(iteration) : null, trainMs: 1, frameMs: 1, B: 1, baseline: 1, baselineNote: "", solvedNote: "", fatal: null,
  };
}

function setup() {
  const trains: FakeWorker<Request, Reply>[] = [];
  const analyses: FakeWorker<AnalysisRequest, AnalysisReply>[] = [];
  let clock = 0;
  const frames: Frame[] = [], analyzed: Analysis[] = [], errors: string[] = [];
  const player = new Player(
    {
      makeTrainWorker: () => { const w = new FakeWorker<Request, Reply>(); trains.push(w); return w as unknown as TrainWorker; },
      makeAnalysisWorker: () => { const w = new FakeWorker<AnalysisRequest, AnalysisReply>(); analyses.push(w); return w as unknown as AnalysisWorker; },
      now: () => clock,
    },
    { onFrame: (f) => frames.push(f), onAnalysis: (a) => analyzed.push(a), onError: (m) => errors.push(m), onStatus: () => {} },
  );
  return { player, trains, analyses, frames, analyzed, errors, tick: (ms: number) => { clock += ms; } };
}

const analysis = (iteration: number): Analysis => ({ iteration, T: 1, ms: 10, pascanu: null, lyapunov: null, lag: null, twin: null, chain: null, costs: {}, errors: [] });

describe("Player", () => {
  it("keeps one run in flight while playing and asks for the next when a frame arrives", () => {
    const { player, trains, frames } = setup();
    player.reset(DEFAULTS);
    const w = trains[0];
    expect(w.sent.map((m) => m.type)).toEqual(["init"]);
    player.play();
    expect(w.sent).toHaveLength(1); // init still in flight
    w.reply(frame(1, 0, true));
    expect(w.sent.map((m) => m.type)).toEqual(["init", "run"]);
    player.play();
    expect(w.sent).toHaveLength(2);
    w.reply(frame(1, 5));
    expect(w.sent).toHaveLength(3);
    player.pause();
    w.reply(frame(1, 9));
    expect(w.sent).toHaveLength(3);
    expect(frames.map((f) => f.view.iteration)).toEqual([0, 5, 9]);
  });

  it("drops replies of an older generation, and a reset while busy terminates the worker", () => {
    const { player, trains, frames } = setup();
    player.reset(DEFAULTS);
    player.play();
    player.reset({ ...DEFAULTS, hidden: 4 }); // init of gen 1 still in flight
    expect(trains[0].terminated).toBe(true);
    expect(trains).toHaveLength(2);
    trains[0].reply(frame(1, 0)); // a late reply from the dead worker's generation
    expect(frames).toEqual([]);
    trains[1].reply(frame(2, 0, true));
    expect(frames.map((f) => f.gen)).toEqual([2]);
    expect(player.generation).toBe(2);
  });

  it("sends snapshots to the analysis worker one at a time, spaced by ANALYSIS_GAP_MS, and re-analyzes on a new pick", () => {
    const { player, trains, analyses, analyzed, tick } = setup();
    player.reset(DEFAULTS);
    const w = trains[0], a = analyses[0];
    w.reply(frame(1, 0, true));
    expect(a.sent).toHaveLength(1);
    player.play();
    const run = w.sent[1] as Extract<Request, { type: "run" }>;
    expect(run.snapshot).toBe(false); // the analysis worker is busy
    a.reply({ type: "analysis", gen: 1, analysis: analysis(0) });
    expect(analyzed).toHaveLength(1);
    w.reply(frame(1, 3));
    expect((w.sent[2] as Extract<Request, { type: "run" }>).snapshot).toBe(false); // too soon after the last analysis
    tick(600);
    w.reply(frame(1, 6));
    expect((w.sent[3] as Extract<Request, { type: "run" }>).snapshot).toBe(true);
    w.reply(frame(1, 9, true));
    expect(a.sent).toHaveLength(2);
    expect(a.sent[1].snapshot.iteration).toBe(9);
    a.reply({ type: "analysis", gen: 1, analysis: analysis(9) });
    player.update({ ...DEFAULTS, pick: 1 });
    expect(a.sent).toHaveLength(3);
    expect(a.sent[2].pick).toBe(1);
    expect(a.sent[2].snapshot.iteration).toBe(9);
  });

  it("stops playing on an error reply and reports it", () => {
    const { player, trains, errors } = setup();
    player.reset(DEFAULTS);
    trains[0].reply(frame(1, 0));
    player.play();
    trains[0].reply({ type: "error", gen: 1, message: "step 7: gradient Waa[0] is NaN" });
    expect(player.isPlaying).toBe(false);
    expect(errors).toEqual(["step 7: gradient Waa[0] is NaN"]);
  });
});
