/**
 * What a run cost at the providers, per stage, from the `costUsd` its attempts recorded (the model's
 * configured price applied to what the call used, models/cost.ts). Pure.
 *
 * Counted: every attempt that carries a `costUsd`, served or not (a delivered clip that turned out
 * unusable is billed, and its attempt says so). Never guessed: a served provider call without a
 * `costUsd` (a model with no price in the configuration, or a provider that reports no usage) adds
 * nothing to the sum and is counted in `uncostedCalls` instead, so a figure with uncosted calls
 * beside it is a lower bound. Attempts on the `local` tier (the offline stand-ins, ffmpeg) and the
 * `legacy` tier (generic content) are no provider call and cost nothing; failed calls without a
 * cost were not billed.
 */
import type { ModelTier } from "../contract/run";

/** The stages that call paid models; music is made by the voice stage but kept apart here. */
export const COST_STAGES = ["visual_dna", "script", "voice", "music", "scenes"] as const;
export type CostStage = (typeof COST_STAGES)[number];

/** The part of an attempt the spend reads (contract/run.ts `Attempt`). */
export interface CostedAttempt {
  tier: ModelTier;
  errorClass: string | null;
  costUsd?: number;
}

export interface RunSpend {
  /** USD per stage; a stage with no costed attempt is left out. */
  usdByStage: Partial<Record<CostStage, number>>;
  uncostedCalls: number;
}

const NOT_A_PROVIDER: readonly ModelTier[] = ["local", "legacy"];

/** Sums of dollars rounded to whole micro-dollars, as each attempt's cost is. */
export const roundUsd = (usd: number) => Math.round(usd * 1_000_000) / 1_000_000;

/** A run's spend from its attempts, grouped by the stage that made them. */
export function spendOf(attemptsByStage: Partial<Record<CostStage, readonly CostedAttempt[]>>): RunSpend {
  const usdByStage: RunSpend["usdByStage"] = {};
  let uncostedCalls = 0;
  for (const stage of COST_STAGES) {
    for (const attempt of attemptsByStage[stage] ?? []) {
      if (attempt.costUsd !== undefined) usdByStage[stage] = roundUsd((usdByStage[stage] ?? 0) + attempt.costUsd);
      else if (attempt.errorClass === null && !NOT_A_PROVIDER.includes(attempt.tier)) uncostedCalls += 1;
    }
  }
  return { usdByStage, uncostedCalls };
}

export function totalUsd(spend: RunSpend): number {
  return roundUsd(Object.values(spend.usdByStage).reduce((sum, usd) => sum + usd, 0));
}
