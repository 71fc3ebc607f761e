/**
 * The run lifecycle as pure functions of the run document: what to do next, what a
 * stuck run needs, and how far along a run is. All I/O lives in the handlers.
 */
import { WORK_STAGES, type Stage, type WorkStage } from "../contract/run";
import type { Decision, QualityRecord, RunDocument } from "../contract/runDocument";
import type { PipelineSettings } from "../pipelineSettings";

export type RunAction =
  | { kind: "none" }
  | { kind: "charge_after_confirmation" }
  | { kind: "cancel" }
  | { kind: "run_stage"; stage: WorkStage }
  | { kind: "apply_decision"; decision: Decision };

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
    default:
      return { kind: "none" };
  }
}

export function isWorkStage(stage: unknown): stage is WorkStage {
  return (WORK_STAGES as readonly unknown[]).includes(stage);
}

/** The stage after `stage`, or null after the last one. */
export function stageAfter(stage: WorkStage): WorkStage | null {
  const index = WORK_STAGES.indexOf(stage);
  return WORK_STAGES[index + 1] ?? null;
}

/** Progress shown to the user when a stage starts: stages are weighted by their usual duration. */
const STAGE_START_PCT: Record<WorkStage, number> = {
  visual_dna: 10,
  script: 20,
  scenes: 30,
  voice: 75,
  assembly: 85,
  quality: 95,
};
export function progressAtStart(stage: WorkStage): number {
  return STAGE_START_PCT[stage];
}

/** Progress while scenes render: 30% → 75% as scenes finish. */
export function scenesProgress(done: number, total: number): number {
  return Math.round(STAGE_START_PCT.scenes + ((STAGE_START_PCT.voice - STAGE_START_PCT.scenes) * done) / total);
}

export function qualityOf(methods: readonly string[]): QualityRecord {
  const kenBurnsScenes = methods.filter((m) => m === "ken-burns").length;
  const totalScenes = methods.length;
  return {
    totalScenes,
    kenBurnsScenes,
    degradationPct: totalScenes === 0 ? 0 : Math.round((kenBurnsScenes / totalScenes) * 1000) / 10,
  };
}

export function needsDecision(quality: QualityRecord, settings: PipelineSettings): boolean {
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
  | { kind: "decide_by_default"; decision: "accept" | "refund" };

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
