/**
 * The new-video form, checked field by field before anything is uploaded: the same limits the
 * backend enforces (trimmed text with words in it, lengths, scenes, image type, size and pixel count,
 * a voice-over the names and brief can fill), said in words.
 */
import {
  ASPECT_RATIOS,
  MAX_BRIEF_CHARS,
  MAX_CALL_TO_ACTION_CHARS,
  MAX_SCENES,
  hasWords,
  type AspectRatio,
} from "../../../functions/src/contract/run";
import { endCardProblems } from "../../../functions/src/brand/endCard";
import { END_CARD_LIMITS, type RunOptions } from "../../../functions/src/contract/brand";
import { adLengthWords, voiceoverWords } from "../../../functions/src/messages";
import {
  minScenesFor,
  type AdLengthSettings,
  type PipelineSettings,
  type VoiceoverSettings,
} from "../../../functions/src/pipelineSettings";
import { voiceoverFit } from "../../../functions/src/script/voiceoverPlan";
import { MAX_IMAGE_PIXELS, MAX_UPLOAD_BYTES } from "../../../functions/src/contract/uploadRules";

export const MAX_NAME_CHARS = 120;
export const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;

export const FIELD_LIMITS = {
  image: `JPEG, PNG or WebP, up to ${MAX_UPLOAD_BYTES / 2 ** 20} MB and ${MAX_IMAGE_PIXELS / 1e6} million pixels`,
  product: `up to ${MAX_NAME_CHARS} characters`,
  brand: `up to ${MAX_NAME_CHARS} characters`,
  brief: `up to ${MAX_BRIEF_CHARS} characters`,
  scenes: scenesLimit(sceneRange(null)),
  cta: `optional, up to ${END_CARD_LIMITS.callToAction} characters on the end card`,
} as const;

/**
 * The scene counts a run may ask for: from the fewest whose video is long enough for its voice-over
 * (the backend's own rule, minScenesFor, on the settings it runs by) to the most. `why` says why
 * the fewest is more than one; null before the settings are known or when one scene is enough.
 * `voiceover`: the settings the backend judges the voice-over's length by, once known.
 */
export interface SceneRange {
  min: number;
  max: number;
  why: string | null;
  voiceover: (VoiceoverSettings & { sceneSeconds: number }) | null;
}

export function sceneRange(settings: (AdLengthSettings & Partial<VoiceoverSettings>) | null): SceneRange {
  const min = settings ? Math.min(minScenesFor(settings), MAX_SCENES) : 1;
  const why =
    settings && min > 1
      ? `${adLengthWords.voiceNeeds(settings.minAdSeconds)}, and ${adLengthWords.sceneLasts(settings.sceneSeconds)}`
      : null;
  const voiceover =
    settings?.voiceFit && settings.qualityGate
      ? { sceneSeconds: settings.sceneSeconds, voiceFit: settings.voiceFit, qualityGate: settings.qualityGate }
      : null;
  return { min, max: MAX_SCENES, why, voiceover };
}

/** The scenes field's limit beside its label. */
export function scenesLimit(range: SceneRange): string {
  return `${range.min} to ${range.max}`;
}

/** What the page could learn about the chosen file; width and height are null when it did not decode. */
export interface ImageFacts {
  type: string;
  size: number;
  width: number | null;
  height: number | null;
}

export interface FormFields {
  image: ImageFacts | null;
  product: string;
  brand: string;
  brief: string;
  scenes: string;
  aspect: string;
  /** This video's call to action; empty: the brand kit's. */
  cta: string;
  /** The three switches: what the video adds over its scenes. */
  options: RunOptions;
}

export type FieldName = Exclude<keyof FormFields, "options">;

export interface RunRequestFields {
  productName: string;
  brandName: string;
  brief: string;
  scenes: number;
  aspectRatio: AspectRatio;
  options: RunOptions;
  callToAction?: string;
}

export type FormCheck =
  { ok: true; fields: RunRequestFields } | { ok: false; errors: Partial<Record<FieldName, string>> };

/** The order errors are announced and focused in: the form's own order. */
export const FIELD_ORDER: FieldName[] = ["image", "product", "brand", "brief", "scenes", "aspect", "cta"];

export function imageError(image: ImageFacts | null): string | null {
  if (!image) return "Choose a photo of your product.";
  if (!(IMAGE_TYPES as readonly string[]).includes(image.type)) return "Choose a JPEG, PNG or WebP image.";
  if (image.size === 0) return "This file is empty. Choose another photo.";
  if (image.size > MAX_UPLOAD_BYTES)
    return `This image is ${(image.size / 2 ** 20).toFixed(1)} MB; the limit is ${MAX_UPLOAD_BYTES / 2 ** 20} MB.`;
  if (image.width === null || image.height === null) return "This file could not be read as an image. Choose another.";
  const pixels = image.width * image.height;
  if (pixels > MAX_IMAGE_PIXELS)
    return `This image has ${(pixels / 1e6).toFixed(1)} million pixels; the limit is ${MAX_IMAGE_PIXELS / 1e6} million. Use a smaller version.`;
  return null;
}

function textError(value: string, what: string, max: number): string | null {
  const trimmed = value.trim();
  if (!trimmed) return `Enter ${what}.`;
  if (trimmed.length > max) return `Keep ${what} to ${max} characters (now ${trimmed.length}).`;
  if (!hasWords(trimmed)) return `Write ${what} in words, not only punctuation or emoji.`;
  return null;
}

/**
 * The backend's own decision (voiceoverFit) on whether the names and brief can fill the chosen
 * length: said on the brief when they give too little, on the product name when the names take too long.
 */
function voiceoverErrors(fields: RunRequestFields, range: SceneRange): Partial<Record<FieldName, string>> {
  if (!range.voiceover) return {};
  const fit = voiceoverFit(fields, range.voiceover.sceneSeconds, range.voiceover, {
    minScenes: range.min,
    maxScenes: range.max,
  });
  if (fit.fits) return {};
  const said = `${voiceoverWords.why(fit)}. ${voiceoverWords.suggestion(fit)}.`;
  return fit.why === "too_little" ? { brief: said } : { product: said };
}

function scenesError(value: string, range: SceneRange): string | null {
  const scenes = Number(value);
  if (value.trim() !== "" && Number.isInteger(scenes) && scenes >= range.min && scenes <= range.max) return null;
  // Too few: why more than one scene is needed.
  const why = value.trim() !== "" && scenes < range.min ? range.why : null;
  return `Choose between ${range.min} and ${range.max} scenes${why ? `: ${why}` : ""}.`;
}

/** `scenes`: the counts the pipeline settings allow (sceneRange); before they are known, the contract's 1 to 8. */
export function checkRunForm(form: FormFields, scenesAllowed: SceneRange = sceneRange(null)): FormCheck {
  const scenes = Number(form.scenes);
  const candidates: [FieldName, string | null][] = [
    ["image", imageError(form.image)],
    ["product", textError(form.product, "the product name", MAX_NAME_CHARS)],
    ["brand", textError(form.brand, "the brand name", MAX_NAME_CHARS)],
    ["brief", textError(form.brief, "a short brief", MAX_BRIEF_CHARS)],
    ["scenes", scenesError(form.scenes, scenesAllowed)],
    ["aspect", (ASPECT_RATIOS as readonly string[]).includes(form.aspect) ? null : "Choose a format."],
    ["cta", form.cta.trim() ? textError(form.cta, "the call to action", MAX_CALL_TO_ACTION_CHARS) : null],
  ];
  const errors: Partial<Record<FieldName, string>> = {};
  for (const [field, error] of candidates) if (error) errors[field] = error;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const fields: RunRequestFields = {
    productName: form.product.trim(),
    brandName: form.brand.trim(),
    brief: form.brief.trim(),
    scenes,
    aspectRatio: form.aspect as AspectRatio,
    options: form.options,
    ...(form.cta.trim() && { callToAction: form.cta.trim() }),
  };
  const tooShortOrLong = voiceoverErrors(fields, scenesAllowed);
  if (Object.keys(tooShortOrLong).length > 0) return { ok: false, errors: tooShortOrLong };
  // Then the backend's end-card check (brand/endCard.ts), in its order: before any upload, as before any charge.
  const endCard = endCardProblems({
    brandName: fields.brandName,
    callToAction: fields.callToAction ?? null,
    endCard: fields.options.endCard,
  });
  if (endCard) {
    const errors = {
      ...(endCard.brandName && { brand: endCard.brandName }),
      ...(endCard.callToAction && { cta: endCard.callToAction }),
    };
    return { ok: false, errors };
  }
  return { ok: true, fields };
}

/** The Create button: the price on it, usable only when the balance covers it. */
export interface CreateGate {
  label: string;
  enabled: boolean;
  /** Why it is disabled, in words; null when enabled. */
  blocked: string | null;
}

/**
 * When the form says a video is charged: at the approval of its storyboard (`approval: "required"`, the
 * page's setting), or as soon as the image passes its check (`"off"`).
 */
export function priceHint(approval: PipelineSettings["approval"]): string {
  return approval === "required"
    ? "A video costs the credits shown on the button. You see its storyboard first: nothing is charged until you approve it. If we cannot make it after that, the credits come back."
    : "A video costs the credits shown on the button, charged only after your image passes its check. If we cannot make it, the credits come back.";
}

export function createGate(price: number | null, balance: number | null): CreateGate {
  if (price === null || balance === null)
    return { label: "Create video", enabled: false, blocked: "Loading the price and your balance…" };
  const label = `Create video — ${price} ${price === 1 ? "credit" : "credits"}`;
  if (balance < price)
    return {
      label,
      enabled: false,
      blocked: `Not enough credits: this video costs ${price} and your balance is ${balance}.`,
    };
  return { label, enabled: true, blocked: null };
}
