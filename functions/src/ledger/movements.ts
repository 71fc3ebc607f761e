import type { Timestamp } from "firebase-admin/firestore";

export type MovementKind = "grant" | "charge" | "refund";

/** `users/{uid}/ledger/{entryId}`: immutable; the balance is the sum of `amount`. */
export interface LedgerMovement {
  kind: MovementKind;
  /** Signed: grants and refunds add, charges subtract. */
  amount: number;
  runId: string | null;
  reason: string;
  createdAt: Timestamp;
}

/** `refunds/{runId}`: created once, first writer wins. */
export interface RefundRecord {
  uid: string;
  runId: string;
  amount: number;
  reason: string;
  createdAt: Timestamp;
}
