/**
 * The storyboard approved before any charge, through the real handlers on the Firestore emulator, each
 * event delivered twice: approve, cancel, expire, edit (accepted and refused), a new script, a lost
 * approval delivery repaired by the sweeper, an approval written twice, an approval without the credits,
 * and the cost bound on storyboards per customer. Every case ends with the ledger audit clean.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { paths } from "../../src/contract/paths";
import type { RunDocument } from "../../src/contract/runDocument";
import type { StoryboardAnswer, StoryboardEdit } from "../../src/contract/storyboard";
import { auditLedger } from "../../src/ledger/audit";
import { loadAuditSnapshot } from "../../src/ledger/auditSnapshot";
import { sweepStuckRuns } from "../../src/handlers/sweeper";
import { handleRunFailed, handleRunUpdated } from "../../src/pipeline/advance";
import { retryLockTimeouts } from "../support/lockRetry";
import { drive, handlerDeps } from "../support/driver";
import {
  LOCAL_BUCKET,
  balanceOf,
  clearProject,
  firestoreFor,
  movementsOf,
  startRun,
  writeSettings,
} from "../support/emulator";
import { upscaledCoffee as productImage } from "../support/samples";

const PROJECT = "demo-fairshot-storyboard";
const db = firestoreFor(PROJECT);
const HOUR_MS = 3_600_000;
/** A whole video (storyboard, then voice, scenes, assembly and gate) takes minutes on a loaded machine. */
const WHOLE_VIDEO_MS = 600_000;
let image: Buffer;

beforeAll(async () => {
  await clearProject(PROJECT);
  await writeSettings(db, { approval: "required", storyboardsPerDay: 100, storyboardsPerHour: 100 });
  image = await productImage();
});

const runOf = async (runId: string) => (await db.doc(paths.run(runId)).get()).data() as RunDocument;
const write = (runId: string, fields: { storyboardAnswer?: StoryboardAnswer; storyboardEdit?: StoryboardEdit }) =>
  retryLockTimeouts(() => db.doc(paths.run(runId)).update(fields));

/** A run driven to its storyboard: uncharged, waiting for the owner. */
async function toStoryboard(credits = 100) {
  const { uid, runId } = await startRun(db, image, { scenes: 2, credits });
  const handlers = handlerDeps(db);
  const run = await drive(db, runId, handlers.deps, handlers.dispatcher);
  return { uid, runId, run, ...handlers };
}

async function expectAuditClean() {
  expect(auditLedger(await loadAuditSnapshot(db))).toEqual([]);
}

test(
  "the storyboard waits uncharged; approving its latest version charges once and the video is made",
  async () => {
    const { uid, runId, run, deps, dispatcher } = await toStoryboard();
    expect(run.status).toBe("awaiting_approval");
    expect(run.credits).toEqual({ charged: 0, refunded: 0 });
    expect(await movementsOf(db, uid, runId)).toEqual([]);
    expect(run.storyboard).toMatchObject({ version: 1, cause: "generated", priceCredits: 10, totalSec: 4 });
    expect(run.storyboard?.callToAction.length).toBeGreaterThan(0);
    expect(run.storyboard?.scenes.map((s) => s.narration)).toEqual(run.script?.scenes.map((s) => s.narration));
    for (const scene of run.storyboard?.scenes ?? [])
      expect(existsSync(path.join(LOCAL_BUCKET, scene.startFrame))).toBe(true);
    expect(run.answerBy!.toMillis()).toBeGreaterThan(Date.now() + 23 * HOUR_MS);
    expect((await db.doc(paths.notification(uid, `storyboard_${runId}_v1`)).get()).get("title")).toBe(
      "Your storyboard is ready",
    );

    await write(runId, { storyboardAnswer: { version: 1, approve: true } });
    const done = await drive(db, runId, deps, dispatcher);
    expect(done.status).toBe("succeeded");
    expect(await movementsOf(db, uid, runId)).toEqual([{ id: `charge_${runId}`, kind: "charge", amount: -10 }]);
    const charge = await db.doc(paths.ledgerEntry(uid, `charge_${runId}`)).get();
    expect(charge.get("storyboardVersion")).toBe(1);
    expect(await balanceOf(db, uid)).toBe(90);
    await expectAuditClean();
  },
  WHOLE_VIDEO_MS,
);

test("cancel: failed uncharged, told once", async () => {
  const { uid, runId, deps, dispatcher } = await toStoryboard();
  await write(runId, { storyboardAnswer: { version: 1, approve: false } });
  const run = await drive(db, runId, deps, dispatcher);
  expect(run.failure).toMatchObject({ stage: "storyboard", reason: "storyboard_cancelled", noticeDue: false });
  expect(run.failure?.userMessage).toMatch(/Nothing was charged/);
  expect(await movementsOf(db, uid, runId)).toEqual([]);
  expect((await db.doc(paths.notification(uid, `failed_${runId}`)).get()).get("title")).toBe("Video not created");
  expect(await balanceOf(db, uid)).toBe(100);
});

test("no answer: the sweeper expires the storyboard uncharged", async () => {
  const { uid, runId } = await toStoryboard();
  expect((await sweepStuckRuns(db, Date.now() + HOUR_MS)).actions).not.toContainEqual({
    runId,
    action: "expire_storyboard",
  });
  const report = await sweepStuckRuns(db, Date.now() + 25 * HOUR_MS);
  expect(report.actions).toContainEqual({ runId, action: "expire_storyboard" });
  const failed = await runOf(runId);
  await handleRunFailed(runId, { ...failed, status: "awaiting_approval" }, failed, db);
  expect((await runOf(runId)).failure).toMatchObject({ reason: "storyboard_expired", noticeDue: false });
  expect(await movementsOf(db, uid, runId)).toEqual([]);
  await expectAuditClean();
});

test(
  "an edit: refused per field and nothing changes; accepted makes version 2, and only it can be approved",
  async () => {
    const { uid, runId, run, deps, dispatcher } = await toStoryboard();
    await write(runId, { storyboardEdit: { version: 1, headline: "   ", callToAction: "Lorem ipsum today" } });
    const refused = await drive(db, runId, deps, dispatcher);
    expect(refused.storyboardEditRefused?.reasons.map((r) => r.field)).toEqual(["headline", "callToAction"]);
    expect(refused.storyboard).toEqual(run.storyboard);
    expect(refused.storyboardEdit).toBeNull();

    await write(runId, { storyboardEdit: { version: 1, headline: "Fairbean, the cup worth waking for" } });
    const edited = await drive(db, runId, deps, dispatcher);
    expect(edited.storyboard).toMatchObject({
      version: 2,
      cause: "edited",
      headline: "Fairbean, the cup worth waking for",
    });
    expect(edited.storyboardHistory?.map((v) => v.version)).toEqual([1]);
    expect(edited.script?.headline).toBe("Fairbean, the cup worth waking for");
    expect(edited.storyboardEditRefused).toBeNull();

    // The old version's approval is dropped, uncharged; the latest one's charges.
    await write(runId, { storyboardAnswer: { version: 1, approve: true } });
    const stale = await drive(db, runId, deps, dispatcher);
    expect(stale).toMatchObject({ status: "awaiting_approval", storyboardAnswer: null });
    expect(await movementsOf(db, uid, runId)).toEqual([]);
    await write(runId, { storyboardAnswer: { version: 2, approve: true } });
    expect((await drive(db, runId, deps, dispatcher)).status).toBe("succeeded");
    expect((await db.doc(paths.ledgerEntry(uid, `charge_${runId}`)).get()).get("storyboardVersion")).toBe(2);
    await expectAuditClean();
  },
  WHOLE_VIDEO_MS,
);

test("a new script: the script and the start frames again, uncharged, then no more than allowed", async () => {
  await writeSettings(db, {
    approval: "required",
    maxScriptRegenerations: 1,
    storyboardsPerDay: 100,
    storyboardsPerHour: 100,
  });
  const { uid, runId, deps, dispatcher } = await toStoryboard();
  const firstScript = (await runOf(runId)).stages?.script?.attempts ?? [];
  expect(firstScript.length).toBeGreaterThan(0);
  await write(runId, { storyboardEdit: { version: 1, newScript: true } });
  const regenerated = await drive(db, runId, deps, dispatcher);
  expect(regenerated.status).toBe("awaiting_approval");
  // The first script's calls stay with the new one's: both were made for this run.
  const scriptCalls = regenerated.stages?.script?.attempts ?? [];
  expect(scriptCalls.slice(0, firstScript.length)).toEqual(firstScript);
  expect(scriptCalls.length).toBeGreaterThan(firstScript.length);
  expect(regenerated.storyboard).toMatchObject({ version: 2, cause: "new_script" });
  expect(regenerated.storyboard?.scenes[0].startFrame).toMatch(/storyboard-v2-/);
  expect(regenerated.storyboardHistory?.map((v) => v.version)).toEqual([1]);
  await write(runId, { storyboardEdit: { version: 2, newScript: true } });
  const refused = await drive(db, runId, deps, dispatcher);
  expect(refused.storyboardEditRefused?.reasons).toEqual([
    { field: "newScript", reason: "no new scripts left (1 of 1 used)" },
  ]);
  expect(await movementsOf(db, uid, runId)).toEqual([]);
  await writeSettings(db, { approval: "required", storyboardsPerDay: 100, storyboardsPerHour: 100 });
});

test(
  "a lost approval delivery: the sweeper applies it; an approval delivered twice charges once",
  async () => {
    const { uid, runId, deps, dispatcher } = await toStoryboard();
    await write(runId, { storyboardAnswer: { version: 1, approve: true } });
    // The trigger's delivery is lost: the sweeper finds the answer and applies it.
    const report = await sweepStuckRuns(db, Date.now());
    expect(report.actions).toContainEqual({ runId, action: "apply_storyboard_answer" });
    const approved = await runOf(runId);
    expect(approved).toMatchObject({ status: "running", stage: "voice", credits: { charged: 10 } });
    // The late deliveries of the same answer find it applied.
    await Promise.all(
      [0, 1].map((i) => handleRunUpdated(runId, { ...approved, status: "awaiting_approval" }, `late-${i}`, deps)),
    );
    expect((await drive(db, runId, deps, dispatcher)).status).toBe("succeeded");
    expect(await movementsOf(db, uid, runId)).toEqual([{ id: `charge_${runId}`, kind: "charge", amount: -10 }]);
    expect(await balanceOf(db, uid)).toBe(90);
    await expectAuditClean();
  },
  WHOLE_VIDEO_MS,
);

test("approval without enough credits: nothing taken, the storyboard stays open, approvable once topped up", async () => {
  const { uid, runId, deps, dispatcher } = await toStoryboard(5);
  await write(runId, { storyboardAnswer: { version: 1, approve: true } });
  const short = await drive(db, runId, deps, dispatcher);
  expect(short).toMatchObject({ status: "awaiting_approval", storyboardAnswer: null });
  expect(short.progress?.message).toBe(
    "This video costs 10 credits and your balance is 5. Add credits and approve again: your storyboard stays open. Nothing was charged.",
  );
  expect(await movementsOf(db, uid, runId)).toEqual([]);
  await expectAuditClean();
});

test("storyboards per customer: over the hour's bound a run is refused before any work, uncharged", async () => {
  await writeSettings(db, { approval: "required", storyboardsPerDay: 100, storyboardsPerHour: 1 });
  const first = await toStoryboard();
  expect(first.run.status).toBe("awaiting_approval");
  const objectPath = first.run.input as { image: string };
  const second = await db.collection("runs").add({
    uid: first.uid,
    status: "queued",
    input: { ...objectPath },
    createdAt: first.run.createdAt,
  });
  const handlers = handlerDeps(db);
  const refused = await drive(db, second.id, handlers.deps, handlers.dispatcher);
  expect(refused.failure).toMatchObject({ stage: "preflight", reason: "storyboard_limit_per_hour: 1" });
  expect(refused.failure?.userMessage).toBe(
    "You have started 1 videos in the last hour. Please wait a little and try again. Nothing was charged.",
  );
  expect(refused.dna).toBeUndefined();
  await writeSettings(db, { approval: "required", storyboardsPerDay: 100, storyboardsPerHour: 100 });
});

test(
  "approval off: charged after the image check, no storyboard, as before",
  async () => {
    await writeSettings(db, { approval: "off" });
    const { uid, runId } = await startRun(db, image, { scenes: 2 });
    const handlers = handlerDeps(db);
    const run = await drive(db, runId, handlers.deps, handlers.dispatcher);
    expect(run.status).toBe("succeeded");
    expect(run.storyboard).toBeUndefined();
    expect(run.stages?.storyboard).toBeUndefined();
    expect(await movementsOf(db, uid, runId)).toEqual([{ id: `charge_${runId}`, kind: "charge", amount: -10 }]);
    await writeSettings(db, { approval: "required", storyboardsPerDay: 100, storyboardsPerHour: 100 });
  },
  WHOLE_VIDEO_MS,
);
