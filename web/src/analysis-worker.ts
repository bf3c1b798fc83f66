/**
 * The analysis worker: Pascanu, Lyapunov, lag split, deep twin and the chain rule (analyzer.ts) on a
 * snapshot of the step on view, beside the training worker, so that training and the gradient view
 * never wait for them. One request at a time (the page sends the next when this one has answered).
 */
import { Analyzer } from "./analyzer";
import { analysisTransfers, type AnalysisReply, type AnalysisRequest } from "./protocol";

interface WorkerScope {
  onmessage: ((e: MessageEvent<AnalysisRequest>) => void) | null;
  postMessage(message: AnalysisReply, transfer: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;
const now = () => performance.now();
let analyzer = new Analyzer();
let gen = -1;

scope.onmessage = (e) => {
  const m = e.data;
  try {
    if (m.gen !== gen) {
      analyzer = new Analyzer(); // a new run: drop the cached twin and workspace
      gen = m.gen;
    }
    const a = analyzer.analyze(m.state, m.snapshot, m.pick, now);
    scope.postMessage({ type: "analysis", gen: m.gen, analysis: a }, analysisTransfers(a));
  } catch (err) {
    scope.postMessage({ type: "error", gen: m.gen, message: (err as Error).message ?? String(err) }, []);
  }
};
