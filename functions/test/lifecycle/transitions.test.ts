/** The transition table as pure functions: which state each transition accepts, and what it writes. */
import { Timestamp } from "firebase-admin/firestore";
import type { RunDocument } from "../../src/contract/runDocument";
import { forwardProgress, isExpected, transitions } from "../../src/lifecycle/transitions";

const run = (fields: Partial<RunDocument>): RunDocument => ({ uid: "u1", input: {}, status: "running", ...fields });
const charged = { credits: { charged: 10, refunded: 0 } };
const now = Timestamp.fromMillis(1_800_000_000_000);

test("a failed or succeeded run never changes status again", () => {
  for (const status of ["failed", "succeeded"] as const) {
    const ended = run({ status, ...charged });
    expect(isExpected(ended, transitions.fail(ended, { stage: "script", reason: "x", userMessage: "y" }).from)).toBe(
      false,
    );
    expect(isExpected(ended, transitions.charge(10).from)).toBe(false);
    expect(isExpected(ended, transitions.startPreflight("graceful").from)).toBe(false);
  }
});

test("the charge: after a passed preflight or a 'proceed', never twice, never after a cancel", () => {
  expect(isExpected(run({ status: "preflight" }), transitions.charge(10).from)).toBe(true);
  expect(isExpected(run({ status: "awaiting_confirmation" }), transitions.charge(10).from)).toBe(false);
  const confirmed = run({ status: "awaiting_confirmation", confirmation: { proceed: true } });
  expect(isExpected(confirmed, transitions.charge(10).from)).toBe(true);
  expect(isExpected({ ...confirmed, ...charged }, transitions.charge(10).from)).toBe(false);
  const cancelled = run({ status: "awaiting_confirmation", confirmation: { proceed: false } });
  expect(isExpected(cancelled, transitions.charge(10).from)).toBe(false);
  expect(isExpected(cancelled, transitions.cancel(cancelled).from)).toBe(true);
  expect(transitions.cancel(cancelled)).toMatchObject({
    to: "failed",
    update: { failure: { reason: "cancelled", userMessage: "You cancelled this video. Nothing was charged." } },
  });
});

test("failure messages: 'will be refunded' only when charged, 'have been refunded' only once refunded", () => {
  const failure = {
    stage: "voice" as const,
    reason: "x",
    userMessage: "We could not record the voiceover. Your credits will be refunded.",
  };
  const uncharged = transitions.fail(run({ credits: { charged: 0, refunded: 0 } }), failure);
  expect(uncharged.update.failure).toMatchObject({ refundDue: false, noticeDue: true });
  expect(uncharged.update.failure?.userMessage).toBe("We could not record the voiceover. Nothing was charged.");
  const failed = transitions.fail(run(charged), failure);
  expect(failed.update.failure).toMatchObject({ refundDue: true, noticeDue: false, userMessage: failure.userMessage });
  const failedRun = run({ ...charged, status: "failed", failure: { ...failed.update.failure!, refunded: false } });
  const refund = transitions.recordRefund(failedRun, 10);
  expect(isExpected(failedRun, refund.from)).toBe(true);
  expect(refund.update["failure.userMessage"]).toBe(
    "We could not record the voiceover. Your 10 credits have been refunded.",
  );
  expect(isExpected({ ...failedRun, status: "running" }, refund.from)).toBe(false);
  expect(isExpected({ ...failedRun, credits: { charged: 0, refunded: 0 } }, refund.from)).toBe(false);
});

test("a stage result counts only for the lease owner; the last stage succeeds the run", () => {
  const claimed = run({ stage: "voice", stageState: "claimed", lease: { owner: "a", expiresAt: now } });
  expect(isExpected(claimed, transitions.finishStage(claimed, "voice", "a", {}).from)).toBe(true);
  expect(isExpected(claimed, transitions.finishStage(claimed, "voice", "b", {}).from)).toBe(false);
  // The voice comes before the scenes: no video is generated before the voice exists.
  expect(transitions.finishStage(claimed, "script", "a", {})).toMatchObject({ update: { stage: "voice" } });
  expect(transitions.finishStage(claimed, "voice", "a", {})).toMatchObject({
    to: "running",
    update: { stage: "scenes", stageState: "pending" },
  });
  expect(transitions.finishStage(claimed, "assembly", "a", {})).toMatchObject({
    to: "running",
    update: { stage: "quality", stageState: "pending" },
  });
  expect(transitions.finishStage(claimed, "quality", "a", {})).toMatchObject({
    to: "succeeded",
    update: { stageState: null },
  });
});

const quality = { totalScenes: 2, kenBurnsScenes: 0, degradationPct: 0 };
const fittedVoice = {
  voice: {
    audio: "runs/r/voice.wav",
    durationSec: 3,
    fitted: "runs/r/voice-fitted.wav",
    timing: { durationSec: 4, speech: null, silences: [], scenes: [] },
  },
};

test("scenes hand over to assembly: the voice is already fitted; accepting the quality question too", () => {
  const waiting = run({ stage: "scenes", stageState: "waiting", scenesRound: 0, ...fittedVoice });
  expect(transitions.scenesDone(waiting, 0, quality)).toMatchObject({
    update: { quality, stage: "assembly", stageState: "pending", progress: { pct: 85 } },
  });
  const asked = run({ status: "awaiting_decision", decision: "accept", ...fittedVoice });
  expect(transitions.acceptDecision(asked, now)).toMatchObject({ update: { stage: "assembly" } });
});

describe("runs in flight at the deploy that put the voice before the scenes", () => {
  test("scenes done under the old order, voice not yet recorded: the voice comes next, then assembly", () => {
    const waiting = run({ stage: "scenes", stageState: "waiting", scenesRound: 0 });
    expect(transitions.scenesDone(waiting, 0, quality)).toMatchObject({ update: { stage: "voice" } });
    const asked = run({ status: "awaiting_decision", decision: "accept", quality });
    expect(transitions.acceptDecision(asked, now)).toMatchObject({ update: { stage: "voice" } });
    // At the voice stage with its scenes behind it (its quality recorded): on to assembly, not the scenes.
    const atVoice = run({ stage: "voice", stageState: "claimed", lease: { owner: "a", expiresAt: now }, quality });
    expect(transitions.finishStage(atVoice, "voice", "a", {})).toMatchObject({
      name: "finish_stage",
      update: { stage: "assembly", stageState: "pending" },
    });
  });
});

test("scene steps apply only to the run's current round", () => {
  const waiting = run({ stage: "scenes", stageState: "waiting", scenesRound: 1 });
  expect(isExpected(waiting, transitions.scenesDone(waiting, 1, quality).from)).toBe(true);
  expect(isExpected(waiting, transitions.scenesDone(waiting, 0, quality).from)).toBe(false);
});

test("the progress bar never moves backwards: a lower percentage keeps the shown one, with the new message", () => {
  const shown = run({ stage: "voice", progress: { pct: 75, message: "Recording the voiceover" } });
  const lower = transitions.finishStage(shown, "script", "a", {}); // the voice starts at 25%
  expect(forwardProgress(shown, lower.update).progress).toEqual({ pct: 75, message: "Recording the voiceover" });
  const higher = transitions.finishStage(shown, "assembly", "a", {});
  expect(forwardProgress(shown, higher.update).progress).toEqual({ pct: 95, message: "Checking the finished video" });
  expect(forwardProgress(run({}), lower.update).progress?.pct).toBe(25);
});
