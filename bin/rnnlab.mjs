#!/usr/bin/env node
// The `rnnlab` command. The CLI is TypeScript run through tsx, so there is no build step.
import { register } from "tsx/esm/api";

register();
await import("../cli/src/main.ts");
