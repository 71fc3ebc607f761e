/** Few, dismissible pop-ups: at most two at a time, gone after a while; the lists keep everything. */
import { el } from "./dom";

const MAX_TOASTS = 2;
const TOAST_MS = 8000;

export function showToast(container: HTMLElement, title: string, body: string, href: string | null): void {
  const close = el("button", { type: "button", class: "toast-close", "aria-label": `Dismiss: ${title}` }, "×");
  const item = el(
    "div",
    { class: "toast" },
    el("strong", {}, title),
    el("span", {}, body),
    ...(href ? [el("a", { href }, "Show me")] : []),
    close,
  );
  close.addEventListener("click", () => item.remove());
  container.append(item);
  while (container.children.length > MAX_TOASTS) container.firstElementChild?.remove();
  setTimeout(() => item.remove(), TOAST_MS);
}
