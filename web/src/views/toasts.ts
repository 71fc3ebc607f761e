/**
 * One dismissible pop-up at a time: the newest replaces the one before, so nothing stale stays on
 * screen (the notifications list keeps everything), and it goes after a while.
 */
import { el } from "./dom";

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
  const hadFocus = container.contains(document.activeElement);
  container.replaceChildren(item);
  // A keyboard user on the old toast stays on the toasts rather than falling to the page's top.
  if (hadFocus) close.focus();
  // Not while the user is on it: it goes once focus has left.
  const expire = (): void => {
    if (item.contains(document.activeElement)) setTimeout(expire, TOAST_MS);
    else item.remove();
  };
  setTimeout(expire, TOAST_MS);
}

/** Removes the toasts that ask about a run once it no longer waits for an answer. */
export function dropQuestionToasts(container: HTMLElement, runId: string): void {
  for (const toast of container.querySelectorAll(`.toast[data-asks][data-run="${CSS.escape(runId)}"]`)) toast.remove();
}
