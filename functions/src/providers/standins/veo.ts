import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { z } from "zod";
import { DEFAULT_MODEL_CONFIG } from "../../models/modelConfig";
import { GoogleGenAI } from "@google/genai";
import { OAuth2Client } from "google-auth-library";
import { startHttpStandin, type StandinReply, type StandinRequest } from "./httpStandin";
import { ClipCache } from "./testClip";

/**
 * A loopback stand-in of Vertex AI's Veo endpoints, answering with the URLs and JSON shapes that
 * @google/genai 3.3 sends and parses (its generateVideos runs on Vertex AI only; apiVersion v1beta1):
 *   GET  /v1beta1/publishers/google/models  -> {publisherModels: [{name}]} (models.list, queryBase)
 *   POST /v1beta1/projects/{p}/locations/{l}/publishers/google/models/{model}:predictLongRunning
 *        -> {name: "projects/{p}/locations/{l}/publishers/google/models/{model}/operations/{id}"}
 *   POST /v1beta1/projects/{p}/locations/{l}/publishers/google/models/{model}:fetchPredictOperation {operationName}
 *        -> {name, done, response: {videos: [{bytesBase64Encoded, mimeType}]}} | {name, done, error}
 * Without an output bucket Vertex AI returns the video inline. Requests need `Authorization: Bearer
 * <accessToken>`; errors use the API's envelope {error: {code, message, status, details?}}.
 */

export type VeoTerminal =
  /**
   * `bytes` (inline, the default: a clip made from the start image), `gcs` (a gs:// URI, as with an
   * output bucket), `corrupt` (bytes that are no video), `black` (a valid clip whose picture is black
   * from start to end), or `no_product` (a valid, moving clip in which the start image's product is not).
   */
  | { kind: "video"; delivery?: "bytes" | "gcs" | "corrupt" | "black" | "no_product" }
  | { kind: "filtered"; reasons: string[] }
  /** A finished operation carrying a google.rpc.Status. */
  | { kind: "error"; code: number; message: string };

export interface VeoScript {
  /** Polls answered `done: false` before the terminal answer. Default 0. */
  pendingPolls?: number;
  /** The generation is done only this long after its submission (polls before then are pending). */
  generationMs?: number;
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
  /** Every API request must carry it as a Bearer token. */
  accessToken: string;
  /** Models that exist; others answer 404 NOT_FOUND. Default: the configured chain's Vertex AI entries. */
  models?: string[];
  /** A fixed port (default: a free one). */
  port?: number;
  /** Size of the clips served. Default: 270x480 (Veo's 720p scaled down 8/3, to keep tests fast). */
  clipSize?: { width: number; height: number };
  /** The behaviour for a scene, chosen by its prompt. Default: an immediate video. */
  script?: (prompt: string, model: string) => VeoScript;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The query string without "?". */
  query: string;
  authorization?: string;
  body?: unknown;
}

export interface VeoStandin {
  baseUrl: string;
  accessToken: string;
  calls: { submit: number; poll: number };
  /** Generations submitted and not yet reported finished, now and at most; when the first was submitted. */
  inFlight: { now: number; peak: number; firstAt: number };
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
  finished?: boolean;
  model: string;
  submittedAt: number;
  script: VeoScript;
  polls: number;
  aspectRatio: "16:9" | "9:16";
  durationSeconds: number;
  /** The start image sent, which the served clip is made from (as an image-to-video model's is). */
  startImage?: Buffer;
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
};

function apiError(httpStatus: number, message: string, details?: unknown[]): StandinReply {
  return {
    status: httpStatus,
    json: { error: { code: httpStatus, message, status: STATUS_NAMES[httpStatus], details } },
  };
}

export async function startVeoStandin(options: VeoStandinOptions): Promise<VeoStandin> {
  const models = new Set(
    options.models ??
      DEFAULT_MODEL_CONFIG.video.filter((entry) => entry.api === "vertex_ai").map((entry) => entry.model),
  );
  const script = options.script ?? ((): VeoScript => ({}));
  const operations = new Map<string, OperationState>();
  const submitsByPrompt = new Map<string, number>();
  const calls = { submit: 0, poll: 0 };
  const inFlight = { now: 0, peak: 0, firstAt: 0 };
  const requests: RecordedRequest[] = [];
  await mkdir(options.workDir, { recursive: true });

  const clips = new ClipCache(options.workDir, "veo", options.clipSize);

  const submit = (resource: string, model: string, body: unknown): StandinReply => {
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
    const scene = script(prompt, model);
    const submits = (submitsByPrompt.get(prompt) ?? 0) + 1;
    submitsByPrompt.set(prompt, submits);
    if (submits <= (scene.rateLimitedSubmits ?? 0)) {
      return apiError(429, "You exceeded your current quota, please check your plan and billing details.");
    }
    const id = randomBytes(6).toString("hex");
    inFlight.now++;
    inFlight.firstAt ||= Date.now();
    inFlight.peak = Math.max(inFlight.peak, inFlight.now);
    operations.set(id, {
      model,
      submittedAt: Date.now(),
      script: scene,
      polls: 0,
      aspectRatio: parsed.data.parameters?.aspectRatio ?? "16:9",
      durationSeconds: parsed.data.parameters?.durationSeconds ?? 8,
      startImage: parsed.data.instances[0].image
        ? Buffer.from(parsed.data.instances[0].image.bytesBase64Encoded, "base64")
        : undefined,
    });
    return { status: 200, json: { name: `${resource}/operations/${id}` } };
  };

  const finished = async (state: OperationState): Promise<Record<string, unknown>> => {
    const result = state.script.result ?? { kind: "video" };
    if (result.kind === "error") return { error: { code: result.code, message: result.message } };
    if (result.kind === "filtered") {
      return {
        response: {
          "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
          raiMediaFilteredCount: result.reasons.length,
          raiMediaFilteredReasons: result.reasons,
        },
      };
    }
    const delivery = result.delivery ?? "bytes";
    const video =
      delivery === "gcs"
        ? { gcsUri: `gs://standin-bucket/${randomBytes(6).toString("hex")}.mp4`, mimeType: "video/mp4" }
        : {
            bytesBase64Encoded: (delivery === "corrupt"
              ? Buffer.from("<html>not a video</html>")
              : await readFile(
                  await clips.clip(
                    state.durationSeconds,
                    state.aspectRatio,
                    delivery === "black" ? "black" : delivery === "no_product" ? "testsrc" : "start_image",
                    state.startImage,
                  ),
                )
            ).toString("base64"),
            mimeType: "video/mp4",
          };
    return {
      response: {
        "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
        videos: [video],
      },
    };
  };

  const poll = async (resource: string, model: string, body: unknown): Promise<StandinReply> => {
    calls.poll++;
    const operationName = z.object({ operationName: z.string() }).safeParse(body);
    if (!operationName.success) return apiError(400, "operationName is required.");
    const id = operationName.data.operationName.startsWith(`${resource}/operations/`)
      ? operationName.data.operationName.slice(`${resource}/operations/`.length)
      : "";
    const state = operations.get(id);
    if (!state || state.model !== model)
      return apiError(404, `Operation ${operationName.data.operationName} not found.`);
    const delayMs = state.script.pollDelayMs;
    const name = operationName.data.operationName;
    if (delayMs) return { ...(await answerPoll(name, state)), delayMs };
    return answerPoll(name, state);
  };

  const answerPoll = async (name: string, state: OperationState): Promise<StandinReply> => {
    state.polls++;
    const rateLimitedPolls = state.script.rateLimitedPolls ?? 0;
    if (state.polls <= rateLimitedPolls) return apiError(429, "Resource has been exhausted (e.g. check quota).");
    const rendering = Date.now() < state.submittedAt + (state.script.generationMs ?? 0);
    if (rendering || state.polls - rateLimitedPolls <= (state.script.pendingPolls ?? 0)) {
      return { status: 200, json: { name, done: false } };
    }
    if (!state.finished) inFlight.now--;
    state.finished = true;
    return { status: 200, json: { name, done: true, ...(await finished(state)) } };
  };

  const route = async (request: StandinRequest): Promise<StandinReply> => {
    const { method, path, query } = request;
    let body: unknown;
    try {
      body = request.body.length > 0 ? JSON.parse(request.body.toString("utf8")) : undefined;
    } catch {
      return apiError(400, "Invalid JSON payload received.");
    }
    const authorization = request.headers.authorization;
    requests.push({
      method,
      path,
      query: query.toString(),
      authorization: typeof authorization === "string" ? authorization : undefined,
      body,
    });
    if (authorization !== `Bearer ${options.accessToken}`) {
      return apiError(401, "Request had invalid authentication credentials. Expected OAuth 2 access token.");
    }
    const match =
      /^\/v1beta1\/(projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/([^/:]+)):(predictLongRunning|fetchPredictOperation)$/.exec(
        path,
      );
    if (method === "GET" && path === "/v1beta1/publishers/google/models") {
      // models.list({config: {queryBase: true}}): the publisher's models, as models:check asks.
      return {
        status: 200,
        json: { publisherModels: [...models].map((m) => ({ name: `publishers/google/models/${m}` })) },
      };
    }
    if (method === "POST" && match?.[3] === "predictLongRunning") return submit(match[1], match[2], body);
    if (method === "POST" && match?.[3] === "fetchPredictOperation") return poll(match[1], match[2], body);
    return apiError(404, `No route for ${method} ${path}.`);
  };

  const server = await startHttpStandin(route, options.port);
  return {
    baseUrl: server.baseUrl,
    accessToken: options.accessToken,
    calls,
    inFlight,
    requests,
    close: () => server.close(),
  };
}

export const STANDIN_PROJECT = "demo-fairshot";
export const STANDIN_LOCATION = "us-central1";

/**
 * A Vertex AI client of @google/genai aimed at the stand-in. Its credentials are an OAuth2 client
 * holding `token` (no metadata server or key file offline): the SDK sends it as a Bearer token.
 */
export function standinClient(standin: Pick<VeoStandin, "baseUrl" | "accessToken">, token = standin.accessToken) {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return new GoogleGenAI({
    vertexai: true,
    project: STANDIN_PROJECT,
    location: STANDIN_LOCATION,
    httpOptions: { baseUrl: standin.baseUrl },
    googleAuthOptions: { authClient },
  });
}
