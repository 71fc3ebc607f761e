/**
 * The legacy behaviour, kept only so the rollout can measure it: outside the graceful cohort a
 * model stage that cannot produce real output does not fail the run, it serves generic template
 * content (the incident's "Generic creator" DNA, the "Experience the ultimate upgrade..." script,
 * a default voice). Served with tier "legacy" and the failed attempts kept, so the run shows it
 * and the metrics count it as credit waste. Graceful runs are never touched: the failure passes.
 */
import type { Attempt, Script, SceneScript, StageRecord, VisualDna } from "../contract/run";
import { encodeWav } from "../models/wav";
import { isPipelineFailure } from "../contract/failure";
import type {
  CallContext,
  ScriptProvider,
  Served,
  Speech,
  VisualDnaProvider,
  VoiceProvider,
} from "../contract/providers";
import type { Cohort } from "../contract/cohorts";

export const LEGACY_MODELS = {
  visualDna: "legacy-generic-dna",
  script: "legacy-template-script",
  voice: "legacy-silent-voice",
} as const;

/** The old code's fallback after a failed extraction, verbatim where the log quotes it. */
export const LEGACY_DNA: VisualDna = {
  productDescription: "Generic creator",
  palette: ["#808080"],
  mood: "neutral",
  lighting: "default lighting",
  composition: "centered product shot",
  styleKeywords: ["generic"],
};

const LEGACY_SCENE_TITLES = ["Hook", "Feature", "Benefit", "Call to action"];
const LEGACY_LINES = ["Experience the ultimate upgrade.", "Designed for you.", "Better every day.", "Get yours today."];

/** The old template script: the same words for every product, every scene marked "(Fallback)". */
export function legacyScript(sceneCount: number, sceneSeconds: number): Script {
  const scenes: SceneScript[] = Array.from({ length: sceneCount }, (_, i) => ({
    title: LEGACY_SCENE_TITLES[i] ?? `Scene ${i + 1}`,
    shot: "Product shot in bright light (Fallback)",
    videoPrompt: "Product shot in bright light (Fallback)",
    narration: LEGACY_LINES[i % LEGACY_LINES.length],
    motion: "zoom_in",
    durationSec: sceneSeconds,
  }));
  return {
    headline: "Experience the ultimate upgrade",
    voiceover: scenes.map((s) => s.narration).join(" "),
    scenes,
  };
}

const SILENCE_SAMPLE_RATE = 16_000;
const WORDS_PER_SECOND = 2.5;

/**
 * The legacy "default voice". Nothing can speak when the voice models failed, and pretending
 * otherwise would hide the failure, so it is a silent track as long as the narration would be.
 */
export function legacySilentVoice(text: string): Speech {
  const words = text.split(/\s+/).filter(Boolean).length;
  const durationSec = Math.max(2, Math.round((words / WORDS_PER_SECOND) * 10) / 10);
  const samples = Math.round(durationSec * SILENCE_SAMPLE_RATE);
  const wav = encodeWav({
    sampleRate: SILENCE_SAMPLE_RATE,
    channels: 1,
    bitsPerSample: 16,
    data: Buffer.alloc(samples * 2),
  });
  return { wav, durationSec };
}

/** The cohort a call serves; calls without one are graceful (the pipeline's normal behaviour). */
function cohortOf(ctx: CallContext): Cohort {
  return ctx.cohort ?? "graceful";
}

async function orLegacy<T>(
  ctx: CallContext,
  model: string,
  call: () => Promise<Served<T>>,
  generic: () => T | Promise<T>,
): Promise<Served<T>> {
  try {
    return await call();
  } catch (error) {
    if (!isPipelineFailure(error) || cohortOf(ctx) !== "legacy") throw error;
    const served: Attempt = { model, tier: "legacy", errorClass: null, durationMs: 0 };
    return { value: await generic(), model, tier: "legacy", attempts: [...error.attempts, served] };
  }
}

export interface ModelProviders {
  visualDna: VisualDnaProvider;
  script: ScriptProvider;
  voice: VoiceProvider;
}

/**
 * Wraps the model providers so that legacy-cohort calls fall back to generic content on
 * PipelineFailure. `sceneSeconds` is the template's scene length (the pipeline's setting).
 */
export function withLegacyFallback<P extends ModelProviders>(
  providers: P,
  options: { sceneSeconds: () => Promise<number> },
): Omit<P, keyof ModelProviders> & ModelProviders {
  return {
    ...providers,
    visualDna: {
      extract: (req, ctx) =>
        orLegacy(
          ctx,
          LEGACY_MODELS.visualDna,
          () => providers.visualDna.extract(req, ctx),
          () => LEGACY_DNA,
        ),
    },
    script: {
      write: (req, ctx) =>
        orLegacy(
          ctx,
          LEGACY_MODELS.script,
          () => providers.script.write(req, ctx),
          async () => legacyScript(req.input.scenes, await options.sceneSeconds()),
        ),
    },
    voice: {
      speak: (req, ctx) =>
        orLegacy(
          ctx,
          LEGACY_MODELS.voice,
          () => providers.voice.speak(req, ctx),
          () => legacySilentVoice(req.text),
        ),
    },
  };
}

/** Whether any stage of the run was served generic legacy content. */
export function isLegacyFallback(run: {
  legacyFallback?: boolean;
  stages?: Partial<Record<string, Pick<StageRecord, "tier"> | { tier: null } | null>>;
}): boolean {
  if (run.legacyFallback === true) return true;
  return Object.values(run.stages ?? {}).some((stage) => stage?.tier === "legacy");
}
