import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { z } from "zod";
import { DEFAULT_MODEL_CONFIG } from "../../models/modelConfig";
import { INTERACTIONS_API_VERSION } from "../../video/omniRules";
import { googleApiError as apiError, startHttpStandin, type StandinReply, type StandinRequest } from "./httpStandin";
import { ClipCache, type ClipAspectRatio, type ClipSize } from "./testClip";

/**
 * A loopback stand-in of the Gemini API's Interactions API serving Gemini Omni Flash, answering with
 * the URLs and JSON shapes @google/genai 3.3 sends and parses, on the version Google serves the
 * Interactions API as GA (v1, INTERACTIONS_API_VERSION): a request on another version is a 404, as
 * a wrong version would be. Files API downloads are on v1beta, the version of the URIs it hands out:
 *   POST /{v}/interactions  {model, input, background, generation_config, response_format}
 *        -> {id, status: "in_progress", ...}
 *   GET  /{v}/interactions/{id}
 *        -> {id, status, steps: [{type: "model_output", content: [{type: "video", data | uri, mime_type}]}]}
 *           | {id, status: "failed", errors: [{code, message}]}
 *   GET  /{v}/files/{file}:download?alt=media -> the clip (how files.download fetches a Files API URI)
 *   GET  /{v}/models -> {models: [{name: "models/{id}"}]} (models.list, for models:check)
 * Requests need `x-goog-api-key`; errors use the API's envelope {error: {code, message, status, details?}}.
 */

export type OmniTerminal =
  /**
   * `data` (inline base64, the default), `uri` (a Files API URI, as for large clips), `corrupt`
   * (bytes that are no video) or `empty` (a video block with empty data).
   */
  | { kind: "video"; delivery?: "data" | "uri" | "corrupt" | "empty" }
  /** A failed interaction carrying these faults (a safety block is one, worded as such). */
  | { kind: "failed"; errors: { code?: string; message: string }[] }
  | { kind: "cancelled" };

export interface OmniScript {
  /** Polls answered `in_progress` before the terminal answer. Default 0. */
  pendingPolls?: number;
  /** The generation is done only this long after its creation (polls before then are in progress). */
  generationMs?: number;
  /** Default: a video delivered inline. */
  result?: OmniTerminal;
  /** The first K creations of this prompt are answered with this HTTP error. */
  failingSubmits?: { count: number; httpStatus: 429 | 500 | 503 };
  /** The creation is refused at once for its content (400, worded as a safety block). */
  blockedSubmit?: string;
  /** The first K polls of each interaction are answered with this HTTP error. */
  failingPolls?: { count: number; httpStatus: 429 | 500 | 503 };
  /** Every poll is answered only after this long (client timeouts). */
  pollDelayMs?: number;
}

export interface OmniStandinOptions {
  /** Where rendered clips are kept. */
  workDir: string;
  /** Every API request must carry it in x-goog-api-key. */
  apiKey: string;
  /** Models that exist; others answer 404 NOT_FOUND. Default: the configured chain's Gemini API entries. */
  models?: string[];
  /** A fixed port (default: a free one). */
  port?: number;
  /** Size of the clips served. Default: 270x480 (720p scaled down 8/3, to keep tests fast). */
  clipSize?: ClipSize;
  /** The behaviour for a scene, chosen by its prompt. Default: an immediate video. */
  script?: (prompt: string, model: string) => OmniScript;
}

export interface OmniRecordedRequest {
  method: string;
  path: string;
  apiKey?: string;
  body?: unknown;
}

export interface OmniStandin {
  baseUrl: string;
  apiKey: string;
  calls: { submit: number; poll: number; download: number };
  requests: OmniRecordedRequest[];
  /** Models that exist from now on (a model Google removes answers 404). */
  setModels(models: string[]): void;
  close(): Promise<void>;
}

/** The default chain's Omni models: the entries served by the Gemini API. */
export const DEFAULT_OMNI_MODELS = DEFAULT_MODEL_CONFIG.video
  .filter((entry) => entry.api === "gemini_api")
  .map((entry) => entry.model);

const CreateBodySchema = z
  .object({
    model: z.string().min(1),
    background: z.literal(true),
    input: z.tuple([
      z.object({ type: z.literal("image"), data: z.string().min(1), mime_type: z.string().min(1) }).strict(),
      z.object({ type: z.literal("text"), text: z.string().min(1) }).strict(),
    ]),
    generation_config: z.object({ video_config: z.object({ task: z.literal("image_to_video") }).strict() }).strict(),
    response_format: z
      .object({
        type: z.literal("video"),
        aspect_ratio: z.enum(["16:9", "9:16"]),
        duration: z.string().regex(/^(?:[3-9]|10)s$/),
        resolution: z.literal("720p"),
      })
      .strict(),
  })
  .strict();

interface InteractionState {
  id: string;
  model: string;
  createdAt: number;
  script: OmniScript;
  polls: number;
  aspectRatio: ClipAspectRatio;
  seconds: number;
  /** The start image sent, which the served clip is made from (as an image-to-video model's is). */
  startImage: Buffer;
}

const MESSAGES: Record<number, string> = {
  429: "You exceeded your current quota, please check your plan and billing details.",
  500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  503: "The model is overloaded. Please try again later.",
};

const API_KEY_INVALID = apiError(400, "API key not valid. Please pass a valid API key.", [
  { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" },
]);

const VERSION = `(${INTERACTIONS_API_VERSION})`;
const CREATE_PATH = new RegExp(`^/${VERSION}/interactions$`);
const GET_PATH = new RegExp(`^/${VERSION}/interactions/([^/]+)$`);
const DOWNLOAD_PATH = /^\/(v1beta)\/files\/([a-z0-9]+):download$/;
const LIST_PATH = new RegExp(`^/${VERSION}/models$`);

export async function startOmniStandin(options: OmniStandinOptions): Promise<OmniStandin> {
  let models = new Set(options.models ?? DEFAULT_OMNI_MODELS);
  const script = options.script ?? ((): OmniScript => ({}));
  const interactions = new Map<string, InteractionState>();
  const submitsByPrompt = new Map<string, number>();
  /** Files API ids of clips delivered by URI, and the clip each one is. */
  const files = new Map<string, InteractionState>();
  const calls = { submit: 0, poll: 0, download: 0 };
  const requests: OmniRecordedRequest[] = [];
  await mkdir(options.workDir, { recursive: true });
  const clips = new ClipCache(options.workDir, "omni", options.clipSize);

  const create = (body: unknown): StandinReply => {
    calls.submit++;
    const model = z.object({ model: z.string() }).safeParse(body);
    if (model.success && !models.has(model.data.model)) {
      return apiError(404, `Model ${model.data.model} is not found or is not supported for the Interactions API.`);
    }
    const parsed = CreateBodySchema.safeParse(body);
    if (!parsed.success) {
      return apiError(
        400,
        `Invalid request: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
    }
    const prompt = parsed.data.input[1].text;
    const scene = script(prompt, parsed.data.model);
    const submits = (submitsByPrompt.get(prompt) ?? 0) + 1;
    submitsByPrompt.set(prompt, submits);
    if (scene.failingSubmits && submits <= scene.failingSubmits.count) {
      const status = scene.failingSubmits.httpStatus;
      return apiError(status, MESSAGES[status]);
    }
    if (scene.blockedSubmit) return apiError(400, scene.blockedSubmit);
    const id = `v1_${randomBytes(8).toString("hex")}`;
    const state: InteractionState = {
      id,
      model: parsed.data.model,
      createdAt: Date.now(),
      script: scene,
      polls: 0,
      aspectRatio: parsed.data.response_format.aspect_ratio,
      seconds: Number(parsed.data.response_format.duration.slice(0, -1)),
      startImage: Buffer.from(parsed.data.input[0].data, "base64"),
    };
    interactions.set(id, state);
    return { status: 200, json: describe(state, "in_progress") };
  };

  const describe = (state: InteractionState, status: string, extra: Record<string, unknown> = {}) => ({
    id: state.id,
    object: "interaction",
    model: state.model,
    status,
    created: new Date(state.createdAt).toISOString(),
    updated: new Date().toISOString(),
    ...extra,
  });

  const finished = async (state: InteractionState): Promise<Record<string, unknown>> => {
    const result = state.script.result ?? { kind: "video" };
    if (result.kind === "failed") return describe(state, "failed", { errors: result.errors });
    if (result.kind === "cancelled") return describe(state, "cancelled");
    const delivery = result.delivery ?? "data";
    let video: Record<string, unknown>;
    if (delivery === "uri") {
      const file = randomBytes(6).toString("hex");
      files.set(file, state);
      video = {
        type: "video",
        uri: `https://generativelanguage.googleapis.com/v1beta/files/${file}:download?alt=media`,
        mime_type: "video/mp4",
      };
    } else {
      const bytes =
        delivery === "corrupt"
          ? Buffer.from("<html>not a video</html>")
          : delivery === "empty"
            ? Buffer.alloc(0)
            : await readFile(await clips.clip(state.seconds, state.aspectRatio, "start_image", state.startImage));
      video = { type: "video", data: bytes.toString("base64"), mime_type: "video/mp4" };
    }
    return describe(state, "completed", { steps: [{ type: "model_output", content: [video] }] });
  };

  const get = async (id: string): Promise<StandinReply> => {
    calls.poll++;
    const state = interactions.get(id);
    if (!state) return apiError(404, `Interaction ${id} not found.`);
    const answer = await answerPoll(state);
    return state.script.pollDelayMs ? { ...answer, delayMs: state.script.pollDelayMs } : answer;
  };

  const answerPoll = async (state: InteractionState): Promise<StandinReply> => {
    state.polls++;
    const failing = state.script.failingPolls;
    if (failing && state.polls <= failing.count) return apiError(failing.httpStatus, MESSAGES[failing.httpStatus]);
    const failed = failing?.count ?? 0;
    const rendering = Date.now() < state.createdAt + (state.script.generationMs ?? 0);
    if (rendering || state.polls - failed <= (state.script.pendingPolls ?? 0)) {
      return { status: 200, json: describe(state, "in_progress") };
    }
    return { status: 200, json: await finished(state) };
  };

  const download = async (file: string): Promise<StandinReply> => {
    calls.download++;
    const state = files.get(file);
    if (!state) return apiError(404, `File files/${file} not found.`);
    return {
      status: 200,
      bytes: await readFile(await clips.clip(state.seconds, state.aspectRatio, "start_image", state.startImage)),
      contentType: "video/mp4",
    };
  };

  const route = async (request: StandinRequest): Promise<StandinReply> => {
    const { method, path } = request;
    let body: unknown;
    try {
      body = request.body.length > 0 ? JSON.parse(request.body.toString("utf8")) : undefined;
    } catch {
      return apiError(400, "Invalid JSON payload received.");
    }
    const key = request.headers["x-goog-api-key"];
    const apiKey = typeof key === "string" ? key : undefined;
    requests.push({ method, path, apiKey, body });
    if (apiKey !== options.apiKey) return API_KEY_INVALID;
    if (method === "POST" && CREATE_PATH.test(path)) return create(body);
    const interaction = GET_PATH.exec(path);
    if (method === "GET" && interaction) return get(decodeURIComponent(interaction[2]));
    const file = DOWNLOAD_PATH.exec(path);
    if (method === "GET" && file) return download(file[2]);
    if (method === "GET" && LIST_PATH.test(path)) {
      return { status: 200, json: { models: [...models].map((id) => ({ name: `models/${id}`, displayName: id })) } };
    }
    return apiError(404, `No route for ${method} ${path}.`);
  };

  const server = await startHttpStandin(route, options.port);
  return {
    baseUrl: server.baseUrl,
    apiKey: options.apiKey,
    calls,
    requests,
    setModels: (next) => {
      models = new Set(next);
    },
    close: () => server.close(),
  };
}
