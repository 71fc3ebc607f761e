/**
 * ENABLE_GRACEFUL_FAILURES as a config document. A user's cohort follows from a stable hash of
 * the uid, so raising the percentage only ever moves users from legacy into the graceful cohort.
 */
import { createHash } from "node:crypto";
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { z } from "zod";
import type { Cohort } from "../contract/cohorts";

export const ROLLOUT_FLAG_PATH = "config/rollout";

export const RolloutGuardSchema = z.object({
  /** Share of the graceful cohort's runs refunded over the window at which the flag turns off (plan: 20%). */
  refundRateThreshold: z.number().min(0).max(1).default(0.2),
  windowDays: z.number().int().min(1).max(31).default(3),
  /** Below this many graceful runs in the window the refund rate is noise: the guard never trips. */
  minRuns: z.number().int().min(1).default(30),
});

/**
 * `config/rollout`. A missing document means the feature is fully on: graceful failure is the
 * product's promise and legacy exists only as a measured comparison. The plan's first week is
 * `{enabled: true, rolloutPct: 10}`, written by the operator (or by the seeded demo week).
 */
export const RolloutFlagSchema = z.object({
  enabled: z.boolean().default(true),
  rolloutPct: z.number().min(0).max(100).default(100),
  guard: RolloutGuardSchema.prefault({}),
  disabledReason: z.string().optional(),
  disabledAt: z.instanceof(Timestamp).optional(),
});
export type RolloutFlag = z.infer<typeof RolloutFlagSchema>;

const BUCKETS = 10_000;

/** 0..9999 from the first 4 bytes of SHA-256(uid): uniform, and the same on every instance. */
export function bucketOf(uid: string): number {
  return createHash("sha256").update(uid, "utf8").digest().readUInt32BE(0) % BUCKETS;
}

/** Buckets below rolloutPct × 100 are in: growing the percentage keeps everyone already in. */
export function cohortFor(uid: string, flag: Pick<RolloutFlag, "enabled" | "rolloutPct">): Cohort {
  if (!flag.enabled) return "legacy";
  return bucketOf(uid) < Math.round(flag.rolloutPct * (BUCKETS / 100)) ? "graceful" : "legacy";
}

/** The share of users in the graceful cohort right now (0 when the flag is off). */
export function effectiveRolloutPct(flag: Pick<RolloutFlag, "enabled" | "rolloutPct">): number {
  return flag.enabled ? flag.rolloutPct : 0;
}

export async function loadRolloutFlag(db: Firestore): Promise<RolloutFlag> {
  const snap = await db.doc(ROLLOUT_FLAG_PATH).get();
  return RolloutFlagSchema.parse(snap.data() ?? {});
}
