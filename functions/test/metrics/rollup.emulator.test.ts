/**
 * The daily roll-up on the Firestore emulator, over a seeded week written through the real
 * ledger transactions: metrics/{day} is rewritten identically, and the guard rolls back.
 */
import { Timestamp } from "firebase-admin/firestore";
import { seedWeek } from "../../../scripts/seedWeek";
import { paths, sceneId } from "../../src/contract/paths";
import type { Attempt, StageRecord } from "../../src/contract/run";
import type { StoryboardVersion } from "../../src/contract/storyboard";
import { auditLedger } from "../../src/ledger/audit";
import { applyStoryboardAnswer, chargeRun, grantCredits, refundRun } from "../../src/ledger/credits";
import { transitionRun, transitions } from "../../src/lifecycle/transitions";
import { dayOf } from "../../src/metrics/compute";
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
  // The seeded week has no storyboard; its served calls carry their cost by the price table.
  const boards = first.metrics.storyboards!;
  expect(boards.funnel.shown).toBe(0);
  expect(boards.providerSpend.runs).toBe(24);
  expect(boards.providerSpend.byStage.visual_dna).toBeGreaterThan(0);
  expect(boards.providerSpend.byStage.scenes).toBeGreaterThan(boards.providerSpend.byStage.visual_dna!);
  expect(boards.providerSpend.uncostedCalls).toBe(0);
  expect(boards.credits.chargeFirst.runs).toBe(24);

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

test("storyboards of a day in metrics/{day}: the funnel, time to approve from the charge, what the unapproved ones cost and spared", async () => {
  const uid = "board-owner";
  await grantCredits(db, uid, "board-owner-start", 100, "test credits");
  const createdMs = Date.now() - 120_000;
  const day = dayOf(createdMs);
  const shownAt = Timestamp.fromMillis(createdMs + 30_000);
  const served = (model: string, costUsd: number): Attempt => ({
    model,
    tier: "primary",
    errorClass: null,
    durationMs: 900,
    costUsd,
  });
  const stage = (attempt: Attempt): StageRecord => ({
    model: attempt.model,
    tier: attempt.tier,
    attempts: [attempt],
    durationMs: 900,
  });
  const storyboard: StoryboardVersion = {
    version: 1,
    cause: "generated",
    headline: "Morning starts here",
    callToAction: "Order yours today",
    scenes: [1, 2, 3, 4].map((n) => ({
      sceneNumber: n,
      title: `Scene ${n}`,
      shows: "The bag on a wooden counter",
      narration: "Every morning starts with Morning Ritual Blend.",
      durationSec: 4,
      startFrame: `runs/r/storyboard/v1/${sceneId(n)}.png`,
    })),
    totalSec: 16,
    priceCredits: 10,
    createdAt: shownAt,
  };
  const awaiting = (answer?: { version: number; approve: boolean }) => ({
    uid,
    status: "awaiting_approval",
    input: {},
    createdAt: Timestamp.fromMillis(createdMs),
    cohort: "graceful",
    credits: { charged: 0, refunded: 0 },
    stages: { visual_dna: stage(served("gemini-3.8-flash", 0.005)), script: stage(served("gemini-3.8-flash", 0.004)) },
    storyboard,
    ...(answer && { storyboardAnswer: answer }),
  });
  await db.doc(paths.run("board-approved")).set(awaiting({ version: 1, approve: true }));
  await db.doc(paths.run("board-cancelled")).set(awaiting({ version: 1, approve: false }));
  await db.doc(paths.run("board-expired")).set(awaiting());
  expect(await applyStoryboardAnswer(db, "board-approved")).toBe("charged");
  expect(await applyStoryboardAnswer(db, "board-cancelled")).toBe("cancelled");
  const expired = await transitionRun(db, "board-expired", (run) => transitions.expireStoryboard(run, () => true));
  expect(expired.kind).toBe("applied");

  // Charged before any storyboard (approval off), failed at its scenes with a clip billed, refunded.
  await db.doc(paths.run("board-charge-first")).set({
    uid,
    status: "preflight",
    input: {},
    createdAt: Timestamp.fromMillis(createdMs),
    cohort: "graceful",
  });
  expect(await chargeRun(db, "board-charge-first", { price: 10 })).toBe("charged");
  await transitionRun(db, "board-charge-first", (run) =>
    transitions.fail(run, { stage: "scenes", reason: "scene 1: render failed", userMessage: "Scene 1 failed." }),
  );
  expect(await refundRun(db, "board-charge-first")).toBe("refunded");
  await db.doc(paths.scene("board-charge-first", sceneId(1))).set({
    sceneNumber: 1,
    round: 0,
    status: "waiting",
    attempts: [
      {
        model: "gemini-omni-1.2-flash",
        tier: "primary",
        errorClass: "invalid_output",
        durationMs: 40_000,
        costUsd: 0.4,
      },
      { model: "gemini-omni-1.1-flash", tier: "backup", errorClass: "rate_limited", durationMs: 300 },
    ],
  });

  const { metrics } = await rollUpMetrics(db, day);
  const boards = metrics.storyboards!;
  expect(boards.funnel).toEqual({
    shown: 3,
    approved: 1,
    edited: 0,
    cancelled: 1,
    expired: 1,
    endedOtherwise: 0,
    waiting: 0,
  });
  // From the version shown (30 s after the run was created) to the charge the approval wrote just now.
  expect(boards.timeToApprove.approvals).toBe(1);
  expect(boards.timeToApprove.medianSec).toBeGreaterThanOrEqual(90);
  expect(boards.timeToApprove.medianSec).toBeLessThan(90 + 60);
  // Settled: the cancelled, the expired and the charge-first run (the approved one is still running).
  expect(boards.providerSpend).toMatchObject({
    runs: 3,
    usd: 0.418,
    byStage: { visual_dna: 0.01, script: 0.008, scenes: 0.4 },
  });
  expect(boards.unapproved).toEqual({
    storyboards: 2,
    providerUsd: 0.018,
    uncostedCalls: 0,
    // 4 scenes of 4 s at gemini-omni-1.2-flash's $0.10 a second, each
    videoSpendAvoidedUsd: 3.2,
    unpriced: 0,
  });
  expect(boards.credits).toEqual({
    chargeFirst: { runs: 1, charged: 10, refunded: 10 },
    storyboardFirst: { runs: 0, charged: 0, refunded: 0 },
    endedUncharged: { storyboards: 2, creditsNotTaken: 20 },
  });
  expect((await db.doc(metricsPath(day)).get()).get("storyboards.funnel.shown")).toBe(3);
  expect(auditLedger(await loadAuditSnapshot(db))).toEqual([]);
});
