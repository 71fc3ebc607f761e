/** Progress while scenes render, counted from the scene documents, and the time left from measured stage times. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runView, type RunSnapshot } from "../../src/logic/runView";
import { measuredStageTimes, progressDetail, secondsLeft, type SceneSnapshot } from "../../src/logic/timeLeft";

const script = { scenes: [{}, {}, {}, {}] };
const earlier = [
  {
    status: "succeeded",
    stages: { scenes: { durationMs: 80_000 }, assembly: { durationMs: 4_000 }, quality: { durationMs: 2_000 } },
  },
  {
    status: "succeeded",
    stages: { scenes: { durationMs: 100_000 }, assembly: { durationMs: 6_000 }, quality: { durationMs: 1_000 } },
  },
  // A run that failed in its scenes measured what came before them only.
  { status: "failed", stages: { scenes: { durationMs: 500_000 }, assembly: { durationMs: 8_000 } } },
];
const done = (n: number, round = 0): SceneSnapshot => ({ sceneNumber: n, round, status: "done" });

test("stage times are the medians of what earlier runs measured", () => {
  assert.deepEqual(measuredStageTimes(earlier), { scenes: 100_000, assembly: 6_000, quality: 1_500 });
  assert.deepEqual(measuredStageTimes([{ status: "queued" }]), {});
});

test("the time left shrinks as scenes finish, and adds the stages still to come", () => {
  const times = measuredStageTimes(earlier);
  const run = { status: "running", stage: "scenes", scenesRound: 0, script };
  // 100 s of scenes, none done + 6 s assembly + 1.5 s quality.
  assert.equal(secondsLeft(run, [], times), 108);
  assert.equal(secondsLeft(run, [done(1), done(2), { sceneNumber: 3, round: 0, status: "rendering" }], times), 58);
  assert.equal(secondsLeft(run, [done(1), done(2), done(3), done(4)], times), 8);
  // Within another stage: half of it is assumed left.
  assert.equal(secondsLeft({ status: "running", stage: "assembly" }, [], times), 5);
  // A stage never measured, or a run not working: no estimate, never a guess.
  assert.equal(secondsLeft(run, [], { scenes: 100_000, assembly: 6_000 }), null);
  assert.equal(secondsLeft({ status: "awaiting_decision", stage: "scenes" }, [], times), null);
});

test("the words beside the bar count the round's scenes and say the time left", () => {
  const times = measuredStageTimes(earlier);
  const run = { status: "running", stage: "scenes", scenesRound: 0, script };
  assert.equal(progressDetail(run, [done(1)], times), "1 of 4 scenes ready, about 2 minutes left");
  assert.equal(progressDetail(run, [done(1), done(2), done(3)], {}), "3 of 4 scenes ready");
  // A retry round renders the still scenes again: counted among themselves, the first round's left aside.
  const retry = { ...run, scenesRound: 1 };
  const scenes = [done(1), done(2), done(3), done(4), { sceneNumber: 3, round: 1, status: "rendering" }, done(4, 1)];
  assert.equal(progressDetail(retry, scenes, times), "1 of 2 scenes made again, less than a minute left");
  assert.equal(
    progressDetail(run, [done(1), done(2), done(3), done(4)], times),
    "4 of 4 scenes ready, less than a minute left",
  );
  assert.equal(progressDetail({ status: "running", stage: "script" }, [], {}), null);
});

test("the card's bar carries the scene count and the time left while scenes render", () => {
  const run: RunSnapshot = {
    status: "running",
    stage: "scenes",
    scenesRound: 0,
    script: { ...script, headline: "h", voiceover: "v" } as never,
    credits: { charged: 10, refunded: 0 },
    progress: { pct: 55, message: "Generating video scenes: 2 of 4 done" },
  };
  const view = runView(run, 10, {
    balance: 90,
    newScriptsAllowed: 2,
    approval: "required",
    scenes: [done(1), done(2)],
    stageTimes: measuredStageTimes(earlier),
  });
  assert.deepEqual(view.progress, {
    pct: 55,
    label: view.progress?.label,
    detail: "2 of 4 scenes ready, less than a minute left",
  });
});
