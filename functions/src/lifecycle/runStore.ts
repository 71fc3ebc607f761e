/**
 * Stage claims and failures on the run document, through the transition table: claiming a
 * stage (compare-and-set + lease) and failing the run. Trigger deliveries are at-least-once;
 * a repeat finds the run moved on and does nothing.
 */
import { randomUUID } from "node:crypto";
import type { Firestore } from "firebase-admin/firestore";
import type { WorkStage } from "../contract/run";
import type { RunDocument } from "../contract/runDocument";
import type { PipelineFailure } from "../contract/failure";
import { transitionRun, transitions, type Expected } from "./transitions";

export interface Claim {
  runId: string;
  owner: string;
  stage: WorkStage;
  run: RunDocument;
}

export function newLeaseOwner(deliveryId: string): string {
  return `${deliveryId}:${randomUUID()}`;
}

/** Claims `stage` of a running run if it is pending; null when someone else has it or it moved on. */
export async function claimStage(
  db: Firestore,
  runId: string,
  stage: WorkStage,
  owner: string,
  leaseSeconds: number,
): Promise<Claim | null> {
  const result = await transitionRun(db, runId, (run) =>
    transitions.claimStage(run, stage, owner, leaseSeconds, Date.now()),
  );
  return result.kind === "applied" ? { runId, owner, stage, run: result.run } : null;
}

/**
 * Marks the run failed with the failure's reason and user message, once: a run that has
 * already ended (or is no longer in `from`) is left alone. The refund follows from the
 * `failed` run (onRunFailed, and the sweeper if that delivery is lost).
 */
export async function failRun(
  db: Firestore,
  runId: string,
  failure: PipelineFailure,
  from?: Partial<Expected>,
): Promise<boolean> {
  const result = await transitionRun(db, runId, (run) => transitions.fail(run, failure, from));
  return result.kind === "applied";
}
