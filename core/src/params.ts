/**
 * ParamSet layout: one flat Float64Array per model, with named row-major blocks at fixed offsets.
 * Gradients use the same layout, so `dparams[layout.Waa.offset + j*H + k]` is dWaa[j, k].
 *
 * Vanilla RNN (G = 1):  Wax (H, I), Waa (H, H), ba (H)
 * GRU (G = 3):          Wr, Wu, Wc (each (H, H+I), columns [a<t-1>; x<t>]), br, bu, bc (each H),
 *                       and for `reset-after` also bca (H), the bias inside Γr⊙(·)
 * LSTM (G = 4):         Wf, Wu, Wc, Wo (each (H, H+I), columns [a<t-1>; x<t>]), bf, bu, bc, bo (each H)
 * Every model ends with the readout Wya (O, H), by (O).
 *
 * Gate blocks are consecutive, so for gated cells the weights form one stacked (G·H, H+I) matrix
 * starting at `W0` and the biases one (G·H) vector starting at `b0`, in the order GRU_GATES or
 * LSTM_GATES. PyTorch's orders differ ([r|z|n], [i|f|g|o]); io/torch.ts maps them explicitly.
 */
import type { ModelConfig } from "./model";

/** GRU gate blocks, in stacked order: reset Γr, update Γu, candidate c~ (PyTorch's [r|z|n], with Γu = 1-z). */
export const GRU_GATES = ["r", "u", "c"] as const;
/** LSTM gate blocks, in stacked order: forget Γf, update Γu (PyTorch's i), candidate c~ (g), output Γo. */
export const LSTM_GATES = ["f", "u", "c", "o"] as const;

export interface ParamBlock {
  name: string;
  /** [rows, cols] for matrices, [n] for vectors */
  shape: readonly number[];
  offset: number;
  size: number;
}

export interface ParamLayout {
  blocks: readonly ParamBlock[];
  byName: Readonly<Record<string, ParamBlock>>;
  size: number;
  /** gate blocks per hidden unit: 1, 3 or 4 */
  G: number;
  /** for gated cells: offset of the stacked (G·H, H+I) weight matrix; for rnn: offset of Wax */
  W0: number;
  /** for gated cells: offset of the stacked (G·H) bias; for rnn: offset of ba */
  b0: number;
}

/** Number of gate blocks G for a cell: 1 (rnn), 3 (gru), 4 (lstm). */
export function gateCount(cell: ModelConfig["cell"]): number {
  return cell === "rnn" ? 1 : cell === "gru" ? 3 : 4;
}

/** The flat parameter layout of a model. Pure; cheap; call it once and keep it. */
export function paramLayout(c: ModelConfig): ParamLayout {
  const { I, H, O } = c;
  const spec: [string, number[]][] = [];
  if (c.cell === "rnn") {
    spec.push(["Wax", [H, I]], ["Waa", [H, H]], ["ba", [H]]);
  } else {
    const gates: readonly string[] = c.cell === "gru" ? GRU_GATES : LSTM_GATES;
    for (const g of gates) spec.push([`W${g}`, [H, H + I]]);
    for (const g of gates) spec.push([`b${g}`, [H]]);
    if (c.cell === "gru" && c.gruVariant === "reset-after") spec.push(["bca", [H]]);
  }
  spec.push(["Wya", [O, H]], ["by", [O]]);
  const blocks: ParamBlock[] = [];
  const byName: Record<string, ParamBlock> = {};
  let offset = 0;
  for (const [name, shape] of spec) {
    const size = shape.reduce((p, n) => p * n, 1);
    const b: ParamBlock = { name, shape, offset, size };
    blocks.push(b);
    byName[name] = b;
    offset += size;
  }
  const G = gateCount(c.cell);
  const first = blocks[0];
  const firstBias = c.cell === "rnn" ? byName.ba : blocks[G];
  return { blocks, byName, size: offset, G, W0: first.offset, b0: firstBias.offset };
}

/** Named subarray views of a flat buffer (params or grads). Create once, outside hot loops. */
export function paramViews(layout: ParamLayout, data: Float64Array): Record<string, Float64Array> {
  if (data.length !== layout.size) throw new RangeError(`params length must be ${layout.size}, got ${data.length}`);
  const out: Record<string, Float64Array> = {};
  for (const b of layout.blocks) out[b.name] = data.subarray(b.offset, b.offset + b.size);
  return out;
}
