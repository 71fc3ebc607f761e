/**
 * End to end through the real emulators: the client writes runs/{runId}, the Functions
 * emulator's triggers and task queue carry it through every stage, the ledger settles.
 */
import { access } from "node:fs/promises";
import path from "node:path";
import { probeMedia } from "../../src/media/probe";
import { paths } from "../../src/contract/paths";
import {
  LOCAL_BUCKET,
  TRIGGER_PROJECT,
  balanceOf,
  firestoreFor,
  movementsOf,
  settled,
  startRun,
  waitForRun,
  writeSettings,
} from "../support/emulator";
import { upscaledCoffee as productImage } from "../support/samples";

const db = firestoreFor(TRIGGER_PROJECT);
let image: Buffer;

beforeAll(async () => {
  await writeSettings(db);
  image = await productImage();
});

const start = (options: { scenes?: number; faults?: Record<string, string> } = {}) => startRun(db, image, options);

test("a run succeeds: one charge, an MP4 with video and audio of the planned length", async () => {
  const { uid, runId } = await start({ scenes: 2 });
  const run = await waitForRun(db, runId, settled);
  expect(run.status).toBe("succeeded");
  expect(run.output?.video).toBe(`outputs/${uid}/${runId}.mp4`);
  const media = await probeMedia(path.join(LOCAL_BUCKET, run.output!.video));
  expect(media.video?.codec).toBe("h264");
  expect(media.video).toMatchObject({ width: 1080, height: 1920 });
  expect(media.audio?.codec).toBe("aac");
  expect(media.durationSec).toBeCloseTo(4, 0); // 2 scenes x 2 s
  expect(await movementsOf(db, uid, runId)).toEqual([{ id: `charge_${runId}`, kind: "charge", amount: -10 }]);
  expect(await balanceOf(db, uid)).toBe(90);
  expect(run.credits).toEqual({ charged: 10, refunded: 0 });
  for (const stage of ["visual_dna", "script", "voice", "assembly", "quality"] as const) {
    expect(run.stages?.[stage]?.tier).toBe("local");
    expect(run.stages?.[stage]?.attempts.length).toBeGreaterThan(0);
  }
  expect(run.quality).toEqual({ totalScenes: 2, kenBurnsScenes: 0, degradationPct: 0 });
  // The quality gate measured what ships and recorded it.
  expect(run.qualityGate).toMatchObject({
    passed: true,
    failures: [],
    promised: { width: 1080, height: 1920, fps: 30, durationSec: 4 },
    measurements: { readable: true, video: { width: 1080, height: 1920, frames: 120, black: [], frozen: [] } },
  });
  const scenes = await db.collection(paths.scenes(runId)).get();
  expect(scenes.docs.map((d) => d.get("method"))).toEqual(["generated", "generated"]);
  const notifications = await db.collection(`users/${uid}/notifications`).get();
  expect(notifications.docs.map((d) => d.get("kind"))).toEqual(["succeeded"]);
});

test("a generation that outlasts the queue's dispatch deadline still completes, in short deliveries", async () => {
  // functions/.env.local sets a 15 s dispatch deadline; a `slow` scene's generation takes 20 s.
  const { runId } = await start({ scenes: 2, faults: { scenes: "slow:1" } });
  const run = await waitForRun(db, runId, settled);
  expect(run.status).toBe("succeeded");
  const [slow, quick] = (await db.collection(paths.scenes(runId)).orderBy("sceneNumber").get()).docs.map((d) =>
    d.data(),
  );
  expect(slow).toMatchObject({ method: "generated", status: "done" });
  expect(slow.durationMs).toBeGreaterThan(20_000);
  // Polled in several deliveries, and the function time of all of them is a fraction of the wait.
  expect(slow.step).toBeGreaterThanOrEqual(2);
  expect(slow.functionMs).toBeLessThan(slow.durationMs / 2);
  expect(quick).toMatchObject({ method: "generated", status: "done" });
});

const FAULTS: [string, Record<string, string>, string][] = [
  ["visual_dna model not found", { visual_dna: "model_not_found" }, "visual_dna"],
  ["visual_dna all models down", { visual_dna: "all_models_down" }, "visual_dna"],
  ["script model not found", { script: "model_not_found" }, "script"],
  ["script all models down", { script: "all_models_down" }, "script"],
  ["a scene that cannot be rendered", { scenes: "fail:2" }, "scenes"],
  ["the voice engine failing", { voice: "fail" }, "voice"],
  ["assembly failing", { assembly: "fail" }, "assembly"],
  ["a silent voice-over, caught by the quality gate", { voice: "silent" }, "quality"],
  ["a video short of its promise, caught by the quality gate", { assembly: "drop_last_scene" }, "quality"],
];

test.each(FAULTS)("%s: failed at the right stage, refunded exactly once", async (_name, faults, stage) => {
  const { uid, runId } = await start({ faults });
  const run = await waitForRun(db, runId, settled);
  expect(run.status).toBe("failed");
  expect(run.failure).toMatchObject({ stage, refunded: true });
  expect(run.failure?.userMessage).toMatch(/refunded/i);
  expect(run.credits).toEqual({ charged: 10, refunded: 10 });
  expect(await balanceOf(db, uid)).toBe(100);
  const movements = await movementsOf(db, uid, runId);
  expect(movements.filter((m) => m.kind === "charge")).toHaveLength(1);
  expect(movements.filter((m) => m.kind === "refund")).toEqual([{ id: `refund_${runId}`, kind: "refund", amount: 10 }]);
  expect((await db.doc(paths.refund(runId)).get()).get("amount")).toBe(10);
  const notification = await db.doc(paths.notification(uid, `refund_${runId}`)).get();
  expect(notification.get("title")).toBe("Credits refunded");
});

test("a model failure records the failed attempt on the run", async () => {
  const { runId } = await start({ faults: { visual_dna: "model_not_found" } });
  const run = await waitForRun(db, runId, settled);
  expect(run.stages?.visual_dna?.attempts).toEqual([
    expect.objectContaining({ errorClass: "not_found", tier: "local" }),
  ]);
  expect(run.dna).toBeUndefined();
  expect(run.script).toBeUndefined();
});

test.each([
  [{ voice: "silent" }, ["voice_silent"], /the voice-over was silent/],
  // Half the video is gone, and with it the end of the voice fitted to the whole (the loudness of what is
  // left may or may not stay within 1 LU, so only these two are required).
  [{ assembly: "drop_last_scene" }, ["duration", "voice_cut_off"], /not come out at the length you ordered/],
])("the quality gate fails %j with the measured reasons and delivers nothing", async (faults, causes, words) => {
  const { uid, runId } = await start({ scenes: 2, faults });
  const run = await waitForRun(db, runId, (r) => r.failure?.refunded === true);
  expect(run.failure?.stage).toBe("quality");
  expect(run.failure?.reason).toMatch(new RegExp(`^quality_gate: ${causes[0]} \\(`));
  expect(run.failure?.userMessage).toMatch(words);
  expect(run.failure?.userMessage).toMatch(/we did not deliver it\. Your 10 credits have been refunded\./);
  expect(run.qualityGate?.passed).toBe(false);
  const measured = run.qualityGate?.failures.map((f) => f.cause);
  expect(measured?.[0]).toBe(causes[0]);
  expect(measured).toEqual(expect.arrayContaining(causes));
  expect(run.qualityGate?.measurements.readable).toBe(true);
  expect(run.output).toBeUndefined();
  expect(run.assembled?.video).toBe(`runs/${runId}/assembled.mp4`);
  await expect(access(path.join(LOCAL_BUCKET, `outputs/${uid}/${runId}.mp4`))).rejects.toThrow();
});
