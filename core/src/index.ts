/** rnnlab core: the public API. Re-exports only. */
export * from "./dims";
export * from "./model";
export * from "./params";
export * from "./rng";
export * from "./activations";
export * from "./linalg";
export { gemmBackend, matmulPrecision, setGemmBackend, setMatmulPrecision, wasmMemoryBytes, type GemmBackend, type MatmulPrecision } from "./simd";
export * from "./loss-spec";
export * from "./tape";
export * from "./ledger";
export * from "./heads";
export * from "./sequence";
export * from "./bptt";
export * from "./gradcheck";
export * from "./init";
export { rnnStepForward, rnnStepBackward, rnnStepJacobian } from "./cells/rnn";
export { gruStepForward, gruStepBackward, gruStepJacobian } from "./cells/gru";
export { lstmStepForward, lstmStepBackward, lstmStepJacobian } from "./cells/lstm";
export {
  parseSafetensors, serializeSafetensors, SafetensorsError,
  type Tensor as SafetensorsTensor, type SafetensorsDtype, type SafetensorsFile, type SafetensorsInput,
} from "./io/safetensors";
export { parseNpy, serializeNpy, NpyError, type NpyArray, type NpyWriteDtype } from "./io/npy";
export * from "./io/torch";
export * from "./io/model-json";
export * from "./tbptt";
export * from "./checkpointed";
export * from "./analysis/step-jacobian";
export * from "./analysis/jacobian-products";
export * from "./analysis/lyapunov";
export * from "./analysis/pascanu";
export * from "./analysis/lag-split";
export * from "./analysis/deep-twin";
export * from "./analysis/gates";
export * from "./train/optimizers";
export * from "./train/clip";
export * from "./train/trainer";
export * from "./tasks/index";
export * from "./scaled-carry";
