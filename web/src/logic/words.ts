/**
 * Every word the page shows for something the backend stores as a code, in one place. The
 * customer reads outcomes and choices, never model or provider names, internal codes or run ids.
 */
import type { Stage } from "../../../functions/src/contract/run";
import { STAGE_LABELS } from "../../../functions/src/messages";
import { WARNING_TEXT } from "../../../functions/src/preflight/messages";

/** One word (or a few) per outcome a customer understands. */
export const OUTCOME_WORDS = {
  checking: "Checking your image",
  needs_answer: "Needs your answer",
  working: "In progress",
  ready: "Ready",
  cancelled: "Cancelled",
  refunding: "Refund on its way",
  refunded: "Refunded",
  not_charged: "Not charged",
} as const;
export type Outcome = keyof typeof OUTCOME_WORDS;

/** A stage this page does not know yet (a newer backend) is still named, not shown as a code. */
export const UNKNOWN_STAGE_LABEL = "Final checks";

export function stageLabel(stage: string): string {
  return (STAGE_LABELS as Record<string, string>)[stage] ?? UNKNOWN_STAGE_LABEL;
}

export function isKnownStage(stage: string): stage is Stage {
  return stage in STAGE_LABELS;
}

/** Why a scene became a still pan-and-zoom animation, as the customer would put it. */
const FALLBACK_REASON_WORDS: Record<string, string> = {
  celebrity_detected: "it showed a person who looks like a well-known figure, which we may not animate",
  safety_filter: "our content safety check stopped the animation",
  rate_limit: "our video service was too busy at that moment",
  veo_error: "the animation could not be made",
};

export function fallbackReasonWords(reason: string): string {
  return FALLBACK_REASON_WORDS[reason] ?? "the animation could not be made";
}

/** The image check's warnings, in words; an unknown code falls back to the backend's own sentence. */
export function warningWords(
  warning: { code: string; message: string; recommendation: string },
  faces: number,
): { text: string; advice: string } {
  switch (warning.code) {
    case "FACES_DETECTED":
      // Worded from the count, not the stored sentence: a run checked by an older backend still reads today's words.
      return {
        text: WARNING_TEXT.FACES_DETECTED.message(faces),
        advice: WARNING_TEXT.FACES_DETECTED.recommendation,
      };
    case "LOW_RESOLUTION":
      return { text: "Your image is small, so the video may look soft.", advice: warning.recommendation };
    case "BLURRY":
      return { text: "Your image looks blurry; the video will be blurry too.", advice: warning.recommendation };
    default:
      return { text: warning.message, advice: warning.recommendation };
  }
}

/**
 * The page says what happened to the money in one place (the run's cost line), so the
 * backend's sentences about it are left out of the failure text shown beside it.
 */
const MONEY_SENTENCES = [/^your (\d+ )?credits (have been|will be) refunded\.?$/i, /^nothing was charged\.?$/i];

export function withoutMoneySentences(text: string): string {
  return text
    .split(/(?<=[.!?])\s+/)
    .filter((sentence) => !MONEY_SENTENCES.some((pattern) => pattern.test(sentence.trim())))
    .join(" ")
    .trim();
}

export const credits = (n: number): string => `${n} ${Math.abs(n) === 1 ? "credit" : "credits"}`;

/** What went wrong, for the customer: a Firebase error's code in words, never its raw text. */
export function errorWords(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "permission-denied":
      return "That is not possible any more: the video has moved on. Reload the page to see where it is.";
    case "unavailable":
      return "You seem to be offline. The page catches up when the connection is back.";
    case "unauthenticated":
      return "You were signed out. Please sign in again.";
    default:
      // Our own checks throw Errors with sentences meant for the customer (e.g. the upload's).
      return error instanceof Error && !code && !(error.name === "ZodError")
        ? error.message
        : "Something went wrong. Please try again.";
  }
}

const minutes = (n: number): string => `${n} ${n === 1 ? "minute" : "minutes"}`;

/** The storyboard screen's words: what approving costs, what is being done, how to pay for it. */
export const STORYBOARD_WORDS = {
  title: "Your storyboard",
  intro: "Check the start of each scene and the words of your ad. Nothing is charged until you approve.",
  headline: "Headline",
  callToAction: "Call to action",
  line: (sceneNumber: number) => `Line of scene ${sceneNumber}`,
  frameAlt: (sceneNumber: number, shows: string) => `Start of scene ${sceneNumber}: ${shows}`,
  sceneHeading: (sceneNumber: number, title: string, length: string) => `Scene ${sceneNumber}: ${title} (${length})`,
  total: (seconds: number) => `Total length: ${Math.round(seconds)} seconds.`,
  approve: (price: number) => `Approve and pay ${credits(price)}`,
  cancel: "Cancel",
  saveChanges: "Save changes",
  noChanges: "Nothing changed yet: edit the headline, the call to action or a line first.",
  newScript: "New script",
  newScriptsLeft: (left: number) =>
    left > 0
      ? `Writes the scenes and lines again from your brief, at no cost. ${left} ${left === 1 ? "new script" : "new scripts"} left.`
      : "No new scripts left for this video.",
  emptyField: "Write something here, or put back what was there.",
  /** The backend's reason, as a sentence: "Not changed: it is too long." */
  refused: (reason: string) => `Not changed: ${reason.replace(/[.\s]+$/, "")}.`,
  unsavedChanges: "You changed the storyboard: save your changes first, so that you approve what you see.",
  frameMissing: "This start frame could not be loaded.",
  savingChange: "Saving your change…",
  writingNewScript: "Writing a new script…",
  approved: "You approved the storyboard. Starting your video…",
  shortOfCredits: (balance: number, price: number) =>
    `You have ${credits(balance)}; this video costs ${credits(price)}. Buy credits, then approve: the storyboard waits for you.`,
  buyCredits: "Buy credits",
} as const;

/** Progress words beside the bar: scenes counted as they finish, and the time left when it can be estimated. */
export const PROGRESS_WORDS = {
  scenesReady: (done: number, total: number) => `${done} of ${total} ${total === 1 ? "scene" : "scenes"} ready`,
  scenesRemade: (done: number, total: number) => `${done} of ${total} ${total === 1 ? "scene" : "scenes"} made again`,
  timeLeft: (secondsLeft: number) =>
    secondsLeft < 60 ? "less than a minute left" : `about ${minutes(Math.ceil(secondsLeft / 60))} left`,
} as const;
