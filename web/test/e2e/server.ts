/**
 * The browser tests' fixtures: the playground built once into out/e2e-dist, served by `vite preview`
 * with strictPort on a free localhost port, and Debian's Chromium driven by playwright-core
 * (`CHROMIUM` overrides the path). Never `npx playwright install`.
 */
import { createServer } from "node:net";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build, preview, type PreviewServer } from "vite";
import { chromium, type Browser } from "playwright-core";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const CONFIG = `${REPO}web/vite.config.ts`;
export const DIST = `${REPO}out/e2e-dist`;
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"];

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Playground {
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

/** Builds, serves and launches; the caller closes. */
export async function startPlayground(): Promise<Playground> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}. Install Debian's: apt-get install -y chromium (or set CHROMIUM=/path/to/chromium). Never npx playwright install.`);
  }
  await build({ configFile: CONFIG, logLevel: "warn", build: { outDir: DIST, emptyOutDir: true } });
  const port = await freePort();
  const server: PreviewServer = await preview({ configFile: CONFIG, logLevel: "warn", build: { outDir: DIST }, preview: { host: "127.0.0.1", port, strictPort: true, open: false } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    url: `http://127.0.0.1:${port}/`,
    browser,
    async close() {
      await browser.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    },
  };
}
