import { encodeWav } from "../../models/wav";
import { googleApiError as apiError, ReplyScript, scriptedStandin, startHttpStandin } from "./httpStandin";
import type { ScriptedStandin, StandinReply, StandinRequest } from "./httpStandin";

/**
 * A loopback stand-in of Lyria on Vertex AI's `predict` endpoint, answering with the URL and JSON the
 * music client sends and parses (models/music.ts, from Google's Lyria API reference):
 *   POST /v1/projects/{p}/locations/{l}/publishers/google/models/{model}:predict
 *        {instances: [{prompt, negative_prompt?, seed?}], parameters: {sample_count?}}
 *     -> {predictions: [{audioContent: base64 WAV, mimeType: "audio/wav"}], model, modelDisplayName}
 *   GET  /v1beta1/publishers/google/models -> {publisherModels: [{name}]} (models.list with queryBase,
 *        as models:check lists them through @google/genai)
 * Requests need `Authorization: Bearer <accessToken>`; errors use Google's envelope {error: {code,
 * message, status}}. A model it does not have answers 404 NOT_FOUND; `seed` together with
 * `sample_count` is refused 400, as the API documents. Unscripted, a model answers a 30 s clip of
 * 48 kHz stereo music (a slow two-chord figure), as Lyria does.
 */

export interface LyriaStandinOptions {
  accessToken: string;
  /** Models that exist; others answer 404. Default: lyria-002. */
  models?: string[];
  port?: number;
}

export interface LyriaStandin extends ScriptedStandin {
  /** Requests refused for their credentials. */
  readonly unauthorized: number;
}

const SAMPLE_RATE = 48_000;

/** `seconds` of 16-bit stereo music: two alternating triads, each note at a moderate level. */
export function musicWav(seconds: number): Buffer {
  const chords = [
    [220, 277.18, 329.63],
    [196, 246.94, 293.66],
  ];
  const frames = Math.round(seconds * SAMPLE_RATE);
  const pcm = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    const t = i / SAMPLE_RATE;
    const notes = chords[Math.floor(t / 2) % chords.length];
    const value = notes.reduce((sum, hz) => sum + Math.sin(2 * Math.PI * hz * t), 0) * 5_000;
    const sample = Math.round(value);
    pcm.writeInt16LE(sample, i * 4);
    pcm.writeInt16LE(sample, i * 4 + 2);
  }
  return encodeWav({ sampleRate: SAMPLE_RATE, channels: 2, bitsPerSample: 16, data: pcm });
}

let clip: string | undefined;
/** Lyria's clip length, made once per process. */
const thirtySeconds = () => (clip ??= musicWav(30).toString("base64"));

export const lyriaReplies = {
  music: (wav: Buffer = Buffer.from(thirtySeconds(), "base64")): StandinReply => ({
    status: 200,
    json: { predictions: [{ audioContent: wav.toString("base64"), mimeType: "audio/wav" }] },
  }),
  unavailable: () => apiError(503, "The service is currently unavailable."),
  quota: () => apiError(429, "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model."),
  blocked: () => apiError(400, "The prompt could not be submitted: it was blocked by the safety filters."),
};

const PREDICT = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):predict$/;

export async function startLyriaStandin(options: LyriaStandinOptions): Promise<LyriaStandin> {
  const models = new Set(options.models ?? ["lyria-002"]);
  let unauthorized = 0;
  const script = new ReplyScript(() => ({
    status: 200,
    json: {
      predictions: [{ audioContent: thirtySeconds(), mimeType: "audio/wav" }],
      deployedModelId: "",
      modelDisplayName: "Lyria 2",
    },
  }));

  const route = (request: StandinRequest): StandinReply => {
    if (request.headers.authorization !== `Bearer ${options.accessToken}`) {
      unauthorized++;
      return apiError(401, "Request had invalid authentication credentials.");
    }
    if (request.method === "GET" && request.path === "/v1beta1/publishers/google/models") {
      return {
        status: 200,
        json: { publisherModels: [...models].map((m) => ({ name: `publishers/google/models/${m}` })) },
      };
    }
    const match = PREDICT.exec(request.path);
    if (request.method !== "POST" || !match) return apiError(404, `No route for ${request.method} ${request.path}.`);
    const model = decodeURIComponent(match[3]);
    if (!models.has(model)) {
      return apiError(
        404,
        `Publisher Model \`projects/${match[1]}/locations/${match[2]}/publishers/google/models/${model}\` was not found or your project does not have access to it.`,
      );
    }
    let body: { instances?: { prompt?: unknown; seed?: unknown }[]; parameters?: { sample_count?: unknown } };
    try {
      body = JSON.parse(request.body.toString("utf8"));
    } catch {
      return apiError(400, "Invalid JSON payload received.");
    }
    const instance = body.instances?.[0];
    if (typeof instance?.prompt !== "string" || !instance.prompt.trim()) {
      return apiError(400, "instances[0].prompt is required.");
    }
    if (instance.seed !== undefined && body.parameters?.sample_count !== undefined) {
      return apiError(400, "seed and sample_count cannot be used in the same request.");
    }
    return script.take(model, body);
  };

  const server = await startHttpStandin(route, options.port);
  return {
    ...scriptedStandin(server, script),
    get unauthorized() {
      return unauthorized;
    },
  };
}
