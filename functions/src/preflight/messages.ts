/**
 * Every sentence the preflight shows a user, in one place, so wording stays consistent
 * between refusals (the file cannot be used at all) and warnings (it can, at a risk).
 */

/** Why an upload is refused before any charge. The code goes into `PipelineFailure.reason`. */
export const REFUSAL_CODES = [
  "EMPTY_FILE",
  "FILE_TOO_LARGE",
  "NOT_AN_IMAGE",
  "UNSUPPORTED_FORMAT",
  "CORRUPT_IMAGE",
  "DECOMPRESSION_BOMB",
  "IMAGE_TOO_SMALL",
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export const REFUSAL_MESSAGES: Record<RefusalCode, string> = {
  EMPTY_FILE: "The uploaded file is empty. Please upload your product photo again.",
  FILE_TOO_LARGE: "The image file is too large. Please upload a smaller JPEG, PNG or WebP.",
  NOT_AN_IMAGE: "The uploaded file is not an image. Please upload a JPEG, PNG or WebP photo of your product.",
  UNSUPPORTED_FORMAT: "This image format is not supported. Please upload a JPEG, PNG or WebP image.",
  CORRUPT_IMAGE: "The image is damaged or incomplete and cannot be read. Please export it again and re-upload.",
  DECOMPRESSION_BOMB: "The image has too many pixels to process. Please upload a smaller version of it.",
  IMAGE_TOO_SMALL: "The image is too small to make a video from. Please upload a larger photo of your product.",
};

const count = (n: number) => n.toLocaleString("en-US");

/** IMAGE_TOO_SMALL with the image's size and the minimum it missed, so the user knows what to upload. */
export function imageTooSmallMessage(
  image: { width: number; height: number },
  floor: { minSide?: number; minPixels?: number },
): string {
  const needs = [
    floor.minSide !== undefined && `at least ${count(floor.minSide)} pixels on its shortest side`,
    floor.minPixels !== undefined && `at least ${count(floor.minPixels)} pixels in all`,
  ].filter(Boolean);
  return (
    `The image is only ${count(image.width)} x ${count(image.height)} pixels, too small to make a video from: ` +
    `it needs ${needs.join(" and ")}. Please upload a larger photo of your product.`
  );
}

/** Warnings the user may override by confirming; only `high` ones stop an unconfirmed run. */
export const WARNING_CODES = [
  "FACES_DETECTED",
  "LOW_RESOLUTION",
  "BLURRY",
  "ASPECT_RATIO",
  "PRODUCT_TOO_SMALL",
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export const WARNING_TEXT = {
  // Plain words only: the customer never reads which provider or model makes the video.
  FACES_DETECTED: {
    message: (faces: number) =>
      `We found ${faces === 1 ? "a person's face" : faces > 1 ? `${faces} faces` : "faces"} in your image. ` +
      "Scenes with people are often refused by our video service and then made as still pan-and-zoom " +
      "animations instead.",
    recommendation: "For the best result, use a photo of the product alone, or an illustration without people.",
  },
  LOW_RESOLUTION: {
    message: (shortSide: number, minSide: number) =>
      `The image is only ${shortSide} px on its shortest side (${minSide} px recommended). The video may look soft.`,
    recommendation: "Upload a higher-resolution photo of the product.",
  },
  BLURRY: {
    message: () => "The image looks blurry. The video will inherit the blur.",
    recommendation: "Upload a sharper, in-focus photo of the product.",
  },
  ASPECT_RATIO: {
    message: (imageShape: string, frameShape: string, fillPct: string) =>
      `The image is ${imageShape} and the video is ${frameShape}: shown whole, the image would cover only ` +
      `${fillPct}% of each frame, the rest a blurred backdrop; filling the frame instead would cut all but ` +
      `${fillPct}% of it away.`,
    recommendation: (frameShape: string) =>
      `Upload a photo closer to the video's ${frameShape} shape, or crop it around the product.`,
  },
  PRODUCT_TOO_SMALL: {
    message: (sharePct: string) =>
      `The product would cover only ${sharePct}% of the picture: on a phone it will look like a speck.`,
    recommendation: "Upload a photo in which the product fills more of the image, or crop closer around it.",
  },
} as const;
