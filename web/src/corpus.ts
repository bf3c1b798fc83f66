/**
 * The char-lm corpus, bundled: the `pokemon` npm package's English names, the list `rnnlab train
 * --task char-lm` reads (cli/src/train-run.ts). Vite inlines the JSON into each worker that imports
 * this module (about 10 kB), so the page needs no file and no fetch.
 *
 * `playgroundTask` is the one place the playground builds a core task from its state, so the training
 * worker (engine.ts) and the analysis worker (analyzer.ts) see the same task.
 */
import pokemonNames from "pokemon/data/en.json";
import { makeCharLmTask, makeTask, type CharLmTask, type Task } from "../../core/src/index";

let charLm: CharLmTask | null = null;
let maxT = 0;

/** The char-lm task on the bundled names (built once per worker: parsing 1,025 names takes about a millisecond). */
export function charLmTask(): CharLmTask {
  return (charLm ??= makeCharLmTask(pokemonNames));
}

/** The longest char-lm sequence: the longest name after normalization, plus the end-of-name step. */
export function charLmMaxT(): number {
  if (maxT === 0) for (const n of charLmTask().names) maxT = Math.max(maxT, n.length + 1);
  return maxT;
}

/** Core's task of this name, with the corpus for char-lm. */
export function playgroundTask(name: string, T: number): Task {
  return name === "char-lm" ? charLmTask() : makeTask(name, { T });
}
