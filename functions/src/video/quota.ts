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
import { Timestamp, type Firestore } from "firebase-admin/firestore";

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
      const claimed = await this.claim(index, holder, leaseSeconds);
      if (claimed !== null) return claimed;
    }
    return null;
  }

  /** Extends the lease of a slot this holder has. */
  async renew(index: number, holder: string, leaseSeconds: number): Promise<void> {
    await this.claim(index, holder, leaseSeconds);
  }

  /** Records a scene that found every slot taken (again: it keeps its place). */
  async wait(waiter: Omit<Waiter, "since">): Promise<void> {
    const ref = this.db.doc(`${VIDEO_WAITING}/${waiterId(waiter.holder)}`);
    await this.db.runTransaction(async (tx) => {
      if (!(await tx.get(ref)).exists) tx.set(ref, { ...waiter, since: Timestamp.now() });
    });
  }

  /**
   * Gives the slot back, or hands it to the oldest waiting scene (returned, so the caller wakes it).
   */
  async release(index: number, holder: string, leaseSeconds: number): Promise<Waiter | null> {
    const ref = this.db.doc(`${VIDEO_SLOTS}/${index}`);
    const oldest = this.db.collection(VIDEO_WAITING).orderBy("since").limit(1);
    return this.db.runTransaction(async (tx) => {
      const slot = (await tx.get(ref)).data() as SlotDocument | undefined;
      if (slot?.holder !== holder) return null;
      const next = (await tx.get(oldest)).docs[0];
      if (!next) {
        tx.set(ref, { holder: null, expiresAt: null });
        return null;
      }
      const waiter = next.data() as Waiter;
      tx.set(ref, { holder: waiter.holder, expiresAt: Timestamp.fromMillis(Date.now() + leaseSeconds * 1000) });
      tx.delete(next.ref);
      return waiter;
    });
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
