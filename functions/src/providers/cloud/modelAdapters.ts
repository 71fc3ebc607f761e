import { TextToSpeechClient } from "@google-cloud/text-to-speech";
import { GoogleGenAI, Modality, type GenerateContentResponse } from "@google/genai";
// google-gax is the Text-to-Speech client's own transport (a dependency of @google-cloud/text-to-speech).
import { googleAuthLibrary } from "google-gax";
import OpenAI from "openai";
import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { EMULATOR_ACCESS_TOKEN } from "../../emulatorAuth";
import type { Metered } from "../../models/cost";
import type { JsonRequest, ModelAdapter, SdkClients } from "../../models/modelAdapter";
import { ModelCallError } from "../../models/errors";
import { GEMINI_API_KEY, OPENAI_API_KEY, type ModelConfig, type ProviderCredentials } from "../../models/modelConfig";
import type { ProviderName } from "../../contract/providers";
import { encodeWav } from "../../models/wav";
import { googleRestOptions } from "../../googleRest";

/** Gemini bills thinking tokens as output. */
function geminiUsage(response: GenerateContentResponse): Metered<never>["usage"] {
  const usage = response.usageMetadata;
  if (usage?.promptTokenCount === undefined) return undefined;
  return {
    per: "token",
    inputTokens: usage.promptTokenCount,
    outputTokens: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
  };
}

/** Finish reasons under which Gemini withheld the reply for policy reasons. */
const GEMINI_POLICY_FINISH = new Set([
  "SAFETY",
  "PROHIBITED_CONTENT",
  "BLOCKLIST",
  "SPII",
  "IMAGE_SAFETY",
  "RECITATION",
]);

function usableGeminiParts(response: GenerateContentResponse) {
  const blockReason = response.promptFeedback?.blockReason;
  if (blockReason) throw new ModelCallError("content_policy", `prompt blocked: ${blockReason}`);
  const candidate = response.candidates?.[0];
  if (!candidate) throw new ModelCallError("invalid_output", "the reply has no candidate");
  const finish = candidate.finishReason ?? "";
  if (GEMINI_POLICY_FINISH.has(finish)) throw new ModelCallError("content_policy", `reply withheld: ${finish}`);
  if (finish === "MAX_TOKENS") throw new ModelCallError("invalid_output", "reply cut at the token limit");
  return candidate.content?.parts ?? [];
}

/** Gemini TTS answers raw 16-bit PCM as e.g. "audio/L16;codec=pcm;rate=24000". */
function pcmRate(mimeType: string): number {
  const match = /rate=(\d+)/.exec(mimeType);
  return match ? Number(match[1]) : 24_000;
}

export class GeminiAdapter implements ModelAdapter {
  constructor(private readonly client: GoogleGenAI) {}

  async generateJson(model: string, request: JsonRequest, timeoutMs: number): Promise<Metered<string>> {
    const imagePart = request.image
      ? [{ inlineData: { mimeType: request.image.mimeType, data: request.image.data.toString("base64") } }]
      : [];
    const response = await this.client.models.generateContent({
      model,
      contents: [{ role: "user", parts: [...imagePart, { text: request.user }] }],
      config: {
        systemInstruction: request.system,
        responseMimeType: "application/json",
        responseJsonSchema: request.replySchema.jsonSchema,
        httpOptions: { timeout: timeoutMs },
      },
    });
    const text = usableGeminiParts(response)
      .filter((part) => typeof part.text === "string" && !part.thought)
      .map((part) => part.text)
      .join("");
    if (!text.trim()) throw new ModelCallError("invalid_output", "the reply has no text");
    return { value: text, usage: geminiUsage(response) };
  }

  async speak(model: string, voice: string, text: string, timeoutMs: number): Promise<Metered<Buffer>> {
    const response = await this.client.models.generateContent({
      model,
      contents: [{ role: "user", parts: [{ text }] }],
      config: {
        responseModalities: [Modality.AUDIO],
        speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: voice } } },
        httpOptions: { timeout: timeoutMs },
      },
    });
    const audio = usableGeminiParts(response).find((part) => part.inlineData?.data)?.inlineData;
    if (!audio?.data) throw new ModelCallError("invalid_output", "the reply has no audio");
    const bytes = Buffer.from(audio.data, "base64");
    const usage = geminiUsage(response);
    if (audio.mimeType?.startsWith("audio/wav")) return { value: bytes, usage };
    return {
      value: encodeWav({ sampleRate: pcmRate(audio.mimeType ?? ""), channels: 1, bitsPerSample: 16, data: bytes }),
      usage,
    };
  }
}

export class OpenAiAdapter implements ModelAdapter {
  constructor(private readonly client: OpenAI) {}

  async generateJson(model: string, request: JsonRequest, timeoutMs: number): Promise<Metered<string>> {
    const content: ChatCompletionContentPart[] = [{ type: "text", text: request.user }];
    if (request.image) {
      const url = `data:${request.image.mimeType};base64,${request.image.data.toString("base64")}`;
      content.push({ type: "image_url", image_url: { url } });
    }
    const completion = await this.client.chat.completions.create(
      {
        model,
        // Not strict: strict mode accepts only a subset of JSON Schema (our length and count
        // limits among what it may refuse); zod enforces the full schema on the reply.
        response_format: {
          type: "json_schema",
          json_schema: { name: request.replySchema.name, schema: request.replySchema.jsonSchema, strict: false },
        },
        messages: [
          { role: "system", content: request.system },
          { role: "user", content: request.image ? content : request.user },
        ],
      },
      { timeout: timeoutMs, maxRetries: 0 },
    );
    const choice = completion.choices[0];
    if (!choice) throw new ModelCallError("invalid_output", "the reply has no choice");
    if (choice.message.refusal) throw new ModelCallError("content_policy", `refused: ${choice.message.refusal}`);
    if (choice.finish_reason === "content_filter") throw new ModelCallError("content_policy", "reply filtered");
    if (choice.finish_reason === "length") throw new ModelCallError("invalid_output", "reply cut at the token limit");
    const text = choice.message.content ?? "";
    if (!text.trim()) throw new ModelCallError("invalid_output", "the reply has no text");
    const usage = completion.usage;
    return {
      value: text,
      // completion_tokens include the reasoning tokens, billed as output.
      ...(usage
        ? { usage: { per: "token", inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } }
        : {}),
    };
  }

  /** /v1/audio/speech answers the audio alone, without usage: these calls are not costed. */
  async speak(model: string, voice: string, text: string, timeoutMs: number): Promise<Metered<Buffer>> {
    const response = await this.client.audio.speech.create(
      { model, voice, input: text, response_format: "wav" },
      { timeout: timeoutMs, maxRetries: 0 },
    );
    return { value: Buffer.from(await response.arrayBuffer()) };
  }
}

/** `en-US-Chirp3-HD-Kore` → `en-US`; Cloud Text-to-Speech voice names start with their language. */
export function voiceLanguage(voice: string): string {
  const [language, region] = voice.split("-");
  return region ? `${language}-${region}` : language;
}

/**
 * Cloud Text-to-Speech `text:synthesize` (voices only). LINEAR16 comes back as a WAV file (with its
 * header) at the rate asked for; Google bills the input's characters, which the request fixes.
 */
export class GoogleTtsAdapter implements ModelAdapter {
  constructor(private readonly client: TextToSpeechClient) {}

  async generateJson(model: string): Promise<Metered<string>> {
    throw new ModelCallError("auth_config", `${model} is a Cloud Text-to-Speech voice model: it writes no text`);
  }

  async speak(_model: string, voice: string, text: string, timeoutMs: number): Promise<Metered<Buffer>> {
    // `retry: null` keeps google-gax from retrying (and from hiding the API's error behind its own).
    const [response] = await this.client.synthesizeSpeech(
      {
        input: { text },
        voice: { languageCode: voiceLanguage(voice), name: voice },
        audioConfig: { audioEncoding: "LINEAR16", sampleRateHertz: 24_000 },
      },
      { timeout: timeoutMs, retry: null },
    );
    const audio = response.audioContent;
    if (!audio || audio.length === 0) throw new ModelCallError("invalid_output", "the reply has no audio");
    const value = typeof audio === "string" ? Buffer.from(audio, "base64") : Buffer.from(audio);
    return { value, usage: { per: "character", characters: text.length } };
  }
}

/** A provider whose key is not set: every call is an auth_config failure, without a request. */
class MissingKeyAdapter implements ModelAdapter {
  constructor(private readonly secretName: string) {}

  private fail(): never {
    throw new ModelCallError("auth_config", `the ${this.secretName} secret is empty`);
  }

  async generateJson(): Promise<Metered<string>> {
    return this.fail();
  }

  async speak(): Promise<Metered<Buffer>> {
    return this.fail();
  }
}

export type GoogleTtsClientOptions = ConstructorParameters<typeof TextToSpeechClient>[0];

export type GoogleAuthOption = Pick<NonNullable<GoogleTtsClientOptions>, "authClient">;

/**
 * Under the emulators there are no Google credentials: the Text-to-Speech client presents the
 * emulators' fixed token (through google-gax's own google-auth-library, the version it checks against).
 */
export function emulatorGoogleAuth(): GoogleAuthOption {
  const authClient = new googleAuthLibrary.OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
  authClient.setCredentials({ access_token: EMULATOR_ACCESS_TOKEN });
  return { authClient };
}

/** Client options for Cloud Text-to-Speech: REST at a gateway or stand-in's URL, as for Cloud Vision. */
export function googleTtsClientOptions(baseUrl: string | undefined): GoogleTtsClientOptions {
  return googleRestOptions(baseUrl);
}

/**
 * The SDK clients, built from the configuration; base URLs point at gateways or stand-ins.
 * SDK retries are off: our rules (errors.ts) decide about every retry.
 */
export function createSdkClients(
  providers: ModelConfig["providers"],
  credentials: ProviderCredentials,
  googleAuth: GoogleAuthOption = {},
): SdkClients {
  const { gemini, openai, googleTts } = providers;
  const httpOptions = {
    ...(gemini.baseUrl ? { baseUrl: gemini.baseUrl } : {}),
    ...(gemini.apiVersion ? { apiVersion: gemini.apiVersion } : {}),
    // No retryOptions: this SDK then sends each request exactly once (our rules retry).
  };
  return {
    gemini:
      gemini.backend === "vertex_ai"
        ? new GoogleGenAI({
            vertexai: true,
            project: gemini.vertexProject,
            location: gemini.vertexLocation,
            httpOptions,
          })
        : credentials.geminiApiKey
          ? new GoogleGenAI({ apiKey: credentials.geminiApiKey, httpOptions })
          : undefined,
    openai: credentials.openaiApiKey
      ? new OpenAI({ apiKey: credentials.openaiApiKey, baseURL: openai.baseUrl, maxRetries: 0 })
      : undefined,
    // The service account's credentials (or `googleAuth` under the emulators), found at the first call.
    googleTts: new TextToSpeechClient({ ...googleTtsClientOptions(googleTts.baseUrl), ...googleAuth }),
  };
}

/**
 * Where each provider's credentials come from, for the messages about missing ones: an API key
 * secret, or (Cloud Text-to-Speech) the functions' own service account.
 */
export const KEY_SECRETS: Record<ProviderName, string> = {
  gemini: GEMINI_API_KEY.name,
  openai: OPENAI_API_KEY.name,
  google_tts: "Google Cloud service account (Application Default Credentials)",
};

/** A provider without its key still loads, so a deployment may run on one provider alone. */
export function createAdapters(clients: SdkClients): Record<ProviderName, ModelAdapter> {
  return {
    gemini: clients.gemini ? new GeminiAdapter(clients.gemini) : new MissingKeyAdapter(KEY_SECRETS.gemini),
    openai: clients.openai ? new OpenAiAdapter(clients.openai) : new MissingKeyAdapter(KEY_SECRETS.openai),
    google_tts: clients.googleTts
      ? new GoogleTtsAdapter(clients.googleTts)
      : new MissingKeyAdapter(KEY_SECRETS.google_tts),
  };
}
