/**
 * The cloud tier end to end, through the triggers: the Functions emulator runs with
 * FAIRSHOT_PROVIDERS=cloud and MODEL_CHAINS pointing every SDK (@google/genai for Gemini, Omni and
 * Veo, openai, @google-cloud/vision; Omni on the Gemini API's Interactions API, Veo on Vertex AI) at
 * the stand-ins this suite serves on the ports scripts/with-emulators.mjs reserved
 * (FAIRSHOT_STANDINS=cloud). The chains are src/providers/standins/cloudChains.json: text gemini-3.7-flash
 * (retired on 2026-11-01) → gemini-3.8-flash → gpt-6-luna → gpt-5.6-terra; voice
 * gemini-3.8-flash-tts → Cloud Text-to-Speech (Chirp 3: HD) → gpt-4o-mini-tts; video the default chain:
 * Gemini Omni Flash on the Interactions API, then Veo 3.1 on Vertex AI.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Firestore } from "firebase-admin/firestore";
import type { RunDocument } from "../../src/contract/runDocument";
import { paths } from "../../src/contract/paths";
import { EMULATOR_ACCESS_TOKEN } from "../../src/emulatorAuth";
import { GOOD_DNA, goodScript, INPUT, TEMPLATE_SCRIPT } from "../models/helpers";
import { startVisionStandIn, type VisionStandIn } from "../../src/providers/standins/vision";
import { geminiReplies, startGeminiStandin, type GeminiStandin } from "../../src/providers/standins/gemini";
import { tonePcm } from "../../src/providers/standins/httpStandin";
import { googleTtsReplies, startGoogleTtsStandin, type GoogleTtsStandin } from "../../src/providers/standins/googleTts";
import { openAiReplies, startOpenAiStandin, type OpenAiStandin } from "../../src/providers/standins/openai";
import { DEFAULT_OMNI_MODELS, startOmniStandin, type OmniStandin } from "../../src/providers/standins/omni";
import { startVeoStandin, type VeoStandin } from "../../src/providers/standins/veo";
import { lyriaReplies, startLyriaStandin, type LyriaStandin } from "../../src/providers/standins/lyria";
import { LOCAL_MUSIC_MODEL } from "../../src/media/musicBed";
import {
  balanceOf,
  createRun,
  firestoreFor,
  movementsOf,
  newUser,
  settled,
  TRIGGER_PROJECT,
  upload,
  waitForRun,
  writeSettings,
} from "../support/emulator";
import { upscaledCoffee } from "../support/samples";
import { CHAINS, voiceOf } from "../../src/providers/standins/chains";
import { DEFAULT_MODEL_CONFIG } from "../../src/models/modelConfig";
import { tierAt } from "../../src/models/fallback";

const port = (name: string) => {
  const value = Number(process.env[`FAIRSHOT_STANDIN_${name}_PORT`]);
  if (!value) throw new Error(`FAIRSHOT_STANDIN_${name}_PORT is not set: run under FAIRSHOT_STANDINS=cloud`);
  return value;
};

const [RETIRED, GEMINI_TEXT, OPENAI_TEXT, OPENAI_TEXT_2] = CHAINS.text.map((entry) => entry.model);
const GEMINI_TTS = voiceOf("gemini").model;
const OPENAI_TTS = voiceOf("openai").model;
const GOOGLE_TTS = voiceOf("google_tts");
const VIDEO = DEFAULT_MODEL_CONFIG.video;
const OMNI = VIDEO[0].model;
const LYRIA = DEFAULT_MODEL_CONFIG.music![0].model;
const VEO_INDEX = VIDEO.findIndex((entry) => entry.api === "vertex_ai");
const VEO = VIDEO[VEO_INDEX].model;
const SCENES = 2;
const PRICE = 10;

const db: Firestore = firestoreFor(TRIGGER_PROJECT);
let gemini: GeminiStandin;
let openai: OpenAiStandin;
let googleTts: GoogleTtsStandin;
let veo: VeoStandin;
let omni: OmniStandin;
let vision: VisionStandIn;
let lyria: LyriaStandin;
let videoDir: string;
let image: Buffer;

beforeAll(async () => {
  videoDir = await mkdtemp(path.join(os.tmpdir(), "fairshot-cloud-video-"));
  veo = await startVeoStandin({ workDir: videoDir, accessToken: EMULATOR_ACCESS_TOKEN, port: port("VIDEO") });
  omni = await startOmniStandin({ workDir: videoDir, apiKey: "standin-gemini-key", port: port("OMNI") });
  gemini = await startGeminiStandin({ apiKey: "standin-gemini-key", port: port("GOOGLE") });
  openai = await startOpenAiStandin({ apiKey: "standin-openai-key", port: port("OPENAI") });
  googleTts = await startGoogleTtsStandin({ accessToken: EMULATOR_ACCESS_TOKEN, port: port("TTS") });
  vision = await startVisionStandIn(port("VISION"));
  lyria = await startLyriaStandin({ accessToken: EMULATOR_ACCESS_TOKEN, port: port("MUSIC") });
  vision.answer(200, { responses: [{}] }); // no face: no question before the charge
  await writeSettings(db);
  image = await upscaledCoffee();
});

afterAll(async () => {
  await Promise.all([
    gemini.close(),
    openai.close(),
    googleTts.close(),
    veo.close(),
    omni.close(),
    vision.close(),
    lyria.close(),
  ]);
  await rm(videoDir, { recursive: true, force: true });
});

beforeEach(async () => {
  gemini.reset();
  openai.reset();
  googleTts.reset();
  lyria.reset();
  omni.setModels(DEFAULT_OMNI_MODELS);
  const cooldowns = await db.collection("modelCooldowns").listDocuments();
  await Promise.all(cooldowns.map((doc) => doc.delete()));
});

/** A user with 100 credits runs an ad of the helpers' product (the scripted replies name it). */
async function runAd(): Promise<{ uid: string; run: RunDocument; runId: string }> {
  const uid = await newUser(db, 100);
  const objectPath = await upload(uid, "product.png", image);
  const runId = await createRun(db, { uid, image: objectPath, input: { ...INPUT, image: objectPath, scenes: SCENES } });
  return { uid, runId, run: await waitForRun(db, runId, settled, 150_000) };
}

/** A voice-over as long as the ad (goodScript's scenes are 4 s): the quality gate refuses a silent tail. */
const VOICE_SECONDS = SCENES * 4 - 0.3;
const speech = () => geminiReplies.audio(tonePcm(VOICE_SECONDS));

async function expectRefundedOnce(uid: string, runId: string) {
  expect(await movementsOf(db, uid, runId)).toEqual(
    expect.arrayContaining([
      { id: `charge_${runId}`, kind: "charge", amount: -PRICE },
      { id: `refund_${runId}`, kind: "refund", amount: PRICE },
    ]),
  );
  expect(await movementsOf(db, uid, runId)).toHaveLength(2);
  expect(await balanceOf(db, uid)).toBe(100);
}

test("a run succeeds on the cloud tier: every stage records its model and tier; the retired model gets zero calls", async () => {
  gemini.reply(GEMINI_TEXT, geminiReplies.json(GOOD_DNA), geminiReplies.json(goodScript(SCENES)));
  gemini.reply(GEMINI_TTS, speech());

  const { uid, run, runId } = await runAd();

  expect(run.status).toBe("succeeded");
  expect(run.output?.video).toBe(`outputs/${uid}/${runId}.mp4`);
  for (const stage of ["visual_dna", "script"] as const) {
    expect(run.stages?.[stage]).toMatchObject({ model: GEMINI_TEXT, tier: "backup" });
    expect(run.stages?.[stage]?.attempts[0]).toMatchObject({ model: RETIRED, errorClass: "retired", durationMs: 0 });
  }
  expect(run.stages?.voice).toMatchObject({ model: GEMINI_TTS, tier: "primary" });
  // Fitted to the promised length before the scenes, each scene's line timed in it.
  expect(run.voice?.timing).toMatchObject({ durationSec: SCENES * 4 });
  expect(run.voice?.timing?.scenes.map((scene) => scene.line !== null)).toEqual([true, true]);
  expect(gemini.calls(RETIRED)).toBe(0);
  const scenes = await db.collection(paths.scenes(runId)).get();
  expect(scenes.docs.map((doc) => [doc.get("method"), doc.get("model"), doc.get("tier")])).toEqual([
    ["generated", OMNI, "primary"],
    ["generated", OMNI, "primary"],
  ]);
  expect(omni.calls.submit).toBeGreaterThanOrEqual(SCENES);
  expect(vision.requests.length).toBeGreaterThan(0); // the preflight asked Cloud Vision
  // The music bed from Lyria through its predict endpoint, ducked under the voice and judged by the gate.
  expect(run.music).toMatchObject({ source: "model", model: LYRIA, tier: "primary" });
  expect(lyria.calls(LYRIA)).toBe(1);
  expect(run.qualityGate?.music?.underVoiceDb).toBeGreaterThanOrEqual(15);
  expect(await balanceOf(db, uid)).toBe(100 - PRICE);
});

test("the music model down: the project's own pad serves, recorded after the model's failed attempts", async () => {
  gemini.reply(GEMINI_TEXT, geminiReplies.json(GOOD_DNA), geminiReplies.json(goodScript(SCENES)));
  gemini.reply(GEMINI_TTS, speech());
  lyria.reply(LYRIA, lyriaReplies.unavailable());

  const { run } = await runAd();

  expect(run.status).toBe("succeeded");
  expect(run.music).toMatchObject({ source: "local", model: LOCAL_MUSIC_MODEL, tier: "local" });
  const attempts = run.music?.attempts ?? [];
  expect(attempts.at(-1)).toMatchObject({ model: LOCAL_MUSIC_MODEL, errorClass: null });
  expect(attempts.slice(0, -1).map((a) => [a.model, a.errorClass])).toEqual(
    Array.from({ length: lyria.calls(LYRIA) }, () => [LYRIA, "transient"]),
  );
  expect(lyria.calls(LYRIA)).toBeGreaterThan(0);
  expect(run.assembled?.music).toMatchObject({ source: "local" });
  expect(run.qualityGate?.passed).toBe(true);
});

test("primary not found: the backup serves, and the next run makes zero calls to the primary", async () => {
  // GEMINI_TEXT is unscripted: the stand-in answers 404 NOT_FOUND as the Gemini API does.
  const replies = [openAiReplies.json(GOOD_DNA), openAiReplies.json(goodScript(SCENES))];
  openai.reply(OPENAI_TEXT, ...replies, ...replies);
  gemini.reply(GEMINI_TTS, speech());

  const first = await runAd();
  expect(first.run.status).toBe("succeeded");
  expect(first.run.stages?.visual_dna).toMatchObject({ model: OPENAI_TEXT, tier: "fallback" });
  expect(first.run.stages?.visual_dna?.attempts[1]).toMatchObject({ model: GEMINI_TEXT, errorClass: "not_found" });
  expect(gemini.calls(GEMINI_TEXT)).toBe(1); // then cooled down for every instance: the script stage skipped it

  const second = await runAd();
  expect(second.run.status).toBe("succeeded");
  expect(gemini.calls(GEMINI_TEXT)).toBe(1);
  expect(second.run.stages?.visual_dna?.attempts[1]).toMatchObject({
    model: GEMINI_TEXT,
    errorClass: "not_found",
    durationMs: 0,
  });
});

test("Gemini Omni Flash gone (404): Veo 3.1 renders every scene, and each scene records the not_found attempts", async () => {
  gemini.reply(GEMINI_TEXT, geminiReplies.json(GOOD_DNA), geminiReplies.json(goodScript(SCENES)));
  gemini.reply(GEMINI_TTS, speech());
  omni.setModels([]);
  const veoSubmits = veo.calls.submit;

  const { run, runId } = await runAd();

  expect(run.status).toBe("succeeded");
  const scenes = (await db.collection(paths.scenes(runId)).orderBy("sceneNumber").get()).docs.map((d) => d.data());
  expect(scenes.map((s) => [s.method, s.model, s.tier, s.fallbackReason])).toEqual([
    ["generated", VEO, tierAt(VEO_INDEX), null],
    ["generated", VEO, tierAt(VEO_INDEX), null],
  ]);
  for (const scene of scenes) {
    expect(scene.attempts[0]).toMatchObject({ model: OMNI, tier: "primary", errorClass: "not_found" });
    expect(scene.attempts.at(-1)).toMatchObject({ model: VEO, tier: tierAt(VEO_INDEX), errorClass: null });
  }
  expect(veo.calls.submit - veoSubmits).toBeGreaterThanOrEqual(SCENES);
});

test("every text model down: failed at visual_dna, refunded once", async () => {
  gemini.reply(GEMINI_TEXT, geminiReplies.overloaded());
  openai.reply(OPENAI_TEXT, openAiReplies.serverError());
  openai.reply(OPENAI_TEXT_2, openAiReplies.serverError());

  const { uid, run, runId } = await runAd();

  expect(run.status).toBe("failed");
  expect(run.failure).toMatchObject({ stage: "visual_dna", refunded: true });
  expect(run.script).toBeUndefined();
  await expectRefundedOnce(uid, runId);
});

test("a template reply shaped like a valid script is refused: the next model writes it", async () => {
  const template = { ...TEMPLATE_SCRIPT, scenes: TEMPLATE_SCRIPT.scenes.slice(0, SCENES) };
  gemini.reply(GEMINI_TEXT, geminiReplies.json(GOOD_DNA), geminiReplies.json(template));
  openai.reply(OPENAI_TEXT, openAiReplies.json(goodScript(SCENES)));
  gemini.reply(GEMINI_TTS, speech());

  const { run } = await runAd();

  expect(run.status).toBe("succeeded");
  expect(run.stages?.script).toMatchObject({ model: OPENAI_TEXT, tier: "fallback" });
  const refused = run.stages?.script?.attempts.find((attempt) => attempt.model === GEMINI_TEXT);
  expect(refused).toMatchObject({ errorClass: "invalid_output" });
  expect(refused?.error).toContain("quality check failed");
  expect(run.script).toEqual(goodScript(SCENES));
});

test("voice primary gone: Cloud Text-to-Speech, a second provider, records the voice-over", async () => {
  gemini.reply(GEMINI_TEXT, geminiReplies.json(GOOD_DNA), geminiReplies.json(goodScript(SCENES)));
  googleTts.reply(GOOGLE_TTS.voice, googleTtsReplies.speech(tonePcm(VOICE_SECONDS)));

  const { run } = await runAd();

  expect(run.status).toBe("succeeded");
  expect(run.stages?.voice).toMatchObject({ model: GOOGLE_TTS.model, tier: "backup" });
  expect(run.stages?.voice?.attempts[0]).toMatchObject({ model: GEMINI_TTS, errorClass: "not_found" });
  expect(googleTts.calls(GOOGLE_TTS.voice)).toBe(1);
  expect(openai.calls(OPENAI_TTS)).toBe(0);
});

test("every voice down: failed at voice and refunded before any video generation, no silent default", async () => {
  gemini.reply(GEMINI_TEXT, geminiReplies.json(GOOD_DNA), geminiReplies.json(goodScript(SCENES)));
  gemini.reply(GEMINI_TTS, geminiReplies.internal());
  googleTts.reply(GOOGLE_TTS.voice, googleTtsReplies.unavailable());
  openai.reply(OPENAI_TTS, openAiReplies.serverError());
  const videoCallsBefore = { omni: { ...omni.calls }, veo: { ...veo.calls } };

  const { uid, run, runId } = await runAd();

  expect(run.status).toBe("failed");
  expect(run.failure).toMatchObject({ stage: "voice", refunded: true });
  expect(run.output).toBeUndefined();
  // The voice comes before the scenes: 0 video generations, counted at the Omni and Veo stand-ins.
  expect({ omni: omni.calls, veo: veo.calls }).toEqual(videoCallsBefore);
  expect((await db.collection(paths.scenes(runId)).get()).size).toBe(0);
  await expectRefundedOnce(uid, runId);
});
