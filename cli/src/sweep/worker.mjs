// Entry of a sweep's worker threads (tinypool): the CLI is TypeScript run through tsx, and a worker
// thread starts without the main thread's loader, so register tsx here before importing the worker.
import { register } from "tsx/esm/api";

register();
const mod = await import("./worker.ts");
export default mod.default;
