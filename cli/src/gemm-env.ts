/**
 * RNNLAB_GEMM=js keeps every matrix product in JavaScript; unset or "wasm" (the default) lets large
 * ones run in WebAssembly SIMD. Both give the same bits, so this only changes speed: it exists to
 * measure the kernels and to rule them out when something looks wrong. Imported for its effect by the
 * CLI and by each sweep worker thread (a thread has its own copy of core's state).
 *
 * RNNLAB_MATMUL=float32 takes those large products in float32 (core's setMatmulPrecision: each sum in
 * float32, added to float64 results; 1.4-1.9× faster steps in the batched regime, gradients within
 * about 1e-6 relative of float64's). Unset or "float64" (the default): float64 throughout.
 */
import { matmulPrecision, setGemmBackend, setMatmulPrecision } from "../../core/src/index";
import { UsageError } from "./errors";

const v = process.env.RNNLAB_GEMM;
if (v !== undefined && v !== "") {
  if (v !== "js" && v !== "wasm") throw new UsageError(`RNNLAB_GEMM must be "js" or "wasm", got "${v}"`);
  setGemmBackend(v);
}

const p = process.env.RNNLAB_MATMUL;
if (p !== undefined && p !== "") {
  if (p !== "float64" && p !== "float32") throw new UsageError(`RNNLAB_MATMUL must be "float64" or "float32", got "${p}"`);
  setMatmulPrecision(p);
}

/**
 * For the commands whose output is a check or a reference (gradcheck's tolerance of 1e-7, the explain
 * report): float64 products whatever RNNLAB_MATMUL says, with a notice on stderr when it said float32.
 */
export function float64For(command: string): void {
  if (matmulPrecision() !== "float32") return;
  process.stderr.write(`rnnlab ${command}: RNNLAB_MATMUL=float32 ignored; ${command} runs in float64\n`);
  setMatmulPrecision("float64");
}
