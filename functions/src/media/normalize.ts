/**
 * Brings a clip a video model returned to the run's frame before it is stored, so every scene clip,
 * generated or Ken Burns, has one shape and the assembly can join them without re-encoding.
 *
 * - Size: scaled to cover the frame and centre-cropped (never padded). The model is asked for the
 *   run's orientation, so a 9:16 or 16:9 clip only scales and nothing is cut; for square runs (video
 *   models have no square output) the centre of a landscape clip fills the frame edge to edge like
 *   the Ken Burns scenes next to it, where padding would put black bars in the middle of an ad.
 * - Time: 30 fps, cut to the scene's length in whole frames; a clip shorter than the scene is refused.
 * - Encoding: the H.264 settings of every other clip (h264OutputArgs).
 * - Picture: measured in the same pass (black and frozen stretches, frames) and judged by the clip
 *   verdict of the quality gate: a clip that fails it is unusable like one that cannot be decoded, so
 *   the scene moves on to the next model or Ken Burns, and the measurement travels with the clip to the
 *   finished video's gate.
 * - Audio: dropped. The voice-over is the ad's soundtrack; each generated clip brings its own unrelated
 *   soundbed (or invented speech) that would change at every cut and is absent from Ken Burns scenes.
 */
import type { QualityGate } from "../pipelineSettings";
import { clipVerdict, describeFailures } from "../quality/verdict";
import { MediaToolError, type RunOptions } from "./binaries";
import { CLIP_FPS, coverFilter, encodeMeasuredClip, type ClipEncoding, type ClipPlan, type MeasuredClip } from "./clip";
import { probeMedia, type MediaInfo } from "./probe";

export interface NormalizeRequest {
  /** The clip as the model delivered it. */
  inFile: string;
  outFile: string;
  width: number;
  height: number;
  /** The scene's length: the clip is cut to it. */
  seconds: number;
  /**
   * The `slow_pass` test fault only: the pass runs this many times slower than real time, as on a
   * machine too loaded to keep up (the frames are paced by the realtime filter, their timing restored).
   */
  slowdown?: number;
}

/** A clip that cannot become a scene: the model's output was not a usable video. */
export class UnusableClipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnusableClipError";
  }
}

/** Half a frame at 30 fps: a clip may end this much before the scene does. */
const LENGTH_TOLERANCE_SEC = 1 / (2 * CLIP_FPS);

export function normalizePlan(seconds: number): ClipPlan {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`scene length must be positive, got ${seconds}`);
  const frames = Math.max(1, Math.round(seconds * CLIP_FPS));
  return { frames, fps: CLIP_FPS, durationSec: frames / CLIP_FPS };
}

export function normalizeEncoding(req: NormalizeRequest): ClipEncoding {
  const paced = req.slowdown ? [`setpts=${req.slowdown}*PTS`, "realtime", `setpts=PTS/${req.slowdown}`] : [];
  const filter = [...paced, coverFilter(req.width, req.height), "setsar=1", `fps=${CLIP_FPS}`, "format=yuv420p"].join(
    ",",
  );
  return {
    inputs: ["-i", req.inFile],
    graph: `[0:v:0]${filter}[rendered]`,
    plan: normalizePlan(req.seconds),
    frame: { width: req.width, height: req.height },
    outFile: req.outFile,
  };
}

async function probeOrReject(file: string, what: string, options: RunOptions): Promise<MediaInfo> {
  try {
    return await probeMedia(file, options);
  } catch (error) {
    // A probe that ran out of time says nothing about the clip: the pass is retried, the clip not blamed.
    if (error instanceof MediaToolError && error.timedOut) throw error;
    if (error instanceof MediaToolError) throw new UnusableClipError(`${what} is not a readable video file`);
    throw new UnusableClipError(`${what}: ${(error as Error).message}`);
  }
}

/**
 * Normalises one clip; throws UnusableClipError when the input is not a video of at least the scene's
 * length, or when what came out fails the clip verdict (black, frozen, short).
 */
export async function normalizeClip(
  req: NormalizeRequest,
  gate: QualityGate,
  options: RunOptions = {},
): Promise<MeasuredClip> {
  const plan = normalizePlan(req.seconds);
  const input = await probeOrReject(req.inFile, "the generated clip", options);
  if (!input.video) throw new UnusableClipError("the generated clip has no video stream");
  if (input.durationSec + LENGTH_TOLERANCE_SEC < plan.durationSec) {
    throw new UnusableClipError(
      `the generated clip lasts ${input.durationSec.toFixed(2)} s, the scene needs ${plan.durationSec.toFixed(2)} s`,
    );
  }
  let picture;
  try {
    picture = await encodeMeasuredClip(normalizeEncoding(req), gate, options);
  } catch (error) {
    if (error instanceof MediaToolError && !error.timedOut) {
      throw new UnusableClipError(`the generated clip could not be decoded: ${error.stderrTail.slice(-300)}`);
    }
    throw error;
  }
  // A stream that ends early (truncated file, a video track shorter than its container) shows here too.
  const verdict = clipVerdict(picture, { width: req.width, height: req.height, ...plan }, gate);
  if (!verdict.passed) {
    throw new UnusableClipError(`the generated clip fails the quality gate: ${describeFailures(verdict)}`);
  }
  return { file: req.outFile, durationSec: plan.durationSec, measurements: { picture } };
}
