/**
 * What a customer reads about their brand kit and a run's end card: shared with the page (free of
 * Node-only imports), so a refusal reads the same before upload and at the start of a run.
 */
import { END_CARD_LIMITS, LOGO_LIMITS } from "../contract/brand";

const MiB = 2 ** 20;

/** Why a logo cannot be used, each with what to do instead. */
export const logoWords = {
  empty: "This logo file is empty. Choose another.",
  tooLarge: (bytes: number) =>
    `This logo is ${(bytes / MiB).toFixed(1)} MB; the limit is ${LOGO_LIMITS.maxBytes / MiB} MB. Use a smaller file.`,
  wrongFormat: "A logo must be a PNG or WebP image with a transparent background.",
  unreadable: "This logo file could not be read as an image. Export it again as PNG or WebP.",
  tooManyPixels: (pixels: number) =>
    `This logo has ${(pixels / 1e6).toFixed(1)} million pixels; the limit is ${LOGO_LIMITS.maxPixels / 1e6} million. Use a smaller version.`,
  tooSmall: (width: number, height: number) =>
    `This logo is ${width}x${height} pixels; it needs at least ${LOGO_LIMITS.minSide} pixels on each side.`,
  opaque:
    "This logo has no transparent background, so it would show as a box over the video. Export it as PNG or WebP with transparency.",
};

/** The end card's limits, said where the customer types and when a run is refused for them. */
export const endCardWords = {
  brandNameTooLong: (length: number) =>
    `The brand name is ${length} characters; the end card holds ${END_CARD_LIMITS.brandName}. Shorten it or switch the end card off.`,
  callToActionTooLong: (length: number) =>
    `The call to action is ${length} characters; the end card holds ${END_CARD_LIMITS.callToAction}. Shorten it or switch the end card off.`,
};

/** A run refused at its start for its brand kit or end card: before any charge. */
export const brandRunMessages = {
  endCard: (why: string) => `${why} Nothing was charged.`,
  logo: (why: string) => `Your brand kit's logo cannot be used: ${why} Replace it in Brand kit. Nothing was charged.`,
  logoMissing: "Your brand kit's logo could not be found. Upload it again in Brand kit. Nothing was charged.",
  kitInvalid: "Your brand kit could not be read. Open Brand kit and save it again. Nothing was charged.",
};
