/**
 * The sweeper (a scheduled function): no run stays stuck, least of all with credits taken.
 * Expired leases are retried while attempts remain, then failed (and so refunded); waits
 * for the user end after their configured time.
 */
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { paths } from "../contract/paths";
import type { RunDocument } from "../contract/runDocument";
import { userMessages } from "../messages";
import { PipelineFailure } from "../pipeline/failure";
import { loadPipelineSettings } from "../pipelineSettings";
import { failRun } from "./runStore";
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
  switch (action.kind) {
    case "fail_stuck":
      return failRun(
        db,
        runId,
        new PipelineFailure({
          stage: action.stage,
          reason: "stuck: lease expired",
          userMessage: userMessages.stageStuck(action.stage),
        }),
        stillApplies,
      );
    case "expire_confirmation":
      return failRun(
        db,
        runId,
        new PipelineFailure({
          stage: "preflight",
          reason: "confirmation_expired",
          userMessage: userMessages.confirmationExpired,
          requiresRefund: false,
        }),
        stillApplies,
      );
    case "retry_stage":
    case "decide_by_default": {
      const ref = db.doc(paths.run(runId));
      return db.runTransaction(async (tx) => {
        const run = (await tx.get(ref)).data() as RunDocument | undefined;
        // Re-check inside the transaction: the run may have moved since the query.
        if (!run || !stillApplies(run)) return false;
        const now = Timestamp.now();
        tx.update(
          ref,
          action.kind === "retry_stage"
            ? { stageState: "pending", lease: null, updatedAt: now }
            : {
                decision: action.decision,
                progress: { pct: run.progress?.pct ?? 75, message: userMessages.decisionTimedOut(action.decision) },
                updatedAt: now,
              },
        );
        return true;
      });
    }
  }
}
