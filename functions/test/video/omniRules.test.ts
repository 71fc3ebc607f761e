import {
  classifyInteraction,
  classifyInteractionsError,
  isInteractionId,
  omniAspectRatio,
  omniDuration,
  omniDurationSeconds,
} from "../../src/video/omniRules";

describe("Omni request parameters", () => {
  it("asks for the shortest whole-second clip covering the scene, 3 s at least and 10 s at most", () => {
    expect([0.4, 3, 3.01, 5, 5.5, 9.2, 10, 14].map(omniDurationSeconds)).toEqual([3, 3, 4, 5, 6, 10, 10, 10]);
    expect(omniDuration(5.5)).toBe("6s");
    expect(() => omniDurationSeconds(0)).toThrow(/positive/);
    expect(() => omniDurationSeconds(Number.NaN)).toThrow(/positive/);
  });

  it("renders portrait frames 9:16 and landscape and square frames 16:9 (assembly center-crops a square run)", () => {
    expect(omniAspectRatio(1080, 1920)).toBe("9:16");
    expect(omniAspectRatio(1920, 1080)).toBe("16:9");
    expect(omniAspectRatio(1080, 1080)).toBe("16:9");
  });

  it("accepts interaction ids and refuses what would change the request path", () => {
    expect(isInteractionId("v1_0123456789abcdef")).toBe(true);
    expect(isInteractionId("abc-DEF_1.2")).toBe(true);
    for (const bad of ["", "a/b", "../x", "a b", "a?b", "a#b", ".hidden", "x".repeat(300)]) {
      expect(isInteractionId(bad)).toBe(false);
    }
  });
});

describe("classifyInteraction", () => {
  const id = "v1_abc";

  it("is pending while queued or in progress", () => {
    expect(classifyInteraction({ id, status: "queued" })).toEqual({ kind: "pending" });
    expect(classifyInteraction({ id, status: "in_progress" })).toEqual({ kind: "pending" });
  });

  it("is the video when completed with inline data or a URI", () => {
    expect(classifyInteraction({ id, status: "completed", output_video: { type: "video", data: "AAAA" } })).toEqual({
      kind: "video",
      video: { data: "AAAA", uri: undefined },
    });
    expect(
      classifyInteraction({ id, status: "completed", output_video: { type: "video", uri: "https://x/files/a" } }),
    ).toMatchObject({ kind: "video", video: { uri: "https://x/files/a" } });
  });

  it("a completed interaction without a video is invalid_output, quoting what the model said", () => {
    expect(classifyInteraction({ id, status: "completed", output_text: "I can't make that." })).toEqual({
      kind: "error",
      errorClass: "invalid_output",
      detail: "interaction completed without a video; the model said: I can't make that.",
    });
  });

  it("reads a failed interaction's faults, in `errors` or in a step: safety, quota, transient, other", () => {
    expect(
      classifyInteraction({ id, status: "failed", errors: [{ message: "Blocked for safety reasons." }] }),
    ).toMatchObject({ kind: "filtered", reason: "safety_filter" });
    expect(
      classifyInteraction({
        id,
        status: "failed",
        steps: [{ type: "model_output", error: { code: 3, message: "The prompt depicts a celebrity." } }],
      }),
    ).toMatchObject({ kind: "filtered", reason: "celebrity_detected" });
    expect(
      classifyInteraction({ id, status: "failed", errors: [{ code: "RESOURCE_EXHAUSTED", message: "Quota." }] }),
    ).toMatchObject({ kind: "rate_limited" });
    expect(
      classifyInteraction({
        id,
        status: "failed",
        steps: [{ type: "model_output", error: { code: 14, message: "x" } }],
      }),
    ).toMatchObject({ kind: "error", errorClass: "transient" });
    expect(classifyInteraction({ id, status: "failed" })).toEqual({
      kind: "error",
      errorClass: "unknown",
      detail: "interaction failed: no reason given",
    });
  });

  it("any other end gives no clip, a status it does not know included: the chain moves on", () => {
    for (const status of ["incomplete", "budget_exceeded", "requires_action", "some_new_status"]) {
      expect(classifyInteraction({ id, status })).toMatchObject({ kind: "error", errorClass: "invalid_output" });
    }
  });
});

describe("classifyInteractionsError", () => {
  /** What the Interactions client throws for an HTTP answer: status and the parsed error body. */
  const httpError = (status: number, body: unknown) =>
    Object.assign(new Error(`${status} error`), { name: "APIError", status, error: body });
  const envelope = (code: number, status: string, message: string) => ({ error: { code, status, message } });

  it("maps HTTP answers like the Veo adapter: 404 not_found, 429 rate limited (retryable), 5xx transient", () => {
    expect(classifyInteractionsError(httpError(404, envelope(404, "NOT_FOUND", "no model")))).toMatchObject({
      verdict: { kind: "error", errorClass: "not_found" },
      retryable: false,
    });
    expect(classifyInteractionsError(httpError(429, envelope(429, "RESOURCE_EXHAUSTED", "quota")))).toMatchObject({
      verdict: { kind: "rate_limited" },
      retryable: true,
    });
    expect(classifyInteractionsError(httpError(503, envelope(503, "UNAVAILABLE", "busy")))).toMatchObject({
      verdict: { kind: "error", errorClass: "transient" },
      retryable: true,
    });
  });

  it("a 400 worded as a safety block is filtered; other 400s are errors", () => {
    expect(
      classifyInteractionsError(httpError(400, envelope(400, "INVALID_ARGUMENT", "The image violates our policies."))),
    ).toMatchObject({ verdict: { kind: "filtered", reason: "safety_filter" }, retryable: false });
    expect(
      classifyInteractionsError(httpError(400, envelope(400, "INVALID_ARGUMENT", "duration must be a string"))),
    ).toMatchObject({ verdict: { kind: "error", errorClass: "unknown" }, retryable: false });
  });

  it("connection failures and timeouts are transient; anything else is a bug (undefined)", () => {
    const timeout = Object.assign(new Error("Request timed out."), { name: "APIConnectionTimeoutError" });
    expect(classifyInteractionsError(timeout)).toMatchObject({
      verdict: { kind: "error", errorClass: "transient" },
      retryable: true,
    });
    expect(classifyInteractionsError(new RangeError("bug"))).toBeUndefined();
  });
});
