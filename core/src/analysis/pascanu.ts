/**
 * Pascanu, Mikolov & Bengio 2013 ("On the difficulty of training recurrent neural networks", §3.1):
 * for the vanilla cell a<t> = g(Waa·a<t-1> + Wax·x<t> + ba) the step Jacobian is
 * J_t = diag(g'(z<t>))·Waa, and |g'| <= γ (1 for tanh, relu and identity; 1/4 for sigmoid), so
 *   ‖∂a<T>/∂a<k>‖ <= Π_{t=k+1..T} ‖diag(g'<t>)‖·‖Waa‖ <= (γ·λ1)^(T-k),   λ1 = σ_max(Waa).
 * Hence λ1 < 1/γ is sufficient for the gradient to vanish exponentially, and λ1 > 1/γ is necessary for
 * it to explode. The spectral radius ρ(Waa) <= λ1 is the asymptotic rate of the linearized map
 * (Gelfand: ‖Waa^k‖^(1/k) -> ρ); the two differ for non-normal Waa.
 */
import { activationGamma } from "../activations";
import { checkInt } from "../dims";
import { largestSingularValue, recurrentBlock, spectralRadius } from "../init";
import { validateConfig, type CellKind, type Model } from "../model";
import { paramLayout } from "../params";

/** Result of `pascanuReport`. */
export interface PascanuReport {
  cell: CellKind;
  /** which H×H matrix the numbers describe: "Waa", or "Wc[:, :H]" for the GRU and LSTM */
  matrix: string;
  /** largest singular value of `matrix` */
  lambda1: number;
  /** largest eigenvalue modulus of `matrix` */
  spectralRadius: number;
  /** bound on the derivative of the nonlinearity on that path: activationGamma(g), or tanh's 1 for gated cells */
  gamma: number;
  /** λ1 < 1/γ: the gradient provably vanishes (vanilla cell); a heuristic for gated cells */
  vanishingSufficient: boolean;
  /** λ1 > 1/γ: the necessary condition for explosion holds (vanilla cell); a heuristic for gated cells */
  explodingPossible: boolean;
  /** length T: log10 (γλ1)^(T-k) for k = 1..T at index k-1, the bound on log10 ‖∂a<T>/∂a<k>‖ */
  log10Bound: Float64Array;
  /** "" for the vanilla cell (the bound is a theorem); for gated cells, why it is only a heuristic */
  note: string;
}

/** Upper bound on T here, so that log10Bound stays a sane allocation (2^24 doubles = 128 MiB). */
const MAX_T = 1 << 24;

const NOTE_GRU =
  "GRU: the numbers describe the candidate block Wc[:, :H] with tanh's γ = 1, the limit Γu -> 1, Γr -> 1 " +
  "with constant gates. The full step Jacobian is diag(1-Γu) + diag(Γu⊙(1-c~²))·Wc[:, :H]·diag(Γr) plus " +
  "gate-derivative terms: the leaky path diag(1-Γu) carries gradient whatever λ1 is, so the bound is only " +
  "a heuristic, not a bound. Use lyapunovSpectrum or the ledger for the actual rate.";
const NOTE_LSTM =
  "LSTM: the numbers describe the candidate block Wc[:, :H] (path a<t-1> -> c~ -> c<t> -> a<t>, tanh's γ = 1). " +
  "The dominant path is the cell state: the step Jacobian's block ∂c<t>/∂c<t-1> is diag(Γf), the " +
  "data-dependent forget gate (σ(bf) at rest), not a weight matrix, so the bound is only a heuristic for the hidden-state path " +
  "and says nothing about the cell path. Use lyapunovSpectrum (state [a; c], n = 2H) or the ledger.";

/**
 * Pascanu et al. 2013's quantities for `model` over T steps: λ1 and ρ of the recurrent matrix, γ, the
 * sufficient condition for vanishing (λ1 < 1/γ), the necessary condition for exploding (λ1 > 1/γ), and
 * log10 (γλ1)^(T-k) for k = 1..T. A theorem for the vanilla cell (Waa, γ = activationGamma(g)). For the
 * GRU and LSTM it describes the candidate block Wc[:, :H] with γ = 1 and is only a heuristic (see `note`).
 * At λ1 = 1/γ exactly both flags are false. λ1 = 0 gives -Infinity for k < T and 0 at k = T, never NaN.
 * @throws RangeError naming T when it is not an integer in [1, 2^24], or the model's invalid field
 */
export function pascanuReport(model: Model, T: number): PascanuReport {
  const { config, params } = model;
  validateConfig(config);
  checkInt("T", T, 1, MAX_T);
  const L = paramLayout(config);
  if (params.length !== L.size) throw new RangeError(`model.params length must be ${L.size}, got ${params.length}`);
  const rec = recurrentBlock(config, L);
  const lambda1 = largestSingularValue(params, rec.n, rec.offset, rec.ld);
  const rho = spectralRadius(params, rec.n, rec.offset, rec.ld);
  const gamma = config.cell === "rnn" ? activationGamma(config.activation) : activationGamma("tanh");
  // (γλ1)^(T-k): the exponent is 0 at k = T, where 0·log10(0) would be NaN; the bound there is 1.
  const perStep = Math.log10(gamma * lambda1);
  const log10Bound = new Float64Array(T);
  for (let k = 1; k <= T; k++) log10Bound[k - 1] = k === T ? 0 : (T - k) * perStep;
  return {
    cell: config.cell,
    matrix: rec.name,
    lambda1,
    spectralRadius: rho,
    gamma,
    vanishingSufficient: lambda1 < 1 / gamma,
    explodingPossible: lambda1 > 1 / gamma,
    log10Bound,
    note: config.cell === "rnn" ? "" : config.cell === "gru" ? NOTE_GRU : NOTE_LSTM,
  };
}
