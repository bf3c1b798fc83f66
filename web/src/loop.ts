/**
 * The Player: play, pause, step and reset over two workers, with a generation counter that cancels
 * stale work (TensorFlow Playground's `timerIndex` trick). No DOM: the workers and the clock are
 * injected, so the same class runs against fake workers in Node (web/test/loop.test.ts).
 *
 * Training worker: at most one "init" or "run" in flight. While playing, each frame that comes back
 * asks for the next run at once, so the worker never idles and never queues; the page paints the
 * latest frame in its own requestAnimationFrame, however many frames arrived since the last paint.
 *
 * Analysis worker: at most one request in flight. A run asks the training worker for a snapshot of
 * its last step only when the analysis worker is idle and at least max(ANALYSIS_GAP_MS, twice the
 * last analysis' duration) has passed since it answered, so the analyses take at most about a third
 * of one core and never delay a training step. A new pick re-analyzes the last snapshot at once.
 *
 * A reset while a worker is busy (a 300 ms step at T = 10,000, a 2 s analysis) terminates it and
 * starts a fresh one, so a reset never waits for old work.
 */
import { copySnapshot, type Analysis, type AnalysisReply, type AnalysisRequest, type Frame, type Reply, type Request, type Snapshot } from "./protocol";
import type { PlaygroundState } from "./state";

/** The part of a Worker the Player uses, typed without the DOM library (so Node typechecks and tests it). */
export interface WorkerLike<Req, Rep> {
  postMessage(m: Req, transfer?: ArrayBuffer[]): void;
  terminate(): void;
  onmessage: ((e: { data: Rep }) => void) | null;
  onerror: ((e: { message: string; preventDefault?(): void }) => void) | null;
}

export type TrainWorker = WorkerLike<Request, Reply>;
export type AnalysisWorker = WorkerLike<AnalysisRequest, AnalysisReply>;

export interface PlayerCallbacks {
  /** a frame of the current generation (steps and the gradient view) */
  onFrame(f: Frame): void;
  /** analyses of the current generation */
  onAnalysis(a: Analysis): void;
  /** an error of the current generation; training has paused (fatal) or an analysis failed */
  onError(message: string, fatal: boolean): void;
  /** playing or paused changed */
  onStatus(s: { playing: boolean; busy: boolean }): void;
}

/** Worker-side training time per run, ms: long enough to amortize a message, short enough to keep frames coming. */
export const RUN_BUDGET_MS = 40;
/** Least time between the end of one analysis and the request of the next, ms. */
export const ANALYSIS_GAP_MS = 500;

export interface PlayerDeps {
  makeTrainWorker(): TrainWorker;
  makeAnalysisWorker(): AnalysisWorker;
  now(): number;
}

export class Player {
  private train: TrainWorker;
  private analysis: AnalysisWorker;
  private gen = 0;
  private inFlight = false;
  private playing = false;
  private analysisBusy = false;
  private analysisPending = false;
  private lastAnalysisEnd = -Infinity;
  private lastAnalysisMs = 0;
  private snapshot: Snapshot | null = null;
  private state: PlaygroundState | null = null;

  constructor(private readonly deps: PlayerDeps, private readonly cb: PlayerCallbacks) {
    this.train = this.spawnTrain();
    this.analysis = this.spawnAnalysis();
  }

  get generation(): number { return this.gen; }
  get isPlaying(): boolean { return this.playing; }
  get isBusy(): boolean { return this.inFlight; }
  get isAnalyzing(): boolean { return this.analysisBusy; }

  private spawnTrain(): TrainWorker {
    const w = this.deps.makeTrainWorker();
    w.onmessage = (e) => this.receive(e.data);
    w.onerror = (e) => {
      e.preventDefault?.();
      this.inFlight = false;
      this.playing = false;
      this.cb.onError(`the training worker failed: ${e.message}`, true);
      this.status();
    };
    return w;
  }

  private spawnAnalysis(): AnalysisWorker {
    const w = this.deps.makeAnalysisWorker();
    w.onmessage = (e) => this.receiveAnalysis(e.data);
    w.onerror = (e) => {
      e.preventDefault?.();
      this.analysisBusy = false;
      this.cb.onError(`the analysis worker failed: ${e.message}`, false);
    };
    return w;
  }

  private status(): void {
    this.cb.onStatus({ playing: this.playing, busy: this.inFlight });
  }

  /** A new run for `state`: a new generation; the old run's replies are dropped. Keeps playing if it was. */
  reset(state: PlaygroundState): void {
    this.gen++;
    this.state = state;
    this.snapshot = null;
    this.analysisPending = false;
    this.lastAnalysisEnd = -Infinity;
    if (this.inFlight) {
      this.train.terminate();
      this.train = this.spawnTrain();
    }
    if (this.analysisBusy) {
      this.analysis.terminate();
      this.analysis = this.spawnAnalysis();
      this.analysisBusy = false;
    }
    this.inFlight = true;
    this.train.postMessage({ type: "init", gen: this.gen, state });
    this.status();
  }

  /** New lr / clipping / pick for the current run; a new pick is analyzed at once. */
  update(state: PlaygroundState): void {
    const pickChanged = this.state !== null && this.state.pick !== state.pick;
    this.state = state;
    this.train.postMessage({ type: "update", gen: this.gen, state });
    if (pickChanged) {
      this.analysisPending = this.snapshot !== null;
      this.maybeAnalyze();
    }
  }

  play(): void {
    if (this.playing) return;
    this.playing = true;
    if (!this.inFlight) this.requestRun();
    this.status();
  }

  pause(): void {
    this.playing = false;
    this.status();
  }

  /** One training step, whose analyses follow (ignored while a run is in flight). */
  step(): void {
    this.pause();
    if (this.inFlight) return;
    this.inFlight = true;
    this.train.postMessage({ type: "run", gen: this.gen, maxSteps: 1, budgetMs: 0, snapshot: true });
    this.status();
  }

  private wantSnapshot(): boolean {
    return !this.analysisBusy && !this.analysisPending &&
      this.deps.now() - this.lastAnalysisEnd >= Math.max(ANALYSIS_GAP_MS, 2 * this.lastAnalysisMs);
  }

  private requestRun(): void {
    this.inFlight = true;
    this.train.postMessage({ type: "run", gen: this.gen, maxSteps: 1_000_000, budgetMs: RUN_BUDGET_MS, snapshot: this.wantSnapshot() });
  }

  private maybeAnalyze(): void {
    if (this.analysisBusy || !this.analysisPending || !this.snapshot || !this.state) return;
    this.analysisPending = false;
    this.analysisBusy = true;
    const s = copySnapshot(this.snapshot);
    this.analysis.postMessage({ type: "analyze", gen: this.gen, state: this.state, snapshot: s, pick: this.state.pick }, [s.params.buffer, s.x.buffer, s.targets.buffer, s.mask.buffer] as ArrayBuffer[]);
  }

  private receive(r: Reply): void {
    if (r.gen !== this.gen) return; // a reply for a run that was reset: drop it
    this.inFlight = false;
    if (r.type === "error") {
      this.playing = false;
      this.cb.onError(r.message, true);
      this.status();
      return;
    }
    if (r.fatal) this.playing = false;
    if (r.snapshot) {
      this.snapshot = r.snapshot;
      this.analysisPending = true;
      this.maybeAnalyze();
    }
    this.cb.onFrame(r);
    if (r.fatal) this.cb.onError(r.fatal, true);
    if (this.playing) this.requestRun();
    this.status();
  }

  private receiveAnalysis(r: AnalysisReply): void {
    if (r.gen !== this.gen) return;
    this.analysisBusy = false;
    this.lastAnalysisEnd = this.deps.now();
    if (r.type === "error") {
      this.cb.onError(`analysis: ${r.message}`, false);
    } else {
      this.lastAnalysisMs = r.analysis.ms;
      this.cb.onAnalysis(r.analysis);
    }
    this.maybeAnalyze();
  }

  dispose(): void {
    this.gen++;
    this.train.terminate();
    this.analysis.terminate();
  }
}
