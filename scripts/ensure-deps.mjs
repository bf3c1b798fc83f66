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
