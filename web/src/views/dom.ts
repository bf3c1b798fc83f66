/** Tiny DOM helpers. Text goes in through textContent only: nothing from the URL or the worker becomes HTML. */

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

/** A floating tooltip inside `host` (position: relative), shown at (x, y) in host coordinates. */
export class Tooltip {
  readonly node: HTMLDivElement;
  constructor(host: HTMLElement) {
    this.node = el("div", { class: "tooltip", role: "tooltip" });
    this.node.hidden = true;
    host.append(this.node);
  }
  show(lines: string[], x: number, y: number): void {
    const n = this.node;
    n.replaceChildren(...lines.map((l) => el("div", { text: l })));
    n.hidden = false;
    const host = n.parentElement!;
    const w = n.offsetWidth, hw = host.clientWidth;
    n.style.left = `${Math.max(0, Math.min(hw - w, x + 12))}px`;
    n.style.top = `${y + 14}px`;
  }
  hide(): void {
    this.node.hidden = true;
  }
}

/** A canvas sized to its CSS box times devicePixelRatio; returns the context scaled to CSS pixels. */
export function fitCanvas(c: HTMLCanvasElement, cssW: number, cssH: number): CanvasRenderingContext2D {
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const w = Math.max(1, Math.round(cssW * dpr)), h = Math.max(1, Math.round(cssH * dpr));
  if (c.width !== w || c.height !== h) {
    c.width = w;
    c.height = h;
  }
  c.style.width = `${cssW}px`;
  c.style.height = `${cssH}px`;
  const ctx = c.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** Calls f with the element's content width now and whenever it changes. */
export function onWidth(e: HTMLElement, f: (w: number) => void): void {
  let last = -1;
  const ro = new ResizeObserver(() => {
    const w = Math.floor(e.clientWidth);
    if (w !== last && w > 0) {
      last = w;
      f(w);
    }
  });
  ro.observe(e);
}
