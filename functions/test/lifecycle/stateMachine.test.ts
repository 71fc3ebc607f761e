import { Timestamp } from "firebase-admin/firestore";
import type { RunDocument } from "../../src/contract/runDocument";
import {
  nextAction,
  progressAtStart,
  degradationOf,
  needsDecision,
  scenesProgress,
  scenesStillMoving,
  stageAfter,
  stageAfterFor,
  stageAfterScenes,
  sweepAction,
} from "../../src/lifecycle/stateMachine";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";

const settings = PipelineSettingsSchema.parse({});
const NOW = 1_800_000_000_000;
const at = (ms: number) => Timestamp.fromMillis(ms);
const run = (fields: Partial<RunDocument>): RunDocument => ({ uid: "u", status: "running", input: {}, ...fields });

describe("nextAction", () => {
  test("a pending work stage is run; a claimed or waiting one is left alone", () => {
    expect(nextAction(run({ stage: "script", stageState: "pending" }))).toEqual({ kind: "run_stage", stage: "script" });
    expect(nextAction(run({ stage: "script", stageState: "claimed" }))).toEqual({ kind: "none" });
    expect(nextAction(run({ stage: "scenes", stageState: "waiting" }))).toEqual({ kind: "none" });
  });
  test("the charge waits for the user's confirmation", () => {
    expect(nextAction(run({ status: "awaiting_confirmation" }))).toEqual({ kind: "none" });
    expect(nextAction(run({ status: "awaiting_confirmation", confirmation: { proceed: true } }))).toEqual({
      kind: "charge_after_confirmation",
    });
  });
  test("a decision is applied only while awaiting one", () => {
    expect(nextAction(run({ status: "awaiting_decision", decision: "retry" }))).toEqual({
      kind: "apply_decision",
      decision: "retry",
    });
    expect(nextAction(run({ status: "running", stage: "voice", stageState: "claimed", decision: "retry" }))).toEqual({
      kind: "none",
    });
  });
  test("ended runs do nothing", () => {
    expect(nextAction(run({ status: "failed", stage: "script", stageState: "pending" }))).toEqual({ kind: "none" });
    expect(nextAction(run({ status: "succeeded" }))).toEqual({ kind: "none" });
  });
});

test("stages follow the lifecycle order: the voice before the scenes, the quality gate after assembly", () => {
  expect(stageAfter("visual_dna")).toBe("script");
  expect(stageAfter("script")).toBe("storyboard");
  expect(stageAfter("storyboard")).toBe("voice");
  expect(stageAfter("voice")).toBe("scenes");
  expect(stageAfter("scenes")).toBe("assembly");
  expect(stageAfter("assembly")).toBe("quality");
  expect(stageAfter("quality")).toBeNull();
});

test("a run from the old order (scenes, then voice) reaches the voice after its scenes and goes on to assembly", () => {
  const quality = { totalScenes: 2, kenBurnsScenes: 0, degradationPct: 0 };
  expect(stageAfterFor(run({ stage: "voice" }), "voice")).toBe("scenes");
  expect(stageAfterFor(run({ stage: "voice", quality }), "voice")).toBe("assembly");
  expect(stageAfterScenes(run({}))).toBe("voice");
  const timing = { durationSec: 4, speech: null, silences: [], scenes: [] };
  const voice = { audio: "a", durationSec: 3, fitted: "b", timing };
  expect(stageAfterScenes(run({ voice }))).toBe("assembly");
});

test("progress only grows: stage starts in order, each scenes round ending above the last", () => {
  const starts = (["visual_dna", "script", "voice", "scenes", "assembly", "quality"] as const).map(progressAtStart);
  expect(starts).toEqual([...starts].sort((a, b) => a - b));
  expect(scenesProgress(0, 0, 4)).toBe(progressAtStart("scenes"));
  const rounds = [0, 1, 2, 3].map((round) => [0, 1, 2].map((done) => scenesProgress(round, done, 2)));
  for (const [round, marks] of rounds.entries()) {
    expect(marks).toEqual([...marks].sort((a, b) => a - b));
    // A retry round starts where the last one ended (the question's percentage) and stays below assembly.
    if (round > 0) expect(marks[0]).toBe(rounds[round - 1][2]);
    expect(marks[2]).toBeLessThanOrEqual(progressAtStart("assembly"));
  }
  expect(rounds.map((marks) => marks[2])).toEqual([80, 83, 84, 84]);
});

test("quality: the Ken Burns share decides whether the user is asked", () => {
  const threeOfFour = degradationOf(["ken-burns", "generated", "ken-burns", "ken-burns"]);
  expect(threeOfFour).toEqual({ totalScenes: 4, kenBurnsScenes: 3, degradationPct: 75 });
  expect(needsDecision(threeOfFour, settings)).toBe(true);
  const half = degradationOf(["ken-burns", "generated"]);
  expect(needsDecision(half, settings)).toBe(false); // above 50% asks; exactly 50% does not
  expect(degradationOf(["generated", "ken-burns", "generated"]).degradationPct).toBe(33.3);
});

describe("sweepAction", () => {
  const lease = (expiresMs: number) => ({ owner: "o", expiresAt: at(expiresMs) });
  test("a live lease is left alone; an expired one is retried, then failed", () => {
    expect(
      sweepAction(
        run({ stage: "voice", stageState: "claimed", lease: lease(NOW + 1), stageAttempt: 1 }),
        NOW,
        settings,
      ),
    ).toEqual({ kind: "none" });
    expect(
      sweepAction(
        run({ stage: "voice", stageState: "claimed", lease: lease(NOW - 1), stageAttempt: 1 }),
        NOW,
        settings,
      ),
    ).toEqual({
      kind: "retry_stage",
      stage: "voice",
    });
    expect(
      sweepAction(
        run({ stage: "voice", stageState: "claimed", lease: lease(NOW - 1), stageAttempt: settings.maxStageAttempts }),
        NOW,
        settings,
      ),
    ).toEqual({ kind: "fail_stuck", stage: "voice" });
  });
  test("waiting scenes are first finished (if all are done), then retried past their lease", () => {
    expect(
      sweepAction(
        run({ stage: "scenes", stageState: "waiting", lease: lease(NOW - 1), stageAttempt: 1 }),
        NOW,
        settings,
      ),
    ).toEqual({
      kind: "finish_scenes",
      round: 0,
      otherwise: { kind: "retry_stage", stage: "scenes" },
    });
    expect(
      sweepAction(run({ stage: "scenes", stageState: "waiting", lease: lease(NOW + 1000) }), NOW, settings),
    ).toEqual({ kind: "finish_scenes", round: 0, otherwise: { kind: "none" } });
  });
  test("a pending stage whose delivery was lost is kicked after a quiet lease period", () => {
    const quiet = at(NOW - settings.stageLeaseSeconds * 1000 - 1);
    expect(sweepAction(run({ stage: "script", stageState: "pending", updatedAt: quiet }), NOW, settings).kind).toBe(
      "retry_stage",
    );
    expect(sweepAction(run({ stage: "script", stageState: "pending", updatedAt: at(NOW) }), NOW, settings).kind).toBe(
      "none",
    );
  });
  test("a stuck preflight fails (nothing was charged)", () => {
    const quiet = at(NOW - settings.stageLeaseSeconds * 1000 - 1);
    expect(sweepAction(run({ status: "preflight", updatedAt: quiet }), NOW, settings)).toEqual({
      kind: "fail_stuck",
      stage: "preflight",
    });
  });
  test("waiting for the user ends after the configured time", () => {
    const since = at(NOW - settings.confirmationTimeoutMinutes * 60_000 - 1);
    expect(sweepAction(run({ status: "awaiting_confirmation", awaitingSince: since }), NOW, settings).kind).toBe(
      "expire_confirmation",
    );
    expect(sweepAction(run({ status: "awaiting_confirmation", awaitingSince: at(NOW) }), NOW, settings).kind).toBe(
      "none",
    );
    const decisionSince = at(NOW - settings.decisionTimeoutMinutes * 60_000 - 1);
    expect(sweepAction(run({ status: "awaiting_decision", awaitingSince: decisionSince }), NOW, settings)).toEqual({
      kind: "decide_by_default",
      decision: settings.decisionDefault,
    });
  });
  test("a written answer is applied, never expired or replaced by the default", () => {
    const late = at(NOW - 10 * 60 * 60_000);
    const confirmed = { status: "awaiting_confirmation" as const, awaitingSince: late };
    expect(sweepAction(run({ ...confirmed, confirmation: { proceed: true } }), NOW, settings).kind).toBe(
      "apply_confirmation",
    );
    expect(sweepAction(run({ ...confirmed, confirmation: { proceed: false } }), NOW, settings).kind).toBe(
      "apply_cancel",
    );
    expect(
      sweepAction(run({ status: "awaiting_decision", awaitingSince: late, decision: "accept" }), NOW, settings),
    ).toEqual({
      kind: "apply_decision",
    });
  });
  test("answerBy, when the question carries it, is the deadline", () => {
    const asked = { status: "awaiting_confirmation" as const, awaitingSince: at(NOW - 1000) };
    expect(sweepAction(run({ ...asked, answerBy: at(NOW - 1) }), NOW, settings).kind).toBe("expire_confirmation");
    expect(sweepAction(run({ ...asked, answerBy: at(NOW + 1) }), NOW, settings).kind).toBe("none");
  });
});

describe("scenesStillMoving", () => {
  const settings = PipelineSettingsSchema.parse({ scenesLeaseSeconds: 600 });
  it("a scene written within the lease keeps the stage waiting; silent scenes, or none left, do not", () => {
    const now = 10_000_000;
    expect(scenesStillMoving([now - 900_000, now - 30_000], now, settings)).toBe(true);
    expect(scenesStillMoving([now - 600_000, now - 900_000], now, settings)).toBe(false);
    expect(scenesStillMoving([], now, settings)).toBe(false);
  });
});
