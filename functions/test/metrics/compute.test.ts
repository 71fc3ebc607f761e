import { addCounts, computeDailyMetrics, type MetricRun } from "../../src/metrics/compute";

const DAY = "2025-06-03";
const at = (time: string) => Date.parse(`${DAY}T${time}Z`);
const veo = { method: "generated", fallbackReason: null } as const;
const celebrity = { method: "ken-burns", fallbackReason: "celebrity_detected" } as const;
const rateLimit = { method: "ken-burns", fallbackReason: "rate_limit" } as const;

function run(id: string, overrides: Partial<MetricRun>): MetricRun {
  return {
    id,
    createdAtMs: at("10:00:00"),
    cohort: "graceful",
    status: "succeeded",
    charged: 10,
    refunded: 0,
    refundNotified: false,
    legacyFallback: false,
    acceptedDegraded: false,
    facesWarned: false,
    scenes: [veo, veo, veo, veo],
    qualityGateCauses: [],
    failureReason: null,
    storyboard: null,
    spend: { usdByStage: {}, uncostedCalls: 0 },
    ...overrides,
  };
}

const failedRefunded = { status: "failed", refunded: 10, refundNotified: true } as const;

/** Graceful: 8 counted runs; legacy: 5 counted runs; 4 runs that must not count at all. */
const runs: MetricRun[] = [
  // graceful
  run("g1", {}),
  run("g2", { scenes: [celebrity, veo, veo, veo], facesWarned: true }),
  run("g3", { scenes: [celebrity, celebrity, celebrity, veo], facesWarned: true, acceptedDegraded: true }),
  run("g4", { ...failedRefunded, scenes: [celebrity, celebrity, celebrity, veo], acceptedDegraded: false }),
  run("g5", { ...failedRefunded, scenes: [] }),
  run("g6", { ...failedRefunded, refundNotified: false, scenes: [] }),
  run("g7", { scenes: [rateLimit, veo, veo, veo] }),
  run("g8", { status: "failed", refunded: 0, scenes: [] }),
  // legacy
  run("l1", { cohort: "legacy" }),
  run("l2", { cohort: "legacy", legacyFallback: true }),
  run("l3", { cohort: "legacy", legacyFallback: true, scenes: [celebrity, veo, veo, veo], facesWarned: true }),
  run("l4", { cohort: "legacy", scenes: [celebrity, celebrity, rateLimit, veo] }),
  run("l5", { cohort: "legacy", ...failedRefunded, scenes: [veo, veo] }),
  // not counted: another day, uncharged, unsettled
  run("x1", { createdAtMs: at("00:00:00") - 1 }),
  run("x2", { createdAtMs: at("00:00:00") + 86_400_000 }),
  run("x3", { charged: 0, status: "failed" }),
  run("x4", { status: "awaiting_decision" }),
];

const metrics = computeDailyMetrics(runs, DAY, { degradationThresholdPct: 50, scenesCostUsd: () => undefined });

test("counts only runs created that UTC day, charged and settled, per cohort", () => {
  expect(metrics.cohorts.graceful.counts.runs).toBe(8);
  expect(metrics.cohorts.legacy.counts.runs).toBe(5);
  expect(
    computeDailyMetrics(runs, "2025-06-04", { degradationThresholdPct: 50, scenesCostUsd: () => undefined }).cohorts
      .graceful.counts.runs,
  ).toBe(1);
});

test("credit waste: charged, not refunded, and failed, legacy content, or degraded without acceptance", () => {
  // graceful: g8 (failed, not refunded); g3 is degraded but accepted; g4 degraded but refunded.
  expect(metrics.cohorts.graceful.rates.creditWasteRate).toBeCloseTo(1 / 8);
  // legacy: l2, l3 (generic content), l4 (75% Ken Burns, never accepted).
  expect(metrics.cohorts.legacy.rates.creditWasteRate).toBeCloseTo(3 / 5);
});

test("pipeline success: succeeded without legacy content and not above the Ken Burns threshold", () => {
  // g1, g2 (25% Ken Burns), g7; g3 succeeded but 75% Ken Burns.
  expect(metrics.cohorts.graceful.rates.pipelineSuccessRate).toBeCloseTo(3 / 8);
  expect(metrics.cohorts.legacy.rates.pipelineSuccessRate).toBeCloseTo(1 / 5);
});

test("graceful failures: refunded and notified, of the failed or legacy-rescued runs", () => {
  // failures g4, g5, g6, g8; g6 was never notified, g8 never refunded.
  expect(metrics.cohorts.graceful.rates.gracefulFailureRate).toBeCloseTo(2 / 4);
  // failures l2, l3 (hidden by generic content), l5 (refunded and notified).
  expect(metrics.cohorts.legacy.rates.gracefulFailureRate).toBeCloseTo(1 / 3);
});

test("celebrity pre-detection: runs with a celebrity rejection whose preflight warned", () => {
  expect(metrics.cohorts.graceful.counts).toMatchObject({ celebrityRuns: 3, celebrityWarned: 2 });
  expect(metrics.cohorts.graceful.rates.celebrityPreDetectionRate).toBeCloseTo(2 / 3);
  expect(metrics.cohorts.legacy.rates.celebrityPreDetectionRate).toBeCloseTo(1 / 2);
});

test("refund rate and Ken Burns share", () => {
  expect(metrics.cohorts.graceful.rates.refundRate).toBeCloseTo(3 / 8);
  expect(metrics.cohorts.legacy.rates.refundRate).toBeCloseTo(1 / 5);
  // graceful scenes: 4+4+4+4+0+0+4+0 = 20, Ken Burns 1+3+3+1 = 8.
  expect(metrics.cohorts.graceful.rates.kenBurnsShare).toBeCloseTo(8 / 20);
  // legacy scenes: 4+4+4+4+2 = 18, Ken Burns 1+3 = 4.
  expect(metrics.cohorts.legacy.rates.kenBurnsShare).toBeCloseTo(4 / 18);
});

test("a rate with nothing to measure is null, not 0", () => {
  const empty = computeDailyMetrics([run("only", {})], DAY, {
    degradationThresholdPct: 50,
    scenesCostUsd: () => undefined,
  });
  expect(empty.cohorts.graceful.rates.gracefulFailureRate).toBeNull();
  expect(empty.cohorts.graceful.rates.celebrityPreDetectionRate).toBeNull();
  expect(empty.cohorts.legacy.rates).toEqual({
    creditWasteRate: null,
    pipelineSuccessRate: null,
    gracefulFailureRate: null,
    celebrityPreDetectionRate: null,
    refundRate: null,
    kenBurnsShare: null,
  });
});

test("the degradation threshold is exclusive: exactly 50% Ken Burns is not degraded", () => {
  const half = run("half", { scenes: [celebrity, celebrity, veo, veo] });
  expect(
    computeDailyMetrics([half], DAY, { degradationThresholdPct: 50, scenesCostUsd: () => undefined }).cohorts.graceful
      .rates.pipelineSuccessRate,
  ).toBe(1);
  expect(
    computeDailyMetrics([half], DAY, { degradationThresholdPct: 40, scenesCostUsd: () => undefined }).cohorts.graceful
      .rates.pipelineSuccessRate,
  ).toBe(0);
});

test("a cancel at the face warning ends uncharged: it is no pipeline failure and no refund", () => {
  const cancelled = run("c1", { status: "failed", charged: 0, facesWarned: true, scenes: [] });
  const counts = computeDailyMetrics([run("s1", {}), cancelled], DAY, {
    degradationThresholdPct: 50,
    scenesCostUsd: () => undefined,
  }).cohorts.graceful.counts;
  expect(counts).toMatchObject({ runs: 1, failed: 0, modelFailures: 0, refunded: 0 });
});

test("quality-gate failures are counted as runs and by cause, and pooled across days", () => {
  const gate = (id: string, causes: MetricRun["qualityGateCauses"]) =>
    run(id, { ...failedRefunded, qualityGateCauses: causes });
  const day = computeDailyMetrics(
    [gate("q1", ["black"]), gate("q2", ["voice_silent", "loudness"]), gate("q3", ["black", "black"]), run("q4", {})],
    DAY,
    { degradationThresholdPct: 50, scenesCostUsd: () => undefined },
  );
  const counts = day.cohorts.graceful.counts;
  expect(counts.qualityGateFailures).toBe(3);
  expect(counts.qualityGateCauses).toEqual({ black: 2, voice_silent: 1, loudness: 1 });
  // Refunded, so not wasted: the gate turns shipped waste into a refund.
  expect(counts.wasted).toBe(0);
  expect(metrics.cohorts.graceful.counts.qualityGateFailures).toBe(0);
  const pooled = addCounts(counts, counts);
  expect(pooled.qualityGateCauses).toEqual({ black: 4, voice_silent: 2, loudness: 2 });
  expect(counts.qualityGateCauses).toEqual({ black: 2, voice_silent: 1, loudness: 1 });
});
