import { Timestamp, type Firestore } from "firebase-admin/firestore";
import type { ErrorClass } from "../contract/run";
import type { ProviderName } from "../contract/providers";

export const COOLDOWN_COLLECTION = "modelCooldowns";

export interface ModelRef {
  provider: ProviderName;
  model: string;
}

/** What every instance knows about one model: `modelCooldowns/{provider__model}`. */
export interface CooldownState {
  /** Epoch ms; the model is skipped until then. 0 when it is not cooled down. */
  untilMs: number;
  /** Why it was cooled down. */
  errorClass: ErrorClass;
  /** Consecutive failures that count toward a cooldown. */
  failureStreak: number;
  /**
   * A shutdown date the daily check learned from the provider's own list, applied like the
   * entry's retiresOn (the earlier wins), with where it was read.
   */
  learnedShutdown?: LearnedShutdown;
}

export interface LearnedShutdown {
  /** YYYY-MM-DD: no call from 00:00 UTC that day. */
  date: string;
  source: string;
  /** The day of the check that read it. */
  learnedOn: string;
}

const NOT_COOLED: CooldownState = { untilMs: 0, errorClass: "not_found", failureStreak: 0 };

interface CooldownDoc {
  provider: string;
  model: string;
  until?: Timestamp;
  reason?: string;
  errorClass?: ErrorClass;
  failureStreak?: number;
  shutdown?: LearnedShutdown;
}

export function cooldownDocId(ref: ModelRef): string {
  return `${ref.provider}__${ref.model}`.replace(/\//g, "_");
}

/** Shared cooldowns in Firestore, so a model found gone is skipped by every function instance. */
export class CooldownStore {
  constructor(private readonly db: Firestore) {}

  private doc(ref: ModelRef) {
    return this.db.collection(COOLDOWN_COLLECTION).doc(cooldownDocId(ref));
  }

  /** The state of every model of a chain, in one round trip. */
  async states(refs: ModelRef[]): Promise<Map<string, CooldownState>> {
    const snapshots = refs.length ? await this.db.getAll(...refs.map((ref) => this.doc(ref))) : [];
    const states = new Map<string, CooldownState>();
    snapshots.forEach((snapshot, index) => {
      const data = snapshot.data() as CooldownDoc | undefined;
      states.set(
        cooldownDocId(refs[index]),
        data
          ? {
              untilMs: data.until?.toMillis() ?? 0,
              errorClass: data.errorClass ?? "not_found",
              failureStreak: data.failureStreak ?? 0,
              ...(data.shutdown ? { learnedShutdown: data.shutdown } : {}),
            }
          : NOT_COOLED,
      );
    });
    return states;
  }

  /** Merged, so a learned shutdown date outlives every cooldown. */
  async coolDown(ref: ModelRef, untilMs: number, errorClass: ErrorClass, reason: string): Promise<void> {
    const doc: CooldownDoc = { ...ref, until: Timestamp.fromMillis(untilMs), reason, errorClass, failureStreak: 0 };
    await this.doc(ref).set(doc, { merge: true });
  }

  /** Records the provider's announced shutdown date for every instance's retirement guard. */
  async learnShutdown(ref: ModelRef, shutdown: LearnedShutdown): Promise<void> {
    const doc: CooldownDoc = { ...ref, shutdown };
    await this.doc(ref).set(doc, { merge: true });
  }

  /**
   * Counts one more consecutive failure; at `streakLimit` the model is cooled down
   * until `untilMs`. Returns true when this failure started a cooldown.
   */
  async recordFailure(
    ref: ModelRef,
    errorClass: ErrorClass,
    reason: string,
    streakLimit: number,
    untilMs: number,
  ): Promise<boolean> {
    const doc = this.doc(ref);
    return this.db.runTransaction(async (tx) => {
      const current = (await tx.get(doc)).data() as CooldownDoc | undefined;
      const streak = (current?.failureStreak ?? 0) + 1;
      const cooled = streak >= streakLimit;
      const next: CooldownDoc = {
        ...ref,
        until: cooled ? Timestamp.fromMillis(untilMs) : (current?.until ?? Timestamp.fromMillis(0)),
        reason: cooled ? `${streak} consecutive failures, last: ${reason}` : (current?.reason ?? ""),
        errorClass: cooled ? errorClass : (current?.errorClass ?? errorClass),
        failureStreak: cooled ? 0 : streak,
      };
      tx.set(doc, next, { merge: true });
      return cooled;
    });
  }

  /** A success ends a failure streak. */
  async clearStreak(ref: ModelRef): Promise<void> {
    await this.doc(ref).update({ failureStreak: 0 });
  }
}
