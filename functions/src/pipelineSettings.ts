import type { Firestore } from "firebase-admin/firestore";
import { z } from "zod";
import { MAX_SCENES, type RunInput } from "./contract/run";

/**
 * Preflight gates on how the product will sit in the run's frame (preflight/framing.ts measures it).
 *
 * - "fill" is the share of the frame the whole image covers when it is fitted inside the frame, which is
 *   also the share of the image left when it is cropped to fill the frame (Ken Burns): min(a/f, f/a) for
 *   image aspect a and frame aspect f. A 1:1 photo in a 9:16 frame scores 0.56, a 16:9 photo 0.32.
 *   Below 0.25 (wider than 2.25:1 in 9:16) either most of the ad is backdrop or most of the product is
 *   cut off: the user must confirm. Below 0.1 (wider than 5.6:1) neither framing shows a recognisable
 *   product: refused. The 80:1 strip that once shipped as a hairline scores 0.007.
 * - "product share" is the share of the frame the product itself covers where the pipeline shows it
 *   whole (the generated-motion card, two thirds of the frame's width and half its height). An ordinary
 *   product photo covers 20-30 %; a thin pen photographed upright about 2 %; the 80:1 strip 0.3 %.
 *   Under 3 % it is a speck in a phone-sized video (confirm); under 1 % it cannot be seen (refused).
 */
const FramingGatesSchema = z.object({
  confirmBelowFill: z.number().min(0).max(1).default(0.25),
  refuseBelowFill: z.number().min(0).max(1).default(0.1),
  confirmBelowProductShare: z.number().min(0).max(1).default(0.03),
  refuseBelowProductShare: z.number().min(0).max(1).default(0.01),
});
export type FramingGates = z.infer<typeof FramingGatesSchema>;

/**
 * Hard floors on the product image, checked from its header before any pixel is decoded or anything is
 * charged: below either the run is refused (`IMAGE_TOO_SMALL`), whatever the user confirms. They are not
 * about a sharp ad (the preflight warns below 512 px on the shortest side, LOW_RESOLUTION) but about an
 * image that cannot make one at all, and they keep tiny images (1x1, 2x2: ffmpeg's Ken Burns filters
 * crash on them) from ever reaching a render.
 *
 * - What the video needs: every frame is at least 1080 px on its short side (1080x1920, 1920x1080,
 *   1080x1080) and 2,073,600 pixels in all. Stretched more than 8x, one pixel of the photo becomes a block
 *   of over 8x8 pixels of the video (half a millimetre on a phone held at arm's length): a smear, not a
 *   product. 1080 / 8 = 135 px on the shortest side, and 1080 x 1920 / 8² = 32,400 pixels in all (180x180).
 *   The side alone would let a 135x135 thumbnail through; the count alone a 60x540 sliver.
 * - What the video models accept as a start image: Google documents no minimum. Veo 3.1 and Gemini Omni
 *   Flash render 720p (16:9 or 9:16: https://docs.cloud.google.com/vertex-ai/generative-ai/docs/models/veo/3-1-generate
 *   and https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/gemini/omni-flash-preview, read
 *   2026-12-07) and scale the start image to that frame, so at the floors they stretch it at most 720 / 135
 *   = 5.3x; third-party pages of the same models call 1280x720 or 720x1280 the ideal start image
 *   (https://replicate.com/google/veo-3.1, read 2026-12-07).
 */
const ImageFloorSchema = z.object({
  minSide: z.number().int().min(1).max(4096).default(135),
  minPixels: z.number().int().min(1).max(16_777_216).default(32_400),
});
export type ImageFloor = z.infer<typeof ImageFloorSchema>;
export const DEFAULT_IMAGE_FLOOR: ImageFloor = ImageFloorSchema.parse({});

/**
 * The voice-over written and fitted to the video's length. How long a text takes to say is estimated
 * from its syllables (script/syllables.ts): `syllablesPerSec` of speech, plus `sentencePauseSec` for each
 * sentence (the pause after it, the voice's lengthening of its last word, and the silence before the
 * first). The defaults are Flite's (the local voice) fitted over 52 ad sentences from 2 to 30 syllables
 * (least squares on where the voice ends: 0.191 s a syllable, 0.44 s a sentence; 13% rms error); a
 * deployment whose voice speaks at another pace sets its own. The recorded voice is then sped up or
 * slowed down within `maxTempoChange` so it ends `endPaddingSec` before the video does, and normalised to
 * `targetLufs` integrated with true peak at most `truePeakDbtp` (-14 LUFS is what YouTube and most ad
 * specs play at; -1.5 dBTP leaves room for the AAC encoder's overshoot under the gate's -1 dBTP).
 * How long the script may be follows from these and the quality gate (voiceoverWindow).
 */
const VoiceFitSchema = z.object({
  syllablesPerSec: z.number().min(2).max(10).default(5.2),
  sentencePauseSec: z.number().min(0).max(2).default(0.44),
  maxTempoChange: z.number().min(0).max(0.5).default(0.25),
  endPaddingSec: z.number().min(0).max(2).default(0.4),
  targetLufs: z.number().min(-30).max(-5).default(-14),
  truePeakDbtp: z.number().min(-9).max(0).default(-1.5),
});
export type VoiceFit = z.infer<typeof VoiceFitSchema>;
export const DEFAULT_VOICE_FIT: VoiceFit = VoiceFitSchema.parse({});

/**
 * The music bed under the voice (media/musicBed.ts). The bed is brought to `bedLufs` where the voice is
 * silent (the lead-in, long pauses, the tail) and ducked by `duckDb` while it speaks: -22 - 12 = -34
 * LUFS under a -14 LUFS voice is 20 dB below it, 5 dB inside the quality gate's `minMusicUnderVoiceDb`.
 * Broadcast practice puts a bed 15-20 dB under speech for intelligibility; the margin absorbs a voice
 * that measures a little under its target over the speech alone. Pauses shorter than `openPauseSec`
 * stay ducked (a bed that swells between sentences pumps); `rampSec` is the duck's attack and release.
 */
const MusicMixSchema = z.object({
  bedLufs: z.number().min(-40).max(-14).default(-22),
  duckDb: z.number().min(0).max(40).default(12),
  rampSec: z.number().min(0.05).max(2).default(0.3),
  openPauseSec: z.number().min(0.2).max(5).default(1),
  fadeInSec: z.number().min(0).max(5).default(1),
  fadeOutSec: z.number().min(0).max(5).default(1.5),
});
export type MusicMix = z.infer<typeof MusicMixSchema>;
export const DEFAULT_MUSIC_MIX: MusicMix = MusicMixSchema.parse({});

/**
 * The output quality gate (quality/verdict.ts). Lengths are what a viewer notices: half a second of
 * black is a glitch, a second without any change of picture reads as a frozen player (our Ken Burns and
 * motion clips never hold a frame longer than ~0.3 s: their eased ends move by sub-pixel steps).
 * Silence is below -40 dBFS for at least 0.1 s (Flite's pauses between sentences are 0.1-0.25 s); the
 * voice must cover `minVoiceCoverage` of the video and end with at most `maxVoiceTailSec` of silence,
 * and must not still be speaking in the last `minEndSilenceSec` (a sentence cut off by the video's end).
 *
 * Where the pipeline placed the product itself (Ken Burns), it must be visible (quality/productCheck.ts):
 * - `minProductFrameShare`: the product covers at least this share of the frame in every frame. 1%
 *   is the preflight's refusal line for the product share: below it the product cannot be seen.
 * - `minProductShownShare`: at least this share of the product image is on screen in every frame. The
 *   preflight refuses images whose shape leaves less than 10% of them in the frame; the camera's 1.2x
 *   zoom takes that to 7%. 5% passes everything the preflight lets through, and fails the 80:1 strip
 *   (0.5% of it on screen: a magnified sliver, not a product).
 * - `minProductDetail`: the luma of the product's place in the frame (32x32 grey) spreads by at least
 *   this standard deviation (0-255). Product photos measure 20-70; a flat colour under 1 (encoder
 *   noise); 3 leaves room for a pale product on a pale ground.
 * - `minProductLikeness`: that place correlates with the same part of the source image at least this
 *   much. A faithful render measures above 0.95; 0.6 allows for scaling and the encoder.
 */
const QualityGateSchema = z.object({
  durationToleranceSec: z.number().min(0).max(2).default(0.1),
  fpsTolerance: z.number().min(0).max(1).default(0.01),
  maxBlackSec: z.number().min(0.1).max(5).default(0.5),
  blackPixelThreshold: z.number().min(0).max(1).default(0.1),
  maxFrozenSec: z.number().min(0.2).max(5).default(1),
  freezeNoiseDb: z.number().min(-90).max(-20).default(-60),
  silenceDb: z.number().min(-90).max(-10).default(-40),
  minVoiceCoverage: z.number().min(0).max(1).default(0.6),
  maxVoiceTailSec: z.number().min(0).max(5).default(1),
  minEndSilenceSec: z.number().min(0).max(1).default(0.1),
  targetLufs: z.number().min(-30).max(-5).default(-14),
  lufsTolerance: z.number().min(0.1).max(5).default(1),
  maxTruePeakDbtp: z.number().min(-9).max(0).default(-1),
  minProductFrameShare: z.number().min(0).max(1).default(0.01),
  minProductShownShare: z.number().min(0).max(1).default(0.05),
  minProductDetail: z.number().min(0).max(128).default(3),
  minProductLikeness: z.number().min(-1).max(1).default(0.6),
  /** While the voice speaks, the music bed sits at least this far below it (voice minus music, LU). */
  minMusicUnderVoiceDb: z.number().min(0).max(60).default(15),
});
export type QualityGate = z.infer<typeof QualityGateSchema>;

/**
 * What the ad writes on its picture (media/captions.ts) and how the gate checks it.
 *
 * - `minContrast`: 4.5:1 between text and what is directly behind it, WCAG 2.x's minimum for body text
 *   (success criterion 1.4.3); captions are read in passing on a small screen, so never less.
 * - `titleSec`: the headline over the first 1.5 s of the first scene (at most half the scene), long
 *   enough to read five or six words before the voice moves on.
 * - `endCardSec`: the end card over the last 2 s (at most half the last scene), inside the promised length.
 * - `maxCaptionSilenceSec`: no caption card stays up through more than 0.5 s of silence.
 * - `minTextPixels`: fewer text-coloured pixels than this where an element should be means it is missing.
 */
const OverlaySettingsSchema = z.object({
  minContrast: z.number().min(1).max(21).default(4.5),
  titleSec: z.number().min(0.5).max(4).default(1.5),
  endCardSec: z.number().min(0.5).max(4).default(2),
  maxCaptionSilenceSec: z.number().min(0).max(2).default(0.5),
  minTextPixels: z.number().int().min(1).default(200),
});
export type OverlaySettings = z.infer<typeof OverlaySettingsSchema>;

/**
 * The timeout of the functions that run a stage: the most Cloud Run functions allow an event-driven
 * function ("9 minutes (540 seconds) for event-driven functions",
 * https://cloud.google.com/functions/docs/configuring/timeout).
 */
export const STAGE_TIMEOUT_SECONDS = 540;
/** Added to the timeout for a lease: clocks of instances may differ, and a live worker must never lose its lease. */
export const LEASE_MARGIN_SECONDS = 60;

/** The shortest scene the pipeline renders. */
export const MIN_SCENE_SECONDS = 2;

/** `config/pipeline`: settings operators change without a deploy. Seeded in emulator-data/seed.json. */
export const PipelineSettingsSchema = z.object({
  runPriceCredits: z.number().int().positive().default(10),
  /**
   * How long a claimed stage may run before the sweeper takes it back: at least the function
   * timeout plus the clock-skew margin in production (tests and the chaos harness shorten it
   * under the emulators, where a killed worker is the only way a stage outlives its lease).
   */
  stageLeaseSeconds: z
    .number()
    .int()
    .min(10)
    .default(STAGE_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS),
  /** How long the scenes stage may wait for its tasks before the sweeper acts. */
  scenesLeaseSeconds: z.number().int().min(30).default(1800),
  /** Attempts of one stage (after crashes or lost leases) before the run fails and is refunded. */
  maxStageAttempts: z.number().int().min(1).max(10).default(3),
  sceneSeconds: z.number().min(MIN_SCENE_SECONDS).max(8).default(4),
  /**
   * The shortest ad a run may ask for (scenes × sceneSeconds): a shorter one is refused at preflight,
   * before any charge, and the page offers only the scene counts that reach it (minScenesFor).
   * Measured on the local pipeline (script composer, Flite, the voice fit's ±25% tempo, the gate's
   * silence detection) with product and brand names of 2 to 7 words together: at 2 s the voice of a
   * 4-5 word name is cut off even at 1.25x; at 2.5 s a 5-word name ends 0.11 s before the video (the
   * gate wants 0.1 s) and a 7-word one is cut off; at 3-3.5 s a 1-2 word name leaves a 1-scene ad
   * mostly silent (no sentence of the brief fits its word budget, and the voice slows down at most
   * 0.75x). From 4 s the voice of every name of up to 5 words fitted. 4 s is one scene at the default
   * sceneSeconds, so only shorter scenes need more of them. At most 8 scenes of the shortest scene,
   * so every sceneSeconds leaves a scene count that reaches it; 0 turns the check off.
   */
  minAdSeconds: z
    .number()
    .min(0)
    .max(MAX_SCENES * MIN_SCENE_SECONDS)
    .default(4),
  /** How long one scene delivery may hold its scene before another delivery may take it over. */
  sceneLeaseSeconds: z.number().int().min(10).default(300),
  /** Video generations in flight at once across every run: the project's video-model quota. */
  videoInFlightLimit: z.number().int().min(1).max(1000).default(10),
  /** Wait between polls of a running generation (each poll is a new, short task delivery). */
  videoPollSeconds: z.number().min(0.5).max(300).default(15),
  /**
   * How long a scene waiting for a quota slot waits before it looks again (finishing scenes also wake
   * it, so this is a backstop); each further look waits twice as long, up to the maximum, which stays
   * well inside `scenesLeaseSeconds` (each look shows the sweeper the scene still moves).
   */
  videoQuotaWaitSeconds: z.number().min(0.5).max(600).default(60),
  videoQuotaWaitMaxSeconds: z.number().min(0.5).max(600).default(300),
  /** A generation running longer than this is abandoned for the next model of the chain. */
  videoMaxGenerationSeconds: z.number().int().min(10).default(900),
  /** Extra submissions to one video model after rate limits or transient failures. */
  videoRetriesPerModel: z.number().int().min(0).max(5).default(2),
  /**
   * The normalising pass of a generated clip (ffmpeg, to the run's frame): how long one pass may run
   * before it is killed, and how many passes a scene gets, each in a delivery of its own, before it
   * falls back to Ken Burns (`processing_failed`). A pass that times out or fails is our machine's
   * trouble, not the clip's: the generation is kept (the next delivery fetches the finished clip again,
   * nothing is paid twice), and it is never the whole run's failure. 120 s is the ffmpeg timeout the
   * pass always had; a 4-8 s clip takes a few seconds on an idle core.
   */
  clipPassTimeoutSeconds: z.number().min(1).max(480).default(120),
  clipPassAttempts: z.number().int().min(1).max(5).default(3),
  confirmationTimeoutMinutes: z.number().int().min(1).default(60),
  decisionTimeoutMinutes: z.number().int().min(1).default(60),
  /** What a run waiting for a quality decision does when the user does not answer. */
  decisionDefault: z.enum(["accept", "refund"]).default("refund"),
  maxDecisionRetries: z.number().int().min(0).max(3).default(1),
  /** Above this share of Ken Burns scenes the user decides whether to continue. */
  degradationThresholdPct: z.number().min(0).max(100).default(50),
  /**
   * `required`: the script and the storyboard (each scene's line and start frame) are made uncharged and
   * the owner approves them before any credit is taken; `off`: charged as soon as the image passes, no
   * storyboard, for callers that cannot wait for a person. Required by default: the page shows the
   * storyboard and its price, and nothing is charged before the customer has seen what they pay for.
   */
  approval: z.enum(["off", "required"]).default("required"),
  /** How long a storyboard waits for the owner's answer before the run ends uncharged. */
  approvalTimeoutMinutes: z.number().int().min(1).max(10_080).default(1440),
  /** New scripts the owner may ask for on one run (each costs a script and start frames, uncharged). */
  maxScriptRegenerations: z.number().int().min(0).max(5).default(2),
  /**
   * Storyboards are made before any charge, so their provider spend is bounded per customer: at most
   * `storyboardsPerDay` runs a UTC day and `storyboardsPerHour` in any hour ask for one; a run over
   * either is refused before any work.
   */
  storyboardsPerDay: z.number().int().min(1).max(1000).default(20),
  storyboardsPerHour: z.number().int().min(1).max(1000).default(6),
  framing: FramingGatesSchema.prefault({}),
  imageFloor: ImageFloorSchema.prefault({}),
  voiceFit: VoiceFitSchema.prefault({}),
  qualityGate: QualityGateSchema.prefault({}),
  musicMix: MusicMixSchema.prefault({}),
  overlay: OverlaySettingsSchema.prefault({}),
});
export type PipelineSettings = z.infer<typeof PipelineSettingsSchema>;

export const PIPELINE_SETTINGS_PATH = "config/pipeline";

export type AdLengthSettings = Pick<PipelineSettings, "sceneSeconds" | "minAdSeconds">;

/** The fewest scenes whose ad lasts at least `minAdSeconds` (never fewer than 1). Pure; the page uses it too. */
export function minScenesFor(settings: AdLengthSettings): number {
  // The tolerance keeps a division that lands a hair above a whole number (floating point) on it.
  return Math.max(1, Math.ceil(settings.minAdSeconds / settings.sceneSeconds - 1e-9));
}

/** Whether the run's ad would be shorter than the settings allow (its voice-over could not fit). */
export function adTooShort(input: Pick<RunInput, "scenes">, settings: AdLengthSettings): boolean {
  return input.scenes < minScenesFor(settings);
}

/** What the script's length is judged by: the voice's pace and fit, and the gate's limits on the voice. */
export type VoiceoverSettings = Pick<PipelineSettings, "voiceFit" | "qualityGate">;

/**
 * Where the voice-over of a `videoSec` video may end, in seconds of speech at the voice's own pace,
 * derived from the voice fit and the quality gate (the one source of both the script check's bounds and
 * the composer's budget):
 * - `shortestSec`: slowed down as far as the fit allows (1 - maxTempoChange), it still ends at most
 *   `maxVoiceTailSec` before the video does, and speaks over `minVoiceCoverage` of it;
 * - `longestSec`: sped up as far as the fit allows (1 + maxTempoChange), it still ends
 *   `minEndSilenceSec` before the video does (else it is cut off);
 * - `targetSec`: at its own pace it ends `endPaddingSec` before the video, where the fit aims.
 * Outside these the quality gate fails the finished video whatever the voice fit does.
 */
export interface VoiceoverWindow {
  shortestSec: number;
  targetSec: number;
  longestSec: number;
}

export function voiceoverWindow(videoSec: number, { voiceFit, qualityGate }: VoiceoverSettings): VoiceoverWindow {
  const slowest = 1 - voiceFit.maxTempoChange;
  const fastest = 1 + voiceFit.maxTempoChange;
  return {
    shortestSec: slowest * Math.max(videoSec - qualityGate.maxVoiceTailSec, qualityGate.minVoiceCoverage * videoSec),
    targetSec: Math.max(0, videoSec - voiceFit.endPaddingSec),
    longestSec: fastest * Math.max(0, videoSec - qualityGate.minEndSilenceSec),
  };
}

export async function loadPipelineSettings(db: Firestore): Promise<PipelineSettings> {
  const snap = await db.doc(PIPELINE_SETTINGS_PATH).get();
  return PipelineSettingsSchema.parse(snap.data() ?? {});
}
