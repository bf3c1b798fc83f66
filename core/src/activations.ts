/**
 * Elementwise nonlinearities, applied in place, and their derivatives written in terms of the
 * OUTPUT y = f(z), which the tape keeps (so the backward pass never recomputes f):
 *   tanh:     y' = 1 - y²
 *   sigmoid:  y' = y·(1 - y)
 *   relu:     y' = 1 if y > 0 else 0   (0 at z = 0, as PyTorch)
 *   identity: y' = 1
 */
import type { Activation } from "./model";
import { SIMD_SIGMOID, SIMD_TANH, simdActivate, simdBlockIn, simdBlockOut } from "./simd";

/**
 * Below this many values a gateActivations pass stays in JavaScript: copying the block into the
 * WebAssembly module and back, and the calls, cost about what the kernels save on 64 tanh values.
 */
export const SIMD_ACTIVATION_MIN = 64;

/**
 * The nonlinearities of a cell's gate block, in place: on each row r < rows of X at off + r·ld,
 * σ(z) = 1/(1+e^-z) on columns [0, nSig), tanh on [nSig, nSig+nTanh), σ on the nSig2 columns after.
 * The LSTM's [f|u|c~|o] is (2H, H, H); a lone tanh or σ is a zero-width neighbour. In WebAssembly when
 * the block is large enough and the backend is on (core/wasm/lib/activations.ts: V8's fdlibm exp and
 * tanh lane-wise), else these JavaScript loops: both give the bits of `1 / (1 + Math.exp(-z))` and
 * `Math.tanh(z)`.
 */
export function gateActivations(X: Float64Array, off: number, rows: number, ld: number, nSig: number, nTanh: number, nSig2: number): void {
  const width = nSig + nTanh + nSig2;
  if (rows * width >= SIMD_ACTIVATION_MIN) {
    const len = (rows - 1) * ld + width;
    const at = simdBlockIn(X, off, len);
    if (at >= 0) {
      if (nSig > 0) simdActivate(SIMD_SIGMOID, at, rows, ld, nSig);
      if (nTanh > 0) simdActivate(SIMD_TANH, at + nSig, rows, ld, nTanh);
      if (nSig2 > 0) simdActivate(SIMD_SIGMOID, at + nSig + nTanh, rows, ld, nSig2);
      simdBlockOut(X, off, at, len);
      return;
    }
  }
  for (let r = 0; r < rows; r++) {
    const o = off + r * ld, e1 = o + nSig, e2 = e1 + nTanh, e3 = e2 + nSig2;
    for (let i = o; i < e1; i++) X[i] = 1 / (1 + Math.exp(-X[i]));
    for (let i = e1; i < e2; i++) X[i] = Math.tanh(X[i]);
    for (let i = e2; i < e3; i++) X[i] = 1 / (1 + Math.exp(-X[i]));
  }
}

/** σ(z) = 1/(1+e^-z), the form PyTorch uses. */
export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** x[off..off+n) = f(x[off..off+n)). Overwrites. */
export function activateInPlace(x: Float64Array, off: number, n: number, f: Activation): void {
  const end = off + n;
  switch (f) {
    case "tanh":
      gateActivations(x, off, 1, n, 0, n, 0);
      return;
    case "sigmoid":
      gateActivations(x, off, 1, n, n, 0, 0);
      return;
    case "relu":
      for (let i = off; i < end; i++) x[i] = x[i] > 0 ? x[i] : 0;
      return;
    case "identity":
      return;
  }
}

/** d[dOff+i] *= f'(z_i), read from the outputs y[yOff+i] = f(z_i). Overwrites d. */
export function mulActivationGrad(d: Float64Array, dOff: number, y: Float64Array, yOff: number, n: number, f: Activation): void {
  switch (f) {
    case "tanh":
      for (let i = 0; i < n; i++) { const v = y[yOff + i]; d[dOff + i] *= 1 - v * v; }
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) { const v = y[yOff + i]; d[dOff + i] *= v * (1 - v); }
      return;
    case "relu":
      for (let i = 0; i < n; i++) if (!(y[yOff + i] > 0)) d[dOff + i] = 0;
      return;
    case "identity":
      return;
  }
}

/**
 * out[oOff+i] = d[dOff+i]·f'(z_i), read from the outputs y[yOff+i] = f(z_i): the copy and the
 * multiplication of `mulActivationGrad` in one pass, with the same operations (so the same bits):
 * relu keeps d where y > 0 and writes 0 elsewhere; identity copies d. Overwrites out.
 */
export function activationGradTimes(out: Float64Array, oOff: number, d: Float64Array, dOff: number, y: Float64Array, yOff: number, n: number, f: Activation): void {
  switch (f) {
    case "tanh":
      for (let i = 0; i < n; i++) { const v = y[yOff + i]; out[oOff + i] = d[dOff + i] * (1 - v * v); }
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) { const v = y[yOff + i]; out[oOff + i] = d[dOff + i] * (v * (1 - v)); }
      return;
    case "relu":
      for (let i = 0; i < n; i++) out[oOff + i] = y[yOff + i] > 0 ? d[dOff + i] : 0;
      return;
    case "identity":
      for (let i = 0; i < n; i++) out[oOff + i] = d[dOff + i];
      return;
  }
}

/** f'(z) from y = f(z), for one value (used by Jacobian builders, not hot loops). */
export function activationGradFromOutput(y: number, f: Activation): number {
  switch (f) {
    case "tanh": return 1 - y * y;
    case "sigmoid": return y * (1 - y);
    case "relu": return y > 0 ? 1 : 0;
    case "identity": return 1;
  }
}

/** γ, the bound on |f'| used by Pascanu et al. 2013: 1 for tanh, relu and identity, 1/4 for sigmoid. */
export function activationGamma(f: Activation): number {
  return f === "sigmoid" ? 0.25 : 1;
}
