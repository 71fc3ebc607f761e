import { ApiError } from "@google/genai";
import { APIConnectionTimeoutError, APIError } from "openai";
import { ERROR_CLASSES } from "../../src/contract/run";
import {
  classifyError,
  decideAfterFailure,
  ERROR_RULES,
  ModelCallError,
  retryAfterMs,
  type RetryBudget,
} from "../../src/models/errors";

const BUDGET: RetryBudget = { maxRetriesPerModel: 2, baseDelayMs: 500, maxDelayMs: 10_000, modelBudgetMs: 30_000 };

describe("decideAfterFailure", () => {
  it("has one rule for every error class", () => {
    expect(Object.keys(ERROR_RULES).sort()).toEqual([...ERROR_CLASSES].sort());
  });

  it("retries rate limits with exponential backoff, then moves to the next model", () => {
    expect(decideAfterFailure("rate_limited", 0, 0, BUDGET)).toEqual({ action: "retry", delayMs: 500 });
    expect(decideAfterFailure("rate_limited", 1, 600, BUDGET)).toEqual({ action: "retry", delayMs: 1000 });
    expect(decideAfterFailure("rate_limited", 2, 2000, BUDGET)).toEqual({ action: "next_model", coolDownNow: false });
  });

  it("waits what retry-after asks, but never beyond the cap or the model's budget", () => {
    expect(decideAfterFailure("rate_limited", 0, 0, BUDGET, 7_000)).toEqual({ action: "retry", delayMs: 7_000 });
    expect(decideAfterFailure("rate_limited", 0, 0, BUDGET, 60_000)).toMatchObject({ action: "next_model" });
    expect(decideAfterFailure("rate_limited", 0, 25_000, BUDGET, 7_000)).toMatchObject({ action: "next_model" });
  });

  it("retries transient errors within the budget", () => {
    expect(decideAfterFailure("transient", 0, 0, BUDGET)).toEqual({ action: "retry", delayMs: 500 });
    expect(decideAfterFailure("transient", 0, 29_800, BUDGET)).toMatchObject({ action: "next_model" });
    expect(decideAfterFailure("transient", 0, 0, { ...BUDGET, maxRetriesPerModel: 0 })).toMatchObject({
      action: "next_model",
    });
  });

  it("cools a not-found model down and moves on without retrying", () => {
    expect(decideAfterFailure("not_found", 0, 0, BUDGET)).toEqual({ action: "next_model", coolDownNow: true });
  });

  it("moves to the next model on content policy, invalid output and unknown errors", () => {
    for (const errorClass of ["content_policy", "invalid_output", "unknown"] as const) {
      expect(decideAfterFailure(errorClass, 0, 0, BUDGET)).toEqual({ action: "next_model", coolDownNow: false });
    }
  });

  it("skips the rest of the provider on auth or configuration errors", () => {
    expect(decideAfterFailure("auth_config", 0, 0, BUDGET)).toEqual({ action: "next_provider" });
  });
});

function geminiError(status: number, error: Record<string, unknown>): ApiError {
  return new ApiError({ status, message: JSON.stringify({ error: { code: status, ...error } }) });
}

function openAiError(status: number, code: string | null, headers: Record<string, string> = {}): APIError {
  return APIError.generate(
    status,
    { error: { message: "m", type: "t", param: null, code } },
    undefined,
    new Headers(headers),
  );
}

describe("classifyError", () => {
  it("classifies Gemini ApiErrors by status and body", () => {
    expect(classifyError("gemini", geminiError(404, { status: "NOT_FOUND" }))).toBe("not_found");
    expect(classifyError("gemini", geminiError(429, { status: "RESOURCE_EXHAUSTED" }))).toBe("rate_limited");
    expect(classifyError("gemini", geminiError(503, { status: "UNAVAILABLE" }))).toBe("transient");
    expect(classifyError("gemini", geminiError(403, { status: "PERMISSION_DENIED" }))).toBe("auth_config");
    const badKey = geminiError(400, { status: "INVALID_ARGUMENT", details: [{ reason: "API_KEY_INVALID" }] });
    expect(classifyError("gemini", badKey)).toBe("auth_config");
    expect(classifyError("gemini", geminiError(400, { status: "INVALID_ARGUMENT", message: "bad field" }))).toBe(
      "unknown",
    );
  });

  it("classifies OpenAI APIErrors by code first, then status", () => {
    expect(classifyError("openai", openAiError(404, "model_not_found"))).toBe("not_found");
    expect(classifyError("openai", openAiError(400, "content_policy_violation"))).toBe("content_policy");
    expect(classifyError("openai", openAiError(429, "rate_limit_exceeded"))).toBe("rate_limited");
    expect(classifyError("openai", openAiError(429, "insufficient_quota"))).toBe("auth_config");
    expect(classifyError("openai", openAiError(401, "invalid_api_key"))).toBe("auth_config");
    expect(classifyError("openai", openAiError(500, null))).toBe("transient");
    expect(classifyError("openai", new APIConnectionTimeoutError())).toBe("transient");
  });

  it("keeps the class of an unusable reply and treats fetch failures as transient", () => {
    expect(classifyError("gemini", new ModelCallError("content_policy", "blocked"))).toBe("content_policy");
    const abort = new DOMException("This operation was aborted", "AbortError");
    expect(classifyError("gemini", new Error("exception AbortError sending request", { cause: abort }))).toBe(
      "transient",
    );
    expect(classifyError("gemini", new TypeError("fetch failed"))).toBe("transient");
    expect(classifyError("gemini", new Error("something else"))).toBe("unknown");
  });
});

describe("retryAfterMs", () => {
  it("reads Gemini's RetryInfo and OpenAI's retry-after headers", () => {
    const gemini429 = geminiError(429, {
      details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "37s" }],
    });
    expect(retryAfterMs("gemini", gemini429)).toBe(37_000);
    expect(retryAfterMs("openai", openAiError(429, null, { "retry-after": "2" }))).toBe(2_000);
    expect(retryAfterMs("openai", openAiError(429, null, { "retry-after-ms": "150", "retry-after": "2" }))).toBe(150);
    expect(retryAfterMs("openai", openAiError(429, null))).toBeUndefined();
  });
});
