import type { Timestamp } from "firebase-admin/firestore";

export type MovementKind = "grant" | "charge" | "refund" | "purchase" | "reversal";

/** `users/{uid}/ledger/{entryId}`: immutable; the balance is the sum of `amount`. */
export interface LedgerMovement {
  kind: MovementKind;
  /** Signed: grants, refunds and purchases add, charges and reversals subtract. */
  amount: number;
  runId: string | null;
  reason: string;
  createdAt: Timestamp;
  /** A charge on approval: the storyboard version the owner approved (the audit checks it is the run's latest). */
  storyboardVersion?: number;
  /** Purchases and reversals: the Checkout Session paid for the credits. */
  sessionId?: string;
}

/** `refunds/{runId}`: created once, first writer wins. */
export interface RefundRecord {
  uid: string;
  runId: string;
  amount: number;
  reason: string;
  createdAt: Timestamp;
}
