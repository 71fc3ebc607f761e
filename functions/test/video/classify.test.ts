import { ApiError, GenerateVideosOperation } from "@google/genai";
import {
  classifyApiError,
  classifyFilterReasons,
  classifyOperation,
  supportCodes,
  veoAspectRatio,
  veoDurationSeconds,
} from "../../src/video/classify";

function operation(fields: Partial<GenerateVideosOperation>): GenerateVideosOperation {
  return Object.assign(
    new GenerateVideosOperation(),
    { name: "models/veo-3.1-generate-preview/operations/abc" },
    fields,
  );
}

function apiError(status: number, error: Record<string, unknown>): ApiError {
  return new ApiError({ status, message: JSON.stringify({ error }) });
}

describe("veoDurationSeconds", () => {
  it.each([
    [2, 4],
    [4, 4],
    [4.2, 6],
    [5, 6],
    [6, 6],
    [7.5, 8],
    [8, 8],
    [11, 8],
  ])("a %s s scene asks Veo for %s s", (scene, veo) => {
    expect(veoDurationSeconds(scene)).toBe(veo);
  });

  it("refuses a duration that is not positive", () => {
    expect(() => veoDurationSeconds(0)).toThrow(/positive/);
    expect(() => veoDurationSeconds(Number.NaN)).toThrow(/positive/);
  });
});

describe("veoAspectRatio", () => {
  it.each([
    [1080, 1920, "9:16"],
    [1920, 1080, "16:9"],
    [1080, 1080, "16:9"],
    [720, 1280, "9:16"],
  ])("%sx%s renders as %s", (width, height, ratio) => {
    expect(veoAspectRatio(width, height)).toBe(ratio);
  });
});

describe("classifyFilterReasons", () => {
  it.each([
    // Vertex AI's documented wording, celebrity output code.
    [
      "Veo could not generate videos because the input image violates Vertex AI's usage guidelines. If you think this was an error, send feedback. Support codes: 15236754",
      "celebrity_detected",
    ],
    ["Veo could not generate 1 videos based on the prompt provided. Support codes: 29310472", "celebrity_detected"],
    ["Blocked by personGeneration settings. Support codes: 58061214", "celebrity_detected"],
    // Video safety violation, as seen in the field.
    [
      "Veo could not generate 1 videos based on the prompt provided. You will not be charged for this request. Try rephrasing the prompt. If you think this was an error, send feedback. Support codes: 42237218",
      "safety_filter",
    ],
    ["Support codes: 56562880", "safety_filter"],
    // No support code: the wording decides.
    ["The input image contains a photorealistic depiction of a celebrity.", "celebrity_detected"],
    ["Your current safety settings for person generation prevented this video.", "celebrity_detected"],
    ["The video could not be generated because it shows a real person's likeness.", "celebrity_detected"],
    [
      "We encountered an issue with the audio for your prompt, which means we could not create your video. This can sometimes happen due to our safety filters or other processing issues.",
      "safety_filter",
    ],
    ["Violates Google's Responsible AI policies.", "safety_filter"],
    // "surface" and "personal" are not people.
    ["Reflective surface content was filtered for personal information.", "safety_filter"],
  ])("%s -> %s", (reason, expected) => {
    expect(classifyFilterReasons([reason])).toBe(expected);
  });

  it("a person code among several codes makes it a person filter", () => {
    expect(classifyFilterReasons(["Support codes: 42237218, 15236754"])).toBe("celebrity_detected");
  });

  it("codes win over wording", () => {
    expect(classifyFilterReasons(["The person in the prompt asked for violence. Support codes: 61493863"])).toBe(
      "safety_filter",
    );
  });

  it("no reason at all is a safety filter", () => {
    expect(classifyFilterReasons([])).toBe("safety_filter");
  });

  it("reads every 8-digit code after 'Support codes'", () => {
    expect(supportCodes(["x. Support codes: 39322892, 29310472", "Support code: 64151117"])).toEqual([
      "39322892",
      "29310472",
      "64151117",
    ]);
  });
});

describe("classifyOperation", () => {
  it("not done is pending", () => {
    expect(classifyOperation(operation({ done: false }))).toEqual({ kind: "pending" });
    expect(classifyOperation(operation({}))).toEqual({ kind: "pending" });
  });

  it("a video by URI or by bytes is a video", () => {
    const byUri = { uri: "https://example.invalid/v1beta/files/abc:download?alt=media" };
    expect(classifyOperation(operation({ done: true, response: { generatedVideos: [{ video: byUri }] } }))).toEqual({
      kind: "video",
      video: byUri,
    });
    const byBytes = { videoBytes: "AAAA", mimeType: "video/mp4" };
    expect(classifyOperation(operation({ done: true, response: { generatedVideos: [{ video: byBytes }] } }))).toEqual({
      kind: "video",
      video: byBytes,
    });
  });

  it("filtered media are filtered, with every reason kept", () => {
    const verdict = classifyOperation(
      operation({
        done: true,
        response: { raiMediaFilteredCount: 1, raiMediaFilteredReasons: ["celebrity likeness", "second reason"] },
      }),
    );
    expect(verdict).toEqual({
      kind: "filtered",
      reason: "celebrity_detected",
      detail: "celebrity likeness | second reason",
    });
  });

  it("a filtered count without reasons is a safety filter", () => {
    expect(classifyOperation(operation({ done: true, response: { raiMediaFilteredCount: 1 } }))).toEqual({
      kind: "filtered",
      reason: "safety_filter",
      detail: "1 video(s) filtered without a stated reason",
    });
  });

  it("an operation error is an error, RESOURCE_EXHAUSTED a rate limit, support codes a filter", () => {
    expect(classifyOperation(operation({ done: true, error: { code: 13, message: "Internal error." } }))).toEqual({
      kind: "error",
      errorClass: "transient",
      detail: "operation failed: code 13: Internal error.",
    });
    expect(classifyOperation(operation({ done: true, error: { code: 3, message: "Bad request." } }))).toMatchObject({
      errorClass: "unknown",
    });
    expect(classifyOperation(operation({ done: true, error: { code: 8, message: "Quota exceeded." } })).kind).toBe(
      "rate_limited",
    );
    expect(
      classifyOperation(
        operation({ done: true, error: { code: 3, message: "Input rejected. Support codes: 29310472" } }),
      ),
    ).toEqual({ kind: "filtered", reason: "celebrity_detected", detail: "Input rejected. Support codes: 29310472" });
  });

  it("done with neither video nor filter is an error", () => {
    expect(classifyOperation(operation({ done: true, response: { generatedVideos: [] } }))).toEqual({
      kind: "error",
      errorClass: "invalid_output",
      detail: "operation finished without a video or a filter reason",
    });
  });
});

describe("classifyApiError", () => {
  it("429 RESOURCE_EXHAUSTED is a retryable rate limit", () => {
    const failure = classifyApiError(
      apiError(429, { code: 429, message: "Quota exceeded", status: "RESOURCE_EXHAUSTED" }),
    );
    expect(failure).toEqual({
      verdict: { kind: "rate_limited", detail: "HTTP 429: RESOURCE_EXHAUSTED: code 429: Quota exceeded" },
      retryable: true,
    });
  });

  it("an invalid API key, 401 and 403 are auth/config errors, not retried", () => {
    const badKey = apiError(400, {
      code: 400,
      message: "API key not valid. Please pass a valid API key.",
      status: "INVALID_ARGUMENT",
      details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }],
    });
    for (const error of [
      badKey,
      apiError(401, { code: 401, message: "no credentials", status: "UNAUTHENTICATED" }),
      apiError(403, { code: 403, message: "denied", status: "PERMISSION_DENIED" }),
    ]) {
      const failure = classifyApiError(error);
      expect(failure?.retryable).toBe(false);
      expect(failure?.verdict.kind).toBe("error");
      expect(failure?.verdict.detail).toMatch(/^auth\/config: HTTP 40[013]/);
    }
  });

  it("404 names a missing model or operation", () => {
    const failure = classifyApiError(
      apiError(404, { code: 404, message: "models/veo-9 is not found", status: "NOT_FOUND" }),
    );
    expect(failure?.retryable).toBe(false);
    expect(failure?.verdict.detail).toBe(
      "not found (model or operation): HTTP 404: NOT_FOUND: code 404: models/veo-9 is not found",
    );
  });

  it("5xx and 408 are retryable errors, other 4xx are not", () => {
    expect(
      classifyApiError(apiError(503, { code: 503, message: "overloaded", status: "UNAVAILABLE" }))?.retryable,
    ).toBe(true);
    expect(classifyApiError(new ApiError({ status: 408, message: "timeout" }))?.retryable).toBe(true);
    const invalid = classifyApiError(apiError(400, { code: 400, message: "bad aspect", status: "INVALID_ARGUMENT" }));
    expect(invalid).toEqual({
      verdict: { kind: "error", errorClass: "unknown", detail: "HTTP 400: INVALID_ARGUMENT: code 400: bad aspect" },
      retryable: false,
    });
  });

  it("a rejected request quoting support codes is a filter", () => {
    const failure = classifyApiError(
      apiError(400, {
        code: 400,
        message: "The prompt couldn't be submitted. Support codes: 15236754",
        status: "INVALID_ARGUMENT",
      }),
    );
    expect(failure?.verdict).toEqual({
      kind: "filtered",
      reason: "celebrity_detected",
      detail: "The prompt couldn't be submitted. Support codes: 15236754",
    });
  });

  it("a plain-text error body is kept whole", () => {
    const failure = classifyApiError(new ApiError({ status: 502, message: "Bad Gateway" }));
    expect(failure?.verdict.detail).toBe("HTTP 502: code 502: Bad Gateway");
  });

  it("a refused connection is a retryable network error", () => {
    const refused = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
    });
    expect(classifyApiError(refused)).toEqual({
      verdict: { kind: "error", errorClass: "transient", detail: "network: fetch failed (ECONNREFUSED)" },
      retryable: true,
    });
  });

  it("a refused connection wrapped by the SDK is still a network error", () => {
    const refused = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
    });
    const wrapped = new Error("exception TypeError: fetch failed sending request", { cause: refused });
    expect(classifyApiError(wrapped)?.verdict.detail).toBe("network: fetch failed (ECONNREFUSED)");
  });

  it("a body that is not JSON is an unreadable answer", () => {
    expect(classifyApiError(new SyntaxError("Unexpected token '<'"))).toEqual({
      verdict: { kind: "error", errorClass: "invalid_output", detail: "unreadable API answer: Unexpected token '<'" },
      retryable: false,
    });
  });

  it("a bug is not classified, so it is thrown", () => {
    expect(classifyApiError(new TypeError("Cannot read properties of undefined (reading 'name')"))).toBeUndefined();
    expect(classifyApiError(new Error("Operation name is required."))).toBeUndefined();
  });
});
