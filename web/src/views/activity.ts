/** The notifications and credit-history lists. */
import type { ActivityItem } from "../data";
import { ledgerSentence, notificationWords, runLinkWords } from "../logic/activity";
import { el, formatWhen } from "./dom";

export const runHref = (runId: string): string => `#run-${runId}`;

function fill(list: HTMLElement, items: HTMLElement[]): void {
  list.replaceChildren(...(items.length > 0 ? items : [el("li", { class: "empty" }, "Nothing yet.")]));
}

export function renderNotifications(list: HTMLElement, items: ActivityItem[]): void {
  fill(
    list,
    items.map((note) => {
      const words = notificationWords(note);
      return el(
        "li",
        { "data-kind": note.kind, "data-run": note.runId ?? "" },
        el("strong", {}, words.title),
        ` ${words.body} `,
        ...(note.runId ? [el("a", { href: runHref(note.runId) }, runLinkWords(note.kind))] : []),
        el("small", {}, formatWhen(note.createdAt)),
      );
    }),
  );
}

export function renderLedger(list: HTMLElement, items: ActivityItem[]): void {
  fill(
    list,
    items.map((entry) =>
      el(
        "li",
        { "data-kind": entry.kind, "data-run": entry.runId ?? "" },
        el(
          "strong",
          { class: entry.amount < 0 ? "minus" : "plus" },
          `${entry.amount > 0 ? "+" : "−"}${Math.abs(entry.amount)}`,
        ),
        ` ${ledgerSentence(entry)} `,
        ...(entry.runId ? [el("a", { href: runHref(entry.runId) }, runLinkWords(entry.kind))] : []),
        el("small", {}, formatWhen(entry.createdAt)),
      ),
    ),
  );
}
