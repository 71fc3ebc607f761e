/** The storyboard approved before any charge: the table's transitions, the state machine, the pure reviews. */
import { Timestamp } from "firebase-admin/firestore";
import type { RunDocument } from "../../src/contract/runDocument";
import type { StoryboardVersion } from "../../src/contract/storyboard";
import { longestRunMs, nextAction, stageAfterFor, sweepAction } from "../../src/lifecycle/stateMachine";
import { isExpected, transitions } from "../../src/lifecycle/transitions";
import { composeScript } from "../../src/providers/local/localScript";
import {
  reviewStoryboardEdit,
  scriptRegenerations,
  storyboardOf,
  storyboardQuota,
} from "../../src/pipeline/storyboardReview";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";
import { GOOD_DNA, INPUT } from "../models/helpers";

const settings = PipelineSettingsSchema.parse({ approval: "required" });
const NOW = 1_800_000_000_000;
const now = Timestamp.fromMillis(NOW);
const script = composeScript(INPUT, GOOD_DNA, settings.sceneSeconds, settings)!;
const board = (version: number, cause: StoryboardVersion["cause"] = "generated") =>
  storyboardOf({ script, startFrames: ["a.png", "b.png", "c.png"], version, cause, priceCredits: 10, now });
const uncharged = { credits: { charged: 0, refunded: 0 } };
const run = (fields: Partial<RunDocument>): RunDocument => ({
  uid: "u",
  status: "awaiting_approval",
  input: INPUT,
  script,
  storyboard: board(2, "edited"),
  storyboardHistory: [board(1)],
  answerBy: Timestamp.fromMillis(NOW + 60_000),
  ...uncharged,
  ...fields,
});

test("the local composer's script has a call to action, and every storyboard scene its start frame", () => {
  expect(script.callToAction).toEqual(expect.any(String));
  expect(board(1)).toMatchObject({ version: 1, callToAction: script.callToAction, totalSec: 12, priceCredits: 10 });
  expect(board(1).scenes.map((s) => s.startFrame)).toEqual(["a.png", "b.png", "c.png"]);
  expect(board(1).scenes[0].narration).toBe(script.scenes[0].narration);
});

describe("the lifecycle with approval required", () => {
  test("started uncharged after the image check or a confirmation, never twice", () => {
    const start = transitions.startUncharged();
    expect(isExpected({ ...run({}), status: "preflight" }, start.from)).toBe(true);
    expect(isExpected({ ...run({}), status: "awaiting_confirmation" }, start.from)).toBe(false);
    expect(isExpected(run({ status: "awaiting_confirmation", confirmation: { proceed: true } }), start.from)).toBe(
      true,
    );
    expect(start).toMatchObject({ to: "running", update: { stage: "visual_dna", credits: { charged: 0 } } });
  });

  test("an uncharged run's script goes to the storyboard, a charged run's (no approval, or older) to the voice", () => {
    expect(stageAfterFor(run({ status: "running" }), "script")).toBe("storyboard");
    expect(stageAfterFor(run({ status: "running", credits: { charged: 10, refunded: 0 } }), "script")).toBe("voice");
    expect(stageAfterFor(run({ status: "running", credits: undefined }), "script")).toBe("voice");
  });

  test("the storyboard stage ends in awaiting_approval, uncharged, for its lease owner only", () => {
    const claimed = run({
      status: "running",
      stage: "storyboard",
      stageState: "claimed",
      lease: { owner: "a", expiresAt: now },
    });
    const done = transitions.finishStage(claimed, "storyboard", "a", { storyboard: board(1) });
    expect(done).toMatchObject({ name: "await_approval", to: "awaiting_approval", update: { stageState: null } });
    expect(isExpected(claimed, done.from)).toBe(true);
    expect(isExpected(claimed, transitions.finishStage(claimed, "storyboard", "b", {}).from)).toBe(false);
    expect(isExpected({ ...claimed, credits: { charged: 10, refunded: 0 } }, done.from)).toBe(false);
  });

  test("only an approval of the latest version charges, once; the price is the storyboard's", () => {
    const approve = transitions.approveStoryboard(10);
    expect(isExpected(run({ storyboardAnswer: { version: 2, approve: true } }), approve.from)).toBe(true);
    expect(isExpected(run({ storyboardAnswer: { version: 1, approve: true } }), approve.from)).toBe(false);
    expect(isExpected(run({ storyboardAnswer: { version: 2, approve: false } }), approve.from)).toBe(false);
    expect(isExpected(run({}), approve.from)).toBe(false);
    const approved = run({ storyboardAnswer: { version: 2, approve: true }, credits: { charged: 10, refunded: 0 } });
    expect(isExpected(approved, approve.from)).toBe(false);
    expect(isExpected({ ...approved, status: "running" }, approve.from)).toBe(false);
    expect(approve).toMatchObject({ to: "running", update: { stage: "voice", credits: { charged: 10 } } });
    const stale = run({ storyboardAnswer: { version: 1, approve: true } });
    expect(isExpected(stale, transitions.dropStaleAnswer().from)).toBe(true);
    expect(
      isExpected(run({ storyboardAnswer: { version: 2, approve: true } }), transitions.dropStaleAnswer().from),
    ).toBe(false);
  });

  test("without the credits the storyboard stays open, the answer cleared, nothing taken", () => {
    const answered = run({ storyboardAnswer: { version: 2, approve: true } });
    const short = transitions.approvalShortOfCredits(answered, "Add credits");
    expect(isExpected(answered, short.from)).toBe(true);
    expect(short).toMatchObject({ to: "awaiting_approval", update: { storyboardAnswer: null } });
    expect(short.update.credits).toBeUndefined();
  });

  test("a cancel or the deadline end the run uncharged, the owner told once", () => {
    const cancelled = run({ storyboardAnswer: { version: 1, approve: false } });
    const cancel = transitions.cancelStoryboard(cancelled);
    expect(isExpected(cancelled, cancel.from)).toBe(true);
    expect(cancel.update.failure).toMatchObject({ reason: "storyboard_cancelled", noticeDue: true, refundDue: false });
    const expire = transitions.expireStoryboard(run({}), () => true);
    expect(isExpected(run({}), expire.from)).toBe(true);
    expect(isExpected(run({ storyboardAnswer: { version: 2, approve: true } }), expire.from)).toBe(false);
    expect(expire.update.failure).toMatchObject({ reason: "storyboard_expired", noticeDue: true });
  });

  test("nextAction and the sweeper: an answer first, then an edit, then the deadline", () => {
    expect(
      nextAction(run({ storyboardAnswer: { version: 2, approve: true }, storyboardEdit: { version: 2 } })),
    ).toEqual({ kind: "apply_storyboard_answer" });
    expect(nextAction(run({ storyboardEdit: { version: 2, headline: "x" } }))).toEqual({
      kind: "apply_storyboard_edit",
    });
    expect(nextAction(run({}))).toEqual({ kind: "none" });
    const late = NOW + 120_000;
    expect(sweepAction(run({}), NOW, settings)).toEqual({ kind: "none" });
    expect(sweepAction(run({}), late, settings)).toEqual({ kind: "expire_storyboard" });
    expect(sweepAction(run({ storyboardAnswer: { version: 2, approve: true } }), late, settings)).toEqual({
      kind: "apply_storyboard_answer",
    });
    expect(sweepAction(run({ storyboardEdit: { version: 2, headline: "x" } }), NOW, settings)).toEqual({
      kind: "apply_storyboard_edit",
    });
  });

  test("the longest run counts the storyboard's waits", () => {
    const off = PipelineSettingsSchema.parse({ approvalTimeoutMinutes: 1 });
    const day = PipelineSettingsSchema.parse({ approvalTimeoutMinutes: 1441 });
    expect(longestRunMs(day) - longestRunMs(off)).toBe((settings.maxScriptRegenerations + 1) * 1440 * 60_000);
  });
});

describe("an owner's edit", () => {
  const review = (edit: Parameters<typeof reviewStoryboardEdit>[1], fields: Partial<RunDocument> = {}) =>
    reviewStoryboardEdit(run(fields), edit, INPUT, settings, now);

  test("accepted: the next version, the old one kept, the voice-over the new lines", () => {
    const line = `${script.scenes[1].narration.replace(/\.$/, "")}, roasted this week.`;
    const result = review({ version: 2, headline: "Wake up to Ferro", lines: [{ sceneNumber: 2, narration: line }] });
    expect(result.kind).toBe("revised");
    if (result.kind !== "revised") return;
    expect(result.storyboard).toMatchObject({ version: 3, cause: "edited", headline: "Wake up to Ferro" });
    expect(result.storyboard.scenes[1].narration).toBe(line);
    expect(result.storyboard.scenes.map((s) => s.startFrame)).toEqual(board(2).scenes.map((s) => s.startFrame));
    expect(result.script.voiceover).toBe(result.script.scenes.map((s) => s.narration).join(" "));
    const transition = transitions.reviseStoryboard(
      run({ storyboardEdit: { version: 2 } }),
      result.storyboard,
      result.script,
    );
    expect(transition.update.storyboardHistory).toHaveLength(2);
    expect(isExpected(run({ storyboardEdit: { version: 2 } }), transition.from)).toBe(true);
    expect(isExpected(run({ storyboardEdit: { version: 1 } }), transition.from)).toBe(false);
  });

  test("refused field by field: empty, template text, too long, no such scene, an older version", () => {
    expect(review({ version: 2, headline: " !! " })).toEqual({
      kind: "refused",
      reasons: [{ field: "headline", reason: "is empty: write some words" }],
    });
    const refused = review({
      version: 2,
      callToAction: "Lorem ipsum",
      lines: [
        { sceneNumber: 1, narration: "x".repeat(401) },
        { sceneNumber: 7, narration: "Seven" },
      ],
    });
    expect(refused.kind === "refused" && refused.reasons.map((r) => r.field)).toEqual([
      "callToAction",
      "line 1",
      "line 7",
    ]);
    expect(review({ version: 1, headline: "Old" })).toMatchObject({ kind: "refused", reasons: [{ field: "version" }] });
    expect(review({ version: 2 })).toMatchObject({ kind: "refused", reasons: [{ field: "edit" }] });
  });

  test("refused against the voice budget: a line too long to say, or one that drops the names", () => {
    const long = review({
      version: 2,
      lines: [{ sceneNumber: 3, narration: `${script.scenes[2].narration} ${"Truly wonderful beans. ".repeat(12)}` }],
    });
    expect(long.kind === "refused" && long.reasons[0]).toMatchObject({ field: "lines" });
    expect(long.kind === "refused" && long.reasons[0].reason).toMatch(/cannot fit/);
  });

  test("a new script on its own, a bounded number of times", () => {
    expect(review({ version: 2, newScript: true })).toEqual({ kind: "new_script" });
    expect(review({ version: 2, newScript: true, headline: "x y" })).toMatchObject({ kind: "refused" });
    const used = { storyboard: board(3, "new_script"), storyboardHistory: [board(1), board(2, "new_script")] };
    expect(scriptRegenerations(used)).toBe(2);
    expect(review({ version: 3, newScript: true }, used)).toMatchObject({
      kind: "refused",
      reasons: [{ field: "newScript" }],
    });
    const regenerate = transitions.regenerateScript();
    expect(isExpected(run({ storyboardEdit: { version: 2, newScript: true } }), regenerate.from)).toBe(true);
    expect(regenerate).toMatchObject({ to: "running", update: { stage: "script", stageState: "pending" } });
  });
});

test("storyboards per customer: a day's count and an hour's, refused when either is reached", () => {
  const bounds = { storyboardsPerDay: 3, storyboardsPerHour: 2 };
  let state = undefined;
  const first = storyboardQuota(state, NOW, bounds);
  expect(first.ok).toBe(true);
  state = first.ok ? first.next : undefined;
  const second = storyboardQuota(state, NOW + 1000, bounds);
  state = second.ok ? second.next : undefined;
  expect(storyboardQuota(state, NOW + 2000, bounds)).toEqual({ ok: false, limit: "per_hour", allowed: 2 });
  const anHourLater = storyboardQuota(state, NOW + 3_601_000, bounds);
  expect(anHourLater.ok).toBe(true);
  const third = anHourLater.ok ? anHourLater.next : undefined;
  expect(third?.recentMs).toHaveLength(1);
  // NOW is 08:00 UTC: two hours later is the same day, its three storyboards used.
  expect(storyboardQuota(third, NOW + 7_300_000, bounds)).toMatchObject({ ok: false, limit: "per_day" });
  const nextDay = storyboardQuota(third, NOW + 86_400_000, bounds);
  expect(nextDay.ok && nextDay.next.dayCount).toBe(1);
});
