/**
 * The vanilla cell, one time step, for all B rows at once:
 *   a<t> = g(Waa·a<t-1> + Wax·x<t> + ba)
 * Either the sequence loop has already written ba + Wax·x<t> into the a<t> slot (the input projection
 * hoisted out of the recurrence as one GEMM) and the step adds only the H×H recurrent product, or (x
 * given) the step computes both itself; the two give the same bits.
 */
import { activateInPlace, activationGradFromOutput, activationGradTimes } from "../activations";
import { fillRows, gemmNNBlocked, gemmNTBlocked } from "../linalg";
import type { ParamLayout } from "../params";
import type { Tape } from "../tape";
import { affineRow, matvecRow, ROW_KERNEL_B, vecmatRow } from "./row-kernels";

/**
 * a<t> = g(ba + Wax·x<t> + Waa·a<t-1>). Without x, the a<t> slot holds ba + Wax·x<t> on entry; with x
 * (T, B, I), the step computes it. Overwrites a<t>.
 */
export function rnnStepForward(tape: Tape, P: Float64Array, L: ParamLayout, t: number, x: Float64Array | null = null): void {
  const { B, config: { H, I, activation } } = tape;
  const at = t * B * H, prev = at - B * H, xOff = (t - 1) * B * I;
  const Waa = L.byName.Waa.offset, Wax = L.byName.Wax.offset, ba = L.byName.ba.offset;
  const a = tape.a;
  if (B < ROW_KERNEL_B) {
    for (let b = 0; b < B; b++) {
      if (x) affineRow(a, at + b * H, P, ba, P, Wax, I, x, xOff + b * I, I, P, Waa, H, a, prev + b * H, H, H);
      else matvecRow(a, at + b * H, P, Waa, H, a, prev + b * H, H, H);
    }
  } else {
    if (x) {
      fillRows(a, at, B, P, ba, H);
      gemmNTBlocked(a, at, H, x, xOff, I, P, Wax, I, B, H, I);
    }
    gemmNTBlocked(a, at, H, a, prev, H, P, Waa, H, B, H, H);
  }
  activateInPlace(a, at, B * H, activation);
}

/**
 * Backward through step t. On entry g (B, H) holds dJ/da<t> (any common scale). Writes
 * dz<t> = g ⊙ g'(a<t>) into tape.dpre at step t (overwrites), and g = Waaᵀ·dz<t>, the recurrent part of
 * dJ/da<t-1> (overwrites g). Weight gradients are formed later from dpre in one pass.
 */
export function rnnStepBackward(tape: Tape, P: Float64Array, L: ParamLayout, t: number): void {
  const { B, config: { H, activation } } = tape;
  const n = B * H;
  const d = (t - 1) * n;
  const g = tape.g;
  const Waa = L.byName.Waa.offset;
  activationGradTimes(tape.dpre, d, g, 0, tape.a, t * n, n, activation);
  g.fill(0);
  if (B < ROW_KERNEL_B) for (let b = 0; b < B; b++) vecmatRow(g, b * H, tape.dpre, d + b * H, P, Waa, H, H, H);
  else gemmNNBlocked(g, 0, H, tape.dpre, d, H, P, Waa, H, B, H, H);
}

/** J = ∂a<t>/∂a<t-1> for batch row b: J[i, j] = g'(z_i)·Waa[i, j]. Writes the (H, H) matrix J. */
export function rnnStepJacobian(J: Float64Array, tape: Tape, P: Float64Array, L: ParamLayout, t: number, b: number): void {
  const { B, config: { H, activation } } = tape;
  const w = L.byName.Waa.offset;
  const ao = (t * B + b) * H;
  for (let i = 0; i < H; i++) {
    const gi = activationGradFromOutput(tape.a[ao + i], activation);
    for (let j = 0; j < H; j++) J[i * H + j] = gi * P[w + i * H + j];
  }
}
