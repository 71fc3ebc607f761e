import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deleteApp, initializeApp, type App } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import type { RunInput, Script, VisualDna } from "../../src/contract/run";
import type { ModelLogger } from "../../src/models/fallback";
import { DEFAULT_MODEL_CONFIG, parseModelConfig, type ModelConfig } from "../../src/models/modelConfig";

export const INPUT: RunInput = {
  image: "uploads/user-1/coffee.png",
  productName: "Morning Ritual Blend",
  brandName: "Ferro Roasters",
  brief: "A warm, slow morning ad for our dark-roast coffee beans, aimed at people who grind their own.",
  scenes: 3,
  aspectRatio: "9:16",
};

export const PRODUCT_IMAGE = readFileSync(join(__dirname, "../fixtures/images/coffee.png"));

export const GOOD_DNA: VisualDna = {
  productDescription:
    "A matte black kraft bag of whole coffee beans with a copper foil Ferro Roasters label and a one-way valve.",
  palette: ["#1b1512", "#b87333", "#f2e6d8", "#4a3426"],
  mood: "warm, unhurried morning",
  lighting: "soft window light from the left",
  composition: "bag centred on a wooden counter, beans spilled in front",
  styleKeywords: ["artisan", "warm tones", "macro detail"],
};

export function goodScript(scenes = INPUT.scenes): Script {
  const all = [
    {
      title: "The grind",
      shot: "Close-up of dark beans tumbling into a hand grinder on a wooden counter.",
      videoPrompt: "Macro shot of glossy dark-roast coffee beans pouring into a burr grinder, soft window light",
      narration: "Every morning starts with Morning Ritual Blend, ground fresh at home.",
      motion: "zoom_in" as const,
      durationSec: 4,
    },
    {
      title: "The pour",
      shot: "Hot water spirals over fresh grounds in a glass pour-over.",
      videoPrompt: "Slow pour of hot water over fresh coffee grounds in a glass dripper, steam rising, warm tones",
      narration: "Roasted slowly by Ferro Roasters, for a deep and gentle cup.",
      motion: "pan_down" as const,
      durationSec: 4,
    },
    {
      title: "The cup",
      shot: "A hand lifts a ceramic cup beside the black Ferro Roasters bag.",
      videoPrompt: "A hand lifts a ceramic coffee cup next to a matte black coffee bag with a copper label",
      narration: "Ferro Roasters. Your ritual, perfected, one slow pour at a time.",
      motion: "zoom_out" as const,
      durationSec: 4,
    },
    {
      title: "The shelf",
      shot: "The bag stands on a sunny kitchen shelf among cookbooks.",
      videoPrompt: "A matte black coffee bag with a copper label on a sunny kitchen shelf among cookbooks",
      narration: "Find it at your local roaster, or order it online today.",
      motion: "pan_left" as const,
      durationSec: 4,
    },
  ];
  const chosen = all.slice(0, scenes);
  return {
    headline: "Morning Ritual Blend by Ferro Roasters",
    callToAction: "Order your Morning Ritual Blend today",
    voiceover: chosen.map((scene) => scene.narration).join(" "),
    scenes: chosen,
  };
}

/** What the old code shipped when the model was gone: it must never pass. */
export const TEMPLATE_SCRIPT: Script = {
  headline: "Experience the ultimate upgrade",
  voiceover: "Experience the ultimate upgrade with Morning Ritual Blend from Ferro Roasters today.",
  scenes: [1, 2, 3].map((n) => ({
    title: `Scene ${n}`,
    shot: `Product shot in bright light (Fallback) ${n}`,
    videoPrompt: `Product shot in bright light, cinematic, scene ${n} (Fallback)`,
    narration: `Scene ${n}`,
    motion: "zoom_in" as const,
    durationSec: 4,
  })),
};

/**
 * The chains these tests script against the stand-ins, in the deployed chains' shape: a Gemini primary,
 * then two OpenAI models (the third without vision); voice Gemini, then OpenAI.
 */
export const STANDIN_CHAINS = {
  text: [
    { provider: "gemini", model: "gemini-3.8-flash", vision: true },
    { provider: "openai", model: "gpt-6-luna", vision: true },
    { provider: "openai", model: "gpt-5.6-terra", vision: false },
  ],
  voice: [
    { provider: "gemini", model: "gemini-3.8-flash-tts", voice: "Kore" },
    { provider: "openai", model: "gpt-4o-mini-tts", voice: "coral" },
  ],
};

/** A config whose providers are the stand-ins, with short waits so retries are quick. */
export function standinConfig(
  geminiBaseUrl: string,
  openaiBaseUrl: string,
  overrides: Partial<Record<keyof ModelConfig, unknown>> = {},
): ModelConfig {
  return parseModelConfig({
    ...DEFAULT_MODEL_CONFIG,
    ...STANDIN_CHAINS,
    providers: {
      gemini: { backend: "gemini_api", baseUrl: geminiBaseUrl },
      openai: { baseUrl: `${openaiBaseUrl}/v1` },
    },
    timeouts: { textMs: 5_000, voiceMs: 5_000 },
    retry: { maxRetriesPerModel: 2, baseDelayMs: 20, maxDelayMs: 2_000, modelBudgetMs: 10_000 },
    ...overrides,
  });
}

export const CREDENTIALS = { geminiApiKey: "gemini-test-key", openaiApiKey: "sk-test-key" };

export interface LogLine {
  level: "info" | "warn" | "error";
  message: string;
}

export function captureLogger(): ModelLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (message) => lines.push({ level: "info", message }),
    warn: (message) => lines.push({ level: "warn", message }),
    error: (message) => lines.push({ level: "error", message }),
  };
}

/** Admin SDK on the Firestore emulator, with a project id of this suite's own. */
export function emulatorFirestore(name: string): { app: App; db: Firestore; close: () => Promise<void> } {
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    throw new Error("FIRESTORE_EMULATOR_HOST is not set: these tests need the Firestore emulator");
  }
  const app = initializeApp({ projectId: "demo-fairshot-models" }, name);
  const db = getFirestore(app);
  return { app, db, close: () => deleteApp(app) };
}

/** Removes every cooldown document, so each test starts with all models available. */
export async function clearCooldowns(db: Firestore): Promise<void> {
  const docs = await db.collection("modelCooldowns").listDocuments();
  await Promise.all(docs.map((doc) => doc.delete()));
}
