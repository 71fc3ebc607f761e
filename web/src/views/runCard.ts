/**
 * One run in "My videos": its outcome, cost, progress, open question and finished video. Built
 * once and updated part by part, so a snapshot never resets a playing video or a focused button.
 */
import type { Answer } from "../data";
import type { RunView } from "../logic/runView";
import { el, formatWhen, renderIfChanged } from "./dom";
import { renderQuestion } from "./question";
import { StoryboardPanel } from "./storyboard";

export interface RunCardActions {
  answer(runId: string, fields: Answer): void;
  download(runId: string, objectPath: string, title: string): Promise<void>;
  mediaUrl(objectPath: string): Promise<string>;
  /** Brings the credit packs into view (a storyboard the balance cannot pay for yet). */
  buyCredits(): void;
}

const STEP_WORDS = { done: "done", current: "in progress", stopped: "stopped here", pending: "to do" } as const;

export class RunCard {
  readonly element: HTMLLIElement;
  readonly heading: HTMLHeadingElement;
  private readonly chip = el("span", { class: "chip" });
  private readonly when = el("p", { class: "when" });
  private readonly progress = el("div", { class: "progress-block" });
  private readonly steps = el("ol", { class: "steps" });
  private readonly question = el("div", { class: "question" });
  private readonly storyboard: StoryboardPanel;
  private readonly pending = el("p", { class: "notice run-note" });
  private readonly failure = el("p", { class: "failure-text" });
  private readonly cost = el("p", { class: "cost" });
  private readonly result = el("div", { class: "result" });

  constructor(
    readonly runId: string,
    private readonly actions: RunCardActions,
  ) {
    this.storyboard = new StoryboardPanel(runId, {
      answer: (fields) => actions.answer(runId, fields),
      mediaUrl: (objectPath) => actions.mediaUrl(objectPath),
      buyCredits: () => actions.buyCredits(),
    });
    const titleId = `run-${runId}-title`;
    this.heading = el("h3", { id: titleId, tabindex: "-1" });
    this.element = el(
      "li",
      { id: `run-${runId}`, class: "run-card", "data-run": runId },
      el(
        "article",
        { "aria-labelledby": titleId },
        el("div", { class: "run-head" }, this.heading, this.chip),
        this.when,
        this.progress,
        this.steps,
        this.question,
        this.storyboard.element,
        this.pending,
        this.failure,
        this.cost,
        this.result,
      ),
    );
  }

  update(view: RunView, createdAt: Date | null, busy: boolean): void {
    const hadFocus = this.element.contains(document.activeElement);
    this.render(view, createdAt, busy);
    // An answer replaces the buttons it was given with (disabled, then gone): the reader stays on
    // this run, at its title, instead of falling to the top of the page.
    if (hadFocus && !this.element.contains(document.activeElement)) this.heading.focus({ preventScroll: true });
  }

  private render(view: RunView, createdAt: Date | null, busy: boolean): void {
    this.element.dataset.outcome = view.outcome;
    this.heading.textContent = view.title;
    this.chip.textContent = view.word;
    this.chip.dataset.outcome = view.outcome;
    this.when.textContent = formatWhen(createdAt);

    this.progress.hidden = !view.progress;
    renderIfChanged(this.progress, JSON.stringify(view.progress), () => {
      if (!view.progress) return [];
      const { pct, label, detail } = view.progress;
      const bar = el(
        "div",
        {
          class: "progress",
          role: "progressbar",
          "aria-label": `Progress of ${view.title}`,
          "aria-valuemin": "0",
          "aria-valuemax": "100",
          "aria-valuenow": String(pct),
          "aria-valuetext": `${pct}%, ${label}${detail ? `, ${detail}` : ""}`,
        },
        el("div", { class: "bar", style: `width: ${pct}%` }),
      );
      return [
        bar,
        el(
          "p",
          { class: "progress-text" },
          el("strong", {}, `${pct}%`),
          ` ${label}`,
          ...(detail ? [el("span", { class: "progress-detail" }, ` · ${detail}`)] : []),
        ),
      ];
    });

    this.steps.hidden = !view.steps;
    renderIfChanged(this.steps, JSON.stringify(view.steps), () =>
      (view.steps ?? []).map((step) =>
        el(
          "li",
          { class: step.state, "data-state": step.state },
          step.label,
          el("span", { class: "visually-hidden" }, ` (${STEP_WORDS[step.state]})`),
        ),
      ),
    );

    this.question.hidden = !view.question;
    renderIfChanged(this.question, JSON.stringify([view.question, busy]), () =>
      view.question
        ? renderQuestion(
            view.question,
            busy,
            (fields) => this.actions.answer(this.runId, fields),
            "h4",
            (objectPath) => this.actions.mediaUrl(objectPath),
          )
        : [],
    );
    if (view.question) this.question.dataset.question = view.question.kind;

    this.storyboard.element.hidden = !view.storyboard;
    if (view.storyboard) this.storyboard.update(view.storyboard, busy);

    this.pending.hidden = !view.note;
    this.pending.textContent = view.note ?? "";
    this.failure.hidden = !view.failure;
    this.failure.textContent = view.failure ?? "";
    this.cost.textContent = view.cost;

    this.result.hidden = !view.video;
    renderIfChanged(this.result, JSON.stringify(view.video), () => (view.video ? this.buildResult(view) : []));
  }

  private buildResult(view: RunView): HTMLElement[] {
    const video = view.video as NonNullable<RunView["video"]>;
    const player = el("video", {
      controls: "",
      playsinline: "",
      preload: "metadata",
      "aria-label": `Your video: ${view.title}`,
    });
    // The first frame stands in as the poster (a media fragment), so the player is never a black box.
    this.actions.mediaUrl(video.path).then(
      (url) => (player.src = `${url}#t=0.1`),
      () => (status.textContent = "The video could not be loaded. Reload the page to try again."),
    );
    const status = el("p", { class: "download-status", role: "status" });
    const downloadButton = (label: string, objectPath: string, kind: "video" | "captions") => {
      const button = el("button", { type: "button", class: `download ${kind}` }, label);
      button.addEventListener("click", () => {
        button.disabled = true;
        status.textContent = "Preparing the download…";
        this.actions
          .download(this.runId, objectPath, view.title)
          .then(
            () => (status.textContent = "Downloaded."),
            () => (status.textContent = "The download failed. Please try again."),
          )
          .finally(() => (button.disabled = false));
      });
      return button;
    };
    const downloads = [downloadButton("Download video", video.path, "video")];
    // Platforms take captions as a file too: the same words the video shows, timed to the voice.
    if (video.captions) downloads.push(downloadButton("Download captions (.vtt)", video.captions, "captions"));
    return [
      player,
      el("p", { class: "details" }, video.details),
      el("div", { class: "actions start" }, ...downloads),
      status,
    ];
  }
}
