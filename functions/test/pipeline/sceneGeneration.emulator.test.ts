/**
 * Scenes on the cloud tier's video chain: the real handlers, the real Firestore emulator, the
 * @google/genai client against the Vertex AI Veo stand-in and the Gemini API Interactions (Omni)
 * stand-in serving 720x1280 24 fps clips with audio, real ffmpeg. Each run is brought to its
 * scenes stage with one delivery per event (the stages before it see two in
 * test/pipeline/duplicateDelivery.emulator.test.ts); from there every trigger event and scene step is
 * delivered twice (test/support/driver.ts).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Timestamp } from "firebase-admin/firestore";
import sharp from "sharp";
import { objects, paths } from "../../src/contract/paths";
import type { RunDocument } from "../../src/contract/runDocument";
import { probeMedia } from "../../src/ffmpeg/probe";
import { handleRunFailed, handleRunUpdated } from "../../src/pipeline/advance";
import type { PipelineDeps } from "../../src/pipeline/deps";
import { handleRunCreated } from "../../src/pipeline/preflightStage";
import { runInputOf } from "../../src/pipeline/runContext";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";
import { productFailure } from "../../src/quality/verdict";
import { freshScene, handleSceneTask, SceneBusy } from "../../src/pipeline/sceneTask";
import { sweepStuckRuns } from "../../src/handlers/sweeper";
import { OmniVideoGenerator } from "../../src/providers/cloud/omni";
import { VeoVideoGenerator } from "../../src/providers/cloud/veo";
import { drive, handlerDeps, type RecordingDispatcher } from "../support/driver";
import { clearProject, firestoreFor, LOCAL_BUCKET, startRun, writeSettings } from "../support/emulator";
import { upscaledCoffee as productImage } from "../support/samples";
import { startOmniStandin, type OmniStandin } from "../../src/providers/standins/omni";
import { standinClient, startVeoStandin, type VeoScript, type VeoStandin } from "../../src/providers/standins/veo";

const PROJECT = "demo-fairshot-scenes";
const db = firestoreFor(PROJECT);
const PRIMARY = "veo-3.1-generate-001";
const BACKUP = "veo-3.1-fast-generate-001";
const OMNI = "gemini-omni-1.1-flash";
const OMNI_KEY = "scenes-gemini-key";
let image: Buffer;
let dir: string;
let standin: VeoStandin;
let omni: OmniStandin;
/** Stand-in behaviour per "model prompt" or per prompt; others get a video after one pending poll. */
const prompts = new Map<string, VeoScript>();

beforeAll(async () => {
  await clearProject(PROJECT);
  await writeSettings(db, { videoInFlightLimit: 10 });
  image = await productImage();
  dir = await mkdtemp(path.join(tmpdir(), "scene-generation-"));
  standin = await startVeoStandin({
    workDir: dir,
    accessToken: "scenes-token",
    models: [PRIMARY, BACKUP],
    clipSize: { width: 720, height: 1280 },
    script: (prompt, model) => prompts.get(`${model} ${prompt}`) ?? prompts.get(prompt) ?? { pendingPolls: 1 },
  });
  omni = await startOmniStandin({
    workDir: dir,
    apiKey: OMNI_KEY,
    models: [OMNI],
    clipSize: { width: 720, height: 1280 },
    script: () => ({ pendingPolls: 1 }),
  });
});

afterEach(() => prompts.clear());

afterAll(async () => {
  await Promise.all([standin.close(), omni.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** Handler dependencies whose video chain is the given models on the stand-ins (Omni models on the Omni one). */
function cloudDeps(
  models: string[],
  retiresOn: Record<string, string> = {},
): { deps: PipelineDeps; dispatcher: RecordingDispatcher } {
  const { deps, dispatcher } = handlerDeps(db);
  deps.video = models.map((model, index) => ({
    model,
    tier: index === 0 ? "primary" : "backup",
    provider: "gemini",
    retiresOn: retiresOn[model],
    generator: model.startsWith("gemini-omni-")
      ? new OmniVideoGenerator({ client: { apiKey: OMNI_KEY, baseUrl: omni.baseUrl }, model })
      : new VeoVideoGenerator({ client: { ai: standinClient(standin) }, model }),
  }));
  return { deps, dispatcher };
}

/** Runs the stages up to the scene fan-out and returns the run's script (its prompts are known from here). */
async function runToScenes(runId: string, deps: PipelineDeps): Promise<RunDocument> {
  await handleRunCreated(runId, deps);
  // One event each for Visual DNA, the script and the voice; the scenes stage's own event dispatches its tasks.
  for (let event = 0; event < 4; event++) {
    const run = (await db.doc(paths.run(runId)).get()).data() as RunDocument;
    await handleRunUpdated(runId, run, `to-scenes-${event}`, deps);
  }
  const run = (await db.doc(paths.run(runId)).get()).data() as RunDocument;
  expect(run.stage).toBe("scenes");
  return run;
}

async function scenesOf(runId: string) {
  return (await db.collection(paths.scenes(runId)).orderBy("sceneNumber").get()).docs.map((d) => d.data());
}

test("3 generated + 1 Ken Burns scene: one 1080x1920 30 fps video; each generation submitted once", async () => {
  const { runId } = await startRun(db, image, { scenes: 4 });
  const { deps, dispatcher } = cloudDeps([PRIMARY]);
  const atScenes = await runToScenes(runId, deps);
  // The local script gives every scene the same prompt: scene 2's is made its own, and rate-limited.
  const script = atScenes.script!;
  const limited = `${script.scenes[1].videoPrompt} Second scene.`;
  script.scenes[1] = { ...script.scenes[1], videoPrompt: limited };
  await db.doc(paths.run(runId)).update({ script });
  prompts.set(limited, { rateLimitedSubmits: 99 });
  const submitsBefore = standin.calls.submit;

  const run = await drive(db, runId, deps, dispatcher);

  const scenes = await scenesOf(runId);
  expect(run.status).toBe("succeeded");
  expect(run.quality).toEqual({ totalScenes: 4, kenBurnsScenes: 1, degradationPct: 25 });
  expect(scenes.map((s) => [s.method, s.model, s.tier, s.fallbackReason])).toEqual([
    ["generated", PRIMARY, "primary", null],
    ["ken-burns", "ken-burns", "fallback", "rate_limit"],
    ["generated", PRIMARY, "primary", null],
    ["generated", PRIMARY, "primary", null],
  ]);
  // Scene 2: the first submission and two retries were refused, each recorded.
  expect(scenes[1].attempts.map((a: { errorClass: string }) => a.errorClass)).toEqual([
    "rate_limited",
    "rate_limited",
    "rate_limited",
  ]);
  // The three generated scenes were each submitted once, although every step was delivered twice.
  expect(standin.calls.submit - submitsBefore).toBe(3 + 3);

  // The provider's 720x1280 24 fps clips with audio were brought to the frame before they were stored.
  for (const scene of scenes) {
    const clip = await probeMedia(path.join(LOCAL_BUCKET, objects.sceneClip(runId, `scene_0${scene.sceneNumber}`, 0)));
    expect(clip.video).toMatchObject({ codec: "h264", width: 1080, height: 1920, fps: 30, frames: 60 });
    expect(clip.audio).toBeUndefined();
  }
  const output = await probeMedia(path.join(LOCAL_BUCKET, run.output!.video));
  expect(output.video).toMatchObject({ codec: "h264", width: 1080, height: 1920, fps: 30, frames: 240 });
  expect(output.audio).toMatchObject({ codec: "aac" });
});

test("a dead first video model: the second serves every scene, and the 404 is recorded", async () => {
  const { runId } = await startRun(db, image, { scenes: 2 });
  const { deps, dispatcher } = cloudDeps(["veo-0.0-retired-001", BACKUP]);
  await runToScenes(runId, deps);
  const run = await drive(db, runId, deps, dispatcher);
  expect(run.status).toBe("succeeded");
  const scenes = await scenesOf(runId);
  expect(scenes.map((s) => [s.method, s.model, s.tier])).toEqual([
    ["generated", BACKUP, "backup"],
    ["generated", BACKUP, "backup"],
  ]);
  for (const scene of scenes) {
    expect(scene.attempts).toEqual([
      expect.objectContaining({ model: "veo-0.0-retired-001", errorClass: "not_found" }),
      expect.objectContaining({ model: BACKUP, errorClass: null }),
    ]);
  }
});

/** Submissions the stand-in received for one model. */
const submissionsTo = (model: string) =>
  standin.requests.filter((r) => r.path.endsWith(`/models/${model}:predictLongRunning`)).length;

test("a model found gone is skipped by every instance: the next run makes no call to it", async () => {
  const gone = "veo-0.0-gone-002";
  const first = await startRun(db, image, { scenes: 2 });
  const one = cloudDeps([gone, BACKUP]);
  await runToScenes(first.runId, one.deps);
  expect((await drive(db, first.runId, one.deps, one.dispatcher)).status).toBe("succeeded");
  const calledBefore = submissionsTo(gone);
  expect(calledBefore).toBeGreaterThan(0);
  expect((await db.doc(`modelCooldowns/gemini__${gone}`).get()).get("errorClass")).toBe("not_found");

  // Another run, with dependencies of its own (another instance): the cooldown is shared.
  const second = await startRun(db, image, { scenes: 2 });
  const two = cloudDeps([gone, BACKUP]);
  await runToScenes(second.runId, two.deps);
  expect((await drive(db, second.runId, two.deps, two.dispatcher)).status).toBe("succeeded");
  expect(submissionsTo(gone)).toBe(calledBefore);
  for (const scene of await scenesOf(second.runId)) {
    expect(scene).toMatchObject({ method: "generated", model: BACKUP });
    expect(scene.attempts[0]).toMatchObject({ model: gone, errorClass: "not_found", durationMs: 0 });
    expect(scene.attempts[0].error).toMatch(/^cooling down until /);
  }
});

test("a video model past its retiresOn gets no call; the next model serves and the scene says why", async () => {
  const { runId } = await startRun(db, image, { scenes: 2 });
  const before = submissionsTo(PRIMARY);
  const { deps, dispatcher } = cloudDeps([PRIMARY, BACKUP], { [PRIMARY]: "2026-01-01" });
  await runToScenes(runId, deps);
  expect((await drive(db, runId, deps, dispatcher)).status).toBe("succeeded");
  expect(submissionsTo(PRIMARY)).toBe(before);
  for (const scene of await scenesOf(runId)) {
    expect(scene).toMatchObject({ method: "generated", model: BACKUP, tier: "backup" });
    expect(scene.attempts.map((a: { model: string; errorClass: string }) => [a.model, a.errorClass])).toEqual([
      [PRIMARY, "retired"],
      [BACKUP, null],
    ]);
  }
});

test("a chain whose every video model is retired: Ken Burns with its reason, no call", async () => {
  const { runId } = await startRun(db, image, { scenes: 2 });
  const before = standin.calls.submit;
  const { deps, dispatcher } = cloudDeps([PRIMARY], { [PRIMARY]: "2026-01-01" });
  await runToScenes(runId, deps);
  const run = await drive(db, runId, deps, dispatcher);
  expect(standin.calls.submit).toBe(before);
  for (const scene of await scenesOf(runId)) {
    expect(scene).toMatchObject({ method: "ken-burns", fallbackReason: "veo_error" });
    expect(scene.attempts).toEqual([expect.objectContaining({ model: PRIMARY, errorClass: "retired" })]);
  }
  // Two static scenes of two are past the degradation limit: the user is asked, never charged silently.
  expect(run.status).toBe("awaiting_decision");
});

test("a product image that cannot be rendered ends the run at its first scene delivery, not after the queue's retries, refunded", async () => {
  const { runId } = await startRun(db, image, { scenes: 2 });
  const { deps, dispatcher } = cloudDeps([PRIMARY], { [PRIMARY]: "2026-01-01" });
  const atScenes = await runToScenes(runId, deps);
  // Swapped for a 1x1 image after the preflight passed it (the preflight refuses one): the render's own guard holds.
  const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: "#8a5a3c" } })
    .png()
    .toBuffer();
  await writeFile(path.join(LOCAL_BUCKET, runInputOf(atScenes).image), tiny);
  // Ken Burns (every model retired) meets the image: with retries left, the delivery still ends the run.
  const [first] = dispatcher.queued.splice(0, 1);
  const before = (await db.doc(paths.run(runId)).get()).data() as RunDocument;
  await expect(handleSceneTask(first, { retryCount: 0, maxAttempts: 5 }, deps)).resolves.toBeUndefined();
  const failed = (await db.doc(paths.run(runId)).get()).data() as RunDocument;
  expect(failed.status).toBe("failed");
  // The failure's own trigger refunds it, as onRunFailed does.
  await handleRunFailed(runId, before, failed, db);
  const run = await drive(db, runId, deps, dispatcher);
  expect(run.failure).toMatchObject({ stage: "scenes", refunded: true });
  expect(run.failure?.reason).toMatch(/^scene \d: UnrenderableImageError: the product image is 1x1, below the 16 px/);
  expect(run.failure?.userMessage).toMatch(
    /^Scene \d could not be rendered from your product image\. Please try again with another photo\./,
  );
  expect(run.credits?.refunded).toBe(run.credits?.charged);
  expect(run.credits?.charged).toBeGreaterThan(0);
});

test("the default chain's order: Gemini Omni Flash serves every scene as primary, Veo is not called", async () => {
  const { runId } = await startRun(db, image, { scenes: 2 });
  const { deps, dispatcher } = cloudDeps([OMNI, PRIMARY]);
  await runToScenes(runId, deps);
  const veoSubmits = standin.calls.submit;
  const run = await drive(db, runId, deps, dispatcher);
  expect(run.status).toBe("succeeded");
  const scenes = await scenesOf(runId);
  expect(scenes.map((s) => [s.method, s.model, s.tier])).toEqual([
    ["generated", OMNI, "primary"],
    ["generated", OMNI, "primary"],
  ]);
  expect(standin.calls.submit).toBe(veoSubmits);
  const clip = await probeMedia(path.join(LOCAL_BUCKET, objects.sceneClip(runId, "scene_01", 0)));
  expect(clip.video).toMatchObject({ codec: "h264", width: 1080, height: 1920, fps: 30 });
});

test("Omni gone (404): Veo serves every scene, and the scene records the not_found attempt", async () => {
  omni.setModels([]);
  try {
    const { runId } = await startRun(db, image, { scenes: 2 });
    const { deps, dispatcher } = cloudDeps([OMNI, PRIMARY, BACKUP]);
    await runToScenes(runId, deps);
    const run = await drive(db, runId, deps, dispatcher);
    expect(run.status).toBe("succeeded");
    const scenes = await scenesOf(runId);
    expect(scenes.map((s) => [s.method, s.model, s.tier, s.fallbackReason])).toEqual([
      ["generated", PRIMARY, "backup", null],
      ["generated", PRIMARY, "backup", null],
    ]);
    for (const scene of scenes) {
      expect(scene.attempts).toEqual([
        expect.objectContaining({ model: OMNI, tier: "primary", errorClass: "not_found" }),
        expect.objectContaining({ model: PRIMARY, tier: "backup", errorClass: null }),
      ]);
    }
  } finally {
    omni.setModels([OMNI]);
    // The 404 cooled Omni down for every instance of this project: later tests start without it.
    await db.doc(`modelCooldowns/gemini__${OMNI}`).delete();
  }
});

test("a corrupt clip is that scene's provider error: the next model serves it", async () => {
  const { runId } = await startRun(db, image, { scenes: 2 });
  const { deps, dispatcher } = cloudDeps([PRIMARY, BACKUP]);
  const atScenes = await runToScenes(runId, deps);
  // The primary returns junk for each scene.
  for (const scene of atScenes.script!.scenes) {
    prompts.set(`${PRIMARY} ${scene.videoPrompt}`, { result: { kind: "video", delivery: "corrupt" } });
  }
  const run = await drive(db, runId, deps, dispatcher);
  expect(run.status).toBe("succeeded");
  for (const scene of await scenesOf(runId)) {
    expect(scene).toMatchObject({ method: "generated", model: BACKUP, tier: "backup", fallbackReason: null });
    expect(scene.attempts.map((a: { model: string; errorClass: string }) => [a.model, a.errorClass])).toEqual([
      [PRIMARY, "invalid_output"],
      [BACKUP, null],
    ]);
    expect(scene.attempts[0].error).toMatch(/not a readable video/);
  }
});

test("a clip whose picture is black is that scene's provider error: the next model serves it, or Ken Burns", async () => {
  const { runId } = await startRun(db, image, { scenes: 2 });
  const { deps, dispatcher } = cloudDeps([PRIMARY, BACKUP]);
  const atScenes = await runToScenes(runId, deps);
  // Scene 1: both models return black (Ken Burns with its reason); scene 2: only the primary does.
  const [first, second] = atScenes.script!.scenes;
  const scene1 = `${first.videoPrompt} First scene.`;
  atScenes.script!.scenes[0] = { ...first, videoPrompt: scene1 };
  await db.doc(paths.run(runId)).update({ script: atScenes.script });
  const black: VeoScript = { result: { kind: "video", delivery: "black" } };
  prompts.set(scene1, black);
  prompts.set(`${PRIMARY} ${second.videoPrompt}`, black);
  const run = await drive(db, runId, deps, dispatcher);
  expect(run.status).toBe("succeeded");
  const [kenBurns, generated] = await scenesOf(runId);
  expect(kenBurns).toMatchObject({ method: "ken-burns", fallbackReason: "veo_error" });
  expect(generated).toMatchObject({ method: "generated", model: BACKUP, fallbackReason: null });
  for (const attempt of [...kenBurns.attempts, generated.attempts[0]]) {
    expect(attempt).toMatchObject({ errorClass: "invalid_output" });
    expect(attempt.error).toMatch(/fails the quality gate: black \((1\.9\d|2\.00) s of black from 0\.00 s/);
  }
  // What the clips' encoding measured is on the scenes and went to the quality gate.
  expect(generated.measurements.picture).toMatchObject({ frames: 60, black: [], frozen: [] });
  expect(kenBurns.measurements.product.frameShare).toBe(1);
  expect(run.qualityGate?.passed).toBe(true);
});

test("a clip in which the product cannot be seen is that scene's provider error: the next model serves it", async () => {
  const { runId } = await startRun(db, image, { scenes: 2 });
  const { deps, dispatcher } = cloudDeps([PRIMARY, BACKUP]);
  const atScenes = await runToScenes(runId, deps);
  // The primary answers every scene with a moving picture that is not the product.
  for (const scene of atScenes.script!.scenes) {
    prompts.set(`${PRIMARY} ${scene.videoPrompt}`, { result: { kind: "video", delivery: "no_product" } });
  }
  const run = await drive(db, runId, deps, dispatcher);
  expect(run.status).toBe("succeeded");
  for (const scene of await scenesOf(runId)) {
    expect(scene).toMatchObject({ method: "generated", model: BACKUP, fallbackReason: null });
    expect(scene.attempts[0]).toMatchObject({ model: PRIMARY, errorClass: "invalid_output" });
    expect(scene.attempts[0].error).toMatch(/the product cannot be seen in the generated clip/);
    // The backup's clip, made from the start image, shows it (the landscape photo covering a portrait
    // clip, so part of it is cut): measured on the scene, and passing the product check.
    expect(scene.measurements.product.likeness).toBeGreaterThan(0.6);
    expect(productFailure(scene.measurements.product, PipelineSettingsSchema.parse({}).qualityGate)).toBeNull();
  }
  expect(run.qualityGate?.passed).toBe(true);
});

test("a delivery that finds its scene claimed makes the queue retry, and the scene is rendered once", async () => {
  const { runId } = await startRun(db, image, { scenes: 2 });
  const { deps, dispatcher } = cloudDeps([PRIMARY]);
  await runToScenes(runId, deps);
  const first = dispatcher.queued.find((t) => t.sceneNumber === 1)!;
  dispatcher.queued.splice(dispatcher.queued.indexOf(first), 1);
  const sceneRef = db.doc(paths.scene(runId, "scene_01"));
  const submitsBefore = standin.calls.submit;
  const delivery = { retryCount: 0, maxAttempts: 3 };
  // Another delivery of the same step holds the scene's lease (a redelivery while the first still runs).
  const claimed = { ...freshScene(1, 0), status: "rendering", lease: Timestamp.fromMillis(Date.now() + 60_000) };
  await sceneRef.set(claimed);
  await expect(handleSceneTask(first, delivery, deps)).rejects.toBeInstanceOf(SceneBusy);
  expect(standin.calls.submit - submitsBefore).toBe(0);
  // The holder died: its lease passed, and the queue's retry takes the scene over.
  await sceneRef.update({ lease: Timestamp.fromMillis(Date.now() - 1000) });
  await handleSceneTask(first, { ...delivery, retryCount: 1 }, deps);
  expect(standin.calls.submit - submitsBefore).toBe(1);
  expect(dispatcher.queued.filter((t) => t.sceneNumber === 1).map((t) => t.step)).toEqual([1]);
  // A late duplicate of step 0 comes after step 1 was dispatched: it does nothing.
  await handleSceneTask(first, { ...delivery, retryCount: 2 }, deps);
  expect(standin.calls.submit - submitsBefore).toBe(1);
  const run = await drive(db, runId, deps, dispatcher);
  expect(run.status).toBe("succeeded");
  // Scene 1 once, scene 2 once.
  expect(standin.calls.submit - submitsBefore).toBe(2);
});

test("generations in flight never exceed the video quota; scenes waiting for a slot are not failed", async () => {
  await writeSettings(db, { videoInFlightLimit: 1 });
  try {
    const { runId } = await startRun(db, image, { scenes: 2 });
    const { deps, dispatcher } = cloudDeps([PRIMARY]);
    await runToScenes(runId, deps);
    standin.inFlight.peak = standin.inFlight.now;
    const run = await drive(db, runId, deps, dispatcher);
    expect(run.status).toBe("succeeded");
    expect(standin.inFlight.peak).toBe(1);
    expect((await scenesOf(runId)).every((s) => s.method === "generated")).toBe(true);
  } finally {
    await writeSettings(db, { videoInFlightLimit: 10 });
  }
  // One generation at a time, and the waiting scene may look again only after its quota wait: the slowest test here.
}, 300_000);

test("the sweeper lets a scenes stage wait on while its scenes still move, and retries it once they fall silent", async () => {
  // One scene of 4 s (the shortest ad the default settings allow): one scene task to follow.
  await writeSettings(db, { scenesLeaseSeconds: 30, sceneSeconds: 4 });
  try {
    const { runId } = await startRun(db, image, { scenes: 1 });
    const { deps, dispatcher } = cloudDeps([PRIMARY]);
    await runToScenes(runId, deps);
    await handleSceneTask(dispatcher.queued.splice(0)[0], { retryCount: 0, maxAttempts: 5 }, deps);
    const sceneRef = db.doc(paths.scene(runId, "scene_01"));
    expect((await sceneRef.get()).get("status")).toBe("waiting");
    const leaseEnd = ((await db.doc(paths.run(runId)).get()).get("lease.expiresAt") as Timestamp).toMillis();
    // Past the stage's lease, with the scene polled 10 s ago: not stuck.
    await sceneRef.update({ updatedAt: Timestamp.fromMillis(leaseEnd) });
    const moving = await sweepStuckRuns(db, leaseEnd + 10_000);
    expect(moving.actions.filter((a) => a.runId === runId)).toEqual([{ runId, action: "extend_scenes_wait" }]);
    const run = (await db.doc(paths.run(runId)).get()).data() as RunDocument;
    expect(run).toMatchObject({ status: "running", stage: "scenes", stageState: "waiting" });
    // Silent for longer than the lease: the usual retry.
    const silent = await sweepStuckRuns(db, leaseEnd + 10_000 + 31_000 + 30_000);
    expect(silent.actions.filter((a) => a.runId === runId)).toEqual([{ runId, action: "retry_stage" }]);
  } finally {
    await writeSettings(db, { videoInFlightLimit: 10 });
  }
});
