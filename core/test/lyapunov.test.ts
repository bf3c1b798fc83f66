// lyapunovSpectrum (Benettin's QR method) against closed forms and identities, and its two kernels
// (gemmNTBlocked, orthonormalizeRowsCgs2) against their naive references.
import { EigenvalueDecomposition, LuDecomposition, Matrix } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { lyapunovSpectrum } from "../src/analysis/lyapunov";
import { stateSize, stepJacobian } from "../src/analysis/step-jacobian";
import { initModel, scaleToSpectralRadius } from "../src/init";
import { gemmNT, gemmNTBlocked, orthonormalizeRows, orthonormalizeRowsCgs2 } from "../src/linalg";
import { makeConfig, type Model, type ModelConfig } from "../src/model";
import { paramLayout } from "../src/params";
import { Rng } from "../src/rng";
import { sequenceForward } from "../src/sequence";
import { Tape } from "../src/tape";
import { randomModel } from "./support/random-case";

/** A vanilla RNN (I = 1) with all parameters 0 except Waa = W (row-major H×H). */
function linearModel(W: ArrayLike<number>, H: number, activation: ModelConfig["activation"] = "identity"): Model {
  const config = makeConfig({ cell: "rnn", I: 1, H, activation });
  const params = new Float64Array(paramLayout(config).size);
  params.set(W, paramLayout(config).byName.Waa.offset);
  return { config, params };
}

/** Runs sequenceForward over x (T, B, I) from a0 (null: zeros) and returns the filled tape. */
function run(model: Model, x: Float64Array, T: number, B = 1, a0: Float64Array | null = null, c0: Float64Array | null = null): Tape {
  const tape = new Tape(model.config, T, B);
  sequenceForward(tape, model.params, paramLayout(model.config), x, a0, c0);
  return tape;
}

/** A random a<0> ~ N(0, 1) for one batch row. */
function randomA0(H: number, rng: Rng): Float64Array {
  const a0 = new Float64Array(H);
  rng.fillRandn(a0, 0, H);
  return a0;
}

/** A tanh RNN whose Waa (Gaussian or orthogonal) is rescaled to spectral radius rho, driven by x ~ N(0, 1). */
function drivenTanh(seed: number, H: number, I: number, T: number, rho: number, kind: "gaussian" | "orthogonal" = "gaussian", scale = 1): { model: Model; tape: Tape } {
  const rng = new Rng(seed);
  const model = initModel(makeConfig({ cell: "rnn", I, H, activation: "tanh" }), rng, { kind, spectralRadius: rho, scale });
  const x = new Float64Array(T * I);
  rng.fillRandn(x, 0, x.length);
  return { model, tape: run(model, x, T) };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("lyapunovSpectrum on linear RNNs (closed forms)", () => {
  it("(a) lyapunovSpectrum of a linear RNN with Waa = diag(d) gives log|d_i| sorted descending, to 1e-12", () => {
    const d = [0.9, -0.5, 1.2, 0.3, -1.05, 0.7];
    const H = d.length, T = 1000;
    const W = new Float64Array(H * H);
    for (let i = 0; i < H; i++) W[i * H + i] = d[i];
    const model = linearModel(W, H);
    const tape = run(model, new Float64Array(T), T, 1, randomA0(H, new Rng(11)));
    const res = lyapunovSpectrum(model, tape, { m: H });
    const ref = d.map((v) => Math.log(Math.abs(v))).sort((p, q) => q - p);
    expect(res.steps).toBe(T);
    expect(maxAbsDiff(res.exponents, ref)).toBeLessThan(1e-12);
    expect(maxAbsDiff(res.log10PerStep, ref.map((v) => v / Math.LN10))).toBeLessThan(1e-12);
    // The Jacobian is constant, so every block measures the same rates and the spread is rounding only.
    for (let k = 0; k < res.blocks; k++) expect(maxAbsDiff(res.blockExponents.subarray(k * H, (k + 1) * H), ref)).toBeLessThan(1e-12);
    for (const e of res.stdErr) expect(e).toBeLessThan(1e-13);
  });

  it("(a') with m < n on a diagonal Waa the identity start follows units 1..m, while an rng start finds the top m", () => {
    // The documented exceptional case: e_1, e_2 span an invariant (slow) subspace of diag(0.5, 0.4, 1.1, 0.9).
    const d = [0.5, 0.4, 1.1, 0.9];
    const H = 4, T = 4000;
    const W = new Float64Array(H * H);
    for (let i = 0; i < H; i++) W[i * H + i] = d[i];
    const model = linearModel(W, H);
    const tape = run(model, new Float64Array(T), T);
    const fixed = lyapunovSpectrum(model, tape, { m: 2 });
    expect(maxAbsDiff(fixed.exponents, [Math.log(0.5), Math.log(0.4)])).toBeLessThan(1e-12);
    const haar = lyapunovSpectrum(model, tape, { m: 2, rng: new Rng(5) });
    // Generic start: the O(1/steps) transient is log of Q0's projections, a few units at most.
    expect(maxAbsDiff(haar.exponents, [Math.log(1.1), Math.log(0.9)])).toBeLessThan(2e-3);
  });

  it("(b) lyapunovSpectrum of a linear RNN with a random Waa (H = 6) equals the log moduli of Waa's eigenvalues, to 1e-3 at T = 20000", () => {
    // Reference. J_t = A := Waa for every t (identity activation), so the QR method factors
    // A^T·Q0 = Q_T·R and S_i = log R_ii. A Gaussian A has distinct eigenvalues with probability 1, so
    // A = V·Λ·V⁻¹. For a generic Q0, span(A^T·Q0[:, 1..k]) converges to A's dominant k-dimensional
    // invariant subspace (orthogonal iteration), and Π_{i<=k} R_ii = vol_k(A^T·Q0[:, 1..k])
    // = Π_{i<=k} |μ_i|^T · c_k·(1 + o(1)) with c_k > 0 fixed by V and Q0. Hence
    // Σ_{i<=k} S_i/T = Σ_{i<=k} log|μ_i| + O(1/T) for every k at a modulus gap, i.e. λ_i = log|μ_i| + O(1/T).
    // A complex pair μ, μ̄ has equal moduli: its 2-dimensional invariant subspace rotates, R_kk and
    // R_k+1,k+1 oscillate boundedly, and both converge to log|μ| (the pair appears twice in the reference).
    // Convergence is 1/steps: the bias is log(c_k)/T, not a random error. For this seed the error is
    // 6.6e-4 at T = 2000 and 6.6e-5 at T = 20000 (measured), so 1e-3 at T = 20000 has a 15x margin,
    // and the error ratio between the two lengths shows the 1/steps rate. ρ(A) is scaled to 1 so the
    // forward states neither overflow nor underflow (only the Jacobian matters; it is A exactly).
    const H = 6, T = 20000;
    const rng = new Rng(1);
    const model = initModel(makeConfig({ cell: "rnn", I: 1, H, activation: "identity" }), rng, { kind: "gaussian" });
    const w = paramLayout(model.config).byName.Waa.offset;
    scaleToSpectralRadius(model.params, w, H, 1);
    const M = new Matrix(H, H);
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) M.set(i, j, model.params[w + i * H + j]);
    const evd = new EigenvalueDecomposition(M);
    const ref = evd.realEigenvalues.map((re, i) => Math.log(Math.hypot(re, evd.imaginaryEigenvalues[i]))).sort((p, q) => q - p);
    expect(evd.imaginaryEigenvalues.filter((v) => v !== 0).length).toBeGreaterThanOrEqual(2); // a complex pair is covered
    const err = (steps: number): number => {
      const tape = run(model, new Float64Array(steps), steps, 1, randomA0(H, new Rng(2)));
      return maxAbsDiff(lyapunovSpectrum(model, tape, { m: H }).exponents, ref);
    };
    const e20k = err(T), e2k = err(2000);
    expect(e20k).toBeLessThan(1e-3);
    expect(e20k).toBeLessThan(1.5e-4); // the measured 6.6e-5, with room for platform rounding
    expect(e2k / e20k).toBeGreaterThan(5); // 1/steps convergence: 10x the steps, ~10x smaller error
    expect(e2k / e20k).toBeLessThan(20);
  });

  it("(c) lyapunovSpectrum of Waa = s·Q with Q orthogonal gives log s for every exponent, to 1e-12", () => {
    const H = 5, T = 600, s = 0.8;
    const rng = new Rng(3);
    const Q = new Float64Array(H * H);
    rng.fillRandn(Q, 0, H * H);
    orthonormalizeRows(new Float64Array(H), 0, Q, 0, H, H, H);
    const model = linearModel(Q.map((v) => s * v), H);
    const tape = run(model, new Float64Array(T), T, 1, randomA0(H, rng));
    const res = lyapunovSpectrum(model, tape, { m: H, reorth: 7 });
    for (const e of res.exponents) expect(Math.abs(e - Math.log(s))).toBeLessThan(1e-12);
  });
});

describe("lyapunovSpectrum on nonlinear and gated cells", () => {
  it("(d) lyapunovSpectrum with reorth r = 1, 10, 50 agrees to 1e-12 on a contracting tanh RNN (the QR is unique)", () => {
    // In exact arithmetic S_i = log of the i-th diagonal of the positive-diagonal R factor of Φ·Q0 for
    // every r, so the results may differ only by rounding. Waa = 0.9·(orthogonal) and weak inputs keep
    // the spectrum narrow, so the precision guard leaves the intervals at r.
    const { model, tape } = drivenTanh(21, 8, 2, 3000, 0.9, "orthogonal", 0.3);
    const r1 = lyapunovSpectrum(model, tape, { m: 8, reorth: 1 });
    const r10 = lyapunovSpectrum(model, tape, { m: 8, reorth: 10 });
    const r50 = lyapunovSpectrum(model, tape, { m: 8, reorth: 50 });
    expect(r1.exponents[0]).toBeLessThan(0); // contracting
    expect(maxAbsDiff(r10.exponents, r1.exponents)).toBeLessThan(1e-12); // measured 2e-16
    expect(maxAbsDiff(r50.exponents, r1.exponents)).toBeLessThan(1e-12);
    // The intervals really differ (the precision guard did not collapse them to 1).
    expect(r1.qrCount).toBe(3000);
    expect(r10.qrCount).toBeLessThan(3000 / 10 + 20);
    expect(r50.qrCount).toBeLessThan(3000 / 50 + 20);
  });

  it("lyapunovSpectrum's precision guard keeps r = 30 equal to r = 1 on a wide spectrum (λ1 - λm ≈ 4 per step), where a fixed interval of 10 would lose digits", () => {
    const { model, tape } = drivenTanh(7, 32, 1, 1500, 1.1);
    const r1 = lyapunovSpectrum(model, tape, { m: 32, reorth: 1 });
    const r30 = lyapunovSpectrum(model, tape, { m: 32, reorth: 30 });
    expect(r1.exponents[0] - r1.exponents[31]).toBeGreaterThan(2.5);
    expect(maxAbsDiff(r30.exponents, r1.exponents)).toBeLessThan(1e-7);
    expect(r30.qrCount).toBeLessThan(r1.qrCount); // it still skips QRs where it safely can
  });

  it("(e) lyapunovSpectrum's stdErr shrinks as T grows (about 1/√T), and the short-run estimate lies within 4 stdErr of the long one", () => {
    const short = (() => { const { model, tape } = drivenTanh(31, 6, 2, 500, 0.95); return lyapunovSpectrum(model, tape, { m: 6 }); })();
    const long = (() => { const { model, tape } = drivenTanh(31, 6, 2, 8000, 0.95); return lyapunovSpectrum(model, tape, { m: 6 }); })();
    for (let i = 0; i < 6; i++) {
      expect(long.stdErr[i]).toBeGreaterThan(0);
      expect(long.stdErr[i]).toBeLessThan(short.stdErr[i] / 2); // √16 = 4 expected
      expect(Math.abs(short.exponents[i] - long.exponents[i])).toBeLessThan(4 * short.stdErr[i]);
    }
  });

  for (const cell of ["gru", "lstm"] as const) {
    it(`lyapunovSpectrum(${cell}) with m = n sums to the mean log|det J_t| over t = tFrom..T, for batch row b, to 1e-9`, () => {
      // Σ_i S_i = log Π_i R_ii = log|det(J_T···J_tFrom)| = Σ_t log|det J_t| exactly (volume growth).
      const H = 3, I = 2, B = 2, T = 300, tFrom = 51, b = 1;
      const config = makeConfig({ cell, I, H });
      const rng = new Rng(41);
      const model = randomModel(config, rng, 0.8);
      const x = new Float64Array(T * B * I);
      rng.fillRandn(x, 0, x.length);
      const tape = run(model, x, T, B);
      const n = stateSize(config);
      const res = lyapunovSpectrum(model, tape, { m: n, b, tFrom, blocks: 5 });
      expect(res.n).toBe(n);
      expect(res.steps).toBe(T - tFrom + 1);
      const J = new Float64Array(n * n);
      let logDet = 0;
      for (let t = tFrom; t <= T; t++) {
        stepJacobian(J, tape, model.params, paramLayout(config), t, b);
        logDet += Math.log(Math.abs(new LuDecomposition(Matrix.from1DArray(n, n, J)).determinant));
      }
      const sum = res.exponents.reduce((p, q) => p + q, 0);
      expect(Math.abs(sum - logDet / res.steps)).toBeLessThan(1e-9);
      for (let i = 1; i < n; i++) expect(res.exponents[i]).toBeLessThanOrEqual(res.exponents[i - 1]);
    });
  }
});

describe("lyapunovSpectrum with dead directions", () => {
  it("(f) a dead ReLU unit that feeds nobody gives -Infinity for one exponent, not NaN, with finite others", () => {
    // Unit 0: ba[0] = -100 keeps it at 0, and Waa[:, 0] = 0 off the diagonal, so J_t·e_0 = 0 every step.
    const H = 4, T = 200;
    const rng = new Rng(51);
    const config = makeConfig({ cell: "rnn", I: 1, H, activation: "relu" });
    const model = initModel(config, rng, { kind: "gaussian" });
    const L = paramLayout(config);
    const w = L.byName.Waa.offset;
    for (let i = 1; i < H; i++) model.params[w + i * H] = 0;
    model.params[L.byName.ba.offset] = -100;
    for (let i = 1; i < H; i++) model.params[L.byName.ba.offset + i] = 0.5; // keep the others alive
    const x = new Float64Array(T);
    rng.fillRandn(x, 0, T);
    const res = lyapunovSpectrum(model, run(model, x, T), { m: H, reorth: 5 });
    expect(res.exponents[H - 1]).toBe(-Infinity);
    expect(res.log10PerStep[H - 1]).toBe(-Infinity);
    for (let i = 0; i < H - 1; i++) expect(Number.isFinite(res.exponents[i])).toBe(true);
    expect([...res.exponents, ...res.stdErr, ...res.blockExponents].some(Number.isNaN)).toBe(false);
    expect(res.stdErr[H - 1]).toBe(0); // -Infinity in every block
    for (let k = 0; k < res.blocks; k++) expect(res.blockExponents[k * H + H - 1]).toBe(-Infinity);
  });

  it("(f) a zero Waa with the identity activation gives -Infinity for every exponent and stdErr 0, never NaN", () => {
    const H = 3, T = 50;
    const model = linearModel(new Float64Array(H * H), H);
    const res = lyapunovSpectrum(model, run(model, new Float64Array(T), T, 1, randomA0(H, new Rng(1))), { m: H });
    expect([...res.exponents]).toEqual([-Infinity, -Infinity, -Infinity]);
    expect([...res.stdErr]).toEqual([0, 0, 0]);
  });

  it("(f) a ReLU unit that dies halfway gives -Infinity overall, finite blocks before its death, and stdErr Infinity, never NaN", () => {
    // Unit 0 feeds nobody, sees a<t-1> only through Waa[0, 0] = 0.7 and x through Wax[0] = 1:
    // x = +1 for t <= 100 keeps it alive (J·e_0 = 0.7·e_0), x = -10 after kills it (J·e_0 = 0).
    // Units 1 and 2 have positive weights and bias 1, so they stay alive throughout.
    const H = 3, T = 200;
    const config = makeConfig({ cell: "rnn", I: 1, H, activation: "relu" });
    const L = paramLayout(config);
    const model: Model = { config, params: new Float64Array(L.size) };
    model.params.set([0.7, 0, 0, 0, 0.3, 0.2, 0, 0.1, 0.4], L.byName.Waa.offset);
    model.params.set([1, 0, 0], L.byName.Wax.offset);
    model.params.set([0, 1, 1], L.byName.ba.offset);
    const x = new Float64Array(T);
    for (let t = 0; t < T; t++) x[t] = t < 100 ? 1 : -10;
    const res = lyapunovSpectrum(model, run(model, x, T), { m: H, blocks: 10 });
    expect(res.exponents[H - 1]).toBe(-Infinity);
    // Units 1, 2 are linear with eigenvalues 0.5 and 0.2 of [[0.3, 0.2], [0.1, 0.4]], up to the O(1/T) start transient.
    expect(Math.abs(res.exponents[0] - Math.log(0.5))).toBeLessThan(2e-2);
    expect(Math.abs(res.exponents[1] - Math.log(0.2))).toBeLessThan(2e-2);
    expect(res.stdErr[H - 1]).toBe(Infinity);
    const col = Array.from({ length: 10 }, (_, k) => res.blockExponents[k * H + H - 1]);
    for (const v of col.slice(0, 5)) expect(Math.abs(v - Math.log(0.7))).toBeLessThan(1e-12);
    expect(col.slice(5).every((v) => v === -Infinity)).toBe(true);
    expect([...res.exponents, ...res.stdErr, ...res.blockExponents].some(Number.isNaN)).toBe(false);
  });
});

describe("lyapunovSpectrum input validation", () => {
  const { model, tape } = drivenTanh(71, 4, 1, 20, 0.9);
  const bad: [string, Record<string, number>][] = [
    ["m", { m: 0 }], ["m", { m: 5 }], ["m", { m: 1.5 }], ["reorth", { m: 2, reorth: 0 }], ["b", { m: 2, b: 1 }],
    ["tFrom", { m: 2, tFrom: 0 }], ["tFrom", { m: 2, tFrom: 21 }], ["blocks", { m: 2, blocks: 0 }],
    ["blocks", { m: 2, tFrom: 11, blocks: 11 }], ["m", { m: NaN }],
  ];
  for (const [field, opts] of bad) {
    it(`lyapunovSpectrum throws a RangeError naming ${field} for ${JSON.stringify(opts)}`, () => {
      expect(() => lyapunovSpectrum(model, tape, opts as { m: number })).toThrow(RangeError);
      expect(() => lyapunovSpectrum(model, tape, opts as { m: number })).toThrow(new RegExp(`^${field} must be an integer in \\[`));
    });
  }
  it("lyapunovSpectrum throws a RangeError naming tape when the tape belongs to another cell", () => {
    const gru = randomModel(makeConfig({ cell: "gru", I: 1, H: 4 }), new Rng(1));
    expect(() => lyapunovSpectrum(gru, tape, { m: 2 })).toThrow(/^tape must fit model.config/);
  });
  it("lyapunovSpectrum with blocks = 1 reports stdErr NaN (no spread to measure) and one block row equal to the exponents", () => {
    const res = lyapunovSpectrum(model, tape, { m: 2, blocks: 1 });
    expect(Number.isNaN(res.stdErr[0])).toBe(true);
    expect([...res.blockExponents]).toEqual([...res.exponents]);
  });
});

describe("Lyapunov kernels against their naive references", () => {
  it("gemmNTBlocked equals gemmNT bit for bit on every shape 1..9 with offsets and leading dimensions, and accumulates", () => {
    const rng = new Rng(81);
    for (let M = 1; M <= 9; M++) for (let N = 1; N <= 9; N++) for (const K of [1, 4, 7]) {
      const lda = K + 2, ldb = K + 1, ldc = N + 3;
      const A = new Float64Array(3 + M * lda), B = new Float64Array(2 + N * ldb), C0 = new Float64Array(5 + M * ldc);
      rng.fillRandn(A, 0, A.length);
      rng.fillRandn(B, 0, B.length);
      rng.fillRandn(C0, 0, C0.length);
      const C1 = C0.slice();
      gemmNT(C0, 5, ldc, A, 3, lda, B, 2, ldb, M, N, K);
      gemmNTBlocked(C1, 5, ldc, A, 3, lda, B, 2, ldb, M, N, K);
      expect(C1).toEqual(C0);
    }
  });

  it("orthonormalizeRowsCgs2 agrees with orthonormalizeRows (MGS2) to 1e-13, gives Q·Qᵀ = I, and keeps a zero row zero with log R_ii = -Infinity", () => {
    const rng = new Rng(82);
    const rows = 7, cols = 9, ld = 11, off = 2;
    const X = new Float64Array(off + rows * ld);
    rng.fillRandn(X, 0, X.length);
    for (let k = 0; k < cols; k++) X[off + 3 * ld + k] = 0; // row 3 is zero
    const Y = X.slice();
    const l1 = new Float64Array(rows), l2 = new Float64Array(rows);
    orthonormalizeRows(l1, 0, X, off, ld, rows, cols);
    orthonormalizeRowsCgs2(l2, 0, Y, off, ld, rows, cols, new Float64Array(rows));
    expect(maxAbsDiff(X, Y)).toBeLessThan(1e-13);
    expect(l1[3]).toBe(-Infinity);
    expect(l2[3]).toBe(-Infinity);
    expect(maxAbsDiff(l1.filter(Number.isFinite), l2.filter(Number.isFinite))).toBeLessThan(1e-13);
    for (let i = 0; i < rows; i++) for (let j = 0; j < rows; j++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += Y[off + i * ld + k] * Y[off + j * ld + k];
      expect(Math.abs(s - (i === j && i !== 3 ? 1 : 0))).toBeLessThan(1e-14);
    }
    // Entries outside the rows×cols block (the ld padding) are untouched.
    expect(Y[off + cols]).toBe(X[off + cols]);
  });

  it("orthonormalizeRows returns log R_ii without overflow for rows near 1e300 and 1e-300", () => {
    const X = new Float64Array([3e300, 4e300, 0, 0, 3e-300, 4e-300]);
    const logR = new Float64Array(3);
    orthonormalizeRows(logR, 0, X, 0, 2, 3, 2);
    expect(logR[0]).toBeCloseTo(Math.log(5) + 300 * Math.LN10, 12);
    expect(logR[1]).toBe(-Infinity); // a zero row
    // Row 2 is parallel to row 0: its residual is rounding-level, far below the row, and finite.
    expect(Number.isNaN(logR[2])).toBe(false);
    expect(X[0]).toBeCloseTo(0.6, 15);
  });
});
