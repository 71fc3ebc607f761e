import type { DocumentData, DocumentReference, Firestore, Timestamp } from "firebase-admin/firestore";
import { paths } from "../contract/paths";

/** A transaction or a batch: the notification commits together with what it reports. */
interface Writer {
  set(ref: DocumentReference, data: DocumentData): unknown;
}

export type NotificationKind =
  | "refunded"
  | "failed"
  | "quality_reduced"
  | "succeeded"
  | "awaiting_confirmation"
  | "awaiting_approval"
  | "purchased"
  | "payment_reversed"
  | "welcome";

/** `users/{uid}/notifications/{id}`: deterministic ids, so a repeated write does not notify twice. */
export function writeNotification(
  writer: Writer,
  db: Firestore,
  uid: string,
  id: string,
  /** The run it is about; null for notices about the account (purchases, welcome credits). */
  runId: string | null,
  kind: NotificationKind,
  text: { title: string; body: string },
  now: Timestamp,
): void {
  writer.set(db.doc(paths.notification(uid, id)), { kind, runId, ...text, read: false, createdAt: now });
}
