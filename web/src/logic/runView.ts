/**
 * What the page shows for one run, decided from the run document alone (no DOM, no I/O): its
 * outcome in a word, what it cost, its progress while it works, the question it asks, its video.
 */
import { STAGES } from "../../../functions/src/contract/run";
import type { RunDocument } from "../../../functions/src/contract/runDocument";
import type { PipelineSettings } from "../../../functions/src/pipelineSettings";
import {
  credits,
  fallbackReasonWords,
  isKnownStage,
  OUTCOME_WORDS,
  stageLabel,
  STORYBOARD_WORDS,
  warningWords,
  withoutMoneySentences,
  type Outcome,
} from "./words";
import { storyboardView, type StoryboardFields, type StoryboardView } from "./storyboard";
import { progressDetail, type SceneSnapshot, type StageTimes, type TimedRun } from "./timeLeft";

/**
 * The fields a client reads. `status` and `stage` are plain strings: a newer backend may add
 * states or stages this page does not know, and it must still say something sensible.
 */
export type RunSnapshot = Partial<
  Pick<
    RunDocument,
    "progress" | "confirmation" | "decision" | "decisionRetriesLeft" | "credits" | "quality" | "output" | "failure"
  >
> & {
  status: string;
  stage?: string;
  input?: { productName?: string; brandName?: string };
  preflight?: {
    faces?: number;
    warnings?: { severity: string; code: string; message: string; recommendation: string }[];
  };
  staticScenes?: { scene: number; reason: string }[];
} & Omit<StoryboardFields, "status"> &
  Omit<TimedRun, "status" | "stage">;

export type StepState = "done" | "current" | "stopped" | "pending";

export interface Choice {
  decision: "accept" | "retry" | "refund";
  label: string;
  explanation: string;
  available: boolean;
}

/** A still scene the quality question asks about: its words, and its clip when the page can show it. */
export interface StillScene {
  text: string;
  clip: string | null;
}

export type Question =
  | { kind: "confirm"; warnings: { text: string; advice: string }[]; note: string }
  | {
      kind: "decide";
      summary: string;
      scenes: StillScene[];
      choices: Choice[];
    };

/**
 * What the page knows beside the run document: the balance, the new scripts a run may ask for
 * (config/pipeline), the run's scene documents, measured stage times.
 */
export interface RunContext {
  balance: number | null;
  newScriptsAllowed: number | null;
  /** The settings' `approval`: whether a storyboard is approved (and charged) after the image check; null while not read. */
  approval: PipelineSettings["approval"] | null;
  scenes: readonly SceneSnapshot[];
  stageTimes: StageTimes;
}

const NO_CONTEXT: RunContext = {
  balance: null,
  newScriptsAllowed: null,
  approval: null,
  scenes: [],
  stageTimes: {},
};

export interface RunView {
  title: string;
  outcome: Outcome;
  word: string;
  /** Only while the run works: a failed or finished run shows no bar at all. */
  progress: { pct: number; label: string; detail: string | null } | null;
  steps: { label: string; state: StepState }[] | null;
  /** What happened to the money, said once. */
  cost: string;
  /** Why the run stopped, without the money sentences (the cost line says those). */
  failure: string | null;
  question: Question | null;
  /** What the user did: a cancel, or an answer the backend has not applied yet. */
  note: string | null;
  /** `captions`: the ad's captions as a WebVTT file, when it has captions. */
  video: { path: string; durationSec: number; details: string; captions: string | null } | null;
  /** The storyboard waiting for the customer's approval, before any charge. */
  storyboard: StoryboardView | null;
}

const IN_PROGRESS: Outcome[] = ["checking", "working", "needs_answer"];

export function isCancelled(run: RunSnapshot): boolean {
  return (
    run.confirmation?.proceed === false ||
    (run.status === "awaiting_approval" && run.storyboardAnswer?.approve === false) ||
    (run.status === "failed" && run.failure?.reason === "cancelled")
  );
}

export function outcomeOf(run: RunSnapshot): Outcome {
  if (isCancelled(run)) return "cancelled";
  switch (run.status) {
    case "queued":
    case "preflight":
      return "checking";
    case "awaiting_confirmation":
      return run.confirmation ? "working" : "needs_answer";
    case "awaiting_decision":
      return run.decision ? "working" : "needs_answer";
    case "awaiting_approval":
      return run.storyboard && run.storyboardAnswer?.version === run.storyboard.version ? "working" : "needs_answer";
    case "succeeded":
      return "ready";
    case "failed":
      if (run.failure?.refunded || (run.credits?.refunded ?? 0) > 0) return "refunded";
      return (run.credits?.charged ?? 0) > 0 ? "refunding" : "not_charged";
    default:
      return "working";
  }
}

export function isInProgress(run: RunSnapshot): boolean {
  return IN_PROGRESS.includes(outcomeOf(run));
}

function costLine(run: RunSnapshot, outcome: Outcome, price: number | null): string {
  const charged = run.credits?.charged ?? 0;
  const priceText = price === null ? "the price of a video" : credits(price);
  switch (outcome) {
    case "ready":
      return `Cost ${credits(charged)}.`;
    case "refunded":
      return `${credits(run.credits?.refunded || charged)} refunded to your balance.`;
    case "refunding":
      return `Your ${credits(charged)} are on their way back to your balance.`;
    case "cancelled":
    case "not_charged":
      return "Nothing was charged.";
    default:
      return charged > 0 ? `${credits(charged)} charged.` : `Nothing charged yet. This video costs ${priceText}.`;
  }
}

/**
 * The stages a run goes through, in its order. A run approved before paying makes its storyboard
 * uncharged and is charged after it (working while uncharged, or with a storyboard); any other run is
 * charged first and has no storyboard step.
 */
function stagesOf(run: RunSnapshot, charged: boolean): string[] {
  const approval = Boolean(run.storyboard) || (!charged && run.status === "running");
  if (!approval) return STAGES.filter((stage) => stage !== "storyboard");
  const work: string[] = STAGES.filter((stage) => stage !== "charge");
  work.splice(work.indexOf("storyboard") + 1, 0, "charge");
  return work;
}

function stepsOf(run: RunSnapshot, outcome: Outcome): RunView["steps"] {
  // Steps tell where paid work is; before the charge there is one step and nothing to follow.
  const charged = (run.credits?.charged ?? 0) > 0;
  if (!charged && run.status !== "running") return null;
  if (!IN_PROGRESS.includes(outcome) && outcome !== "refunded" && outcome !== "refunding") return null;
  const stages = stagesOf(run, charged);
  if (run.stage && !isKnownStage(run.stage)) stages.push(run.stage);
  const current = run.stage ? stages.indexOf(run.stage) : -1;
  return stages.map((stage, index) => ({
    label: stageLabel(stage),
    state:
      index < current
        ? "done"
        : index > current
          ? "pending"
          : run.status === "failed"
            ? "stopped"
            : run.status === "succeeded"
              ? "done"
              : "current",
  }));
}

function progressOf(run: RunSnapshot, outcome: Outcome, context: RunContext): RunView["progress"] {
  if (outcome !== "checking" && outcome !== "working") return null;
  // Never a full bar before the video is there.
  const pct = Math.max(0, Math.min(99, Math.round(run.progress?.pct ?? 0)));
  return {
    pct,
    label: run.stage ? stageLabel(run.stage) : "Waiting to start",
    detail: progressDetail(run, context.scenes, context.stageTimes),
  };
}

/** The clip of a still scene in the round the question is about (the latest a scene has). */
function stillClip(scene: number, scenes: readonly SceneSnapshot[]): string | null {
  const made = scenes
    .filter((s) => s.sceneNumber === scene && s.status === "done" && s.video)
    .sort((a, b) => b.round - a.round);
  return made[0]?.video ?? null;
}

function decisionQuestion(run: RunSnapshot, price: number | null, scenes: readonly SceneSnapshot[]): Question {
  const paid = credits(run.credits?.charged || price || 0);
  const q = run.quality;
  const retriesLeft = run.decisionRetriesLeft ?? 0;
  return {
    kind: "decide",
    summary: q
      ? `${q.kenBurnsScenes} of ${q.totalScenes} scenes could only be made as still pan-and-zoom animations instead of moving video.`
      : "Some scenes could only be made as still pan-and-zoom animations instead of moving video.",
    scenes: (run.staticScenes ?? []).map((s) => ({
      text: `Scene ${s.scene}: ${fallbackReasonWords(s.reason)}.`,
      clip: stillClip(s.scene, scenes),
    })),
    // The answers that keep nothing charged come first: the first focus (a dialog's, or Tab into the
    // card's question) is never the one that keeps the credits, so a stray Enter does not accept.
    choices: [
      {
        decision: "retry",
        label: "Retry",
        explanation:
          retriesLeft > 0
            ? `Make the still scenes again, at no extra cost. ${retriesLeft} ${retriesLeft === 1 ? "retry" : "retries"} left.`
            : "No retries left.",
        available: retriesLeft > 0,
      },
      {
        decision: "refund",
        label: "Refund",
        explanation: `Stop here and get your ${paid} back.`,
        available: true,
      },
      {
        decision: "accept",
        label: "Accept",
        explanation: `Keep this video as it is. The ${paid} stay charged.`,
        available: true,
      },
    ],
  };
}

function questionOf(run: RunSnapshot, outcome: Outcome, price: number | null, context: RunContext): Question | null {
  if (outcome !== "needs_answer" || run.status === "awaiting_approval") return null;
  if (run.status === "awaiting_decision") return decisionQuestion(run, price, context.scenes);
  const faces = run.preflight?.faces ?? 0;
  return {
    kind: "confirm",
    warnings: (run.preflight?.warnings ?? []).map((w) => warningWords(w, faces)),
    note: confirmNote(price, context.approval),
  };
}

/** What continuing past an image warning costs: the storyboard that follows charges on its approval, when there is one. */
function confirmNote(price: number | null, approval: RunContext["approval"]): string {
  const cost = (when: string) => (price === null ? "" : `; ${when} costs ${credits(price)}`);
  if (approval === "required") {
    return `Nothing is charged unless you continue and approve the storyboard that follows${cost("approving it")}.`;
  }
  if (approval === "off") return `Nothing is charged unless you continue${cost("continuing")}.`;
  return "Nothing is charged unless you continue.";
}

function noteOf(run: RunSnapshot, outcome: Outcome): string | null {
  if (outcome === "cancelled") return "You cancelled this video.";
  if (outcome !== "working") return null;
  if (run.status === "awaiting_confirmation") return "You chose to continue. Starting your video…";
  if (run.status === "awaiting_approval") return STORYBOARD_WORDS.approved;
  if (run.status === "awaiting_decision" && run.decision)
    return { accept: "You chose Accept.", retry: "You chose Retry.", refund: "You chose Refund." }[run.decision];
  return null;
}

function videoOf(run: RunSnapshot): RunView["video"] {
  if (run.status !== "succeeded" || !run.output) return null;
  const seconds = Math.round(run.output.durationSec);
  const q = run.quality;
  const still =
    q && q.kenBurnsScenes > 0
      ? ` ${q.kenBurnsScenes} of ${q.totalScenes} scenes are still pan-and-zoom animations.`
      : "";
  return {
    path: run.output.video,
    durationSec: run.output.durationSec,
    details: `${seconds}-second video.${still}`,
    captions: run.output.captions ?? null,
  };
}

export function runTitle(run: RunSnapshot): string {
  const product = run.input?.productName?.trim() || "Your video";
  const brand = run.input?.brandName?.trim();
  return brand ? `${product} · ${brand}` : product;
}

export function runView(run: RunSnapshot, price: number | null, context: RunContext = NO_CONTEXT): RunView {
  const outcome = outcomeOf(run);
  const failureText =
    run.status === "failed" && run.failure && outcome !== "cancelled"
      ? withoutMoneySentences(run.failure.userMessage) || "We could not make this video."
      : null;
  return {
    title: runTitle(run),
    outcome,
    word: OUTCOME_WORDS[outcome],
    progress: progressOf(run, outcome, context),
    steps: stepsOf(run, outcome),
    cost: costLine(run, outcome, price),
    failure: failureText,
    question: questionOf(run, outcome, price, context),
    note: noteOf(run, outcome),
    video: videoOf(run),
    storyboard: outcome === "needs_answer" ? storyboardView(run, context.balance, context.newScriptsAllowed) : null,
  };
}
