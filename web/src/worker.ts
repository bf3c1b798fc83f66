/**
 * The training worker: runs core through Engine off the main thread and answers the page's requests
 * (protocol.ts). Typed arrays go back transferred, not copied. The expensive analyses run in the
 * other worker (analysis-worker.ts) on the snapshots this one attaches when the page asks.
 */
import { Engine, NonFiniteError } from "./engine";
import { frameTransfers, type Frame, type Reply, type Request } from "./protocol";

interface WorkerScope {
  onmessage: ((e: MessageEvent<Request>) => void) | null;
  postMessage(message: Reply, transfer: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;
const now = () => performance.now();

let engine: Engine | null = null;

interface Columns { iteration: number[]; loss: number[]; gradNorm: number[]; clipped: number[] }

function frame(gen: number, c: Columns, trainMs: number, start: number, snapshot: boolean, fatal: string | null): Frame {
  const e = engine!;
  return {
    type: "frame", gen,
    steps: {
      iteration: Float64Array.from(c.iteration), loss: Float64Array.from(c.loss),
      gradNorm: Float64Array.from(c.gradNorm), clipped: Uint8Array.from(c.clipped),
    },
    view: e.gradientView(),
    heat: e.heat.take(),
    snapshot: snapshot ? e.snapshot() : null,
    trainMs, frameMs: now() - start, B: e.B,
    baseline: e.task.baseline, baselineNote: e.task.baselineNote, solvedNote: e.task.solvedNote, fatal,
  };
}

function send(f: Frame): void {
  scope.postMessage(f, frameTransfers(f));
}

function handle(m: Request): void {
  const start = now();
  if (m.type === "init") {
    engine = new Engine(m.state);
    engine.preview();
    send(frame(m.gen, { iteration: [], loss: [], gradNorm: [], clipped: [] }, 0, start, true, null));
    return;
  }
  if (!engine) throw new Error("the worker got a request before init");
  if (m.type === "update") {
    engine.setContinuing(m.state);
    return;
  }
  const c: Columns = { iteration: [], loss: [], gradNorm: [], clipped: [] };
  const t0 = now();
  let fatal: string | null = null;
  do {
    try {
      const r = engine.step(now);
      c.iteration.push(r.step); c.loss.push(r.loss); c.gradNorm.push(r.gradNorm); c.clipped.push(r.clipped ? 1 : 0);
    } catch (e) {
      if (!(e instanceof NonFiniteError)) throw e;
      fatal = e.message;
      break;
    }
  } while (c.loss.length < m.maxSteps && now() - t0 < m.budgetMs);
  if (c.loss.length > 0) send(frame(m.gen, c, now() - t0, start, m.snapshot, fatal));
  else scope.postMessage({ type: "error", gen: m.gen, message: fatal ?? "no step was taken" }, []);
}

scope.onmessage = (e) => {
  const m = e.data;
  try {
    handle(m);
  } catch (err) {
    scope.postMessage({ type: "error", gen: m.gen, message: (err as Error).message ?? String(err) }, []);
  }
};
