import { z } from "zod";
import { defineSecret, defineString } from "firebase-functions/params";
import { PROVIDERS, type ProviderName } from "../contract/providers";

/**
 * The one model configuration. Every model name in the code lives in this file;
 * a deployment overrides any top-level part of it with the MODEL_CHAINS param
 * (a JSON string), validated by the same schema as the defaults.
 */

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

/** A calendar day as YYYY-MM-DD (UTC); `what` names the field in the messages. */
const calendarDay = (what: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${what} must be a date as YYYY-MM-DD`)
    .refine((date) => {
      const ms = Date.parse(`${date}T00:00:00Z`);
      return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(date);
    }, `${what} is not a calendar date`);

/** A shutdown date as the providers announce it: YYYY-MM-DD, the model gone from 00:00 UTC that day. */
const ShutdownDateSchema = calendarDay("retiresOn");

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
 * API with GEMINI_API_KEY (providers/cloud/omni.ts) or Vertex AI's generateVideos with Google credentials
 * (providers/cloud/veo.ts). @google/genai 3.3 runs generateVideos on Vertex AI only.
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

/**
 * Music models run on Vertex AI's `predict` (models/music.ts) in VERTEX_PROJECT / VERTEX_LOCATION, with
 * the service account like Veo: Gemini-provider entries of the Lyria family only. The chain may be empty:
 * the project's own pad follows it in every run (media/musicBed.ts), then no music, recorded as none.
 */
const LYRIA_FAMILY = /^lyria-/;

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

/**
 * Cloud Text-to-Speech names a voice after its model family, e.g. `en-US-Chirp3-HD-Kore` is a
 * Chirp3-HD voice; an entry whose voice is not of its model would list one model and call another.
 */
function voiceProblem(entry: { provider: string; model: string; voice: string }): string | undefined {
  if (entry.provider !== "google_tts") return undefined;
  return entry.voice.includes(`-${entry.model}-`)
    ? undefined
    : `voice "${entry.voice}" is not a ${entry.model} voice (Cloud Text-to-Speech names voices <language>-${entry.model}-<name>)`;
}

function checkedChain<S extends typeof ModelEntrySchema | typeof VoiceEntrySchema | typeof VideoEntrySchema>(entry: S) {
  return z.array(entry).superRefine((chain, ctx) => {
    if (chain.length === 0) ctx.addIssue({ code: "custom", message: "the chain is empty" });
    chain.forEach((item, index) => {
      const problem =
        entryProblem(item) ?? ("voice" in item ? voiceProblem(item as z.infer<typeof VoiceEntrySchema>) : undefined);
      if (problem) ctx.addIssue({ code: "custom", path: [index], message: `"${item.model}": ${problem}` });
    });
  });
}

const musicChain = z.array(ModelEntrySchema).superRefine((chain, ctx) => {
  chain.forEach((item, index) => {
    const problem =
      entryProblem(item) ??
      (item.provider !== "gemini"
        ? "music models run on gemini (Vertex AI) only"
        : LYRIA_FAMILY.test(item.model)
          ? undefined
          : "unknown music model family: Vertex AI predict serves Lyria models (lyria-*) only");
    if (problem) ctx.addIssue({ code: "custom", path: [index], message: `"${item.model}": ${problem}` });
  });
});

/** Chains whose every entry must be on one of these providers (google_tts speaks, it does not write). */
const TEXT_PROVIDERS: readonly string[] = ["gemini", "openai"];

const usd = z.number().finite().min(0);

/**
 * What a provider bills for one model, in US dollars: per million input and output tokens (text
 * models, Gemini and OpenAI speech), per second of generated video (Veo, Omni), per million
 * characters of input (Cloud Text-to-Speech), or per call (a music clip, whatever its length).
 */
export const RateSchema = z.discriminatedUnion("per", [
  z.object({ per: z.literal("token"), inputPerMillion: usd, outputPerMillion: usd }).strict(),
  z.object({ per: z.literal("video_second"), usd }).strict(),
  z.object({ per: z.literal("character"), perMillion: usd }).strict(),
  z.object({ per: z.literal("call"), usd }).strict(),
]);
export type Rate = z.infer<typeof RateSchema>;
export type BillingUnit = Rate["per"];

/**
 * One model's price as its provider's pricing page states it, with the page and the day it was
 * read. `periods` holds dated changes: each period applies from its `from` day (00:00 UTC) until
 * the next one's; the first has no `from`.
 */
export const ModelPriceSchema = z
  .object({
    source: z.url(),
    readOn: calendarDay("readOn"),
    periods: z
      .array(z.object({ from: calendarDay("from").optional(), rate: RateSchema }).strict())
      .min(1)
      .superRefine((periods, ctx) => {
        periods.forEach((period, index) => {
          if (index === 0 && period.from !== undefined) {
            ctx.addIssue({ code: "custom", path: [index], message: "the first period has no `from`" });
          }
          const previous = periods[index - 1]?.from;
          if (index > 0 && (period.from === undefined || (previous !== undefined && period.from <= previous))) {
            ctx.addIssue({
              code: "custom",
              path: [index],
              message: "later periods need a `from` after the previous one",
            });
          }
          if (index > 0 && period.rate.per !== periods[0].rate.per) {
            ctx.addIssue({ code: "custom", path: [index], message: "every period bills in the same unit" });
          }
        });
      }),
  })
  .strict();
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

/** The key of a model in `prices`: `provider/model`. */
export const priceKey = (ref: { provider: string; model: string }) => `${ref.provider}/${ref.model}`;

/** The unit each chain's calls are measured in, so every configured price can be applied. */
function billingUnitFor(chain: string, provider: string): BillingUnit {
  if (chain === "video") return "video_second";
  if (chain === "music") return "call";
  if (chain === "voice" && provider === "google_tts") return "character";
  return "token";
}

const ms = z.number().int().min(0);

export const ModelConfigSchema = z
  .object({
    /** Script, and Visual DNA (vision models only), in order: primary, backup, fallback. */
    text: checkedChain(ModelEntrySchema).superRefine((chain, ctx) => {
      chain.forEach((item, index) => {
        if (!TEXT_PROVIDERS.includes(item.provider) && (PROVIDERS as readonly string[]).includes(item.provider)) {
          ctx.addIssue({
            code: "custom",
            path: [index],
            message: `"${item.model}": ${item.provider} serves voices only`,
          });
        }
      });
    }),
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
    /** Music beds, in order (Lyria on Vertex AI); the local pad, then none, follow. Absent: the pad alone. */
    music: musicChain.default([]),
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
        /** Cloud Text-to-Speech (google_tts voices): REST at this URL; gRPC to Google when absent. */
        googleTts: z.object({ baseUrl: z.url().optional() }).strict().default({}),
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
        /** Music entries on Vertex AI (VERTEX_PROJECT, VERTEX_LOCATION as video); `baseUrl` a gateway or stand-in. */
        music: z.object({ baseUrl: z.url().optional() }).strict().default({}),
      })
      .strict(),
    /** What each model costs, keyed `provider/model` (see priceKey); a model without one is not costed. */
    prices: z.record(z.string(), ModelPriceSchema).default({}),
    timeouts: z.object({ textMs: ms.min(1), voiceMs: ms.min(1), musicMs: ms.min(1).default(60_000) }).strict(),
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
    const chains: [string, { provider: string; model: string }[]][] = [
      ["text", config.text],
      ["voice", config.voice],
      ["video", config.video],
      ["music", config.music],
    ];
    for (const [chain, entries] of chains) {
      for (const entry of entries) {
        const price = config.prices[priceKey(entry)];
        const unit = billingUnitFor(chain, entry.provider);
        if (price && price.periods[0].rate.per !== unit) {
          ctx.addIssue({
            code: "custom",
            path: ["prices", priceKey(entry)],
            message: `billed per ${price.periods[0].rate.per}, but ${chain} calls are measured per ${unit}`,
          });
        }
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
export type MusicEntry = ParsedConfig["music"][number] & { provider: ProviderName };
export type ModelConfig = Omit<ParsedConfig, "text" | "voice" | "video" | "music"> & {
  text: ModelEntry[];
  voice: VoiceEntry[];
  video: VideoEntry[];
  music: MusicEntry[];
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
const GEMINI_PRICING = "https://ai.google.dev/gemini-api/docs/pricing";
const READ_ON = "2026-12-07";
const tokens = (inputPerMillion: number, outputPerMillion: number) => ({
  per: "token" as const,
  inputPerMillion,
  outputPerMillion,
});

/**
 * Prices as each provider bills them (USD; standard tier, paid, no batch or cache discounts, free
 * monthly allowances not deducted), read on 2026-12-07. Google's Gemini API page states the launch
 * prices of gemini-3.8-flash and the 3.8 TTS models "through December 31, 2026", doubled from
 * 2027-01-01. Gemini TTS bills text input tokens and audio output tokens; gpt-4o-mini-tts bills the
 * same way but /v1/audio/speech reports no usage, so its calls are not costed.
 */
const DEFAULT_PRICES: Record<string, z.input<typeof ModelPriceSchema>> = {
  "gemini/gemini-3.8-flash": {
    source: GEMINI_PRICING,
    readOn: READ_ON,
    periods: [{ rate: tokens(0.75, 3.75) }, { from: "2027-01-01", rate: tokens(1.5, 7.5) }],
  },
  "openai/gpt-6-luna": {
    source: "https://developers.openai.com/api/docs/models/gpt-6-luna",
    readOn: READ_ON,
    periods: [{ rate: tokens(0.1, 0.5) }],
  },
  "gemini/gemini-3.5-flash-lite": { source: GEMINI_PRICING, readOn: READ_ON, periods: [{ rate: tokens(0.3, 2.5) }] },
  "gemini/gemini-3.8-flash-tts": {
    source: GEMINI_PRICING,
    readOn: READ_ON,
    periods: [{ rate: tokens(0.5, 9) }, { from: "2027-01-01", rate: tokens(1, 18) }],
  },
  "gemini/gemini-3.8-flash-lite-tts": {
    source: GEMINI_PRICING,
    readOn: READ_ON,
    periods: [{ rate: tokens(0.5, 6) }, { from: "2027-01-01", rate: tokens(1, 12) }],
  },
  "google_tts/Chirp3-HD": {
    source: "https://cloud.google.com/text-to-speech/pricing",
    readOn: READ_ON,
    periods: [{ rate: { per: "character", perMillion: 30 } }],
  },
  "openai/gpt-4o-mini-tts": {
    source: "https://developers.openai.com/api/docs/pricing",
    readOn: READ_ON,
    periods: [{ rate: tokens(0.6, 12) }],
  },
  // Omni is billed in video output tokens (5,792 a second at 720p); the page gives the per-second price.
  "gemini/gemini-omni-1.2-flash": {
    source: GEMINI_PRICING,
    readOn: READ_ON,
    periods: [{ rate: { per: "video_second", usd: 0.1 } }],
  },
  "gemini/gemini-omni-1.1-flash": {
    source: GEMINI_PRICING,
    readOn: READ_ON,
    periods: [{ rate: { per: "video_second", usd: 0.1 } }],
  },
  // Vertex AI bills Veo 3.1 per second of video with audio (the default of veo-3.* models).
  "gemini/veo-3.1-generate-001": {
    source: "https://cloud.google.com/vertex-ai/generative-ai/pricing",
    readOn: READ_ON,
    periods: [{ rate: { per: "video_second", usd: 0.4 } }],
  },
  "gemini/veo-3.1-fast-generate-001": {
    source: "https://cloud.google.com/vertex-ai/generative-ai/pricing",
    readOn: READ_ON,
    periods: [{ rate: { per: "video_second", usd: 0.15 } }],
  },
};

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
    // Cloud Text-to-Speech, a second provider that outlives gpt-4o-mini-tts: Chirp 3: HD voices are GA (global, us, eu)
    // on texttospeech.googleapis.com v1 with no shutdown announced (https://docs.cloud.google.com/text-to-speech/docs/chirp3-hd,
    // read 2026-12-07). It runs on Google Cloud's own serving, not the Gemini API, with the
    // functions' service account, so a Gemini API outage or a bad GEMINI_API_KEY does not reach it.
    { provider: "google_tts", model: "Chirp3-HD", voice: "en-US-Chirp3-HD-Kore" },
    // Shuts down 2027-01-06 (developers.openai.com/api/docs/guides/text-to-speech and
    // developers.openai.com/api/docs/deprecations, read 2026-12-07); its named replacement is not
    // served on /v1/audio/speech.
    { provider: "openai", model: "gpt-4o-mini-tts", voice: "coral", retiresOn: "2027-01-06" },
  ],
  // Gemini Omni Flash first, on the Gemini API's Interactions API (https://ai.google.dev/gemini-api/docs/omni).
  // gemini-omni-1.2-flash is the Gemini API's video default in Google's own SDKs since 2026-11-10
  // (https://github.com/googleapis/java-genai/releases/tag/v2.1.0: "add gemini-omni-1.2-flash and make it the
  // gemini-api video default"; read 2026-12-07), a stable id without -preview. gemini-omni-1.1-flash (GA
  // 2026-08-27, https://ai.google.dev/gemini-api/docs/changelog) stays behind it while Google serves it: no
  // shutdown date is announced for it (https://ai.google.dev/gemini-api/docs/deprecations, read 2026-12-07).
  // On Vertex AI Omni is only the preview gemini-omni-flash-preview, which chains do not take. Then Veo 3.1
  // and its fast variant on Vertex AI (served and rate-limited apart). Veo ids from Google's Vertex AI Veo
  // pages (https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/veo/3-0-generate: veo-3.0-*-001
  // retired on 2026-06-30, migrate to veo-3.1-generate-001 / veo-3.1-fast-generate-001). No shutdown date is
  // announced for any of them (read 2026-12-07), so none carries retiresOn.
  video: [
    { provider: "gemini", api: "gemini_api", model: "gemini-omni-1.2-flash" },
    { provider: "gemini", api: "gemini_api", model: "gemini-omni-1.1-flash" },
    { provider: "gemini", api: "vertex_ai", model: "veo-3.1-generate-001" },
    { provider: "gemini", api: "vertex_ai", model: "veo-3.1-fast-generate-001" },
  ],
  // Lyria 2 on Vertex AI: GA, instrumental only, ~30 s of 48 kHz WAV a call
  // (https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/lyria-music-generation and
  // https://cloud.google.com/vertex-ai/generative-ai/docs/music/generate-music, read 2026-12-07); no shutdown
  // date announced, so no retiresOn. Its price is on Google's Vertex AI pricing page, which could not be read
  // on 2026-12-07: it has no entry in `prices` and its calls are not costed until one is added (per call).
  // The Gemini API's Lyria 3 models are previews (lyria-3-clip-preview, lyria-3-pro-preview): chains take none.
  music: [{ provider: "gemini", model: "lyria-002" }],
  prices: DEFAULT_PRICES,
  providers: {
    gemini: { backend: "gemini_api" },
    openai: {},
    vision: {},
    googleTts: {},
    video: { geminiApi: {} },
    music: {},
  },
  timeouts: { textMs: 60_000, voiceMs: 90_000, musicMs: 60_000 },
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
  /** Video entries carry the API they run on, voice entries their voice. */
  entries: (ModelEntry & { api?: VideoApi; voice?: string })[];
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
