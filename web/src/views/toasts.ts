/** Few, dismissible pop-ups: at most two at a time, gone after a while; the lists keep everything. */
import { el } from "./dom";

const MAX_TOASTS = 2;
const TOAST_MS = 8000;

/** `runId` ties the toast to its run, so it can go when it no longer applies (see dropToasts). */
export function showToast(
  container: HTMLElement,
  note: { title: string; body: string; runId: string | null; asks: boolean },
  href: string | null,
): void {
  const { title, body } = note;
  const close = el("button", { type: "button", class: "toast-close", "aria-label": `Dismiss: ${title}` }, "×");
  const item = el(
    "div",
    { class: "toast", "data-run": note.runId ?? "", ...(note.asks && { "data-asks": "" }) },
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

/** Removes the toasts that ask about a run once it no longer waits for an answer. */
export function dropQuestionToasts(container: HTMLElement, runId: string): void {
  for (const toast of container.querySelectorAll(`.toast[data-asks][data-run="${CSS.escape(runId)}"]`)) toast.remove();
}
