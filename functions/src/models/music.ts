/**
 * The music chain's cloud models: Lyria on Vertex AI, through its REST `predict` endpoint
 * (https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/lyria-music-generation, read
 * 2026-12-07):
 *   POST https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:predict
 *        {instances: [{prompt, negative_prompt?, seed?}], parameters: {sample_count?}}
 *     -> {predictions: [{audioContent: base64 WAV, mimeType: "audio/wav"}], model, modelDisplayName}
 * Each clip is instrumental, about 30 s of 48 kHz WAV; prompts are US English. No Google client library
 * wraps this endpoint in Node (@google/genai has no `predict`), so the request is plain HTTPS with the
 * service account's token from google-auth-library, the auth every Google client here uses.
 */
import { GoogleAuth, type AuthClient } from "google-auth-library";
import type { CallContext, MusicBed, MusicProvider, Served } from "../contract/providers";
import type { Metered } from "./cost";
import { ModelCallError } from "./errors";
import { serveWithFallback, type FallbackRuntime } from "./fallback";
import type { Attempt, ErrorClass } from "../contract/run";
import type { MusicEntry } from "./modelConfig";
import { inspectMusic } from "./replyChecks";

export interface LyriaEndpoint {
  project: string;
  location: string;
  /** A gateway or a loopback stand-in; `https://{location}-aiplatform.googleapis.com` when absent. */
  baseUrl?: string;
  /** Credentials other than Application Default Credentials (the emulators' fixed token). */
  authClient?: AuthClient;
}

/** What the music is asked to be: a bed under a voice-over, never a song. */
export interface MusicPrompt {
  prompt: string;
  negativePrompt: string;
}

/** Google's error envelope `{error: {code, message, status}}`, as far as it was sent. */
interface GoogleError {
  code?: number;
  message?: string;
  status?: string;
}

/** The HTTP answer's class under the chain's rules (errors.ts). Pure. */
export function classifyLyriaStatus(httpStatus: number, error: GoogleError): ErrorClass {
  if (httpStatus === 404) return "not_found";
  if (httpStatus === 429) return "rate_limited";
  if (httpStatus === 401 || httpStatus === 403) return "auth_config";
  if (httpStatus >= 500) return "transient";
  // Lyria refuses prompts its safety, recitation or artist-intent checks stop as invalid arguments.
  if (httpStatus === 400 && /safety|recitation|blocked|artist/i.test(error.message ?? "")) return "content_policy";
  return "unknown";
}

export class LyriaClient {
  private readonly auth: AuthClient | GoogleAuth;
  private readonly baseUrl: string;

  constructor(private readonly endpoint: LyriaEndpoint) {
    this.auth = endpoint.authClient ?? new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
    this.baseUrl = (endpoint.baseUrl ?? `https://${endpoint.location}-aiplatform.googleapis.com`).replace(/\/$/, "");
  }

  /** One generation of one clip: the WAV bytes. Throws ModelCallError for an answer the chain must judge. */
  async generate(model: string, prompt: MusicPrompt, timeoutMs: number): Promise<Metered<Buffer>> {
    const { project, location } = this.endpoint;
    const url =
      `${this.baseUrl}/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}` +
      `/publishers/google/models/${encodeURIComponent(model)}:predict`;
    const token = await this.auth.getAccessToken();
    const accessToken = typeof token === "string" ? token : token?.token;
    if (!accessToken) throw new ModelCallError("auth_config", "no Google access token for Vertex AI");
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        instances: [{ prompt: prompt.prompt, negative_prompt: prompt.negativePrompt }],
        parameters: { sample_count: 1 },
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const error = ((body as { error?: GoogleError } | undefined)?.error ?? {}) as GoogleError;
      throw new ModelCallError(
        classifyLyriaStatus(response.status, error),
        `${response.status} ${error.status ?? ""}: ${error.message ?? text.slice(0, 120)}`,
      );
    }
    const prediction = (body as { predictions?: { audioContent?: unknown; mimeType?: unknown }[] } | undefined)
      ?.predictions?.[0];
    if (typeof prediction?.audioContent !== "string" || !prediction.audioContent) {
      throw new ModelCallError("invalid_output", "the reply has no audio");
    }
    // Billed per generated clip, whatever its length.
    return { value: Buffer.from(prediction.audioContent, "base64"), usage: { per: "call", calls: 1 } };
  }
}

/** The prompt of a bed for an ad: calm, instrumental, nothing that competes with a voice. */
export function bedPrompt(mood: string): MusicPrompt {
  return {
    prompt:
      `A soft, warm instrumental background bed for a short product advertisement, ${mood}. ` +
      "Sustained pads and gentle chords, steady and unobtrusive, mixed to sit under a voice-over.",
    negativePrompt: "vocals, singing, speech, lyrics, drums solo, sudden changes, loud transients",
  };
}

/** No music model of the chain delivered: the next source (the local pad) serves; the attempts go on the record. */
export class MusicChainExhausted extends Error {
  constructor(
    readonly summary: string,
    readonly attempts: Attempt[],
  ) {
    super(`no music model delivered: ${summary}`);
    this.name = "MusicChainExhausted";
  }
}

/** The cloud music models in order, under the same fallback rules as the text and voice chains. */
export class CloudMusicProvider implements MusicProvider {
  constructor(
    private readonly chain: MusicEntry[],
    private readonly client: LyriaClient,
    private readonly timeoutMs: number,
    private readonly runtime: FallbackRuntime,
  ) {}

  compose(req: { mood: string }, ctx: CallContext): Promise<Served<MusicBed>> {
    const prompt = bedPrompt(req.mood);
    return serveWithFallback({
      stage: "voice",
      chain: this.chain,
      runtime: this.runtime,
      runId: ctx.runId,
      invoke: async (entry) => {
        const audio = await this.client.generate(entry.model, prompt, this.timeoutMs);
        const { music, problems } = inspectMusic(audio.value);
        if (!music) throw new ModelCallError("invalid_output", `unusable audio: ${problems.join("; ")}`);
        return { value: music, usage: audio.usage };
      },
      exhausted: (summary, attempts) => new MusicChainExhausted(summary, attempts),
    });
  }
}
