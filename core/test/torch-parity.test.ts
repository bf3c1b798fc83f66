// PyTorch parity: models imported from state_dicts written by tools/make-torch-fixtures.py (torch 1.13,
// float64) give the same loss, states and gradients as torch autograd, to 1e-10 relative.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lossAndGrads } from "../src/bptt";
import { parseNpy } from "../src/io/npy";
import { parseSafetensors } from "../src/io/safetensors";
import { modelFromStateDict, modelToSafetensors, stateDictFromModel } from "../src/io/torch";
import { expandTargets, maskEvery, maskLast, type LossKind, type Reduction } from "../src/loss-spec";
import type { Activation, OutputKind } from "../src/model";
import { maxRelErr } from "./support/random-case";

const dir = new URL("./fixtures/torch/", import.meta.url);
const cases = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

interface Expected {
  cell: string; activation?: Activation; output: OutputKind; loss: LossKind; on: "last" | "every"; reduction: Reduction;
  T: number; B: number; I: number; H: number; O: number; loss_value: number;
  grads: Record<string, unknown>; dx: unknown; dh0: unknown; dc0?: unknown; outputs: unknown;
}

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const npy = (c: string, f: string) => parseNpy(new Uint8Array(readFileSync(new URL(`${c}/${f}`, dir))));

describe("PyTorch parity", () => {
  expect(cases.length).toBeGreaterThanOrEqual(11);
  for (const c of cases) {
    it(`modelFromStateDict + lossAndGrads on ${c} match torch autograd to 1e-10`, () => {
      const exp = JSON.parse(readFileSync(new URL(`${c}/expected.json`, dir), "utf8")) as Expected;
      const st = parseSafetensors(new Uint8Array(readFileSync(new URL(`${c}/model.safetensors`, dir))));
      const imp = modelFromStateDict(st.tensors, { activation: exp.activation, output: exp.output });
      const { model } = imp;
      expect(model.config.cell).toBe(exp.cell);
      const { T, B, O, H } = exp;
      const x = npy(c, "x.npy"), h0 = npy(c, "h0.npy"), y = npy(c, "y.npy");
      const c0 = exp.cell === "lstm" ? npy(c, "c0.npy").data : null;
      const mask = exp.on === "last" ? maskLast(T) : maskEvery(T);
      const targets = expandTargets("y.npy", y.data, y.shape, exp.loss, exp.on, T, B, O);
      const ws = lossAndGrads(null, model, { x: x.data, T, B, a0: h0.data, c0, targets }, { loss: exp.loss, reduction: exp.reduction, mask });
      expect(Math.abs(ws.loss - exp.loss_value) / Math.abs(exp.loss_value)).toBeLessThan(1e-10);
      expect(maxRelErr(ws.tape.a.subarray(B * H), flat(exp.outputs))).toBeLessThan(1e-10);
      const g = stateDictFromModel(model.config, ws.grads.dparams, imp.names, { gradient: true });
      for (const [name, want] of Object.entries(exp.grads)) {
        const got = g.get(name);
        expect(got, name).toBeDefined();
        expect(maxRelErr(got!.data, flat(want)), name).toBeLessThan(1e-10);
      }
      expect(maxRelErr(ws.grads.dx, flat(exp.dx))).toBeLessThan(1e-10);
      expect(maxRelErr(ws.grads.da0, flat(exp.dh0))).toBeLessThan(1e-10);
      if (c0) expect(maxRelErr(ws.grads.dc0, flat(exp.dc0))).toBeLessThan(1e-10);
    });
  }

  it("stateDictFromModel(modelFromStateDict(sd)) gives back the same forward function", () => {
    const st = parseSafetensors(new Uint8Array(readFileSync(new URL("gru-mse-last-mean/model.safetensors", dir))));
    const a = modelFromStateDict(st.tensors);
    const back = modelFromStateDict(stateDictFromModel(a.model.config, a.model.params, a.names));
    expect(maxRelErr(back.model.params, a.model.params)).toBe(0);
  });
});

describe("modelToSafetensors", () => {
  it("modelToSafetensors(model) parses back, through modelFromStateDict, to the same parameters bit for bit", () => {
    for (const c of ["lstm-mse-last-mean", "gru-ce-every-mean", "rnn-tanh-mse-every-mean"]) {
      const st = parseSafetensors(new Uint8Array(readFileSync(new URL(`${c}/model.safetensors`, dir))));
      const a = modelFromStateDict(st.tensors);
      const back = modelFromStateDict(parseSafetensors(modelToSafetensors(a.model, a.names)).tensors);
      expect(back.model.config).toEqual(a.model.config);
      expect(Array.from(back.model.params)).toEqual(Array.from(a.model.params));
    }
  });
});
