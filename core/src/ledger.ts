/**
 * The gradient ledger: per-timestep records of where dJ/da<t> comes from, written by the backward
 * pass. Index t-1 holds step t (t = 1..T). Every norm is log10 of a Frobenius norm over the batch,
 * exact far below 1e-308 and above 1e308: the backward pass carries a rescaled vector and a base-2
 * exponent (see sequence.ts), so 0.9^10000 is recorded as -457.6, not as 0 or -Infinity.
 * A part that is exactly zero (no loss at that step, say) is -Infinity.
 */
export class Ledger {
  readonly T: number;
  /** log10‖dJ/da<t>‖ from the loss at step t through yhat<t> (the course's da[:, :, t]) */
  readonly direct: Float64Array;
  /** log10‖dJ/da<t>‖ arriving from step t+1 (the course's da_prevt) */
  readonly recurrent: Float64Array;
  /** log10‖dJ/da<t>‖, direct + recurrent */
  readonly total: Float64Array;
  /** LSTM only: log10‖dJ/dc<t>‖, every path into the cell state c<t> */
  readonly cell: Float64Array;
  /** log10‖dJ/dx<t>‖ */
  readonly dx: Float64Array;
  /**
   * log10‖dWaa<t>‖: step t's contribution to the gradient of the recurrent weights. For the vanilla
   * cell that is Waa; for gated cells it is the a-columns of every gate block, W[:, :H].
   */
  readonly dWaa: Float64Array;
  /** the base-2 exponent k_t of the scale carried at step t: actual = stored · 2^k_t */
  readonly scaleExp: Int32Array;

  constructor(T: number) {
    this.T = T;
    this.direct = new Float64Array(T);
    this.recurrent = new Float64Array(T);
    this.total = new Float64Array(T);
    this.cell = new Float64Array(T);
    this.dx = new Float64Array(T);
    this.dWaa = new Float64Array(T);
    this.scaleExp = new Int32Array(T);
  }
}

/** Returns `ledger` when it has length T, else a new Ledger. */
export function ensureLedger(ledger: Ledger | null | undefined, T: number): Ledger {
  return ledger && ledger.T === T ? ledger : new Ledger(T);
}

/** One ledger record per step for JSON: -Infinity (an exactly zero part) becomes null, as JSON has no -Infinity. */
export interface LedgerRecord {
  t: number;
  direct: number | null;
  recurrent: number | null;
  total: number | null;
  dWaa: number | null;
  dx: number | null;
  /** LSTM only */
  dc?: number | null;
}

/** The ledger as JSON-ready records, t = 1..T. NaN stays NaN (and JSON.stringify writes it as null: check first). */
export function ledgerRecords(l: Ledger, lstm: boolean): LedgerRecord[] {
  const v = (n: number) => (n === -Infinity ? null : n);
  const out: LedgerRecord[] = new Array(l.T);
  for (let i = 0; i < l.T; i++) {
    const r: LedgerRecord = { t: i + 1, direct: v(l.direct[i]), recurrent: v(l.recurrent[i]), total: v(l.total[i]), dWaa: v(l.dWaa[i]), dx: v(l.dx[i]) };
    if (lstm) r.dc = v(l.cell[i]);
    out[i] = r;
  }
  return out;
}
