/**
 * Reacts to every update of a run: runs the pending stage, charges after a confirmation,
 * applies a quality decision. Each path claims its work first, so repeats are no-ops.
 */
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import type { WorkStage } from "../contract/run";
import type { RunDocument } from "../contract/runDocument";
import { applyStoryboardAnswer, refundRun } from "../ledger/credits";
import { writeNotification } from "../ledger/notifications";
import { claimStage, failRun, newLeaseOwner, type Claim } from "../lifecycle/runStore";
import { transitionRun, transitions } from "../lifecycle/transitions";
import { nextAction } from "../lifecycle/stateMachine";
import { logMessages, notificationTexts, userMessages } from "../messages";
import { loadPipelineSettings, type PipelineSettings } from "../pipelineSettings";
import { applyCancel, applyDecision } from "./decisions";
import { finishScenesIfComplete } from "./sceneTask";
import type { PipelineDeps } from "./deps";
import { PipelineFailure, isPipelineFailure } from "../contract/failure";
import { faultsOf } from "./runContext";
import { STAGE_WORK } from "./stages";
import { applyStoryboardEdit, startAfterPreflight } from "./storyboard";

/** Thrown by the `charge=crash_after` fault: the instance "dies" holding the lease. */
export class SimulatedCrash extends Error {}

export async function handleRunUpdated(runId: string, after: RunDocument, deliveryId: string, deps: PipelineDeps) {
  const action = nextAction(after);
  switch (action.kind) {
    case "none":
      return;
    case "charge_after_confirmation": {
      const settings = await loadPipelineSettings(deps.db);
      const outcome = await startAfterPreflight(deps.db, runId, settings);
      logger.info("start after confirmation", { runId, outcome });
      return;
    }
    case "apply_storyboard_answer": {
      const outcome = await applyStoryboardAnswer(deps.db, runId);
      logger.info("storyboard answer", { runId, outcome });
      return;
    }
    case "apply_storyboard_edit":
      await applyStoryboardEdit(deps.db, runId, await loadPipelineSettings(deps.db));
      return;
    case "cancel": {
      const outcome = await applyCancel(deps.db, runId);
      logger.info("cancel", { runId, outcome: outcome.kind });
      return;
    }
    case "run_stage":
      return runStage(runId, action.stage, deliveryId, deps);
    case "apply_decision":
      await applyDecision(deps.db, runId);
      return;
  }
}

async function runStage(runId: string, stage: WorkStage, deliveryId: string, deps: PipelineDeps) {
  const settings = await loadPipelineSettings(deps.db);
  const claim = await claimStage(deps.db, runId, stage, newLeaseOwner(deliveryId), settings.stageLeaseSeconds);
  if (!claim) {
    logger.info(logMessages.duplicateDelivery, { runId, stage, deliveryId });
    return;
  }
  try {
    injectCrash(claim);
    const outcome = await STAGE_WORK[stage]({ claim, deps, settings });
    const done = await transitionRun(deps.db, runId, (run) =>
      outcome.waitForScenes
        ? transitions.waitForScenes(claim.owner, settings.scenesLeaseSeconds, Date.now(), outcome.result)
        : transitions.finishStage(run, stage, claim.owner, outcome.result),
    );
    if (done.kind !== "applied") {
      logger.warn(logMessages.leaseLost, { runId, stage });
      return;
    }
    if (outcome.waitForScenes) {
      const round = claim.run.scenesRound ?? 0;
      await deps.scenes.dispatch(
        outcome.waitForScenes.map(({ sceneNumber, step }) => ({ runId, sceneNumber, round, step })),
      );
      // A stage claimed again after every scene was done has nothing to dispatch: finish it here.
      if (outcome.waitForScenes.length === 0) await finishScenesIfComplete(deps.db, runId, round);
    }
    if (done.to === "succeeded") await notifySucceeded(runId, done.run, deps);
    if (done.to === "awaiting_approval") await notifyStoryboard(runId, done.run, deps);
  } catch (error) {
    if (error instanceof SimulatedCrash) throw error;
    await handleStageError(claim, error, settings, deps);
  }
}

async function notifySucceeded(runId: string, run: RunDocument, deps: PipelineDeps) {
  const batch = deps.db.batch();
  const text = notificationTexts.succeeded(run.output?.durationSec ?? 0);
  writeNotification(batch, deps.db, run.uid, `succeeded_${runId}`, runId, "succeeded", text, Timestamp.now());
  await batch.commit();
}

/** One notice per storyboard version: a repeated delivery rewrites the same notification. */
async function notifyStoryboard(runId: string, run: RunDocument, deps: PipelineDeps) {
  const version = run.storyboard?.version ?? 0;
  const batch = deps.db.batch();
  const text = notificationTexts.storyboardReady(run.storyboard?.priceCredits ?? 0);
  const id = `storyboard_${runId}_v${version}`;
  writeNotification(batch, deps.db, run.uid, id, runId, "awaiting_approval", text, Timestamp.now());
  await batch.commit();
}

/** `charge=crash_after`: the first claim of the first stage after the charge dies mid-stage. */
function injectCrash(claim: Claim) {
  if (claim.stage === "visual_dna" && claim.run.stageAttempt === 1 && faultsOf(claim.run).charge === "crash_after") {
    throw new SimulatedCrash("injected crash after the charge");
  }
}

/**
 * A PipelineFailure ends the run. Anything else (a bug, a lost connection) is retried by
 * handing the stage back while attempts remain, and then ends the run too.
 */
async function handleStageError(claim: Claim, error: unknown, settings: PipelineSettings, deps: PipelineDeps) {
  const { runId, stage } = claim;
  if (isPipelineFailure(error)) {
    logger.warn("stage failed", { runId, stage, reason: error.reason });
    await failRun(deps.db, runId, error, { status: ["running"], stage, leaseOwner: claim.owner });
    return;
  }
  const attempt = claim.run.stageAttempt ?? 1;
  logger.error("stage error", { runId, stage, attempt, error: String(error) });
  if (attempt < settings.maxStageAttempts) {
    await transitionRun(deps.db, runId, () => transitions.releaseStage(stage, claim.owner, String(error)));
    return;
  }
  await failRun(
    deps.db,
    runId,
    new PipelineFailure({
      stage,
      reason: `stage_error: ${String(error)}`,
      userMessage: userMessages.unexpected(stage),
    }),
    { status: ["running"], stage, leaseOwner: claim.owner },
  );
}

/** On the transition to `failed`: refund once (if anything was charged) and tell the user. */
export async function handleRunFailed(runId: string, before: RunDocument, after: RunDocument, db: Firestore) {
  if (after.status !== "failed" || before.status === "failed") return;
  const outcome = await refundRun(db, runId);
  logger.info(logMessages.refundResult, { runId, outcome, stage: after.failure?.stage });
}
