import type { PreflightReport, PreflightWarning } from "../contract/run";
import type { FaceDetector } from "./faces";
import { analyzeImage } from "./imageAnalysis";
import { decodeUpload, type ImageLimits } from "./imageFile";
import { WARNING_TEXT } from "./messages";

/** Veo renders 720p and up; below this the source visibly limits the result. */
export const LOW_RESOLUTION_SIDE = 512;

/**
 * Laplacian variance (imageAnalysis.sharpness) below which an image is called blurry.
 * Calibrated on the fixtures: coffee.png 1273, coffee_blur.png (Gaussian sigma 4) 4.1,
 * coffee.png upscaled 4.8x to 1080x1920 261, the 240 px copy upscaled to 768 px 102.
 * 50 flags the real blur with a wide margin and leaves soft-but-usable upscales alone.
 */
export const DEFAULT_BLUR_THRESHOLD = 50;

export interface PreflightOptions {
  detector: FaceDetector;
  limits?: Partial<ImageLimits>;
  blurThreshold?: number;
}

/** The warnings a set of measurements calls for; pure. */
export function preflightWarnings(
  measured: { faces: number; width: number; height: number; sharpness: number },
  blurThreshold = DEFAULT_BLUR_THRESHOLD,
): PreflightWarning[] {
  const warnings: PreflightWarning[] = [];
  if (measured.faces > 0) {
    const text = WARNING_TEXT.FACES_DETECTED;
    warnings.push({
      severity: "high",
      code: "FACES_DETECTED",
      message: text.message(measured.faces),
      recommendation: text.recommendation,
    });
  }
  const shortSide = Math.min(measured.width, measured.height);
  if (shortSide < LOW_RESOLUTION_SIDE) {
    const text = WARNING_TEXT.LOW_RESOLUTION;
    warnings.push({
      severity: "medium",
      code: "LOW_RESOLUTION",
      message: text.message(shortSide, LOW_RESOLUTION_SIDE),
      recommendation: text.recommendation,
    });
  }
  if (measured.sharpness < blurThreshold) {
    const text = WARNING_TEXT.BLURRY;
    warnings.push({ severity: "medium", code: "BLURRY", message: text.message(), recommendation: text.recommendation });
  }
  return warnings;
}

/**
 * Checks an upload before any credit moves. Unusable files throw PipelineFailure
 * (requiresRefund false); usable ones get a report whose high-severity warnings
 * need the user's confirmation.
 */
export async function preflightImageCheck(bytes: Buffer, options: PreflightOptions): Promise<PreflightReport> {
  const image = await decodeUpload(bytes, options.limits);
  const [detection, analysis] = await Promise.all([options.detector.detect(image), analyzeImage(image)]);
  const warnings = preflightWarnings(
    { faces: detection.faces, width: image.width, height: image.height, sharpness: analysis.sharpness },
    options.blurThreshold,
  );
  return {
    safeToProceed: !warnings.some((w) => w.severity === "high"),
    warnings,
    faces: detection.faces,
    width: image.width,
    height: image.height,
    format: image.format,
    detector: detection.detector,
  };
}
