/**
 * The automatic rollback: when the graceful cohort's refund rate over the last days reaches
 * the threshold with enough runs to mean something, the flag turns itself off, says why, and
 * tells the operators. It only ever turns the feature off; raising the percentage is a person's call.
 */
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { addCounts, ratio, type CohortCounts, type DailyMetrics } from "./compute";
import { ROLLOUT_FLAG_PATH, RolloutFlagSchema, type RolloutFlag } from "../rollout/flag";

export interface GuardDecision {
  trip: boolean;
  reason: string;
  /** Pooled over the window: refunded / runs of the graceful cohort (null with no runs). */
  refundRate: number | null;
  runs: number;
  refunded: number;
}

const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/** Decides on the graceful cohort's counts summed over `metricsWindow` (the days the caller chose). */
export function guardDecision(metricsWindow: readonly DailyMetrics[], flag: RolloutFlag): GuardDecision {
  const counts = metricsWindow
    .map((m) => m.cohorts.graceful.counts)
    .reduce<CohortCounts | null>((a, b) => (a ? addCounts(a, b) : b), null);
  const runs = counts?.runs ?? 0;
  const refunded = counts?.refunded ?? 0;
  const refundRate = ratio(refunded, runs);
  const days = metricsWindow.map((m) => m.day).sort();
  const span = days.length === 0 ? "no days" : days.length === 1 ? days[0] : `${days[0]}..${days[days.length - 1]}`;
  const { refundRateThreshold: threshold, minRuns } = flag.guard;
  const observed = `graceful refund rate ${refundRate === null ? "n/a" : pct(refundRate)} (${refunded} of ${runs} runs, ${span})`;
  const hold = (reason: string): GuardDecision => ({ trip: false, reason, refundRate, runs, refunded });
  if (!flag.enabled) return hold(`flag already off; ${observed}`);
  if (runs < minRuns) return hold(`too few runs to judge: ${observed}, need at least ${minRuns}`);
  if (refundRate === null || refundRate < threshold)
    return hold(`${observed} is below the ${pct(threshold)} threshold`);
  return {
    trip: true,
    reason: `${observed} reached the ${pct(threshold)} rollback threshold`,
    refundRate,
    runs,
    refunded,
  };
}

export const OPERATOR_ALERTS_PATH = "operators/alerts/items";
export const rollbackAlertId = (day: string) => `rollback_${day}`;

/**
 * Turns the flag off, records why and when, and writes the operators' alert, in one transaction.
 * A flag someone already turned off is left alone (and no alert is written): returns false.
 */
export async function tripGuard(
  db: Firestore,
  day: string,
  decision: GuardDecision,
  now = Timestamp.now(),
): Promise<boolean> {
  const flagRef = db.doc(ROLLOUT_FLAG_PATH);
  return db.runTransaction(async (tx) => {
    const flag: RolloutFlag = RolloutFlagSchema.parse((await tx.get(flagRef)).data() ?? {});
    if (!flag.enabled) return false;
    tx.set(flagRef, { ...flag, enabled: false, disabledReason: decision.reason, disabledAt: now });
    tx.set(db.doc(`${OPERATOR_ALERTS_PATH}/${rollbackAlertId(day)}`), {
      kind: "rollout_rollback",
      title: "Graceful failures rolled back",
      body: `ENABLE_GRACEFUL_FAILURES was turned off automatically at ${flag.rolloutPct}% rollout: ${decision.reason}. Investigate before enabling it again.`,
      day,
      rolloutPctBefore: flag.rolloutPct,
      refundRate: decision.refundRate,
      runs: decision.runs,
      refunded: decision.refunded,
      acknowledged: false,
      createdAt: now,
    });
    return true;
  });
}
