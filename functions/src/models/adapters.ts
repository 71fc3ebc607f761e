import { GoogleGenAI, Modality, type GenerateContentResponse } from "@google/genai";
import OpenAI from "openai";
import type { ChatCompletionContentPart } from "openai/resources/chat/completions";
import { ModelCallError } from "./errors";
import {
  GEMINI_API_KEY,
  OPENAI_API_KEY,
  type ModelConfig,
  type ProviderCredentials,
  type ProviderName,
} from "./modelConfig";
import { encodeWav } from "./wav";

/** A prompt that asks for one JSON object, with the product image when the stage needs it. */
export interface JsonRequest {
  system: string;
  user: string;
  image?: { data: Buffer; mimeType: string };
  /**
   * The reply's JSON Schema, sent through each SDK's structured-output option so the model is
   * held to it, not only asked in the prompt. zod and the quality check still judge the reply.
   */
  replySchema: { name: string; jsonSchema: Record<string, unknown> };
}

/**
 * One provider's calls, on its official SDK. SDK retries are off: our rules
 * (errors.ts) decide about every retry. Anything thrown goes to classifyError.
 */
export interface ModelAdapter {
  /** The reply's raw text, which should be a JSON object. */
  generateJson(model: string, request: JsonRequest, timeoutMs: number): Promise<string>;
  /** PCM WAV bytes. */
  speak(model: string, voice: string, text: string, timeoutMs: number): Promise<Buffer>;
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

  async generateJson(model: string, request: JsonRequest, timeoutMs: number): Promise<string> {
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
    return text;
  }

  async speak(model: string, voice: string, text: string, timeoutMs: number): Promise<Buffer> {
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
    if (audio.mimeType?.startsWith("audio/wav")) return bytes;
    return encodeWav({ sampleRate: pcmRate(audio.mimeType ?? ""), channels: 1, bitsPerSample: 16, data: bytes });
  }
}

export class OpenAiAdapter implements ModelAdapter {
  constructor(private readonly client: OpenAI) {}

  async generateJson(model: string, request: JsonRequest, timeoutMs: number): Promise<string> {
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
    return text;
  }

  async speak(model: string, voice: string, text: string, timeoutMs: number): Promise<Buffer> {
    const response = await this.client.audio.speech.create(
      { model, voice, input: text, response_format: "wav" },
      { timeout: timeoutMs, maxRetries: 0 },
    );
    return Buffer.from(await response.arrayBuffer());
  }
}

/** A provider whose key is not set: every call is an auth_config failure, without a request. */
class MissingKeyAdapter implements ModelAdapter {
  constructor(private readonly secretName: string) {}

  private fail(): never {
    throw new ModelCallError("auth_config", `the ${this.secretName} secret is empty`);
  }

  async generateJson(): Promise<string> {
    return this.fail();
  }

  async speak(): Promise<Buffer> {
    return this.fail();
  }
}

/** The providers' SDK clients; a provider without its key has none. */
export interface SdkClients {
  gemini?: GoogleGenAI;
  openai?: OpenAI;
}

/**
 * The SDK clients, built from the configuration; base URLs point at gateways or stand-ins.
 * SDK retries are off: our rules (errors.ts) decide about every retry.
 */
export function createSdkClients(providers: ModelConfig["providers"], credentials: ProviderCredentials): SdkClients {
  const { gemini, openai } = providers;
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
  };
}

/** The secret each provider's key comes from, for the messages about a missing one. */
export const KEY_SECRETS: Record<ProviderName, string> = {
  gemini: GEMINI_API_KEY.name,
  openai: OPENAI_API_KEY.name,
};

/** A provider without its key still loads, so a deployment may run on one provider alone. */
export function createAdapters(clients: SdkClients): Record<ProviderName, ModelAdapter> {
  return {
    gemini: clients.gemini ? new GeminiAdapter(clients.gemini) : new MissingKeyAdapter(KEY_SECRETS.gemini),
    openai: clients.openai ? new OpenAiAdapter(clients.openai) : new MissingKeyAdapter(KEY_SECRETS.openai),
  };
}
