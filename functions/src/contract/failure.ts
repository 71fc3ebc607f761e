import type { Attempt, Stage } from "./run";
import type { RunDocument } from "./runDocument";

/** Measurements a failure was decided on, recorded on the run with it. */
export type FailureRecord = Partial<Pick<RunDocument, "preflight" | "qualityGate">>;

/**
 * The only way a stage reports that it cannot produce real output. The run stops,
 * the user is told `userMessage`, and when credits were taken they come back.
 * There is deliberately no "partial success" variant: a stage either delivers
 * real output or throws this.
 */
export class PipelineFailure extends Error {
  readonly stage: Stage;
  readonly reason: string;
  readonly userMessage: string;
  /**
   * Informational: whether credits had been taken when it was thrown. The refund itself is
   * decided by the ledger (a failed run with a charge is always refunded), never by this flag.
   */
  readonly requiresRefund: boolean;
  /** Model attempts that led to the failure, recorded on the run. */
  readonly attempts: Attempt[];
  readonly record: FailureRecord;

  constructor(args: {
    stage: Stage;
    reason: string;
    userMessage: string;
    requiresRefund?: boolean;
    attempts?: Attempt[];
    record?: FailureRecord;
  }) {
    super(`${args.stage}: ${args.reason}`);
    this.name = "PipelineFailure";
    this.stage = args.stage;
    this.reason = args.reason;
    this.userMessage = args.userMessage;
    this.requiresRefund = args.requiresRefund ?? true;
    this.attempts = args.attempts ?? [];
    this.record = args.record ?? {};
  }
}

export function isPipelineFailure(error: unknown): error is PipelineFailure {
  return error instanceof PipelineFailure;
}
