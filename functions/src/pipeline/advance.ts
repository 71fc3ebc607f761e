/**
 * Reacts to every update of a run: runs the pending stage, charges after a confirmation,
 * applies a quality decision. Each path claims its work first, so repeats are no-ops.
 */
import { Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import type { WorkStage } from "../contract/run";
import type { RunDocument } from "../contract/runDocument";
import { chargeRun, refundRun } from "../ledger/credits";
import { writeNotification } from "../ledger/notifications";
import { claimStage, completeStage, failRun, newLeaseOwner, type Claim } from "../lifecycle/runStore";
import { nextAction } from "../lifecycle/stateMachine";
import { logMessages, userMessages } from "../messages";
import { loadPipelineSettings, type PipelineSettings } from "../pipelineSettings";
import { applyDecision } from "./decisions";
import type { PipelineDeps } from "./deps";
import { PipelineFailure, isPipelineFailure } from "./failure";
import { faultsOf } from "./runContext";
import { STAGE_WORK } from "./stages";

/** Thrown by the `charge=crash_after` fault: the instance "dies" holding the lease. */
export class SimulatedCrash extends Error {}

export async function handleRunUpdated(runId: string, after: RunDocument, deliveryId: string, deps: PipelineDeps) {
  const action = nextAction(after);
  switch (action.kind) {
    case "none":
      return;
    case "charge_after_confirmation": {
      const settings = await loadPipelineSettings(deps.db);
      const outcome = await chargeRun(deps.db, runId, {
        expectStatus: "awaiting_confirmation",
        price: settings.runPriceCredits,
      });
      logger.info("charge after confirmation", { runId, outcome });
      return;
    }
    case "run_stage":
      return runStage(runId, action.stage, deliveryId, deps);
    case "apply_decision":
      return applyDecision(runId, deps);
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
    if (!(await completeStage(deps.db, claim, outcome.update))) {
      logger.warn(logMessages.leaseLost, { runId, stage });
      return;
    }
    if (outcome.dispatchScenes?.length) {
      const round = claim.run.scenesRound ?? 0;
      await deps.scenes.dispatch(outcome.dispatchScenes.map((sceneNumber) => ({ runId, sceneNumber, round })));
    }
    if (outcome.notify) {
      const batch = deps.db.batch();
      const { id, kind, text } = outcome.notify;
      writeNotification(batch, deps.db, claim.run.uid, id, runId, kind, text, Timestamp.now());
      await batch.commit();
    }
  } catch (error) {
    if (error instanceof SimulatedCrash) throw error;
    await handleStageError(claim, error, settings, deps);
  }
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
    await failRun(deps.db, runId, error);
    return;
  }
  const attempt = claim.run.stageAttempt ?? 1;
  logger.error("stage error", { runId, stage, attempt, error: String(error) });
  if (attempt < settings.maxStageAttempts) {
    await completeStage(deps.db, claim, { stageState: "pending", lease: null, lastError: String(error) });
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
  );
}

/** On the transition to `failed`: refund once (if anything was charged) and tell the user. */
export async function handleRunFailed(runId: string, before: RunDocument, after: RunDocument, deps: PipelineDeps) {
  if (after.status !== "failed" || before.status === "failed") return;
  const outcome = await refundRun(deps.db, runId);
  logger.info(logMessages.refundResult, { runId, outcome, stage: after.failure?.stage });
}
