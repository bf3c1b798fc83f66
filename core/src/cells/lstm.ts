/**
 * The LSTM cell in the course's notation, one time step, for all B rows. Each W acts on [a<t-1>; x<t>]:
 *   Γf = σ(Wf·[a;x] + bf)   Γu = σ(Wu·[a;x] + bu)   c~ = tanh(Wc·[a;x] + bc)   Γo = σ(Wo·[a;x] + bo)
 *   c<t> = Γf⊙c<t-1> + Γu⊙c~        a<t> = Γo⊙tanh(c<t>)
 * Gate blocks are stacked [f|u|c|o] (LSTM_GATES), so one (4H, H+I) matrix starts at layout.W0 and the
 * gates buffer holds the four blocks side by side. Either the hoisted input projection has already
 * written b + W[:, H:]·x<t> into the gates slot and the step adds W[:, :H]·a<t-1>, or (x given) the
 * step computes both itself; the two give the same bits.
 */
import { gateActivations } from "../activations";
import { fillRows, gemmNNBlocked, gemmNTBlocked } from "../linalg";
import type { ParamLayout } from "../params";
import type { Tape } from "../tape";
import { affineRow, matvecRow, ROW_KERNEL_B, vecmatRow } from "./row-kernels";

/**
 * Forward through step t: fills gates<t> (post-activation), c<t>, tanh(c<t>) and a<t>. Without x, the
 * gates slot holds b + W[:, H:]·x<t> on entry; with x (T, B, I), the step computes it.
 */
export function lstmStepForward(tape: Tape, P: Float64Array, L: ParamLayout, t: number, x: Float64Array | null = null): void {
  const { B, config: { H, I } } = tape;
  const G4 = 4 * H;
  const gOff = (t - 1) * B * G4;
  const gates = tape.gates, a = tape.a, c = tape.c, tc = tape.tc;
  const ld = H + I, aOff = (t - 1) * B * H, xOff = (t - 1) * B * I;
  if (B < ROW_KERNEL_B) {
    for (let b = 0; b < B; b++) {
      if (x) affineRow(gates, gOff + b * G4, P, L.b0, P, L.W0 + H, ld, x, xOff + b * I, I, P, L.W0, ld, a, aOff + b * H, H, G4);
      else matvecRow(gates, gOff + b * G4, P, L.W0, ld, a, aOff + b * H, G4, H);
    }
  } else {
    if (x) {
      fillRows(gates, gOff, B, P, L.b0, G4);
      gemmNTBlocked(gates, gOff, G4, x, xOff, I, P, L.W0 + H, ld, B, G4, I);
    }
    gemmNTBlocked(gates, gOff, G4, a, aOff, H, P, L.W0, ld, B, G4, H);
  }
  gateActivations(gates, gOff, B, G4, 2 * H, H, H); // Γf, Γu = σ; c~ = tanh; Γo = σ
  const tOff = (t - 1) * B * H;
  for (let b = 0; b < B; b++) {
    const go = gOff + b * G4, prev = aOff + b * H, cur = prev + B * H, tco = tOff + b * H;
    for (let j = 0; j < H; j++) {
      const ct = gates[go + j] * c[prev + j] + gates[go + H + j] * gates[go + 2 * H + j];
      c[cur + j] = ct;
      tc[tco + j] = ct;
    }
  }
  gateActivations(tc, tOff, 1, B * H, 0, B * H, 0); // tanh(c<t>)
  for (let b = 0; b < B; b++) {
    const go = gOff + b * G4 + 3 * H, cur = aOff + (B + b) * H, tco = tOff + b * H;
    for (let j = 0; j < H; j++) a[cur + j] = gates[go + j] * tc[tco + j];
  }
}

/**
 * Backward through step t. On entry g = dJ/da<t> (total) and gc = dJ/dc<t> (from t+1), at one common
 * scale. Writes the pre-activation gradients of [f|u|c|o] into tape.dpre at t, then overwrites
 * gc = dJ/dc<t-1> = dc⊙Γf and g = W[:, :H]ᵀ·dpre (the recurrent part of dJ/da<t-1>):
 *   dc  = gc + g⊙Γo⊙(1 - tanh²c<t>)
 *   dΓo = g⊙tanh(c<t>) ⊙ Γo(1-Γo)      dΓf = dc⊙c<t-1> ⊙ Γf(1-Γf)
 *   dΓu = dc⊙c~ ⊙ Γu(1-Γu)             dc~ = dc⊙Γu ⊙ (1 - c~²)
 */
export function lstmStepBackward(tape: Tape, P: Float64Array, L: ParamLayout, t: number): void {
  const { B, config: { H, I } } = tape;
  const G4 = 4 * H;
  const gOff = (t - 1) * B * G4;
  const gates = tape.gates, c = tape.c, tc = tape.tc, dpre = tape.dpre, g = tape.g, gc = tape.gc;
  for (let b = 0; b < B; b++) {
    const go = gOff + b * G4;
    const prev = ((t - 1) * B + b) * H;
    const tco = prev;
    const r = b * H;
    for (let j = 0; j < H; j++) {
      const f = gates[go + j], u = gates[go + H + j], cc = gates[go + 2 * H + j], o = gates[go + 3 * H + j];
      const th = tc[tco + j];
      const da = g[r + j];
      const dc = gc[r + j] + da * o * (1 - th * th);
      dpre[go + j] = dc * c[prev + j] * f * (1 - f);
      dpre[go + H + j] = dc * cc * u * (1 - u);
      dpre[go + 2 * H + j] = dc * u * (1 - cc * cc);
      dpre[go + 3 * H + j] = da * th * o * (1 - o);
      gc[r + j] = dc * f;
    }
  }
  g.fill(0);
  if (B < ROW_KERNEL_B) for (let b = 0; b < B; b++) vecmatRow(g, b * H, dpre, gOff + b * G4, P, L.W0, H + I, H, G4);
  else gemmNNBlocked(g, 0, H, dpre, gOff, G4, P, L.W0, H + I, B, H, G4);
}

/**
 * J = ∂s<t>/∂s<t-1> for batch row b, with s = [a; c] (2H). Writes the (2H, 2H) matrix J:
 *   ∂c_i/∂a_j = c<t-1>_i Γf_i(1-Γf_i) Wf[i,j] + c~_i Γu_i(1-Γu_i) Wu[i,j] + Γu_i (1-c~_i²) Wc[i,j]
 *   ∂c_i/∂c_j = δij Γf_i
 *   ∂a_i/∂a_j = tanh(c_i) Γo_i(1-Γo_i) Wo[i,j] + Γo_i (1-tanh²c_i) ∂c_i/∂a_j
 *   ∂a_i/∂c_j = δij Γo_i (1-tanh²c_i) Γf_i
 */
export function lstmStepJacobian(J: Float64Array, tape: Tape, P: Float64Array, L: ParamLayout, t: number, b: number): void {
  const { B, config: { H, I } } = tape;
  const H2 = 2 * H, ld = H + I;
  const go = ((t - 1) * B + b) * 4 * H;
  const prev = ((t - 1) * B + b) * H;
  const Wf = L.W0, Wu = Wf + H * ld, Wc = Wu + H * ld, Wo = Wc + H * ld;
  J.fill(0, 0, H2 * H2);
  for (let i = 0; i < H; i++) {
    const f = tape.gates[go + i], u = tape.gates[go + H + i], cc = tape.gates[go + 2 * H + i], o = tape.gates[go + 3 * H + i];
    const th = tape.tc[prev + i];
    const kf = tape.c[prev + i] * f * (1 - f), ku = cc * u * (1 - u), kc = u * (1 - cc * cc);
    const ko = th * o * (1 - o), kt = o * (1 - th * th);
    for (let j = 0; j < H; j++) {
      const dcda = kf * P[Wf + i * ld + j] + ku * P[Wu + i * ld + j] + kc * P[Wc + i * ld + j];
      J[(H + i) * H2 + j] = dcda;
      J[i * H2 + j] = ko * P[Wo + i * ld + j] + kt * dcda;
    }
    J[(H + i) * H2 + H + i] = f;
    J[i * H2 + H + i] = kt * f;
  }
}
