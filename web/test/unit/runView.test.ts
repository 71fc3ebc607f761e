/** The run's view logic: outcomes in words, money said once, no bar on a failure, questions. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { userMessages } from "../../../functions/src/messages";
import { isInProgress, outcomeOf, runView, type RunSnapshot } from "../../src/logic/runView";

const input = { productName: "Morning Ritual Coffee", brandName: "Fairbean" };
const charged = { charged: 10, refunded: 0 };

test("each outcome in one word", () => {
  const cases: [RunSnapshot, string][] = [
    [{ status: "queued" }, "Checking your image"],
    [{ status: "preflight", stage: "preflight" }, "Checking your image"],
    [{ status: "awaiting_confirmation" }, "Needs your answer"],
    [{ status: "awaiting_confirmation", confirmation: { proceed: true } }, "In progress"],
    [{ status: "awaiting_confirmation", confirmation: { proceed: false } }, "Cancelled"],
    [{ status: "running", stage: "script", credits: charged }, "In progress"],
    [{ status: "awaiting_decision", credits: charged }, "Needs your answer"],
    [{ status: "awaiting_decision", decision: "retry", credits: charged }, "In progress"],
    [{ status: "succeeded", credits: charged, output: { video: "outputs/u/r.mp4", durationSec: 8 } }, "Ready"],
    [
      {
        status: "failed",
        credits: { charged: 10, refunded: 10 },
        failure: { stage: "visual_dna", reason: "x", userMessage: "m", refunded: true },
      },
      "Refunded",
    ],
    [
      {
        status: "failed",
        credits: charged,
        failure: { stage: "voice", reason: "x", userMessage: "m", refunded: false },
      },
      "Refund on its way",
    ],
    [
      {
        status: "failed",
        failure: { stage: "charge", reason: "insufficient_credits", userMessage: "m", refunded: false },
      },
      "Not charged",
    ],
    [
      { status: "failed", failure: { stage: "preflight", reason: "cancelled", userMessage: "m", refunded: false } },
      "Cancelled",
    ],
    [{ status: "some_future_status" }, "In progress"],
  ];
  for (const [run, word] of cases) assert.equal(runView(run, 10).word, word, JSON.stringify(run));
});

test("a cancel is said as the user's own act, at once and after the backend ended the run", () => {
  const asked = runView({ status: "awaiting_confirmation", confirmation: { proceed: false } }, 10);
  const ended = runView(
    {
      status: "failed",
      confirmation: { proceed: false },
      failure: {
        stage: "preflight",
        reason: "cancelled",
        userMessage: "You cancelled this video. Nothing was charged.",
        refunded: false,
      },
    },
    10,
  );
  for (const view of [asked, ended]) {
    assert.deepEqual(
      [view.note, view.failure, view.cost, view.question],
      ["You cancelled this video.", null, "Nothing was charged.", null],
    );
  }
});

test("a failed or refunded run shows no progress bar; a working one never shows 100%", () => {
  const failed = runView(
    {
      status: "failed",
      progress: { pct: 100, message: "x" },
      credits: { charged: 10, refunded: 10 },
      failure: { stage: "scenes", reason: "user_refused_quality", userMessage: "m", refunded: true },
    },
    10,
  );
  assert.equal(failed.progress, null);
  const working = runView({ status: "running", stage: "assembly", progress: { pct: 100, message: "" } }, 10);
  assert.deepEqual(working.progress, { pct: 99, label: "Assembling the video", detail: null });
});

test("the money is said once: the failure text loses its refund sentence, the cost line says it when it happened", () => {
  const message = "We could not analyse your product image with any of our models. Your credits have been refunded.";
  const pending = runView(
    {
      status: "failed",
      credits: charged,
      failure: { stage: "visual_dna", reason: "x", userMessage: message, refunded: false },
    },
    10,
  );
  assert.equal(pending.failure, "We could not analyse your product image with any of our models.");
  assert.equal(pending.cost, "Your 10 credits are on their way back to your balance.");
  const done = runView(
    {
      status: "failed",
      credits: { charged: 10, refunded: 10 },
      failure: { stage: "visual_dna", reason: "x", userMessage: message, refunded: true },
    },
    10,
  );
  assert.equal(done.cost, "10 credits refunded to your balance.");
  assert.equal([done.failure, done.cost].join(" ").match(/refund/gi)?.length, 1);
});

test("a video refused as too short says why and what to choose, and that nothing was charged, once", () => {
  const view = runView(
    {
      status: "failed",
      stage: "preflight",
      input,
      credits: { charged: 0, refunded: 0 },
      failure: {
        stage: "preflight",
        reason: "ad_too_short",
        userMessage: userMessages.adTooShort(1, 2, 2, 4),
        refunded: false,
      },
    },
    10,
  );
  assert.deepEqual([view.word, view.progress, view.steps, view.question], ["Not charged", null, null, null]);
  assert.equal(
    view.failure,
    "A video of 1 scene lasts 2 seconds, but the voice-over needs a video of at least 4 seconds. Choose at least 2 scenes.",
  );
  assert.equal(view.cost, "Nothing was charged.");
});

test("the face question says what was found in plain words, and the price of going on", () => {
  const faceRun: RunSnapshot = {
    status: "awaiting_confirmation",
    input,
    preflight: {
      faces: 1,
      warnings: [
        {
          severity: "high",
          code: "FACES_DETECTED",
          message: "1 face(s) detected. Veo may reject this image.",
          recommendation: "x",
        },
      ],
    },
  };
  const context = { balance: 90, newScriptsAllowed: 2, scenes: [], stageTimes: {} };
  const view = runView(faceRun, 10, { ...context, approval: "off" });
  assert.equal(view.question?.kind, "confirm");
  const text = JSON.stringify(view.question);
  assert.match(text, /a person's face/);
  assert.match(text, /Nothing is charged unless you continue; continuing costs 10 credits\./);
  assert.doesNotMatch(text, /Veo|face\(s\)/);
  assert.equal(view.cost, "Nothing charged yet. This video costs 10 credits.");
  // With a storyboard to approve, going on past the warning costs nothing yet: the approval does.
  const approved = runView(faceRun, 10, { ...context, approval: "required" }).question;
  assert.equal(
    approved?.kind === "confirm" && approved.note,
    "Nothing is charged unless you continue and approve the storyboard that follows; approving it costs 10 credits.",
  );
  const unread = runView(faceRun, 10).question;
  assert.equal(unread?.kind === "confirm" && unread.note, "Nothing is charged unless you continue.");
});

test("the quality question states what each choice costs and how many retries are left; Accept is never first", () => {
  const run: RunSnapshot = {
    status: "awaiting_decision",
    credits: charged,
    quality: { totalScenes: 4, kenBurnsScenes: 3, degradationPct: 75 },
    decisionRetriesLeft: 1,
    staticScenes: [{ scene: 1, reason: "celebrity_detected" }],
  };
  const question = runView(run, 10).question;
  assert.ok(question?.kind === "decide");
  assert.match(question.summary, /3 of 4 scenes/);
  assert.deepEqual(
    question.choices.map((c) => [c.decision, c.available]),
    [
      ["retry", true],
      ["refund", true],
      ["accept", true],
    ],
  );
  assert.match(question.choices[0].explanation, /no extra cost\. 1 retry left/);
  assert.match(question.choices[1].explanation, /get your 10 credits back/);
  assert.match(question.choices[2].explanation, /10 credits stay charged/);
  assert.doesNotMatch(JSON.stringify(question), /celebrity_detected/);
  const noRetry = runView({ ...run, decisionRetriesLeft: 0 }, 10).question;
  assert.ok(noRetry?.kind === "decide");
  assert.equal(noRetry.choices[0].available, false);
  // The first answer a keyboard reaches is the first available one: Refund, not Accept.
  assert.equal(noRetry.choices.find((c) => c.available)?.decision, "refund");
});

test("the quality question shows each still scene's clip of the latest round it was made in", () => {
  const run: RunSnapshot = {
    status: "awaiting_decision",
    credits: charged,
    quality: { totalScenes: 3, kenBurnsScenes: 2, degradationPct: 67 },
    decisionRetriesLeft: 0,
    staticScenes: [
      { scene: 1, reason: "rate_limit" },
      { scene: 3, reason: "veo_error" },
    ],
  };
  const scenes = [
    { sceneNumber: 1, round: 0, status: "done", method: "ken-burns", video: "runs/r/scene_01-r0.mp4" },
    { sceneNumber: 1, round: 1, status: "done", method: "ken-burns", video: "runs/r/scene_01-r1.mp4" },
    { sceneNumber: 2, round: 0, status: "done", method: "generated", video: "runs/r/scene_02-r0.mp4" },
    { sceneNumber: 3, round: 1, status: "rendering" },
  ];
  const question = runView(run, 10, {
    balance: 90,
    newScriptsAllowed: 2,
    approval: "required",
    scenes,
    stageTimes: {},
  }).question;
  assert.ok(question?.kind === "decide");
  assert.deepEqual(question.scenes, [
    { text: "Scene 1: our video service was too busy at that moment.", clip: "runs/r/scene_01-r1.mp4" },
    { text: "Scene 3: the animation could not be made.", clip: null },
  ]);
});

test("steps show where paid work is: none before the charge, the stopped one after a failure", () => {
  assert.equal(runView({ status: "awaiting_confirmation", stage: "preflight" }, 10).steps, null);
  const stopped = runView(
    {
      status: "failed",
      stage: "voice",
      credits: { charged: 10, refunded: 10 },
      failure: { stage: "voice", reason: "x", userMessage: "m", refunded: true },
    },
    10,
  ).steps;
  assert.deepEqual(
    stopped?.map((s) => s.state),
    // The voice comes before the scenes: the scenes, assembly and final checks never began.
    ["done", "done", "done", "done", "stopped", "pending", "pending", "pending"],
  );
});

test("a run approved before paying is charged after its storyboard; a run without one has no storyboard step", () => {
  const labels = (run: RunSnapshot) => runView(run, 10).steps?.map((s) => `${s.label}: ${s.state}`);
  assert.deepEqual(labels({ status: "running", stage: "script" }), [
    "Checking your image: done",
    "Analysing the product: done",
    "Writing the script: current",
    "Drawing the storyboard: pending",
    "Reserving credits: pending",
    "Recording the voiceover: pending",
    "Rendering scenes: pending",
    "Assembling the video: pending",
    "Checking the finished video: pending",
  ]);
  const board = { version: 1, headline: "h", callToAction: "c", scenes: [], totalSec: 8, priceCredits: 10 };
  const approved = labels({ status: "running", stage: "voice", credits: charged, storyboard: board });
  assert.deepEqual(approved?.slice(3, 6), [
    "Drawing the storyboard: done",
    "Reserving credits: done",
    "Recording the voiceover: current",
  ]);
  const plain = labels({ status: "running", stage: "voice", credits: charged });
  assert.ok(plain && !plain.some((line) => line.startsWith("Drawing the storyboard")), String(plain));
  assert.equal(plain?.[1], "Reserving credits: done");
});

test("an unknown stage from a newer backend is named, not shown as a code", () => {
  const view = runView({ status: "running", stage: "output_check", credits: charged }, 10);
  assert.equal(view.progress?.label, "Final checks");
  assert.deepEqual(view.steps?.at(-1), { label: "Final checks", state: "current" });
  assert.ok(view.steps?.slice(0, -1).every((s) => s.state === "done"));
});

test("a ready run has its video and plain details; in-progress runs are told apart", () => {
  const ready: RunSnapshot = {
    status: "succeeded",
    input,
    credits: charged,
    quality: { totalScenes: 4, kenBurnsScenes: 1, degradationPct: 25 },
    output: { video: "outputs/u/r.mp4", durationSec: 16.04 },
  };
  const view = runView(ready, 10);
  assert.equal(view.title, "Morning Ritual Coffee · Fairbean");
  assert.deepEqual(view.video, {
    path: "outputs/u/r.mp4",
    durationSec: 16.04,
    details: "16-second video. 1 of 4 scenes are still pan-and-zoom animations.",
    captions: null,
  });
  assert.equal(view.cost, "Cost 10 credits.");
  assert.equal(isInProgress(ready), false);
  assert.equal(isInProgress({ status: "awaiting_decision" }), true);
  assert.equal(outcomeOf({ status: "awaiting_decision", decision: "refund" }), "working");
});

test("a finished video offers its captions file only when it has one", () => {
  const charged = { charged: 10, refunded: 0 };
  const withCaptions = runView(
    {
      status: "succeeded",
      credits: charged,
      output: { video: "outputs/u/r.mp4", durationSec: 16, captions: "outputs/u/r.vtt" },
    },
    10,
  );
  assert.equal(withCaptions.video?.captions, "outputs/u/r.vtt");
  const without = runView(
    { status: "succeeded", credits: charged, output: { video: "outputs/u/r.mp4", durationSec: 16 } },
    10,
  );
  assert.equal(without.video?.captions, null);
  assert.equal(without.video?.path, "outputs/u/r.mp4");
});
