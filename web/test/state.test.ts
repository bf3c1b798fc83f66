import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULTS, FIELDS, FIELD_KEYS, PLAYGROUND_TASKS, MEMORY_CAP, autoBatch, decodeState, encodeState, inapplicable, memoryEstimate, needsReset,
  reconcile, resolveBatch, sequenceLength, type Codec, type FieldKey, type PlaygroundState,
} from "../src/state";
import { TASK_NAMES } from "../../core/src/index";
import { charLmTask } from "../src/corpus";

const SEED = 20240611;

/** An arbitrary for one field, from its codec: any valid value, including the range ends. */
function arbitraryFor(k: FieldKey): fc.Arbitrary<unknown> {
  const c = FIELDS[k] as Codec<unknown>;
  if (c.kind === "enum") return fc.constantFrom(...c.values!);
  if (c.kind === "int") return fc.integer({ min: c.min!, max: c.max! });
  if (c.kind === "intOrAuto") return fc.oneof(fc.constant("auto"), fc.integer({ min: c.min!, max: c.max! }));
  const min = c.min!, max = c.max!;
  return fc.oneof(
    fc.double({ min, max, noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(max, 0.1, 1e-7, 3.0000000000000004),
  ).map((v) => (v === 0 ? 0 : v)) // the codecs never produce -0 (String(-0) is "0"), so no valid state holds it
    .filter((v) => c.parse(c.format(v as never)) !== null);
}

const stateArb: fc.Arbitrary<PlaygroundState> = fc.record(
  Object.fromEntries(FIELD_KEYS.map((k) => [k, arbitraryFor(k)])) as { [K in FieldKey]: fc.Arbitrary<PlaygroundState[K]> },
).map((s) => reconcile(s).state);

describe("state.ts", () => {
  it("FIELDS has a codec for every key of PlaygroundState, and DEFAULTS is valid and reconciled", () => {
    expect(new Set(FIELD_KEYS)).toEqual(new Set(Object.keys(DEFAULTS)));
    expect(reconcile(DEFAULTS)).toEqual({ state: DEFAULTS, notices: [] });
    for (const k of FIELD_KEYS) {
      const c = FIELDS[k] as Codec<unknown>;
      expect(c.parse(c.format(DEFAULTS[k])), k).toEqual(DEFAULTS[k]);
    }
  });

  it("decodeState(encodeState(s)) = s for arbitrary valid states (fast-check, seeded)", () => {
    fc.assert(fc.property(stateArb, (s) => {
      const r = decodeState(`#${encodeState(s)}`);
      expect(r.notices).toEqual([]);
      expect(r.state).toEqual(s);
    }), { seed: SEED, numRuns: 300 });
  });

  it("reconcile is idempotent", () => {
    fc.assert(fc.property(stateArb, (s) => {
      expect(reconcile(s)).toEqual({ state: s, notices: [] });
    }), { seed: SEED, numRuns: 200 });
  });

  it("decodeState never throws and always yields a reconciled state, whatever the hash", () => {
    const keyArb = fc.oneof(fc.constantFrom(...FIELD_KEYS), fc.string({ maxLength: 8 }));
    const valArb = fc.oneof(fc.string({ maxLength: 12 }), fc.double().map(String), fc.integer().map(String), fc.constantFrom("auto", "NaN", "Infinity", "-0", "1e999", "0x10", " 5", "%E0%A4%A"));
    const hashArb = fc.array(fc.tuple(keyArb, valArb), { maxLength: 10 }).map((kv) => kv.map(([k, v]) => `${k}=${v}`).join("&"));
    fc.assert(fc.property(hashArb, (h) => {
      const r = decodeState(h);
      expect(reconcile(r.state)).toEqual({ state: r.state, notices: [] });
    }), { seed: SEED, numRuns: 500 });
  });

  it("decodeState('#cell=gru&hidden=8&T=200&seed=7') sets those fields and leaves the rest at defaults", () => {
    const r = decodeState("#cell=gru&hidden=8&T=200&seed=7");
    expect(r.notices).toEqual([]);
    expect(r.state).toEqual({ ...DEFAULTS, cell: "gru", hidden: 8, T: 200, seed: 7 });
  });

  it("decodeState reports each invalid value, unknown key and repeated key, and uses the default", () => {
    const r = decodeState("cell=banana&hidden=0&T=1e3&lr=-1&lr=2&clipAt=0&batch=auto&radius=NaN&wat=1&hidden=4");
    expect(r.state).toEqual(DEFAULTS);
    expect(r.notices).toHaveLength(9);
    expect(r.notices[0]).toBe('cell="banana" is not one of rnn, gru, lstm; using the default rnn');
    expect(r.notices.join("\n")).toContain('hidden="0" is not an integer in 1..256');
    expect(r.notices.join("\n")).toContain("lr is given twice");
    expect(r.notices.join("\n")).toContain('T="1e3" is not an integer in 10..10000');
    expect(r.notices.join("\n")).toContain('unknown setting "wat"');
  });

  it("decodeState keeps hostile text out of the state and shortens it in notices", () => {
    const evil = encodeURIComponent(`<img src=x onerror=alert(1)>${"A".repeat(500)}`);
    const r = decodeState(`#${evil}=1&cell=${evil}`);
    expect(r.state).toEqual(DEFAULTS);
    for (const n of r.notices) expect(n.length).toBeLessThan(140);
  });

  it("reconcile fixes adding-hs with T < 11, a batch over the memory cap and a pick beyond the sequence", () => {
    const a = reconcile({ ...DEFAULTS, task: "adding-hs", T: 10 });
    expect(a.state.T).toBe(11);
    const b = reconcile({ ...DEFAULTS, cell: "lstm", hidden: 256, T: 10_000, batch: 256 });
    expect(b.state.batch).not.toBe(256);
    expect(memoryEstimate("lstm", 10_000, b.state.batch as number, 256)).toBeLessThanOrEqual(MEMORY_CAP);
    const c = reconcile({ ...DEFAULTS, T: 50, pick: 60 });
    expect(c.state.pick).toBe(0);
    expect(reconcile({ ...DEFAULTS, task: "copy", T: 50, pick: 70 }).state.pick).toBe(70);
  });

  it("autoBatch gives 1 row at T = 10,000 and at most 32, within the memory cap", () => {
    expect(autoBatch({ ...DEFAULTS, T: 10_000 })).toBe(1);
    expect(autoBatch({ ...DEFAULTS, T: 10 })).toBe(32);
    for (const task of PLAYGROUND_TASKS) for (const T of [10, 100, 1000, 10_000]) {
      const s = reconcile({ ...DEFAULTS, task, T, cell: "lstm", hidden: 256 }).state;
      const B = resolveBatch(s);
      expect(B === 1 || memoryEstimate("lstm", sequenceLength(task, s.T), B, 256) <= MEMORY_CAP).toBe(true);
    }
  });

  it("offers every task of core's makeTask, char-lm included", () => {
    expect([...PLAYGROUND_TASKS].sort()).toEqual([...TASK_NAMES].sort());
  });

  it("char-lm round-trips through the hash; T, batch and loss keep their values but are disabled, and B = 1", () => {
    const s: PlaygroundState = { ...DEFAULTS, task: "char-lm", cell: "lstm", hidden: 50, T: 777, batch: 64, loss: "last", pick: 5, seed: 9 };
    expect(reconcile(s)).toEqual({ state: s, notices: [] });
    const hash = encodeState(s);
    expect(hash).toContain("task=char-lm");
    const r = decodeState(`#${hash}`);
    expect(r).toEqual({ state: s, notices: [] });
    expect(resolveBatch(s)).toBe(1);
    expect(Object.keys(inapplicable(s)).sort()).toEqual(["T", "activation", "batch", "loss"]);
    // switching back to adding restores the batch the hash kept
    expect(resolveBatch({ ...s, task: "adding" })).toBe(64);
    // the chain-rule pick is checked against the longest name, not against T
    const longest = Math.max(...charLmTask().names.map((n) => n.length)) + 1;
    expect(sequenceLength("char-lm", 777)).toBe(longest);
    expect(reconcile({ ...s, pick: longest }).state.pick).toBe(longest);
    const far = reconcile({ ...s, pick: longest + 1 });
    expect(far.state.pick).toBe(0);
    expect(far.notices).toHaveLength(1);
  });

  it("an invalid task falls back to adding with a notice", () => {
    const r = decodeState("#task=char-lm2&cell=gru");
    expect(r.state).toEqual({ ...DEFAULTS, cell: "gru" });
    expect(r.notices).toEqual([`task="char-lm2" is not one of ${PLAYGROUND_TASKS.join(", ")}; using the default adding`]);
  });

  it("needsReset: structural fields reset, lr / clip / clipAt / pick continue", () => {
    for (const k of ["cell", "hidden", "T", "seed", "task", "init", "optimizer", "loss", "batch"] as const) {
      const c = FIELDS[k] as Codec<unknown>;
      const other = c.kind === "enum" ? c.values!.find((v) => v !== DEFAULTS[k]) : c.kind === "intOrAuto" ? 3 : (c.max as number);
      expect(needsReset(DEFAULTS, { ...DEFAULTS, [k]: other }), k).toBe(true);
    }
    expect(needsReset(DEFAULTS, { ...DEFAULTS, lr: 0.5, clip: "none", clipAt: 3, pick: 4 })).toBe(false);
  });
});
