/**
 * The daily roll-up on the Firestore emulator, over a seeded week written through the real
 * ledger transactions: metrics/{day} is rewritten identically, and the guard rolls back.
 */
import { seedWeek } from "../../../scripts/seedWeek";
import { auditLedger } from "../../src/ledger/audit";
import { loadAuditSnapshot } from "../../src/ledger/auditSnapshot";
import { loadMetricRuns } from "../../src/metrics/load";
import { metricsPath, rollUpMetrics } from "../../src/handlers/metricsRollup";
import { loadRolloutFlag, ROLLOUT_FLAG_PATH } from "../../src/rollout/flag";
import { OPERATOR_ALERTS_PATH, rollbackAlertId } from "../../src/metrics/rollbackGuard";
import { clearProject, firestoreFor, writeSettings } from "../support/emulator";

const PROJECT = "demo-fairshot-metrics";
const db = firestoreFor(PROJECT);

beforeAll(async () => {
  await clearProject(PROJECT);
  await writeSettings(db);
});

const withoutTime = <T extends { computedAt: unknown }>({ computedAt: _computedAt, ...rest }: T) => rest;

test("a quiet seeded stretch: metrics/{day} per cohort, rewritten identically, ledger consistent, no rollback", async () => {
  const seeded = await seedWeek(db, {
    endDay: "2025-03-02",
    days: 2,
    runsPerDay: 24,
    users: 40,
    rolloutSchedule: [50, 50],
    outageDays: [],
    prefix: "quiet",
  });
  expect(seeded.map((d) => d.day)).toEqual(["2025-03-01", "2025-03-02"]);
  const first = seeded[1].rollUp;
  const { graceful, legacy } = first.metrics.cohorts;
  expect(graceful.counts.runs + legacy.counts.runs).toBe(24);
  expect(graceful.counts.runs).toBeGreaterThan(0);
  expect(legacy.counts.runs).toBeGreaterThan(0);
  expect(first.metrics.rollout).toEqual({ enabled: true, rolloutPct: 50, effectivePct: 50 });
  expect(first.tripped).toBe(false);

  const stored = (await db.doc(metricsPath("2025-03-02")).get()).data();
  expect(stored?.day).toBe("2025-03-02");
  expect(stored?.cohorts.graceful.counts).toEqual(graceful.counts);

  // A later roll-up of the same day (the flag moved since) rewrites the same document.
  await db.doc(ROLLOUT_FLAG_PATH).set({ enabled: true, rolloutPct: 80 });
  const again = await rollUpMetrics(db, "2025-03-02");
  expect(withoutTime(again.metrics)).toEqual(withoutTime(first.metrics));
  expect((await db.collection("metrics").get()).size).toBe(2);

  const runs = await loadMetricRuns(db, "2025-03-02", "2025-03-02");
  expect(runs).toHaveLength(24);
  expect(runs.filter((r) => r.cohort === "legacy" && r.legacyFallback).every((r) => r.refunded === 0)).toBe(true);
  expect(auditLedger(await loadAuditSnapshot(db))).toEqual([]);
});

test("an outage in the graceful cohort trips the guard once: flag off, why and when, one operator alert", async () => {
  const seeded = await seedWeek(db, {
    endDay: "2025-04-01",
    days: 1,
    runsPerDay: 40,
    users: 60,
    rolloutSchedule: [100],
    outageDays: [0],
    prefix: "outage",
  });
  const { guard, tripped, metrics } = seeded[0].rollUp;
  expect(metrics.cohorts.graceful.counts.runs).toBe(40);
  expect(metrics.cohorts.graceful.rates.refundRate).toBeGreaterThanOrEqual(0.2);
  expect(metrics.cohorts.graceful.rates.gracefulFailureRate).toBe(1);
  expect(tripped).toBe(true);

  const flag = await loadRolloutFlag(db);
  expect(flag.enabled).toBe(false);
  expect(flag.rolloutPct).toBe(100);
  expect(flag.disabledReason).toBe(guard.reason);
  expect(flag.disabledReason).toContain("reached the 20.0% rollback threshold");
  expect(flag.disabledAt?.toMillis()).toBeGreaterThan(Date.now() - 60_000);

  const alert = await db.doc(`${OPERATOR_ALERTS_PATH}/${rollbackAlertId("2025-04-01")}`).get();
  expect(alert.get("kind")).toBe("rollout_rollback");
  expect(alert.get("refundRate")).toBe(guard.refundRate);

  // Rolling the day up again finds the flag off: no second trip, the reason and time stay.
  const again = await rollUpMetrics(db, "2025-04-01");
  expect(again.tripped).toBe(false);
  expect((await loadRolloutFlag(db)).disabledAt?.isEqual(flag.disabledAt!)).toBe(true);
  expect((await db.collection(OPERATOR_ALERTS_PATH).get()).size).toBe(1);
  expect(auditLedger(await loadAuditSnapshot(db))).toEqual([]);
});
