/**
 * End to end through the real emulators: the client writes runs/{runId}, the Functions
 * emulator's triggers and task queue carry it through every stage, the ledger settles.
 */
import { access, readdir } from "node:fs/promises";
import path from "node:path";
import { probeMedia } from "../../src/ffmpeg/probe";
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
  // The voice was fitted to the promised length before the scenes, each scene's line timed in it.
  expect(run.voice).toMatchObject({
    audio: `runs/${runId}/voice.wav`,
    fitted: `runs/${runId}/voice-fitted.wav`,
    timing: { durationSec: 4, speech: expect.any(Object) },
  });
  expect(run.voice?.timing?.scenes.map((s) => [s.sceneNumber, s.video])).toEqual([
    [1, { startSec: 0, endSec: 2 }],
    [2, { startSec: 2, endSec: 4 }],
  ]);
  const lines = run.voice!.timing!.scenes.map((s) => s.line!);
  expect(lines[0].startSec).toBeLessThan(lines[0].endSec);
  expect(lines[0].endSec).toBeLessThanOrEqual(lines[1].startSec);
  expect(lines[1].endSec).toBeLessThanOrEqual(4);
  expect((await probeMedia(path.join(LOCAL_BUCKET, run.voice!.fitted!))).durationSec).toBeCloseTo(4, 2);
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

/** Video generations a run asked for, counted where the local video model's calls are recorded. */
async function videoGenerations(runId: string) {
  const scenes = await db.collection(paths.scenes(runId)).get();
  const attempts = scenes.docs.flatMap((d) => d.get("attempts") ?? []);
  const clips = await readdir(path.join(LOCAL_BUCKET, "runs", runId)).catch(() => []);
  return { sceneDocuments: scenes.size, attempts: attempts.length, clips: clips.filter((f) => f.endsWith(".mp4")) };
}

test.each(FAULTS)("%s: failed at the right stage, refunded exactly once", async (_name, faults, stage) => {
  const { uid, runId } = await start({ faults });
  const run = await waitForRun(db, runId, settled);
  expect(run.status).toBe("failed");
  expect(run.failure).toMatchObject({ stage, refunded: true });
  if (["visual_dna", "script", "voice"].includes(stage)) {
    // Failed before the scenes: no scene was ever claimed, no video model asked, no clip made.
    expect(await videoGenerations(runId)).toEqual({ sceneDocuments: 0, attempts: 0, clips: [] });
  }
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

describe("a clip pass that times out is that scene's problem", () => {
  // Short enough that the `slow_pass` scene's pass (20x slower than real time: 40 s for its 2 s clip)
  // is killed each time, long enough for an ordinary pass on a loaded machine.
  const clipPass = { clipPassTimeoutSeconds: 10, clipPassAttempts: 2 };
  beforeAll(() => writeSettings(db, clipPass));
  afterAll(() => writeSettings(db));

  test("retried with its own budget, then Ken Burns with its reason; the run is never failed", async () => {
    const { uid, runId } = await start({ scenes: 2, faults: { scenes: "slow_pass:1" } });
    const run = await waitForRun(db, runId, (r) => settled(r) || r.status === "awaiting_decision", 300_000);
    const scenes = (await db.collection(paths.scenes(runId)).orderBy("sceneNumber").get()).docs.map((d) => d.data());
    const passes = scenes[0].attempts.filter((a: { error?: string }) => a.error?.startsWith("normalising pass"));
    console.log(
      `clip pass timed out: run ${run.status}, quality ${JSON.stringify(run.quality)}; ` +
        scenes.map((s) => `scene ${s.sceneNumber} ${s.method} (${s.fallbackReason ?? "-"})`).join(", ") +
        `; scene 1 passes: ${passes.map((a: { error: string }) => a.error.slice(0, 90)).join(" | ")}`,
    );
    expect(scenes[0]).toMatchObject({
      status: "done",
      method: "ken-burns",
      fallbackReason: "processing_failed",
      clipPassFailures: clipPass.clipPassAttempts,
    });
    expect(passes).toHaveLength(clipPass.clipPassAttempts);
    expect(passes[0]).toMatchObject({
      errorClass: "transient",
      error: expect.stringMatching(/timed out after 10000 ms/),
    });
    // Nothing but the passes: the finished generation was fetched again for each, never resubmitted or moved on.
    expect(scenes[0].attempts).toEqual(passes);
    expect(run.status).not.toBe("failed");
    // The degradation rules as for a filtered scene: the question only above 50% Ken Burns.
    const kenBurns = scenes.filter((s) => s.method === "ken-burns").length;
    expect(run.status).toBe(kenBurns / scenes.length > 0.5 ? "awaiting_decision" : "succeeded");
    if (run.status === "succeeded") {
      expect(run.output?.video).toBe(`outputs/${uid}/${runId}.mp4`);
      expect(await balanceOf(db, uid)).toBe(90);
    }
  });
});
