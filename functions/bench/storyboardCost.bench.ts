/**
 * What a storyboard nobody approved costs at the providers, as a share of a delivered 4-scene video's
 * provider spend, from the price table of a model configuration (no provider is called; nothing is
 * timed). For the default configuration, and for the cloud tier's chains (cloudChains.json: it has no
 * prices of its own, so merged over the defaults it takes the default table, with its own text and
 * voice chains).
 *
 * A storyboard nobody approved made a Visual DNA call and a script call (a customer may ask for up to
 * `maxScriptRegenerations` new scripts, each another script call); its start frames are rendered and
 * checked locally. A delivered video made those two calls, its voice, and its scenes. The text calls are
 * priced at three usages a call, because their token counts depend on the image, the brief and the
 * model's thinking, none of which the table fixes:
 * - stand-in: the usage the project's Gemini and OpenAI stand-ins answer with (812 in, 301 out);
 * - heavy: 10,000 in and 10,000 out (thinking included), an assumption well above the stand-ins' usage;
 * - break-even: the output tokens a call may use (at 10,000 in) before the storyboard reaches 10%: the
 *   figure to hold a real run's usage (its attempts' costUsd, `npm run metrics`) against.
 * The voice: the 4-scene script's voice-over, about 4 characters a token in (Google's rule of thumb) and
 * 25 audio tokens a second out (Gemini's count, as the stand-in answers), or its characters (Cloud
 * Text-to-Speech). The scenes: `deliveredScenesCostUsd` (the first live video model, every scene at the
 * first try, in the seconds its API bills). Music (Lyria) has no price in the table and is left out.
 *
 * Run from functions/: npx tsx bench/storyboardCost.bench.ts [--at YYYY-MM-DD ...] (or `npm run
 * bench:storyboard` at the root); by default at today and at the first day of the next price period.
 */
import { parseArgs } from "node:util";
import { callCostUsd, deliveredScenesCostUsd, type CallUsage } from "../src/models/cost";
import {
  DEFAULT_MODEL_CONFIG,
  isRetired,
  mergeOverride,
  parseModelConfig,
  type ModelConfig,
  type ModelEntry,
} from "../src/models/modelConfig";
import { PipelineSettingsSchema } from "../src/pipelineSettings";
import { CHAINS } from "../src/providers/standins/chains";
import { goodScript } from "../test/models/helpers";

const SCENES = 4;
const SHARE_GOAL = 0.1;
const STANDIN = { inputTokens: 812, outputTokens: 301 };
const HEAVY = { inputTokens: 10_000, outputTokens: 10_000 };
const settings = PipelineSettingsSchema.parse({});

const script = goodScript(SCENES);
const sceneSecs = script.scenes.map((s) => s.durationSec);
const videoSec = sceneSecs.reduce((a, b) => a + b, 0);

const firstLive = <T extends { retiresOn?: string }>(entries: T[], atMs: number) =>
  entries.find((e) => !isRetired(e, atMs));

function textCost(config: ModelConfig, entry: ModelEntry, tokens: typeof STANDIN, atMs: number): number {
  const usd = callCostUsd(config.prices, entry, { per: "token", ...tokens }, atMs);
  if (usd === undefined) throw new Error(`${entry.provider}/${entry.model} has no price`);
  return usd;
}

function voiceCost(config: ModelConfig, atMs: number): { model: string; usd: number | undefined } {
  const entry = firstLive(config.voice, atMs);
  if (!entry) throw new Error("no live voice model");
  const usage: CallUsage =
    entry.provider === "google_tts"
      ? { per: "character", characters: script.voiceover.length }
      : { per: "token", inputTokens: Math.ceil(script.voiceover.length / 4), outputTokens: Math.round(videoSec * 25) };
  return { model: entry.model, usd: callCostUsd(config.prices, entry, usage, atMs) };
}

const usd = (value: number) => `$${value.toFixed(4)}`;
const pct = (value: number) => `${(value * 100).toFixed(2)}%`;

function report(name: string, config: ModelConfig, day: string) {
  const atMs = Date.parse(`${day}T12:00:00Z`);
  const dnaModel = firstLive(
    config.text.filter((e) => e.vision),
    atMs,
  );
  const scriptModel = firstLive(config.text, atMs);
  if (!dnaModel || !scriptModel) throw new Error(`${name}: no live text model on ${day}`);
  const scenes = deliveredScenesCostUsd(config, sceneSecs, atMs);
  if (!scenes) throw new Error(`${name}: the video chain's first model has no price on ${day}`);
  const voice = voiceCost(config, atMs);
  const storyboard = (tokens: typeof STANDIN, scripts: number) =>
    textCost(config, dnaModel, tokens, atMs) + scripts * textCost(config, scriptModel, tokens, atMs);
  const delivered = (tokens: typeof STANDIN) => storyboard(tokens, 1) + (voice.usd ?? 0) + scenes.usd;
  const worstScripts = 1 + settings.maxScriptRegenerations;

  // Output tokens a call at which a storyboard of `scripts` scripts is 10% of the video: both are linear
  // in x (millions of output tokens a call, input fixed): board = b0 + x·b1, video = v0 + x·v1, so
  // x = (0.1·v0 − b0) / (b1 − 0.1·v1).
  const breakEven = (scripts: number) => {
    const at = (millions: number) => ({ inputTokens: HEAVY.inputTokens, outputTokens: millions * 1_000_000 });
    const [b0, b1] = [storyboard(at(0), scripts), storyboard(at(1), scripts) - storyboard(at(0), scripts)];
    const [v0, v1] = [delivered(at(0)), delivered(at(1)) - delivered(at(0))];
    return Math.floor(((SHARE_GOAL * v0 - b0) / (b1 - SHARE_GOAL * v1)) * 1_000_000).toLocaleString("en-US");
  };

  console.log(`\n${name}, prices of ${day}`);
  console.log(
    `  models: Visual DNA ${dnaModel.model}, script ${scriptModel.model}, voice ${voice.model}, video ${scenes.model}`,
  );
  console.log(
    `  delivered ${SCENES}-scene video (${sceneSecs.join(" + ")} s): scenes ${usd(scenes.usd)}, voice ` +
      `${voice.usd === undefined ? "not priced" : usd(voice.usd)}, text (stand-in usage) ${usd(storyboard(STANDIN, 1))}: ` +
      `${usd(delivered(STANDIN))}`,
  );
  for (const [label, tokens] of [
    ["stand-in usage", STANDIN],
    ["heavy usage", HEAVY],
  ] as const) {
    for (const scripts of [1, worstScripts]) {
      const board = storyboard(tokens, scripts);
      const share = board / delivered(tokens);
      console.log(
        `  unapproved storyboard, ${label} (${tokens.inputTokens} in, ${tokens.outputTokens} out a call), ` +
          `DNA + ${scripts} script${scripts > 1 ? "s" : ""}: ${usd(board)} = ${pct(share)} of the delivered video's ` +
          `${usd(delivered(tokens))} ${share <= SHARE_GOAL ? "(≤ 10%)" : "(ABOVE 10%)"}`,
      );
    }
  }
  console.log(
    `  break-even (${HEAVY.inputTokens.toLocaleString("en-US")} tokens in a call): the storyboard reaches 10% at ` +
      `${breakEven(1)} output tokens a call (DNA + 1 script), ${breakEven(worstScripts)} (DNA + ${worstScripts} scripts)`,
  );
}

function main() {
  const { values } = parseArgs({ options: { at: { type: "string", multiple: true } } });
  const today = new Date().toISOString().slice(0, 10);
  const config = parseModelConfig(DEFAULT_MODEL_CONFIG, Date.parse(`${today}T12:00:00Z`));
  const nextPeriods = Object.values(config.prices)
    .flatMap((price) => price.periods.flatMap((period) => (period.from && period.from > today ? [period.from] : [])))
    .sort();
  const days = values.at ?? [today, ...(nextPeriods.length > 0 ? [nextPeriods[0]] : [])];
  const cloud = parseModelConfig(mergeOverride(JSON.stringify(CHAINS)), Date.parse(`${today}T12:00:00Z`));
  console.log(
    `Provider spend of a storyboard nobody approved vs a delivered ${SCENES}-scene video, from the price table ` +
      `(cloudChains.json ${"prices" in CHAINS ? "has its own prices" : "has no prices: the default table"})`,
  );
  for (const day of days) {
    report("default configuration", config, day);
    report("cloud tier chains (cloudChains.json)", cloud, day);
  }
}

main();
