/** What the page shows for a run, decided from the run document alone (no DOM, no I/O). */
import { STAGES, type Stage } from "../../functions/src/contract/run";
import type { RunDocument } from "../../functions/src/contract/runDocument";
import { STAGE_LABELS } from "../../functions/src/messages";
import { STATUS_LABELS } from "./labels";

/** The fields a client reads; timestamps are left out (the web SDK's differ from the Admin SDK's). */
export type RunSnapshot = Pick<
  RunDocument,
  | "status"
  | "stage"
  | "progress"
  | "preflight"
  | "confirmation"
  | "decision"
  | "decisionRetriesLeft"
  | "credits"
  | "quality"
  | "output"
  | "failure"
> & { staticScenes?: { scene: number; reason: string }[] };

export type StepState = "done" | "current" | "failed" | "pending";

export type RefundState = "refunded" | "refund_pending" | "not_charged";

export interface RunView {
  statusLabel: string;
  pct: number;
  message: string;
  steps: { stage: Stage; label: string; state: StepState }[];
  /** The face (or other high-severity) warning is waiting for "Proceed Anyway". */
  asksConfirmation: boolean;
  /** "Quality reduced": waiting for Accept / Retry / Refund. */
  asksDecision: boolean;
  failure: { message: string; refund: RefundState; credits: number } | null;
  video: { path: string; durationSec: number } | null;
}

function stepState(run: RunSnapshot, index: number): StepState {
  if (run.status === "succeeded") return "done";
  const current = run.stage ? STAGES.indexOf(run.stage) : -1;
  if (index < current) return "done";
  if (index > current) return "pending";
  return run.status === "failed" ? "failed" : "current";
}

function refundState(run: RunSnapshot): RefundState {
  if (run.failure?.refunded) return "refunded";
  return (run.credits?.charged ?? 0) > 0 ? "refund_pending" : "not_charged";
}

export function runView(run: RunSnapshot): RunView {
  return {
    statusLabel: STATUS_LABELS[run.status],
    pct: Math.max(0, Math.min(100, Math.round(run.progress?.pct ?? 0))),
    message: run.progress?.message ?? "",
    steps: STAGES.map((stage, index) => ({
      stage,
      label: STAGE_LABELS[stage],
      state: stepState(run, index),
    })),
    asksConfirmation: run.status === "awaiting_confirmation" && !run.confirmation,
    asksDecision: run.status === "awaiting_decision" && !run.decision,
    failure:
      run.status === "failed" && run.failure
        ? {
            message: run.failure.userMessage,
            refund: refundState(run),
            credits: run.credits?.refunded ?? 0,
          }
        : null,
    video:
      run.status === "succeeded" && run.output ? { path: run.output.video, durationSec: run.output.durationSec } : null,
  };
}
