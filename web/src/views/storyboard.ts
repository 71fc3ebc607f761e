/**
 * A run's storyboard in its card: the start frame, title, length and line of each scene, the
 * headline and call to action (edited in place), the total length, "New script", and "Approve and
 * pay" or "Cancel". Built once per storyboard version, then updated in place, so what the customer
 * types survives every snapshot until a new version replaces it.
 */
import { MAX_CALL_TO_ACTION_CHARS, SceneScriptSchema, ScriptSchema } from "../../../functions/src/contract/run";
import type { Answer } from "../data";
import { emptyFieldsOf, storyboardEditOf, type StoryboardView } from "../logic/storyboard";
import { STORYBOARD_WORDS } from "../logic/words";
import { el } from "./dom";

const MAX_HEADLINE_CHARS = ScriptSchema.shape.headline.maxLength ?? 120;
const MAX_LINE_CHARS = SceneScriptSchema.shape.narration.maxLength ?? 400;

export interface StoryboardActions {
  answer(fields: Answer): void;
  mediaUrl(objectPath: string): Promise<string>;
  buyCredits(): void;
}

interface Field {
  input: HTMLInputElement | HTMLTextAreaElement;
  error: HTMLParagraphElement;
}

export class StoryboardPanel {
  readonly element = el("section", { class: "storyboard" });
  private version: number | null = null;
  private view: StoryboardView | null = null;
  private headline!: Field;
  private callToAction!: Field;
  private lines = new Map<number, Field>();
  private save!: HTMLButtonElement;
  private newScript!: HTMLButtonElement;
  private newScriptNote!: HTMLParagraphElement;
  private approve!: HTMLButtonElement;
  private cancel!: HTMLButtonElement;
  private status!: HTMLParagraphElement;
  private refusedWhole!: HTMLParagraphElement;
  private shortOfCredits!: HTMLDivElement;

  constructor(
    private readonly runId: string,
    private readonly actions: StoryboardActions,
  ) {}

  update(view: StoryboardView, busy: boolean): void {
    if (view.version !== this.version) this.build(view);
    this.view = view;
    const locked = busy || view.waiting !== null;
    for (const field of this.fields()) field.input.readOnly = locked;
    this.save.disabled = locked;
    this.newScript.disabled = locked || view.newScriptsLeft === 0;
    this.newScriptNote.textContent = view.refusals.newScript ?? STORYBOARD_WORDS.newScriptsLeft(view.newScriptsLeft);
    this.newScriptNote.classList.toggle("field-error", view.refusals.newScript !== null);
    this.approve.textContent = view.approveLabel;
    this.approve.disabled = locked || view.shortOfCredits !== null;
    this.cancel.disabled = locked;
    this.shortOfCredits.hidden = view.shortOfCredits === null;
    this.shortOfCredits.querySelector("p")!.textContent = view.shortOfCredits ?? "";
    this.showErrors({
      headline: view.refusals.headline,
      callToAction: view.refusals.callToAction,
      lines: Object.fromEntries(view.scenes.map((s) => [s.sceneNumber, s.refusal])),
    });
    this.refusedWhole.hidden = view.refusals.other === null;
    this.refusedWhole.textContent = view.refusals.other ?? "";
    if (view.waiting) this.status.textContent = view.waiting;
    else if (this.status.dataset.said === "waiting") this.status.textContent = "";
    this.status.dataset.said = view.waiting ? "waiting" : "";
  }

  private fields(): Field[] {
    return [this.headline, this.callToAction, ...this.lines.values()];
  }

  /** `max`: the backend's own limit, so a change the rules would turn away is never typed. */
  private field(id: string, label: string, value: string, max: number, multiline: boolean): [HTMLElement, Field] {
    const input = multiline
      ? el("textarea", { id, rows: "3", maxlength: String(max) })
      : el("input", { id, autocomplete: "off", maxlength: String(max) });
    input.value = value;
    const error = el("p", { id: `${id}-error`, class: "field-error", hidden: "" });
    input.setAttribute("aria-describedby", error.id);
    input.dataset.field = id;
    return [el("div", { class: "storyboard-field" }, el("label", { for: id }, label), input, error), { input, error }];
  }

  private build(view: StoryboardView): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.field;
    this.version = view.version;
    const prefix = `sb-${this.runId}`;
    const titleId = `${prefix}-title`;
    this.element.setAttribute("aria-labelledby", titleId);

    const [headlineBlock, headline] = this.field(
      `${prefix}-headline`,
      STORYBOARD_WORDS.headline,
      view.headline,
      MAX_HEADLINE_CHARS,
      false,
    );
    const [ctaBlock, callToAction] = this.field(
      `${prefix}-cta`,
      STORYBOARD_WORDS.callToAction,
      view.callToAction,
      MAX_CALL_TO_ACTION_CHARS,
      false,
    );
    this.headline = headline;
    this.callToAction = callToAction;
    this.lines = new Map();
    const scenes = view.scenes.map((scene) => {
      const frame = el("img", { alt: scene.frameAlt, class: "frame" });
      this.actions.mediaUrl(scene.frame).then(
        (url) => (frame.src = url),
        () => frame.replaceWith(el("p", { class: "frame frame-missing" }, STORYBOARD_WORDS.frameMissing)),
      );
      const [lineBlock, line] = this.field(
        `${prefix}-line-${scene.sceneNumber}`,
        STORYBOARD_WORDS.line(scene.sceneNumber),
        scene.line,
        MAX_LINE_CHARS,
        true,
      );
      this.lines.set(scene.sceneNumber, line);
      return el(
        "li",
        { class: "storyboard-scene", "data-scene": String(scene.sceneNumber) },
        frame,
        el("h5", {}, STORYBOARD_WORDS.sceneHeading(scene.sceneNumber, scene.title, scene.length)),
        el("p", { class: "shows" }, scene.shows),
        lineBlock,
      );
    });

    this.save = el(
      "button",
      { type: "submit", class: "secondary", "data-storyboard": "save" },
      STORYBOARD_WORDS.saveChanges,
    );
    this.newScript = el(
      "button",
      {
        type: "button",
        class: "secondary",
        "data-storyboard": "new-script",
        "aria-describedby": `${prefix}-new-script`,
      },
      STORYBOARD_WORDS.newScript,
    );
    this.newScriptNote = el("p", { id: `${prefix}-new-script`, class: "hint" });
    this.approve = el("button", { type: "button", "data-storyboard": "approve" });
    this.cancel = el(
      "button",
      { type: "button", class: "secondary", "data-storyboard": "cancel" },
      STORYBOARD_WORDS.cancel,
    );
    this.status = el("p", { class: "hint storyboard-status", role: "status" });
    this.refusedWhole = el("p", { class: "field-error", hidden: "" });
    const buy = el("button", { type: "button", class: "link", "data-storyboard": "buy" }, STORYBOARD_WORDS.buyCredits);
    buy.addEventListener("click", () => this.actions.buyCredits());
    this.shortOfCredits = el("div", { class: "notice short-of-credits" }, el("p", {}), buy);

    const form = el(
      "form",
      { novalidate: "" },
      headlineBlock,
      el("ol", { class: "storyboard-scenes" }, ...scenes),
      this.refusedWhole,
      ctaBlock,
      el("p", { class: "total" }, view.total),
      el("div", { class: "actions start" }, this.save, this.newScript),
      this.newScriptNote,
      this.status,
      this.shortOfCredits,
      el("div", { class: "actions" }, this.cancel, this.approve),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendEdit();
    });
    this.newScript.addEventListener("click", () => {
      if (this.view) this.actions.answer({ storyboardEdit: { version: this.view.version, newScript: true } });
    });
    this.approve.addEventListener("click", () => {
      if (!this.view) return;
      if (storyboardEditOf(this.view, this.typed())) {
        this.status.textContent = STORYBOARD_WORDS.unsavedChanges;
        return;
      }
      this.actions.answer({ storyboardAnswer: { version: this.view.version, approve: true } });
    });
    this.cancel.addEventListener("click", () => {
      if (this.view) this.actions.answer({ storyboardAnswer: { version: this.view.version, approve: false } });
    });

    this.element.replaceChildren(
      el("h4", { id: titleId }, STORYBOARD_WORDS.title),
      el("p", { class: "hint" }, STORYBOARD_WORDS.intro),
      form,
    );
    // A new version replaced the fields: the customer stays on the field they were in.
    if (focused) this.element.querySelector<HTMLElement>(`[data-field="${focused}"]`)?.focus();
  }

  private typed() {
    return {
      headline: this.headline.input.value,
      callToAction: this.callToAction.input.value,
      lines: Object.fromEntries([...this.lines].map(([scene, field]) => [scene, field.input.value])),
    };
  }

  private sendEdit(): void {
    if (!this.view) return;
    const typed = this.typed();
    const empty = emptyFieldsOf(typed);
    if (empty.headline || empty.callToAction || Object.keys(empty.lines).length > 0) {
      this.showErrors(empty);
      return;
    }
    const edit = storyboardEditOf(this.view, typed);
    if (!edit) {
      this.status.textContent = STORYBOARD_WORDS.noChanges;
      return;
    }
    this.actions.answer({ storyboardEdit: edit });
  }

  private showErrors(errors: {
    headline: string | null;
    callToAction: string | null;
    lines: Record<number, string | null>;
  }): void {
    const show = (field: Field, text: string | null | undefined) => {
      field.error.hidden = !text;
      field.error.textContent = text ?? "";
      field.input.setAttribute("aria-invalid", String(Boolean(text)));
    };
    show(this.headline, errors.headline);
    show(this.callToAction, errors.callToAction);
    for (const [scene, field] of this.lines) show(field, errors.lines[scene]);
  }
}
