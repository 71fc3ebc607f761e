/**
 * The output quality gate: measure with real ffmpeg, then decide with the pure verdict. The finished
 * ad is checked by the quality stage; a generated clip can be checked where it is rendered, so a
 * black or frozen clip becomes that scene's provider error instead of reaching the join.
 */
import type { RunOptions } from "../media/binaries";
import type { QualityGate } from "../pipelineSettings";
import { measureMedia, type MediaMeasurements } from "./measure";
import { clipVerdict, finishedVideoVerdict, type PromisedVideo, type QualityVerdict } from "./verdict";

export interface QualityCheck {
  verdict: QualityVerdict;
  measurements: MediaMeasurements;
}

export async function checkFinishedVideo(
  file: string,
  promised: PromisedVideo,
  gate: QualityGate,
  options: RunOptions = {},
): Promise<QualityCheck> {
  const measurements = await measureMedia(file, gate, options);
  return { verdict: finishedVideoVerdict(measurements, promised, gate), measurements };
}

export async function checkGeneratedClip(
  file: string,
  promised: PromisedVideo,
  gate: QualityGate,
  options: RunOptions = {},
): Promise<QualityCheck> {
  const measurements = await measureMedia(file, gate, options);
  return { verdict: clipVerdict(measurements, promised, gate), measurements };
}
