/**
 * The daily roll-up (a scheduled function): writes `metrics/{day}` and then runs the rollback
 * guard over the window ending that day. Re-running a day rewrites the same document.
 */
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { loadPipelineSettings } from "../pipelineSettings";
import { effectiveRolloutPct, loadRolloutFlag } from "../rollout/flag";
import { guardDecision, tripGuard, type GuardDecision } from "../metrics/rollbackGuard";
import { addDays, computeDailyMetrics, dayOf, daysBetween } from "../metrics/compute";
import { loadMetricRuns } from "../metrics/load";
import { MetricsDocumentSchema, type MetricsDocument } from "../metrics/metricsDocument";
import { deliveredScenesCostUsd } from "../models/cost";
import { loadModelConfig, type ModelConfig } from "../models/modelConfig";

export const metricsPath = (day: string) => `metrics/${day}`;

/**
 * Days the scheduled roll-up covers at `nowMs`: yesterday, and the day before again because a
 * run created late that day may have waited for a user's decision past midnight.
 */
export function daysToRollUp(nowMs: number): string[] {
  const today = dayOf(nowMs);
  return [addDays(today, -2), addDays(today, -1)];
}

export interface RollUpResult {
  metrics: MetricsDocument;
  guard: GuardDecision;
  tripped: boolean;
}

/** `models`: the price table that values the video spend of storyboards nobody approved. */
export async function rollUpMetrics(
  db: Firestore,
  day: string,
  models: Pick<ModelConfig, "video" | "prices"> = loadModelConfig(),
): Promise<RollUpResult> {
  const [runs, settings, flag] = await Promise.all([
    loadMetricRuns(db, day, day),
    loadPipelineSettings(db),
    loadRolloutFlag(db),
  ]);
  const daily = computeDailyMetrics(runs, day, {
    degradationThresholdPct: settings.degradationThresholdPct,
    scenesCostUsd: (sceneSecs, atMs) => deliveredScenesCostUsd(models, sceneSecs, atMs)?.usd,
  });
  const ref = db.doc(metricsPath(day));
  const metrics = await db.runTransaction(async (tx) => {
    const existing = MetricsDocumentSchema.safeParse((await tx.get(ref)).data());
    // The rollout in force that day is the one seen by its first roll-up, not today's.
    const rollout = existing.success
      ? existing.data.rollout
      : { enabled: flag.enabled, rolloutPct: flag.rolloutPct, effectivePct: effectiveRolloutPct(flag) };
    const doc: MetricsDocument = { ...daily, rollout, computedAt: Timestamp.now() };
    tx.set(ref, doc);
    return doc;
  });
  const window = await loadMetricsDocuments(db, addDays(day, 1 - flag.guard.windowDays), day);
  const guard = guardDecision(window, flag);
  const tripped = guard.trip && (await tripGuard(db, day, guard));
  return { metrics, guard, tripped };
}

/** The stored `metrics/{day}` documents from `from` to `to` (days without one are left out). */
export async function loadMetricsDocuments(db: Firestore, from: string, to: string): Promise<MetricsDocument[]> {
  const days = daysBetween(from, to);
  const snaps = await db.getAll(...days.map((day) => db.doc(metricsPath(day))));
  return snaps.filter((s) => s.exists).map((s) => MetricsDocumentSchema.parse(s.data()));
}
