import { rm } from "node:fs/promises";
import { type AspectRatio, type CameraMotion, CAMERA_MOTIONS } from "../contract/run";
import type { RenderedClip } from "../contract/providers";
import {
  ANALYSIS_LOG_OPTIONS,
  pictureDetectionOutput,
  pictureFromLog,
  type DetectionSettings,
} from "../quality/measure";
import type { ClipMeasurements, FrameSize, PictureMeasurements } from "../contract/measurements";
import { checkProductShown } from "../quality/productCheck";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg, type RunOptions } from "../ffmpeg/binaries";
import type { ProductPlacement } from "../quality/productPlacement";
import { prepareStill } from "./still";

/** Frame rate of every clip we render: clips are joined without re-encoding, so they must match. */
export const CLIP_FPS = 30;

const FRAME_SIZES: Record<AspectRatio, FrameSize> = {
  "9:16": { width: 1080, height: 1920 },
  "16:9": { width: 1920, height: 1080 },
  "1:1": { width: 1080, height: 1080 },
};

export function frameSize(aspectRatio: AspectRatio): FrameSize {
  return FRAME_SIZES[aspectRatio];
}

/** A request to turn one still image into one clip. */
export interface ClipRequest {
  imageFile: string;
  outFile: string;
  width: number;
  height: number;
  seconds: number;
  motion: CameraMotion;
  fps?: number;
}

export interface ClipPlan {
  frames: number;
  fps: number;
  durationSec: number;
}

/** Checks what ffmpeg would otherwise reject late or obscurely (odd sizes break yuv420p). */
export function planClip(req: ClipRequest): ClipPlan {
  const fps = req.fps ?? CLIP_FPS;
  for (const [name, value] of [
    ["width", req.width],
    ["height", req.height],
  ] as const) {
    if (!Number.isInteger(value) || value < 16 || value % 2 !== 0) {
      throw new Error(`clip ${name} must be an even integer of at least 16, got ${value}`);
    }
  }
  if (!Number.isInteger(fps) || fps < 1 || fps > 120) throw new Error(`clip fps must be an integer 1..120, got ${fps}`);
  if (!Number.isFinite(req.seconds) || req.seconds <= 0) {
    throw new Error(`clip seconds must be a positive number, got ${req.seconds}`);
  }
  if (!CAMERA_MOTIONS.includes(req.motion)) throw new Error(`unknown camera motion: ${String(req.motion)}`);
  const frames = Math.max(1, Math.round(req.seconds * fps));
  return { frames, fps, durationSec: frames / fps };
}

/** 0 → 1 over the clip with eased ends, as an ffmpeg expression of the output frame index `frameVar`. */
export function easedProgress(frameVar: string, frames: number): string {
  const p = `(${frameVar}/${Math.max(1, frames - 1)})`;
  return `(${p}*${p}*(3-2*${p}))`;
}

/** The same eased progress at frame `n`, computed here (for geometry the clip's filters produce). */
export function easedProgressAt(n: number, frames: number): number {
  const p = n / Math.max(1, frames - 1);
  return p * p * (3 - 2 * p);
}

/** A value eased from its first to its second number over the clip: as an expression of `e`, and at frame n. */
export const easedBetween = ([from, to]: readonly [number, number], e: string) =>
  from === to ? `${from}` : `(${from}+${to - from}*${e})`;
export const easedBetweenAt = ([from, to]: readonly [number, number], n: number, frames: number) =>
  from + (to - from) * easedProgressAt(n, frames);

/** Scales an image to cover width x height exactly, centred (the part that does not fit is cut). */
export function coverFilter(width: number, height: number): string {
  return `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height}`;
}

/** Encoder and container options shared by every clip, so the concat demuxer can copy them as they are. */
export function h264OutputArgs(plan: ClipPlan, outFile: string): string[] {
  return [
    "-frames:v",
    String(plan.frames),
    "-r",
    String(plan.fps),
    "-an",
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "23",
    "-pix_fmt",
    "yuv420p",
    "-movflags",
    "+faststart",
    outFile,
  ];
}

export interface MeasuredClip extends RenderedClip {
  measurements: ClipMeasurements;
}

/** One clip's encoding pass: `graph` turns the inputs into the clip's frames, labelled `[rendered]`. */
export interface ClipEncoding {
  inputs: string[];
  graph: string;
  plan: ClipPlan;
  frame: FrameSize;
  outFile: string;
}

/** The encoding pass of a clip made from the request's still image by `graph` (which reads `[0:v]`). */
export function stillClipEncoding(req: ClipRequest, graph: (plan: ClipPlan) => string): ClipEncoding {
  const plan = planClip(req);
  return {
    inputs: ["-i", req.imageFile],
    graph: graph(plan),
    plan,
    frame: { width: req.width, height: req.height },
    outFile: req.outFile,
  };
}

/**
 * The argv of a clip's encoding pass, cut to the plan's frames. With detection settings the same pass
 * also measures the picture it encodes (quality/measure.ts); without, it only encodes (what the media
 * benchmark compares against).
 */
export function clipEncodingArgs(encoding: ClipEncoding, detection?: DetectionSettings): string[] {
  const { inputs, graph, plan, frame, outFile } = encoding;
  const cut = `${graph};[rendered]trim=end_frame=${plan.frames}[clip]`;
  if (!detection) {
    return [
      ...FFMPEG_BATCH_OPTIONS,
      ...inputs,
      "-filter_complex",
      cut,
      "-map",
      "[clip]",
      ...h264OutputArgs(plan, outFile),
    ];
  }
  const detect = pictureDetectionOutput("clip", frame, detection);
  return [
    ...ANALYSIS_LOG_OPTIONS,
    ...inputs,
    "-filter_complex",
    `${cut};${detect.graph}`,
    "-map",
    `[${detect.toEncoder}]`,
    ...h264OutputArgs(plan, outFile),
    ...detect.outputArgs,
  ];
}

/** Encodes a clip and returns what the pass measured of its picture. */
export async function encodeMeasuredClip(
  encoding: ClipEncoding,
  detection: DetectionSettings,
  options: RunOptions = {},
): Promise<PictureMeasurements> {
  const { stderr } = await runFfmpeg(clipEncodingArgs(encoding, detection), { ...options, stderrChars: Infinity });
  return pictureFromLog(stderr, { ...encoding.frame, fps: encoding.plan.fps });
}

/**
 * Measures the picture of a clip encoded earlier without its measurements (a scene rendered by a
 * version before clips carried them, still in flight at a deploy): one decoding pass, the same detectors.
 */
export async function measureEncodedClip(
  file: string,
  frame: FrameSize,
  detection: DetectionSettings,
  options: RunOptions = {},
): Promise<ClipMeasurements> {
  const detect = pictureDetectionOutput("clip", frame, detection);
  const args = [
    ...ANALYSIS_LOG_OPTIONS,
    ...["-i", file, "-filter_complex", `[0:v]null[clip];${detect.graph}`],
    ...["-map", `[${detect.toEncoder}]`, "-f", "null", "-", ...detect.outputArgs],
  ];
  const { stderr } = await runFfmpeg(args, { ...options, stderrChars: Infinity });
  return { picture: pictureFromLog(stderr, { ...frame, fps: CLIP_FPS }) };
}

/**
 * Renders a clip of the request's still whose product geometry we know: the picture measured in the
 * encoding pass, then the product checked where `placementOf` puts it (quality/productCheck.ts).
 */
export async function renderPlacedStill(
  req: ClipRequest,
  encodingOf: (req: ClipRequest) => ClipEncoding,
  placementOf: (image: { width: number; height: number }) => ProductPlacement,
  detection: DetectionSettings,
  options: RunOptions = {},
): Promise<MeasuredClip> {
  // ffmpeg sees only the render-safe copy of the upload (media/still.ts), and the check compares against it.
  const still = await prepareStill(req.imageFile, `${req.outFile}.still.png`);
  try {
    const encoding = encodingOf({ ...req, imageFile: still.file });
    const picture = await encodeMeasuredClip(encoding, detection, options);
    const product = await checkProductShown(req.outFile, still.file, placementOf, options);
    return { file: req.outFile, durationSec: encoding.plan.durationSec, measurements: { picture, product } };
  } finally {
    await rm(still.file, { force: true });
  }
}
