/**
 * A micrograd-style scalar autograd (test-only), after karpathy/micrograd's engine.py.
 * Every op makes a new Value that remembers its children and how to push its grad back to them.
 * `backward()` sorts the graph topologically (iteratively: unrolled RNN graphs are deep) and applies
 * each node's local chain rule in reverse order, accumulating (+=) into the children's grads.
 */
export class Value {
  data: number;
  grad = 0;
  readonly children: readonly Value[];
  /** Adds d(out)/d(child) · out.grad to each child's grad. */
  private readonly localBackward: (out: Value) => void;

  constructor(data: number, children: readonly Value[] = [], localBackward: (out: Value) => void = () => {}) {
    this.data = data;
    this.children = children;
    this.localBackward = localBackward;
  }

  /** a + b; d/da = 1, d/db = 1 */
  add(other: Value | number): Value {
    const b = lift(other);
    return new Value(this.data + b.data, [this, b], (out) => {
      this.grad += out.grad;
      b.grad += out.grad;
    });
  }

  /** a - b; d/da = 1, d/db = -1 */
  sub(other: Value | number): Value {
    const b = lift(other);
    return new Value(this.data - b.data, [this, b], (out) => {
      this.grad += out.grad;
      b.grad -= out.grad;
    });
  }

  /** a · b; d/da = b, d/db = a */
  mul(other: Value | number): Value {
    const b = lift(other);
    return new Value(this.data * b.data, [this, b], (out) => {
      this.grad += b.data * out.grad;
      b.grad += this.data * out.grad;
    });
  }

  /** -a; d/da = -1 */
  neg(): Value {
    return new Value(-this.data, [this], (out) => {
      this.grad -= out.grad;
    });
  }

  /** a / b; d/da = 1/b, d/db = -a/b² */
  div(other: Value | number): Value {
    const b = lift(other);
    return new Value(this.data / b.data, [this, b], (out) => {
      this.grad += out.grad / b.data;
      b.grad -= (this.data / (b.data * b.data)) * out.grad;
    });
  }

  /** exp(a); d/da = exp(a) */
  exp(): Value {
    return new Value(Math.exp(this.data), [this], (out) => {
      this.grad += out.data * out.grad;
    });
  }

  /** log(a); d/da = 1/a */
  log(): Value {
    return new Value(Math.log(this.data), [this], (out) => {
      this.grad += out.grad / this.data;
    });
  }

  /** t = tanh(a); d/da = 1 - t² */
  tanh(): Value {
    return new Value(Math.tanh(this.data), [this], (out) => {
      this.grad += (1 - out.data * out.data) * out.grad;
    });
  }

  /** s = σ(a) = 1/(1+exp(-a)) for a >= 0, exp(a)/(1+exp(a)) for a < 0 (no overflow); d/da = s(1-s) */
  sigmoid(): Value {
    const z = this.data;
    const s = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    return new Value(s, [this], (out) => {
      this.grad += s * (1 - s) * out.grad;
    });
  }

  /** max(a, 0); d/da = 1 for a > 0, else 0 (0 at the kink, as PyTorch) */
  relu(): Value {
    return new Value(this.data > 0 ? this.data : 0, [this], (out) => {
      if (this.data > 0) this.grad += out.grad;
    });
  }

  /** a²; d/da = 2a */
  square(): Value {
    return new Value(this.data * this.data, [this], (out) => {
      this.grad += 2 * this.data * out.grad;
    });
  }

  /** Sets every grad in the graph below this node to d(this)/d(node). */
  backward(): void {
    // Iterative post-order DFS: a node enters `topo` after all of its children.
    const topo: Value[] = [];
    const visited = new Set<Value>([this]);
    const stack: Value[] = [this];
    const nextChild: number[] = [0];
    while (stack.length > 0) {
      const top = stack.length - 1;
      const v = stack[top];
      if (nextChild[top] < v.children.length) {
        const c = v.children[nextChild[top]++];
        if (!visited.has(c)) {
          visited.add(c);
          stack.push(c);
          nextChild.push(0);
        }
      } else {
        topo.push(v);
        stack.pop();
        nextChild.pop();
      }
    }
    for (const v of topo) v.grad = 0;
    this.grad = 1;
    for (let i = topo.length - 1; i >= 0; i--) topo[i].localBackward(topo[i]);
  }
}

/** A constant is a leaf whose grad nobody reads. */
function lift(v: Value | number): Value {
  return typeof v === "number" ? new Value(v) : v;
}
