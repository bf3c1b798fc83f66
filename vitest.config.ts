import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["core/test/**/*.test.ts", "cli/test/**/*.test.ts", "web/test/**/*.test.ts"],
    // Numeric tests are CPU-bound; two workers match the two cores this project is built on.
    maxWorkers: 2,
    testTimeout: 60_000,
    // Builds core/wasm into core/src/wasm/*.generated.ts if missing or stale, for runs of vitest itself.
    globalSetup: ["scripts/vitest-wasm-setup.ts"],
  },
});
