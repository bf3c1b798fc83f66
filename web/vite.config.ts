/**
 * Vite for the playground: root web/, two pages (the playground and the self-test), the worker as an
 * ES module. core/ lies outside the root, so the dev server may read the repository.
 *   npm run playground   (vite dev)     npm run build   (-> web/dist/)     npm run preview
 */
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const repo = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root,
  base: "./",
  server: { fs: { allow: [repo] } },
  worker: { format: "es" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1000,
    rolldownOptions: {
      input: { main: `${root}index.html`, selftest: `${root}selftest.html` },
      checks: { bundlerTimings: false },
    },
  },
});
