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

type Verdict = (m: MediaMeasurements, promised: PromisedVideo, gate: QualityGate) => QualityVerdict;

function checker(verdictOf: Verdict) {
  return async (
    file: string,
    promised: PromisedVideo,
    gate: QualityGate,
    options: RunOptions = {},
  ): Promise<QualityCheck> => {
    const measurements = await measureMedia(file, gate, options);
    return { verdict: verdictOf(measurements, promised, gate), measurements };
  };
}

/** The finished ad: picture, length, and a voice that covers it at the promised loudness. */
export const checkFinishedVideo = checker(finishedVideoVerdict);

/** A generated clip: readable, the promised frame and length, no black or frozen stretch. */
export const checkGeneratedClip = checker(clipVerdict);
