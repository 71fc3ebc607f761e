import { z } from "zod";
import {
  classifyFilterReasons,
  classifyHttpFailure,
  classifyTransportError,
  rpcStatusOf,
  supportCodes,
  veoAspectRatio,
} from "./classify";
import type { ApiFailure, VeoAspectRatio, VeoFailure } from "./classify";

/**
 * Pure decisions of the Gemini Omni Flash adapter (providers/cloud/omni.ts): request parameters, what an
 * interaction or an error of the Interactions API means for the scene. No I/O here.
 *
 * Sources: the model id, the Interactions API (`POST /v1beta/interactions`) and the clip in
 * `output_video.data` are Google's (https://ai.google.dev/gemini-api/docs/omni). Aspect ratios
 * 16:9 and 9:16 at 720p, clips of at most 10 s, and the input image types are on Google's page of
 * the same model on Vertex AI (https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/gemini/omni-flash-preview).
 * The request and interaction fields (`response_format` {type: "video", aspect_ratio, duration},
 * `generation_config.video_config.task`, `background`, the statuses, `errors`, steps) are those of
 * @google/genai 3.3's Interactions types. Clips of 3–10 s are in Google's changelog entry of
 * 2026-06-30 (https://ai.google.dev/gemini-api/docs/changelog); that the length is whole seconds
 * written "6s" is only on third-party pages (fal.ai, evolink.ai, Vercel AI Gateway).
 */

/** Clip lengths Omni renders: 3 to 10 s (Google's changelog and model page). */
/**
 * The API version that serves the Interactions API as GA: "As of June 2026, the Interactions API
 * is Generally Available and supported in v1" (https://ai.google.dev/gemini-api/docs/api-versions,
 * read 2026-12-07; its reference is the v1 OpenAPI document, https://ai.google.dev/static/api/interactions-v1.openapi.json).
 * v1beta carries the features still in development; the adapter pins v1 rather than trusting the
 * SDK's default, and models:check lists the Omni models on the same version.
 */
export const INTERACTIONS_API_VERSION = "v1";

export const OMNI_MIN_SEC = 3;
export const OMNI_MAX_SEC = 10;

/**
 * The shortest accepted length that covers the scene, so narration never outruns the clip
 * (assembly trims the excess); scenes longer than 10 s get the longest clip.
 */
export function omniDurationSeconds(sceneSec: number): number {
  if (!Number.isFinite(sceneSec) || sceneSec <= 0) throw new Error(`scene duration must be positive, got ${sceneSec}`);
  return Math.min(OMNI_MAX_SEC, Math.max(OMNI_MIN_SEC, Math.ceil(sceneSec)));
}

/** `response_format.duration` is a string in the SDK's types; "6s" is how it is written. */
export function omniDuration(sceneSec: number): string {
  return `${omniDurationSeconds(sceneSec)}s`;
}

/**
 * Omni renders 16:9 or 9:16 only, like Veo 3.1, so the rule is Veo's: portrait frames get 9:16,
 * landscape 16:9, and a square (1:1) run gets 16:9 that assembly center-crops. Rendering it rather
 * than refusing keeps the scene on the first model, and whichever model serves a square run
 * frames it the same way.
 */
export function omniAspectRatio(width: number, height: number): VeoAspectRatio {
  return veoAspectRatio(width, height);
}

/**
 * Interaction ids as the operation name kept between task deliveries. The SDK puts the id in
 * the URL path (`/{version}/interactions/{id}`), so anything with a slash, a query or a space is refused.
 */
const INTERACTION_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,255}$/;

export function isInteractionId(id: string): boolean {
  return INTERACTION_ID.test(id);
}

const ContentSchema = z
  .object({
    type: z.string(),
    text: z.string().optional(),
    data: z.string().optional(),
    uri: z.string().optional(),
    mime_type: z.string().optional(),
  })
  .passthrough();

const StatusSchema = z
  .object({ code: z.number().optional(), message: z.string().optional(), status: z.string().optional() })
  .passthrough();

/** The parts of an interaction (as `interactions.create` / `get` return it) the adapter reads. */
export const InteractionSchema = z
  .object({
    id: z.string(),
    status: z.string(),
    output_video: ContentSchema.optional(),
    output_text: z.string().optional(),
    /** Diagnostic faults the API recorded on the interaction. */
    errors: z.array(z.object({ code: z.string().optional(), message: z.string().optional() })).optional(),
    steps: z
      .array(z.object({ type: z.string(), content: z.array(ContentSchema).optional(), error: StatusSchema.optional() }))
      .optional(),
  })
  .passthrough();
export type InteractionState = z.infer<typeof InteractionSchema>;

/** A finished clip: inline base64, or a URI to download. */
export interface OmniVideo {
  data?: string;
  uri?: string;
}

export type OmniVerdict = { kind: "pending" } | { kind: "video"; video: OmniVideo } | VeoFailure;

/** Still running: waiting for capacity or generating. */
const RUNNING: ReadonlySet<string> = new Set(["in_progress", "queued"]);

/** Safety and policy wording of an error message; person/celebrity wording is told apart by classifyFilterReasons. */
const SAFETY_WORDING =
  /\b(safety|blocked|prohibited|responsible ai|usage guidelines|policy|policies|violat\w*|celebrit(y|ies)|likeness)\b/i;

/** google.rpc codes (numbers) and their names / error-type URIs (strings) that mean the quota. */
const QUOTA = /RESOURCE_EXHAUSTED|quota|rate.?limit/i;
const TRANSIENT = /DEADLINE_EXCEEDED|ABORTED|INTERNAL|UNAVAILABLE/i;
const RPC_RESOURCE_EXHAUSTED = 8;
const RPC_TRANSIENT: ReadonlySet<number> = new Set([4, 10, 13, 14]);

/** One fault the interaction carries, as code and message. */
interface Fault {
  code?: string | number;
  message: string;
}

function faultsOf(interaction: InteractionState): Fault[] {
  const recorded = (interaction.errors ?? []).map((e) => ({ code: e.code, message: e.message ?? "" }));
  const inSteps = (interaction.steps ?? []).flatMap((step) =>
    step.error ? [{ code: step.error.code ?? step.error.status, message: step.error.message ?? "" }] : [],
  );
  return [...recorded, ...inSteps];
}

/** A failed interaction: a safety block is filtered, the quota a rate limit, a transient code transient. */
function classifyFaults(faults: Fault[], status: string): VeoFailure {
  const messages = faults.map((f) => f.message).filter((m) => m !== "");
  const detail = `interaction ${status}: ${
    faults.map((f) => [f.code, f.message].filter((p) => p !== undefined && p !== "").join(": ")).join(" | ") ||
    "no reason given"
  }`;
  if (messages.some((m) => SAFETY_WORDING.test(m)) || supportCodes(messages).length > 0) {
    return { kind: "filtered", reason: classifyFilterReasons(messages), detail };
  }
  const codes = faults.map((f) => f.code);
  if (codes.some((c) => c === RPC_RESOURCE_EXHAUSTED || (typeof c === "string" && QUOTA.test(c)))) {
    return { kind: "rate_limited", detail };
  }
  const transient = codes.some((c) => (typeof c === "number" ? RPC_TRANSIENT.has(c) : TRANSIENT.test(c ?? "")));
  return { kind: "error", errorClass: transient ? "transient" : "unknown", detail };
}

/**
 * Reads an interaction: running is pending; completed with a clip (inline or by URI) is the
 * video; failed carries its faults; any other end (cancelled, incomplete, budget exceeded, a
 * status this code does not know) gives no clip, so the chain moves on rather than poll forever.
 */
export function classifyInteraction(interaction: InteractionState): OmniVerdict {
  const { status } = interaction;
  if (RUNNING.has(status)) return { kind: "pending" };
  const faults = faultsOf(interaction);
  if (status === "failed") return classifyFaults(faults, status);
  if (status === "completed") {
    const video = interaction.output_video;
    if (video?.data || video?.uri) return { kind: "video", video: { data: video.data, uri: video.uri } };
    if (faults.length > 0) return classifyFaults(faults, status);
    const said = interaction.output_text ? `; the model said: ${interaction.output_text}` : "";
    return { kind: "error", errorClass: "invalid_output", detail: `interaction completed without a video${said}` };
  }
  const detail = `interaction ended ${status} without a video`;
  return { kind: "error", errorClass: status === "cancelled" ? "unknown" : "invalid_output", detail };
}

/** The error classes @google/genai's Interactions client throws for an HTTP answer: status and parsed body. */
const HttpErrorSchema = z.object({ status: z.number().int(), error: z.unknown(), message: z.string() });

/**
 * Classifies what the Interactions client threw. Its errors are not @google/genai's ApiError but
 * classes of its own (NotFoundError, RateLimitError, APIConnectionError...) that the package does
 * not export, so they are read by shape: an HTTP status with the Google error envelope as `error`,
 * or a transport failure. A 4xx refusal worded as a safety block is filtered.
 * Undefined for anything else: a bug, which the caller rethrows.
 */
export function classifyInteractionsError(error: unknown): ApiFailure | undefined {
  const http = HttpErrorSchema.safeParse(error);
  if (http.success) {
    const body = rpcStatusOf(http.data.error) ?? { code: http.data.status, message: http.data.message };
    const failure = classifyHttpFailure(http.data.status, body);
    // A request refused for its content (e.g. the input image) says so in words, not support codes.
    if (
      failure.verdict.kind === "error" &&
      failure.verdict.errorClass === "unknown" &&
      SAFETY_WORDING.test(body.message ?? "")
    ) {
      const detail = failure.verdict.detail;
      return {
        verdict: { kind: "filtered", reason: classifyFilterReasons([body.message ?? ""]), detail },
        retryable: false,
      };
    }
    return failure;
  }
  return classifyTransportError(error);
}
