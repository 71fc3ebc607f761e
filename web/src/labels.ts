/** Words the page shows for values the backend stores as codes. */
import type { FallbackReason, RunStatus } from "../../functions/src/contract/run";

export const STATUS_LABELS: Record<RunStatus, string> = {
  queued: "Queued",
  preflight: "Checking your image",
  awaiting_confirmation: "Waiting for your confirmation",
  running: "Working",
  awaiting_decision: "Waiting for your decision",
  succeeded: "Ready",
  failed: "Failed",
};

export const FALLBACK_REASON_LABELS: Record<FallbackReason, string> = {
  celebrity_detected: "a recognisable person was detected, so the video model refused the scene",
  safety_filter: "the video model's safety filter blocked the scene",
  rate_limit: "the video model was over its rate limit",
  veo_error: "the video model failed on this scene",
};

export function fallbackReasonLabel(reason: string): string {
  return (FALLBACK_REASON_LABELS as Record<string, string>)[reason] ?? reason.replace(/_/g, " ");
}
