/**
 * The step Jacobian J_t = ∂s<t>/∂s<t-1> of any cell, as one dispatcher. The state s is a<t> (n = H)
 * for the vanilla cell and the GRU, and [a<t>; c<t>] (n = 2H) for the LSTM. J is (n, n) row-major.
 */
import { gruStepJacobian } from "../cells/gru";
import { lstmStepJacobian } from "../cells/lstm";
import { rnnStepJacobian } from "../cells/rnn";
import type { ModelConfig } from "../model";
import type { ParamLayout } from "../params";
import type { Tape } from "../tape";

/** Size n of the recurrent state s: H, or 2H for the LSTM. */
export function stateSize(config: ModelConfig): number {
  return config.cell === "lstm" ? 2 * config.H : config.H;
}

/** Writes J_t = ∂s<t>/∂s<t-1> for batch row b into J (n, n). Needs a tape filled by sequenceForward. */
export function stepJacobian(J: Float64Array, tape: Tape, P: Float64Array, L: ParamLayout, t: number, b: number): void {
  const cell = tape.config.cell;
  if (cell === "rnn") rnnStepJacobian(J, tape, P, L, t, b);
  else if (cell === "gru") gruStepJacobian(J, tape, P, L, t, b);
  else lstmStepJacobian(J, tape, P, L, t, b);
}
