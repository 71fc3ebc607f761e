/**
 * The plan's manual tests 2 and 3 through the real triggers and task queue: a face warning
 * waits for the user's confirmation before any charge; a run whose scenes fell back to
 * Ken Burns asks the user to accept, retry or refund. Also: the sweeper after a crash.
 */
import { paths } from "../../src/contract/paths";
import type { RunDocument } from "../../src/contract/runDocument";
import { sweepStuckRuns } from "../../src/handlers/sweeper";
import {
  TRIGGER_PROJECT,
  answerRun,
  balanceOf,
  firestoreFor,
  movementsOf,
  settled,
  startRun,
  waitForDoc,
  waitForRun,
  writeSettings,
} from "../support/emulator";
import { fixture, upscaledCoffee as productImage } from "../support/samples";

const db = firestoreFor(TRIGGER_PROJECT);
const HOUR_MS = 3_600_000;

beforeAll(() => writeSettings(db));

const status = (wanted: RunDocument["status"]) => (run: RunDocument) => run.status === wanted;

describe("face warning (manual test 2)", () => {
  test("a face waits for confirmation uncharged; confirming charges once and the run completes", async () => {
    const { uid, runId } = await startRun(db, await fixture("astronaut.png"));
    const waiting = await waitForRun(db, runId, status("awaiting_confirmation"));
    expect(waiting.preflight).toMatchObject({ safeToProceed: false, faces: 1 });
    expect(waiting.preflight?.warnings.map((w) => w.code)).toContain("FACES_DETECTED");
    expect(await balanceOf(db, uid)).toBe(100);
    expect(await movementsOf(db, uid, runId)).toEqual([]);

    await answerRun(db, runId, { confirmation: { proceed: true } });
    const run = await waitForRun(db, runId, settled);
    expect(run.status).toBe("succeeded");
    expect(await movementsOf(db, uid, runId)).toEqual([{ id: `charge_${runId}`, kind: "charge", amount: -10 }]);
    expect(await balanceOf(db, uid)).toBe(90);
  });

  test("no confirmation: the sweeper expires the run, nothing charged, the user is told", async () => {
    const { uid, runId } = await startRun(db, await fixture("astronaut.png"));
    await waitForRun(db, runId, status("awaiting_confirmation"));
    const report = await sweepStuckRuns(db, Date.now() + 2 * HOUR_MS);
    expect(report.actions).toContainEqual({ runId, action: "expire_confirmation" });
    const run = await waitForRun(db, runId, settled);
    expect(run.failure).toMatchObject({ stage: "preflight", reason: "confirmation_expired", refunded: false });
    expect(await balanceOf(db, uid)).toBe(100);
    expect(await movementsOf(db, uid, runId)).toEqual([]);
    // Told by onRunFailed, or, when that delivery is lost, by the sweeper's next pass.
    await sweepStuckRuns(db, Date.now() + 2 * HOUR_MS);
    expect(await waitForDoc(db, paths.notification(uid, `failed_${runId}`))).toMatchObject({
      title: "Video not created",
    });
    expect((await waitForRun(db, runId, settled)).failure).toMatchObject({ noticeDue: false });
  });
});

describe("quality reduced (manual test 3)", () => {
  const threeOfFour = { scenes: 4, faults: { scenes: "celebrity:1,2,3" } };

  test("3 of 4 scenes filtered: the user is asked; refund ends refunded exactly once", async () => {
    const { uid, runId } = await startRun(db, await productImage(), threeOfFour);
    const asking = await waitForRun(db, runId, status("awaiting_decision"));
    expect(asking.quality).toEqual({ totalScenes: 4, kenBurnsScenes: 3, degradationPct: 75 });
    expect((asking as unknown as { staticScenes: unknown }).staticScenes).toEqual([
      { scene: 1, reason: "celebrity_detected" },
      { scene: 2, reason: "celebrity_detected" },
      { scene: 3, reason: "celebrity_detected" },
    ]);
    const notice = await db.doc(paths.notification(uid, `quality_${runId}_r0`)).get();
    expect(notice.get("title")).toBe("Quality reduced");
    expect(await balanceOf(db, uid)).toBe(90);

    await answerRun(db, runId, { decision: "refund" });
    const run = await waitForRun(db, runId, settled);
    expect(run.failure).toMatchObject({ stage: "scenes", reason: "user_refused_quality", refunded: true });
    expect(await balanceOf(db, uid)).toBe(100);
    expect((await movementsOf(db, uid, runId)).map((m) => m.kind).sort()).toEqual(["charge", "refund"]);
  });

  test("accept: the run continues to a video with the static scenes recorded", async () => {
    const { uid, runId } = await startRun(db, await productImage(), threeOfFour);
    await waitForRun(db, runId, status("awaiting_decision"));
    await answerRun(db, runId, { decision: "accept" });
    const run = await waitForRun(db, runId, settled);
    expect(run.status).toBe("succeeded");
    expect(run.quality?.degradationPct).toBe(75);
    const scenes = (await db.collection(paths.scenes(runId)).get()).docs;
    expect(scenes.map((d) => [d.get("method"), d.get("fallbackReason")])).toEqual([
      ["ken-burns", "celebrity_detected"],
      ["ken-burns", "celebrity_detected"],
      ["ken-burns", "celebrity_detected"],
      ["generated", null],
    ]);
    expect(await balanceOf(db, uid)).toBe(90);
  });

  test("retry re-renders only the static scenes, at no extra charge, the voice kept and the bar never back", async () => {
    const { uid, runId } = await startRun(db, await productImage(), threeOfFour);
    // Every progress the run shows, from its start to the second question.
    const shown: number[] = [];
    const watch = (r: RunDocument) => (r.progress && shown.push(r.progress.pct), false);
    const asking = await waitForRun(db, runId, (r) => watch(r) || r.status === "awaiting_decision");
    const veoScene = (await db.doc(paths.scene(runId, "scene_04")).get()).data();
    await answerRun(db, runId, { decision: "retry" });
    // The injected filter still applies, so the retry ends with the question again, retries spent.
    const again = await waitForRun(
      db,
      runId,
      (r) => watch(r) || (r.status === "awaiting_decision" && r.scenesRound === 1),
    );
    expect(again.decisionRetriesLeft).toBe(0);
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    expect(again.progress!.pct).toBeGreaterThan(asking.progress!.pct);
    // The voice, recorded before the scenes, was not recorded again.
    expect(again.stages?.voice).toEqual(asking.stages?.voice);
    expect(again.voice).toEqual(asking.voice);
    const scenes = (await db.collection(paths.scenes(runId)).get()).docs;
    expect(scenes.map((d) => d.get("round"))).toEqual([1, 1, 1, 0]);
    expect((await db.doc(paths.scene(runId, "scene_04")).get()).data()).toEqual(veoScene);
    expect(await movementsOf(db, uid, runId)).toHaveLength(1);
    expect(await db.doc(paths.notification(uid, `quality_${runId}_r1`)).get()).toHaveProperty("exists", true);
  });

  test("1 of 4 filtered (25%): the run continues without asking", async () => {
    const { runId } = await startRun(db, await productImage(), { scenes: 4, faults: { scenes: "safety:2" } });
    const run = await waitForRun(db, runId, settled);
    expect(run.status).toBe("succeeded");
    expect(run.quality).toEqual({ totalScenes: 4, kenBurnsScenes: 1, degradationPct: 25 });
    expect((await db.doc(paths.scene(runId, "scene_02")).get()).get("fallbackReason")).toBe("safety_filter");
  });

  test("a scene rate-limited on every attempt falls back to Ken Burns after its retries on the model, each one recorded", async () => {
    const { runId } = await startRun(db, await productImage(), { scenes: 2, faults: { scenes: "rate_limit:1" } });
    const run = await waitForRun(db, runId, settled);
    expect(run.status).toBe("succeeded");
    const scene = (await db.doc(paths.scene(runId, "scene_01")).get()).data();
    expect(scene).toMatchObject({ method: "ken-burns", fallbackReason: "rate_limit" });
    expect(scene?.attempts.map((a: { errorClass: string }) => a.errorClass)).toEqual([
      "rate_limited",
      "rate_limited",
      "rate_limited",
    ]);
  });
});

test("a crash after the charge: the sweeper retries the stage and the run completes, charged once", async () => {
  const { uid, runId } = await startRun(db, await productImage(), { faults: { charge: "crash_after" } });
  const stuck = await waitForRun(db, runId, (r) => r.stage === "visual_dna" && r.stageState === "claimed");
  expect(stuck.credits?.charged).toBe(10);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the crashed delivery has ended
  const report = await sweepStuckRuns(db, Date.now() + HOUR_MS);
  expect(report.actions).toContainEqual({ runId, action: "retry_stage" });
  const run = await waitForRun(db, runId, settled);
  expect(run.status).toBe("succeeded");
  expect(await movementsOf(db, uid, runId)).toHaveLength(1);
});
