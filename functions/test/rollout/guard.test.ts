import { computeDailyMetrics, type MetricRun } from "../../src/metrics/compute";
import { RolloutFlagSchema } from "../../src/rollout/flag";
import { guardDecision } from "../../src/metrics/rollbackGuard";

const flag = RolloutFlagSchema.parse({
  rolloutPct: 50,
  guard: { refundRateThreshold: 0.2, windowDays: 3, minRuns: 20 },
});

/** A day whose graceful cohort has `runs` charged runs of which `refunded` were refunded. */
function day(date: string, runs: number, refunded: number) {
  const list: MetricRun[] = Array.from({ length: runs }, (_, i) => ({
    id: `${date}-${i}`,
    createdAtMs: Date.parse(`${date}T12:00:00Z`),
    cohort: "graceful",
    status: i < refunded ? "failed" : "succeeded",
    charged: 10,
    refunded: i < refunded ? 10 : 0,
    refundNotified: i < refunded,
    legacyFallback: false,
    acceptedDegraded: false,
    facesWarned: false,
    scenes: [],
    qualityGateCauses: [],
    failureReason: null,
    storyboard: null,
    spend: { usdByStage: {}, uncostedCalls: 0 },
  }));
  return computeDailyMetrics(list, date, { degradationThresholdPct: 50, scenesCostUsd: () => undefined });
}

test("trips when the pooled refund rate reaches the threshold with enough runs", () => {
  const decision = guardDecision([day("2025-06-01", 10, 1), day("2025-06-02", 10, 2), day("2025-06-03", 10, 3)], flag);
  expect(decision).toMatchObject({ trip: true, runs: 30, refunded: 6, refundRate: 0.2 });
  expect(decision.reason).toContain("20.0% (6 of 30 runs, 2025-06-01..2025-06-03)");
});

test("does not trip just below the threshold", () => {
  const decision = guardDecision([day("2025-06-01", 10, 1), day("2025-06-02", 10, 2), day("2025-06-03", 11, 3)], flag);
  expect(decision.refundRate).toBeCloseTo(6 / 31);
  expect(decision.trip).toBe(false);
});

test("never trips on too few runs, however high the rate", () => {
  const decision = guardDecision([day("2025-06-01", 19, 19)], flag);
  expect(decision).toMatchObject({ trip: false, runs: 19, refundRate: 1 });
  expect(decision.reason).toContain("too few runs");
  expect(guardDecision([], flag).trip).toBe(false);
});

test("a flag already off is left alone", () => {
  const off = RolloutFlagSchema.parse({ ...flag, enabled: false });
  expect(guardDecision([day("2025-06-01", 40, 40)], off).trip).toBe(false);
});

test("legacy refunds do not count toward the graceful cohort's rate", () => {
  const legacyRuns: MetricRun[] = Array.from({ length: 40 }, (_, i) => ({
    id: `l${i}`,
    createdAtMs: Date.parse("2025-06-01T08:00:00Z"),
    cohort: "legacy",
    status: "failed",
    charged: 10,
    refunded: 10,
    refundNotified: true,
    legacyFallback: false,
    acceptedDegraded: false,
    facesWarned: false,
    scenes: [],
    qualityGateCauses: [],
    failureReason: null,
    storyboard: null,
    spend: { usdByStage: {}, uncostedCalls: 0 },
  }));
  const metrics = computeDailyMetrics(legacyRuns, "2025-06-01", {
    degradationThresholdPct: 50,
    scenesCostUsd: () => undefined,
  });
  expect(guardDecision([metrics, day("2025-06-02", 30, 0)], flag)).toMatchObject({
    trip: false,
    runs: 30,
    refunded: 0,
  });
});
