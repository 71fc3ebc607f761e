import { z } from "zod";

/** How captions look on the picture: a small set a customer chooses from in the brand kit. */
export const CAPTION_STYLES = ["boxed", "outlined", "highlight"] as const;
export type CaptionStyle = (typeof CAPTION_STYLES)[number];

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

/**
 * A customer's brand kit as stored (`users/{uid}/brand/kit`). Colours left null default to the run's
 * Visual DNA palette.
 */
export const BrandKitSchema = z
  .object({
    /** Storage path of the logo (PNG or WebP with transparency), checked like uploads. */
    logo: z.string().nullable().default(null),
    primaryColour: z.string().regex(HEX_COLOUR).nullable().default(null),
    secondaryColour: z.string().regex(HEX_COLOUR).nullable().default(null),
    captionStyle: z.enum(CAPTION_STYLES).default("boxed"),
    callToAction: z.string().trim().nullable().default(null),
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
