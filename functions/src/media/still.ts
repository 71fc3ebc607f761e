/**
 * The product image as ffmpeg gets to see it. The upload passed the preflight, but ffmpeg's own image
 * decoders and filters are another program: a 1x1 image crashes its Ken Burns filters (SIGSEGV), and
 * it ignores EXIF orientation. So no upload reaches ffmpeg as it was: it is decoded once more here
 * (sharp, the preflight's decoder and limits), refused below the smallest size the renders are safe at,
 * turned upright, flattened onto white, capped in size and written as a plain 8-bit RGB PNG.
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import sharp, { type OutputInfo } from "sharp";
import { MAX_IMAGE_PIXELS } from "../contract/uploadRules";

/**
 * Below this on either side an image is refused here, whatever the settings let through the preflight:
 * ffmpeg's filters crash or fail on 1-2 px inputs, and the preflight's own analyses need 16 px
 * (preflight/framing.ts). The product's floor for a usable ad is config/pipeline's imageFloor, far above.
 */
export const MIN_STILL_SIDE = 16;
/** Twice the long side of the largest frame: Ken Burns renders on a canvas of twice the frame, never more. */
export const MAX_STILL_SIDE = 3840;
const DECODE_TIMEOUT_SECONDS = 20;

/** A product image that cannot be rendered: never a crash of ffmpeg. */
export class UnrenderableImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnrenderableImageError";
  }
}

export interface PreparedStill {
  file: string;
  width: number;
  height: number;
}

/** Writes the render-safe copy of `imageFile` to `outFile` (PNG); throws UnrenderableImageError for any other. */
export async function prepareStill(imageFile: string, outFile: string): Promise<PreparedStill> {
  // A file that is not there is our own failure (a lost download), not the image's: it keeps its error.
  await access(imageFile, constants.R_OK);
  let info: OutputInfo;
  try {
    const header = await sharp(imageFile, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
    const upright = (header.orientation ?? 1) >= 5 ? [header.height, header.width] : [header.width, header.height];
    if (Math.min(...upright) < MIN_STILL_SIDE) {
      throw new UnrenderableImageError(
        `the product image is ${upright.join("x")}, below the ${MIN_STILL_SIDE} px a render needs on each side`,
      );
    }
    info = await sharp(imageFile, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: "warning", pages: 1 })
      .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
      .rotate()
      .resize({ width: MAX_STILL_SIDE, height: MAX_STILL_SIDE, fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .png({ compressionLevel: 1 })
      .toFile(outFile);
  } catch (error) {
    if (error instanceof UnrenderableImageError) throw error;
    throw new UnrenderableImageError(`the product image cannot be decoded: ${(error as Error).message}`);
  }
  // A sliver that fitting inside the cap thinned below the minimum (the preflight refuses such shapes).
  if (Math.min(info.width, info.height) < MIN_STILL_SIDE) {
    throw new UnrenderableImageError(`the product image fits the render only as ${info.width}x${info.height}`);
  }
  return { file: outFile, width: info.width, height: info.height };
}
