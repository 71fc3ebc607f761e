/**
 * The in-memory Firestore the simulator runs the handlers on must behave as Firestore does where
 * the handlers depend on it. One contract, run twice: against the in-memory store and against the
 * real Firestore emulator. A case that passes on the emulator and fails in memory is the simulator
 * drifting from Firestore.
 */
import { FieldPath, FieldValue, Timestamp, type Firestore } from "firebase-admin/firestore";
import { MemoryFirestore } from "../../sim/memoryFirestore";
import { clearProject, firestoreFor } from "../support/emulator";
import { retryLockTimeouts } from "../support/lockRetry";

const PROJECT = "demo-fairshot-sim-contract";

/** gRPC codes as the Admin SDK reports them in `error.code`. */
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

const stores: [string, () => Firestore][] = [
  ["the in-memory store", () => new MemoryFirestore().asFirestore()],
  ["the Firestore emulator", () => firestoreFor(PROJECT)],
];

async function codeOf(work: () => Promise<unknown>): Promise<number | undefined> {
  try {
    await work();
  } catch (error) {
    return (error as { code?: number }).code;
  }
  return undefined;
}

/** The ids of a paged read in document order, as the sweeper pages the runs. */
async function pageIds(query: FirebaseFirestore.Query, pageSize: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  for (;;) {
    let page = query.orderBy(FieldPath.documentId()).limit(pageSize);
    if (cursor) page = page.startAfter(cursor);
    const snap = await page.get();
    if (snap.size > 0) pages.push(snap.docs.map((d) => d.id));
    if (snap.size < pageSize) return pages;
    cursor = snap.docs[snap.size - 1].id;
  }
}

beforeAll(() => clearProject(PROJECT));

describe.each(stores)("%s", (_name, open) => {
  let db: Firestore;
  let prefix: string;
  let n = 0;
  beforeEach(() => {
    db = open();
    // Each case writes under collections of its own, so the emulator project never needs clearing between cases.
    prefix = `c${++n}${_name.includes("memory") ? "m" : "e"}`;
  });

  test("create refuses an existing document, update a missing one", async () => {
    const ref = db.doc(`${prefix}_docs/a`);
    await ref.create({ x: 1 });
    expect(await codeOf(() => ref.create({ x: 2 }))).toBe(ALREADY_EXISTS);
    expect(await codeOf(() => db.doc(`${prefix}_docs/missing`).update({ x: 1 }))).toBe(NOT_FOUND);
    expect((await ref.get()).data()).toEqual({ x: 1 });
  });

  test("set merges maps, update takes dotted paths, sentinels resolve", async () => {
    const ref = db.doc(`${prefix}_docs/a`);
    await ref.set({ credits: { charged: 10, refunded: 0 }, tags: ["a"], n: 1, gone: true });
    await ref.set({ credits: { refunded: 10 } }, { merge: true });
    await ref.update({
      "failure.refundDue": true,
      n: FieldValue.increment(2),
      fresh: FieldValue.increment(5),
      tags: FieldValue.arrayUnion("a", "b"),
      gone: FieldValue.delete(),
      at: FieldValue.serverTimestamp(),
    });
    const data = (await ref.get()).data() ?? {};
    expect(data.at).toBeInstanceOf(Timestamp);
    delete data.at;
    expect(data).toEqual({
      credits: { charged: 10, refunded: 10 },
      failure: { refundDue: true },
      tags: ["a", "b"],
      n: 3,
      fresh: 5,
    });
    await ref.set({ only: true });
    expect((await ref.get()).data()).toEqual({ only: true });
  });

  test("an update keeps the create time and moves the update time", async () => {
    const ref = db.doc(`${prefix}_docs/a`);
    await ref.set({ v: 1 });
    const first = await ref.get();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await ref.update({ v: 2 });
    const second = await ref.get();
    expect(second.createTime?.isEqual(first.createTime as Timestamp)).toBe(true);
    expect((second.updateTime as Timestamp).toMillis()).toBeGreaterThanOrEqual(
      (first.updateTime as Timestamp).toMillis(),
    );
    expect(second.updateTime?.isEqual(first.updateTime as Timestamp)).toBe(false);
    expect((await db.doc(`${prefix}_docs/none`).get()).exists).toBe(false);
  });

  test("a transaction reads before it writes", async () => {
    const ref = db.doc(`${prefix}_docs/a`);
    await ref.set({ v: 1 });
    await expect(
      db.runTransaction(async (tx) => {
        tx.update(ref, { v: 2 });
        await tx.get(ref);
      }),
    ).rejects.toThrow(/reads to be executed before all writes/);
    expect((await ref.get()).data()).toEqual({ v: 1 });
  });

  test("concurrent read-modify-write transactions lose no update", async () => {
    const ref = db.doc(`${prefix}_docs/counter`);
    await ref.set({ count: 0 });
    const bump = () =>
      db.runTransaction(async (tx) => {
        const count = Number((await tx.get(ref)).get("count"));
        tx.update(ref, { count: count + 1 });
        return count;
      });
    const seen = await Promise.all([bump(), bump(), bump()]);
    expect((await ref.get()).get("count")).toBe(3);
    // Serializable: the three committed attempts saw 0, 1 and 2.
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  test("a write between a transaction's read and its commit is not lost", async () => {
    const ref = db.doc(`${prefix}_docs/counter`);
    await ref.set({ count: 0 });
    let outside: Promise<unknown> | undefined;
    await db.runTransaction(async (tx) => {
      const count = Number((await tx.get(ref)).get("count"));
      outside ??= retryLockTimeouts(() => ref.update({ count: FieldValue.increment(10) }));
      // In memory the outside write commits first and the transaction runs again; on the emulator
      // the transaction's lock makes the write wait until the commit. Both end at 11.
      await new Promise((resolve) => setTimeout(resolve, 20));
      tx.update(ref, { count: count + 1 });
    });
    await outside;
    expect((await ref.get()).get("count")).toBe(11);
  });

  test("a transaction whose query result changed before its commit runs again", async () => {
    const scenes = db.collection(`${prefix}_runs/r/scenes`);
    await scenes.doc("s1").set({ method: "ken-burns" });
    let attempts = 0;
    let outside: Promise<unknown> | undefined;
    const counted = await db.runTransaction(async (tx) => {
      attempts++;
      const snap = await tx.get(scenes.where("method", "==", "ken-burns"));
      outside ??= retryLockTimeouts(() => scenes.doc("s2").set({ method: "ken-burns" }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      tx.set(db.doc(`${prefix}_runs/r`), { staticScenes: snap.size });
      return snap.size;
    });
    // Either the insert waited for the commit (1 seen, 2 stored) or the commit saw it and ran again.
    await outside;
    const stored = (await scenes.get()).size;
    expect(stored).toBe(2);
    expect((await db.doc(`${prefix}_runs/r`).get()).get("staticScenes")).toBe(counted);
    expect(counted === 2 ? attempts >= 2 : attempts === 1).toBe(true);
  });

  test("the sweeper's queries: status in, a nested flag, pages in id order resumed after an id", async () => {
    const runs = db.collection(`${prefix}_runs`);
    const statuses = ["running", "failed", "awaiting_decision", "succeeded", "preflight", "running", "queued"];
    await Promise.all(
      statuses.map((status, i) =>
        runs.doc(`run-${String.fromCharCode(103 - i)}`).set({
          status,
          ...(status === "failed" && { failure: { refundDue: true } }),
        }),
      ),
    );
    await runs.doc("run-z").set({ status: "failed", failure: { refundDue: false } });
    await runs.doc("run-y").set({ status: "failed" });
    const open = runs.where("status", "in", ["queued", "preflight", "running", "awaiting_decision"]);
    expect(await pageIds(open, 2)).toEqual([["run-a", "run-b"], ["run-c", "run-e"], ["run-g"]]);
    expect(await pageIds(runs.where("failure.refundDue", "==", true), 10)).toEqual([["run-f"]]);
  });

  test("the audit's collection group reads every ledger in path order, resumed after a snapshot", async () => {
    // Ids chosen so that path order and plain string order disagree ("a" < "a-b" segment by segment,
    // though "a/" > "a-" as strings).
    const group = `${prefix}_ledger`;
    for (const uid of ["a-b", "a", "b"]) {
      for (const id of ["grant_1", "charge_r"])
        await db.doc(`${prefix}_users/${uid}/${group}/${id}`).set({ uid, amount: 1 });
    }
    await db.doc(`${prefix}_users/a/${prefix}_other/grant_1`).set({ uid: "a" });
    const seen: string[] = [];
    let after: FirebaseFirestore.QueryDocumentSnapshot | undefined;
    for (;;) {
      let page = db.collectionGroup(group).orderBy(FieldPath.documentId()).limit(4);
      if (after) page = page.startAfter(after);
      const snap = await db.runTransaction((tx) => tx.get(page), { readOnly: true });
      snap.docs.forEach((d) => seen.push(`${String(d.ref.parent.parent?.id)}/${d.id}`));
      if (snap.size < 4) break;
      after = snap.docs[snap.size - 1];
    }
    expect(seen).toEqual(["a/charge_r", "a/grant_1", "a-b/charge_r", "a-b/grant_1", "b/charge_r", "b/grant_1"]);
  });

  test("ordered reads by a field, a time range, and getAll in the order asked", async () => {
    const waiting = db.collection(`${prefix}_waiting`);
    await Promise.all([
      waiting.doc("x").set({ since: 30 }),
      waiting.doc("y").set({ since: 10 }),
      waiting.doc("z").set({ since: 20 }),
      waiting.doc("w").set({ other: 1 }),
      waiting.doc("v").set({ since: 10 }),
    ]);
    const oldest = await waiting.orderBy("since").limit(3).get();
    expect(oldest.docs.map((d) => d.id)).toEqual(["v", "y", "z"]);
    const at = (ms: number) => Timestamp.fromMillis(Date.UTC(2026, 11, 7) + ms);
    await Promise.all([0, 1000, 2000, 3000].map((ms) => waiting.doc(`t${ms}`).set({ createdAt: at(ms) })));
    const range = await waiting.where("createdAt", ">=", at(1000)).where("createdAt", "<", at(3000)).get();
    expect(range.docs.map((d) => d.id)).toEqual(["t1000", "t2000"]);
    const got = await db.getAll(waiting.doc("z"), waiting.doc("missing"), waiting.doc("x"));
    expect(got.map((d) => [d.id, d.exists])).toEqual([
      ["z", true],
      ["missing", false],
      ["x", true],
    ]);
  });
});
