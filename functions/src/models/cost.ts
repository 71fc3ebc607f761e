/**
 * What one provider call cost, from the model's price in the configuration (prices, validated in
 * modelConfig.ts), what the call used, and the day it was made. Pure: a run's provider cost is the
 * sum of its attempts' `costUsd`.
 */
import { veoDurationSeconds } from "../video/classify";
import { omniDurationSeconds } from "../video/omniRules";
import {
  isRetired,
  shutdownMs,
  priceKey,
  type ModelConfig,
  type ModelPrice,
  type Rate,
  type VideoApi,
} from "./modelConfig";

/** What a call used, in the unit its provider bills. */
export type CallUsage =
  | { per: "token"; inputTokens: number; outputTokens: number }
  | { per: "video_second"; seconds: number }
  | { per: "character"; characters: number }
  | { per: "call"; calls: number };

/** A call's result with what it used, when the provider says (or the request fixes) it. */
export interface Metered<T> {
  value: T;
  usage?: CallUsage;
}

/** The rate in force at `atMs`: the last period whose `from` day has begun. */
export function rateAt(price: ModelPrice, atMs: number): Rate {
  let rate = price.periods[0].rate;
  for (const period of price.periods) {
    if (period.from === undefined || atMs >= shutdownMs(period.from)) rate = period.rate;
  }
  return rate;
}

/** Dollars to whole micro-dollars, so sums of many calls stay exact. */
const toMicros = (usd: number) => Math.round(usd * 1_000_000) / 1_000_000;

/** The cost of `usage` at `rate`; a usage measured in another unit than the rate's is a bug. */
export function costAtRate(rate: Rate, usage: CallUsage): number {
  if (rate.per !== usage.per) throw new Error(`a price per ${rate.per} cannot cost a usage per ${usage.per}`);
  switch (usage.per) {
    case "token": {
      const tokenRate = rate as Extract<Rate, { per: "token" }>;
      return toMicros(
        (usage.inputTokens * tokenRate.inputPerMillion + usage.outputTokens * tokenRate.outputPerMillion) / 1_000_000,
      );
    }
    case "video_second":
      return toMicros(usage.seconds * (rate as Extract<Rate, { per: "video_second" }>).usd);
    case "character":
      return toMicros((usage.characters * (rate as Extract<Rate, { per: "character" }>).perMillion) / 1_000_000);
    case "call":
      return toMicros(usage.calls * (rate as Extract<Rate, { per: "call" }>).usd);
  }
}

/**
 * USD for one call of `ref` that used `usage` at `atMs`; undefined when the configuration has no
 * price for the model (a model added by an override without one is not costed, not guessed).
 */
export function callCostUsd(
  prices: ModelConfig["prices"],
  ref: { provider: string; model: string },
  usage: CallUsage,
  atMs: number,
): number | undefined {
  const price = prices[priceKey(ref)];
  return price ? costAtRate(rateAt(price, atMs), usage) : undefined;
}

/** The seconds a video model bills for a scene: the clip length its API is asked for (each rounds its own way). */
export function billedVideoSeconds(api: VideoApi, sceneSec: number): number {
  return api === "gemini_api" ? omniDurationSeconds(sceneSec) : veoDurationSeconds(sceneSec);
}

/**
 * What the scenes of a delivered video with these scene lengths cost at `atMs` by the price table:
 * Σ over the scenes of (the video chain's first model not retired at `atMs`: its rate per second) ×
 * (the seconds it bills for that scene). Every scene served by that model at its first try: no
 * retries, no backup model, no unusable clip, so it is the least such a video costs. Undefined when
 * that model has no price (not guessed).
 */
export function deliveredScenesCostUsd(
  config: Pick<ModelConfig, "video" | "prices">,
  sceneSecs: readonly number[],
  atMs: number,
): { model: string; usd: number } | undefined {
  const primary = config.video.find((entry) => !isRetired(entry, atMs));
  if (!primary) return undefined;
  let usd = 0;
  for (const sceneSec of sceneSecs) {
    const cost = callCostUsd(
      config.prices,
      primary,
      { per: "video_second", seconds: billedVideoSeconds(primary.api, sceneSec) },
      atMs,
    );
    if (cost === undefined) return undefined;
    usd += cost;
  }
  return { model: primary.model, usd: toMicros(usd) };
}
