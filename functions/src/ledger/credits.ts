/**
 * Credit movements. Each runs in one Firestore transaction that writes the ledger
 * movement, the balance and the run together; ids are deterministic so a repeated
 * call can never move credits twice.
 */
import { FieldValue, Timestamp, type Firestore, type Transaction } from "firebase-admin/firestore";
import { ledgerIds, paths } from "../contract/paths";
import type { PreflightReport } from "../contract/run";
import type { RunDocument } from "../contract/runDocument";
import { applyTransition, approvesLatest, isExpected, transitions } from "../lifecycle/transitions";
import { notificationTexts, userMessages } from "../messages";
import type { LedgerMovement, RefundRecord } from "./movements";
import { writeNotification } from "./notifications";

export type ChargeOutcome = "charged" | "not_chargeable" | "insufficient_credits";

/**
 * Charges the run's price and starts its first work stage, in one transaction. Only a run the
 * transition table lets be charged (a passed preflight, or a confirmed warning; never twice)
 * is charged: a duplicate delivery, or a run the sweeper already ended, is left alone.
 */
export async function chargeRun(
  db: Firestore,
  runId: string,
  args: { price: number; preflight?: PreflightReport },
): Promise<ChargeOutcome> {
  return db.runTransaction(async (tx) => {
    const runRef = db.doc(paths.run(runId));
    const run = (await tx.get(runRef)).data() as RunDocument | undefined;
    const charge = transitions.charge(args.price, args.preflight);
    if (!run || !isExpected(run, charge.from)) return "not_chargeable";
    const userRef = db.doc(paths.user(run.uid));
    const chargeRef = db.doc(paths.ledgerEntry(run.uid, ledgerIds.charge(runId)));
    const [user, existingCharge] = await Promise.all([tx.get(userRef), tx.get(chargeRef)]);
    if (existingCharge.exists) return "not_chargeable";
    const balance = Number(user.get("credits") ?? 0);
    const now = Timestamp.now();
    if (balance < args.price) {
      applyTransition(
        tx,
        runRef,
        run,
        transitions.refuseCharge(run, userMessages.insufficientCredits(args.price, balance)),
      );
      return "insufficient_credits";
    }
    const movement: LedgerMovement = {
      kind: "charge",
      amount: -args.price,
      runId,
      reason: "video run",
      createdAt: now,
    };
    tx.create(chargeRef, movement);
    tx.update(userRef, { credits: FieldValue.increment(-args.price), updatedAt: now });
    applyTransition(tx, runRef, run, charge);
    return "charged";
  });
}

export type StoryboardAnswerOutcome = "charged" | "insufficient_credits" | "cancelled" | "stale" | "not_open";

/**
 * Applies the owner's answer to the storyboard in one transaction. An approval of the latest version
 * takes the price the storyboard showed, writes the charge movement (naming the approved version) and
 * starts the voice, together; without the credits nothing is taken and the storyboard stays open. A
 * cancel ends the run uncharged; an approval of an older version is dropped. Repeats find nothing to do.
 */
export async function applyStoryboardAnswer(db: Firestore, runId: string): Promise<StoryboardAnswerOutcome> {
  return db.runTransaction(async (tx) => {
    const runRef = db.doc(paths.run(runId));
    const run = (await tx.get(runRef)).data() as RunDocument | undefined;
    if (!run || run.status !== "awaiting_approval" || !run.storyboardAnswer) return "not_open";
    if (run.storyboardAnswer.approve === false) {
      return applyTransition(tx, runRef, run, transitions.cancelStoryboard(run)).kind === "applied"
        ? "cancelled"
        : "not_open";
    }
    if (!approvesLatest(run) || !run.storyboard) {
      applyTransition(tx, runRef, run, transitions.dropStaleAnswer());
      return "stale";
    }
    const price = run.storyboard.priceCredits;
    const approve = transitions.approveStoryboard(price);
    if (!isExpected(run, approve.from)) return "not_open";
    const userRef = db.doc(paths.user(run.uid));
    const chargeRef = db.doc(paths.ledgerEntry(run.uid, ledgerIds.charge(runId)));
    const [user, existingCharge] = await Promise.all([tx.get(userRef), tx.get(chargeRef)]);
    if (existingCharge.exists) return "not_open";
    const balance = Number(user.get("credits") ?? 0);
    if (balance < price) {
      applyTransition(
        tx,
        runRef,
        run,
        transitions.approvalShortOfCredits(run, userMessages.approvalNeedsCredits(price, balance)),
      );
      return "insufficient_credits";
    }
    const now = Timestamp.now();
    const movement: LedgerMovement = {
      kind: "charge",
      amount: -price,
      runId,
      reason: "video run",
      storyboardVersion: run.storyboard.version,
      createdAt: now,
    };
    tx.create(chargeRef, movement);
    tx.update(userRef, { credits: FieldValue.increment(-price), updatedAt: now });
    applyTransition(tx, runRef, run, approve);
    return "charged";
  });
}

/** `told_uncharged`: nothing was charged and the "not created" notice was written now; `already_told`: earlier. */
export type RefundOutcome = "refunded" | "already_refunded" | "told_uncharged" | "already_told" | "not_failed";

/**
 * Refunds a failed, charged run exactly once: `refunds/{runId}` is created in the transaction,
 * so of any number of concurrent calls one refunds and the rest see "already_refunded". A run
 * that is not failed is never refunded. A failed run with nothing charged gets its "not
 * created" notification instead, once. Needs nothing but the database, so it can be retried freely.
 */
export async function refundRun(db: Firestore, runId: string): Promise<RefundOutcome> {
  return db.runTransaction(async (tx) => {
    const runRef = db.doc(paths.run(runId));
    const refundRef = db.doc(paths.refund(runId));
    const [runSnap, refundSnap] = await Promise.all([tx.get(runRef), tx.get(refundRef)]);
    if (refundSnap.exists) return "already_refunded";
    const run = runSnap.data() as RunDocument | undefined;
    if (!run || run.status !== "failed") return "not_failed";
    const chargeRef = db.doc(paths.ledgerEntry(run.uid, ledgerIds.charge(runId)));
    const charge = await tx.get(chargeRef);
    const now = Timestamp.now();
    const why = run.failure?.userMessage ?? "";
    if (!charge.exists) {
      // Told once: a repeated delivery or a sweeper pass finds the notice recorded and writes nothing.
      const told = applyTransition(tx, runRef, run, transitions.recordFailureNotice());
      if (told.kind !== "applied") return "already_told";
      writeNotification(
        tx,
        db,
        run.uid,
        `failed_${runId}`,
        runId,
        "failed",
        notificationTexts.failedUncharged(why),
        now,
      );
      return "told_uncharged";
    }
    const amount = -Number(charge.get("amount"));
    const recorded = applyTransition(tx, runRef, run, transitions.recordRefund(run, amount));
    if (recorded.kind !== "applied") return "already_refunded";
    const record: RefundRecord = {
      uid: run.uid,
      runId,
      amount,
      reason: run.failure?.reason ?? "failed",
      createdAt: now,
    };
    const movement: LedgerMovement = { kind: "refund", amount, runId, reason: record.reason, createdAt: now };
    tx.create(refundRef, record);
    tx.create(db.doc(paths.ledgerEntry(run.uid, ledgerIds.refund(runId))), movement);
    tx.update(db.doc(paths.user(run.uid)), { credits: FieldValue.increment(amount), updatedAt: now });
    writeNotification(
      tx,
      db,
      run.uid,
      `refund_${runId}`,
      runId,
      "refunded",
      notificationTexts.refunded(amount, why),
      now,
    );
    return "refunded";
  });
}

/** Adds credits to a user once per grant id (seed data, purchases, support). */
export async function grantCredits(db: Firestore, uid: string, grantId: string, amount: number, reason: string) {
  // The audit holds every grant to a positive whole amount; refuse one that would breach it.
  if (!Number.isInteger(amount) || amount <= 0)
    throw new Error(`a grant must be a positive whole number of credits, not ${amount}`);
  return db.runTransaction(async (tx: Transaction) => {
    const ref = db.doc(paths.ledgerEntry(uid, ledgerIds.grant(grantId)));
    if ((await tx.get(ref)).exists) return false;
    const now = Timestamp.now();
    const movement: LedgerMovement = { kind: "grant", amount, runId: null, reason, createdAt: now };
    tx.create(ref, movement);
    tx.set(db.doc(paths.user(uid)), { credits: FieldValue.increment(amount), updatedAt: now }, { merge: true });
    return true;
  });
}
