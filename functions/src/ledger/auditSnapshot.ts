import {
  FieldPath,
  Timestamp,
  type Firestore,
  type Query,
  type QueryDocumentSnapshot,
  type Transaction,
} from "firebase-admin/firestore";
import { longestRunMs } from "../lifecycle/stateMachine";
import { loadPipelineSettings } from "../pipelineSettings";
import type { AuditSnapshot } from "./audit";

/** Documents per read; the audit holds one page of each query at a time while it reads. */
const PAGE_SIZE = 500;

/**
 * Reads everything the audit needs, read-only, at one read time (a read-only transaction pinned
 * to `readTime`), so concurrent charges and refunds never show half-applied, on the emulators
 * and in production alike. Each collection is read in pages in document order.
 */
export async function loadAuditSnapshot(db: Firestore, readTime: Timestamp = Timestamp.now()): Promise<AuditSnapshot> {
  const settings = await loadPipelineSettings(db);
  return db.runTransaction(
    async (tx) => {
      const movements = new Map<string, AuditSnapshot["users"][number]["movements"]>();
      await forEachDoc(tx, db.collectionGroup("ledger"), (doc) => {
        const uid = doc.ref.parent.parent?.id ?? "";
        const list = movements.get(uid) ?? [];
        list.push({
          id: doc.id,
          kind: String(doc.get("kind")),
          amount: Number(doc.get("amount")),
          runId: (doc.get("runId") as string | null) ?? null,
          sessionId: (doc.get("sessionId") as string | undefined) ?? null,
          storyboardVersion: (doc.get("storyboardVersion") as number | undefined) ?? null,
          createMs: doc.createTime.toMillis(),
          updateMs: doc.updateTime.toMillis(),
        });
        movements.set(uid, list);
      });
      const balances = new Map<string, number>();
      await forEachDoc(tx, db.collection("users"), (doc) => balances.set(doc.id, Number(doc.get("credits") ?? 0)));
      const runs: AuditSnapshot["runs"] = [];
      await forEachDoc(tx, db.collection("runs"), (doc) => {
        const createdAt = doc.get("createdAt") as Timestamp | undefined;
        const storyboardVersion = doc.get("storyboard.version") as number | undefined;
        const answer = doc.get("storyboardAnswer") as { version?: unknown; approve?: unknown } | null | undefined;
        runs.push({
          id: doc.id,
          uid: String(doc.get("uid")),
          status: String(doc.get("status")),
          charged: Number(doc.get("credits.charged") ?? 0),
          refunded: Number(doc.get("credits.refunded") ?? 0),
          ...(createdAt instanceof Timestamp && { createdMs: createdAt.toMillis() }),
          ...(typeof storyboardVersion === "number" && { storyboardVersion }),
          ...(answer?.approve === true && typeof answer.version === "number" && { approvedVersion: answer.version }),
        });
      });
      const refunds: AuditSnapshot["refunds"] = [];
      await forEachDoc(tx, db.collection("refunds"), (doc) =>
        refunds.push({ runId: doc.id, uid: String(doc.get("uid")), amount: Number(doc.get("amount")) }),
      );
      const purchases: NonNullable<AuditSnapshot["purchases"]> = [];
      await forEachDoc(tx, db.collection("purchases"), (doc) =>
        purchases.push({
          sessionId: doc.id,
          uid: (doc.get("uid") as string | null) ?? null,
          status: String(doc.get("status")),
          credits: Number(doc.get("credits") ?? 0),
          amount: (doc.get("amount") as number | null) ?? null,
        }),
      );
      const uids = new Set([...balances.keys(), ...movements.keys()]);
      return {
        users: [...uids].map((uid) => ({ uid, credits: balances.get(uid) ?? 0, movements: movements.get(uid) ?? [] })),
        runs,
        refunds,
        purchases,
        readMs: readTime.toMillis(),
        longestRunMs: longestRunMs(settings),
      };
    },
    { readOnly: true, readTime },
  );
}

async function forEachDoc(tx: Transaction, query: Query, each: (doc: QueryDocumentSnapshot) => void) {
  let after: QueryDocumentSnapshot | undefined;
  for (;;) {
    let page = query.orderBy(FieldPath.documentId()).limit(PAGE_SIZE);
    if (after) page = page.startAfter(after);
    const snap = await tx.get(page);
    snap.docs.forEach(each);
    if (snap.size < PAGE_SIZE) return;
    after = snap.docs[snap.size - 1];
  }
}
