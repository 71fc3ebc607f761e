/**
 * The storyboard's numbers for one UTC day, pure: what was shown and what became of it, how long an
 * approval took, what runs cost at the providers, what the storyboards nobody approved cost and the
 * video spend they spared, and the credits that moved for nothing before and after the storyboard.
 *
 * Which runs: created that day (UTC), like the rest of the metrics.
 * - Funnel: runs that reached `awaiting_approval` (they have a storyboard). Each ends in one of
 *   approved (charged), cancelled (`storyboard_cancelled`), expired (`storyboard_expired`), ended
 *   otherwise (failed uncharged for another reason, e.g. a new script that could not be made), or is
 *   still waiting (open and uncharged: a later roll-up of the day counts it). Edited: at least one
 *   version made by an accepted edit or a new script, whatever the outcome.
 * - Time to approve: from the first version's `createdAt` (when it was shown) to the approval's charge
 *   movement; median and p90 (nearest rank) over the approvals with both times.
 * - Provider spend: settled runs (succeeded or failed), charged or not; see spend.ts for what counts.
 * - Unapproved storyboards: the ones that ended uncharged (cancelled, expired, ended otherwise). Their
 *   provider spend is all their runs spent (nothing runs past the storyboard without an approval).
 *   The video spend they spared: for each, `scenesCostUsd` of its latest version's scene lengths at the
 *   time it was first shown (models/cost.ts `deliveredScenesCostUsd`: the video chain's first live
 *   model's price times the seconds it bills for each scene, every scene served at the first try, so
 *   a lower bound); a storyboard that cannot be priced (no price for that model) is counted apart.
 * - Credits: runs charged before any storyboard (approval off) against runs charged at the approval:
 *   credits charged and the part refunded after a failure (charged for nothing), and the storyboards
 *   that ended uncharged with the credits they would have taken.
 */
import { z } from "zod";
import type { RunStatus } from "../contract/run";
import { COST_STAGES, roundUsd, totalUsd, type CostStage, type RunSpend } from "./spend";

/** A run's storyboard as the metrics read it; null when it never reached one. */
export interface RunStoryboard {
  firstShownAtMs: number;
  /** The approval's charge movement; null when not approved (or its movement was not found). */
  approvedAtMs: number | null;
  /** Versions made by an accepted edit of the owner. */
  edits: number;
  /** Versions made by a new script the owner asked for. */
  newScripts: number;
  /** The credits the latest version asked for. */
  priceCredits: number;
  /** The latest version's scene lengths (s). */
  sceneSecs: number[];
}

/** What the storyboard figures need of a run. */
export interface StoryboardMetricRun {
  id: string;
  createdAtMs: number;
  status: RunStatus;
  charged: number;
  refunded: number;
  /** `failure.reason` of a failed run. */
  failureReason: string | null;
  storyboard: RunStoryboard | null;
  spend: RunSpend;
}

/** USD of the scenes of a delivered video of these scene lengths at `atMs`; undefined when unpriced. */
export type ScenesCost = (sceneSecs: readonly number[], atMs: number) => number | undefined;

const count = z.number().int().min(0);
const usd = z.number().min(0);
const seconds = z.number().min(0).nullable();
const byStage = z.partialRecord(z.enum(COST_STAGES), usd);

export const StoryboardDaySchema = z.object({
  funnel: z.object({
    shown: count,
    approved: count,
    edited: count,
    cancelled: count,
    expired: count,
    endedOtherwise: count,
    waiting: count,
  }),
  timeToApprove: z.object({ approvals: count, medianSec: seconds, p90Sec: seconds }),
  providerSpend: z.object({
    runs: count,
    usd,
    byStage,
    uncostedCalls: count,
    delivered: z.object({ runs: count, usd }),
    mostExpensive: z.object({ runId: z.string(), usd }).nullable(),
  }),
  unapproved: z.object({
    storyboards: count,
    providerUsd: usd,
    uncostedCalls: count,
    videoSpendAvoidedUsd: usd,
    unpriced: count,
  }),
  credits: z.object({
    chargeFirst: z.object({ runs: count, charged: count, refunded: count }),
    storyboardFirst: z.object({ runs: count, charged: count, refunded: count }),
    endedUncharged: z.object({ storyboards: count, creditsNotTaken: count }),
  }),
});
export type StoryboardDay = z.infer<typeof StoryboardDaySchema>;

/** The nearest-rank percentile `p` (0-100] of `values`; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

type Outcome = "approved" | "cancelled" | "expired" | "endedOtherwise" | "waiting";

function outcomeOf(run: StoryboardMetricRun): Outcome {
  if (run.charged > 0) return "approved";
  if (run.status !== "failed") return "waiting";
  if (run.failureReason === "storyboard_cancelled") return "cancelled";
  if (run.failureReason === "storyboard_expired") return "expired";
  return "endedOtherwise";
}

const settled = (run: StoryboardMetricRun) => run.status === "succeeded" || run.status === "failed";

export function computeStoryboardDay(
  dayRuns: readonly StoryboardMetricRun[],
  scenesCostUsd: ScenesCost,
): StoryboardDay {
  const funnel = { shown: 0, approved: 0, edited: 0, cancelled: 0, expired: 0, endedOtherwise: 0, waiting: 0 };
  const approveSecs: number[] = [];
  const unapproved = { storyboards: 0, providerUsd: 0, uncostedCalls: 0, videoSpendAvoidedUsd: 0, unpriced: 0 };
  const credits = {
    chargeFirst: { runs: 0, charged: 0, refunded: 0 },
    storyboardFirst: { runs: 0, charged: 0, refunded: 0 },
    endedUncharged: { storyboards: 0, creditsNotTaken: 0 },
  };
  const spend = {
    runs: 0,
    usd: 0,
    byStage: {} as Partial<Record<CostStage, number>>,
    uncostedCalls: 0,
    delivered: { runs: 0, usd: 0 },
    mostExpensive: null as { runId: string; usd: number } | null,
  };

  for (const run of dayRuns) {
    const runUsd = totalUsd(run.spend);
    if (settled(run)) {
      spend.runs += 1;
      spend.usd = roundUsd(spend.usd + runUsd);
      spend.uncostedCalls += run.spend.uncostedCalls;
      for (const [stage, stageUsd] of Object.entries(run.spend.usdByStage) as [CostStage, number][]) {
        spend.byStage[stage] = roundUsd((spend.byStage[stage] ?? 0) + stageUsd);
      }
      if (run.status === "succeeded") {
        spend.delivered.runs += 1;
        spend.delivered.usd = roundUsd(spend.delivered.usd + runUsd);
      }
      if (runUsd > 0 && (spend.mostExpensive === null || runUsd > spend.mostExpensive.usd)) {
        spend.mostExpensive = { runId: run.id, usd: runUsd };
      }
      if (run.charged > 0) {
        const flow = run.storyboard ? credits.storyboardFirst : credits.chargeFirst;
        flow.runs += 1;
        flow.charged += run.charged;
        flow.refunded += run.refunded;
      }
    }

    const board = run.storyboard;
    if (!board) continue;
    const outcome = outcomeOf(run);
    funnel.shown += 1;
    funnel[outcome] += 1;
    if (board.edits + board.newScripts > 0) funnel.edited += 1;
    if (outcome === "approved" && board.approvedAtMs !== null) {
      approveSecs.push(Math.max(0, board.approvedAtMs - board.firstShownAtMs) / 1000);
    }
    if (outcome === "cancelled" || outcome === "expired" || outcome === "endedOtherwise") {
      unapproved.storyboards += 1;
      unapproved.providerUsd = roundUsd(unapproved.providerUsd + runUsd);
      unapproved.uncostedCalls += run.spend.uncostedCalls;
      const avoided = board.sceneSecs.length > 0 ? scenesCostUsd(board.sceneSecs, board.firstShownAtMs) : undefined;
      if (avoided === undefined) unapproved.unpriced += 1;
      else unapproved.videoSpendAvoidedUsd = roundUsd(unapproved.videoSpendAvoidedUsd + avoided);
      credits.endedUncharged.storyboards += 1;
      credits.endedUncharged.creditsNotTaken += board.priceCredits;
    }
  }

  return {
    funnel,
    timeToApprove: {
      approvals: approveSecs.length,
      medianSec: percentile(approveSecs, 50),
      p90Sec: percentile(approveSecs, 90),
    },
    providerSpend: spend,
    unapproved,
    credits,
  };
}
