/**
 * The sweeper (a scheduled function): recovery as a loop, not a single delivery. Triggers are
 * delivered at least once *or lost* with a dying instance, so each pass repairs what a lost
 * delivery left behind:
 *   - a failed, charged run without its refund → refund it;
 *   - a failed, uncharged run whose user was not told → write the "not created" notification;
 *   - a scenes stage whose scenes are all done but which did not advance → finish it;
 *   - an answer the user wrote (confirm, cancel, decision, a storyboard's approval, cancel or edit)
 *     that was not applied → apply it;
 *   - a claimed stage past its lease → retry it, or fail (and so refund) it after its attempts;
 *   - a wait for the user past its deadline → expire it (a storyboard ends uncharged), or write the default decision
 *     (only when the user wrote none).
 * Every action goes through the transition table, re-checked in its own transaction.
 * Each pass reads at most `maxRuns` runs, in pages, resuming where the last pass stopped.
 */
import {
  FieldPath,
  type Firestore,
  type Query,
  type QueryDocumentSnapshot,
  type Timestamp,
} from "firebase-admin/firestore";
import { paths } from "../contract/paths";
import { logger } from "firebase-functions";
import type { RunDocument } from "../contract/runDocument";
import { applyStoryboardAnswer, refundRun } from "../ledger/credits";
import { userMessages } from "../messages";
import { applyCancel, applyDecision } from "../pipeline/decisions";
import { finishScenesIfComplete } from "../pipeline/sceneTask";
import { applyStoryboardEdit, startAfterPreflight } from "../pipeline/storyboard";
import { loadPipelineSettings, type PipelineSettings } from "../pipelineSettings";
import { scenesStillMoving, sweepAction, type SweepAction } from "../lifecycle/stateMachine";
import { OPEN_STATUSES, transitionRun, transitions } from "../lifecycle/transitions";

/** Where the last pass over open runs stopped: functions-only, like config/. */
export const SWEEPER_CURSOR_PATH = "operations/sweeper";

export interface SweepLimits {
  pageSize: number;
  /** Runs read per pass (open and unrefunded together); the next pass carries on. */
  maxRuns: number;
}
export const DEFAULT_SWEEP_LIMITS: SweepLimits = { pageSize: 200, maxRuns: 2000 };

export type SweepActionKind =
  Exclude<SweepAction, { kind: "none" }>["kind"] | "refund" | "notify_failed" | "extend_scenes_wait";

export interface SweepReport {
  examined: number;
  actions: { runId: string; action: SweepActionKind }[];
  /** True when the pass stopped at `maxRuns` with open runs left for the next pass. */
  more: boolean;
  /** Runs whose repair threw: logged, left for the next pass, never a stop for the runs after them. */
  failed: { runId: string; error: string }[];
}

export async function sweepStuckRuns(
  db: Firestore,
  nowMs: number = Date.now(),
  limits: SweepLimits = DEFAULT_SWEEP_LIMITS,
): Promise<SweepReport> {
  const settings = await loadPipelineSettings(db);
  const report: SweepReport = { examined: 0, actions: [], more: false, failed: [] };
  const budget = { left: limits.maxRuns };
  // One run the sweeper cannot repair (a malformed document, a database error) must not stop the pass,
  // or every later run would wait behind it pass after pass.
  const eachRun = (repair: (doc: QueryDocumentSnapshot) => Promise<void>) => async (doc: QueryDocumentSnapshot) => {
    report.examined++;
    try {
      await repair(doc);
    } catch (error) {
      report.failed.push({ runId: doc.id, error: String(error) });
      logger.error("sweeper could not repair a run; the next pass tries again", {
        runId: doc.id,
        error: String(error),
      });
    }
  };

  // Failed runs first: money owed to users is the most important repair, then telling them.
  const settle = eachRun(async (doc) => {
    const outcome = await refundRun(db, doc.id);
    if (outcome === "refunded") report.actions.push({ runId: doc.id, action: "refund" });
    if (outcome === "told_uncharged") report.actions.push({ runId: doc.id, action: "notify_failed" });
  });
  for (const due of ["failure.refundDue", "failure.noticeDue"]) {
    await forEachPage(db.collection("runs").where(due, "==", true), limits.pageSize, budget, settle);
  }

  const cursorRef = db.doc(SWEEPER_CURSOR_PATH);
  const cursor = ((await cursorRef.get()).get("openAfter") as string | undefined) ?? null;
  const open = db.collection("runs").where("status", "in", [...OPEN_STATUSES]);
  const last = await forEachPage(
    open,
    limits.pageSize,
    budget,
    eachRun(async (doc) => {
      const action = await sweepOne(db, doc.id, doc.data() as RunDocument, nowMs, settings);
      if (action) report.actions.push({ runId: doc.id, action });
    }),
    cursor,
  );
  report.more = last !== null;
  await cursorRef.set({ openAfter: last });
  if (report.actions.length > 0 || report.failed.length > 0) logger.info("sweeper acted", report);
  return report;
}

/**
 * Calls `each` for the query's documents in id order, a page at a time, until the budget is
 * spent. Returns the id to resume after, or null when the query was read to its end.
 */
async function forEachPage(
  query: Query,
  pageSize: number,
  budget: { left: number },
  each: (doc: QueryDocumentSnapshot) => Promise<void>,
  after: string | null = null,
): Promise<string | null> {
  let cursor = after;
  while (budget.left > 0) {
    const limit = Math.min(pageSize, budget.left);
    let page = query.orderBy(FieldPath.documentId()).limit(limit);
    if (cursor) page = page.startAfter(cursor);
    const snap = await page.get();
    for (const doc of snap.docs) await each(doc);
    budget.left -= snap.size;
    if (snap.size < limit) return null;
    cursor = snap.docs[snap.size - 1].id;
  }
  return cursor;
}

async function sweepOne(
  db: Firestore,
  runId: string,
  run: RunDocument,
  nowMs: number,
  settings: PipelineSettings,
): Promise<SweepActionKind | null> {
  let action = sweepAction(run, nowMs, settings);
  if (action.kind === "finish_scenes") {
    await finishScenesIfComplete(db, runId, action.round);
    const after = (await db.doc(paths.run(runId)).get()).data() as RunDocument | undefined;
    if (after && (after.stage !== "scenes" || after.status !== "running")) return "finish_scenes";
    action = action.otherwise;
  }
  if (action.kind === "none" || action.kind === "finish_scenes") return null;
  const scenesWaiting = run.status === "running" && run.stage === "scenes" && run.stageState === "waiting";
  if (scenesWaiting && (await extendMovingScenes(db, runId, nowMs, settings))) return "extend_scenes_wait";
  return (await applySweep(db, runId, action, nowMs, settings)) ? action.kind : null;
}

/** Extends the wait of a scenes stage whose scenes still move; false when they fell silent. */
async function extendMovingScenes(db: Firestore, runId: string, nowMs: number, settings: PipelineSettings) {
  const scenes = await db.collection(paths.scenes(runId)).get();
  const updates = scenes.docs
    .filter((scene) => scene.get("status") !== "done")
    .map((scene) => (scene.get("updatedAt") as Timestamp | undefined)?.toMillis() ?? 0);
  if (!scenesStillMoving(updates, nowMs, settings)) return false;
  const result = await transitionRun(db, runId, (run) =>
    transitions.extendScenesWait(run, settings.scenesLeaseSeconds, nowMs),
  );
  return result.kind === "applied";
}

async function applySweep(
  db: Firestore,
  runId: string,
  action: Exclude<SweepAction, { kind: "none" | "finish_scenes" }>,
  nowMs: number,
  settings: PipelineSettings,
): Promise<boolean> {
  // Re-checked in the transaction: the run may have moved since it was read.
  const stillApplies = (run: RunDocument) => {
    const now = sweepAction(run, nowMs, settings);
    return (now.kind === "finish_scenes" ? now.otherwise : now).kind === action.kind;
  };
  switch (action.kind) {
    case "apply_confirmation":
      return (await startAfterPreflight(db, runId, settings)) !== "not_chargeable";
    case "apply_storyboard_answer":
      return (await applyStoryboardAnswer(db, runId)) !== "not_open";
    case "apply_storyboard_edit":
      return (await applyStoryboardEdit(db, runId, settings)) !== "not_open";
    case "expire_storyboard":
      return applied(transitionRun(db, runId, (run) => transitions.expireStoryboard(run, stillApplies)));
    case "apply_cancel":
      return (await applyCancel(db, runId)).kind === "applied";
    case "apply_decision":
      return (await applyDecision(db, runId))?.kind === "applied";
    case "decide_by_default": {
      const decided = await transitionRun(db, runId, (run) =>
        transitions.decideByDefault(run, action.decision, stillApplies),
      );
      // Applied at once: the trigger of the write may be lost too.
      if (decided.kind === "applied") await applyDecision(db, runId);
      return decided.kind === "applied";
    }
    case "expire_confirmation":
      return applied(
        transitionRun(db, runId, (run) =>
          transitions.fail(
            run,
            { stage: "preflight", reason: "confirmation_expired", userMessage: userMessages.confirmationExpired },
            { status: ["awaiting_confirmation"], holds: stillApplies },
          ),
        ),
      );
    case "fail_stuck":
      return applied(
        transitionRun(db, runId, (run) =>
          transitions.fail(
            run,
            { stage: action.stage, reason: "stuck: lease expired", userMessage: userMessages.stageStuck(action.stage) },
            { holds: stillApplies },
          ),
        ),
      );
    case "retry_stage":
      return applied(transitionRun(db, runId, () => transitions.retryStage(action.stage, stillApplies)));
  }
}

async function applied(result: Promise<{ kind: string }>): Promise<boolean> {
  return (await result).kind === "applied";
}
