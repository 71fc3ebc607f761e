/**
 * The storyboard's pure decisions: the version a script and its start frames make, whether an owner's
 * edit is accepted (and the script it makes), and whether a customer may start another storyboard.
 * No I/O: the handlers (pipeline/storyboard.ts) read the run, decide here and apply the transition.
 */
import type { Timestamp } from "firebase-admin/firestore";
import { SceneScriptSchema, ScriptSchema, hasWords, type RunInput, type Script } from "../contract/run";
import { END_CARD_LIMITS } from "../contract/brand";
import type { RunDocument } from "../contract/runDocument";
import type { StoryboardCause, StoryboardEdit, StoryboardVersion } from "../contract/storyboard";
import { markersIn, scriptProblems } from "../models/replyChecks";
import type { PipelineSettings, VoiceoverSettings } from "../pipelineSettings";

const MAX_HEADLINE_CHARS = ScriptSchema.shape.headline.maxLength ?? 120;
const MAX_LINE_CHARS = SceneScriptSchema.shape.narration.maxLength ?? 400;

/** A storyboard version of `script`: each scene's line, what it shows, its length and its start frame. */
export function storyboardOf(args: {
  script: Script;
  startFrames: readonly string[];
  version: number;
  cause: StoryboardCause;
  priceCredits: number;
  now: Timestamp;
}): StoryboardVersion {
  const { script } = args;
  return {
    version: args.version,
    cause: args.cause,
    headline: script.headline,
    callToAction: script.callToAction ?? "",
    scenes: script.scenes.map((scene, i) => ({
      sceneNumber: i + 1,
      title: scene.title,
      shows: scene.shot,
      narration: scene.narration,
      durationSec: scene.durationSec,
      startFrame: args.startFrames[i],
    })),
    totalSec: script.scenes.reduce((sum, scene) => sum + scene.durationSec, 0),
    priceCredits: args.priceCredits,
    createdAt: args.now,
  };
}

/** New scripts the owner asked for so far on this run (each made a version of cause `new_script`). */
export function scriptRegenerations(run: Pick<RunDocument, "storyboard" | "storyboardHistory">): number {
  return [...(run.storyboardHistory ?? []), ...(run.storyboard ? [run.storyboard] : [])].filter(
    (v) => v.cause === "new_script",
  ).length;
}

export type EditReason = { field: string; reason: string };

export type EditReview =
  | { kind: "refused"; reasons: EditReason[] }
  | { kind: "new_script" }
  | { kind: "revised"; script: Script; storyboard: StoryboardVersion };

/** Why a text the owner wrote cannot be used, or null: empty, too long, or the content a script may not have. */
function textProblem(text: unknown, max: number): string | null {
  if (typeof text !== "string" || !hasWords(text)) return "is empty: write some words";
  if (text.trim().length > max) return `is longer than ${max} characters`;
  const markers = markersIn(text);
  if (markers.length > 0) return "contains placeholder or template text";
  return null;
}

/**
 * Reviews the owner's edit of the latest storyboard with the same checks a script must pass
 * (models/quality.ts `scriptProblems`: length against the voice budget, template content, the names
 * said), field by field. Accepted, it makes the next version and the script the voice will say.
 */
export function reviewStoryboardEdit(
  run: Pick<RunDocument, "storyboard" | "storyboardHistory" | "script">,
  edit: StoryboardEdit,
  input: Pick<RunInput, "productName" | "brandName" | "scenes">,
  settings: VoiceoverSettings & Pick<PipelineSettings, "maxScriptRegenerations">,
  now: Timestamp,
): EditReview {
  const latest = run.storyboard;
  const script = run.script;
  if (!latest || !script) return { kind: "refused", reasons: [{ field: "edit", reason: "there is no storyboard" }] };
  if (edit.version !== latest.version) {
    return {
      kind: "refused",
      reasons: [{ field: "version", reason: `made on version ${edit.version}; the latest is ${latest.version}` }],
    };
  }
  const textEdits = edit.headline !== undefined || edit.callToAction !== undefined || (edit.lines?.length ?? 0) > 0;
  if (edit.newScript === true) {
    if (textEdits) return refused("newScript", "ask for a new script on its own, without other changes");
    const used = scriptRegenerations(run);
    if (used >= settings.maxScriptRegenerations) {
      return refused("newScript", `no new scripts left (${used} of ${settings.maxScriptRegenerations} used)`);
    }
    return { kind: "new_script" };
  }
  if (!textEdits) return refused("edit", "changes nothing");

  const reasons: EditReason[] = [];
  const check = (field: string, text: unknown, max: number) => {
    const problem = textProblem(text, max);
    if (problem) reasons.push({ field, reason: problem });
  };
  if (edit.headline !== undefined) check("headline", edit.headline, MAX_HEADLINE_CHARS);
  if (edit.callToAction !== undefined) check("callToAction", edit.callToAction, END_CARD_LIMITS.callToAction);
  const seen = new Set<number>();
  for (const line of edit.lines ?? []) {
    const field = `line ${line.sceneNumber}`;
    if (!Number.isInteger(line.sceneNumber) || line.sceneNumber < 1 || line.sceneNumber > script.scenes.length) {
      reasons.push({ field, reason: `there is no scene ${line.sceneNumber}` });
    } else if (seen.has(line.sceneNumber)) {
      reasons.push({ field, reason: "is changed twice in one edit" });
    } else check(field, line.narration, MAX_LINE_CHARS);
    seen.add(line.sceneNumber);
  }
  if (reasons.length > 0) return { kind: "refused", reasons };

  const scenes = script.scenes.map((scene, i) => {
    const line = edit.lines?.find((l) => l.sceneNumber === i + 1);
    return line ? { ...scene, narration: line.narration.trim() } : scene;
  });
  const next: Script = {
    ...script,
    headline: edit.headline?.trim() ?? script.headline,
    ...(edit.callToAction !== undefined && { callToAction: edit.callToAction.trim() }),
    scenes,
    // What the voice says is what the owner reads: the scenes' lines in order.
    voiceover: edit.lines?.length ? scenes.map((s) => s.narration).join(" ") : script.voiceover,
  };
  const whole = scriptProblems(next, input, settings);
  if (whole.length > 0) {
    const field = edit.lines?.length ? "lines" : edit.headline !== undefined ? "headline" : "callToAction";
    return { kind: "refused", reasons: whole.map((reason) => ({ field, reason })) };
  }
  return {
    kind: "revised",
    script: next,
    storyboard: storyboardOf({
      script: next,
      // The pictures do not change with the words: the approved frames are the ones shown.
      startFrames: latest.scenes.map((s) => s.startFrame),
      version: latest.version + 1,
      cause: "edited",
      priceCredits: latest.priceCredits,
      now,
    }),
  };
}

function refused(field: string, reason: string): EditReview {
  return { kind: "refused", reasons: [{ field, reason }] };
}

/** `users/{uid}/limits/storyboards`: the storyboards a customer started today (UTC) and in the last hour. */
export interface StoryboardQuotaState {
  day: string;
  dayCount: number;
  /** Start times (ms) within the last hour. */
  recentMs: number[];
}

export type QuotaDecision =
  { ok: true; next: StoryboardQuotaState } | { ok: false; limit: "per_day" | "per_hour"; allowed: number };

const HOUR_MS = 3_600_000;

/** Whether a customer may start one more storyboard at `nowMs`, and the state after it. */
export function storyboardQuota(
  state: StoryboardQuotaState | undefined,
  nowMs: number,
  settings: Pick<PipelineSettings, "storyboardsPerDay" | "storyboardsPerHour">,
): QuotaDecision {
  const day = new Date(nowMs).toISOString().slice(0, 10);
  const dayCount = state?.day === day ? state.dayCount : 0;
  const recentMs = (state?.recentMs ?? []).filter((at) => nowMs - at < HOUR_MS);
  if (dayCount >= settings.storyboardsPerDay)
    return { ok: false, limit: "per_day", allowed: settings.storyboardsPerDay };
  if (recentMs.length >= settings.storyboardsPerHour) {
    return { ok: false, limit: "per_hour", allowed: settings.storyboardsPerHour };
  }
  return { ok: true, next: { day, dayCount: dayCount + 1, recentMs: [...recentMs, nowMs] } };
}
