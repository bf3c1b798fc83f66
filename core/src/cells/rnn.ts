/**
 * The vanilla cell, one time step, for all B rows at once:
 *   a<t> = g(Waa·a<t-1> + Wax·x<t> + ba)
 * The sequence loop has already written ba + Wax·x<t> into the a<t> slot (the input projection is
 * hoisted out of the recurrence as one GEMM), so the step adds only the H×H recurrent product.
 */
import { activateInPlace, activationGradFromOutput, mulActivationGrad } from "../activations";
import { gemmNNBlocked, gemmNTBlocked } from "../linalg";
import type { ParamLayout } from "../params";
import type { Tape } from "../tape";

/** a<t> = g(a<t> + Waa·a<t-1>), where a<t> holds ba + Wax·x<t> on entry. Overwrites a<t>. */
export function rnnStepForward(tape: Tape, P: Float64Array, L: ParamLayout, t: number): void {
  const { B, config: { H, activation } } = tape;
  const at = t * B * H;
  gemmNTBlocked(tape.a, at, H, tape.a, at - B * H, H, P, L.byName.Waa.offset, H, B, H, H);
  activateInPlace(tape.a, at, B * H, activation);
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
  for (let i = 0; i < n; i++) tape.dpre[d + i] = g[i];
  mulActivationGrad(tape.dpre, d, tape.a, t * n, n, activation);
  g.fill(0);
  gemmNNBlocked(g, 0, H, tape.dpre, d, H, P, L.byName.Waa.offset, H, B, H, H);
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
