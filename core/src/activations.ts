/**
 * Elementwise nonlinearities, applied in place, and their derivatives written in terms of the
 * OUTPUT y = f(z), which the tape keeps (so the backward pass never recomputes f):
 *   tanh:     y' = 1 - y²
 *   sigmoid:  y' = y·(1 - y)
 *   relu:     y' = 1 if y > 0 else 0   (0 at z = 0, as PyTorch)
 *   identity: y' = 1
 */
import type { Activation } from "./model";

/** σ(z) = 1/(1+e^-z), the form PyTorch uses. */
export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** x[off..off+n) = f(x[off..off+n)). Overwrites. */
export function activateInPlace(x: Float64Array, off: number, n: number, f: Activation): void {
  const end = off + n;
  switch (f) {
    case "tanh":
      for (let i = off; i < end; i++) x[i] = Math.tanh(x[i]);
      return;
    case "sigmoid":
      for (let i = off; i < end; i++) x[i] = 1 / (1 + Math.exp(-x[i]));
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
