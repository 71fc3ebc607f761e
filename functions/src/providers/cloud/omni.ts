import { GoogleGenAI } from "@google/genai";
import { z } from "zod";
import { readSceneImage, saveDeliveredClip } from "../../video/modelFiles";
import type {
  CallContext,
  SceneVideoRequest,
  VideoGenerator,
  VideoPoll,
  VideoSubmission,
} from "../../contract/providers";
import {
  classifyInteraction,
  classifyInteractionsError,
  InteractionSchema,
  isInteractionId,
  omniAspectRatio,
  omniDuration,
  INTERACTIONS_API_VERSION,
} from "../../video/omniRules";
import type { OmniVideo } from "../../video/omniRules";
import type { ApiFailure } from "../../video/classify";

/**
 * Where Gemini Omni Flash runs: the Gemini API with an API key (GEMINI_API_KEY). On Vertex AI the
 * model exists only as a preview, which the chains do not take (models/modelConfig.ts).
 */
export interface OmniEndpoint {
  apiKey: string;
  /** A gateway or a local stand-in; Google's endpoint when absent. */
  baseUrl?: string;
  /** INTERACTIONS_API_VERSION when absent. */
  apiVersion?: string;
}

export interface OmniGeneratorOptions {
  /** An existing client (tests), or the endpoint to build one for. */
  client: { ai: GoogleGenAI } | OmniEndpoint;
  /** Model id from the models config's video chain. */
  model: string;
  /** Bound on each HTTP request (submit, poll, download). Default 60 s. */
  requestTimeoutMs?: number;
}

const OptionsSchema = z.object({
  model: z.string().min(1),
  requestTimeoutMs: z.number().int().positive().optional(),
});

function buildClient(client: OmniGeneratorOptions["client"]): GoogleGenAI {
  if ("ai" in client) return client.ai;
  const { apiKey, baseUrl, apiVersion } = client;
  return new GoogleGenAI({
    apiKey,
    httpOptions: { ...(baseUrl ? { baseUrl } : {}), apiVersion: apiVersion ?? INTERACTIONS_API_VERSION },
  });
}

/** The Files API version a delivered URI names (`…/v1beta/files/abc:download`): its download goes there. */
function uriApiVersion(uri: string): string | undefined {
  return /\/(v\d+(?:alpha|beta)?\d*)\/files\//.exec(uri)?.[1];
}

/** The generator for one Omni model of the video chain. */
export function createOmniGenerator(model: string, endpoint: OmniEndpoint): OmniVideoGenerator {
  return new OmniVideoGenerator({ client: endpoint, model });
}

/**
 * Image-to-video for one scene through the Interactions API of @google/genai (Gemini Omni Flash,
 * https://ai.google.dev/gemini-api/docs/omni): `submit` creates a background interaction, `poll`
 * reads it once. One request per call, never a wait; every expected API answer becomes a result,
 * only bugs throw. Retries and the next model are the scene's business (video/sceneRules.ts).
 */
export class OmniVideoGenerator implements VideoGenerator {
  private readonly ai: GoogleGenAI;
  private readonly model: string;
  private readonly timeoutMs: number;
  private readonly apiVersion: string;

  constructor(options: OmniGeneratorOptions) {
    const checked = OptionsSchema.parse(options);
    this.ai = buildClient(options.client);
    this.model = checked.model;
    this.timeoutMs = checked.requestTimeoutMs ?? 60_000;
    this.apiVersion = ("ai" in options.client ? undefined : options.client.apiVersion) ?? INTERACTIONS_API_VERSION;
  }

  /** The Interactions client retries 408/429/5xx up to 4 times over 30 s by default: one request, as the scene decides. */
  private get requestOptions() {
    return { timeout_ms: this.timeoutMs, retries: { strategy: "none" as const } };
  }

  async submit(req: SceneVideoRequest, _ctx?: CallContext): Promise<VideoSubmission> {
    const sceneImage = await readSceneImage(req.startFrameFile ?? req.imageFile);
    if ("kind" in sceneImage) return sceneImage;
    const { bytes: image, mimeType } = sceneImage;
    let created: unknown;
    try {
      created = await this.ai.interactions.create(
        {
          api_version: this.apiVersion,
          model: this.model,
          // Generation takes minutes: in the background, read later with interactions.get.
          background: true,
          input: [
            { type: "image", data: image.toString("base64"), mime_type: mimeType },
            { type: "text", text: req.scene.videoPrompt },
          ],
          // The product image is the first frame, not a loose reference.
          generation_config: { video_config: { task: "image_to_video" } },
          response_format: {
            type: "video",
            aspect_ratio: omniAspectRatio(req.width, req.height),
            duration: omniDuration(req.scene.durationSec),
            resolution: "720p",
          },
        },
        this.requestOptions,
      );
    } catch (error) {
      return this.classifyOrThrow(error).verdict;
    }
    const parsed = InteractionSchema.safeParse(created);
    if (!parsed.success || !isInteractionId(parsed.data.id)) {
      return { kind: "error", errorClass: "invalid_output", detail: "the API returned no usable interaction id" };
    }
    // A request refused at once (a blocked input image, say) comes back already finished.
    const verdict = classifyInteraction(parsed.data);
    if (verdict.kind === "pending" || verdict.kind === "video")
      return { kind: "started", operationName: parsed.data.id };
    return verdict;
  }

  /** One poll. A poll that fails in transit (429, 5xx, network) is still `pending`: the generation goes on. */
  async poll(operationName: string, req: SceneVideoRequest, _ctx?: CallContext): Promise<VideoPoll> {
    if (!isInteractionId(operationName)) throw new Error(`not an interaction id: "${operationName}"`);
    let current: unknown;
    try {
      current = await this.ai.interactions.get(operationName, { api_version: this.apiVersion }, this.requestOptions);
    } catch (error) {
      const failure = this.classifyOrThrow(error);
      return failure.retryable
        ? { kind: "pending", detail: `poll failed: ${failure.verdict.detail}` }
        : failure.verdict;
    }
    const parsed = InteractionSchema.safeParse(current);
    if (!parsed.success) {
      return { kind: "error", errorClass: "invalid_output", detail: "the API answered with no interaction" };
    }
    const verdict = classifyInteraction(parsed.data);
    if (verdict.kind === "pending") return { kind: "pending" };
    if (verdict.kind === "video") return this.download(verdict.video, req);
    return verdict;
  }

  private classifyOrThrow(error: unknown): ApiFailure {
    const failure = classifyInteractionsError(error);
    if (!failure) throw error;
    return failure;
  }

  /** Large clips come as a Files API URI, which the SDK downloads with the API key. */
  private download(video: OmniVideo, req: SceneVideoRequest): Promise<VideoPoll> {
    const uri = video.uri;
    return saveDeliveredClip(
      {
        base64: video.data,
        uri,
        download: uri?.startsWith("https://")
          ? (toFile) => {
              const version = uriApiVersion(uri);
              return this.ai.files.download({
                file: { uri },
                downloadPath: toFile,
                config: { httpOptions: { timeout: this.timeoutMs, ...(version ? { apiVersion: version } : {}) } },
              });
            }
          : undefined,
      },
      req.outFile,
    );
  }
}
