import type { Attempt, ErrorClass, Stage } from "../contract/run";
import { WILL_BE_REFUNDED } from "../messages";

/** Every sentence this module shows to users or writes to the logs. */

const STAGE_WORK: Partial<Record<Stage, string>> = {
  visual_dna: "analyse your product image",
  script: "write the script for your ad",
  voice: "record the voice-over for your ad",
};

/** What the user reads when every model of a stage failed. */
export function userMessageForFailure(stage: Stage, attempts: Attempt[]): string {
  const work = STAGE_WORK[stage] ?? "finish your ad";
  const tried = attempts.filter((attempt) => attempt.durationMs > 0);
  const allDeclined = tried.length > 0 && tried.every((attempt) => attempt.errorClass === "content_policy");
  if (allDeclined) {
    return `Our AI models declined to ${work} under their content policies, so we stopped. ${WILL_BE_REFUNDED}`;
  }
  return `We could not ${work}: every AI model we use for it failed just now, so we stopped instead of giving you generic content. ${WILL_BE_REFUNDED} Please try again later.`;
}

/** One line per attempt: `model (tier) errorClass durationMs: error`. */
export function summarizeAttempts(attempts: Attempt[]): string {
  const lines = attempts.map(
    (a) => `${a.model} (${a.tier}) ${a.errorClass ?? "served"} ${a.durationMs}ms${a.error ? `: ${a.error}` : ""}`,
  );
  return `all ${new Set(attempts.map((a) => a.model)).size} models failed after ${attempts.length} attempts: ${lines.join(" | ")}`;
}

export const LOG = {
  attemptFailed: (stage: Stage, model: string, errorClass: ErrorClass, error: string) =>
    `[models] ${stage}: ${model} failed (${errorClass}): ${error}`,
  retrying: (stage: Stage, model: string, errorClass: ErrorClass, delayMs: number) =>
    `[models] ${stage}: retrying ${model} in ${delayMs}ms after ${errorClass}`,
  authConfig: (stage: Stage, provider: string, model: string, error: string) =>
    `[models] ${stage}: ${provider} rejected our credentials or configuration on ${model} (${error}); ` +
    `skipping every ${provider} model for this call. Check the ${provider.toUpperCase()}_API_KEY secret, ` +
    `the base URL and the project settings.`,
  cooledDown: (model: string, untilIso: string, errorClass: ErrorClass) =>
    `[models] ${model} cooled down until ${untilIso} for every instance (${errorClass})`,
  cooldownUnavailable: (error: string) => `[models] cooldown store unavailable, every model is tried (${error})`,
  served: (stage: Stage, model: string, tier: string, attempts: number) =>
    `[models] ${stage}: served by ${model} (${tier}) after ${attempts} attempt(s)`,
  allFailed: (stage: Stage, summary: string) => `[models] ${stage}: ${summary}`,
};

export const ATTEMPT_NOTES = {
  retired: (retiresOn: string, source?: string) =>
    `not called: retired on ${retiresOn} (its provider's shutdown date${source ? `, from ${source}` : ""})`,
  coolingDown: (untilIso: string) => `cooling down until ${untilIso}`,
  providerSkipped: (provider: string) =>
    `skipped: ${provider} rejected our credentials or configuration earlier in this call`,
};

/** What the model check tells operators (models:check, deploy:check, the daily check's alerts). */
export const MODEL_CHECK = {
  keyMissing: (secret: string) => `the ${secret} secret is empty, so its models cannot be listed`,
  noVertexProject: (chain: string) =>
    `no Google Cloud project for Vertex AI (set VERTEX_PROJECT), so the ${chain} models cannot be listed`,
  noAnswer: (seconds: number) => `no answer within ${seconds} s`,
  notVerified: (provider: string, error: string) =>
    `${provider}: could not list its models (${error}); its models are not verified, not reported missing`,
  notServed: (provider: string, error: string) =>
    `${provider}: the API its models are called on answered 404 (${error}): every call to them would fail`,
  noLiveModel: (chain: string) =>
    `${chain}: no live model: every model is retired or missing, so every run would fail at this stage`,
  noLiveMusicModel: (chain: string) =>
    `${chain}: no live model: every model is retired or missing, so every ad gets the local pad instead`,
  oneLiveModel: (chain: string, model: string) =>
    `${chain}: only ${model} is left live: one outage or shutdown of it fails every run at this stage`,
  missing: (chain: string, position: number, model: string, provider: string) =>
    `${chain} #${position}: ${model} is missing from ${provider}'s model list`,
  retiresSoon: (chain: string, position: number, model: string, date: string, days: number) =>
    `${chain} #${position}: ${model} shuts down on ${date} (${days <= 0 ? "today" : `in ${days} days`})`,
  undeclaredShutdown: (chain: string, model: string, date: string) =>
    `${chain}: the provider announces ${model}'s shutdown on ${date}: write retiresOn: "${date}" on its entry`,
};

export const DAILY_CHECK = {
  cooldownReason: (provider: string, day: string) =>
    `missing from ${provider}'s model list in the daily check of ${day}`,
  cooledDown: (model: string, provider: string) =>
    `[models] daily check: ${model} is missing from ${provider}'s model list; cooled down for every instance`,
  allWell: (models: number) => `[models] daily check: all ${models} configured model rows are live`,
  alertTitle: (exitCode: number) =>
    exitCode === 2
      ? "A model chain has no live model"
      : exitCode === 3
        ? "A model provider could not be asked"
        : "Configured models need attention",
  learnedShutdown: (model: string, date: string, source: string) =>
    `[models] daily check: ${model} shuts down on ${date} (${source}); no call from that day`,
  learnedSource: (provider: string) => `${provider}'s model list (shutdown_date)`,
  alerted: (problems: number) => `[models] daily check: ${problems} problem(s); operators alerted`,
};
