import type { FramingMeasurements, PreflightReport, PreflightWarning } from "../contract/run";
import type { FrameSize } from "../contract/measurements";
import type { FramingGates, ImageFloor } from "../pipelineSettings";
import type { FaceDetector } from "./faces";
import { measureFraming, productBox } from "./framing";
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

/** The side of the thumbnail the product's box is looked for in. */
export const PRODUCT_BOX_SIDE = 256;

export interface PreflightOptions {
  detector: FaceDetector;
  limits?: Partial<ImageLimits>;
  blurThreshold?: number;
}

/** The run's frame and the gates its framing must pass; the image's hard floors (config/pipeline). */
export interface FramingCheck {
  frame: FrameSize;
  gates: FramingGates;
  floor?: ImageFloor;
}

const percent = (share: number) => (share * 100 < 1 ? (share * 100).toFixed(1) : String(Math.round(share * 100)));

/** "80:1", "3:4", "9:16": a width:height a person reads. */
export function shapeOf(width: number, height: number): string {
  const ratio = width / height;
  const round = (value: number) => String(Math.round(value * 10) / 10);
  if (Math.abs(ratio - 9 / 16) < 0.01) return "9:16";
  if (Math.abs(ratio - 16 / 9) < 0.01) return "16:9";
  return ratio >= 1 ? `${round(ratio)}:1` : `1:${round(1 / ratio)}`;
}

/**
 * Warnings about how the product sits in the frame; pure. `refused` when a gate's refusal level is
 * crossed: no framing of this image makes an ad, so the run must not start even if the user confirms.
 */
export function framingWarnings(
  measured: FramingMeasurements & { width: number; height: number },
  check: FramingCheck,
): { warnings: PreflightWarning[]; refused: boolean } {
  const { gates, frame } = check;
  const frameShape = shapeOf(frame.width, frame.height);
  const gated = [
    {
      value: measured.fill,
      confirmBelow: gates.confirmBelowFill,
      refuseBelow: gates.refuseBelowFill,
      code: "ASPECT_RATIO",
      message: WARNING_TEXT.ASPECT_RATIO.message(
        shapeOf(measured.width, measured.height),
        frameShape,
        percent(measured.fill),
      ),
      recommendation: WARNING_TEXT.ASPECT_RATIO.recommendation(frameShape),
    },
    {
      value: measured.productShare,
      confirmBelow: gates.confirmBelowProductShare,
      refuseBelow: gates.refuseBelowProductShare,
      code: "PRODUCT_TOO_SMALL",
      message: WARNING_TEXT.PRODUCT_TOO_SMALL.message(percent(measured.productShare)),
      recommendation: WARNING_TEXT.PRODUCT_TOO_SMALL.recommendation,
    },
  ].filter((gate) => gate.value < gate.confirmBelow);
  return {
    warnings: gated.map(({ code, message, recommendation }) => ({ severity: "high", code, message, recommendation })),
    refused: gated.some((gate) => gate.value < gate.refuseBelow),
  };
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
export async function preflightImageCheck(
  bytes: Buffer,
  options: PreflightOptions,
  framingCheck?: FramingCheck,
): Promise<PreflightReport> {
  const image = await decodeUpload(bytes, { ...options.limits, ...framingCheck?.floor });
  const [detection, analysis] = await Promise.all([options.detector.detect(image), analyzeImage(image)]);
  const warnings = preflightWarnings(
    { faces: detection.faces, width: image.width, height: image.height, sharpness: analysis.sharpness },
    options.blurThreshold,
  );
  let framing: FramingMeasurements | undefined;
  let refused = false;
  if (framingCheck) {
    const box = productBox(await image.rgb(PRODUCT_BOX_SIDE));
    framing = measureFraming(image, framingCheck.frame, box ?? undefined, box !== null);
    const found = framingWarnings({ ...framing, width: image.width, height: image.height }, framingCheck);
    warnings.push(...found.warnings);
    refused = found.refused;
  }
  return {
    safeToProceed: !refused && !warnings.some((w) => w.severity === "high"),
    ...(refused && { refused }),
    ...(framing && { framing }),
    warnings,
    faces: detection.faces,
    width: image.width,
    height: image.height,
    format: image.format,
    detector: detection.detector,
  };
}
