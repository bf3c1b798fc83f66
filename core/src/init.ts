/**
 * Parameter initialization. Every draw takes the explicit rng.
 *   pytorch     every weight and bias ~ U(-1/√H, 1/√H): what nn.RNN / nn.GRU / nn.LSTM do (their head,
 *               nn.Linear(H, O), uses the same bound). PyTorch's two biases are one bias here.
 *   gaussian    every weight ~ N(0, scale²/fan_in), biases 0
 *   orthogonal  as gaussian, then every H×H recurrent block (Waa; each gate's W[:, :H]) is replaced by an
 *               independent Haar-random orthogonal matrix (Saxe, McClelland, Ganguli 2014), biases 0
 *   glorot      every matrix ~ U(±√(6/(fan_in + fan_out))) (Glorot & Bengio 2010), biases 0, as the uRNN
 *               authors' Theano code draws each gate's input matrix (I→H) and recurrent matrix (H→H)
 *               separately: a gate block's a-columns with bound √(6/2H), its x-columns with √(6/(I+H)),
 *               the readout with √(6/(H+O)). Scaled by `scale`.
 *   identity    IRNN (Le, Jaitly, Hinton 2015): the recurrent matrix is I, every other weight
 *               ~ N(0, (0.001·scale)²), biases 0. For gated cells the candidate block's a-columns
 *               Wc[:, :H] are I (the analogue of Waa) and every other weight is small.
 * An LSTM may add a constant to the forget-gate bias bf (Gers et al. 2000; Jozefowicz et al. 2015
 * recommend 1), which keeps Γf near 1 at the start so the cell-state path carries gradient.
 *
 * After the draw, `spectralRadius` or `lambda1` rescales the recurrent matrix (see `recurrentBlock`:
 * Waa for the vanilla cell, Wc[:, :H] for the GRU and LSTM) to that spectral radius ρ or largest
 * singular value λ1. `gaussian` with a target ρ is the echo-state scaling (Jaeger 2001); λ1 is the
 * quantity of Pascanu et al. 2013's vanishing/exploding conditions (analysis/pascanu.ts).
 */
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from "ml-matrix";
import { checkInt } from "./dims";
import { orthonormalizeRows } from "./linalg";
import { validateConfig, type Model, type ModelConfig } from "./model";
import { paramLayout, type ParamLayout } from "./params";
import type { Rng } from "./rng";

export type InitKind = "pytorch" | "gaussian" | "orthogonal" | "glorot" | "identity";
export const INIT_KINDS: readonly InitKind[] = ["pytorch", "gaussian", "orthogonal", "glorot", "identity"];

/** IRNN's standard deviation for the non-recurrent weights (Le et al. 2015, §3). */
export const IRNN_STD = 0.001;

export interface InitOptions {
  kind?: InitKind;
  /**
   * gaussian and orthogonal: the non-recurrent-block weights' standard deviation is scale/√fan_in;
   * glorot: every bound is multiplied by it; identity: it is 0.001·scale; pytorch: unused. Default 1.
   */
  scale?: number;
  /** LSTM: added to bf after the draw; default 0 */
  forgetBias?: number;
  /** rescale the recurrent matrix (`recurrentBlock`) to this spectral radius after the draw; finite, >= 0 */
  spectralRadius?: number;
  /** rescale the recurrent matrix to this largest singular value after the draw; finite, >= 0 */
  lambda1?: number;
}

/** Where the H×H matrix that plays Waa's role sits in the flat params. */
export interface RecurrentBlock {
  /** "Waa" for the vanilla cell, "Wc[:, :H]" for the GRU and LSTM */
  name: string;
  /** offset of its [0, 0] entry */
  offset: number;
  /** row stride: H for Waa, H + I for a gate block */
  ld: number;
  /** its size H */
  n: number;
}

/**
 * The recurrent matrix that plays Waa's role: Waa for the vanilla cell; for the GRU and LSTM the
 * candidate block's a-columns Wc[:, :H], the one matrix on the path a<t-1> -> c~ -> a<t> through a tanh
 * (in the GRU's reset-after variant it is W_hn, which acts on a<t-1> inside Γr⊙(·)).
 */
export function recurrentBlock(config: ModelConfig, L: ParamLayout = paramLayout(config)): RecurrentBlock {
  const H = config.H;
  if (config.cell === "rnn") return { name: "Waa", offset: L.byName.Waa.offset, ld: H, n: H };
  return { name: "Wc[:, :H]", offset: L.byName.Wc.offset, ld: H + config.I, n: H };
}

/** A new model with parameters drawn from `rng`. */
export function initModel(config: ModelConfig, rng: Rng, opts: InitOptions = {}): Model {
  validateConfig(config);
  const kind = opts.kind ?? "pytorch";
  const scale = opts.scale ?? 1;
  const forgetBias = opts.forgetBias ?? 0;
  if (!(scale >= 0 && scale < Infinity)) throw new RangeError(`scale must be finite and >= 0, got ${scale}`);
  if (!Number.isFinite(forgetBias)) throw new RangeError(`forgetBias must be finite, got ${forgetBias}`);
  const rho = opts.spectralRadius, s1 = opts.lambda1;
  if (rho !== undefined && !(rho >= 0 && rho < Infinity)) throw new RangeError(`spectralRadius must be finite and >= 0, got ${rho}`);
  if (s1 !== undefined && !(s1 >= 0 && s1 < Infinity)) throw new RangeError(`lambda1 must be finite and >= 0, got ${s1}`);
  if (rho !== undefined && s1 !== undefined) {
    throw new RangeError(`spectralRadius and lambda1 are exclusive: give at most one, got spectralRadius ${rho} and lambda1 ${s1}`);
  }
  if (!INIT_KINDS.includes(kind)) throw new RangeError(`kind must be one of ${INIT_KINDS.join("|")}, got ${String(kind)}`);
  checkInt("H", config.H, 1);
  const L = paramLayout(config);
  const params = new Float64Array(L.size);
  const H = config.H;
  const rec = recurrentBlock(config, L);
  if (kind === "pytorch") {
    const k = 1 / Math.sqrt(H);
    rng.fillUniform(params, 0, L.size, -k, k);
  } else if (kind === "gaussian" || kind === "orthogonal") {
    fillGaussianWeights(params, L, rng, scale);
    if (kind === "orthogonal") {
      // Then each H×H block that multiplies a<t-1>, in layout order: Waa, or W_g[:, :H] for g in gate order.
      const work = new Float64Array(H * H);
      const logR = new Float64Array(H);
      const ld = rec.ld;
      const firstA = config.cell === "rnn" ? rec.offset : L.W0;
      for (let g = 0; g < L.G; g++) {
        orthogonalInto(work, logR, rng, H);
        const off = firstA + g * H * ld;
        for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) params[off + i * ld + j] = work[i * H + j];
      }
    }
  } else if (kind === "glorot") {
    fillGlorotWeights(params, L, rng, scale, config.cell === "rnn" ? 0 : H);
  } else {
    // identity (IRNN): every weight ~ N(0, (0.001·scale)²) in layout order, then the recurrent block := I.
    const sd = IRNN_STD * scale;
    for (const b of L.blocks) if (b.shape.length === 2) rng.fillRandn(params, b.offset, b.size, sd);
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) params[rec.offset + i * rec.ld + j] = i === j ? 1 : 0;
  }
  if (rho !== undefined) rescale("spectralRadius", params, rec, rho, spectralRadius);
  else if (s1 !== undefined) rescale("lambda1", params, rec, s1, largestSingularValue);
  if (config.cell === "lstm" && forgetBias !== 0) {
    const bf = L.byName.bf;
    for (let j = 0; j < bf.size; j++) params[bf.offset + j] += forgetBias;
  }
  return { config, params };
}

/**
 * glorot's draw: each weight matrix in layout order, row by row, U(±scale·√(6/(fan_in + fan_out))).
 * A gate block (G·H, H + I) is G gates' recurrent (H×H) and input (H×I) matrices side by side, each
 * with its own bound, as the authors' code draws them; `split` is H for gate blocks (0: one matrix).
 */
function fillGlorotWeights(params: Float64Array, L: ParamLayout, rng: Rng, scale: number, split: number): void {
  for (const b of L.blocks) {
    if (b.shape.length !== 2) continue;
    const [rows, cols] = b.shape;
    // a gate block (H, H + I): recurrent H→H (fans H and H), then input I→H (fans I and H)
    const spans: [number, number][] = split > 0 && b.name !== "Wya"
      ? [[split, scale * Math.sqrt(6 / (2 * split))], [cols - split, scale * Math.sqrt(6 / cols)]]
      : [[cols, scale * Math.sqrt(6 / (rows + cols))]];
    for (let i = 0, off = b.offset; i < rows; i++) {
      for (const [n, bound] of spans) { rng.fillUniform(params, off, n, -bound, bound); off += n; }
    }
  }
}

/** gaussian's draw: each weight matrix, in layout order, ~ N(0, scale²/fan_in) with fan_in its column count. */
function fillGaussianWeights(params: Float64Array, L: ParamLayout, rng: Rng, scale: number): void {
  for (const b of L.blocks) {
    if (b.shape.length !== 2) continue;
    const fanIn = b.shape[1];
    rng.fillRandn(params, b.offset, b.size, scale / Math.sqrt(fanIn));
  }
}

/**
 * Q (n×n, overwritten) Haar-distributed: Gram–Schmidt of the rows of an n×n Gaussian drawn row-major
 * from rng. Gram–Schmidt is the QR factorization with diag R > 0, i.e. the QR whose signs are already
 * fixed by sign(diag R), so the result is Haar (Mezzadri 2007). logR is scratch (n).
 */
function orthogonalInto(Q: Float64Array, logR: Float64Array, rng: Rng, n: number): void {
  rng.fillRandn(Q, 0, n * n);
  orthonormalizeRows(logR, 0, Q, 0, n, n, n);
}

function rescale(field: string, P: Float64Array, rec: RecurrentBlock, target: number, measure: (W: Float64Array, n: number, off: number, ld: number) => number): void {
  const cur = measure(P, rec.n, rec.offset, rec.ld);
  if (target > 0 && !(cur > 0)) {
    throw new RangeError(`${field} ${target} cannot be reached: the drawn ${rec.name} has ${field} ${cur}`);
  }
  scaleBlock(P, rec.offset, rec.n, rec.ld, target === 0 ? 0 : target / cur);
}

/** The n×n block W[off + i·ld + j] as an ml-matrix Matrix, after checking that it fits and is finite. */
/**
 * The block as an ml-matrix Matrix, times `scale`. Entries beyond 2^±500 are first scaled by a power of
 * 2 (exactly), since the decompositions square them on the way: with entries near 1e304 (a training
 * run that diverged) the eigendecomposition overflowed and never returned. `scale` is that power of 2,
 * or 1 for every block in range, whose values are then the same bits as without it.
 */
function toMatrix(field: string, W: Float64Array, n: number, off: number, ld: number): { M: Matrix; scale: number } {
  checkInt("n", n, 1);
  checkInt("off", off, 0);
  checkInt("ld", ld, n);
  const need = off + (n - 1) * ld + n;
  if (W.length < need) throw new RangeError(`W must hold at least off + (n-1)·ld + n = ${need} entries, got ${W.length}`);
  let m = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = W[off + i * ld + j];
      if (!Number.isFinite(v)) throw new RangeError(`${field}: W[${i}, ${j}] must be finite, got ${v}`);
      m = Math.max(m, Math.abs(v));
    }
  }
  const scale = m > 2 ** 500 || (m > 0 && m < 2 ** -500) ? 2 ** -Math.round(Math.log2(m)) : 1;
  const M = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M.set(i, j, W[off + i * ld + j] * scale);
  return { M, scale };
}

/** ρ(W) = max |eigenvalue| of the n×n block at W[off + i·ld + j] (dense eigendecomposition, O(n³)). */
export function spectralRadius(W: Float64Array, n: number, off = 0, ld = n): number {
  const { M, scale } = toMatrix("spectralRadius", W, n, off, ld);
  const e = new EigenvalueDecomposition(M);
  const re = e.realEigenvalues, im = e.imaginaryEigenvalues;
  let r = 0;
  for (let i = 0; i < re.length; i++) r = Math.max(r, Math.hypot(re[i], im[i]));
  return r / scale;
}

/** λ1(W) = the largest singular value (spectral norm) of the n×n block at W[off + i·ld + j] (dense SVD). */
export function largestSingularValue(W: Float64Array, n: number, off = 0, ld = n): number {
  const { M, scale } = toMatrix("largestSingularValue", W, n, off, ld);
  const svd = new SingularValueDecomposition(M, {
    computeLeftSingularVectors: false, computeRightSingularVectors: false,
  });
  let s = 0;
  for (const v of svd.diagonal) s = Math.max(s, v);
  return s / scale;
}

/**
 * Scales the n×n block at W[off + i·ld + j] in place so that its spectral radius is rho (finite, >= 0);
 * returns the factor applied. Overwrites the block.
 * @throws RangeError naming rho when it is invalid, or when rho > 0 and the block's ρ is 0 (nilpotent)
 */
export function scaleToSpectralRadius(W: Float64Array, off: number, n: number, rho: number, ld = n): number {
  if (!(rho >= 0 && rho < Infinity)) throw new RangeError(`rho must be finite and >= 0, got ${rho}`);
  const cur = spectralRadius(W, n, off, ld);
  if (rho > 0 && !(cur > 0)) throw new RangeError(`rho ${rho} cannot be reached: the matrix's spectral radius is ${cur}`);
  const f = rho === 0 ? 0 : rho / cur;
  scaleBlock(W, off, n, ld, f);
  return f;
}

/**
 * Scales the n×n block at W[off + i·ld + j] in place so that its largest singular value is s (finite,
 * >= 0); returns the factor applied. Overwrites the block.
 * @throws RangeError naming s when it is invalid, or when s > 0 and the block is zero
 */
export function scaleToLambda1(W: Float64Array, off: number, n: number, s: number, ld = n): number {
  if (!(s >= 0 && s < Infinity)) throw new RangeError(`s must be finite and >= 0, got ${s}`);
  const cur = largestSingularValue(W, n, off, ld);
  if (s > 0 && !(cur > 0)) throw new RangeError(`s ${s} cannot be reached: the matrix is zero`);
  const f = s === 0 ? 0 : s / cur;
  scaleBlock(W, off, n, ld, f);
  return f;
}

/** W[off + i·ld + j] *= f for the n×n block. Overwrites. */
function scaleBlock(W: Float64Array, off: number, n: number, ld: number, f: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W[off + i * ld + j] *= f;
}
