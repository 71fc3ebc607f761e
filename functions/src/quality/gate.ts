/**
 * The output quality gate on the finished ad: the file measured without decoding its picture, the
 * picture as its clips' encoding passes measured it (quality/measure.ts explains why that is still a
 * measurement of this file), decided by the pure verdict. Generated clips meet the clip verdict where
 * they are normalised (media/normalize.ts), so a black or frozen clip never reaches the join.
 */
import type { ClipMeasurements, MediaMeasurements } from "../contract/measurements";
import type { RunOptions } from "../ffmpeg/binaries";
import type { QualityGate } from "../pipelineSettings";
import { joinedPicture, measureFinishedFile, type FileMeasurements } from "./measure";
import { finishedVideoVerdict } from "./verdict";
import type { PromisedVideo, QualityVerdict } from "../contract/quality";

export interface QualityCheck {
  verdict: QualityVerdict;
  measurements: MediaMeasurements;
}

/** The finished file with its clips' picture measurements shifted to their places in the join. */
export function withClipPictures(file: FileMeasurements, clips: ClipMeasurements[]): MediaMeasurements {
  if (!file.readable) return file;
  const { video, ...rest } = file;
  if (!video) return rest;
  const { black, frozen } = joinedPicture(clips.map((clip) => clip.picture));
  return { ...rest, video: { ...video, black, frozen } };
}

/** The finished ad: its frame, length and voice, its clips' picture, the product where we placed it. */
export async function checkFinishedVideo(
  file: string,
  clips: ClipMeasurements[],
  promised: PromisedVideo,
  gate: QualityGate,
  options: RunOptions = {},
): Promise<QualityCheck> {
  const measurements = withClipPictures(await measureFinishedFile(file, gate, options), clips);
  return { verdict: finishedVideoVerdict(measurements, clips, promised, gate), measurements };
}
