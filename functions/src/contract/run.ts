import { z } from "zod";
import type { RunOptions } from "./brand";

/** Statuses and stages of a run as the page and the functions both read them. */
export const RUN_STATUSES = [
  "queued",
  "preflight",
  "awaiting_confirmation",
  "running",
  "awaiting_approval",
  "awaiting_decision",
  "succeeded",
  "failed",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STAGES = [
  "preflight",
  "charge",
  "visual_dna",
  "script",
  "storyboard",
  "voice",
  "scenes",
  "assembly",
  "quality",
] as const;
export type Stage = (typeof STAGES)[number];

/**
 * Stages that do work, in order. When the settings ask for the owner's approval, visual_dna, script and
 * storyboard run before the charge and the run waits in `awaiting_approval`; the approval charges and
 * hands the run to the voice. Without approval the charge comes first and the storyboard is skipped.
 * The voice needs only the script, so it is recorded and fitted to the promised length before any paid video is generated: a voice that cannot be made
 * ends the run at no video cost. (Runs started before this order reach the voice after their scenes:
 * lifecycle/stateMachine.ts `stageAfterFor` sends them on to assembly.)
 */
export const WORK_STAGES = ["visual_dna", "script", "storyboard", "voice", "scenes", "assembly", "quality"] as const;
export type WorkStage = (typeof WORK_STAGES)[number];

export const ASPECT_RATIOS = ["9:16", "16:9", "1:1"] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const MAX_BRIEF_CHARS = 2000;
export const MAX_SCENES = 8;
/** The longest call to action stored (a script's, a run's own); whether it fits the end card is judged before the charge (brand/endCard.ts). */
export const MAX_CALL_TO_ACTION_CHARS = 120;

/** Whether a text has anything a voice would say: a letter or a digit, not only punctuation or emoji. */
export function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
const NO_WORDS = "must contain words, not only punctuation or emoji";

/** `input` as a client writes it. Object paths are confined to the caller's own upload folder. */
export const RunInputSchema = z
  .object({
    image: z
      .string()
      .regex(/^uploads\/[A-Za-z0-9_-]{1,128}\/[A-Za-z0-9._ -]{1,200}$/, "must be an object path uploads/{uid}/{file}")
      .refine((p) => !p.split("/").some((part) => part === ".." || part === "."), "must not contain . or .."),
    productName: z.string().trim().min(1).max(120).refine(hasWords, NO_WORDS),
    brandName: z.string().trim().min(1).max(120).refine(hasWords, NO_WORDS),
    brief: z.string().trim().min(1).max(MAX_BRIEF_CHARS).refine(hasWords, NO_WORDS),
    scenes: z.number().int().min(1).max(MAX_SCENES).default(4),
    aspectRatio: z.enum(ASPECT_RATIOS).default("9:16"),
    /**
     * What the ad adds over its scenes, each switch as the client wrote it: one left out is decided when
     * the run starts (on; music as the brand kit says), so no default is filled in here.
     */
    options: z
      .object({ captions: z.boolean(), music: z.boolean(), endCard: z.boolean() } satisfies Record<
        keyof RunOptions,
        z.ZodBoolean
      >)
      .partial()
      .strict()
      .optional(),
    /** This run's call to action on the end card, over the brand kit's. */
    callToAction: z.string().trim().min(1).max(MAX_CALL_TO_ACTION_CHARS).refine(hasWords, NO_WORDS).optional(),
  })
  .strict();
export type RunInput = z.infer<typeof RunInputSchema>;

export const MODEL_TIERS = ["primary", "backup", "fallback", "local", "legacy"] as const;
export type ModelTier = (typeof MODEL_TIERS)[number];

/** Why a call to a model failed; each class has one handling rule (see models/). */
export const ERROR_CLASSES = [
  "not_found",
  "rate_limited",
  "transient",
  "content_policy",
  "invalid_output",
  "auth_config",
  /** Past its provider's announced shutdown date (retiresOn): skipped without a call. */
  "retired",
  "unknown",
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export interface Attempt {
  model: string;
  tier: ModelTier;
  /** null when the attempt served. */
  errorClass: ErrorClass | null;
  error?: string;
  durationMs: number;
  /**
   * What the provider bills for this call in USD, from the model's configured price
   * (models/cost.ts); only on a served call whose usage is known.
   */
  costUsd?: number;
}

/** What produced a stage's result: recorded on the run for every stage. */
export interface StageRecord {
  model: string;
  tier: ModelTier;
  /** Every call of the stage; the script's also keeps those of the scripts a new one replaced at the storyboard. */
  attempts: Attempt[];
  durationMs: number;
}

export interface PreflightWarning {
  severity: "high" | "medium" | "low";
  code: string;
  message: string;
  recommendation: string;
}

/** How the product will sit in the run's frame (measured by preflight/framing.ts). */
export interface FramingMeasurements {
  /** Image width / height. */
  imageAspect: number;
  frameAspect: number;
  /** Share of the frame the whole image covers when fitted inside it (= share of the image left by a cover crop). */
  fill: number;
  /** Share of the frame the product covers where it is shown whole (the motion card). */
  productShare: number;
  /** Whether the product's extent was found on a plain background (else the whole image is assumed). */
  productBoxFound: boolean;
}

export interface PreflightReport {
  safeToProceed: boolean;
  /** No framing of this image makes an ad: the run is refused, a confirmation cannot override it. */
  refused?: boolean;
  framing?: FramingMeasurements;
  warnings: PreflightWarning[];
  faces: number;
  width: number;
  height: number;
  format: string;
  detector: string;
}

export const VisualDnaSchema = z.object({
  productDescription: z.string().min(3).max(600),
  palette: z
    .array(z.string().regex(/^#[0-9a-fA-F]{6}$/))
    .min(1)
    .max(8),
  mood: z.string().min(2).max(200),
  lighting: z.string().min(2).max(200),
  composition: z.string().min(2).max(200),
  styleKeywords: z.array(z.string().min(1).max(40)).min(1).max(12),
});
export type VisualDna = z.infer<typeof VisualDnaSchema>;

export const CAMERA_MOTIONS = ["zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down"] as const;
export type CameraMotion = (typeof CAMERA_MOTIONS)[number];

export const SceneScriptSchema = z.object({
  title: z.string().min(2).max(80),
  shot: z.string().min(10).max(600),
  videoPrompt: z.string().min(10).max(1200),
  narration: z.string().min(2).max(400),
  motion: z.enum(CAMERA_MOTIONS),
  durationSec: z.number().min(2).max(8),
});
export type SceneScript = z.infer<typeof SceneScriptSchema>;

export const ScriptSchema = z.object({
  headline: z.string().min(2).max(120),
  voiceover: z.string().min(10).max(3000),
  /** The closing ask shown with the ad ("Order yours today"); runs scripted before it existed have none. */
  callToAction: z.string().min(2).max(MAX_CALL_TO_ACTION_CHARS).optional(),
  scenes: z.array(SceneScriptSchema).min(1).max(MAX_SCENES),
});
export type Script = z.infer<typeof ScriptSchema>;

/** How a scene's clip was made: by a video model of the chain, or the Ken Burns last resort. */
export type SceneMethod = "generated" | "ken-burns";
/**
 * Why a scene is Ken Burns: filtered by the model (`celebrity_detected`, `safety_filter`), rate-limited or
 * failing on every model (`rate_limit`, `veo_error`), or a generated clip our own normalising pass could
 * not turn into a scene within its attempts (`processing_failed`: it timed out or failed each time).
 */
export const FALLBACK_REASONS = [
  "celebrity_detected",
  "safety_filter",
  "rate_limit",
  "veo_error",
  "processing_failed",
] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];
