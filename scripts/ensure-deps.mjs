#!/usr/bin/env node
// Pre-script for `npm start` and `npm test`: on a fresh clone, or when package-lock.json names a
// package version that node_modules lacks, run `npm ci`, so that the first command typed works.
// Uses only Node's built-ins. npm records what it installed in node_modules/.package-lock.json.
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function staleReason() {
  const hidden = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(hidden)) return "first run: installing dependencies with npm ci";
  const want = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")).packages ?? {};
  const have = JSON.parse(readFileSync(hidden, "utf8")).packages ?? {};
  for (const [path, meta] of Object.entries(want)) {
    if (path === "" || meta.optional || meta.dev === undefined && meta.link) continue;
    if (have[path]?.version !== meta.version) return `${path} is missing or not at ${meta.version}: running npm ci`;
  }
  return null;
}

const reason = staleReason();
if (reason) {
  console.error(`rnnlab: ${reason}`);
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`rnnlab: npm ci failed (exit ${r.status ?? r.signal}); fix the error above and run it again`);
    process.exit(r.status ?? 1);
  }
}

// The WebAssembly kernels (core/wasm) are build output, never committed: build them when missing or
// older than their source (npm ci's postinstall normally has, but a checkout may have moved on).
try {
  const { buildWasm } = await import("./build-wasm.mjs");
  await buildWasm();
} catch (e) {
  console.error(`rnnlab: building the WebAssembly kernels failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}

// `npm test` also drives the playground in Debian's Chromium (web/test/e2e). Install it when it is
// missing and we are root (CI, containers); otherwise say exactly what to run. Never `npx playwright install`.
if (process.env.npm_lifecycle_event === "pretest") {
  const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) {
    if (process.env.CHROMIUM) {
      console.error(`rnnlab: CHROMIUM=${chromium} does not exist; the browser tests will fail. Point it at a Chromium binary, or unset it and run: apt-get install -y chromium`);
    } else if (process.getuid?.() === 0) {
      console.error("rnnlab: the browser tests need Debian's Chromium: running apt-get install -y chromium");
      let r = spawnSync("apt-get", ["install", "-y", "chromium"], { stdio: "inherit" });
      if (r.status !== 0) {
        spawnSync("apt-get", ["update"], { stdio: "inherit" });
        r = spawnSync("apt-get", ["install", "-y", "chromium"], { stdio: "inherit" });
      }
      if (r.status !== 0) console.error("rnnlab: apt-get install -y chromium failed; the browser tests will fail until /usr/bin/chromium exists");
    } else {
      console.error("rnnlab: the browser tests need Debian's Chromium at /usr/bin/chromium. Run:\n  sudo apt-get install -y chromium\n(or set CHROMIUM=/path/to/chromium)");
    }
  }
}
