/** A run's open question (go on after an image warning; accept, retry or refund), in a card or a modal. */
import type { Answer } from "../data";
import type { Question } from "../logic/runView";
import { el } from "./dom";

let uid = 0;

export function questionTitle(question: Question): string {
  return question.kind === "confirm" ? "Check your image" : "Quality reduced";
}

/** A still scene's clip, muted and paused on its first frame, with controls to watch it. */
function stillClip(path: string, text: string, mediaUrl: (objectPath: string) => Promise<string>): HTMLElement {
  const clip = el("video", { controls: "", muted: "", playsinline: "", preload: "metadata", "aria-label": text });
  clip.muted = true;
  mediaUrl(path).then(
    (url) => (clip.src = `${url}#t=0.1`),
    () => clip.replaceWith(el("span", { class: "hint" }, "The scene could not be loaded.")),
  );
  return clip;
}

/** The question's content and buttons; `answer` is called with what the button means. */
export function renderQuestion(
  question: Question,
  busy: boolean,
  answer: (fields: Answer) => void,
  headingLevel: "h2" | "h4",
  mediaUrl: (objectPath: string) => Promise<string>,
): HTMLElement[] {
  const heading = el(headingLevel, { class: "question-title" }, questionTitle(question));
  if (question.kind === "confirm") {
    const proceed = el("button", { type: "button", "data-answer": "proceed" }, "Proceed anyway");
    const cancel = el("button", { type: "button", class: "secondary", "data-answer": "cancel" }, "Cancel");
    proceed.disabled = cancel.disabled = busy;
    proceed.addEventListener("click", () => answer({ confirmation: { proceed: true } }));
    cancel.addEventListener("click", () => answer({ confirmation: { proceed: false } }));
    return [
      heading,
      el(
        "ul",
        { class: "warnings" },
        ...question.warnings.map((w) => el("li", {}, el("strong", {}, w.text), ` ${w.advice}`)),
      ),
      el("p", { class: "note" }, question.note),
      el("div", { class: "actions" }, cancel, proceed),
    ];
  }
  return [
    heading,
    el("p", {}, question.summary),
    ...(question.scenes.length > 0
      ? [
          el(
            "ul",
            { class: "still-scenes" },
            ...question.scenes.map((s) =>
              el("li", {}, ...(s.clip ? [stillClip(s.clip, s.text, mediaUrl)] : []), el("p", {}, s.text)),
            ),
          ),
        ]
      : []),
    el(
      "div",
      { class: "choices" },
      ...question.choices.map((choice) => {
        const described = `choice-${++uid}`;
        const button = el(
          "button",
          {
            type: "button",
            "data-decision": choice.decision,
            "aria-describedby": described,
            class: choice.decision === "accept" ? "" : "secondary",
          },
          choice.label,
        );
        button.disabled = busy || !choice.available;
        button.addEventListener("click", () => answer({ decision: choice.decision }));
        return el("div", { class: "choice" }, button, el("p", { id: described }, choice.explanation));
      }),
    ),
  ];
}
