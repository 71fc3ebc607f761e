/**
 * Transactions on the run document: claiming a stage (compare-and-set + lease), finishing
 * it, failing the run. Trigger deliveries are at-least-once; these make repeats no-ops.
 */
import { randomUUID } from "node:crypto";
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { paths } from "../contract/paths";
import type { WorkStage } from "../contract/run";
import type { RunDocument } from "../contract/runDocument";
import type { PipelineFailure } from "../pipeline/failure";

export interface Claim {
  runId: string;
  owner: string;
  stage: WorkStage;
  run: RunDocument;
}

export function newLeaseOwner(deliveryId: string): string {
  return `${deliveryId}:${randomUUID()}`;
}

function leaseUntil(seconds: number) {
  return Timestamp.fromMillis(Date.now() + seconds * 1000);
}

/** Claims `stage` of a running run if it is pending; null when someone else has it or it moved on. */
export async function claimStage(
  db: Firestore,
  runId: string,
  stage: WorkStage,
  owner: string,
  leaseSeconds: number,
): Promise<Claim | null> {
  const ref = db.doc(paths.run(runId));
  return db.runTransaction(async (tx) => {
    const run = (await tx.get(ref)).data() as RunDocument | undefined;
    if (!run || run.status !== "running" || run.stage !== stage || run.stageState !== "pending") return null;
    const claimed: Partial<RunDocument> = {
      stageState: "claimed",
      lease: { owner, expiresAt: leaseUntil(leaseSeconds) },
      stageAttempt: (run.stageAttempt ?? 0) + 1,
      updatedAt: Timestamp.now(),
    };
    tx.update(ref, claimed);
    return { runId, owner, stage, run: { ...run, ...claimed } };
  });
}

/**
 * Applies a finished stage's result if `owner` still holds the lease. Returns false when the
 * lease was lost (expired and taken over): the result is discarded, the new owner's counts.
 */
export async function completeStage(db: Firestore, claim: Claim, update: Record<string, unknown>): Promise<boolean> {
  const ref = db.doc(paths.run(claim.runId));
  return db.runTransaction(async (tx) => {
    const run = (await tx.get(ref)).data() as RunDocument | undefined;
    if (!run || run.status !== "running" || run.stage !== claim.stage || run.lease?.owner !== claim.owner) {
      return false;
    }
    tx.update(ref, { ...update, updatedAt: Timestamp.now() });
    return true;
  });
}

/** Extends the lease of a claimed stage into a wait (the scenes stage waiting for its tasks). */
export function waitUpdate(leaseSeconds: number, owner: string) {
  return { stageState: "waiting", lease: { owner, expiresAt: leaseUntil(leaseSeconds) } };
}

/** The update that hands a run to its next stage. */
export function advanceUpdate(next: WorkStage, progressPct: number, message: string) {
  return {
    stage: next,
    stageState: "pending",
    stageAttempt: 0,
    lease: null,
    progress: { pct: progressPct, message },
  };
}

/**
 * Marks the run failed with the failure's reason and user message, once: a run that has
 * already ended is left alone. The refund follows from the `failed` transition (onRunFailed).
 */
export async function failRun(
  db: Firestore,
  runId: string,
  failure: PipelineFailure,
  /** Re-checked inside the transaction, for callers that decided on an older snapshot. */
  stillApplies: (run: RunDocument) => boolean = () => true,
): Promise<boolean> {
  const ref = db.doc(paths.run(runId));
  return db.runTransaction(async (tx) => {
    const run = (await tx.get(ref)).data() as RunDocument | undefined;
    if (!run || run.status === "failed" || run.status === "succeeded" || !stillApplies(run)) return false;
    tx.update(ref, {
      status: "failed",
      stage: failure.stage,
      stageState: null,
      lease: null,
      failure: { stage: failure.stage, reason: failure.reason, userMessage: failure.userMessage, refunded: false },
      progress: { pct: 100, message: failure.userMessage },
      credits: run.credits ?? { charged: 0, refunded: 0 },
      ...(failure.attempts.length > 0 && {
        [`stages.${failure.stage}`]: { model: null, tier: null, attempts: failure.attempts, durationMs: 0 },
      }),
      updatedAt: Timestamp.now(),
    });
    return true;
  });
}
