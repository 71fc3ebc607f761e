import { GenerateVideosOperation, GoogleGenAI, type Video } from "@google/genai";
import type { OAuth2Client } from "google-auth-library";
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
  classifyApiError,
  classifyOperation,
  veoAspectRatio,
  veoDurationSeconds,
  type ApiFailure,
} from "../../video/classify";

/**
 * How to reach Veo: @google/genai 3.3 runs generateVideos on Vertex AI only (the Gemini API refuses it),
 * so an existing client, or Vertex AI by project with Google's default credentials.
 */
export type VeoClient =
  | { ai: GoogleGenAI }
  /** Project and location fall back to the SDK's environment variables when absent. */
  | {
      vertexai: true;
      project?: string;
      location?: string;
      baseUrl?: string;
      apiVersion?: string;
      authClient?: OAuth2Client;
    };

export interface VeoGeneratorOptions {
  client: VeoClient;
  /** Model id from the models config's video chain. */
  model: string;
  /** Bound on each HTTP request (submit, poll, download). Default 60 s. */
  requestTimeoutMs?: number;
  /** Sent as `personGeneration` only when set: some values are refused for image-to-video. */
  personGeneration?: "dont_allow" | "allow_adult" | "allow_all";
}

const OptionsSchema = z.object({
  model: z.string().min(1),
  requestTimeoutMs: z.number().int().positive().optional(),
});

/** Operation names as the Gemini API (`models/{model}/operations/{id}`) and Vertex AI name them. */
const OPERATION_NAME = /^(models|projects)\/[^?#\s]+\/operations\/[^/?#\s]+$/;

function buildClient(client: VeoClient): GoogleGenAI {
  if ("ai" in client) return client.ai;
  const { project, location, apiVersion, baseUrl, authClient } = client;
  return new GoogleGenAI({
    vertexai: true,
    project,
    location,
    apiVersion,
    httpOptions: baseUrl ? { baseUrl } : undefined,
    ...(authClient ? { googleAuthOptions: { authClient } } : {}),
  });
}

/** Where the video chain runs: Vertex AI in a project and location, or a gateway / stand-in at `baseUrl`. */
export interface VeoEndpoint {
  project: string;
  location: string;
  baseUrl?: string;
  /** Credentials other than Application Default Credentials (the emulators' fixed token). */
  authClient?: OAuth2Client;
}

/** The generator for one model of the video chain. */
export function createVeoGenerator(model: string, endpoint: VeoEndpoint): VeoVideoGenerator {
  return new VeoVideoGenerator({ client: { vertexai: true, ...endpoint }, model });
}

/**
 * Image-to-video for one scene through @google/genai's long-running `generateVideos`: one request
 * per call, never a wait. Every expected API answer becomes a submission or poll result; only
 * bugs throw. Retries and the choice of the next model are the scene's business (video/sceneRules.ts).
 */
export class VeoVideoGenerator implements VideoGenerator {
  private readonly ai: GoogleGenAI;
  private readonly model: string;
  private readonly httpOptions: { timeout: number };
  private readonly personGeneration?: VeoGeneratorOptions["personGeneration"];

  constructor(options: VeoGeneratorOptions) {
    const checked = OptionsSchema.parse(options);
    this.ai = buildClient(options.client);
    this.model = checked.model;
    this.httpOptions = { timeout: checked.requestTimeoutMs ?? 60_000 };
    this.personGeneration = options.personGeneration;
  }

  async submit(req: SceneVideoRequest, _ctx?: CallContext): Promise<VideoSubmission> {
    const sceneImage = await readSceneImage(req.startFrameFile ?? req.imageFile);
    if ("kind" in sceneImage) return sceneImage;
    const { bytes: image, mimeType } = sceneImage;
    let operation: GenerateVideosOperation;
    try {
      operation = await this.ai.models.generateVideos({
        model: this.model,
        source: { prompt: req.scene.videoPrompt, image: { imageBytes: image.toString("base64"), mimeType } },
        config: {
          aspectRatio: veoAspectRatio(req.width, req.height),
          durationSeconds: veoDurationSeconds(req.scene.durationSec),
          numberOfVideos: 1,
          ...(this.personGeneration ? { personGeneration: this.personGeneration } : {}),
          httpOptions: this.httpOptions,
        },
      });
    } catch (error) {
      return this.classifyOrThrow(error).verdict;
    }
    if (!operation.name) {
      return { kind: "error", errorClass: "invalid_output", detail: "the API returned an operation without a name" };
    }
    // Some answers come back finished at once (a filter on the input image, say).
    const verdict = classifyOperation(operation);
    if (verdict.kind === "pending" || verdict.kind === "video")
      return { kind: "started", operationName: operation.name };
    return verdict;
  }

  /** One poll. A poll that fails in transit (429, 5xx, network) is still `pending`: the generation goes on. */
  async poll(operationName: string, req: SceneVideoRequest, _ctx?: CallContext): Promise<VideoPoll> {
    if (!OPERATION_NAME.test(operationName)) throw new Error(`not a Veo operation name: "${operationName}"`);
    const operation = new GenerateVideosOperation();
    operation.name = operationName;
    let current: GenerateVideosOperation;
    try {
      current = await this.ai.operations.getVideosOperation({ operation, config: { httpOptions: this.httpOptions } });
    } catch (error) {
      const failure = this.classifyOrThrow(error);
      return failure.retryable
        ? { kind: "pending", detail: `poll failed: ${failure.verdict.detail}` }
        : failure.verdict;
    }
    const verdict = classifyOperation(current);
    if (verdict.kind === "pending") return { kind: "pending" };
    if (verdict.kind === "video") return this.download(verdict.video, req);
    return verdict;
  }

  private classifyOrThrow(error: unknown): ApiFailure {
    const failure = classifyApiError(error);
    if (!failure) throw error;
    return failure;
  }

  /** A `gs://` URI (output to a bucket of the project's) is not ours to fetch here. */
  private download(video: Video, req: SceneVideoRequest): Promise<VideoPoll> {
    return saveDeliveredClip(
      {
        base64: video.videoBytes,
        uri: video.uri,
        download:
          video.uri && !video.uri.startsWith("gs://")
            ? (toFile) =>
                this.ai.files.download({ file: video, downloadPath: toFile, config: { httpOptions: this.httpOptions } })
            : undefined,
      },
      req.outFile,
    );
  }
}
