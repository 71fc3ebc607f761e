/**
 * The storyboard's handlers: the start after the image check (charged, or uncharged towards a
 * storyboard), the cost bound on storyboards per customer, and the owner's edits. Each decision is
 * pure (storyboardReview.ts) and applied through the transition table in the transaction that reads it.
 */
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { paths } from "../contract/paths";
import type { PreflightReport } from "../contract/run";
import type { RunDocument } from "../contract/runDocument";
import { chargeRun, type ChargeOutcome } from "../ledger/credits";
import { applyTransition, transitionRun, transitions } from "../lifecycle/transitions";
import { userMessages } from "../messages";
import type { PipelineSettings } from "../pipelineSettings";
import { PipelineFailure } from "../contract/failure";
import { runInputOf } from "./runContext";
import { reviewStoryboardEdit, storyboardQuota, type StoryboardQuotaState } from "./storyboardReview";

export type StartOutcome = ChargeOutcome | "started_uncharged";

/**
 * The image passed or was confirmed: charge and start (approval off), or start the work towards the
 * storyboard uncharged (approval required). Either only from where the table allows it, once.
 */
export async function startAfterPreflight(
  db: Firestore,
  runId: string,
  settings: PipelineSettings,
  preflight?: PreflightReport,
): Promise<StartOutcome> {
  if (settings.approval === "off") return chargeRun(db, runId, { price: settings.runPriceCredits, preflight });
  const started = await transitionRun(db, runId, () => transitions.startUncharged(preflight));
  return started.kind === "applied" ? "started_uncharged" : "not_chargeable";
}

/**
 * Counts a storyboard against the customer's bounds before any work is done for it; throws the
 * refusal (a preflight failure: nothing charged, the customer told why) when either is reached.
 */
export async function reserveStoryboard(
  db: Firestore,
  uid: string,
  nowMs: number,
  settings: PipelineSettings,
): Promise<void> {
  const ref = db.doc(paths.storyboardQuota(uid));
  const decision = await db.runTransaction(async (tx) => {
    const state = (await tx.get(ref)).data() as StoryboardQuotaState | undefined;
    const decided = storyboardQuota(state, nowMs, settings);
    if (decided.ok) tx.set(ref, decided.next);
    return decided;
  });
  if (decision.ok) return;
  throw new PipelineFailure({
    stage: "preflight",
    reason: `storyboard_limit_${decision.limit}: ${decision.allowed}`,
    userMessage:
      decision.limit === "per_day"
        ? userMessages.storyboardsPerDay(decision.allowed)
        : userMessages.storyboardsPerHour(decision.allowed),
    requiresRefund: false,
  });
}

export type EditOutcome = "revised" | "refused" | "new_script" | "not_open";

/** Applies (or refuses, with its reasons) the owner's pending edit of the latest storyboard. */
export async function applyStoryboardEdit(
  db: Firestore,
  runId: string,
  settings: PipelineSettings,
): Promise<EditOutcome> {
  const ref = db.doc(paths.run(runId));
  const outcome = await db.runTransaction(async (tx): Promise<EditOutcome> => {
    const run = (await tx.get(ref)).data() as RunDocument | undefined;
    if (!run || run.status !== "awaiting_approval" || !run.storyboardEdit || run.storyboardAnswer) return "not_open";
    const now = Timestamp.now();
    const review = reviewStoryboardEdit(run, run.storyboardEdit, runInputOf(run), settings, now);
    const version = run.storyboard?.version ?? 0;
    switch (review.kind) {
      case "refused":
        applyTransition(tx, ref, run, transitions.refuseStoryboardEdit(review.reasons, version, now));
        return "refused";
      case "new_script":
        return applyTransition(tx, ref, run, transitions.regenerateScript()).kind === "applied"
          ? "new_script"
          : "not_open";
      case "revised":
        return applyTransition(tx, ref, run, transitions.reviseStoryboard(run, review.storyboard, review.script))
          .kind === "applied"
          ? "revised"
          : "not_open";
    }
  });
  logger.info("storyboard edit", { runId, outcome });
  return outcome;
}
