/**
 * The one transition table of a run: every change of `status`, `stage` or `stageState`
 * (and every write that depends on them: the user's answers being applied, the refund mark)
 * is a Transition built here and applied here. No other file writes those fields.
 *
 * The API, in full:
 *   - `transitions.<name>(…)`: pure builders. Each returns a Transition: `from` (the state the
 *     run must still be in, checked against the run read in the transaction), `to` (the status
 *     afterwards) and `update` (the typed fields written).
 *   - `applyTransition(tx, ref, run, transition)`: inside a transaction that has already read
 *     `run` (do every read first: Firestore transactions read before they write). Writes and
 *     returns `{kind: "applied"}`, or writes nothing and returns `{kind: "moved_on"}` when the
 *     run is no longer where the caller thought it was (a duplicate delivery, a sweep, a late
 *     answer). Callers treat "moved_on" as "someone else handled it" and stop.
 *   - `transitionRun(db, runId, build)`: reads the run in its own transaction, builds the
 *     transition from it and applies it; for callers with nothing else to write.
 *
 * A new work stage is added to WORK_STAGES (contract/run.ts): `finishStage` hands the run to the
 * stage after the current one and marks the run `succeeded` after the last.
 *
 * The progress bar never moves backwards: `applyTransition` never lowers the percentage a run shows
 * (a run from an older stage order, a retry round), it keeps the shown one with the new message.
 */
import { Timestamp, type DocumentReference, type Firestore, type Transaction } from "firebase-admin/firestore";
import { paths } from "../contract/paths";
import type { PreflightReport, RunStatus, Script, Stage, WorkStage } from "../contract/run";
import type { Decision, DegradationRecord, RunDocument, StageState } from "../contract/runDocument";
import type { StoryboardVersion } from "../contract/storyboard";
import { STAGE_LABELS, userMessages } from "../messages";
import type { FailureRecord } from "../contract/failure";
import type { Cohort } from "../contract/cohorts";
import { awaitsApproval, progressAtStart, stageAfterFor, stageAfterScenes } from "./stateMachine";

/** The fields a transition writes: typed run fields (null deletes the value) and dotted paths into maps. */
export type RunUpdate = { [K in keyof RunDocument]?: RunDocument[K] | null } & {
  [dottedPath: `${string}.${string}`]: unknown;
};

/** Where the run must still be: every given field must match the run read in the transaction. */
export interface Expected {
  status: readonly RunStatus[];
  stage?: Stage;
  stageState?: readonly (StageState | null)[];
  leaseOwner?: string;
  scenesRound?: number;
  /** Anything else the transition depends on (an answer present, a charge taken). */
  holds?: (run: RunDocument) => boolean;
}

export interface Transition {
  name: string;
  from: Expected;
  to: RunStatus;
  update: RunUpdate;
}

export type TransitionResult =
  | { kind: "applied"; name: string; to: RunStatus; run: RunDocument }
  | { kind: "moved_on"; name: string; found: Pick<RunDocument, "status" | "stage" | "stageState"> | null };

/** The statuses a run can still leave. A failed or succeeded run never changes status again. */
export const OPEN_STATUSES = [
  "queued",
  "preflight",
  "awaiting_confirmation",
  "running",
  "awaiting_approval",
  "awaiting_decision",
] as const satisfies readonly RunStatus[];

export function isExpected(run: RunDocument | undefined, from: Expected): boolean {
  if (!run || !from.status.includes(run.status)) return false;
  if (from.stage !== undefined && run.stage !== from.stage) return false;
  if (from.stageState !== undefined && !from.stageState.includes(run.stageState ?? null)) return false;
  if (from.leaseOwner !== undefined && run.lease?.owner !== from.leaseOwner) return false;
  if (from.scenesRound !== undefined && (run.scenesRound ?? 0) !== from.scenesRound) return false;
  return from.holds?.(run) ?? true;
}

export function applyTransition(
  tx: Transaction,
  ref: DocumentReference,
  run: RunDocument | undefined,
  transition: Transition,
): TransitionResult {
  if (!run || !isExpected(run, transition.from)) {
    return {
      kind: "moved_on",
      name: transition.name,
      found: run ? { status: run.status, stage: run.stage, stageState: run.stageState } : null,
    };
  }
  const update = { ...forwardProgress(run, transition.update), status: transition.to, updatedAt: Timestamp.now() };
  tx.update(ref, update);
  return { kind: "applied", name: transition.name, to: transition.to, run: { ...run, ...update } as RunDocument };
}

export async function transitionRun(
  db: Firestore,
  runId: string,
  build: (run: RunDocument) => Transition,
): Promise<TransitionResult> {
  const ref = db.doc(paths.run(runId));
  return db.runTransaction(async (tx) => {
    const run = (await tx.get(ref)).data() as RunDocument | undefined;
    if (!run) return { kind: "moved_on", name: "missing", found: null };
    return applyTransition(tx, ref, run, build(run));
  });
}

/** The update with its progress kept at or above the percentage the run shows already. */
export function forwardProgress(run: RunDocument, update: RunUpdate): RunUpdate {
  const next = update.progress;
  const shown = run.progress?.pct;
  if (!next || shown === undefined || next.pct >= shown) return update;
  return { ...update, progress: { ...next, pct: shown } };
}

const untilMs = (nowMs: number, seconds: number) => Timestamp.fromMillis(nowMs + seconds * 1000);

/** The end of a wait for the user that starts at `now`. */
export const minutesAfter = (now: Timestamp, minutes: number) => untilMs(now.toMillis(), minutes * 60);

/** A failure as the run records it. */
export interface FailureInput {
  stage: Stage;
  reason: string;
  userMessage: string;
}

const charged = (run: RunDocument) => (run.credits?.charged ?? 0) > 0;

function stageStart(next: WorkStage): RunUpdate {
  return {
    stage: next,
    stageState: "pending",
    stageAttempt: 0,
    lease: null,
    progress: { pct: progressAtStart(next), message: STAGE_LABELS[next] },
  };
}

const RUNNING_STAGE = (stage: Stage, owner: string): Expected => ({
  status: ["running"],
  stage,
  stageState: ["claimed"],
  leaseOwner: owner,
});

export const transitions = {
  /** queued → preflight: the request is being checked. */
  startPreflight: (cohort: Cohort): Transition => ({
    name: "start_preflight",
    from: { status: ["queued"] },
    to: "preflight",
    update: {
      stage: "preflight",
      cohort,
      credits: { charged: 0, refunded: 0 },
      progress: { pct: 2, message: STAGE_LABELS.preflight },
    },
  }),

  /** preflight → awaiting_confirmation: the image raised a warning; nothing is charged. */
  awaitConfirmation: (report: PreflightReport, now: Timestamp, answerBy: Timestamp): Transition => ({
    name: "await_confirmation",
    from: { status: ["preflight"] },
    to: "awaiting_confirmation",
    update: {
      preflight: report,
      awaitingSince: now,
      answerBy,
      progress: { pct: 3, message: userMessages.awaitingConfirmation },
    },
  }),

  /**
   * The charge: preflight passed (preflight → running) or the user confirmed
   * (awaiting_confirmation with `confirmation.proceed` → running). The ledger movement is
   * written by the caller in the same transaction.
   */
  charge: (price: number, preflight?: PreflightReport): Transition => ({
    name: "charge",
    from: { status: ["preflight", "awaiting_confirmation"], holds: chargeable },
    to: "running",
    update: {
      ...stageStart("visual_dna"),
      ...(preflight && { preflight }),
      credits: { charged: price, refunded: 0 },
      progress: { pct: 5, message: `Charged ${price} credits` },
    },
  }),

  /** running stage pending → claimed by `owner` until its lease ends. */
  claimStage: (run: RunDocument, stage: WorkStage, owner: string, leaseSeconds: number, nowMs: number) =>
    ({
      name: "claim_stage",
      from: { status: ["running"], stage, stageState: ["pending"] },
      to: "running",
      update: {
        stageState: "claimed",
        lease: { owner, expiresAt: untilMs(nowMs, leaseSeconds) },
        stageAttempt: (run.stageAttempt ?? 0) + 1,
      },
    }) satisfies Transition,

  /** The owner's stage is done: hand the run to the next stage, or succeed after the last. */
  finishStage: (run: RunDocument, stage: WorkStage, owner: string, result: RunUpdate): Transition => {
    if (stage === "storyboard") {
      // The storyboard is made: the run waits, uncharged, for its owner (result: the version and answerBy).
      return {
        name: "await_approval",
        from: { ...RUNNING_STAGE(stage, owner), holds: awaitsApproval },
        to: "awaiting_approval",
        update: {
          ...result,
          stageState: null,
          lease: null,
          storyboardAnswer: null,
          storyboardEdit: null,
          progress: { pct: progressAtStart("voice"), message: userMessages.awaitingApproval },
        },
      };
    }
    const next = stageAfterFor(run, stage);
    return {
      name: next ? "finish_stage" : "succeed",
      from: RUNNING_STAGE(stage, owner),
      to: next ? "running" : "succeeded",
      update: next
        ? { ...result, ...stageStart(next) }
        : { ...result, stageState: null, lease: null, progress: { pct: 100, message: userMessages.videoReady } },
    };
  },

  /** The owner dispatched the scene tasks: the stage waits for them (a longer lease). */
  waitForScenes: (owner: string, leaseSeconds: number, nowMs: number, result: RunUpdate): Transition => ({
    name: "wait_for_scenes",
    from: RUNNING_STAGE("scenes", owner),
    to: "running",
    update: { ...result, stageState: "waiting", lease: { owner, expiresAt: untilMs(nowMs, leaseSeconds) } },
  }),

  /** The owner hit an error that may pass: hand the stage back for another attempt. */
  releaseStage: (stage: WorkStage, owner: string, lastError: string): Transition => ({
    name: "release_stage",
    from: RUNNING_STAGE(stage, owner),
    to: "running",
    update: { stageState: "pending", lease: null, lastError },
  }),

  /** The sweeper takes back a stage whose lease ended (or whose delivery was lost). */
  retryStage: (stage: WorkStage, stillStuck: (run: RunDocument) => boolean): Transition => ({
    name: "retry_stage",
    from: { status: ["running"], stage, holds: stillStuck },
    to: "running",
    update: { stageState: "pending", lease: null },
  }),

  /** The stage's lease ended while its scenes still move (polled, or waiting for a quota slot): wait on. */
  extendScenesWait: (run: RunDocument, leaseSeconds: number, nowMs: number): Transition => ({
    name: "extend_scenes_wait",
    from: { status: ["running"], stage: "scenes", stageState: ["waiting"], scenesRound: run.scenesRound ?? 0 },
    to: "running",
    update: { lease: { owner: run.lease?.owner ?? "scenes", expiresAt: untilMs(nowMs, leaseSeconds) } },
  }),

  /** Scene progress while the stage waits for its tasks (no change of state). */
  scenesProgress: (round: number, progress: { pct: number; message: string }): Transition => ({
    name: "scenes_progress",
    from: { status: ["running"], stage: "scenes", stageState: ["waiting"], scenesRound: round },
    to: "running",
    update: { progress },
  }),

  /** Every scene of `round` is done and good enough: on to assembly (its voice is ready). */
  scenesDone: (run: RunDocument, round: number, quality: DegradationRecord): Transition => ({
    name: "scenes_done",
    from: { status: ["running"], stage: "scenes", stageState: ["waiting"], scenesRound: round },
    to: "running",
    update: { quality, ...stageStart(stageAfterScenes(run)) },
  }),

  /** Every scene of `round` is done but too many are static: the user decides. */
  askDecision: (
    round: number,
    fields: {
      quality: DegradationRecord;
      staticScenes: { scene: number; reason: string }[];
      retriesLeft: number;
      progress: { pct: number; message: string };
      now: Timestamp;
      answerBy: Timestamp;
    },
  ): Transition => ({
    name: "ask_decision",
    from: { status: ["running"], stage: "scenes", stageState: ["waiting"], scenesRound: round },
    to: "awaiting_decision",
    update: {
      stageState: null,
      lease: null,
      quality: fields.quality,
      staticScenes: fields.staticScenes,
      decisionRetriesLeft: fields.retriesLeft,
      awaitingSince: fields.now,
      answerBy: fields.answerBy,
      progress: fields.progress,
    },
  }),

  /** The user's answer "accept" (or the default): on to assembly (its voice is ready). */
  acceptDecision: (run: RunDocument, now: Timestamp): Transition => ({
    name: "accept_decision",
    from: answered("accept"),
    to: "running",
    update: { ...stageStart(stageAfterScenes(run)), ...logDecision(run, "accept", now) },
  }),

  /**
   * The user's answer "retry": the static scenes go back to pending in a new round (the caller
   * resets them in the same transaction) and the scenes stage runs again, dispatching exactly
   * the scenes that are not done. No extra charge; the voice, recorded before the scenes, stays.
   */
  retryScenes: (
    run: RunDocument,
    round: number,
    fields: { now: Timestamp; progress: { pct: number; message: string } },
  ): Transition => ({
    name: "retry_scenes",
    from: answered("retry", (r) => (r.decisionRetriesLeft ?? 0) > 0),
    to: "running",
    update: {
      stage: "scenes",
      stageState: "pending",
      stageAttempt: 0,
      lease: null,
      scenesRound: round,
      decisionRetriesLeft: (run.decisionRetriesLeft ?? 0) - 1,
      progress: fields.progress,
      ...logDecision(run, "retry", fields.now),
    },
  }),

  /** "retry" with no retries left: the answer is logged and the question stays open. */
  noRetriesLeft: (run: RunDocument, now: Timestamp): Transition => ({
    name: "no_retries_left",
    from: answered("retry", (r) => (r.decisionRetriesLeft ?? 0) <= 0),
    to: "awaiting_decision",
    update: {
      ...logDecision(run, "retry", now),
      progress: { pct: run.progress?.pct ?? 75, message: userMessages.noRetriesLeft },
    },
  }),

  /** The wait for the user's decision ended: write the default, only if the user wrote nothing. */
  decideByDefault: (run: RunDocument, decision: "accept" | "refund", stillDue: (r: RunDocument) => boolean) =>
    ({
      name: "decide_by_default",
      from: { status: ["awaiting_decision"], holds: (r) => !r.decision && stillDue(r) },
      to: "awaiting_decision",
      update: {
        decision,
        progress: { pct: run.progress?.pct ?? 75, message: userMessages.decisionTimedOut(decision) },
      },
    }) satisfies Transition,

  /**
   * Any open run → failed, once. The user message promises a refund only when credits were
   * taken ("will be refunded": the refund itself follows from the failed run).
   */
  fail: (
    run: RunDocument,
    failure: FailureInput & { attempts?: unknown[]; record?: FailureRecord },
    from?: Partial<Expected>,
  ): Transition => {
    const userMessage = userMessages.forFailedRun(failure.userMessage, charged(run));
    return {
      name: "fail",
      from: { status: OPEN_STATUSES, ...from },
      to: "failed",
      update: {
        ...failure.record,
        stage: failure.stage,
        stageState: null,
        lease: null,
        failure: {
          stage: failure.stage,
          reason: failure.reason,
          userMessage,
          refunded: false,
          refundDue: charged(run),
          noticeDue: !charged(run),
        },
        progress: { pct: 100, message: userMessage },
        credits: run.credits ?? { charged: 0, refunded: 0 },
        ...(failure.attempts?.length && {
          [`stages.${failure.stage}`]: { model: null, tier: null, attempts: failure.attempts, durationMs: 0 },
        }),
      },
    };
  },

  /** The user's answer "refund" after the quality check: failed, and so refunded. */
  refuseQuality: (run: RunDocument, now: Timestamp): Transition => {
    const failed = transitions.fail(run, {
      stage: "scenes",
      reason: "user_refused_quality",
      userMessage: userMessages.refusedByUser,
    });
    return {
      ...failed,
      name: "refuse_quality",
      from: answered("refund"),
      update: { ...failed.update, ...logDecision(run, "refund", now) },
    };
  },

  /** The user cancelled at the face warning: failed, uncharged, reason "cancelled". */
  cancel: (run: RunDocument): Transition => ({
    ...transitions.fail(run, { stage: "preflight", reason: "cancelled", userMessage: userMessages.cancelled }),
    name: "cancel",
    from: { status: ["awaiting_confirmation"], holds: (r) => r.confirmation?.proceed === false && !charged(r) },
  }),

  /**
   * The image passed (preflight → running) or the owner confirmed it (awaiting_confirmation → running)
   * and the settings ask for a storyboard first: the work up to the storyboard starts uncharged.
   */
  startUncharged: (preflight?: PreflightReport): Transition => ({
    name: "start_uncharged",
    // Startable exactly when chargeable: the work before the storyboard stands in for the charge.
    from: { holds: chargeable, status: ["preflight", "awaiting_confirmation"] },
    to: "running",
    update: {
      ...stageStart("visual_dna"),
      ...(preflight && { preflight }),
      credits: { charged: 0, refunded: 0 },
    },
  }),

  /**
   * The owner approved the latest storyboard: the charge (the caller's ledger movement, same transaction)
   * and the start of the voice. The answer stays on the run as the record of what was approved.
   */
  approveStoryboard: (price: number): Transition => ({
    name: "approve_storyboard",
    from: { status: ["awaiting_approval"], holds: (r) => approvesLatest(r) && !charged(r) },
    to: "running",
    update: {
      ...stageStart("voice"),
      credits: { charged: price, refunded: 0 },
      storyboardEdit: null,
    },
  }),

  /** The owner approved without the credits for it: nothing taken, the storyboard stays open, they are told. */
  approvalShortOfCredits: (run: RunDocument, message: string): Transition => ({
    name: "approval_short_of_credits",
    from: { status: ["awaiting_approval"], holds: (r) => approvesLatest(r) && !charged(r) },
    to: "awaiting_approval",
    update: { storyboardAnswer: null, progress: { pct: run.progress?.pct ?? 0, message } },
  }),

  /** An answer to a version that is no longer the latest (or malformed): dropped, the storyboard stays open. */
  dropStaleAnswer: (): Transition => ({
    name: "drop_stale_answer",
    from: {
      status: ["awaiting_approval"],
      holds: (r) => r.storyboardAnswer?.approve === true && !approvesLatest(r),
    },
    to: "awaiting_approval",
    update: { storyboardAnswer: null },
  }),

  /** The owner cancelled at the storyboard: failed, uncharged. */
  cancelStoryboard: (run: RunDocument): Transition => ({
    ...transitions.fail(run, {
      stage: "storyboard",
      reason: "storyboard_cancelled",
      userMessage: userMessages.storyboardCancelled,
    }),
    name: "cancel_storyboard",
    // A cancel ends the run whichever version it was written on.
    from: { status: ["awaiting_approval"], holds: (r) => r.storyboardAnswer?.approve === false && !charged(r) },
  }),

  /** The storyboard waited past its deadline without an answer: failed, uncharged. */
  expireStoryboard: (run: RunDocument, stillDue: (r: RunDocument) => boolean): Transition => ({
    ...transitions.fail(run, {
      stage: "storyboard",
      reason: "storyboard_expired",
      userMessage: userMessages.storyboardExpired,
    }),
    name: "expire_storyboard",
    from: { status: ["awaiting_approval"], holds: (r) => !r.storyboardAnswer && !charged(r) && stillDue(r) },
  }),

  /** An accepted edit: the new version replaces the latest, which goes to the history; the script follows it. */
  reviseStoryboard: (run: RunDocument, next: StoryboardVersion, script: Script): Transition => ({
    name: "revise_storyboard",
    from: { status: ["awaiting_approval"], holds: (r) => editsLatest(r) && !r.storyboardAnswer && !charged(r) },
    to: "awaiting_approval",
    update: {
      storyboard: next,
      storyboardHistory: [...(run.storyboardHistory ?? []), ...(run.storyboard ? [run.storyboard] : [])],
      script,
      storyboardEdit: null,
      storyboardEditRefused: null,
    },
  }),

  /** A refused edit (or one aimed at an older version): nothing changes but the reasons recorded. */
  refuseStoryboardEdit: (
    reasons: { field: string; reason: string }[],
    version: number,
    now: Timestamp,
  ): Transition => ({
    name: "refuse_storyboard_edit",
    from: { status: ["awaiting_approval"], holds: (r) => r.storyboardEdit != null && !r.storyboardAnswer },
    to: "awaiting_approval",
    update: { storyboardEdit: null, storyboardEditRefused: { version, reasons, at: now } },
  }),

  /** The owner asked for a new script: the script and storyboard stages run again, still uncharged. */
  regenerateScript: (): Transition => ({
    name: "regenerate_script",
    from: {
      status: ["awaiting_approval"],
      holds: (r) => editsLatest(r) && r.storyboardEdit?.newScript === true && !r.storyboardAnswer && !charged(r),
    },
    to: "running",
    update: { ...stageStart("script"), storyboardEdit: null, storyboardEditRefused: null },
  }),

  /** Not enough credits for the charge: failed, nothing taken. */
  refuseCharge: (run: RunDocument, message: string): Transition => ({
    ...transitions.fail(run, { stage: "charge", reason: "insufficient_credits", userMessage: message }),
    name: "refuse_charge",
    from: { status: ["preflight", "awaiting_confirmation"], holds: chargeable },
  }),

  /**
   * Records that the user of a failed, uncharged run was told (the notification is the caller's,
   * same transaction). Runs failed before `noticeDue` existed have no flag and are told once too.
   */
  recordFailureNotice: (): Transition => ({
    name: "record_failure_notice",
    from: { status: ["failed"], holds: (r) => !charged(r) && r.failure?.noticeDue !== false },
    to: "failed",
    update: { "failure.noticeDue": false },
  }),

  /** Records the refund of a failed, charged run (the ledger writes are the caller's, same transaction). */
  recordRefund: (run: RunDocument, amount: number): Transition => {
    const userMessage = userMessages.afterRefund(run.failure?.userMessage ?? "", amount);
    return {
      name: "record_refund",
      from: { status: ["failed"], holds: (r) => charged(r) && r.failure?.refunded !== true },
      to: "failed",
      update: {
        "credits.refunded": amount,
        "failure.refunded": true,
        "failure.refundDue": false,
        "failure.userMessage": userMessage,
        progress: { pct: 100, message: userMessage },
      },
    };
  },
};

/** A run may be charged after a passed preflight, or after the user said "proceed"; never twice. */
function chargeable(run: RunDocument): boolean {
  if (charged(run)) return false;
  return run.status === "preflight" || run.confirmation?.proceed === true;
}

const latestVersion = (run: RunDocument) => run.storyboard?.version;

/** The owner's answer approves the run's latest storyboard (the only one that can be approved). */
export function approvesLatest(run: RunDocument): boolean {
  return run.storyboardAnswer?.approve === true && run.storyboardAnswer.version === latestVersion(run);
}

function editsLatest(run: RunDocument): boolean {
  return run.storyboardEdit != null && run.storyboardEdit.version === latestVersion(run);
}

function answered(decision: Decision, holds: (run: RunDocument) => boolean = () => true): Expected {
  return { status: ["awaiting_decision"], holds: (run) => run.decision === decision && holds(run) };
}

/** Applying an answer clears it and keeps it in the run's log. */
function logDecision(run: RunDocument, decision: Decision, now: Timestamp): RunUpdate {
  return { decision: null, decisionLog: [...(run.decisionLog ?? []), { decision, at: now }] };
}
