/**
 * The sweeper (a scheduled function): no run stays stuck, least of all with credits taken.
 * Expired leases are retried while attempts remain, then failed (and so refunded); waits
 * for the user end after their configured time.
 */
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import type { RunDocument } from "../contract/runDocument";
import { userMessages } from "../messages";
import { loadPipelineSettings } from "../pipelineSettings";
import { transitionRun, transitions, type TransitionResult } from "./transitions";
import { sweepAction, type SweepAction } from "./stateMachine";

const OPEN_STATUSES = ["queued", "preflight", "running", "awaiting_confirmation", "awaiting_decision"];

export interface SweepReport {
  examined: number;
  actions: { runId: string; action: SweepAction["kind"] }[];
}

export async function sweepStuckRuns(db: Firestore, nowMs: number = Date.now()): Promise<SweepReport> {
  const settings = await loadPipelineSettings(db);
  const open = await db.collection("runs").where("status", "in", OPEN_STATUSES).get();
  const report: SweepReport = { examined: open.size, actions: [] };
  for (const doc of open.docs) {
    const action = sweepAction(doc.data() as RunDocument, nowMs, settings);
    if (action.kind === "none") continue;
    if (await applySweep(db, doc.id, action, nowMs, settings))
      report.actions.push({ runId: doc.id, action: action.kind });
  }
  if (report.actions.length > 0) logger.info("sweeper acted", report);
  return report;
}

async function applySweep(
  db: Firestore,
  runId: string,
  action: Exclude<SweepAction, { kind: "none" }>,
  nowMs: number,
  settings: Awaited<ReturnType<typeof loadPipelineSettings>>,
): Promise<boolean> {
  const stillApplies = (run: RunDocument) => sweepAction(run, nowMs, settings).kind === action.kind;
  let result: TransitionResult;
  switch (action.kind) {
    case "fail_stuck":
      result = await transitionRun(db, runId, (run) =>
        transitions.fail(
          run,
          { stage: action.stage, reason: "stuck: lease expired", userMessage: userMessages.stageStuck(action.stage) },
          { holds: stillApplies },
        ),
      );
      break;
    case "expire_confirmation":
      result = await transitionRun(db, runId, (run) =>
        transitions.fail(
          run,
          { stage: "preflight", reason: "confirmation_expired", userMessage: userMessages.confirmationExpired },
          { status: ["awaiting_confirmation"], holds: stillApplies },
        ),
      );
      break;
    case "retry_stage":
      result = await transitionRun(db, runId, () => transitions.retryStage(action.stage, stillApplies));
      break;
    case "decide_by_default":
      result = await transitionRun(db, runId, (run) => transitions.decideByDefault(run, action.decision, stillApplies));
      break;
  }
  return result.kind === "applied";
}
