import type { Firestore } from "firebase-admin/firestore";
import type { AuditSnapshot } from "./audit";

/** Reads everything the audit needs. Suitable for an operator's command, not a hot path. */
export async function loadAuditSnapshot(db: Firestore): Promise<AuditSnapshot> {
  const [users, ledger, runs, refunds] = await Promise.all([
    db.collection("users").get(),
    db.collectionGroup("ledger").get(),
    db.collection("runs").get(),
    db.collection("refunds").get(),
  ]);
  const movements = new Map<string, AuditSnapshot["users"][number]["movements"]>();
  for (const doc of ledger.docs) {
    const uid = doc.ref.parent.parent?.id ?? "";
    const list = movements.get(uid) ?? [];
    list.push({
      id: doc.id,
      kind: String(doc.get("kind")),
      amount: Number(doc.get("amount")),
      runId: (doc.get("runId") as string | null) ?? null,
      createMs: doc.createTime.toMillis(),
      updateMs: doc.updateTime.toMillis(),
    });
    movements.set(uid, list);
  }
  const uids = new Set([...users.docs.map((d) => d.id), ...movements.keys()]);
  return {
    users: [...uids].map((uid) => ({
      uid,
      credits: Number(users.docs.find((d) => d.id === uid)?.get("credits") ?? 0),
      movements: movements.get(uid) ?? [],
    })),
    runs: runs.docs.map((d) => ({
      id: d.id,
      uid: String(d.get("uid")),
      status: String(d.get("status")),
      charged: Number(d.get("credits.charged") ?? 0),
      refunded: Number(d.get("credits.refunded") ?? 0),
    })),
    refunds: refunds.docs.map((d) => ({ runId: d.id, uid: String(d.get("uid")), amount: Number(d.get("amount")) })),
  };
}
