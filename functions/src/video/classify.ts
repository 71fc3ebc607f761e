import { ApiError, type GenerateVideosOperation, type Video } from "@google/genai";
import { z } from "zod";
import type { VideoErrorClass } from "../contract/providers";

/**
 * Pure decisions of the Veo adapter: request parameters, and what an operation or an API
 * error means for the scene. No I/O here, so every rule is unit-tested on its own.
 */

/** Clip lengths Veo 3.1 accepts for `durationSeconds` (720p; 1080p and 4k accept only 8). */
export const VEO_DURATIONS_SEC = [4, 6, 8] as const;
export type VeoDurationSec = (typeof VEO_DURATIONS_SEC)[number];

/** Veo 3.1 renders landscape or portrait only. */
export type VeoAspectRatio = "16:9" | "9:16";

/**
 * The shortest accepted length that still covers the scene, so narration never outruns the
 * clip (assembly trims the excess); scenes longer than 8 s get the longest clip.
 */
export function veoDurationSeconds(sceneSec: number): VeoDurationSec {
  if (!Number.isFinite(sceneSec) || sceneSec <= 0) throw new Error(`scene duration must be positive, got ${sceneSec}`);
  return VEO_DURATIONS_SEC.find((accepted) => accepted >= sceneSec) ?? VEO_DURATIONS_SEC[VEO_DURATIONS_SEC.length - 1];
}

/**
 * The run's orientation, asked of every video model: portrait output for portrait frames, landscape
 * otherwise. A square (1:1) run gets 16:9 (Veo 3.1 and Omni Flash have no square output; Veo 3.1 offers
 * "landscape (16:9) and portrait (9:16)": https://ai.google.dev/gemini-api/docs/video, read 2026-12-07)
 * and the clip is cut to the square around the product when it is normalised (media/normalize.ts).
 */
export function veoAspectRatio(width: number, height: number): VeoAspectRatio {
  if (!(width > 0 && height > 0)) throw new Error(`frame size must be positive, got ${width}x${height}`);
  return height > width ? "9:16" : "16:9";
}

export type FilterReason = "celebrity_detected" | "safety_filter";

/**
 * Veo's responsible-AI support codes that concern people in the input or output (Vertex AI
 * "Responsible AI and usage guidelines for Veo"): Celebrity 29310472 (prompt) / 15236754 (output);
 * Child, i.e. personGeneration not allowing minors, 58061214 / 17301594; People/Face 39322892
 * (the Imagen code, also seen on image inputs). Every other code (video safety 64151117/42237218,
 * dangerous, hate, other, prohibited, third-party, sexual, toxic, violence, vulgar) is a safety filter.
 */
export const PERSON_SUPPORT_CODES: ReadonlySet<string> = new Set([
  "29310472",
  "15236754",
  "58061214",
  "17301594",
  "39322892",
]);

/** Wording of person/celebrity filters when a reason carries no support code. */
const PERSON_WORDING =
  /\b(celebrit(y|ies)|prominent (person|people)|famous (person|people)|public figures?|likeness|real (person|people)|person|people|faces?)\b|person ?generation|persongeneration/i;

const SUPPORT_CODES = /support codes?:?\s*([\d,\s]+)/gi;

/** The 8-digit support codes quoted in filter reasons such as "... Support codes: 15236754, 42237218". */
export function supportCodes(reasons: readonly string[]): string[] {
  const codes: string[] = [];
  for (const reason of reasons) {
    for (const match of reason.matchAll(SUPPORT_CODES)) codes.push(...(match[1].match(/\d{8}/g) ?? []));
  }
  return codes;
}

/**
 * Maps Veo's filter reasons to the scene's fallback reason. Support codes decide when present
 * (they are exact); otherwise person/celebrity wording means `celebrity_detected`, and anything
 * else, including audio filters and empty reasons, is `safety_filter`.
 */
export function classifyFilterReasons(reasons: readonly string[]): FilterReason {
  const codes = supportCodes(reasons);
  if (codes.length > 0)
    return codes.some((code) => PERSON_SUPPORT_CODES.has(code)) ? "celebrity_detected" : "safety_filter";
  return reasons.some((reason) => PERSON_WORDING.test(reason)) ? "celebrity_detected" : "safety_filter";
}

/** What a Veo call has come to, before any download. */
export type VeoVerdict =
  | { kind: "pending" }
  | { kind: "video"; video: Video }
  | { kind: "filtered"; reason: FilterReason; detail: string }
  | { kind: "rate_limited"; detail: string }
  | { kind: "error"; errorClass: VideoErrorClass; detail: string };

export type VeoFailure = Extract<VeoVerdict, { kind: "filtered" | "rate_limited" | "error" }>;

/** google.rpc.Code values an operation's `error.code` may carry. */
const RPC_RESOURCE_EXHAUSTED = 8;
/** DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNAVAILABLE: the same request may well succeed again. */
const RPC_TRANSIENT: ReadonlySet<number> = new Set([4, 10, 13, 14]);

const RpcStatusSchema = z.object({
  code: z.number().optional(),
  message: z.string().optional(),
  status: z.string().optional(),
  details: z.array(z.object({ reason: z.string().optional() }).passthrough()).optional(),
});
export type RpcStatus = z.infer<typeof RpcStatusSchema>;

function describeStatus(status: RpcStatus): string {
  return [status.status, status.code !== undefined ? `code ${status.code}` : undefined, status.message]
    .filter((part) => part !== undefined && part !== "")
    .join(": ");
}

/** A failure whose message quotes responsible-AI support codes is a filter, whatever its envelope. */
function filterFromMessage(message: string | undefined): VeoFailure | undefined {
  if (!message || supportCodes([message]).length === 0) return undefined;
  return { kind: "filtered", reason: classifyFilterReasons([message]), detail: message };
}

/** Reads a (possibly finished) operation as returned by `generateVideos` / `getVideosOperation`. */
export function classifyOperation(operation: Pick<GenerateVideosOperation, "done" | "error" | "response">): VeoVerdict {
  if (!operation.done) return { kind: "pending" };
  if (operation.error) {
    const parsed = RpcStatusSchema.safeParse(operation.error);
    const status = parsed.success ? parsed.data : {};
    const detail = `operation failed: ${describeStatus(status) || JSON.stringify(operation.error)}`;
    if (status.code === RPC_RESOURCE_EXHAUSTED) return { kind: "rate_limited", detail };
    const errorClass = RPC_TRANSIENT.has(status.code ?? -1) ? "transient" : "unknown";
    return filterFromMessage(status.message) ?? { kind: "error", errorClass, detail };
  }
  const response = operation.response;
  const video = response?.generatedVideos?.find(
    (generated) => generated.video?.uri || generated.video?.videoBytes,
  )?.video;
  if (video) return { kind: "video", video };
  const reasons = response?.raiMediaFilteredReasons ?? [];
  const filteredCount = response?.raiMediaFilteredCount ?? 0;
  if (filteredCount > 0 || reasons.length > 0) {
    const detail =
      reasons.length > 0 ? reasons.join(" | ") : `${filteredCount} video(s) filtered without a stated reason`;
    return { kind: "filtered", reason: classifyFilterReasons(reasons), detail };
  }
  return {
    kind: "error",
    errorClass: "invalid_output",
    detail: "operation finished without a video or a filter reason",
  };
}

/** Classified API call failure; `retryable` failures may succeed when the same call is repeated later. */
export interface ApiFailure {
  verdict: VeoFailure;
  retryable: boolean;
}

const ErrorBodySchema = z.object({ error: RpcStatusSchema });

/** The SDK's ApiError carries the HTTP status and the error body as its JSON message. */
function errorBody(error: ApiError): RpcStatus {
  try {
    const status = rpcStatusOf(JSON.parse(error.message));
    if (status) return status;
  } catch {
    // Not JSON: the body was plain text, kept whole as the message below.
  }
  return { code: error.status, message: error.message };
}

function isAuthFailure(httpStatus: number, body: RpcStatus): boolean {
  if (httpStatus === 401 || httpStatus === 403) return true;
  if (body.status === "UNAUTHENTICATED" || body.status === "PERMISSION_DENIED") return true;
  return (body.details ?? []).some(
    (detail) => detail.reason === "API_KEY_INVALID" || detail.reason === "API_KEY_EXPIRED",
  );
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

/** Aborts and timeouts as fetch names them, and as the Interactions client of @google/genai re-raises them. */
const ABORT_NAMES: ReadonlySet<string> = new Set([
  "AbortError",
  "TimeoutError",
  "RequestTimeoutError",
  "RequestAbortedError",
  "APIConnectionTimeoutError",
  "APIUserAbortError",
]);

/**
 * Failures of the transport (no usable HTTP answer): fetch's "fetch failed" with the socket
 * error (and its code) as cause, possibly wrapped once more by the SDK, and aborts/timeouts.
 * Read by name, not instanceof: fetch's errors may come from another realm.
 */
function networkFailure(error: ErrorLike): string | undefined {
  let fetchFailed = false;
  let aborted = false;
  let code: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    const link = current as ErrorLike;
    if (link.name === "TypeError" && link.message === "fetch failed") fetchFailed = true;
    if (typeof link.name === "string" && ABORT_NAMES.has(link.name)) aborted = true;
    if (typeof link.code === "string") code ??= link.code;
    current = link.cause;
  }
  if (fetchFailed) return `network: fetch failed${code ? ` (${code})` : ""}`;
  if (aborted) return `network: request aborted or timed out${code ? ` (${code})` : ""}`;
  return undefined;
}

/**
 * What an HTTP error answer of a Google API means: 429 / RESOURCE_EXHAUSTED is a rate limit,
 * 401/403/invalid key an auth problem, 404 a missing model or operation, 408/5xx transient,
 * support codes mean a filter, other answers are errors. Shared by the Veo and Omni adapters.
 */
export function classifyHttpFailure(httpStatus: number, body: RpcStatus): ApiFailure {
  const detail = `HTTP ${httpStatus}: ${describeStatus(body)}`;
  if (httpStatus === 429 || body.status === "RESOURCE_EXHAUSTED") {
    return { verdict: { kind: "rate_limited", detail }, retryable: true };
  }
  if (isAuthFailure(httpStatus, body)) {
    return {
      verdict: { kind: "error", errorClass: "auth_config", detail: `auth/config: ${detail}` },
      retryable: false,
    };
  }
  if (httpStatus === 404 || body.status === "NOT_FOUND") {
    return {
      verdict: { kind: "error", errorClass: "not_found", detail: `not found (model or operation): ${detail}` },
      retryable: false,
    };
  }
  const filtered = filterFromMessage(body.message);
  if (filtered) return { verdict: filtered, retryable: false };
  const retryable = httpStatus === 408 || httpStatus >= 500;
  return { verdict: { kind: "error", errorClass: retryable ? "transient" : "unknown", detail }, retryable };
}

/** The Google error envelope `{error: {code, message, status, details}}`, when a payload is one. */
export function rpcStatusOf(payload: unknown): RpcStatus | undefined {
  const parsed = ErrorBodySchema.safeParse(payload);
  return parsed.success ? parsed.data.error : undefined;
}

/**
 * Classifies what the SDK threw for a Veo call (see classifyHttpFailure for API answers);
 * network failures are transient. Returns undefined for anything else: a bug, which the
 * caller rethrows.
 */
export function classifyApiError(error: unknown): ApiFailure | undefined {
  if (error instanceof ApiError) return classifyHttpFailure(error.status, errorBody(error));
  return classifyTransportError(error);
}

/**
 * A call that got no API answer to classify: a 2xx body that is not JSON (the endpoint is not
 * the API it should be) or a network failure (transient). Undefined for anything else: a bug.
 */
export function classifyTransportError(error: unknown): ApiFailure | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const errorLike = error as ErrorLike;
  if (errorLike.name === "SyntaxError") {
    return {
      verdict: {
        kind: "error",
        errorClass: "invalid_output",
        detail: `unreadable API answer: ${String(errorLike.message)}`,
      },
      retryable: false,
    };
  }
  const network = networkFailure(errorLike);
  if (network) return { verdict: { kind: "error", errorClass: "transient", detail: network }, retryable: true };
  return undefined;
}
