/** Credit history and notifications as sentences a customer reads (no internal reasons or codes). */
import { money } from "./billing";
import { credits, withoutMoneySentences } from "./words";

export function ledgerSentence(entry: {
  kind: string;
  amount: number;
  receipt?: { amount: number; currency: string } | null;
}): string {
  const n = Math.abs(entry.amount);
  switch (entry.kind) {
    case "grant":
      return `${credits(n)} added to your account.`;
    case "charge":
      return `${credits(n)} paid for a video.`;
    case "refund":
      return `${credits(n)} refunded for a video.`;
    case "purchase":
      return entry.receipt
        ? `${credits(n)} bought for ${money(entry.receipt.amount, entry.receipt.currency)}.`
        : `${credits(n)} bought.`;
    case "reversal":
      return `${credits(n)} taken back after a refund or dispute.`;
    default:
      return entry.amount >= 0 ? `${credits(n)} added.` : `${credits(n)} taken.`;
  }
}

/** Notifications that ask the user something about their run. */
export const ASKING_KINDS = ["quality_reduced", "awaiting_confirmation", "awaiting_approval"];

/** A notification's words; the kinds this page knows are worded here, others keep the backend's text. */
export function notificationWords(note: { kind: string; title: string; body: string }): {
  title: string;
  body: string;
} {
  switch (note.kind) {
    case "quality_reduced":
      return {
        title: "Your answer is needed",
        body: "Some scenes could only be made as still animations. Choose whether to keep, retry or refund the video.",
      };
    case "awaiting_confirmation":
      return { title: "Your answer is needed", body: "Please look at the note about your image before we continue." };
    case "refunded":
      return { title: note.title, body: withoutMoneySentences(note.body) };
    default:
      return { title: note.title, body: note.body };
  }
}

/**
 * The words of the link from a notification or a credit-history line to its run. Only a finished
 * video's notification leads to a video; the others lead to the run's card, which says what happened.
 */
export function runLinkWords(kind: string): string {
  return kind === "succeeded" ? "Show the video" : "Show in My videos";
}
