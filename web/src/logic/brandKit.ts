/**
 * The brand kit form's decisions: what a chosen logo may be (the backend's own limits and words,
 * brand/messages.ts), and the kit the form's fields make. Pure, unit-tested.
 */
import {
  CAPTION_STYLES,
  END_CARD_LIMITS,
  LOGO_LIMITS,
  type BrandKit,
  type CaptionStyle,
} from "../../../functions/src/contract/brand";
import { hasWords } from "../../../functions/src/contract/run";
import { endCardWords, logoWords } from "../../../functions/src/brand/messages";

export const LOGO_TYPES = ["image/png", "image/webp"] as const;

/** Every sentence of the brand kit card that is not the backend's. */
export const BRAND_KIT_WORDS = {
  logoLimit: `PNG or WebP with a transparent background, up to ${LOGO_LIMITS.maxBytes / 2 ** 20} MB`,
  ctaLimit: `up to ${END_CARD_LIMITS.callToAction} characters`,
  noLogo: "No logo yet.",
  logoChosen: "Preview of the chosen logo",
  logoSaved: "Your logo",
  ctaNoWords: "Write the call to action in words, not only punctuation or emoji.",
  paletteColour: "From each video's own palette",
  saving: "Saving your brand kit…",
  uploading: "Uploading your logo…",
  saved: "Brand kit saved. New videos use it; videos already made keep theirs.",
  fixFields: "Please correct the fields marked above.",
  captionStyles: { boxed: "Boxed", outlined: "Outlined", highlight: "Highlighted" } satisfies Record<
    CaptionStyle,
    string
  >,
};

/** What the page could learn about a chosen logo; null sizes when the browser could not decode it. */
export interface LogoFacts {
  type: string;
  size: number;
  width: number | null;
  height: number | null;
  /** Whether any pixel is less than fully opaque; null when not decoded. */
  transparent: boolean | null;
}

/** Why this logo is refused before upload, in the backend's words; null when it may be uploaded. */
export function logoError(logo: LogoFacts): string | null {
  if (logo.size === 0) return logoWords.empty;
  if (!(LOGO_TYPES as readonly string[]).includes(logo.type)) return logoWords.wrongFormat;
  if (logo.size > LOGO_LIMITS.maxBytes) return logoWords.tooLarge(logo.size);
  if (logo.width === null || logo.height === null) return logoWords.unreadable;
  if (logo.width * logo.height > LOGO_LIMITS.maxPixels) return logoWords.tooManyPixels(logo.width * logo.height);
  if (Math.min(logo.width, logo.height) < LOGO_LIMITS.minSide) return logoWords.tooSmall(logo.width, logo.height);
  if (logo.transparent === false) return logoWords.opaque;
  return null;
}

/** The kit form as read from the page: colours null when "from each video's palette" is ticked. */
export interface KitFields {
  logo: string | null;
  primaryColour: string | null;
  secondaryColour: string | null;
  captionStyle: string;
  callToAction: string;
  music: boolean;
}

export type KitCheck = { ok: true; kit: BrandKit } | { ok: false; errors: { callToAction?: string } };

export function checkKitForm(fields: KitFields): KitCheck {
  const cta = fields.callToAction.trim();
  if (cta.length > END_CARD_LIMITS.callToAction)
    return { ok: false, errors: { callToAction: endCardWords.callToActionTooLong(cta.length) } };
  if (cta && !hasWords(cta)) return { ok: false, errors: { callToAction: BRAND_KIT_WORDS.ctaNoWords } };
  const captionStyle = (CAPTION_STYLES as readonly string[]).includes(fields.captionStyle)
    ? (fields.captionStyle as CaptionStyle)
    : "boxed";
  return {
    ok: true,
    kit: {
      logo: fields.logo,
      primaryColour: fields.primaryColour?.toLowerCase() ?? null,
      secondaryColour: fields.secondaryColour?.toLowerCase() ?? null,
      captionStyle,
      callToAction: cta || null,
      music: fields.music,
    },
  };
}
