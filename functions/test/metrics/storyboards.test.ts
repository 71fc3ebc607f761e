/**
 * The storyboard's figures of a day, from run documents shaped as the pipeline writes them, through
 * the loader's projection (toMetricRun) and the day's computation, priced by the default model table.
 */
import { Timestamp } from "firebase-admin/firestore";
import type { Attempt, StageRecord } from "../../src/contract/run";
import type { RunDocument } from "../../src/contract/runDocument";
import type { StoryboardCause, StoryboardVersion } from "../../src/contract/storyboard";
import { computeDailyMetrics, type MetricRun } from "../../src/metrics/compute";
import { MetricRunDocSchema, toMetricRun } from "../../src/metrics/load";
import { renderStoryboardLines, storyboardSummaryLines } from "../../src/metrics/report";
import { spendOf } from "../../src/metrics/spend";
import { percentile } from "../../src/metrics/storyboards";
import { deliveredScenesCostUsd } from "../../src/models/cost";
import { DEFAULT_MODEL_CONFIG, parseModelConfig } from "../../src/models/modelConfig";

const DAY = "2026-12-07";
const at = (time: string) => Date.parse(`${DAY}T${time}Z`);
const ts = (time: string) => Timestamp.fromMillis(at(time));
const models = parseModelConfig(DEFAULT_MODEL_CONFIG, at("12:00:00"));
const scenesCostUsd = (secs: readonly number[], atMs: number) => deliveredScenesCostUsd(models, secs, atMs)?.usd;

const served = (model: string, costUsd?: number, tier: Attempt["tier"] = "primary"): Attempt => ({
  model,
  tier,
  errorClass: null,
  durationMs: 900,
  ...(costUsd !== undefined && { costUsd }),
});
const rateLimited = (model: string): Attempt => ({
  model,
  tier: "primary",
  errorClass: "rate_limited",
  error: "429",
  durationMs: 120,
});
const stage = (...attempts: Attempt[]): StageRecord => ({
  model: attempts.at(-1)?.model ?? "none",
  tier: attempts.at(-1)?.tier ?? "primary",
  attempts,
  durationMs: 1000,
});

function version(n: number, cause: StoryboardCause, time: string, sceneSecs: number[]): StoryboardVersion {
  return {
    version: n,
    cause,
    headline: "Morning starts here",
    callToAction: "Order yours today",
    scenes: sceneSecs.map((durationSec, i) => ({
      sceneNumber: i + 1,
      title: `Scene ${i + 1}`,
      shows: "The cup on a sunlit table",
      narration: "Every morning starts with Morning Ritual Blend.",
      durationSec,
      startFrame: `runs/r/storyboard/v${n}/scene_0${i + 1}.png`,
    })),
    totalSec: sceneSecs.reduce((a, b) => a + b, 0),
    priceCredits: 10,
    createdAt: ts(time),
  };
}

/** The storyboard fields a run has after `versions` were shown, the last one latest. */
const boards = (...versions: StoryboardVersion[]): Partial<RunDocument> => ({
  storyboard: versions.at(-1),
  ...(versions.length > 1 && { storyboardHistory: versions.slice(0, -1) }),
});

const failed = (reason: string, stageName: "storyboard" | "script" | "voice" | "scenes", refunded = 0) => ({
  status: "failed" as const,
  failure: { stage: stageName, reason, userMessage: "…", refunded: refunded > 0 },
});

const dna = stage(rateLimited("gemini-3.8-flash"), served("gemini-3.8-flash", 0.005));
const script = stage(served("gemini-3.8-flash", 0.004));
const fourClips = Array.from({ length: 4 }, () => served("gemini-omni-1.2-flash", 0.4));

interface Fixture {
  doc: Partial<RunDocument> & Pick<RunDocument, "status">;
  sceneAttempts?: Attempt[];
  approvedAt?: string;
}

const fixtures: Record<string, Fixture> = {
  // Edited once, approved three minutes after the first version was shown, delivered.
  approved: {
    doc: {
      status: "succeeded",
      createdAt: ts("09:59:00"),
      credits: { charged: 10, refunded: 0 },
      ...boards(version(1, "generated", "10:00:00", [4, 4, 4, 4]), version(2, "edited", "10:01:00", [4, 4, 4, 4])),
      stages: { visual_dna: dna, script, voice: stage(served("gemini-3.8-flash-tts", 0.01)) },
      // Lyria has no price in the table: served, not costed.
      music: {
        source: "model",
        model: "lyria-002",
        tier: "primary",
        attempts: [served("lyria-002")],
        audio: "a",
        durationMs: 1,
      },
    },
    sceneAttempts: fourClips,
    approvedAt: "10:03:00",
  },
  // A new script asked for (both scripts billed), then cancelled.
  cancelled: {
    doc: {
      ...failed("storyboard_cancelled", "storyboard"),
      createdAt: ts("10:59:00"),
      credits: { charged: 0, refunded: 0 },
      ...boards(version(1, "generated", "11:00:00", [4, 4, 4, 4]), version(2, "new_script", "11:02:00", [4, 4, 4, 4])),
      stages: { visual_dna: dna, script: stage(served("gemini-3.8-flash", 0.004), served("gemini-3.8-flash", 0.004)) },
    },
  },
  // Never answered; its script came from a model the table does not price.
  expired: {
    doc: {
      ...failed("storyboard_expired", "storyboard"),
      createdAt: ts("11:59:00"),
      credits: { charged: 0, refunded: 0 },
      ...boards(version(1, "generated", "12:00:00", [2, 2, 2])),
      stages: { visual_dna: dna, script: stage(served("gpt-5.6-terra", undefined, "backup")) },
    },
  },
  waiting: {
    doc: {
      status: "awaiting_approval",
      createdAt: ts("20:00:00"),
      credits: { charged: 0, refunded: 0 },
      ...boards(version(1, "generated", "20:01:00", [4, 4, 4, 4])),
      stages: { visual_dna: dna, script },
    },
  },
  // A new script that could not be made: the run ended uncharged, neither cancelled nor expired.
  endedOtherwise: {
    doc: {
      ...failed("script_invalid", "script"),
      createdAt: ts("13:00:00"),
      credits: { charged: 0, refunded: 0 },
      ...boards(version(1, "generated", "13:01:00", [6, 6])),
      stages: { visual_dna: dna, script: stage(served("gemini-3.8-flash", 0.004), served("gemini-3.8-flash", 0.004)) },
    },
  },
  // Approved after 30 s, then failed at its scenes and refunded.
  approvedRefunded: {
    doc: {
      ...failed("scene 2: veo_error", "scenes", 10),
      createdAt: ts("14:00:00"),
      credits: { charged: 10, refunded: 10 },
      ...boards(version(1, "generated", "14:01:00", [4, 4, 4, 4])),
      stages: { visual_dna: dna, script },
    },
    sceneAttempts: [served("gemini-omni-1.2-flash", 0.4)],
    approvedAt: "14:01:30",
  },
  // Approval off: charged before anything was made, then refunded.
  chargeFirstRefunded: {
    doc: {
      ...failed("voice: all models failed", "voice", 10),
      createdAt: ts("15:00:00"),
      credits: { charged: 10, refunded: 10 },
      stages: { visual_dna: dna, script },
    },
  },
  chargeFirstDelivered: {
    doc: {
      status: "succeeded",
      createdAt: ts("16:00:00"),
      credits: { charged: 10, refunded: 0 },
      stages: { visual_dna: dna, script, voice: stage(served("gemini-3.8-flash-tts", 0.01)) },
    },
    sceneAttempts: fourClips,
  },
  // The offline tier: stand-ins and ffmpeg are no provider call.
  local: {
    doc: {
      status: "succeeded",
      createdAt: ts("17:00:00"),
      credits: { charged: 10, refunded: 0 },
      stages: { visual_dna: stage(served("local-dna", undefined, "local")) },
    },
    sceneAttempts: [served("local-motion", undefined, "local")],
  },
  // Created the day before: not in this day's figures.
  yesterday: {
    doc: {
      ...failed("storyboard_cancelled", "storyboard"),
      createdAt: Timestamp.fromMillis(at("00:00:00") - 1),
      credits: { charged: 0, refunded: 0 },
      ...boards(version(1, "generated", "00:00:00", [4, 4, 4, 4])),
      stages: { visual_dna: dna, script },
    },
  },
};

const runs: MetricRun[] = Object.entries(fixtures).map(([id, { doc, sceneAttempts, approvedAt }]) =>
  toMetricRun(id, MetricRunDocSchema.parse({ uid: "u1", cohort: "graceful", ...doc }), [], false, {
    sceneAttempts: sceneAttempts ?? [],
    approvedAtMs: approvedAt ? at(approvedAt) : null,
  }),
);
const day = computeDailyMetrics(runs, DAY, { degradationThresholdPct: 50, scenesCostUsd });
const boardsOfDay = day.storyboards!;

test("the funnel: every storyboard shown that day ends in exactly one outcome, edits counted apart", () => {
  // Edited: the approved run (an edit) and the cancelled one (a new script); the new script that
  // could not be made made no version.
  expect(boardsOfDay.funnel).toEqual({
    shown: 6,
    approved: 2,
    edited: 2,
    cancelled: 1,
    expired: 1,
    endedOtherwise: 1,
    waiting: 1,
  });
});

test("time to approve runs from the first version shown to the approval's charge", () => {
  // 30 s and 180 s (from version 1, not the edited version 2 at 10:01)
  expect(boardsOfDay.timeToApprove).toEqual({ approvals: 2, medianSec: 30, p90Sec: 180 });
  const lost = runs.map((r) =>
    r.id === "approved" && r.storyboard ? { ...r, storyboard: { ...r.storyboard, approvedAtMs: null } } : r,
  );
  const withoutMovement = computeDailyMetrics(lost, DAY, { degradationThresholdPct: 50, scenesCostUsd }).storyboards!;
  expect(withoutMovement.funnel.approved).toBe(2);
  expect(withoutMovement.timeToApprove).toEqual({ approvals: 1, medianSec: 30, p90Sec: 30 });
});

test("provider spend per stage over the settled runs: attempts' costUsd summed, uncosted calls counted, not guessed", () => {
  const spend = boardsOfDay.providerSpend;
  // 8 settled runs (the waiting one and yesterday's left out); 8 × DNA, scripts: 6 priced calls of $0.004 + one unpriced
  expect(spend.runs).toBe(8);
  expect(spend.byStage).toEqual({ visual_dna: 0.035, script: 0.032, voice: 0.02, scenes: 3.6 });
  expect(spend.usd).toBe(3.687);
  // Lyria's bed and the unpriced script model; the local tier's calls are none
  expect(spend.uncostedCalls).toBe(2);
  expect(spend.delivered).toEqual({ runs: 3, usd: 1.619 + 1.619 });
  expect(spend.mostExpensive).toEqual({ runId: "approved", usd: 1.619 });
});

test("storyboards nobody approved: what they cost, and the video spend they spared by the price table", () => {
  expect(boardsOfDay.unapproved).toEqual({
    storyboards: 3,
    // cancelled 0.005 + 0.008, expired 0.005 (+ its unpriced script), ended otherwise 0.005 + 0.008
    providerUsd: 0.031,
    uncostedCalls: 1,
    // gemini-omni-1.2-flash at $0.10/s: 4 × 4 s, 3 × 3 s (2 s scenes bill Omni's 3 s minimum), 2 × 6 s
    videoSpendAvoidedUsd: 1.6 + 0.9 + 1.2,
    unpriced: 0,
  });
});

test("credits charged for nothing, before and after the storyboard", () => {
  expect(boardsOfDay.credits).toEqual({
    chargeFirst: { runs: 3, charged: 30, refunded: 10 },
    storyboardFirst: { runs: 2, charged: 20, refunded: 10 },
    endedUncharged: { storyboards: 3, creditsNotTaken: 30 },
  });
});

test("a video model without a price leaves the spared spend unpriced and counted, never guessed", () => {
  const unpriced = parseModelConfig({ ...DEFAULT_MODEL_CONFIG, prices: {} }, at("12:00:00"));
  const result = computeDailyMetrics(runs, DAY, {
    degradationThresholdPct: 50,
    scenesCostUsd: (secs, atMs) => deliveredScenesCostUsd(unpriced, secs, atMs)?.usd,
  }).storyboards!;
  expect(result.unapproved.videoSpendAvoidedUsd).toBe(0);
  expect(result.unapproved.unpriced).toBe(3);
});

test("the scenes of a delivered video are priced at the first live video model, in the seconds its API bills", () => {
  expect(deliveredScenesCostUsd(models, [4, 4, 4, 4], at("12:00:00"))).toEqual({
    model: "gemini-omni-1.2-flash",
    usd: 1.6,
  });
  // Omni retired: Omni 1.1 at the same price; both retired: Veo 3.1 bills 4, 6 or 8 s ($0.40/s): 5 s → 6 s
  const omniGone = parseModelConfig(
    {
      ...DEFAULT_MODEL_CONFIG,
      video: [
        { provider: "gemini", api: "gemini_api", model: "gemini-omni-1.2-flash", retiresOn: "2026-12-01" },
        { provider: "gemini", api: "gemini_api", model: "gemini-omni-1.1-flash", retiresOn: "2026-12-01" },
        { provider: "gemini", api: "vertex_ai", model: "veo-3.1-generate-001" },
      ],
    },
    at("12:00:00"),
  );
  expect(deliveredScenesCostUsd(omniGone, [5, 4], at("12:00:00"))).toEqual({ model: "veo-3.1-generate-001", usd: 4 });
});

test("spend of attempts: a billed failure counts, a served call without a price is uncosted, local and legacy are free", () => {
  const unusableClip: Attempt = { ...rateLimited("veo-3.1-generate-001"), errorClass: "invalid_output", costUsd: 1.6 };
  expect(
    spendOf({
      scenes: [unusableClip, served("veo-3.1-generate-001", 1.6)],
      voice: [rateLimited("gemini-3.8-flash-tts"), served("gpt-4o-mini-tts", undefined, "fallback")],
      script: [served("legacy-template", undefined, "legacy")],
      visual_dna: [served("local-dna", undefined, "local")],
    }),
  ).toEqual({ usdByStage: { scenes: 3.2 }, uncostedCalls: 1 });
});

test("percentiles by nearest rank", () => {
  expect(percentile([], 50)).toBeNull();
  expect(percentile([5], 90)).toBe(5);
  expect(percentile([40, 10, 30, 20], 50)).toBe(20);
  expect(
    percentile(
      Array.from({ length: 10 }, (_, i) => i + 1),
      90,
    ),
  ).toBe(9);
});

test("the report's plain lines say the funnel, the spend and the credits", () => {
  const doc = { ...day, rollout: { enabled: true, rolloutPct: 100, effectivePct: 100 }, computedAt: Timestamp.now() };
  const text = renderStoryboardLines([doc]);
  expect(text).toContain(
    "Whole range: 6 shown, 2 approved, 2 edited, 1 cancelled, 1 expired, 1 ended otherwise, 1 waiting",
  );
  expect(text).toMatch(/2026-12-07 +6 +2 +2 +1 +1 +1 +1 +30 s +3 min 0 s +\$3\.69 +2 +\$0\.0310 +\$3\.70/);
  expect(storyboardSummaryLines(boardsOfDay)).toEqual([
    "Provider spend: $3.69 over 8 settled runs (+ 2 served calls without a price, not in the sum); $1.08 per delivered video (3); by stage: visual_dna $0.0350, script $0.0320, voice $0.0200, music $0.00, scenes $3.60",
    "Storyboards nobody approved: 3, provider spend $0.0310 ($0.0103 each) (+ 1 served calls without a price, not in the sum); video spend they spared $3.70 (scenes at the first video model's price, first try)",
    "Credits charged for nothing: charge first (3 runs): 10 of 30 credits charged were refunded (33.3%); storyboard first (2 runs): 10 of 20 credits charged were refunded (50.0%); 3 storyboards ended uncharged (30 credits never taken)",
  ]);
  const old = { ...doc, storyboards: undefined };
  expect(renderStoryboardLines([old])).toContain("no day in the range has the storyboard's figures");
});
