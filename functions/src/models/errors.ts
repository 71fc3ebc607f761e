import { ApiError } from "@google/genai";
import { APIConnectionError, APIError, APIUserAbortError } from "openai";
import type { ErrorClass } from "../contract/run";
import type { ProviderName } from "../contract/providers";

/** A failure we detect ourselves, with its class: an unusable reply (safety block, bad JSON, failed quality check...) or a missing key. */
export class ModelCallError extends Error {
  constructor(
    readonly errorClass: ErrorClass,
    message: string,
  ) {
    super(message);
    this.name = "ModelCallError";
  }
}

export type RuleAction = "retry" | "next_model" | "next_provider";

export interface ErrorRule {
  action: RuleAction;
  /** Cool the model down for every instance at once. */
  coolDownNow: boolean;
  /** Counts toward the consecutive-failure streak that cools a model down. */
  countsTowardStreak: boolean;
  why: string;
}

/** The one table of what each class of failure leads to. */
export const ERROR_RULES: Record<ErrorClass, ErrorRule> = {
  rate_limited: {
    action: "retry",
    coolDownNow: false,
    countsTowardStreak: true,
    why: "quota recovers: wait as retry-after asks (up to maxDelayMs) within the budget, else the next model",
  },
  transient: {
    action: "retry",
    coolDownNow: false,
    countsTowardStreak: true,
    why: "5xx, timeouts and dropped connections often pass: retry within the budget, then the next model",
  },
  not_found: {
    action: "next_model",
    coolDownNow: true,
    countsTowardStreak: false,
    why: "a retired or misnamed model stays gone: cool it down everywhere and use the next model",
  },
  content_policy: {
    action: "next_model",
    coolDownNow: false,
    countsTowardStreak: false,
    why: "policies differ between models; the request itself is not the model's health",
  },
  invalid_output: {
    action: "next_model",
    coolDownNow: false,
    countsTowardStreak: false,
    why: "a reply that fails the schema or the quality check is never shipped: the next model tries",
  },
  auth_config: {
    action: "next_provider",
    coolDownNow: false,
    countsTowardStreak: false,
    why: "a bad key or project fails every model of that provider: skip them and log it loudly",
  },
  retired: {
    action: "next_model",
    coolDownNow: false,
    countsTowardStreak: false,
    why: "past its provider's shutdown date the model is never called: the chain starts at the next one",
  },
  unknown: {
    action: "next_model",
    coolDownNow: false,
    countsTowardStreak: true,
    why: "an unexpected failure is not worth repeating on the same model",
  },
};

export interface RetryBudget {
  maxRetriesPerModel: number;
  baseDelayMs: number;
  maxDelayMs: number;
  modelBudgetMs: number;
}

export type Decision =
  { action: "retry"; delayMs: number } | { action: "next_model"; coolDownNow: boolean } | { action: "next_provider" };

/**
 * What to do after a failed call. `retriesSoFar` counts the retries of this model
 * already made in this call, `elapsedMs` the time spent on it (calls and waits).
 */
export function decideAfterFailure(
  errorClass: ErrorClass,
  retriesSoFar: number,
  elapsedMs: number,
  budget: RetryBudget,
  retryAfterMs?: number,
): Decision {
  const rule = ERROR_RULES[errorClass];
  if (rule.action === "next_provider") return { action: "next_provider" };
  if (rule.action === "retry" && retriesSoFar < budget.maxRetriesPerModel) {
    // A provider asking for a longer wait than the cap will refuse an earlier retry: move on instead.
    const delayMs = retryAfterMs ?? Math.min(budget.baseDelayMs * 2 ** retriesSoFar, budget.maxDelayMs);
    if (delayMs <= budget.maxDelayMs && elapsedMs + delayMs <= budget.modelBudgetMs)
      return { action: "retry", delayMs };
  }
  return { action: "next_model", coolDownNow: rule.coolDownNow };
}

/** By name, not instanceof: fetch's errors may come from another realm (DOMException, VM contexts). */
function errorName(error: unknown): string {
  return typeof error === "object" && error !== null && "name" in error ? String(error.name) : "";
}

/** The error and its causes: SDKs wrap what fetch threw ("exception ... sending request"). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current && chain.length < 5; current = (current as { cause?: unknown }).cause) {
    chain.push(current);
  }
  return chain;
}

/** A timeout (our per-call deadline), an abort, or a refused/reset connection: fetch-level failures. */
function isFetchFailure(error: unknown): boolean {
  return causeChain(error).some((item) => {
    const name = errorName(item);
    if (name === "AbortError" || name === "TimeoutError") return true;
    // Node's fetch reports refused or reset connections as TypeError("fetch failed").
    return name === "TypeError" && /fetch failed|network|socket/i.test(String((item as Error).message));
  });
}

interface GoogleErrorBody {
  status?: string;
  message?: string;
  details?: Array<{ "@type"?: string; reason?: string; retryDelay?: string }>;
}

/** The SDK puts the JSON error body in ApiError.message. */
function googleErrorBody(error: ApiError): GoogleErrorBody {
  try {
    const parsed = JSON.parse(error.message) as { error?: GoogleErrorBody };
    return parsed.error ?? {};
  } catch {
    return { message: error.message };
  }
}

function classifyGemini(error: ApiError): ErrorClass {
  const body = googleErrorBody(error);
  const reasons = (body.details ?? []).map((detail) => detail.reason ?? "");
  if (error.status === 404) return "not_found";
  if (error.status === 429) return "rate_limited";
  if (error.status === 401 || error.status === 403) return "auth_config";
  if (error.status === 408 || error.status >= 500) return "transient";
  if (reasons.some((reason) => reason.startsWith("API_KEY")) || body.status === "FAILED_PRECONDITION") {
    return "auth_config";
  }
  if (/is not found|not supported for/i.test(body.message ?? "")) return "not_found";
  return "unknown";
}

function classifyOpenAi(error: APIError): ErrorClass {
  if (error.code === "model_not_found") return "not_found";
  if (error.code === "content_policy_violation") return "content_policy";
  // Out of credit: waiting does not help, and every model of the account shares it.
  if (error.code === "insufficient_quota") return "auth_config";
  if (error.status === 404) return "not_found";
  if (error.status === 429) return "rate_limited";
  if (error.status === 401 || error.status === 403) return "auth_config";
  if (error.status === 408 || error.status === 409 || (error.status !== undefined && error.status >= 500)) {
    return "transient";
  }
  return "unknown";
}

/** google-gax errors (Cloud Text-to-Speech) carry a gRPC status code, in REST mode too. */
const GRPC = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

function grpcCode(error: unknown): number | undefined {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "number" ? code : undefined;
}

function classifyGoogleCloud(error: unknown): ErrorClass {
  const code = grpcCode(error);
  const message = typeof error === "object" && error !== null ? String((error as Error).message ?? "") : "";
  if (code === GRPC.NOT_FOUND) return "not_found";
  // A voice the service no longer has is refused as an invalid argument naming it.
  if (code === GRPC.INVALID_ARGUMENT && /voice .*(does not exist|not found|not supported)/i.test(message)) {
    return "not_found";
  }
  if (code === GRPC.RESOURCE_EXHAUSTED) return "rate_limited";
  if (code === GRPC.PERMISSION_DENIED || code === GRPC.UNAUTHENTICATED || code === GRPC.FAILED_PRECONDITION) {
    return "auth_config";
  }
  if (code === GRPC.UNAVAILABLE || code === GRPC.INTERNAL || code === GRPC.DEADLINE_EXCEEDED || code === GRPC.ABORTED) {
    return "transient";
  }
  // Application Default Credentials that cannot be found fail before any request.
  if (/default credentials|could not load the default/i.test(message)) return "auth_config";
  return "unknown";
}

/** Maps whatever a provider call threw to the class that decides what happens next. */
export function classifyError(provider: ProviderName, error: unknown): ErrorClass {
  if (error instanceof ModelCallError) return error.errorClass;
  if (isFetchFailure(error)) return "transient";
  if (provider === "gemini" && error instanceof ApiError) return classifyGemini(error);
  if (provider === "openai") {
    // Timeouts, aborts and refused connections: no status.
    if (error instanceof APIConnectionError || error instanceof APIUserAbortError) return "transient";
    if (error instanceof APIError) return classifyOpenAi(error);
  }
  if (provider === "google_tts") return classifyGoogleCloud(error);
  return "unknown";
}

function parseDurationMs(text: string | null | undefined, unitMs: number): number | undefined {
  if (!text) return undefined;
  const value = Number.parseFloat(text);
  return Number.isFinite(value) && value >= 0 ? Math.round(value * unitMs) : undefined;
}

/** How long the provider asked us to wait, when it said so. */
export function retryAfterMs(provider: ProviderName, error: unknown): number | undefined {
  if (provider === "gemini" && error instanceof ApiError) {
    const retryInfo = (googleErrorBody(error).details ?? []).find((detail) => detail.retryDelay);
    return parseDurationMs(retryInfo?.retryDelay?.replace(/s$/, ""), 1000);
  }
  if (provider === "openai" && error instanceof APIError && error.headers) {
    const inMs = parseDurationMs(error.headers.get("retry-after-ms"), 1);
    if (inMs !== undefined) return inMs;
    const header = error.headers.get("retry-after");
    const seconds = parseDurationMs(header, 1000);
    if (seconds !== undefined && /^\s*[\d.]+\s*$/.test(header ?? "")) return seconds;
    const date = header ? Date.parse(header) : NaN;
    return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
  }
  return undefined;
}

const MAX_ERROR_CHARS = 300;

/** A short, single-line description of a failure for the attempt record. */
export function describeError(provider: ProviderName, error: unknown): string {
  let text: string;
  if (provider === "gemini" && error instanceof ApiError) {
    const body = googleErrorBody(error);
    text = `${error.status} ${body.status ?? ""}: ${body.message ?? ""}`;
  } else if (typeof error === "object" && error !== null && "message" in error) {
    text = String(error.message);
  } else {
    text = String(error);
  }
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}…` : line;
}
