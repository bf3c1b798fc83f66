/** selftest.html: runs the self-test in a worker-free page and puts the numbers on window.selftest. */
import { runSelftest, type SelftestResult } from "./selftest-run";

const out = document.getElementById("out")!;
const t0 = performance.now();
let result: SelftestResult | null = null;
try {
  result = runSelftest();
  const ms = performance.now() - t0;
  const lines = [
    ...result.gradcheck.map((g) => `gradcheck ${g.cell}: ${g.checked} coordinates, max relative error ${g.maxRelErr.toExponential(3)} (loss ${g.loss})`),
    `training: 20 steps, loss ${result.training.losses[0]} -> ${result.training.losses[19]}`,
    `done in ${ms.toFixed(0)} ms`,
  ];
  out.textContent = lines.join("\n");
} catch (e) {
  out.textContent = `self-test failed: ${(e as Error).message}`;
}
(window as unknown as { selftest: SelftestResult | null; selftestDone: boolean }).selftest = result;
(window as unknown as { selftestDone: boolean }).selftestDone = true;
