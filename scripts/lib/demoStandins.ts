/**
 * `npm run demo -- --providers standins`: the cloud tier offline. The functions run with
 * FAIRSHOT_PROVIDERS=cloud and every SDK pointed at these loopback stand-ins (scripts/with-emulators.mjs
 * reserved their ports and wrote MODEL_CHAINS from functions/src/providers/standins/cloudChains.json). The
 * stand-ins answer as the real APIs do; a scenario makes some models fail so the fallback shows.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EMULATOR_ACCESS_TOKEN } from "../../functions/src/emulatorAuth";
import type { Script, VisualDna } from "../../functions/src/contract/run";
import { startVisionStandIn } from "../../functions/src/providers/standins/vision";
import { CHAINS, voiceOf } from "../../functions/src/providers/standins/chains";
import { geminiReplies, startGeminiStandin } from "../../functions/src/providers/standins/gemini";
import { googleTtsReplies, startGoogleTtsStandin } from "../../functions/src/providers/standins/googleTts";
import { tonePcm } from "../../functions/src/providers/standins/httpStandin";
import { openAiReplies, startOpenAiStandin } from "../../functions/src/providers/standins/openai";
import { startOmniStandin } from "../../functions/src/providers/standins/omni";
import { startVeoStandin } from "../../functions/src/providers/standins/veo";
import { startLyriaStandin } from "../../functions/src/providers/standins/lyria";

/** What goes wrong, so the run shows the cloud tier's fallback. */
export const STANDIN_SCENARIOS = {
  healthy: "every model answers (the retired text model is still skipped without a call)",
  "text-primary-gone": "the live Gemini text model answers 404 not found: OpenAI serves, Gemini is cooled down",
  template: "Gemini writes a template script shaped like a valid one: refused, OpenAI writes it",
  "text-down": "every text model fails: the run fails at Visual DNA and is refunded",
  "voice-gone": "Gemini TTS answers 404: Cloud Text-to-Speech (a second provider) records the voice-over",
  "voice-down": "every voice model fails: the run fails at the voice-over and is refunded",
  "video-primary-gone": "Gemini Omni Flash answers 404 not found: Veo 3.1 renders every scene",
} as const;
export type StandinScenario = keyof typeof STANDIN_SCENARIOS;

export interface DemoInput {
  productName: string;
  brandName: string;
  scenes: number;
  sceneSeconds: number;
}

const [, GEMINI_TEXT, OPENAI_TEXT, OPENAI_TEXT_2] = CHAINS.text.map((entry) => entry.model);
const GEMINI_TTS = voiceOf("gemini").model;
const OPENAI_TTS = voiceOf("openai").model;
/** Cloud Text-to-Speech is asked for a voice (named after its model), so its calls are counted by voice. */
const GOOGLE_TTS_VOICE = voiceOf("google_tts").voice;
const SHOTS = ["on a sunlit kitchen counter", "in a slow close-up", "beside a morning window", "on a rustic table"];

/** What a model would write about this product: it names the product and brand, as the checks demand. */
function answers(input: DemoInput): { dna: VisualDna; script: Script; template: Script } {
  const { productName: product, brandName: brand } = input;
  const scenes = Array.from({ length: input.scenes }, (_, i) => ({
    title: `Moment ${i + 1}`,
    shot: `The ${product} package ${SHOTS[i % SHOTS.length]}, label facing the camera.`,
    videoPrompt: `Cinematic vertical shot of the ${product} package by ${brand} ${SHOTS[i % SHOTS.length]}, take ${i + 1}`,
    narration:
      i === 0
        ? `Meet ${product}, crafted with care by ${brand}.`
        : `${product} from ${brand} makes every morning better.`,
    motion: (["zoom_in", "pan_left", "zoom_out", "pan_right"] as const)[i % 4],
    durationSec: input.sceneSeconds,
  }));
  const script = {
    headline: `${product} by ${brand}`,
    voiceover: scenes.map((scene) => scene.narration).join(" "),
    scenes,
  };
  const dna = {
    productDescription: `The ${product} package by ${brand}, photographed upright with its label facing forward.`,
    palette: ["#3b2a20", "#c8a27a", "#f4ede4"],
    mood: "warm and unhurried",
    lighting: "soft daylight from the side",
    composition: "product centred, shallow depth of field",
    styleKeywords: ["warm tones", "close-up", "morning"],
  };
  const template = {
    ...script,
    scenes: scenes.map((scene, i) => ({ ...scene, shot: `Product shot (Fallback) ${i + 1}`, title: `Scene ${i + 1}` })),
  };
  return { dna, script, template };
}

const port = (name: string) => Number(process.env[`FAIRSHOT_STANDIN_${name}_PORT`]);

export async function startDemoStandins(input: DemoInput, scenario: StandinScenario) {
  if (!port("GOOGLE")) throw new Error("run the demo through npm run demo -- --providers standins");
  const { dna, script, template } = answers(input);
  const videoDir = await mkdtemp(path.join(os.tmpdir(), "fairshot-demo-video-"));
  const [gemini, openai, vision, veo, omni, googleTts, lyria] = await Promise.all([
    startGeminiStandin({ apiKey: "standin-gemini-key", port: port("GOOGLE") }),
    startOpenAiStandin({ apiKey: "standin-openai-key", port: port("OPENAI") }),
    startVisionStandIn(port("VISION")),
    startVeoStandin({ workDir: videoDir, accessToken: EMULATOR_ACCESS_TOKEN, port: port("VIDEO") }),
    startOmniStandin({ workDir: videoDir, apiKey: "standin-gemini-key", port: port("OMNI") }),
    startGoogleTtsStandin({ accessToken: EMULATOR_ACCESS_TOKEN, port: port("TTS") }),
    startLyriaStandin({ accessToken: EMULATOR_ACCESS_TOKEN, port: port("MUSIC") }),
  ]);
  // Google removed Omni: every scene's first attempt is a 404, and Veo serves it.
  if (scenario === "video-primary-gone") omni.setModels([]);
  vision.answer(200, { responses: [{}] }); // no face in a product photo
  // Speech as long as the ad: the quality gate refuses a voice-over that leaves a silent tail.
  const pcm = tonePcm(input.scenes * input.sceneSeconds - 0.3);
  const geminiAudio = geminiReplies.audio(pcm);

  if (scenario === "text-down") {
    gemini.reply(GEMINI_TEXT, geminiReplies.overloaded());
    openai.reply(OPENAI_TEXT, openAiReplies.serverError());
    openai.reply(OPENAI_TEXT_2, openAiReplies.serverError());
  } else if (scenario === "text-primary-gone") {
    openai.reply(OPENAI_TEXT, openAiReplies.json(dna), openAiReplies.json(script));
  } else if (scenario === "template") {
    gemini.reply(GEMINI_TEXT, geminiReplies.json(dna), geminiReplies.json(template));
    openai.reply(OPENAI_TEXT, openAiReplies.json(script));
  } else {
    gemini.reply(GEMINI_TEXT, geminiReplies.json(dna), geminiReplies.json(script));
  }
  if (scenario === "voice-down") {
    gemini.reply(GEMINI_TTS, geminiReplies.internal());
    openai.reply(OPENAI_TTS, openAiReplies.serverError());
    googleTts.reply(GOOGLE_TTS_VOICE, googleTtsReplies.unavailable());
  } else if (scenario === "voice-gone") {
    googleTts.reply(GOOGLE_TTS_VOICE, googleTtsReplies.speech(pcm));
  } else {
    gemini.reply(GEMINI_TTS, geminiAudio);
  }

  return {
    /** Calls each stand-in model received: the retired model's stays 0. */
    calls: () =>
      Object.fromEntries(
        [...CHAINS.text.map((e) => e.model), GEMINI_TTS, OPENAI_TTS, GOOGLE_TTS_VOICE].map((model) => [
          model,
          gemini.calls(model) + openai.calls(model) + googleTts.calls(model),
        ]),
      ),
    close: async () => {
      await Promise.all([
        gemini.close(),
        openai.close(),
        vision.close(),
        veo.close(),
        omni.close(),
        googleTts.close(),
        lyria.close(),
      ]);
      await rm(videoDir, { recursive: true, force: true });
    },
  };
}
