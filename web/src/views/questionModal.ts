/**
 * The question of the run started in this tab, as a modal, the moment it is asked. It is the same
 * question as in the run's card: closing the modal (Escape, "Decide later") leaves it answerable there.
 */
import type { Answer } from "../data";
import type { RunView } from "../logic/runView";
import { el } from "./dom";
import { Modal } from "./modal";
import { questionTitle, renderQuestion } from "./question";

export class QuestionModal {
  private readonly modal: Modal;
  private followed: string | null = null;
  private shownFor: string | null = null;
  private readonly dismissed = new Set<string>();

  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly answer: (runId: string, fields: Answer) => void,
    /** Where focus goes when the modal closes: the run's card. */
    private readonly focusAfter: (runId: string) => HTMLElement | null,
    private readonly mediaUrl: (objectPath: string) => Promise<string>,
  ) {
    this.modal = new Modal(dialog, () => {
      // Escape does what the visible way out does: Cancel for the image warning, Decide later otherwise.
      const escape = dialog.querySelector<HTMLButtonElement>('[data-answer="cancel"], [data-later]');
      escape?.click();
    });
  }

  /** Whether the modal is open with this run's question. */
  isAsking(runId: string): boolean {
    return this.shownFor === runId && this.modal.isOpen;
  }

  follow(runId: string | null): void {
    this.followed = runId;
  }

  update(runId: string, view: RunView, busy: boolean): void {
    if (runId !== this.followed) return;
    const question = view.question;
    const key = question ? `${runId}:${question.kind}:${JSON.stringify(question)}` : null;
    if (!question || !key || this.dismissed.has(`${runId}:${question.kind}`)) {
      if (this.shownFor === runId) this.close(runId);
      return;
    }
    this.shownFor = runId;
    this.dialog.dataset.question = question.kind;
    const title = el("h2", { id: "question-modal-title", tabindex: "-1" }, questionTitle(question));
    const content = renderQuestion(question, busy, (fields) => this.answer(runId, fields), "h2", this.mediaUrl).slice(
      1,
    );
    const extra: HTMLElement[] = [];
    if (question.kind === "decide") {
      const later = el("button", { type: "button", class: "link", "data-later": "" }, "Decide later");
      later.addEventListener("click", () => {
        this.dismissed.add(`${runId}:decide`);
        this.close(runId);
      });
      extra.push(el("p", { class: "hint" }, "You can also answer from the video's card in My videos. ", later));
    }
    if (this.dialog.dataset.key !== `${key}:${busy}`) {
      this.dialog.dataset.key = `${key}:${busy}`;
      const hadFocus = this.dialog.contains(document.activeElement);
      const focusedChoice = (document.activeElement as HTMLElement | null)?.dataset?.decision;
      this.dialog.replaceChildren(title, ...content, ...extra);
      // The dialog opens on the first answer that keeps nothing charged (Retry, else Refund; never Accept),
      // not on the first control in it (a still scene's player).
      this.dialog.querySelector(".choices button:not(:disabled)")?.setAttribute("autofocus", "");
      const again = focusedChoice && this.dialog.querySelector<HTMLElement>(`[data-decision="${focusedChoice}"]`);
      if (again) again.focus();
      // The button pressed is now disabled: focus stays in the dialog, on its title, until it closes.
      if (hadFocus && !this.dialog.contains(document.activeElement)) title.focus();
    }
    this.modal.open();
  }

  private close(runId: string): void {
    this.shownFor = null;
    delete this.dialog.dataset.key;
    this.modal.close(this.focusAfter(runId));
  }
}
