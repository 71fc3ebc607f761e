import type { Firestore, Timestamp, Transaction, WriteBatch } from "firebase-admin/firestore";
import { paths } from "../contract/paths";

export type NotificationKind = "refunded" | "failed" | "quality_reduced" | "succeeded" | "awaiting_confirmation";

/** `users/{uid}/notifications/{id}`: deterministic ids, so a repeated write does not notify twice. */
export function writeNotification(
  writer: Transaction | WriteBatch,
  db: Firestore,
  uid: string,
  id: string,
  runId: string,
  kind: NotificationKind,
  text: { title: string; body: string },
  now: Timestamp,
): void {
  writer.set(db.doc(paths.notification(uid, id)), { kind, runId, ...text, read: false, createdAt: now });
}
