/**
 * The two O(n) halves of a one-sided Jacobi rotation in jacobian-products.ts, in JavaScript: the
 * references that simd.ts's WasmColumns (colDots, colRotate) equal bit for bit. Columns are
 * contiguous: column i of an n×n column-major matrix starts at i·n.
 */

/**
 * dots = (y_i·y_i, y_j·y_j, y_i·y_j) for the columns at io, jo, each summed as two interleaved partial
 * sums (even and odd r; an odd n's last term joins the even one) added at the end: the order of the
 * WebAssembly kernel's two lanes, so both give the same bits.
 */
export function pairDots(Y: Float64Array, io: number, jo: number, n: number, dots: Float64Array): void {
  const n2 = n - (n & 1);
  let A0 = 0, A1 = 0, B0 = 0, B1 = 0, C0 = 0, C1 = 0;
  for (let r = 0; r < n2; r += 2) {
    const a0 = Y[io + r], b0 = Y[jo + r], a1 = Y[io + r + 1], b1 = Y[jo + r + 1];
    A0 += a0 * a0; B0 += b0 * b0; C0 += a0 * b0;
    A1 += a1 * a1; B1 += b1 * b1; C1 += a1 * b1;
  }
  if (n2 < n) {
    const a = Y[io + n2], b = Y[jo + n2];
    A0 += a * a; B0 += b * b; C0 += a * b;
  }
  dots[0] = A0 + A1; dots[1] = B0 + B1; dots[2] = C0 + C1;
}

/** y_i ← (y_i - a·y_j)·si, y_j ← (tau·y_i + y_j)·sj (the rotation, with the renormalization folded in). */
export function rotatePair(Y: Float64Array, io: number, jo: number, n: number, a: number, tau: number, si: number, sj: number): void {
  for (let r = 0; r < n; r++) {
    const yi = Y[io + r], yj = Y[jo + r];
    Y[io + r] = (yi - a * yj) * si;
    Y[jo + r] = (tau * yi + yj) * sj;
  }
}
