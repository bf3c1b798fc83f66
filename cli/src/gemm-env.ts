/**
 * RNNLAB_GEMM=js keeps every matrix product in JavaScript; unset or "wasm" (the default) lets large
 * ones run in WebAssembly SIMD. Both give the same bits, so this only changes speed: it exists to
 * measure the kernels and to rule them out when something looks wrong. Imported for its effect by the
 * CLI and by each sweep worker thread (a thread has its own copy of core's state).
 */
import { setGemmBackend } from "../../core/src/index";
import { UsageError } from "./errors";

const v = process.env.RNNLAB_GEMM;
if (v !== undefined && v !== "") {
  if (v !== "js" && v !== "wasm") throw new UsageError(`RNNLAB_GEMM must be "js" or "wasm", got "${v}"`);
  setGemmBackend(v);
}
