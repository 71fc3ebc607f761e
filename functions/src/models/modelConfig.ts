import { z } from "zod";
import { defineSecret, defineString } from "firebase-functions/params";

/**
 * The one model configuration. Every model name in the code lives in this file;
 * a deployment overrides any top-level part of it with the MODEL_CHAINS param
 * (a JSON string), validated by the same schema as the defaults.
 */

export const PROVIDERS = ["gemini", "openai"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const OPENAI_API_KEY = defineSecret("OPENAI_API_KEY");
export const GEMINI_API_KEY = defineSecret("GEMINI_API_KEY");
/** Bind these to every function that builds cloud providers (`secrets: MODEL_SECRETS`). */
export const MODEL_SECRETS = [OPENAI_API_KEY, GEMINI_API_KEY];
export const MODEL_CHAINS = defineString("MODEL_CHAINS", {
  default: "",
  description: "JSON override of the model configuration (any top-level key of it); empty uses the defaults",
});
export const VERTEX_PROJECT = defineString("VERTEX_PROJECT", {
  default: "",
  description: "Google Cloud project for Gemini on Vertex AI (used when providers.gemini.backend is vertex_ai)",
});
export const VERTEX_LOCATION = defineString("VERTEX_LOCATION", {
  default: "",
  description: "Vertex AI location, e.g. us-central1 (used when providers.gemini.backend is vertex_ai)",
});

/** A shutdown date as the providers announce it: YYYY-MM-DD, the model gone from 00:00 UTC that day. */
const ShutdownDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "retiresOn must be a date as YYYY-MM-DD")
  .refine((date) => {
    const ms = Date.parse(`${date}T00:00:00Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(date);
  }, "retiresOn is not a calendar date");

/**
 * One model of a chain (text, voice, video...): the same shape everywhere, so every chain
 * gets the same checks, the same retirement guard and the same models:check row.
 */
export const ModelEntrySchema = z
  .object({
    provider: z.string(),
    model: z.string().trim().min(1),
    /** Accepts an image in the prompt: Visual DNA uses only these. */
    vision: z.boolean().default(false),
    /** Preview models are refused unless their entry says so explicitly. */
    allowPreview: z.boolean().default(false),
    /**
     * The provider's announced shutdown date (cite the page next to it). From that day on the
     * model is never called: it is skipped like a cooled-down model, with the attempt class `retired`.
     */
    retiresOn: ShutdownDateSchema.optional(),
  })
  .strict();

const VoiceEntrySchema = ModelEntrySchema.extend({ voice: z.string().trim().min(1) }).strict();

/**
 * Where a video model runs, and so which API the adapter speaks: the Gemini API's Interactions
 * API with GEMINI_API_KEY (video/omni.ts) or Vertex AI's generateVideos with Google credentials
 * (video/veo.ts). @google/genai 3.3 runs generateVideos on Vertex AI only.
 */
export const VIDEO_APIS = ["gemini_api", "vertex_ai"] as const;
export type VideoApi = (typeof VIDEO_APIS)[number];

const VideoEntrySchema = ModelEntrySchema.extend({ api: z.enum(VIDEO_APIS) }).strict();

/** The model family each video API serves here, by model id. */
const VIDEO_FAMILIES: Record<VideoApi, { pattern: RegExp; name: string }> = {
  gemini_api: { pattern: /^gemini-omni-/, name: "Gemini Omni models (gemini-omni-*) through the Interactions API" },
  vertex_ai: { pattern: /^veo-/, name: "Veo models (veo-*) through generateVideos" },
};

/** A video entry whose API does not serve its model family is refused: the adapter could not call it. */
function videoApiProblem(entry: { model: string; api: VideoApi }): string | undefined {
  if (VIDEO_FAMILIES[entry.api].pattern.test(entry.model)) return undefined;
  const other = VIDEO_APIS.find((api) => VIDEO_FAMILIES[api].pattern.test(entry.model));
  return other
    ? `runs on api "${other}", not "${entry.api}" (${entry.api} serves ${VIDEO_FAMILIES[entry.api].name} only)`
    : `unknown video model family: api "${entry.api}" serves ${VIDEO_FAMILIES[entry.api].name} only`;
}

type RawEntry = z.infer<typeof ModelEntrySchema>;

/**
 * Models their providers have already shut down, which a configuration (an old MODEL_CHAINS
 * override, a copied example) might still name. Naming one is refused at load.
 */
const SHUT_DOWN_MODELS: Record<string, { on: string; source: string }> = {
  "openai/gpt-3.5-turbo": { on: "2026-10-23", source: "https://developers.openai.com/api/docs/deprecations" },
  "gemini/gemini-2.0-flash": { on: "2026-06-01", source: "https://firebase.google.com/docs/ai-logic/prompt-design" },
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** Epoch ms of 00:00 UTC on the shutdown day. */
export function shutdownMs(retiresOn: string): number {
  return Date.parse(`${retiresOn}T00:00:00Z`);
}

/** True from 00:00 UTC of the entry's `retiresOn` on: the model must not be called. */
export function isRetired(entry: { retiresOn?: string }, nowMs: number): boolean {
  return entry.retiresOn !== undefined && nowMs >= shutdownMs(entry.retiresOn);
}

/** Whole days from now until the shutdown (0 on the day, negative after). */
export function daysLeft(retiresOn: string, nowMs: number): number {
  return Math.ceil((shutdownMs(retiresOn) - nowMs) / DAY_MS);
}

/** The rules every entry obeys; each message names the entry it refuses. */
function entryProblem(entry: RawEntry): string | undefined {
  const name = entry.model.toLowerCase();
  if (!(PROVIDERS as readonly string[]).includes(entry.provider)) {
    return `unknown provider "${entry.provider}" (known: ${PROVIDERS.join(", ")})`;
  }
  if (name.includes("-exp")) return "experimental models are not allowed";
  if (name.includes("-preview") && !entry.allowPreview) {
    return "preview models need allowPreview: true on their entry";
  }
  const shutDown = SHUT_DOWN_MODELS[`${entry.provider}/${entry.model}`];
  if (shutDown) return `retired: ${entry.provider} shut it down on ${shutDown.on} (${shutDown.source})`;
  return undefined;
}

function checkedChain<S extends typeof ModelEntrySchema | typeof VoiceEntrySchema | typeof VideoEntrySchema>(entry: S) {
  return z.array(entry).superRefine((chain, ctx) => {
    if (chain.length === 0) ctx.addIssue({ code: "custom", message: "the chain is empty" });
    chain.forEach((item, index) => {
      const problem = entryProblem(item);
      if (problem) ctx.addIssue({ code: "custom", path: [index], message: `"${item.model}": ${problem}` });
    });
  });
}

const ms = z.number().int().min(0);

export const ModelConfigSchema = z
  .object({
    /** Script, and Visual DNA (vision models only), in order: primary, backup, fallback. */
    text: checkedChain(ModelEntrySchema),
    voice: checkedChain(VoiceEntrySchema),
    /**
     * Scene videos, in order: primary, backup, ...; Ken Burns is the recorded last resort. Called
     * through @google/genai, so only Gemini-provider entries, each saying the API that serves it.
     */
    video: checkedChain(VideoEntrySchema).superRefine((chain, ctx) => {
      chain.forEach((item, index) => {
        const problem = item.provider !== "gemini" ? "video models run on gemini only" : videoApiProblem(item);
        if (problem) ctx.addIssue({ code: "custom", path: [index], message: `"${item.model}": ${problem}` });
      });
    }),
    providers: z
      .object({
        gemini: z
          .object({
            backend: z.enum(["gemini_api", "vertex_ai"]),
            /** A gateway or a local stand-in; the SDK's default endpoint when absent. */
            baseUrl: z.url().optional(),
            apiVersion: z.string().min(1).optional(),
            vertexProject: z.string().min(1).optional(),
            vertexLocation: z.string().min(1).optional(),
          })
          .strict(),
        openai: z.object({ baseUrl: z.url().optional() }).strict(),
        /** Cloud Vision (preflight face detection): REST at this URL; gRPC to Google when absent. */
        vision: z.object({ baseUrl: z.url().optional() }).strict().default({}),
        /**
         * Vertex AI video entries run in VERTEX_PROJECT (default: the functions' own project) and
         * VERTEX_LOCATION (default us-central1); `baseUrl` points them at a gateway or a local stand-in.
         * Gemini API video entries use GEMINI_API_KEY whatever the text chain's backend; `geminiApi`
         * points them elsewhere as providers.gemini does the text chain (base URL, API version).
         */
        video: z
          .object({
            baseUrl: z.url().optional(),
            geminiApi: z
              .object({ baseUrl: z.url().optional(), apiVersion: z.string().min(1).optional() })
              .strict()
              .default({}),
          })
          .strict()
          .default({ geminiApi: {} }),
      })
      .strict(),
    timeouts: z.object({ textMs: ms.min(1), voiceMs: ms.min(1) }).strict(),
    retry: z
      .object({
        /** Retries of one model for rate limits and transient errors, before the next model. */
        maxRetriesPerModel: z.number().int().min(0).max(10),
        baseDelayMs: ms,
        /** Cap on any single wait, including one asked for by retry-after. */
        maxDelayMs: ms,
        /** Time one model may take (calls and waits) before retrying stops. */
        modelBudgetMs: ms,
      })
      .strict(),
    cooldown: z
      .object({
        notFoundMs: ms,
        /** Consecutive failures (rate limits, transient, unknown) that cool a model down. */
        failureStreak: z.number().int().min(1),
        failureMs: ms,
      })
      .strict(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.providers.gemini.backend === "vertex_ai" && !config.providers.gemini.baseUrl) {
      if (!config.providers.gemini.vertexProject || !config.providers.gemini.vertexLocation) {
        ctx.addIssue({
          code: "custom",
          path: ["providers", "gemini"],
          message: "vertex_ai needs vertexProject and vertexLocation (params VERTEX_PROJECT, VERTEX_LOCATION)",
        });
      }
    }
    if (!config.text.some((entry) => entry.vision)) {
      ctx.addIssue({ code: "custom", path: ["text"], message: "no model has vision: Visual DNA would have none" });
    }
  });

type ParsedConfig = z.infer<typeof ModelConfigSchema>;
/** An entry after validation: its provider is a known one. */
export type ModelEntry = ParsedConfig["text"][number] & { provider: ProviderName };
export type VoiceEntry = ParsedConfig["voice"][number] & { provider: ProviderName };
export type VideoEntry = ParsedConfig["video"][number] & { provider: ProviderName };
export type ModelConfig = Omit<ParsedConfig, "text" | "voice" | "video"> & {
  text: ModelEntry[];
  voice: VoiceEntry[];
  video: VideoEntry[];
};

/*
 * Defaults as of 2026-11-28, read on the providers' own pages:
 * - Gemini API models and shutdown dates: https://ai.google.dev/gemini-api/docs/deprecations
 *   (gemini-3.8-flash released 2026-09-02 and gemini-3.5-flash-lite 2026-07-21, both "No shutdown
 *   date announced"; gemini-2.5-flash, the old primary, shuts down 2026-12-01).
 * - Gemini TTS: https://ai.google.dev/gemini-api/docs/models/gemini-3.8-flash-lite-tts (GA, same
 *   request schema as gemini-3.8-flash-tts; both replace gemini-3.1-flash-tts-preview).
 * - OpenAI: https://developers.openai.com/api/docs/deprecations (gpt-4o-mini shuts down 2027-01-14,
 *   gpt-6-luna its named replacement; gpt-3.5-turbo was shut down 2026-10-23) and
 *   https://developers.openai.com/api/docs/models/gpt-6-luna (text and image input, structured outputs).
 * - OpenAI TTS: https://developers.openai.com/api/docs/guides/text-to-speech (gpt-4o-mini-tts shuts
 *   down 2027-01-06; its replacement is not served by /v1/audio/speech).
 */
export const DEFAULT_MODEL_CONFIG: z.input<typeof ModelConfigSchema> = {
  text: [
    // No shutdown date announced (ai.google.dev/gemini-api/docs/deprecations, read 2026-11-28).
    { provider: "gemini", model: "gemini-3.8-flash", vision: true },
    // No shutdown date announced (developers.openai.com/api/docs/deprecations, read 2026-11-28).
    { provider: "openai", model: "gpt-6-luna", vision: true },
    // No shutdown date announced (ai.google.dev/gemini-api/docs/deprecations, read 2026-11-28).
    { provider: "gemini", model: "gemini-3.5-flash-lite", vision: true },
  ],
  voice: [
    // GA, no shutdown date announced (ai.google.dev/gemini-api/docs/models/gemini-3.8-flash-lite-tts).
    { provider: "gemini", model: "gemini-3.8-flash-tts", voice: "Kore" },
    { provider: "gemini", model: "gemini-3.8-flash-lite-tts", voice: "Kore" },
    // Shuts down 2027-01-06 (developers.openai.com/api/docs/guides/text-to-speech, read 2026-11-28).
    { provider: "openai", model: "gpt-4o-mini-tts", voice: "coral", retiresOn: "2027-01-06" },
  ],
  // Gemini Omni Flash first: Google's default video model (https://ai.google.dev/gemini-api/docs/video),
  // GA as gemini-omni-1.1-flash on the Gemini API's Interactions API (https://ai.google.dev/gemini-api/docs/omni);
  // on Vertex AI it is only the preview gemini-omni-flash-preview, which chains do not take. Then Veo 3.1
  // and its fast variant on Vertex AI (served and rate-limited apart). Veo ids from Google's Vertex AI Veo
  // pages (https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/veo/3-0-generate: veo-3.0-*-001
  // retire on 2026-06-30, migrate to veo-3.1-generate-001 / veo-3.1-fast-generate-001). The Gemini API's
  // Veo preview ids (veo-3.1-generate-preview, -fast-, -lite-) were shut down on 2026-10-22.
  // No shutdown date is announced for any of the three (ai.google.dev/gemini-api/docs/deprecations and the
  // Vertex AI Veo pages, read 2026-11-28), so none carries retiresOn.
  video: [
    { provider: "gemini", api: "gemini_api", model: "gemini-omni-1.1-flash" },
    { provider: "gemini", api: "vertex_ai", model: "veo-3.1-generate-001" },
    { provider: "gemini", api: "vertex_ai", model: "veo-3.1-fast-generate-001" },
  ],
  providers: { gemini: { backend: "gemini_api" }, openai: {}, vision: {}, video: { geminiApi: {} } },
  timeouts: { textMs: 60_000, voiceMs: 90_000 },
  retry: { maxRetriesPerModel: 2, baseDelayMs: 1_000, maxDelayMs: 10_000, modelBudgetMs: 90_000 },
  cooldown: { notFoundMs: 15 * 60_000, failureStreak: 3, failureMs: 2 * 60_000 },
};

export class ModelConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid model configuration: ${problems.join("; ")}`);
    this.name = "ModelConfigError";
  }
}

function formatPath(path: PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join("");
}

/** One chain as the fallback machinery, models:check and the load-time rules see it. */
export interface NamedChain {
  name: string;
  /** Video entries carry the API they run on. */
  entries: (ModelEntry & { api?: VideoApi })[];
}

/** Every chain of the configuration, Visual DNA's (the vision models of the text chain) included. */
export function modelChains(config: ModelConfig): NamedChain[] {
  return [
    { name: "text", entries: config.text },
    { name: "visual_dna", entries: config.text.filter((entry) => entry.vision) },
    { name: "voice", entries: config.voice },
    { name: "video", entries: config.video },
  ];
}

/** A chain whose every model is past its retiresOn cannot serve anything: refused, never tried. */
function deadChains(config: ModelConfig, nowMs: number): string[] {
  return modelChains(config)
    .filter((chain) => chain.entries.every((entry) => isRetired(entry, nowMs)))
    .map(
      (chain) =>
        `${chain.name}: no live model: ${chain.entries.map((e) => `"${e.model}" retired on ${e.retiresOn}`).join(", ")}`,
    );
}

/**
 * Validates a configuration at `nowMs`. Throws ModelConfigError whose message names each bad
 * entry, e.g. `text[0] "gemini-2.0-flash-exp": experimental models are not allowed`.
 * An entry past its own retiresOn is accepted (it is skipped at every call) as long as its
 * chain keeps a live model: an instance must not stop serving, and refunding, on the day a
 * backup model retires. The daily model check warns before that day.
 */
export function parseModelConfig(raw: unknown, nowMs: number = Date.now()): ModelConfig {
  const result = ModelConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ModelConfigError(
      result.error.issues.map((issue) => {
        const where = formatPath(issue.path);
        if (!where) return issue.message;
        return issue.message.startsWith('"') ? `${where} ${issue.message}` : `${where}: ${issue.message}`;
      }),
    );
  }
  // The refinements above checked every provider name.
  const config = result.data as ModelConfig;
  const dead = deadChains(config, nowMs);
  if (dead.length) throw new ModelConfigError(dead);
  return config;
}

/** Defaults with each top-level key of the override replacing the default's. */
export function mergeOverride(overrideJson: string): unknown {
  if (!overrideJson.trim()) return DEFAULT_MODEL_CONFIG;
  let override: unknown;
  try {
    override = JSON.parse(overrideJson);
  } catch (error) {
    throw new ModelConfigError([`MODEL_CHAINS is not valid JSON: ${(error as Error).message}`]);
  }
  if (typeof override !== "object" || override === null || Array.isArray(override)) {
    throw new ModelConfigError(["MODEL_CHAINS must be a JSON object"]);
  }
  return { ...DEFAULT_MODEL_CONFIG, ...override };
}

/** Reads the params (MODEL_CHAINS, VERTEX_PROJECT, VERTEX_LOCATION) and validates the result. */
export function readModelConfig(nowMs: number = Date.now()): ModelConfig {
  const merged = mergeOverride(MODEL_CHAINS.value()) as z.input<typeof ModelConfigSchema>;
  const vertex = {
    ...(VERTEX_PROJECT.value() ? { vertexProject: VERTEX_PROJECT.value() } : {}),
    ...(VERTEX_LOCATION.value() ? { vertexLocation: VERTEX_LOCATION.value() } : {}),
  };
  const providers = merged.providers ?? {};
  return parseModelConfig(
    { ...merged, providers: { ...providers, gemini: { ...providers.gemini, ...vertex } } },
    nowMs,
  );
}

let loaded: ModelConfig | undefined;

/** The configuration of this instance, read and validated once. */
export function loadModelConfig(): ModelConfig {
  loaded ??= readModelConfig();
  return loaded;
}

export interface ProviderCredentials {
  geminiApiKey: string;
  openaiApiKey: string;
}

/**
 * The API keys, from the secrets bound to the running function. Under the emulators a key may
 * also come from FAIRSHOT_EMULATOR_<SECRET> (the stand-ins' keys, see scripts/with-emulators.mjs):
 * the Functions emulator lets .secret.local's empty values win over the process environment.
 */
export function readCredentials(env: NodeJS.ProcessEnv = process.env): ProviderCredentials {
  const emulated = (name: string) =>
    env.FUNCTIONS_EMULATOR === "true" ? (env[`FAIRSHOT_EMULATOR_${name}`] ?? "") : "";
  return {
    geminiApiKey: GEMINI_API_KEY.value() || emulated(GEMINI_API_KEY.name),
    openaiApiKey: OPENAI_API_KEY.value() || emulated(OPENAI_API_KEY.name),
  };
}
