import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { GenerateVideosOperation, GoogleGenAI } from "@google/genai";
import type { Video } from "@google/genai";
import { z } from "zod";
import { MediaToolError, runFfprobe } from "../media/binaries";
import type { ModelConfig } from "../models/modelConfig";
import { sniffFormat } from "../preflight/imageFile";
import type { CallContext, SceneVideoRequest, VideoOutcome, VideoProvider } from "../providers/types";
import { classifyApiError, classifyOperation, veoAspectRatio, veoDurationSeconds } from "./classify";
import type { ApiFailure, VeoFailure, VeoVerdict } from "./classify";

/** How to reach Veo: an existing client, the Gemini API by key, or Vertex AI by project. */
export type VeoClient =
  | { ai: GoogleGenAI }
  | { apiKey: string; baseUrl?: string; apiVersion?: string }
  /** Project and location fall back to the SDK's environment variables when absent. */
  | { vertexai: true; project?: string; location?: string; baseUrl?: string; apiVersion?: string };

export interface VeoProviderOptions {
  client: VeoClient;
  /** Model id from the models config, e.g. "veo-3.1-generate-preview". */
  model: string;
  /** First wait between polls; doubles up to maxPollIntervalMs. */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  /** Wall time one generate/resume call may spend before it answers `pending`. */
  deadlineMs: number;
  /** Bound on each HTTP request (submit, poll, download); a timed-out poll is retried. Default 60 s. */
  requestTimeoutMs?: number;
  /** Extra submissions after a rate limit or transient failure, within the deadline. Default 2. */
  submitRetries?: number;
  /** Sent as `personGeneration` only when set: some values are refused for image-to-video. */
  personGeneration?: "dont_allow" | "allow_adult" | "allow_all";
  /** Called once the operation exists, before polling: lets the caller persist the name first. */
  onOperationStarted?: (req: SceneVideoRequest, operationName: string) => Promise<void> | void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const OptionsSchema = z.object({
  model: z.string().min(1),
  pollIntervalMs: z.number().int().positive(),
  maxPollIntervalMs: z.number().int().positive(),
  deadlineMs: z.number().int().positive(),
  submitRetries: z.number().int().min(0).max(10).optional(),
  requestTimeoutMs: z.number().int().positive().optional(),
});

/** Operation names as the Gemini API (`models/{model}/operations/{id}`) and Vertex AI name them. */
const OPERATION_NAME = /^(models|projects)\/[^?#\s]+\/operations\/[^/?#\s]+$/;

const ProbeSchema = z.object({
  streams: z.array(z.object({ codec_type: z.string().optional() })).default([]),
  format: z.object({ duration: z.coerce.number().positive() }),
});

function buildClient(client: VeoClient): GoogleGenAI {
  if ("ai" in client) return client.ai;
  const httpOptions = client.baseUrl ? { baseUrl: client.baseUrl } : undefined;
  const { apiVersion } = client;
  if ("apiKey" in client) return new GoogleGenAI({ apiKey: client.apiKey, apiVersion, httpOptions });
  const { project, location } = client;
  return new GoogleGenAI({ vertexai: true, project, location, apiVersion, httpOptions });
}

/**
 * Veo takes one to a few minutes per clip: poll after 5 s, then every 10 and 20 s, and hold one
 * invocation at most 2 minutes before answering `pending` (resume continues the same operation).
 */
export const VEO_DEFAULT_TIMING = { pollIntervalMs: 5_000, maxPollIntervalMs: 20_000, deadlineMs: 120_000 } as const;

type VeoTiming = Partial<Omit<VeoProviderOptions, "client" | "model">>;

/** The provider for the configured Veo model, on the backend (Gemini API or Vertex AI) the models config names. */
export function createVeoVideoProvider(
  model: string,
  gemini: ModelConfig["providers"]["gemini"],
  geminiApiKey: string,
  options: VeoTiming = {},
): VeoVideoProvider {
  const { baseUrl, apiVersion } = gemini;
  const client: VeoClient =
    gemini.backend === "vertex_ai"
      ? { vertexai: true, project: gemini.vertexProject, location: gemini.vertexLocation, baseUrl, apiVersion }
      : { apiKey: geminiApiKey, baseUrl, apiVersion };
  return new VeoVideoProvider({ ...VEO_DEFAULT_TIMING, ...options, client, model });
}

/** The media types Veo takes as the first frame, read from the file's signature. */
function imageMimeType(bytes: Buffer): string | undefined {
  const format = sniffFormat(bytes);
  return format === "jpeg" || format === "png" || format === "webp" ? `image/${format}` : undefined;
}

/** Where polling stopped: a final verdict, or still pending at the deadline. */
type PollResult = Exclude<VeoVerdict, { kind: "pending" }> | { kind: "pending"; lastPollFailure?: string };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Image-to-video for one scene with Veo through @google/genai. Every expected API answer becomes
 * a VideoOutcome (video, filtered, rate_limited, error, or pending when the deadline passes
 * first); only bugs throw.
 */
export class VeoVideoProvider implements VideoProvider {
  private readonly ai: GoogleGenAI;
  private readonly model: string;
  private readonly pollIntervalMs: number;
  private readonly maxPollIntervalMs: number;
  private readonly deadlineMs: number;
  private readonly submitRetries: number;
  private readonly httpOptions: { timeout: number };
  private readonly personGeneration?: VeoProviderOptions["personGeneration"];
  private readonly onOperationStarted?: VeoProviderOptions["onOperationStarted"];
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: VeoProviderOptions) {
    const checked = OptionsSchema.parse(options);
    if (checked.maxPollIntervalMs < checked.pollIntervalMs)
      throw new Error("maxPollIntervalMs must be >= pollIntervalMs");
    this.ai = buildClient(options.client);
    this.model = checked.model;
    this.pollIntervalMs = checked.pollIntervalMs;
    this.maxPollIntervalMs = checked.maxPollIntervalMs;
    this.deadlineMs = checked.deadlineMs;
    this.submitRetries = checked.submitRetries ?? 2;
    this.httpOptions = { timeout: checked.requestTimeoutMs ?? 60_000 };
    this.personGeneration = options.personGeneration;
    this.onOperationStarted = options.onOperationStarted;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  async generate(req: SceneVideoRequest, _ctx?: CallContext): Promise<VideoOutcome> {
    const deadline = this.now() + this.deadlineMs;
    let image: Buffer;
    try {
      image = await readFile(req.imageFile);
    } catch (error) {
      return this.failed({ kind: "error", detail: `cannot read the scene image: ${(error as Error).message}` });
    }
    const mimeType = imageMimeType(image);
    if (!mimeType) return this.failed({ kind: "error", detail: "scene image is not JPEG, PNG or WebP" });

    const submitted = await this.submit(req, image, mimeType, deadline);
    if ("kind" in submitted) return this.failed(submitted);
    if (!submitted.name) return this.failed({ kind: "error", detail: "the API returned an operation without a name" });
    await this.onOperationStarted?.(req, submitted.name);
    return this.settle(await this.poll(submitted, deadline, false), submitted.name, req);
  }

  /** Polls an operation that an earlier call left `pending`, with a fresh deadline. */
  async resume(operationName: string, req: SceneVideoRequest, _ctx?: CallContext): Promise<VideoOutcome> {
    if (!OPERATION_NAME.test(operationName)) throw new Error(`not a Veo operation name: "${operationName}"`);
    const operation = new GenerateVideosOperation();
    operation.name = operationName;
    return this.settle(await this.poll(operation, this.now() + this.deadlineMs, true), operationName, req);
  }

  private async submit(
    req: SceneVideoRequest,
    image: Buffer,
    mimeType: string,
    deadline: number,
  ): Promise<GenerateVideosOperation | VeoFailure> {
    const config = {
      aspectRatio: veoAspectRatio(req.width, req.height),
      durationSeconds: veoDurationSeconds(req.scene.durationSec),
      numberOfVideos: 1,
      ...(this.personGeneration ? { personGeneration: this.personGeneration } : {}),
      httpOptions: this.httpOptions,
    };
    let wait = this.pollIntervalMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.ai.models.generateVideos({
          model: this.model,
          source: { prompt: req.scene.videoPrompt, image: { imageBytes: image.toString("base64"), mimeType } },
          config,
        });
      } catch (error) {
        const failure = this.classifyOrThrow(error);
        const remaining = deadline - this.now();
        if (!failure.retryable || attempt >= this.submitRetries || remaining < wait) return failure.verdict;
        await this.sleep(wait);
        wait = Math.min(wait * 2, this.maxPollIntervalMs);
      }
    }
  }

  /**
   * Polls with doubling waits until the operation is done or the deadline passes; the last poll
   * lands on the deadline. Transient poll failures (429, 5xx, network) only cost a poll.
   */
  private async poll(operation: GenerateVideosOperation, deadline: number, pollFirst: boolean): Promise<PollResult> {
    let current = operation;
    let wait = this.pollIntervalMs;
    let pollNow = pollFirst;
    let lastPollFailure: string | undefined;
    for (;;) {
      if (pollNow) {
        try {
          current = await this.ai.operations.getVideosOperation({
            operation: current,
            config: { httpOptions: this.httpOptions },
          });
          lastPollFailure = undefined;
        } catch (error) {
          const failure = this.classifyOrThrow(error);
          if (!failure.retryable) return failure.verdict;
          lastPollFailure = failure.verdict.detail;
        }
      }
      const verdict = classifyOperation(current);
      if (verdict.kind !== "pending") return verdict;
      const remaining = deadline - this.now();
      if (remaining <= 0) return { kind: "pending", lastPollFailure };
      await this.sleep(Math.min(wait, remaining));
      wait = Math.min(wait * 2, this.maxPollIntervalMs);
      pollNow = true;
    }
  }

  private classifyOrThrow(error: unknown): ApiFailure {
    const failure = classifyApiError(error);
    if (!failure) throw error;
    return failure;
  }

  private async settle(verdict: PollResult, operationName: string, req: SceneVideoRequest): Promise<VideoOutcome> {
    switch (verdict.kind) {
      case "pending":
        return {
          kind: "pending",
          operationName,
          detail:
            `still rendering after ${this.deadlineMs} ms of polling` +
            (verdict.lastPollFailure ? ` (last poll: ${verdict.lastPollFailure})` : ""),
          model: this.model,
        };
      case "video":
        return this.deliver(verdict.video, req);
      default:
        return this.failed(verdict);
    }
  }

  private failed(failure: VeoFailure): VideoOutcome {
    return { ...failure, model: this.model };
  }

  /** Writes the clip to `req.outFile` (through a temporary name) and checks that it plays. */
  private async deliver(video: Video, req: SceneVideoRequest): Promise<VideoOutcome> {
    const partial = `${req.outFile}.part`;
    try {
      await mkdir(dirname(req.outFile), { recursive: true });
      if (video.videoBytes) {
        await writeFile(partial, Buffer.from(video.videoBytes, "base64"));
      } else if (video.uri && !video.uri.startsWith("gs://")) {
        await this.ai.files.download({ file: video, downloadPath: partial, config: { httpOptions: this.httpOptions } });
      } else {
        return this.failed({ kind: "error", detail: `cannot download the generated video from ${video.uri}` });
      }
    } catch (error) {
      await rm(partial, { force: true });
      // Any download failure (API, network, local disk) leaves this scene without a clip.
      const detail = classifyApiError(error)?.verdict.detail ?? (error as Error).message;
      return this.failed({ kind: "error", detail: `download failed: ${detail}` });
    }
    const durationSec = await playableDuration(partial);
    if (durationSec === undefined) {
      await rm(partial, { force: true });
      return this.failed({ kind: "error", detail: "the generated video is not a playable video file" });
    }
    await rename(partial, req.outFile);
    return { kind: "video", clip: { file: req.outFile, durationSec }, model: this.model, tier: "primary" };
  }
}

/** Duration of the file's video when ffprobe finds a video stream in it; undefined otherwise. */
async function playableDuration(file: string): Promise<number | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await runFfprobe([
      "-v",
      "error",
      "-show_entries",
      "stream=codec_type:format=duration",
      "-of",
      "json",
      file,
    ]));
  } catch (error) {
    // ffprobe ran and rejected the file; a missing ffprobe is a deployment bug and throws.
    if (error instanceof MediaToolError) return undefined;
    throw error;
  }
  const parsed = ProbeSchema.safeParse(JSON.parse(stdout));
  if (!parsed.success || !parsed.data.streams.some((stream) => stream.codec_type === "video")) return undefined;
  return parsed.data.format.duration;
}
