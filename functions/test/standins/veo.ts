import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../../src/media/binaries";
import { startHttpStandin } from "./httpStandin";
import type { StandinReply, StandinRequest } from "./httpStandin";

/**
 * A loopback stand-in of the Gemini API's Veo endpoints, answering with the URLs and JSON
 * shapes that @google/genai 2.32 sends and parses (Gemini API backend, apiVersion v1beta):
 *   POST /v1beta/models/{model}:predictLongRunning  -> {name: "models/{model}/operations/{id}"}
 *   GET  /v1beta/models/{model}/operations/{id}     -> {name, done, response: {generateVideoResponse}} | {name, done, error}
 *   GET  /v1beta/files/{id}:download?alt=media      -> 302 to the clip, as the real API redirects to storage
 * Errors use the API's envelope {error: {code, message, status, details?}} with JSON content type.
 */

/** The generated video's URI as the real API states it; the SDK keeps only the file id and asks its own base URL. */
const FILES_URI_PREFIX = "https://generativelanguage.googleapis.com/v1beta/files/";

export type VeoTerminal =
  /** `uri` (the Gemini API's answer), `bytes` (inline `encodedVideo`), or `corrupt` (a URI serving non-video bytes). */
  | { kind: "video"; delivery?: "uri" | "bytes" | "corrupt" }
  | { kind: "filtered"; reasons: string[] }
  /** A finished operation carrying a google.rpc.Status. */
  | { kind: "error"; code: number; message: string };

export interface VeoScript {
  /** Polls answered `done: false` before the terminal answer. Default 0. */
  pendingPolls?: number;
  /** Default: a video delivered by URI. */
  result?: VeoTerminal;
  /** The first K submissions of this prompt are answered 429 RESOURCE_EXHAUSTED. */
  rateLimitedSubmits?: number;
  /** The first K polls of each operation are answered 429 RESOURCE_EXHAUSTED. */
  rateLimitedPolls?: number;
  /** Every poll is answered only after this long (client timeouts). */
  pollDelayMs?: number;
}

export interface VeoStandinOptions {
  /** Where rendered clips are kept. */
  workDir: string;
  /** When set, every API request must carry it in x-goog-api-key. */
  apiKey?: string;
  /** Models that exist; others answer 404 NOT_FOUND. Default: veo-3.1-generate-preview. */
  models?: string[];
  /** The behaviour for a scene, chosen by its prompt. Default: an immediate video. */
  script?: (prompt: string) => VeoScript;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The query string without "?". */
  query: string;
  apiKey?: string;
  body?: unknown;
}

export interface VeoStandin {
  baseUrl: string;
  calls: { submit: number; poll: number; download: number };
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const SubmitBodySchema = z
  .object({
    instances: z
      .array(
        z.object({
          prompt: z.string().min(1),
          image: z.object({ bytesBase64Encoded: z.string().min(1), mimeType: z.string().min(1) }).optional(),
        }),
      )
      .length(1),
    parameters: z
      .object({
        aspectRatio: z.enum(["16:9", "9:16"]).optional(),
        durationSeconds: z.union([z.literal(4), z.literal(6), z.literal(8)]).optional(),
        sampleCount: z.number().int().min(1).max(4).optional(),
        personGeneration: z.enum(["dont_allow", "allow_adult", "allow_all"]).optional(),
      })
      .optional(),
  })
  .strict();

interface OperationState {
  model: string;
  script: VeoScript;
  polls: number;
  aspectRatio: "16:9" | "9:16";
  durationSeconds: number;
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
};

function apiError(httpStatus: number, message: string, details?: unknown[]): StandinReply {
  return {
    status: httpStatus,
    json: { error: { code: httpStatus, message, status: STATUS_NAMES[httpStatus], details } },
  };
}

/** Veo's 720p frame sizes, scaled down 8/3 to keep test clips small. */
const FRAME_SIZE = { "9:16": "270x480", "16:9": "480x270" } as const;

/** A real H.264 + AAC MP4 at Veo's 24 fps, `seconds` long. */
export async function renderTestClip(file: string, seconds: number, aspectRatio: "16:9" | "9:16"): Promise<void> {
  await runFfmpeg([
    ...FFMPEG_BATCH_OPTIONS,
    "-f",
    "lavfi",
    "-i",
    `testsrc=size=${FRAME_SIZE[aspectRatio]}:rate=24`,
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=48000",
    "-t",
    String(seconds),
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-movflags",
    "+faststart",
    file,
  ]);
}

export async function startVeoStandin(options: VeoStandinOptions): Promise<VeoStandin> {
  const models = new Set(options.models ?? ["veo-3.1-generate-preview"]);
  const script = options.script ?? ((): VeoScript => ({}));
  const operations = new Map<string, OperationState>();
  const submitsByPrompt = new Map<string, number>();
  /** file id -> clip on disk, or "corrupt" for a download that is not a video. */
  const files = new Map<string, string>();
  const clips = new Map<string, Promise<string>>();
  const calls = { submit: 0, poll: 0, download: 0 };
  const requests: RecordedRequest[] = [];
  await mkdir(options.workDir, { recursive: true });

  const clip = (seconds: number, aspectRatio: "16:9" | "9:16"): Promise<string> => {
    const key = `${aspectRatio.replace(":", "x")}-${seconds}s`;
    let rendered = clips.get(key);
    if (!rendered) {
      const file = join(options.workDir, `veo-${key}.mp4`);
      rendered = renderTestClip(file, seconds, aspectRatio).then(() => file);
      clips.set(key, rendered);
    }
    return rendered;
  };

  const submit = (model: string, body: unknown): StandinReply => {
    calls.submit++;
    if (!models.has(model)) {
      return apiError(
        404,
        `models/${model} is not found for API version v1beta, or is not supported for predictLongRunning. Call ListModels to see the list of available models and their supported methods.`,
      );
    }
    const parsed = SubmitBodySchema.safeParse(body);
    if (!parsed.success) {
      return apiError(400, `Invalid request: ${parsed.error.issues.map((issue) => issue.message).join("; ")}`);
    }
    const { prompt } = parsed.data.instances[0];
    const scene = script(prompt);
    const submits = (submitsByPrompt.get(prompt) ?? 0) + 1;
    submitsByPrompt.set(prompt, submits);
    if (submits <= (scene.rateLimitedSubmits ?? 0)) {
      return apiError(429, "You exceeded your current quota, please check your plan and billing details.");
    }
    const id = randomBytes(6).toString("hex");
    operations.set(id, {
      model,
      script: scene,
      polls: 0,
      aspectRatio: parsed.data.parameters?.aspectRatio ?? "16:9",
      durationSeconds: parsed.data.parameters?.durationSeconds ?? 8,
    });
    return { status: 200, json: { name: `models/${model}/operations/${id}` } };
  };

  const finished = async (state: OperationState): Promise<Record<string, unknown>> => {
    const result = state.script.result ?? { kind: "video" };
    if (result.kind === "error") return { error: { code: result.code, message: result.message } };
    if (result.kind === "filtered") {
      return {
        response: {
          "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
          generateVideoResponse: {
            raiMediaFilteredCount: result.reasons.length,
            raiMediaFilteredReasons: result.reasons,
          },
        },
      };
    }
    const file = await clip(state.durationSeconds, state.aspectRatio);
    const delivery = result.delivery ?? "uri";
    let video: Record<string, string>;
    if (delivery === "bytes") {
      video = { encodedVideo: (await readFile(file)).toString("base64"), encoding: "video/mp4" };
    } else {
      const fileId = randomBytes(6).toString("hex");
      files.set(fileId, delivery === "corrupt" ? "corrupt" : file);
      video = { uri: `${FILES_URI_PREFIX}${fileId}:download?alt=media` };
    }
    return {
      response: {
        "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
        generateVideoResponse: { generatedSamples: [{ video }] },
      },
    };
  };

  const poll = async (model: string, id: string): Promise<StandinReply> => {
    calls.poll++;
    const state = operations.get(id);
    if (!state || state.model !== model) return apiError(404, `Operation models/${model}/operations/${id} not found.`);
    const delayMs = state.script.pollDelayMs;
    if (delayMs) return { ...(await answerPoll(model, id, state)), delayMs };
    return answerPoll(model, id, state);
  };

  const answerPoll = async (model: string, id: string, state: OperationState): Promise<StandinReply> => {
    state.polls++;
    const rateLimitedPolls = state.script.rateLimitedPolls ?? 0;
    if (state.polls <= rateLimitedPolls) return apiError(429, "Resource has been exhausted (e.g. check quota).");
    const name = `models/${model}/operations/${id}`;
    if (state.polls - rateLimitedPolls <= (state.script.pendingPolls ?? 0)) {
      return { status: 200, json: { name, done: false } };
    }
    return { status: 200, json: { name, done: true, ...(await finished(state)) } };
  };

  /** The real API redirects a file download to storage; the stand-in redirects to itself. */
  const download = (id: string, query: URLSearchParams): StandinReply => {
    calls.download++;
    if (!files.has(id) || query.get("alt") !== "media") {
      return apiError(404, `File files/${id} not found or not requested as media.`);
    }
    return { status: 302, bytes: Buffer.alloc(0), headers: { location: `/standin-media/${id}.mp4` } };
  };

  const media = async (id: string): Promise<StandinReply> => {
    const file = files.get(id);
    if (!file) return { status: 404, bytes: Buffer.alloc(0) };
    const bytes = file === "corrupt" ? Buffer.from("<html>not a video</html>") : await readFile(file);
    return { status: 200, bytes, contentType: "video/mp4" };
  };

  const route = async (request: StandinRequest): Promise<StandinReply> => {
    const { method, path, query } = request;
    const apiKey = request.headers["x-goog-api-key"];
    let body: unknown;
    try {
      body = request.body.length > 0 ? JSON.parse(request.body.toString("utf8")) : undefined;
    } catch {
      return apiError(400, "Invalid JSON payload received.");
    }
    requests.push({
      method,
      path,
      query: query.toString(),
      apiKey: typeof apiKey === "string" ? apiKey : undefined,
      body,
    });

    const mediaMatch = /^\/standin-media\/([a-z0-9]+)\.mp4$/.exec(path);
    if (method === "GET" && mediaMatch) return media(mediaMatch[1]);
    if (options.apiKey !== undefined && apiKey !== options.apiKey) {
      return apiError(400, "API key not valid. Please pass a valid API key.", [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" },
      ]);
    }
    const submitMatch = /^\/v1beta\/models\/([^/:]+):predictLongRunning$/.exec(path);
    if (method === "POST" && submitMatch) return submit(submitMatch[1], body);
    const pollMatch = /^\/v1beta\/models\/([^/:]+)\/operations\/([a-z0-9]+)$/.exec(path);
    if (method === "GET" && pollMatch) return poll(pollMatch[1], pollMatch[2]);
    const downloadMatch = /^\/v1beta\/files\/([a-z0-9]+):download$/.exec(path);
    if (method === "GET" && downloadMatch) return download(downloadMatch[1], query);
    return apiError(404, `No route for ${method} ${path}.`);
  };

  const server = await startHttpStandin(route);
  return { baseUrl: server.baseUrl, calls, requests, close: () => server.close() };
}
