/**
 * The welcome grant: `config/billing.welcomeCredits` once per account, as the ledger movement
 * `grant_welcome_{uid}`. Claimed by the page through a callable after each sign-in (the deterministic
 * id and the account's `welcomedAt` make all but the first a no-op), only with a verified email
 * address (Google accounts are), so unverified throwaway sign-ups get nothing. Clients cannot write balances or the ledger (firestore.rules).
 */
import { FieldValue, Timestamp, type Firestore } from "firebase-admin/firestore";
import { HttpsError } from "firebase-functions/v2/https";
import { ledgerIds, paths } from "../contract/paths";
import type { LedgerMovement } from "../ledger/movements";
import { writeNotification } from "../ledger/notifications";
import { billingTexts, billingUserMessages } from "./messages";
import { loadBillingSettings } from "./settings";

export type WelcomeOutcome = "granted" | "already_granted" | "none_configured";

export async function handleClaimWelcome(
  caller: { uid: string; emailVerified: boolean } | null,
  db: Firestore,
): Promise<{ outcome: WelcomeOutcome; credits: number }> {
  if (!caller) throw new HttpsError("unauthenticated", billingUserMessages.signInFirst);
  if (!caller.emailVerified) throw new HttpsError("failed-precondition", billingUserMessages.verifyEmailFirst);
  const { welcomeCredits } = await loadBillingSettings(db);
  const outcome = await db.runTransaction(async (tx): Promise<WelcomeOutcome> => {
    const movementRef = db.doc(paths.ledgerEntry(caller.uid, ledgerIds.welcome(caller.uid)));
    const userRef = db.doc(paths.user(caller.uid));
    const [existing, user] = await Promise.all([tx.get(movementRef), tx.get(userRef)]);
    // `welcomedAt` pins the answer of the first claim: raising welcomeCredits later gives nothing to older accounts.
    if (existing.exists || user.get("welcomedAt") !== undefined) return "already_granted";
    const now = Timestamp.now();
    tx.set(
      userRef,
      { credits: FieldValue.increment(welcomeCredits), welcomedAt: now, updatedAt: now },
      { merge: true },
    );
    if (welcomeCredits === 0) return "none_configured";
    const movement: LedgerMovement = {
      kind: "grant",
      amount: welcomeCredits,
      runId: null,
      reason: "welcome credits",
      createdAt: now,
    };
    tx.create(movementRef, movement);
    writeNotification(tx, db, caller.uid, "welcome", null, "welcome", billingTexts.welcome(welcomeCredits), now);
    return "granted";
  });
  return { outcome, credits: outcome === "granted" ? welcomeCredits : 0 };
}
