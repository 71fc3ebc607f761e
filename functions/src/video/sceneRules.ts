/**
 * What a scene does after each answer of its video model: pure decisions, unit-tested on their own.
 *
 * - A generation started, or still running: poll again later (a new, short task delivery).
 * - A clip: use it (normalisation may still refuse it, which counts as `invalid_output`).
 * - Rate limited, or a transient failure: the same model again after a growing wait, while its
 *   retries last; then the next model.
 * - Not found, auth/config, an unusable answer, anything else: the next model at once.
 * - A content filter (celebrity, person, safety): one more try on the same model (the filter is not
 *   deterministic, and a filtered attempt is not billed), then Ken Burns with the filter as its
 *   reason. The next model is not tried: the filter judged the product image, every model of the
 *   chain is Google's and applies the same responsible-AI filters, so another model would refuse it
 *   too, and the scene would only wait longer.
 * - A model past its `retiresOn`, or cooled down for every instance after it was found gone: no
 *   call, the next model at once.
 * - Past the end of the chain: Ken Burns, with `rate_limit` when rate limits ended it.
 */
import type { FallbackReason } from "../contract/run";
import type { VideoFailure, VideoPoll, VideoSubmission } from "../contract/providers";

export interface SceneRulePolicy {
  /** Wait between polls of a running generation. */
  pollSeconds: number;
  /** Extra submissions to one model after rate limits or transient failures. */
  retriesPerModel: number;
  /** A generation running longer than this is abandoned for the next model. */
  maxGenerationSeconds: number;
}

/** Where the scene stands on its chain. */
export interface ChainPosition {
  index: number;
  length: number;
  /** Submissions to the current model that were retried. */
  retries: number;
  filterRetried: boolean;
}

export type SceneMove =
  | { kind: "poll_later"; delaySeconds: number }
  | { kind: "use_clip" }
  | { kind: "resubmit"; delaySeconds: number; filterRetry: boolean }
  | { kind: "next_model" }
  | { kind: "ken_burns"; reason: FallbackReason };

/** Every move but using a clip: what can follow a submission or a failure. */
export type ChainMove = Exclude<SceneMove, { kind: "use_clip" }>;

function afterFailure(failure: VideoFailure, at: ChainPosition, policy: SceneRulePolicy): ChainMove {
  if (failure.kind === "filtered") {
    return at.filterRetried
      ? { kind: "ken_burns", reason: failure.reason }
      : { kind: "resubmit", delaySeconds: 0, filterRetry: true };
  }
  const retryable = failure.kind === "rate_limited" || failure.errorClass === "transient";
  if (retryable && at.retries < policy.retriesPerModel) {
    return { kind: "resubmit", delaySeconds: policy.pollSeconds * 2 ** at.retries, filterRetry: false };
  }
  if (at.index + 1 < at.length) return { kind: "next_model" };
  return { kind: "ken_burns", reason: failure.kind === "rate_limited" ? "rate_limit" : "veo_error" };
}

/**
 * The wait before a scene that found every slot taken looks again on its own. A finishing scene hands
 * its slot over and wakes the oldest waiter at once, so this is only the backstop for a lost wake-up:
 * as long as the scene has waited so far (the looks double apart), from `firstSeconds` to `maxSeconds`.
 */
export function quotaWaitSeconds(waitedSeconds: number, firstSeconds: number, maxSeconds: number): number {
  return Math.max(firstSeconds, Math.min(waitedSeconds, maxSeconds));
}

export function afterSubmit(result: VideoSubmission, at: ChainPosition, policy: SceneRulePolicy): ChainMove {
  if (result.kind === "started") return { kind: "poll_later", delaySeconds: policy.pollSeconds };
  return afterFailure(result, at, policy);
}

/** A poll's answer; `generationSeconds` is how long the generation has been running. */
export function afterPoll(
  result: VideoPoll,
  generationSeconds: number,
  at: ChainPosition,
  policy: SceneRulePolicy,
): SceneMove {
  if (result.kind === "video") return { kind: "use_clip" };
  if (result.kind === "pending") {
    if (generationSeconds < policy.maxGenerationSeconds)
      return { kind: "poll_later", delaySeconds: policy.pollSeconds };
    // Abandoned, not retried: the same model has just spent its time budget on this scene.
    return afterFailure(
      { kind: "error", errorClass: "unknown", detail: "generation timed out" },
      { ...at, retries: Number.POSITIVE_INFINITY },
      policy,
    );
  }
  return afterFailure(result, at, policy);
}

/** A model that gets no call (retired, or cooled down): the next one at once. */
export function afterSkip(at: ChainPosition): ChainMove {
  return at.index + 1 < at.length ? { kind: "next_model" } : { kind: "ken_burns", reason: "veo_error" };
}

/** The failure that a clip refused by normalisation stands for. */
export function unusableClip(detail: string): VideoFailure {
  return { kind: "error", errorClass: "invalid_output", detail };
}
