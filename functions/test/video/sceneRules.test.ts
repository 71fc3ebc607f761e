import {
  afterPoll,
  afterSubmit,
  quotaWaitSeconds,
  type ChainPosition,
  type SceneRulePolicy,
} from "../../src/video/sceneRules";

const policy: SceneRulePolicy = { pollSeconds: 10, retriesPerModel: 2, maxGenerationSeconds: 600 };
const first: ChainPosition = { index: 0, length: 2, retries: 0, filterRetried: false };
const last: ChainPosition = { index: 1, length: 2, retries: 0, filterRetried: false };
const celebrity = { kind: "filtered", reason: "celebrity_detected", detail: "Support codes: 15236754" } as const;
const rateLimited = { kind: "rate_limited", detail: "HTTP 429" } as const;

describe("after a submission", () => {
  it("a started generation is polled later, in a new delivery", () => {
    expect(afterSubmit({ kind: "started", operationName: "op" }, first, policy)).toEqual({
      kind: "poll_later",
      delaySeconds: 10,
    });
  });

  it("a rate limit or a transient failure retries the same model with growing waits, then the next model", () => {
    expect(afterSubmit(rateLimited, first, policy)).toEqual({ kind: "resubmit", delaySeconds: 10, filterRetry: false });
    expect(afterSubmit(rateLimited, { ...first, retries: 1 }, policy)).toEqual({
      kind: "resubmit",
      delaySeconds: 20,
      filterRetry: false,
    });
    expect(afterSubmit(rateLimited, { ...first, retries: 2 }, policy)).toEqual({ kind: "next_model" });
    const transient = { kind: "error", errorClass: "transient", detail: "503" } as const;
    expect(afterSubmit(transient, first, policy)).toMatchObject({ kind: "resubmit" });
  });

  it("not found, auth/config and unusable answers go to the next model at once", () => {
    for (const errorClass of ["not_found", "auth_config", "invalid_output", "unknown"] as const) {
      expect(afterSubmit({ kind: "error", errorClass, detail: "x" }, first, policy)).toEqual({ kind: "next_model" });
    }
  });

  it("past the end of the chain: Ken Burns, with rate_limit when rate limits ended it", () => {
    expect(afterSubmit(rateLimited, { ...last, retries: 2 }, policy)).toEqual({
      kind: "ken_burns",
      reason: "rate_limit",
    });
    expect(afterSubmit({ kind: "error", errorClass: "not_found", detail: "404" }, last, policy)).toEqual({
      kind: "ken_burns",
      reason: "veo_error",
    });
  });

  it("a content filter gets one more try on the same model, then Ken Burns with its reason (not the next model)", () => {
    expect(afterSubmit(celebrity, first, policy)).toEqual({ kind: "resubmit", delaySeconds: 0, filterRetry: true });
    expect(afterSubmit(celebrity, { ...first, filterRetried: true }, policy)).toEqual({
      kind: "ken_burns",
      reason: "celebrity_detected",
    });
  });
});

describe("after a poll", () => {
  it("a clip is used; a running generation is polled again until it is too old, then the next model", () => {
    expect(afterPoll({ kind: "video", file: "clip.mp4" }, 30, first, policy)).toEqual({ kind: "use_clip" });
    expect(afterPoll({ kind: "pending" }, 599, first, policy)).toEqual({ kind: "poll_later", delaySeconds: 10 });
    expect(afterPoll({ kind: "pending" }, 600, first, policy)).toEqual({ kind: "next_model" });
    expect(afterPoll({ kind: "pending" }, 600, last, policy)).toEqual({ kind: "ken_burns", reason: "veo_error" });
  });

  it("a finished generation that failed follows the same rules as a refused submission", () => {
    expect(afterPoll(celebrity, 40, first, policy)).toMatchObject({ kind: "resubmit", filterRetry: true });
    expect(afterPoll(rateLimited, 40, first, policy)).toMatchObject({ kind: "resubmit", delaySeconds: 10 });
    expect(
      afterPoll({ kind: "error", errorClass: "invalid_output", detail: "not a video" }, 40, first, policy),
    ).toEqual({
      kind: "next_model",
    });
  });
});

describe("how often a scene waiting for a slot looks again", () => {
  it("a scene waiting for a quota slot looks again as long after as it has waited, within its bounds", () => {
    expect([0, 30, 60, 120, 240, 900].map((waited) => quotaWaitSeconds(waited, 60, 300))).toEqual([
      60, 60, 60, 120, 240, 300,
    ]);
    expect(quotaWaitSeconds(1000, 60, 30)).toBe(60);
  });
});
