/**
 * What the model chains ask of a provider's SDK, as types: the request, one provider's calls and the SDK
 * clients. The adapters on each SDK are in providers/cloud/modelAdapters.ts.
 */
import type { TextToSpeechClient } from "@google-cloud/text-to-speech";
import type { GoogleGenAI } from "@google/genai";
import type OpenAI from "openai";
import type { Metered } from "./cost";

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
 * Each result carries what the call used when the provider reports it, for its cost.
 */
export interface ModelAdapter {
  /** The reply's raw text, which should be a JSON object. */
  generateJson(model: string, request: JsonRequest, timeoutMs: number): Promise<Metered<string>>;
  /** PCM WAV bytes. */
  speak(model: string, voice: string, text: string, timeoutMs: number): Promise<Metered<Buffer>>;
}

/** The providers' SDK clients; a provider without its key has none. */
export interface SdkClients {
  gemini?: GoogleGenAI;
  openai?: OpenAI;
  googleTts?: TextToSpeechClient;
}
