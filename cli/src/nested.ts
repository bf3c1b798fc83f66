/** Flat row-major data -> nested JSON arrays of the given shape. */
export function nest(data: ArrayLike<number>, shape: readonly number[], off = 0): unknown {
  if (shape.length === 0) return data[off];
  if (shape.length === 1) return Array.from({ length: shape[0] }, (_, i) => data[off + i]);
  const stride = shape.slice(1).reduce((p, n) => p * n, 1);
  return Array.from({ length: shape[0] }, (_, i) => nest(data, shape.slice(1), off + i * stride));
}

/** Names of the arrays that hold a non-finite value. */
export function nonFinite(arrays: Record<string, ArrayLike<number>>): string[] {
  const bad: string[] = [];
  for (const [name, a] of Object.entries(arrays)) {
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) { bad.push(name); break; }
  }
  return bad;
}
