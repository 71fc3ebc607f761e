/** Small DOM helpers shared by the views. */
export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from index.html`);
  return found as T;
};

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

export const formatWhen = (date: Date | null): string =>
  date ? date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "";

/** Replaces a node's children only when what it shows changed, so focus and media survive re-renders. */
export function renderIfChanged(node: HTMLElement, key: string, build: () => (Node | string)[]): void {
  if (node.dataset.key === key) return;
  node.dataset.key = key;
  node.replaceChildren(...build());
}
