/**
 * The GRU cell, one time step, for all B rows. Gate blocks are stacked [r|u|c] (GRU_GATES); each W
 * acts on [a<t-1>; x<t>] and the stacked (3H, H+I) matrix starts at layout.W0.
 *   Γr = σ(Wr·[a;x] + br)      Γu = σ(Wu·[a;x] + bu)
 *   reset-before: c~ = tanh(Wc·[Γr⊙a<t-1>; x<t>] + bc)
 *   reset-after:  c~ = tanh(Wc[:, H:]·x<t> + bc + Γr⊙hn),  hn = Wc[:, :H]·a<t-1> + bca
 *   a<t> = Γu⊙c~ + (1-Γu)⊙a<t-1>
 * Either the hoisted input projection has already written b + W[:, H:]·x<t> into the gates slot, or
 * (x given) the step computes it; the two give the same bits. tape.aux keeps Γr⊙a<t-1> (reset-before)
 * or hn (reset-after), the a-side input of the c~ block.
 */
import { gateActivations } from "../activations";
import { fillRows, gemmNNBlocked, gemmNTBlocked } from "../linalg";
import type { ParamLayout } from "../params";
import type { Tape } from "../tape";
import { affineRow, matvecRow, ROW_KERNEL_B, vecmatRow } from "./row-kernels";

/**
 * Forward through step t: fills gates<t> (post-activation), aux<t> and a<t>. Without x, the gates slot
 * holds b + W[:, H:]·x<t> on entry; with x (T, B, I), the step computes it.
 */
export function gruStepForward(tape: Tape, P: Float64Array, L: ParamLayout, t: number, x: Float64Array | null = null): void {
  const { B, config: { H, I, gruVariant } } = tape;
  const G3 = 3 * H, ld = H + I;
  const gOff = (t - 1) * B * G3;
  const prevOff = (t - 1) * B * H, xOff = (t - 1) * B * I;
  const gates = tape.gates, a = tape.a, aux = tape.aux;
  const Wc = L.W0 + 2 * H * ld;
  // [Γr | Γu] pre-activations (b + W[0:2H, H:]·x<t>) + W[0:2H, :H]·a<t-1>; the c~ block's b + Wc[:, H:]·x<t>
  const rows = B < ROW_KERNEL_B;
  if (rows) {
    for (let b = 0; b < B; b++) {
      const go = gOff + b * G3;
      if (x) {
        affineRow(gates, go, P, L.b0, P, L.W0 + H, ld, x, xOff + b * I, I, P, L.W0, ld, a, prevOff + b * H, H, 2 * H);
        for (let j = 0; j < H; j++) gates[go + 2 * H + j] = P[L.b0 + 2 * H + j];
        matvecRow(gates, go + 2 * H, P, Wc + H, ld, x, xOff + b * I, H, I);
      } else {
        matvecRow(gates, go, P, L.W0, ld, a, prevOff + b * H, 2 * H, H);
      }
    }
  } else {
    if (x) {
      fillRows(gates, gOff, B, P, L.b0, G3);
      gemmNTBlocked(gates, gOff, G3, x, xOff, I, P, L.W0 + H, ld, B, G3, I);
    }
    gemmNTBlocked(gates, gOff, G3, a, prevOff, H, P, L.W0, ld, B, 2 * H, H);
  }
  gateActivations(gates, gOff, B, G3, 2 * H, 0, 0); // Γr, Γu = σ
  if (gruVariant === "reset-before") {
    for (let b = 0; b < B; b++) {
      const go = gOff + b * G3, ao = prevOff + b * H;
      for (let j = 0; j < H; j++) aux[ao + j] = gates[go + j] * a[ao + j];
    }
    if (rows) for (let b = 0; b < B; b++) matvecRow(gates, gOff + b * G3 + 2 * H, P, Wc, ld, aux, prevOff + b * H, H, H);
    else gemmNTBlocked(gates, gOff + 2 * H, G3, aux, prevOff, H, P, Wc, ld, B, H, H);
    gateActivations(gates, gOff + 2 * H, B, G3, 0, H, 0); // c~ = tanh
    gruBlend(gates, a, gOff, prevOff, B, H);
  } else {
    fillRows(aux, prevOff, B, P, L.byName.bca.offset, H);
    if (rows) for (let b = 0; b < B; b++) matvecRow(aux, prevOff + b * H, P, Wc, ld, a, prevOff + b * H, H, H);
    else gemmNTBlocked(aux, prevOff, H, a, prevOff, H, P, Wc, ld, B, H, H);
    for (let b = 0; b < B; b++) {
      const go = gOff + b * G3, ao = prevOff + b * H;
      for (let j = 0; j < H; j++) gates[go + 2 * H + j] += gates[go + j] * aux[ao + j];
    }
    gateActivations(gates, gOff + 2 * H, B, G3, 0, H, 0); // c~ = tanh(b + Wc[:, H:]·x + Γr⊙hn)
    gruBlend(gates, a, gOff, prevOff, B, H);
  }
}

/** a<t> = Γu⊙c~ + (1-Γu)⊙a<t-1> for every row, from the activated gates at gOff. */
function gruBlend(gates: Float64Array, a: Float64Array, gOff: number, prevOff: number, B: number, H: number): void {
  const G3 = 3 * H;
  for (let b = 0; b < B; b++) {
    const go = gOff + b * G3, ao = prevOff + b * H, cur = ao + B * H;
    for (let j = 0; j < H; j++) {
      const u = gates[go + H + j];
      a[cur + j] = u * gates[go + 2 * H + j] + (1 - u) * a[ao + j];
    }
  }
}

/**
 * Backward through step t. On entry g = dJ/da<t>. Writes dpre<t> = [dΓr | dΓu | dc~] pre-activation
 * gradients (and dhn for reset-after), then overwrites g with the recurrent part of dJ/da<t-1>:
 *   dc~ = g⊙Γu⊙(1-c~²)           dΓu = g⊙(c~ - a<t-1>)⊙Γu(1-Γu)
 *   reset-before: d(Γr⊙a) = Wc[:, :H]ᵀ·dc~,  dΓr = d(Γr⊙a)⊙a<t-1>⊙Γr(1-Γr)
 *                 dJ/da<t-1> = g⊙(1-Γu) + d(Γr⊙a)⊙Γr + W[0:2H, :H]ᵀ·[dΓr; dΓu]
 *   reset-after:  dhn = dc~⊙Γr,  dΓr = dc~⊙hn⊙Γr(1-Γr)
 *                 dJ/da<t-1> = g⊙(1-Γu) + W[0:2H, :H]ᵀ·[dΓr; dΓu] + Wc[:, :H]ᵀ·dhn
 */
export function gruStepBackward(tape: Tape, P: Float64Array, L: ParamLayout, t: number): void {
  const { B, config: { H, I, gruVariant } } = tape;
  const G3 = 3 * H, ld = H + I;
  const gOff = (t - 1) * B * G3;
  const prevOff = (t - 1) * B * H;
  const gates = tape.gates, a = tape.a, aux = tape.aux, dpre = tape.dpre, g = tape.g;
  const Wc = L.W0 + 2 * H * ld;
  const rows = B < ROW_KERNEL_B;
  for (let b = 0; b < B; b++) {
    const go = gOff + b * G3, ao = prevOff + b * H, r0 = b * H;
    for (let j = 0; j < H; j++) {
      const u = gates[go + H + j], cc = gates[go + 2 * H + j];
      const da = g[r0 + j];
      dpre[go + 2 * H + j] = da * u * (1 - cc * cc);
      dpre[go + H + j] = da * (cc - a[ao + j]) * u * (1 - u);
    }
  }
  if (gruVariant === "reset-before") {
    const dra = tape.sx;
    dra.fill(0, 0, B * H);
    if (rows) for (let b = 0; b < B; b++) vecmatRow(dra, b * H, dpre, gOff + b * G3 + 2 * H, P, Wc, ld, H, H);
    else gemmNNBlocked(dra, 0, H, dpre, gOff + 2 * H, G3, P, Wc, ld, B, H, H);
    for (let b = 0; b < B; b++) {
      const go = gOff + b * G3, ao = prevOff + b * H, r0 = b * H;
      for (let j = 0; j < H; j++) {
        const r = gates[go + j], u = gates[go + H + j];
        dpre[go + j] = dra[r0 + j] * a[ao + j] * r * (1 - r);
        g[r0 + j] = g[r0 + j] * (1 - u) + dra[r0 + j] * r;
      }
    }
    if (rows) for (let b = 0; b < B; b++) vecmatRow(g, b * H, dpre, gOff + b * G3, P, L.W0, ld, H, 2 * H);
    else gemmNNBlocked(g, 0, H, dpre, gOff, G3, P, L.W0, ld, B, H, 2 * H);
  } else {
    const dhn = tape.dhn;
    for (let b = 0; b < B; b++) {
      const go = gOff + b * G3, ao = prevOff + b * H, r0 = b * H;
      for (let j = 0; j < H; j++) {
        const r = gates[go + j], u = gates[go + H + j];
        const dcc = dpre[go + 2 * H + j];
        dhn[ao + j] = dcc * r;
        dpre[go + j] = dcc * aux[ao + j] * r * (1 - r);
        g[r0 + j] = g[r0 + j] * (1 - u);
      }
    }
    if (rows) {
      for (let b = 0; b < B; b++) {
        vecmatRow(g, b * H, dpre, gOff + b * G3, P, L.W0, ld, H, 2 * H);
        vecmatRow(g, b * H, dhn, prevOff + b * H, P, Wc, ld, H, H);
      }
    } else {
      gemmNNBlocked(g, 0, H, dpre, gOff, G3, P, L.W0, ld, B, H, 2 * H);
      gemmNNBlocked(g, 0, H, dhn, prevOff, H, P, Wc, ld, B, H, H);
    }
  }
}

/**
 * J = ∂a<t>/∂a<t-1> for batch row b. Writes the (H, H) matrix J:
 *   J[i,j] = δij(1-Γu_i) + (c~_i - a<t-1>_i)·Γu_i(1-Γu_i)·Wu[i,j] + Γu_i·∂c~_i/∂a_j, with
 *   reset-before: ∂c~_i/∂a_j = (1-c~_i²)·(Wc[i,j]·Γr_j + Σ_k Wc[i,k]·a<t-1>_k·Γr_k(1-Γr_k)·Wr[k,j])
 *   reset-after:  ∂c~_i/∂a_j = (1-c~_i²)·(Γr_i·Wc[i,j] + hn_i·Γr_i(1-Γr_i)·Wr[i,j])
 */
export function gruStepJacobian(J: Float64Array, tape: Tape, P: Float64Array, L: ParamLayout, t: number, b: number): void {
  const { B, config: { H, I, gruVariant } } = tape;
  const ld = H + I;
  const go = ((t - 1) * B + b) * 3 * H;
  const ao = ((t - 1) * B + b) * H;
  const Wr = L.W0, Wu = Wr + H * ld, Wc = Wu + H * ld;
  const gates = tape.gates, a = tape.a;
  for (let i = 0; i < H; i++) {
    const r = gates[go + i], u = gates[go + H + i], cc = gates[go + 2 * H + i];
    const ku = (cc - a[ao + i]) * u * (1 - u);
    const kc = u * (1 - cc * cc);
    for (let j = 0; j < H; j++) {
      let dcc: number;
      if (gruVariant === "reset-before") {
        dcc = P[Wc + i * ld + j] * gates[go + j];
        for (let k = 0; k < H; k++) {
          const rk = gates[go + k];
          dcc += P[Wc + i * ld + k] * a[ao + k] * rk * (1 - rk) * P[Wr + k * ld + j];
        }
      } else {
        dcc = r * P[Wc + i * ld + j] + tape.aux[ao + i] * r * (1 - r) * P[Wr + i * ld + j];
      }
      J[i * H + j] = (i === j ? 1 - u : 0) + ku * P[Wu + i * ld + j] + kc * dcc;
    }
  }
}
