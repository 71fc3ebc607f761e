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

const ModelEntrySchema = z
  .object({
    provider: z.string(),
    model: z.string().trim().min(1),
    /** Accepts an image in the prompt: Visual DNA uses only these. */
    vision: z.boolean().default(false),
    /** Preview models are refused unless their entry says so explicitly. */
    allowPreview: z.boolean().default(false),
  })
  .strict();

const VoiceEntrySchema = ModelEntrySchema.extend({ voice: z.string().trim().min(1) }).strict();

type RawEntry = z.infer<typeof ModelEntrySchema>;

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
  return undefined;
}

function checkedChain<S extends typeof ModelEntrySchema | typeof VoiceEntrySchema>(entry: S) {
  return z.array(entry).superRefine((chain, ctx) => {
    if (chain.length === 0) ctx.addIssue({ code: "custom", message: "the chain is empty" });
    chain.forEach((item, index) => {
      const problem = entryProblem(item);
      if (problem) ctx.addIssue({ code: "custom", path: [index], message: `"${item.model}": ${problem}` });
    });
  });
}

const VideoEntrySchema = ModelEntrySchema.superRefine((item, ctx) => {
  const problem = entryProblem(item);
  if (problem) ctx.addIssue({ code: "custom", message: `"${item.model}": ${problem}` });
});

const ms = z.number().int().min(0);

export const ModelConfigSchema = z
  .object({
    /** Script, and Visual DNA (vision models only), in order: primary, backup, fallback. */
    text: checkedChain(ModelEntrySchema),
    voice: checkedChain(VoiceEntrySchema),
    /** Read only by the video adapter, which takes the model name as a parameter. */
    video: VideoEntrySchema,
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
export type ModelConfig = Omit<ParsedConfig, "text" | "voice" | "video"> & {
  text: ModelEntry[];
  voice: VoiceEntry[];
  video: ModelEntry;
};

export const DEFAULT_MODEL_CONFIG: z.input<typeof ModelConfigSchema> = {
  text: [
    { provider: "gemini", model: "gemini-2.5-flash", vision: true },
    { provider: "openai", model: "gpt-4o-mini", vision: true },
    { provider: "openai", model: "gpt-3.5-turbo", vision: false },
  ],
  voice: [
    { provider: "gemini", model: "gemini-2.5-flash-preview-tts", voice: "Kore", allowPreview: true },
    { provider: "openai", model: "gpt-4o-mini-tts", voice: "coral" },
  ],
  video: { provider: "gemini", model: "veo-3.1-generate-preview", allowPreview: true },
  providers: { gemini: { backend: "gemini_api" }, openai: {} },
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

/**
 * Validates a configuration. Throws ModelConfigError whose message names each bad
 * entry, e.g. `text[0] "gemini-2.0-flash-exp": experimental models are not allowed`.
 */
export function parseModelConfig(raw: unknown): ModelConfig {
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
  return result.data as ModelConfig;
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
export function readModelConfig(): ModelConfig {
  const merged = mergeOverride(MODEL_CHAINS.value()) as z.input<typeof ModelConfigSchema>;
  const vertex = {
    ...(VERTEX_PROJECT.value() ? { vertexProject: VERTEX_PROJECT.value() } : {}),
    ...(VERTEX_LOCATION.value() ? { vertexLocation: VERTEX_LOCATION.value() } : {}),
  };
  const providers = merged.providers ?? {};
  return parseModelConfig({ ...merged, providers: { ...providers, gemini: { ...providers.gemini, ...vertex } } });
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

/** The API keys, from the secrets bound to the running function. */
export function readCredentials(): ProviderCredentials {
  return { geminiApiKey: GEMINI_API_KEY.value(), openaiApiKey: OPENAI_API_KEY.value() };
}
