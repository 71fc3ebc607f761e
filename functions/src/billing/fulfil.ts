/**
 * What a verified Stripe event does to the ledger, each in one Firestore transaction: a paid
 * Checkout Session credits its pack once (`purchase_{sessionId}`), a refund or a dispute takes
 * purchased credits back once per event (`reversal_{eventId}`). Deterministic ids make every
 * repeated, late or reordered delivery a no-op.
 */
import { FieldValue, Timestamp, type Firestore } from "firebase-admin/firestore";
import { ledgerIds, paths } from "../contract/paths";
import type { LedgerMovement } from "../ledger/movements";
import { writeNotification } from "../ledger/notifications";
import {
  returnsAfter,
  reversalOf,
  type PaymentReturnEvent,
  type PaymentReturns,
  type SessionFacts,
  type SessionVerdict,
} from "./decide";
import { billingTexts, type PaymentRefusal } from "./messages";

/** `purchases/{sessionId}`: one per Checkout Session of this project that the webhook judged. */
export interface PurchaseRecord {
  uid: string | null;
  sessionId: string;
  status: "credited" | "refused";
  refusal: PaymentRefusal | null;
  pack: string | null;
  /** Credits added (0 when refused). */
  credits: number;
  amount: number | null;
  currency: string | null;
  paymentIntent: string | null;
  /** The event that credited or refused it. */
  eventId: string;
  /** Credits refunds and disputes owed back so far (taken, or written off when already spent). */
  creditsOwedBack: number;
  /** What refunds and disputes returned of the payment so far. */
  returns: PaymentReturns;
  createdAt: Timestamp;
}

export type FulfilOutcome = "credited" | "refused" | "already_done";

export async function fulfilSession(
  db: Firestore,
  session: SessionFacts & { payment_intent: string | null },
  verdict: Exclude<SessionVerdict, { kind: "foreign" }>,
  eventId: string,
): Promise<FulfilOutcome> {
  return db.runTransaction(async (tx) => {
    const purchaseRef = db.doc(paths.purchase(session.id));
    if ((await tx.get(purchaseRef)).exists) return "already_done";
    const now = Timestamp.now();
    const record: PurchaseRecord = {
      uid: verdict.uid,
      sessionId: session.id,
      status: verdict.kind === "credit" ? "credited" : "refused",
      refusal: verdict.kind === "refuse" ? verdict.reason : null,
      pack: verdict.packId,
      credits: verdict.kind === "credit" ? verdict.pack.credits : 0,
      amount: session.amount_total,
      currency: session.currency,
      paymentIntent: session.payment_intent,
      eventId,
      creditsOwedBack: 0,
      returns: { refunded: 0, disputes: {} },
      createdAt: now,
    };
    if (verdict.kind === "refuse") {
      tx.create(purchaseRef, record);
      return "refused";
    }
    const { uid, pack } = verdict;
    const movementRef = db.doc(paths.ledgerEntry(uid, ledgerIds.purchase(session.id)));
    if ((await tx.get(movementRef)).exists) return "already_done";
    const movement: LedgerMovement = {
      kind: "purchase",
      amount: pack.credits,
      runId: null,
      sessionId: session.id,
      reason: billingTexts.receipt(pack.credits, pack.amount, pack.currency),
      createdAt: now,
    };
    tx.create(purchaseRef, record);
    tx.create(movementRef, {
      ...movement,
      receipt: { pack: verdict.packId, amount: pack.amount, currency: pack.currency },
    });
    tx.set(db.doc(paths.user(uid)), { credits: FieldValue.increment(pack.credits), updatedAt: now }, { merge: true });
    writeNotification(
      tx,
      db,
      uid,
      ledgerIds.purchase(session.id),
      null,
      "purchased",
      billingTexts.purchased(pack.credits, pack.amount, pack.currency),
      now,
    );
    return "credited";
  });
}

export type ReversalOutcome = "reversed" | "already_done" | "nothing_to_reverse" | "no_purchase";

/**
 * Takes back what a refund or a dispute of a credited purchase owes, once per event. A payment
 * not credited yet (its Checkout event still on its way) answers `no_purchase`: the webhook
 * answers an error, so Stripe delivers the event again later.
 */
export async function reversePayment(
  db: Firestore,
  args: { eventId: string; paymentIntent: string; returned: PaymentReturnEvent },
): Promise<ReversalOutcome> {
  return db.runTransaction(async (tx) => {
    const found = await tx.get(db.collection("purchases").where("paymentIntent", "==", args.paymentIntent).limit(1));
    const purchaseSnap = found.docs[0];
    if (!purchaseSnap) return "no_purchase";
    const purchase = purchaseSnap.data() as PurchaseRecord;
    if (purchase.status !== "credited" || !purchase.uid) return "nothing_to_reverse";
    const uid = purchase.uid;
    const movementRef = db.doc(paths.ledgerEntry(uid, ledgerIds.reversal(args.eventId)));
    const userRef = db.doc(paths.user(uid));
    const [existing, user] = await Promise.all([tx.get(movementRef), tx.get(userRef)]);
    if (existing.exists) return "already_done";
    const returns = returnsAfter(purchase.returns, args.returned);
    const { owed, taken, writtenOff } = reversalOf({
      purchasedCredits: purchase.credits,
      alreadyOwed: purchase.creditsOwedBack,
      // What the Checkout Session charged: the share a refund or dispute returns is of this amount.
      amountPaid: purchase.amount ?? 0,
      returns,
      balance: Number(user.get("credits") ?? 0),
    });
    const now = Timestamp.now();
    const movement: LedgerMovement = {
      kind: "reversal",
      amount: taken === 0 ? 0 : -taken,
      runId: null,
      sessionId: purchase.sessionId,
      reason: args.returned.kind,
      createdAt: now,
    };
    tx.create(movementRef, { ...movement, owed, writtenOff });
    tx.update(purchaseSnap.ref, { creditsOwedBack: purchase.creditsOwedBack + owed, returns });
    if (taken > 0) tx.update(userRef, { credits: FieldValue.increment(-taken), updatedAt: now });
    // Told when the event owed something; one that owed nothing (a dispute after a full refund) is recorded only.
    if (owed > 0)
      writeNotification(
        tx,
        db,
        uid,
        ledgerIds.reversal(args.eventId),
        null,
        "payment_reversed",
        billingTexts.reversed(taken, args.returned.kind),
        now,
      );
    return "reversed";
  });
}
