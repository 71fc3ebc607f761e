/**
 * The storyboard a run shows before any credit is taken (status `awaiting_approval`), decided from
 * the run document and the balance alone: what is shown, what can be changed, what approving costs,
 * and whether the customer can pay for it now or must buy credits first.
 */
import type { StoryboardEdit, StoryboardScene } from "../../../functions/src/contract/storyboard";
import { STORYBOARD_WORDS } from "./words";

/** The storyboard fields a client reads; timestamps are not needed on the page. */
export interface StoryboardSnapshot {
  version: number;
  cause?: string;
  headline: string;
  callToAction: string;
  scenes: StoryboardScene[];
  totalSec: number;
  priceCredits: number;
}

/**
 * Why the backend did not take the owner's last change, per field: "headline", "callToAction",
 * "line {n}" (scene n's line) or "newScript". Shown beside the field it is about.
 */
export interface StoryboardRefusal {
  version: number;
  reasons: { field: string; reason: string }[];
}

export interface StoryboardFields {
  status: string;
  storyboard?: StoryboardSnapshot;
  storyboardHistory?: { cause?: string }[];
  storyboardEdit?: StoryboardEdit;
  storyboardAnswer?: { version: number; approve: boolean };
  storyboardEditRefused?: StoryboardRefusal;
}

export interface StoryboardSceneView {
  sceneNumber: number;
  title: string;
  shows: string;
  line: string;
  length: string;
  frame: string;
  frameAlt: string;
  refusal: string | null;
}

export interface StoryboardView {
  version: number;
  headline: string;
  callToAction: string;
  scenes: StoryboardSceneView[];
  total: string;
  approveLabel: string;
  /** The customer cannot pay now: how to get the credits, instead of an approval that would fail. */
  shortOfCredits: string | null;
  /** A change was sent and the backend has not made a new version of it yet: nothing else can be sent. */
  waiting: string | null;
  /** `other`: about the change as a whole (the lines together, a stale version), shown under the scenes. */
  refusals: { headline: string | null; callToAction: string | null; newScript: string | null; other: string | null };
  newScriptsLeft: number;
}

const seconds = (n: number): string => `${Math.round(n * 10) / 10} s`;

function waitingFor(run: StoryboardFields, version: number): string | null {
  // The backend takes the change away once it made a version of it or refused it.
  if (run.storyboardEdit?.version === version)
    return run.storyboardEdit.newScript ? STORYBOARD_WORDS.writingNewScript : STORYBOARD_WORDS.savingChange;
  return null;
}

/** A refusal is shown only with the version it was about: a newer storyboard starts clean. */
function refusalOf(run: StoryboardFields, version: number, about: (field: string) => boolean): string | null {
  const refusal = run.storyboardEditRefused;
  // While a newer change is being looked at, the refusal of the last one is out of date.
  if (!refusal || refusal.version !== version || run.storyboardEdit) return null;
  const reasons = refusal.reasons.filter((r) => about(r.field)).map((r) => STORYBOARD_WORDS.refused(r.reason));
  return reasons.length > 0 ? reasons.join(" ") : null;
}

const OWN_PLACE = /^(headline|callToAction|newScript|line \d+)$/;

/** `newScriptsAllowed`: the settings' `maxScriptRegenerations`, null while they are not read. */
export function storyboardView(
  run: StoryboardFields,
  balance: number | null,
  newScriptsAllowed: number | null,
): StoryboardView | null {
  const board = run.storyboard;
  if (run.status !== "awaiting_approval" || !board) return null;
  const newScripts = [run.storyboard, ...(run.storyboardHistory ?? [])].filter((v) => v?.cause === "new_script").length;
  return {
    version: board.version,
    headline: board.headline,
    callToAction: board.callToAction,
    scenes: [...board.scenes]
      .sort((a, b) => a.sceneNumber - b.sceneNumber)
      .map((scene) => ({
        sceneNumber: scene.sceneNumber,
        title: scene.title,
        shows: scene.shows,
        line: scene.narration,
        length: seconds(scene.durationSec),
        frame: scene.startFrame,
        frameAlt: STORYBOARD_WORDS.frameAlt(scene.sceneNumber, scene.shows),
        refusal: refusalOf(run, board.version, (field) => field === `line ${scene.sceneNumber}`),
      })),
    total: STORYBOARD_WORDS.total(board.totalSec),
    approveLabel: STORYBOARD_WORDS.approve(board.priceCredits),
    shortOfCredits:
      balance !== null && balance < board.priceCredits
        ? STORYBOARD_WORDS.shortOfCredits(balance, board.priceCredits)
        : null,
    waiting: waitingFor(run, board.version),
    refusals: {
      headline: refusalOf(run, board.version, (field) => field === "headline"),
      callToAction: refusalOf(run, board.version, (field) => field === "callToAction"),
      newScript: refusalOf(run, board.version, (field) => field === "newScript"),
      other: refusalOf(run, board.version, (field) => !OWN_PLACE.test(field)),
    },
    newScriptsLeft: Math.max(0, (newScriptsAllowed ?? 0) - newScripts),
  };
}

/** What the customer changed, aimed at the version shown; null when nothing differs from it. */
export function storyboardEditOf(
  view: Pick<StoryboardView, "version" | "headline" | "callToAction" | "scenes">,
  typed: { headline: string; callToAction: string; lines: Record<number, string> },
): StoryboardEdit | null {
  const edit: StoryboardEdit = { version: view.version };
  const headline = typed.headline.trim();
  const callToAction = typed.callToAction.trim();
  if (headline !== view.headline) edit.headline = headline;
  if (callToAction !== view.callToAction) edit.callToAction = callToAction;
  const lines = view.scenes
    .filter((scene) => scene.sceneNumber in typed.lines && typed.lines[scene.sceneNumber].trim() !== scene.line)
    .map((scene) => ({ sceneNumber: scene.sceneNumber, narration: typed.lines[scene.sceneNumber].trim() }));
  if (lines.length > 0) edit.lines = lines;
  return Object.keys(edit).length > 1 ? edit : null;
}

/** A field the customer emptied: said beside it before anything is sent. */
export function emptyFieldsOf(typed: { headline: string; callToAction: string; lines: Record<number, string> }) {
  return {
    headline: typed.headline.trim() === "" ? STORYBOARD_WORDS.emptyField : null,
    callToAction: typed.callToAction.trim() === "" ? STORYBOARD_WORDS.emptyField : null,
    lines: Object.fromEntries(
      Object.entries(typed.lines)
        .filter(([, text]) => text.trim() === "")
        .map(([scene]) => [Number(scene), STORYBOARD_WORDS.emptyField]),
    ) as Record<number, string>,
  };
}
