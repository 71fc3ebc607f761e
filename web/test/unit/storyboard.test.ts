/** The storyboard screen's logic: what is shown, what an edit sends, refusals, the price and the balance. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { StoryboardScene } from "../../../functions/src/contract/storyboard";
import { outcomeOf, runView, type RunSnapshot } from "../../src/logic/runView";
import { emptyFieldsOf, storyboardEditOf, storyboardView, type StoryboardSnapshot } from "../../src/logic/storyboard";

const scene = (n: number, narration: string): StoryboardScene => ({
  sceneNumber: n,
  title: `Title ${n}`,
  shows: `The cup on the table, shot ${n}`,
  narration,
  durationSec: 4,
  startFrame: `runs/r/storyboard/v1/scene_0${n}.png`,
});

const board: StoryboardSnapshot = {
  version: 3,
  cause: "edited",
  headline: "Wake up to Fairbean",
  callToAction: "Order today",
  // Stored out of order: the screen shows them by scene number.
  scenes: [scene(2, "Roasted in small batches."), scene(1, "Meet your morning.")],
  totalSec: 8,
  priceCredits: 10,
};

const awaiting: RunSnapshot = { status: "awaiting_approval", storyboard: board };

test("a storyboard is shown while it awaits approval, with every scene, its line and length, and the price", () => {
  const view = storyboardView(awaiting, 25, 2);
  assert.ok(view);
  assert.equal(view.version, 3);
  assert.equal(view.headline, "Wake up to Fairbean");
  assert.equal(view.callToAction, "Order today");
  assert.deepEqual(
    view.scenes.map((s) => [s.sceneNumber, s.line, s.length, s.frame]),
    [
      [1, "Meet your morning.", "4 s", "runs/r/storyboard/v1/scene_01.png"],
      [2, "Roasted in small batches.", "4 s", "runs/r/storyboard/v1/scene_02.png"],
    ],
  );
  assert.equal(view.scenes[0].frameAlt, "Start of scene 1: The cup on the table, shot 1");
  assert.equal(view.total, "Total length: 8 seconds.");
  assert.equal(view.approveLabel, "Approve and pay 10 credits");
  assert.equal(view.shortOfCredits, null);
  assert.equal(view.waiting, null);
  assert.equal(storyboardView({ ...awaiting, status: "running" }, 25, 2), null);
  assert.equal(storyboardView({ status: "awaiting_approval" }, 25, 2), null);
});

test("an approval waits as the customer's answer; a cancel reads as cancelled at once", () => {
  assert.equal(outcomeOf(awaiting), "needs_answer");
  const approved = runView({ ...awaiting, storyboardAnswer: { version: 3, approve: true } }, 10);
  assert.equal(approved.outcome, "working");
  assert.equal(approved.storyboard, null);
  assert.equal(approved.note, "You approved the storyboard. Starting your video…");
  assert.equal(approved.cost, "Nothing charged yet. This video costs 10 credits.");
  const cancelled = runView({ ...awaiting, storyboardAnswer: { version: 3, approve: false } }, 10);
  assert.equal(cancelled.outcome, "cancelled");
  assert.equal(cancelled.cost, "Nothing was charged.");
  // An answer to an older version does not answer the one shown.
  assert.equal(outcomeOf({ ...awaiting, storyboardAnswer: { version: 2, approve: true } }), "needs_answer");
  assert.ok(
    runView(awaiting, 10, { balance: 50, newScriptsAllowed: 2, approval: "required", scenes: [], stageTimes: {} })
      .storyboard,
  );
  assert.equal(runView(awaiting, 10).question, null);
});

test("a balance below the price says how to buy credits instead of offering an approval that fails", () => {
  assert.equal(
    storyboardView(awaiting, 0, 2)?.shortOfCredits,
    "You have 0 credits; this video costs 10 credits. Buy credits, then approve: the storyboard waits for you.",
  );
  assert.equal(storyboardView(awaiting, 10, 2)?.shortOfCredits, null);
  // The balance not read yet is not "short".
  assert.equal(storyboardView(awaiting, null, 2)?.shortOfCredits, null);
});

test("an edit sends only what changed, trimmed, aimed at the version shown", () => {
  const view = storyboardView(awaiting, 25, 2);
  assert.ok(view);
  const unchanged = { headline: view.headline, callToAction: view.callToAction, lines: { 1: view.scenes[0].line } };
  assert.equal(storyboardEditOf(view, unchanged), null);
  assert.deepEqual(
    storyboardEditOf(view, {
      ...unchanged,
      headline: "  Mornings, roasted  ",
      lines: { 1: "Meet your morning.", 2: "Small batch, big taste." },
    }),
    { version: 3, headline: "Mornings, roasted", lines: [{ sceneNumber: 2, narration: "Small batch, big taste." }] },
  );
  assert.deepEqual(storyboardEditOf(view, { ...unchanged, callToAction: "Try it" }), {
    version: 3,
    callToAction: "Try it",
  });
  assert.deepEqual(emptyFieldsOf({ headline: " ", callToAction: "Order", lines: { 1: "x", 2: "" } }), {
    headline: "Write something here, or put back what was there.",
    callToAction: null,
    lines: { 2: "Write something here, or put back what was there." },
  });
});

test("a change being made locks the screen; a refusal is shown beside its field, for its version only", () => {
  const pending = storyboardView({ ...awaiting, storyboardEdit: { version: 3, headline: "x" } }, 25, 2);
  assert.equal(pending?.waiting, "Saving your change…");
  const newScript = storyboardView({ ...awaiting, storyboardEdit: { version: 3, newScript: true } }, 25, 2);
  assert.equal(newScript?.waiting, "Writing a new script…");
  // A change aimed at an older version was dealt with: the version shown is newer.
  assert.equal(storyboardView({ ...awaiting, storyboardEdit: { version: 2, headline: "x" } }, 25, 2)?.waiting, null);

  const refusedLine = storyboardView(
    {
      ...awaiting,
      storyboardEditRefused: {
        version: 3,
        reasons: [
          { field: "line 2", reason: "is too short to say" },
          { field: "callToAction", reason: "must be 120 characters or fewer." },
        ],
      },
    },
    25,
    2,
  );
  assert.equal(refusedLine?.waiting, null);
  assert.deepEqual(
    refusedLine?.scenes.map((s) => s.refusal),
    [null, "Not changed: is too short to say."],
  );
  assert.equal(refusedLine?.refusals.headline, null);
  assert.equal(refusedLine?.refusals.callToAction, "Not changed: must be 120 characters or fewer.");
  assert.equal(refusedLine?.refusals.other, null);
  const wholeScript = storyboardView(
    {
      ...awaiting,
      storyboardEditRefused: { version: 3, reasons: [{ field: "lines", reason: "the voice-over would not fill 8 s" }] },
    },
    25,
    2,
  );
  assert.equal(wholeScript?.refusals.other, "Not changed: the voice-over would not fill 8 s.");
  assert.deepEqual(
    wholeScript?.scenes.map((s) => s.refusal),
    [null, null],
  );
  const refusedHeadline = storyboardView(
    { ...awaiting, storyboardEditRefused: { version: 3, reasons: [{ field: "headline", reason: "Too long." }] } },
    25,
    2,
  );
  assert.equal(refusedHeadline?.refusals.headline, "Not changed: Too long.");
  const oldRefusal = storyboardView(
    { ...awaiting, storyboardEditRefused: { version: 2, reasons: [{ field: "headline", reason: "Too long." }] } },
    25,
    2,
  );
  assert.equal(oldRefusal?.refusals.headline, null);
  const changedAgain = storyboardView(
    {
      ...awaiting,
      storyboardEdit: { version: 3, headline: "Mornings" },
      storyboardEditRefused: { version: 3, reasons: [{ field: "headline", reason: "Too long." }] },
    },
    25,
    2,
  );
  assert.equal(changedAgain?.refusals.headline, null, "a new change being looked at hides the last refusal");
  assert.equal(changedAgain?.waiting, "Saving your change…");
});

test("new scripts are offered while the settings allow more", () => {
  assert.equal(storyboardView(awaiting, 25, 2)?.newScriptsLeft, 2);
  const once = storyboardView(
    { ...awaiting, storyboard: { ...board, cause: "new_script" }, storyboardHistory: [{ cause: "generated" }] },
    25,
    2,
  );
  assert.equal(once?.newScriptsLeft, 1);
  const twice = storyboardView(
    {
      ...awaiting,
      storyboard: { ...board, cause: "edited" },
      storyboardHistory: [{ cause: "generated" }, { cause: "new_script" }, { cause: "new_script" }],
    },
    25,
    2,
  );
  assert.equal(twice?.newScriptsLeft, 0);
  assert.equal(storyboardView(awaiting, 25, 0)?.newScriptsLeft, 0);
  // Settings not read yet: no new script offered rather than one the backend may refuse.
  assert.equal(storyboardView(awaiting, 25, null)?.newScriptsLeft, 0);
});
