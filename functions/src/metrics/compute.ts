/**
 * The plan's success metrics, per cohort and per UTC day, as a pure function of the runs.
 *
 * Which runs count: created that day (UTC), charged (credits.charged > 0) and settled
 * (succeeded or failed). Uncharged runs (refused uploads, declined confirmations, no credits)
 * cost nobody anything; runs still in progress are counted on the day they were created once
 * they settle (a later roll-up of that day picks them up).
 *
 * Per run:
 * - refunded: credits.refunded > 0.
 * - degraded: its share of Ken Burns scenes is above the pipeline's degradation threshold.
 * - fallback content: legacy generic content (DNA, script or voice), or degraded.
 * - wasted: charged, not refunded, and either failed, or on legacy content, or degraded without
 *   the user having accepted it in the quality decision (an informed "accept" is not waste).
 * - clean success: succeeded without fallback content.
 * - model failure: failed, or rescued by legacy content (the failure the legacy cohort hides).
 * - handled gracefully: failed, refunded, and the refund notification was written.
 *
 * Rates (null when the denominator is 0):
 * - creditWasteRate = wasted / runs          - pipelineSuccessRate = clean successes / runs
 * - gracefulFailureRate = handled gracefully / model failures
 * - celebrityPreDetectionRate = runs with a celebrity_detected scene whose preflight warned
 *   FACES_DETECTED / runs with a celebrity_detected scene
 * - refundRate = refunded / runs             - kenBurnsShare = Ken Burns scenes / scenes
 *
 * Quality-gate failures (the finished video failed the output gate, so it was not delivered and
 * was refunded) are counted as runs and by cause; a run failing on two causes counts once in
 * qualityGateFailures and once under each cause.
 */
import { z } from "zod";
import type { FallbackReason, SceneMethod } from "../contract/run";
import { QUALITY_CAUSES, type QualityCause } from "../contract/quality";
import { COHORTS, type Cohort } from "../contract/cohorts";
import { computeStoryboardDay, StoryboardDaySchema, type ScenesCost, type StoryboardMetricRun } from "./storyboards";

/** What the metrics need from a run document and its scenes (the storyboard's figures: storyboards.ts). */
export interface MetricRun extends StoryboardMetricRun {
  cohort: Cohort;
  /** `users/{uid}/notifications/refund_{runId}` exists. */
  refundNotified: boolean;
  legacyFallback: boolean;
  /** The user answered the quality decision with "accept" at least once. */
  acceptedDegraded: boolean;
  /** The preflight warned FACES_DETECTED. */
  facesWarned: boolean;
  scenes: { method: SceneMethod; fallbackReason: FallbackReason | null }[];
  /** Why the output quality gate failed the run's video; empty when it did not. */
  qualityGateCauses: QualityCause[];
}

const count = z.number().int().min(0);
export const CohortCountsSchema = z.object({
  runs: count,
  succeeded: count,
  failed: count,
  refunded: count,
  wasted: count,
  cleanSuccesses: count,
  modelFailures: count,
  gracefulFailures: count,
  celebrityRuns: count,
  celebrityWarned: count,
  scenes: count,
  kenBurnsScenes: count,
  /** Defaults: days rolled up before the quality gate existed had none. */
  qualityGateFailures: count.default(0),
  qualityGateCauses: z.partialRecord(z.enum(QUALITY_CAUSES), count).default({}),
});
export type CohortCounts = z.infer<typeof CohortCountsSchema>;

const rate = z.number().min(0).max(1).nullable();
export const CohortRatesSchema = z.object({
  creditWasteRate: rate,
  pipelineSuccessRate: rate,
  gracefulFailureRate: rate,
  celebrityPreDetectionRate: rate,
  refundRate: rate,
  kenBurnsShare: rate,
});
export type CohortRates = z.infer<typeof CohortRatesSchema>;
export type RateName = keyof CohortRates;

export const CohortMetricsSchema = z.object({ counts: CohortCountsSchema, rates: CohortRatesSchema });
export type CohortMetrics = z.infer<typeof CohortMetricsSchema>;

export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export const DailyMetricsSchema = z.object({
  day: z.string().regex(DAY_PATTERN),
  degradationThresholdPct: z.number().min(0).max(100),
  cohorts: z.object({ graceful: CohortMetricsSchema, legacy: CohortMetricsSchema }),
  /** Over both cohorts; days rolled up before the storyboard's figures existed have none. */
  storyboards: StoryboardDaySchema.optional(),
});
export type DailyMetrics = z.infer<typeof DailyMetricsSchema>;

const DAY_MS = 86_400_000;

/** [start, end) of a UTC day "YYYY-MM-DD" in epoch milliseconds. */
export function dayRange(day: string): { startMs: number; endMs: number } {
  const startMs = Date.parse(`${day}T00:00:00.000Z`);
  if (!DAY_PATTERN.test(day) || Number.isNaN(startMs)) throw new Error(`not a day (YYYY-MM-DD): ${day}`);
  return { startMs, endMs: startMs + DAY_MS };
}

/** The UTC day of an instant. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `day` shifted by `offset` days. */
export function addDays(day: string, offset: number): string {
  return dayOf(dayRange(day).startMs + offset * DAY_MS);
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

export function ratesOf(c: CohortCounts): CohortRates {
  return {
    creditWasteRate: ratio(c.wasted, c.runs),
    pipelineSuccessRate: ratio(c.cleanSuccesses, c.runs),
    gracefulFailureRate: ratio(c.gracefulFailures, c.modelFailures),
    celebrityPreDetectionRate: ratio(c.celebrityWarned, c.celebrityRuns),
    refundRate: ratio(c.refunded, c.runs),
    kenBurnsShare: ratio(c.kenBurnsScenes, c.scenes),
  };
}

const EMPTY_COUNTS: CohortCounts = {
  runs: 0,
  succeeded: 0,
  failed: 0,
  refunded: 0,
  wasted: 0,
  cleanSuccesses: 0,
  modelFailures: 0,
  gracefulFailures: 0,
  celebrityRuns: 0,
  celebrityWarned: 0,
  scenes: 0,
  kenBurnsScenes: 0,
  qualityGateFailures: 0,
  qualityGateCauses: {},
};

/** Counts summed over days (or cohorts): rates over a window are pooled, never averaged. */
export function addCounts(a: CohortCounts, b: CohortCounts): CohortCounts {
  const sum = { ...a, qualityGateCauses: { ...a.qualityGateCauses } };
  for (const key of Object.keys(EMPTY_COUNTS) as (keyof CohortCounts)[]) {
    if (key !== "qualityGateCauses") sum[key] = a[key] + b[key];
  }
  for (const [cause, n] of Object.entries(b.qualityGateCauses) as [QualityCause, number][]) {
    sum.qualityGateCauses[cause] = (sum.qualityGateCauses[cause] ?? 0) + n;
  }
  return sum;
}

function countRun(run: MetricRun, degradationThresholdPct: number): CohortCounts {
  const kenBurnsScenes = run.scenes.filter((s) => s.method === "ken-burns").length;
  const degraded = run.scenes.length > 0 && (kenBurnsScenes / run.scenes.length) * 100 > degradationThresholdPct;
  const refunded = run.refunded > 0;
  const failed = run.status === "failed";
  const succeeded = run.status === "succeeded";
  const celebrity = run.scenes.some((s) => s.fallbackReason === "celebrity_detected");
  const flag = (condition: boolean) => (condition ? 1 : 0);
  return {
    runs: 1,
    succeeded: flag(succeeded),
    failed: flag(failed),
    refunded: flag(refunded),
    wasted: flag(!refunded && (failed || run.legacyFallback || (degraded && !run.acceptedDegraded))),
    cleanSuccesses: flag(succeeded && !run.legacyFallback && !degraded),
    modelFailures: flag(failed || run.legacyFallback),
    gracefulFailures: flag(failed && refunded && run.refundNotified),
    celebrityRuns: flag(celebrity),
    celebrityWarned: flag(celebrity && run.facesWarned),
    scenes: run.scenes.length,
    kenBurnsScenes,
    qualityGateFailures: flag(run.qualityGateCauses.length > 0),
    qualityGateCauses: Object.fromEntries([...new Set(run.qualityGateCauses)].map((cause) => [cause, 1])),
  };
}

/** Whether a run enters the metrics of `day` (see the definitions above). */
export function countsOnDay(run: MetricRun, day: string): boolean {
  const { startMs, endMs } = dayRange(day);
  const settled = run.status === "succeeded" || run.status === "failed";
  return run.createdAtMs >= startMs && run.createdAtMs < endMs && run.charged > 0 && settled;
}

export function computeDailyMetrics(
  runs: readonly MetricRun[],
  day: string,
  options: { degradationThresholdPct: number; scenesCostUsd: ScenesCost },
): DailyMetrics {
  const totals = Object.fromEntries(COHORTS.map((c) => [c, EMPTY_COUNTS])) as Record<Cohort, CohortCounts>;
  for (const run of runs) {
    if (countsOnDay(run, day))
      totals[run.cohort] = addCounts(totals[run.cohort], countRun(run, options.degradationThresholdPct));
  }
  const cohort = (c: Cohort): CohortMetrics => ({ counts: totals[c], rates: ratesOf(totals[c]) });
  const { startMs, endMs } = dayRange(day);
  const createdThatDay = runs.filter((run) => run.createdAtMs >= startMs && run.createdAtMs < endMs);
  return {
    day,
    degradationThresholdPct: options.degradationThresholdPct,
    cohorts: { graceful: cohort("graceful"), legacy: cohort("legacy") },
    storyboards: computeStoryboardDay(createdThatDay, options.scenesCostUsd),
  };
}
