/**
 * Generations in flight across every run and instance, bounded by the project's video quota:
 * `videoSlots/{0..limit-1}`, each free or held by one scene until its generation ends. This is
 * separate from how many function instances run: a held slot costs no instance while the model
 * renders. A slot whose holder vanished (a crash) frees itself when its lease passes.
 *
 * Scenes that found every slot taken wait in `videoWaiting`, oldest first: a scene giving its slot
 * back hands it straight to the oldest waiter, so a freed slot does not sit idle until a waiter
 * happens to look again (each waiter also looks again on its own, in case a hand-off is lost).
 */
import { Timestamp, type Firestore, type QueryDocumentSnapshot } from "firebase-admin/firestore";

export const VIDEO_SLOTS = "videoSlots";
export const VIDEO_WAITING = "videoWaiting";

/** A scene waiting for a slot: who, and which scene to wake. */
export interface Waiter {
  holder: string;
  runId: string;
  sceneNumber: number;
  round: number;
  since: Timestamp;
}

interface SlotDocument {
  holder: string | null;
  expiresAt: Timestamp | null;
}

/** A slot is free when nobody holds it or its holder's lease passed. */
export function slotFree(slot: SlotDocument | undefined, nowMs: number): boolean {
  return !slot?.holder || !slot.expiresAt || slot.expiresAt.toMillis() <= nowMs;
}

/** Free slots first in an order that differs per holder, so concurrent scenes rarely race for one slot. */
export function slotOrder(limit: number, holder: string, taken: ReadonlySet<number>): number[] {
  let hash = 0;
  for (const char of holder) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const order = Array.from({ length: limit }, (_, i) => (i + hash) % limit);
  return order.filter((i) => !taken.has(i));
}

/** gRPC ALREADY_EXISTS, as the Firestore client reports a create() of an existing document. */
const ALREADY_EXISTS = 6;

/** A transaction that lost to contention takes nothing: the scene looks again later. */
function contended(error: { code?: number }): null {
  // ABORTED: the transaction lost a race (or, in the emulator, a lock wait).
  if (error.code === 10) return null;
  throw error;
}

/** Document ids cannot hold "/". */
const waiterId = (holder: string) => holder.replace(/\//g, "__");

export class VideoQuota {
  constructor(private readonly db: Firestore) {}

  /**
   * Takes a slot for `holder` (or finds the one it already holds) until `leaseSeconds` from now.
   * Returns the slot number, or null when every slot is held.
   */
  async acquire(holder: string, limit: number, leaseSeconds: number): Promise<number | null> {
    const snapshot = await this.db.collection(VIDEO_SLOTS).get();
    const nowMs = Date.now();
    const taken = new Set<number>();
    for (const doc of snapshot.docs) {
      const index = Number(doc.id);
      const slot = doc.data() as SlotDocument;
      if (slot.holder === holder && !slotFree(slot, nowMs)) return this.claim(index, holder, leaseSeconds);
      if (!slotFree(slot, nowMs)) taken.add(index);
    }
    for (const index of slotOrder(limit, holder, taken)) {
      const claimed = await this.claim(index, holder, leaseSeconds).catch(contended);
      if (claimed !== null) return claimed;
    }
    return null;
  }

  /** Extends the lease of a slot this holder has (best effort: the lease outlasts several polls). */
  async renew(index: number, holder: string, leaseSeconds: number): Promise<void> {
    await this.claim(index, holder, leaseSeconds).catch(contended);
  }

  /**
   * Records a scene that found every slot taken (again: it keeps its place; it also looks again itself).
   * Returns since when it has waited.
   */
  async wait(waiter: Omit<Waiter, "since">): Promise<Timestamp> {
    const ref = this.db.doc(`${VIDEO_WAITING}/${waiterId(waiter.holder)}`);
    const since = Timestamp.now();
    try {
      await ref.create({ ...waiter, since });
      return since;
    } catch (error) {
      if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
      return ((await ref.get()).get("since") as Timestamp | undefined) ?? since;
    }
  }

  /**
   * Gives the slot back, or hands it to the oldest waiting scene (returned, so the caller wakes it).
   * The waiters are read before the transaction, which then reads single documents only: a query
   * inside it would lock the whole waiting list against every scene joining it.
   */
  async release(index: number, holder: string, leaseSeconds: number): Promise<Waiter | null> {
    const ref = this.db.doc(`${VIDEO_SLOTS}/${index}`);
    const oldest = (await this.db.collection(VIDEO_WAITING).orderBy("since").limit(3).get()).docs;
    /** The waiter the slot went to, or null when this candidate is gone (or the slot is not ours). */
    const handOver = (candidate: QueryDocumentSnapshot) =>
      this.db.runTransaction(async (tx) => {
        const [slot, next] = await Promise.all([tx.get(ref), tx.get(candidate.ref)]);
        if (slot.get("holder") !== holder || !next.exists) return null;
        const waiter = next.data() as Waiter;
        tx.set(ref, { holder: waiter.holder, expiresAt: Timestamp.fromMillis(Date.now() + leaseSeconds * 1000) });
        tx.delete(next.ref);
        return waiter;
      });
    for (const candidate of oldest) {
      const waiter = await handOver(candidate).catch(contended);
      if (waiter) return waiter;
    }
    // No waiter took the slot (none, or each gone or contended): free it for the next to look.
    await this.db.runTransaction(async (tx) => {
      if ((await tx.get(ref)).get("holder") === holder) tx.set(ref, { holder: null, expiresAt: null });
    });
    return null;
  }

  private async claim(index: number, holder: string, leaseSeconds: number): Promise<number | null> {
    const ref = this.db.doc(`${VIDEO_SLOTS}/${index}`);
    const waiting = this.db.doc(`${VIDEO_WAITING}/${waiterId(holder)}`);
    return this.db.runTransaction(async (tx) => {
      const slot = (await tx.get(ref)).data() as SlotDocument | undefined;
      if (slot?.holder !== holder && !slotFree(slot, Date.now())) return null;
      tx.set(ref, { holder, expiresAt: Timestamp.fromMillis(Date.now() + leaseSeconds * 1000) });
      tx.delete(waiting);
      return index;
    });
  }
}
