/**
 * The output quality gate on the finished ad: the file measured without decoding its picture, the
 * picture as its clips' encoding passes measured it (quality/measure.ts explains why that is still a
 * measurement of this file), decided by the pure verdict. Generated clips meet the clip verdict where
 * they are normalised (media/normalize.ts), so a black or frozen clip never reaches the join.
 */
import type { ClipMeasurements, MediaMeasurements } from "../contract/measurements";
import type { RunOptions } from "../ffmpeg/binaries";
import type { OverlayMeasurements, OverlayPlan } from "../contract/overlay";
import type { VoiceTiming } from "../contract/voice";
import type { OverlaySettings, QualityGate } from "../pipelineSettings";
import { measureOverlay, overlayFailures } from "./overlayCheck";
import { joinedPicture, measureFinishedFile, type FileMeasurements } from "./measure";
import { finishedVideoVerdict } from "./verdict";
import type { PromisedVideo, QualityVerdict } from "../contract/quality";

export interface QualityCheck {
  verdict: QualityVerdict;
  measurements: MediaMeasurements;
  /** What the ad writes on its picture, as measured on the file (quality/overlayCheck.ts). */
  overlay?: OverlayMeasurements;
}

/** What the run planned to write on its picture, and what the gate holds it to. */
export interface OverlayExpectation {
  plan: OverlayPlan;
  timing: VoiceTiming | undefined;
  settings: OverlaySettings;
  endCard: boolean;
}

/** The finished file with its clips' picture measurements shifted to their places in the join. */
export function withClipPictures(file: FileMeasurements, clips: ClipMeasurements[]): MediaMeasurements {
  if (!file.readable) return file;
  const { video, ...rest } = file;
  if (!video) return rest;
  const { black, frozen } = joinedPicture(clips.map((clip) => clip.picture));
  return { ...rest, video: { ...video, black, frozen } };
}

/**
 * The finished ad: its frame, length and voice, its clips' picture, the product where we placed it, and
 * (with an expectation) its captions, title and end card.
 */
export async function checkFinishedVideo(
  file: string,
  clips: ClipMeasurements[],
  promised: PromisedVideo,
  gate: QualityGate,
  overlay?: OverlayExpectation,
  options: RunOptions = {},
): Promise<QualityCheck> {
  const measurements = withClipPictures(await measureFinishedFile(file, gate, options), clips);
  const verdict = finishedVideoVerdict(measurements, clips, promised, gate);
  // A file that cannot be read has no picture to look at: its verdict already says so.
  if (!overlay || !measurements.readable) return { verdict, measurements };
  const drawn = await measureOverlay(file, overlay.plan, overlay.timing, options);
  const failures = [...verdict.failures, ...overlayFailures(overlay.plan, drawn, overlay.settings, overlay.endCard)];
  return { verdict: { passed: failures.length === 0, failures }, measurements, overlay: drawn };
}
