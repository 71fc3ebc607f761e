/**
 * The run lifecycle as pure functions of the run document: what to do next, what a
 * stuck run needs, and how far along a run is. All I/O lives in the handlers.
 */
import { WORK_STAGES, type Stage, type WorkStage } from "../contract/run";
import type { Decision, DegradationRecord, RunDocument } from "../contract/runDocument";
import type { PipelineSettings } from "../pipelineSettings";

export type RunAction =
  | { kind: "none" }
  | { kind: "charge_after_confirmation" }
  | { kind: "cancel" }
  | { kind: "run_stage"; stage: WorkStage }
  | { kind: "apply_decision"; decision: Decision }
  | { kind: "apply_storyboard_answer" }
  | { kind: "apply_storyboard_edit" };

/** What an update of the run document asks the functions to do. */
export function nextAction(run: RunDocument): RunAction {
  switch (run.status) {
    case "awaiting_confirmation":
      if (run.confirmation?.proceed === true) return { kind: "charge_after_confirmation" };
      return run.confirmation?.proceed === false ? { kind: "cancel" } : { kind: "none" };
    case "running":
      if (run.stageState === "pending" && isWorkStage(run.stage)) return { kind: "run_stage", stage: run.stage };
      return { kind: "none" };
    case "awaiting_decision":
      return run.decision ? { kind: "apply_decision", decision: run.decision } : { kind: "none" };
    case "awaiting_approval":
      // An answer settles the storyboard: an edit written with it is not applied.
      if (run.storyboardAnswer) return { kind: "apply_storyboard_answer" };
      return run.storyboardEdit ? { kind: "apply_storyboard_edit" } : { kind: "none" };
    default:
      return { kind: "none" };
  }
}

export function isWorkStage(stage: unknown): stage is WorkStage {
  return (WORK_STAGES as readonly unknown[]).includes(stage);
}

/** The stage after `stage` in WORK_STAGES, or null after the last one. */
export function stageAfter(stage: WorkStage): WorkStage | null {
  const index = WORK_STAGES.indexOf(stage);
  return WORK_STAGES[index + 1] ?? null;
}

/** The voice stage recorded the fitted voice and its timing: assembly can lay it under the clips. */
export function voiceReady(run: RunDocument): boolean {
  return run.voice?.fitted !== undefined && run.voice.timing !== undefined;
}

/** The scenes stage is over: every scene was done and its quality recorded (on to assembly, or asked). */
function scenesOver(run: RunDocument): boolean {
  return run.quality !== undefined;
}

/**
 * The stage after `stage` for this run. Runs started before the voice moved ahead of the scenes may
 * still be in flight at a deploy: such a run reaches the voice stage after its scenes (its quality is
 * recorded), and goes on to assembly, not back to the scenes.
 */
export function stageAfterFor(run: RunDocument, stage: WorkStage): WorkStage | null {
  if (stage === "voice" && scenesOver(run)) return "assembly";
  // A charged run has nothing to approve: its script goes straight to the voice.
  if (stage === "script") return awaitsApproval(run) ? "storyboard" : "voice";
  return stageAfter(stage);
}

/**
 * Whether a run works towards a storyboard: it was started uncharged (approval required). A run that is
 * running without a charge is in its storyboard phase; every run charged at the start (the flow without
 * approval, and runs from before it) has its charge before its first stage.
 */
export function awaitsApproval(run: RunDocument): boolean {
  return run.credits !== undefined && run.credits.charged === 0;
}

/**
 * The stage after the scenes: assembly, whose voice is ready. A run started under the old order (scenes
 * before the voice) finishes its scenes with no voice yet: it records it first.
 */
export function stageAfterScenes(run: RunDocument): WorkStage {
  return voiceReady(run) ? "assembly" : "voice";
}

/**
 * Progress shown to the user when a stage starts: stages are weighted by their usual duration (the
 * scenes, a video generation each, are most of a run). The voice comes before the scenes but is short.
 */
const STAGE_START_PCT: Record<WorkStage, number> = {
  visual_dna: 10,
  script: 20,
  storyboard: 22,
  voice: 25,
  scenes: 30,
  assembly: 85,
  quality: 95,
};
export function progressAtStart(stage: WorkStage): number {
  return STAGE_START_PCT[stage];
}

/** Where the first round of scenes ends: the "Quality reduced" question is asked there. */
const FIRST_ROUND_END_PCT = 80;

/**
 * Where round `round` of the scenes ends. A "retry" renders scenes again after the bar showed every
 * scene done, and the bar never moves backwards: each retry round moves it half of what is left
 * before assembly.
 */
function roundEndPct(round: number): number {
  let end = FIRST_ROUND_END_PCT;
  for (let r = 0; r < round; r++) end += (STAGE_START_PCT.assembly - end) / 2;
  return end;
}

/**
 * Progress while the scenes of `round` render: round 0 goes 30% → 80% as its scenes finish, each
 * retry round from where the last one ended (the question's percentage) towards assembly. `done` and
 * `total` count the scenes of that round only.
 */
export function scenesProgress(round: number, done: number, total: number): number {
  const from = round === 0 ? STAGE_START_PCT.scenes : roundEndPct(round - 1);
  const share = total === 0 ? 1 : done / total;
  return Math.round(from + (roundEndPct(round) - from) * share);
}

export function degradationOf(methods: readonly string[]): DegradationRecord {
  const kenBurnsScenes = methods.filter((m) => m === "ken-burns").length;
  const totalScenes = methods.length;
  return {
    totalScenes,
    kenBurnsScenes,
    degradationPct: totalScenes === 0 ? 0 : Math.round((kenBurnsScenes / totalScenes) * 1000) / 10,
  };
}

export function needsDecision(quality: DegradationRecord, settings: PipelineSettings): boolean {
  return quality.degradationPct > settings.degradationThresholdPct;
}

/** The sweeper's schedule (index.ts): a lost delivery waits at most this long to be repaired. */
export const SWEEP_INTERVAL_MINUTES = 5;

/**
 * The longest a run can take with every wait, lease and attempt used up: the user's two kinds of
 * wait, each stage's attempts each held to its lease, the scenes stage once per round, a sweep
 * after each. A charged run still open after this is stuck (the audit reports it).
 */
export function longestRunMs(settings: PipelineSettings): number {
  const sweep = SWEEP_INTERVAL_MINUTES * 60;
  const rounds = settings.maxDecisionRetries + 1;
  const otherStages = WORK_STAGES.length - 1;
  const seconds =
    settings.confirmationTimeoutMinutes * 60 +
    sweep +
    (settings.maxScriptRegenerations + 1) * (settings.approvalTimeoutMinutes * 60 + sweep) +
    otherStages * settings.maxStageAttempts * (settings.stageLeaseSeconds + sweep) +
    rounds * settings.maxStageAttempts * (settings.scenesLeaseSeconds + sweep) +
    rounds * (settings.decisionTimeoutMinutes * 60 + sweep);
  return seconds * 1000;
}

export type SweepAction =
  | { kind: "none" }
  | { kind: "retry_stage"; stage: WorkStage }
  | { kind: "fail_stuck"; stage: Stage }
  | { kind: "finish_scenes"; round: number; otherwise: SweepAction }
  | { kind: "apply_confirmation" }
  | { kind: "apply_cancel" }
  | { kind: "expire_confirmation" }
  | { kind: "apply_decision" }
  | { kind: "decide_by_default"; decision: "accept" | "refund" }
  | { kind: "apply_storyboard_answer" }
  | { kind: "apply_storyboard_edit" }
  | { kind: "expire_storyboard" };

/**
 * A scenes stage whose lease ended is not stuck while its scenes still move: each poll of a
 * generation and each look for a quota slot writes the scene, so a scene waiting in our own queue
 * stays recent. Only a stage whose scenes all fell silent for the lease's length is retried or failed.
 */
export function scenesStillMoving(
  sceneUpdatesMs: readonly number[],
  nowMs: number,
  settings: PipelineSettings,
): boolean {
  return sceneUpdatesMs.some((updatedMs) => nowMs - updatedMs < settings.scenesLeaseSeconds * 1000);
}

/** When a wait for the user ends: `answerBy` as asked, or (runs asked before it existed) the configured wait. */
function answerDeadlineMs(run: RunDocument, timeoutMinutes: number): number {
  return run.answerBy?.toMillis() ?? (run.awaitingSince?.toMillis() ?? 0) + timeoutMinutes * 60_000;
}

/**
 * What the sweeper does with one open run at `nowMs`. Never leaves a charged run stuck, and
 * applies an answer the user wrote (its trigger may have been lost) before anything else:
 * a written answer is never expired or replaced by the default.
 */
export function sweepAction(run: RunDocument, nowMs: number, settings: PipelineSettings): SweepAction {
  if (run.status === "awaiting_confirmation") {
    if (run.confirmation?.proceed === true) return { kind: "apply_confirmation" };
    if (run.confirmation?.proceed === false) return { kind: "apply_cancel" };
    return nowMs > answerDeadlineMs(run, settings.confirmationTimeoutMinutes)
      ? { kind: "expire_confirmation" }
      : { kind: "none" };
  }
  if (run.status === "awaiting_approval") {
    // A written answer (or edit) is applied even after the deadline: the rules took it before it.
    if (run.storyboardAnswer) return { kind: "apply_storyboard_answer" };
    if (run.storyboardEdit) return { kind: "apply_storyboard_edit" };
    return nowMs > answerDeadlineMs(run, settings.approvalTimeoutMinutes)
      ? { kind: "expire_storyboard" }
      : { kind: "none" };
  }
  if (run.status === "awaiting_decision") {
    if (run.decision) return { kind: "apply_decision" };
    return nowMs > answerDeadlineMs(run, settings.decisionTimeoutMinutes)
      ? { kind: "decide_by_default", decision: settings.decisionDefault }
      : { kind: "none" };
  }
  const lastWriteMs = (run.updatedAt ?? run.createdAt)?.toMillis() ?? 0;
  const quietTooLong = nowMs - lastWriteMs > settings.stageLeaseSeconds * 1000;
  if (run.status === "queued" || run.status === "preflight") {
    // Nothing is charged before the preflight passes, so a stuck preflight just fails.
    return quietTooLong ? { kind: "fail_stuck", stage: "preflight" } : { kind: "none" };
  }
  if (run.status !== "running" || !isWorkStage(run.stage)) return { kind: "none" };
  if (run.stageState === "pending") {
    // A pending stage whose trigger delivery was lost: touching the run delivers it again.
    return quietTooLong ? { kind: "retry_stage", stage: run.stage } : { kind: "none" };
  }
  const leaseExpired = !run.lease || run.lease.expiresAt.toMillis() <= nowMs;
  const otherwise: SweepAction = !leaseExpired
    ? { kind: "none" }
    : (run.stageAttempt ?? 0) < settings.maxStageAttempts
      ? { kind: "retry_stage", stage: run.stage }
      : { kind: "fail_stuck", stage: run.stage };
  // Every scene may be done while the step that advances the stage was lost: finish first.
  return run.stage === "scenes" && run.stageState === "waiting"
    ? { kind: "finish_scenes", round: run.scenesRound ?? 0, otherwise }
    : otherwise;
}
