import { z } from "zod";

/** How captions look on the picture: a small set a customer chooses from in the brand kit. */
export const CAPTION_STYLES = ["boxed", "outlined", "highlight"] as const;
export type CaptionStyle = (typeof CAPTION_STYLES)[number];

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

/**
 * The longest brand name and call to action the end card holds, in characters. The card draws them in
 * Source Sans 3 Bold, each on at most two lines inside the safe area, shrinking its size to fit down to
 * half of it (script/endCardLayout.ts). Measured with the font's own advance widths, which are the
 * widths ffmpeg draws (test/script/endCardLayout.test.ts): a 22-letter name of capitals spread over the
 * alphabet, as one word, keeps one line at 57 px of its 92 in 9:16 (768 px of room), 64 px in 1:1 and
 * its full size in 16:9; 48 characters of call to action in capitals take two lines at 52 px of its 65
 * in 9:16. Even at the limits in the font's widest letter ("@", 0.9 em) both fit at the floor, broken
 * inside the word, in every frame.
 */
export const END_CARD_LIMITS = { brandName: 22, callToAction: 48 } as const;

/** The logo's limits: a small graphic, checked before it is stored and again when a run takes it. */
export const LOGO_LIMITS = { maxBytes: 5 * 1024 * 1024, maxPixels: 16_000_000, minSide: 32 } as const;

/** Where a customer's logo lives: their own brand folder, a PNG or WebP. */
export const LOGO_OBJECT_PATTERN = /^brand\/[A-Za-z0-9_-]{1,128}\/logo-[A-Za-z0-9._-]{1,120}\.(png|webp)$/;

/**
 * A customer's brand kit as stored (`users/{uid}/brand/kit`). Colours left null default to the run's
 * Visual DNA palette.
 */
export const BrandKitSchema = z
  .object({
    /** Storage path of the logo (PNG or WebP with transparency), checked like uploads. */
    logo: z.string().regex(LOGO_OBJECT_PATTERN).nullable().default(null),
    primaryColour: z.string().regex(HEX_COLOUR).nullable().default(null),
    secondaryColour: z.string().regex(HEX_COLOUR).nullable().default(null),
    captionStyle: z.enum(CAPTION_STYLES).default("boxed"),
    callToAction: z.string().trim().min(1).max(END_CARD_LIMITS.callToAction).nullable().default(null),
    music: z.boolean().default(true),
  })
  .strict();
export type BrandKit = z.infer<typeof BrandKitSchema>;

/** What the ad adds over its scenes: each on unless the customer switches it off for the run. */
export const RunOptionsSchema = z
  .object({
    captions: z.boolean().default(true),
    music: z.boolean().default(true),
    endCard: z.boolean().default(true),
  })
  .strict();
export type RunOptions = z.infer<typeof RunOptionsSchema>;

/**
 * The kit a run used, copied when the run starts (`runs/{runId}.brand`): a later edit of the kit does
 * not change a finished ad.
 */
export interface RunBrand {
  brandName: string;
  logo: string | null;
  primaryColour: string;
  secondaryColour: string;
  captionStyle: CaptionStyle;
  callToAction: string;
  music: boolean;
}
