/**
 * The interleavings that broke the promise, forced with handler calls against the real
 * Firestore emulator (a project without triggers, so a "lost delivery" is simply a handler
 * not called): every one ends with no credit lost, no run revived, no answer overridden.
 */
import { FieldValue } from "firebase-admin/firestore";
import { paths } from "../../src/contract/paths";
import type { RunDocument } from "../../src/contract/runDocument";
import { refundRun } from "../../src/ledger/credits";
import { loadAuditSnapshot } from "../../src/ledger/auditSnapshot";
import { auditLedger } from "../../src/ledger/audit";
import { failRun } from "../../src/lifecycle/runStore";
import { sweepStuckRuns } from "../../src/handlers/sweeper";
import { handleRunFailed, handleRunUpdated } from "../../src/pipeline/advance";
import { PipelineFailure } from "../../src/contract/failure";
import { handleRunCreated } from "../../src/pipeline/preflightStage";
import { handleSceneTask } from "../../src/pipeline/sceneTask";
import type { PipelineDeps } from "../../src/pipeline/deps";
import { handlerDeps, type RecordingDispatcher } from "../support/driver";
import { balanceOf, clearProject, firestoreFor, movementsOf, startRun, writeSettings } from "../support/emulator";
import { fixture, upscaledCoffee as productImage } from "../support/samples";

const PROJECT = "demo-fairshot-recovery";
const db = firestoreFor(PROJECT);
const HOUR_MS = 3_600_000;
let image: Buffer;

beforeAll(async () => {
  await clearProject(PROJECT);
  await writeSettings(db, { decisionDefault: "refund" });
  image = await productImage();
});

afterAll(async () => {
  // Whatever the interleavings did, the ledger balances.
  expect(auditLedger(await loadAuditSnapshot(db))).toEqual([]);
});

const runOf = async (runId: string) => (await db.doc(paths.run(runId)).get()).data() as RunDocument;
const notification = async (uid: string, id: string) => (await db.doc(paths.notification(uid, id)).get()).data();

/** Delivers the update trigger once for the run as it is now. */
async function deliverUpdate(runId: string, deps: PipelineDeps, id = "event") {
  await handleRunUpdated(runId, await runOf(runId), `${id}-${Math.random()}`, deps);
}

/** Runs queued scene tasks until none is left. */
async function renderQueued(dispatcher: RecordingDispatcher, deps: PipelineDeps) {
  for (let task = dispatcher.queued.shift(); task; task = dispatcher.queued.shift()) {
    await handleSceneTask(task, { retryCount: 0, maxAttempts: 1 }, deps);
  }
}

/** Advances a run through its triggers and scene tasks until it leaves `running` or `stop` holds. */
async function advance(
  runId: string,
  deps: PipelineDeps,
  dispatcher: RecordingDispatcher,
  stop = (_: RunDocument) => false,
) {
  for (let step = 0; step < 30; step++) {
    let run = await runOf(runId);
    if (run.status !== "running" || stop(run)) return run;
    await deliverUpdate(runId, deps, `step-${step}`);
    run = await runOf(runId);
    if (stop(run)) return run;
    await renderQueued(dispatcher, deps);
  }
  throw new Error(`run ${runId} did not settle`);
}

test("onRunFailed crashed: the run says 'will be refunded' and the sweeper refunds it, once", async () => {
  const { uid, runId } = await startRun(db, image);
  const { deps } = handlerDeps(db);
  await handleRunCreated(runId, deps);
  expect(await balanceOf(db, uid)).toBe(90);
  await failRun(
    db,
    runId,
    new PipelineFailure({
      stage: "visual_dna",
      reason: "test",
      userMessage: "Visual DNA failed. Your credits will be refunded.",
    }),
  );
  // The refund trigger's worker died: no handleRunFailed. The user is not told it happened.
  const failed = await runOf(runId);
  expect(failed.failure).toMatchObject({ refunded: false, refundDue: true });
  expect(failed.failure?.userMessage).toMatch(/will be refunded/);
  expect(failed.failure?.userMessage).not.toMatch(/have been refunded/);

  const report = await sweepStuckRuns(db);
  expect(report.actions).toContainEqual({ runId, action: "refund" });
  const refunded = await runOf(runId);
  expect(refunded.failure).toMatchObject({ refunded: true, refundDue: false });
  expect(refunded.failure?.userMessage).toMatch(/Your 10 credits have been refunded/);
  expect(await balanceOf(db, uid)).toBe(100);
  expect(await notification(uid, `refund_${runId}`)).toMatchObject({ title: "Credits refunded" });

  // The delivery comes back after all (a retry): nothing more happens.
  await handleRunFailed(runId, { ...failed, status: "running" }, failed, db);
  expect((await sweepStuckRuns(db)).actions.filter((a) => a.runId === runId)).toEqual([]);
  expect((await movementsOf(db, uid, runId)).map((m) => m.kind).sort()).toEqual(["charge", "refund"]);
  expect(await balanceOf(db, uid)).toBe(100);
});

test("a failed, uncharged run whose notice delivery was lost: the sweeper tells the user, once", async () => {
  const { uid, runId } = await startRun(db, image);
  await failRun(
    db,
    runId,
    new PipelineFailure({ stage: "preflight", reason: "test", userMessage: "Checking your image failed." }),
  );
  // onRunFailed's worker died: the user has not been told.
  const failed = await runOf(runId);
  expect(failed.failure).toMatchObject({ refundDue: false, noticeDue: true });
  expect(await notification(uid, `failed_${runId}`)).toBeUndefined();

  const report = await sweepStuckRuns(db);
  expect(report.actions).toContainEqual({ runId, action: "notify_failed" });
  expect((await runOf(runId)).failure).toMatchObject({ noticeDue: false, refunded: false });
  const told = await notification(uid, `failed_${runId}`);
  expect(told).toMatchObject({ title: "Video not created", body: failed.failure?.userMessage, read: false });

  // The user reads it; the lost delivery comes back after all and the next pass runs: not told again.
  await db.doc(paths.notification(uid, `failed_${runId}`)).update({ read: true });
  expect(await refundRun(db, runId)).toBe("already_told");
  await handleRunFailed(runId, { ...failed, status: "preflight" }, failed, db);
  expect((await sweepStuckRuns(db)).actions.filter((a) => a.runId === runId)).toEqual([]);
  expect(await notification(uid, `failed_${runId}`)).toMatchObject({ read: true });
  expect(await movementsOf(db, uid, runId)).toEqual([]);
  expect(await balanceOf(db, uid)).toBe(100);
});

test("a run the sweeper cannot repair does not stop it from repairing the runs after it", async () => {
  // A malformed failed run owing a refund (its uid is no document id): it sorts first in the pass.
  const malformed = db.doc(paths.run("0-malformed"));
  await malformed.set({
    uid: "not/a-document-id",
    status: "failed",
    failure: { refundDue: true, refunded: false, reason: "test", userMessage: "x" },
  });
  try {
    const { uid, runId } = await startRun(db, image);
    const { deps } = handlerDeps(db);
    await handleRunCreated(runId, deps);
    await failRun(db, runId, new PipelineFailure({ stage: "script", reason: "test", userMessage: "Script failed." }));
    const report = await sweepStuckRuns(db);
    expect(report.failed).toEqual([expect.objectContaining({ runId: "0-malformed" })]);
    expect(report.actions).toContainEqual({ runId, action: "refund" });
    expect(await balanceOf(db, uid)).toBe(100);
  } finally {
    await malformed.delete();
  }
});

describe("a slow preflight failed by the sweeper stays failed and uncharged", () => {
  test.each([
    ["a clean image (would be charged)", () => image],
    ["a face (would ask for confirmation)", () => fixture("astronaut.png")],
  ])("%s", async (_name, imageOf) => {
    const { uid, runId } = await startRun(db, imageOf());
    const { deps } = handlerDeps(db);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: PipelineDeps = {
      ...deps,
      preflight: { check: async (bytes, framing) => (await gate, deps.preflight.check(bytes, framing)) },
    };
    const preflight = handleRunCreated(runId, slow);
    while ((await runOf(runId)).status !== "preflight") await new Promise((r) => setTimeout(r, 50));

    await sweepStuckRuns(db, Date.now() + HOUR_MS);
    const failed = await runOf(runId);
    expect(failed.status).toBe("failed");
    expect(failed.failure?.userMessage).toMatch(/Nothing was charged/);
    expect(failed.failure?.userMessage).not.toMatch(/refund/i);

    release();
    await preflight;
    const after = await runOf(runId);
    expect(after.status).toBe("failed");
    expect(after.credits).toEqual({ charged: 0, refunded: 0 });
    expect(await movementsOf(db, uid, runId)).toEqual([]);
    expect(await balanceOf(db, uid)).toBe(100);
    // A confirmation arriving now charges nothing either.
    await db.doc(paths.run(runId)).update({ confirmation: { proceed: true } });
    await deliverUpdate(runId, deps);
    await sweepStuckRuns(db, Date.now() + HOUR_MS);
    expect(await balanceOf(db, uid)).toBe(100);
    expect((await runOf(runId)).status).toBe("failed");
  });
});

test("a failed run is never revived, charged or refunded twice; a run that is not failed is never refunded", async () => {
  const { uid, runId } = await startRun(db, image);
  const { deps } = handlerDeps(db);
  await handleRunCreated(runId, deps);
  // A late failed-event for a run that is still running refunds nothing.
  expect(await refundRun(db, runId)).toBe("not_failed");
  expect(await balanceOf(db, uid)).toBe(90);
  await failRun(db, runId, new PipelineFailure({ stage: "script", reason: "test", userMessage: "x" }));
  // Late deliveries of earlier states do nothing.
  await deliverUpdate(runId, deps);
  await handleRunCreated(runId, deps);
  expect(await failRun(db, runId, new PipelineFailure({ stage: "voice", reason: "again", userMessage: "y" }))).toBe(
    false,
  );
  const run = await runOf(runId);
  expect(run).toMatchObject({ status: "failed", stage: "script" });
  expect(await movementsOf(db, uid, runId)).toHaveLength(1);
});

test("scenes all rendered while the stage was re-claimed: the stage finishes instead of failing", async () => {
  const { uid, runId } = await startRun(db, image, { scenes: 2 });
  const { deps, dispatcher } = handlerDeps(db);
  await handleRunCreated(runId, deps);
  const waiting = await advance(runId, deps, dispatcher, (r) => r.stage === "scenes" && r.stageState === "waiting");
  expect(dispatcher.queued).toHaveLength(2);
  // A sweep past the lease (scenes not done yet) hands the stage back…
  const report = await sweepStuckRuns(db, Date.now() + 2 * HOUR_MS);
  expect(report.actions).toContainEqual({ runId, action: "retry_stage" });
  expect(await runOf(runId)).toMatchObject({ stage: "scenes", stageState: "pending" });
  // …the scene tasks finish while it is pending (their finish step does nothing)…
  await renderQueued(dispatcher, deps);
  expect(await runOf(runId)).toMatchObject({ stage: "scenes", stageState: "pending" });
  // …and the re-claimed stage, with nothing left to render, finishes it.
  const run = await advance(runId, deps, dispatcher);
  expect(waiting.stageAttempt).toBe(1);
  expect(run.status).toBe("succeeded");
  // Each scene's steps were dispatched once (submit, then its poll): the re-claimed stage added none.
  expect(dispatcher.dispatched.map((t) => `${t.sceneNumber}/${t.step}`).sort()).toEqual(["1/0", "1/1", "2/0", "2/1"]);
  expect(await balanceOf(db, uid)).toBe(90);
});

test("every scene done but the finish step lost with its worker: the sweeper finishes the stage", async () => {
  const { runId } = await startRun(db, image, { scenes: 2 });
  const { deps, dispatcher } = handlerDeps(db);
  await handleRunCreated(runId, deps);
  await advance(runId, deps, dispatcher, (r) => r.stage === "scenes" && r.stageState === "waiting");
  const last = dispatcher.queued.pop()!;
  await renderQueued(dispatcher, deps);
  // The last scene's worker wrote its scene and died before the finish step.
  const done = (await db.doc(paths.scene(runId, "scene_01")).get()).data()!;
  await db.doc(paths.scene(runId, "scene_02")).set({ ...done, sceneNumber: last.sceneNumber });
  expect(await runOf(runId)).toMatchObject({ stage: "scenes", stageState: "waiting" });

  const report = await sweepStuckRuns(db);
  expect(report.actions).toContainEqual({ runId, action: "finish_scenes" });
  // The voice was recorded before the scenes: the finished stage hands over to assembly.
  expect(await runOf(runId)).toMatchObject({ status: "running", stage: "assembly", stageState: "pending" });
});

describe("runs in flight at the deploy that put the voice before the scenes finish", () => {
  /** The run as the old order left it: scenes rendered, no voice recorded (or recorded but not fitted). */
  const unvoiced = { voice: FieldValue.delete() };
  const unfitted = {
    "voice.fitted": FieldValue.delete(),
    "voice.fit": FieldValue.delete(),
    "voice.timing": FieldValue.delete(),
  };

  async function expectFinished(runId: string, uid: string, run: RunDocument, dispatched: string[]) {
    expect(run.status).toBe("succeeded");
    expect(run.voice).toMatchObject({ fitted: `runs/${runId}/voice-fitted.wav`, timing: { durationSec: 4 } });
    expect(run.voice?.timing?.scenes).toHaveLength(2);
    // No scene was rendered again: each step dispatched once, as before the deploy.
    expect(dispatched.map((t) => t).sort()).toEqual(["1/0", "1/1", "2/0", "2/1"]);
    expect(await movementsOf(db, uid, runId)).toHaveLength(1);
  }
  const steps = (dispatcher: RecordingDispatcher) => dispatcher.dispatched.map((t) => `${t.sceneNumber}/${t.step}`);

  test("stage voice after its scenes (old order): the voice is recorded and fitted, then assembly, not the scenes", async () => {
    const { uid, runId } = await startRun(db, image, { scenes: 2 });
    const { deps, dispatcher } = handlerDeps(db);
    await handleRunCreated(runId, deps);
    await advance(runId, deps, dispatcher, (r) => r.stage === "assembly");
    // What the old order wrote when the scenes were done: on to the voice, at its 75%.
    await db.doc(paths.run(runId)).update({
      ...unvoiced,
      stage: "voice",
      stageState: "pending",
      stageAttempt: 0,
      progress: { pct: 75, message: "Recording the voiceover" },
    });
    const seen: number[] = [];
    const run = await advance(runId, deps, dispatcher, (r) => (seen.push(r.progress?.pct ?? 0), false));
    await expectFinished(runId, uid, run, steps(dispatcher));
    expect(run.stages?.voice?.attempts).toHaveLength(1);
    // The bar never went back to the new order's 25% for the voice.
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(Math.min(...seen)).toBe(75);
  });

  test("scenes stage under way at the deploy, no voice yet: the scenes finish, then the voice, then assembly", async () => {
    const { uid, runId } = await startRun(db, image, { scenes: 2 });
    const { deps, dispatcher } = handlerDeps(db);
    await handleRunCreated(runId, deps);
    await advance(runId, deps, dispatcher, (r) => r.stage === "scenes" && r.stageState === "waiting");
    await db.doc(paths.run(runId)).update(unvoiced);
    await renderQueued(dispatcher, deps);
    expect(await runOf(runId)).toMatchObject({ stage: "voice", stageState: "pending" });
    await expectFinished(runId, uid, await advance(runId, deps, dispatcher), steps(dispatcher));
  });

  test("assembly of a voice recorded but never fitted: assembly fits it and records its timing", async () => {
    const { uid, runId } = await startRun(db, image, { scenes: 2 });
    const { deps, dispatcher } = handlerDeps(db);
    await handleRunCreated(runId, deps);
    await advance(runId, deps, dispatcher, (r) => r.stage === "assembly");
    await db.doc(paths.run(runId)).update(unfitted);
    expect((await runOf(runId)).voice).toEqual({ audio: `runs/${runId}/voice.wav`, durationSec: expect.any(Number) });
    await expectFinished(runId, uid, await advance(runId, deps, dispatcher), steps(dispatcher));
  });
});

describe("answers are applied, never expired or replaced", () => {
  test("a confirmation whose trigger was lost is charged by the sweeper, even after the wait", async () => {
    const { uid, runId } = await startRun(db, fixture("astronaut.png"));
    const { deps } = handlerDeps(db);
    await handleRunCreated(runId, deps);
    expect((await runOf(runId)).status).toBe("awaiting_confirmation");
    await db.doc(paths.run(runId)).update({ confirmation: { proceed: true } }); // no trigger follows
    const report = await sweepStuckRuns(db, Date.now() + 2 * HOUR_MS);
    expect(report.actions).toContainEqual({ runId, action: "apply_confirmation" });
    expect(await runOf(runId)).toMatchObject({ status: "running", stage: "visual_dna" });
    expect(await balanceOf(db, uid)).toBe(90);
  });

  test("cancel ends the run uncharged, as 'cancelled', with no word of a refund", async () => {
    const { uid, runId } = await startRun(db, fixture("astronaut.png"));
    const { deps } = handlerDeps(db);
    await handleRunCreated(runId, deps);
    const asking = await runOf(runId);
    expect(asking.answerBy!.toMillis()).toBeGreaterThan(Date.now());
    await db.doc(paths.run(runId)).update({ confirmation: { proceed: false } });
    await Promise.all([deliverUpdate(runId, deps), deliverUpdate(runId, deps)]);
    const run = await runOf(runId);
    expect(run).toMatchObject({
      status: "failed",
      failure: { reason: "cancelled", refunded: false, refundDue: false },
    });
    expect(run.failure?.userMessage).toBe("You cancelled this video. Nothing was charged.");
    await handleRunFailed(runId, asking, run, db);
    expect(await notification(uid, `failed_${runId}`)).toMatchObject({ title: "Video not created" });
    expect(await balanceOf(db, uid)).toBe(100);
    expect(await movementsOf(db, uid, runId)).toEqual([]);
  });

  test("the user's decision beats the sweeper's default, even when its trigger was lost", async () => {
    const { uid, runId } = await startRun(db, image, { scenes: 2, faults: { scenes: "celebrity:1,2" } });
    const { deps, dispatcher } = handlerDeps(db);
    await handleRunCreated(runId, deps);
    expect((await advance(runId, deps, dispatcher)).status).toBe("awaiting_decision");
    await db.doc(paths.run(runId)).update({ decision: "accept" }); // no trigger follows
    // Past the wait, with "refund" as the default: the user's "accept" is applied instead.
    const report = await sweepStuckRuns(db, Date.now() + 2 * HOUR_MS);
    expect(report.actions).toContainEqual({ runId, action: "apply_decision" });
    const run = await advance(runId, deps, dispatcher);
    expect(run.status).toBe("succeeded");
    expect(run.decisionLog?.map((d) => d.decision)).toEqual(["accept"]);
    expect(await balanceOf(db, uid)).toBe(90);
  });

  test("no answer: the default is written and applied at once; a late answer changes nothing", async () => {
    const { uid, runId } = await startRun(db, image, { scenes: 2, faults: { scenes: "celebrity:1,2" } });
    const { deps, dispatcher } = handlerDeps(db);
    await handleRunCreated(runId, deps);
    const asking = await advance(runId, deps, dispatcher);
    expect(asking.status).toBe("awaiting_decision");
    const report = await sweepStuckRuns(db, Date.now() + 2 * HOUR_MS);
    expect(report.actions).toContainEqual({ runId, action: "decide_by_default" });
    const run = await runOf(runId);
    expect(run).toMatchObject({ status: "failed", failure: { reason: "user_refused_quality" } });
    // A late "accept" delivered now (the rules refuse writing it; a stale event may still arrive).
    await handleRunUpdated(runId, { ...asking, decision: "accept" }, "late", deps);
    await sweepStuckRuns(db, Date.now() + 2 * HOUR_MS);
    expect((await runOf(runId)).status).toBe("failed");
    expect(await balanceOf(db, uid)).toBe(100);
  });

  test("retry: a late delivery of the earlier round does nothing to the new round", async () => {
    const { runId } = await startRun(db, image, { scenes: 2, faults: { scenes: "celebrity:1,2" } });
    const { deps, dispatcher } = handlerDeps(db);
    await handleRunCreated(runId, deps);
    await advance(runId, deps, dispatcher);
    await db.doc(paths.run(runId)).update({ decision: "retry" });
    await deliverUpdate(runId, deps);
    expect(await runOf(runId)).toMatchObject({ status: "running", stage: "scenes", scenesRound: 1 });
    // The earlier round's task for scene 1 is delivered again, late.
    await handleSceneTask({ runId, sceneNumber: 1, round: 0, step: 0 }, { retryCount: 0, maxAttempts: 1 }, deps);
    expect((await db.doc(paths.scene(runId, "scene_01")).get()).data()).toMatchObject({ round: 1, status: "pending" });
    const run = await advance(runId, deps, dispatcher);
    expect(run).toMatchObject({ status: "awaiting_decision", scenesRound: 1 });
  });
});
