#!/usr/bin/env node
// The `rnnlab` command. The CLI is TypeScript run through tsx, so there is no build step, except the
// WebAssembly kernels, which are compiled from core/wasm on first use if the install did not already.
import { register } from "tsx/esm/api";
import { buildWasm } from "../scripts/build-wasm.mjs";

await buildWasm();
register();
await import("../cli/src/main.ts");
