// vitest globalSetup: the WebAssembly kernels are build output (scripts/build-wasm.mjs); make sure they
// exist and are current before any test imports core, also when vitest is run directly.
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildWasm } from "./build-wasm.mjs";

export default async function setup(): Promise<void> {
  await buildWasm({ quiet: true });
}
