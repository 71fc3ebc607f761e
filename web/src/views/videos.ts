/**
 * "My videos": the user's runs newest first (live, paged), plus any run opened by a link that is
 * not on the loaded page. Every run's question can be answered here, after any reload, in any tab.
 */
import type { Unsubscribe } from "firebase/firestore";
import type { PipelineSettings } from "../../../functions/src/pipelineSettings";
import type { RunItem } from "../data";
import { runView, type RunSnapshot, type RunView } from "../logic/runView";
import { measuredStageTimes, type SceneSnapshot } from "../logic/timeLeft";
import { RunCard, type RunCardActions } from "./runCard";

export interface VideosActions extends RunCardActions {
  /** A run's scene documents, live. */
  watchScenes(runId: string, next: (scenes: SceneSnapshot[]) => void): Unsubscribe;
}

/** Scenes are followed while they render and while the still ones are asked about. */
const wantsScenes = (run: RunSnapshot): boolean =>
  (run.status === "running" && run.stage === "scenes") || (run.status === "awaiting_decision" && !run.decision);

export class VideosView {
  private readonly cards = new Map<string, RunCard>();
  private items: RunItem[] = [];
  private pinned = new Map<string, RunItem>();
  private price: number | null = null;
  private balance: number | null = null;
  private newScriptsAllowed: number | null = null;
  private approval: PipelineSettings["approval"] | null = null;
  private readonly scenes = new Map<string, { stop: Unsubscribe; scenes: SceneSnapshot[] }>();
  private readonly busy = new Set<string>();
  /** Told of every rendered run (the question modal follows one of them). */
  onRender: (item: RunItem, view: RunView, busy: boolean) => void = () => undefined;

  constructor(
    private readonly list: HTMLOListElement,
    private readonly empty: HTMLElement,
    private readonly more: HTMLButtonElement,
    private readonly actions: VideosActions,
  ) {}

  /** From config/pipeline: the price of a video, the new scripts a storyboard may ask for, whether one is approved. */
  setSettings(price: number, newScriptsAllowed: number, approval: PipelineSettings["approval"]): void {
    this.price = price;
    this.newScriptsAllowed = newScriptsAllowed;
    this.approval = approval;
    this.render();
  }

  setBalance(balance: number | null): void {
    this.balance = balance;
    this.render();
  }

  setRuns(items: RunItem[], more: boolean): void {
    this.items = items;
    this.more.hidden = !more;
    for (const item of items) this.pinned.delete(item.id);
    this.render();
  }

  /** A run opened by a link but older than the loaded page; null removes it. */
  setPinned(runId: string, item: RunItem | null): void {
    if (item && !this.items.some((i) => i.id === runId)) this.pinned.set(runId, item);
    else this.pinned.delete(runId);
    this.render();
  }

  has(runId: string): boolean {
    return this.cards.has(runId);
  }

  setBusy(runId: string, busy: boolean): void {
    if (busy) this.busy.add(runId);
    else this.busy.delete(runId);
    this.render();
  }

  isBusy(runId: string): boolean {
    return this.busy.has(runId);
  }

  card(runId: string): RunCard | undefined {
    return this.cards.get(runId);
  }

  /** Scrolls a run into view and moves focus to its title, so a screen reader hears where it is. */
  reveal(runId: string): boolean {
    const card = this.cards.get(runId);
    if (!card) return false;
    card.element.scrollIntoView({ block: "start" });
    card.heading.focus({ preventScroll: true });
    return true;
  }

  clear(): void {
    this.items = [];
    this.pinned.clear();
    this.busy.clear();
    this.cards.clear();
    for (const { stop } of this.scenes.values()) stop();
    this.scenes.clear();
    this.list.replaceChildren();
    this.more.hidden = true;
  }

  private render(): void {
    const shown = [...this.pinned.values(), ...this.items];
    const ids = new Set(shown.map((i) => i.id));
    for (const [id, card] of this.cards) {
      if (!ids.has(id)) {
        card.element.remove();
        this.cards.delete(id);
      }
    }
    this.followScenes(shown);
    shown.forEach((item, index) => {
      let card = this.cards.get(item.id);
      if (!card) {
        card = new RunCard(item.id, this.actions);
        this.cards.set(item.id, card);
      }
      if (this.list.children[index] !== card.element)
        this.list.insertBefore(card.element, this.list.children[index] ?? null);
      const view = runView(item.run, this.price, {
        balance: this.balance,
        newScriptsAllowed: this.newScriptsAllowed,
        approval: this.approval,
        scenes: this.scenes.get(item.id)?.scenes ?? [],
        // The stage times the customer's other runs measured (a run's own are not known until its stage ends).
        stageTimes: measuredStageTimes(shown.filter((other) => other.id !== item.id).map((other) => other.run)),
      });
      const busy = this.busy.has(item.id);
      card.update(view, item.createdAt, busy);
      this.onRender(item, view, busy);
    });
    this.empty.hidden = shown.length > 0;
  }

  private followScenes(shown: RunItem[]): void {
    const wanted = new Set(shown.filter((item) => wantsScenes(item.run)).map((item) => item.id));
    for (const [runId, followed] of this.scenes) {
      if (wanted.has(runId)) continue;
      followed.stop();
      this.scenes.delete(runId);
    }
    for (const runId of wanted) {
      if (this.scenes.has(runId)) continue;
      const followed: { scenes: SceneSnapshot[]; stop: Unsubscribe } = { scenes: [], stop: () => undefined };
      this.scenes.set(runId, followed);
      followed.stop = this.actions.watchScenes(runId, (scenes) => {
        followed.scenes = scenes;
        if (this.scenes.get(runId) === followed) this.render();
      });
    }
  }
}
