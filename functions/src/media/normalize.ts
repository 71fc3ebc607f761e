/**
 * Brings a clip a video model returned to the run's frame before it is stored, so every scene clip,
 * generated or Ken Burns, has one shape and the assembly can join them without re-encoding.
 *
 * - The product: looked for in the clip (quality/productCheck.ts locateProduct: its first, middle and last
 *   frame of the scene's length) before anything is encoded. A clip in which it cannot be seen, or that
 *   the frame would cut it out of, is unusable like a black one: the scene moves on to the next model or
 *   Ken Burns. The measurement travels with the clip to the finished video's gate.
 * - Size: the models are asked for the run's orientation, so a 9:16 or 16:9 clip only scales. A clip of
 *   another shape (a square run: the models have no square output; a model that answered in the other
 *   orientation) is cropped to the frame's shape around where the product was found, not around the
 *   middle (reframeAround); where no crop of that shape keeps the product whole, the whole clip is shown
 *   over a blurred, darkened copy of itself filling the frame, never cut and never with black bars.
 * - Time: 30 fps, cut to the scene's length in whole frames; a clip shorter than the scene is refused.
 * - Encoding: the H.264 settings of every other clip (h264OutputArgs).
 * - Picture: measured in the same pass (black and frozen stretches, frames) and judged by the clip
 *   verdict of the quality gate: a clip that fails it is unusable like one that cannot be decoded.
 * - Audio: dropped. The voice-over is the ad's soundtrack; each generated clip brings its own unrelated
 *   soundbed (or invented speech) that would change at every cut and is absent from Ken Burns scenes.
 */
import type { QualityGate } from "../pipelineSettings";
import { locateProduct, type ProductSighting } from "../quality/productCheck";
import type { ProductMeasurements, FrameSize } from "../contract/measurements";
import { clipVerdict, describeFailures, productFailure } from "../quality/verdict";
import { MediaToolError, type RunOptions } from "../ffmpeg/binaries";
import { CLIP_FPS, encodeMeasuredClip, type ClipEncoding, type ClipPlan, type MeasuredClip } from "./clip";
import { probeMedia, type MediaInfo } from "../ffmpeg/probe";
import type { Rect } from "../quality/productPlacement";

export interface NormalizeRequest {
  /** The clip as the model delivered it. */
  inFile: string;
  outFile: string;
  width: number;
  height: number;
  /** The scene's length: the clip is cut to it. */
  seconds: number;
  /** The product image the clip was generated from: the product is looked for in the clip. */
  imageFile: string;
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

/** How a clip reaches the frame: a rectangle of the frame's shape cut from it, or the whole clip over its own backdrop. */
export type Reframe = { kind: "crop"; rect: Rect } | { kind: "fit" };

/** Clips this close to the frame's shape are only scaled: the crop cuts less than 2% of a side. */
const SAME_SHAPE_TOLERANCE = 0.02;
/** A crop must keep this share of what the clip shows of the product, in every frame it was found in, or the whole clip is shown. */
const CROP_KEEPS_PRODUCT = 0.9;
/** Clips outside these sides are not videos a model delivers, and would cost a decode out of all proportion. */
const MIN_CLIP_SIDE = 16;
const MAX_CLIP_SIDE = 8192;

const even = (value: number) => 2 * Math.floor(value / 2);
const area = (r: Rect) => Math.max(0, r.width) * Math.max(0, r.height);

function overlap(a: Rect, b: Rect): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

/**
 * Where to cut a clip of `clip`'s size to the frame's shape so the product stays in it: the largest
 * rectangle of that shape, centred on the product's rectangles (where it was found, in the clip's pixels)
 * as far as the clip allows; in the middle when the product was not found. When no such rectangle keeps
 * CROP_KEEPS_PRODUCT of every rectangle, the whole clip is fitted instead. Pure.
 */
export function reframeAround(clip: FrameSize, frame: FrameSize, products: Rect[]): Reframe {
  const clipAspect = clip.width / clip.height;
  const frameAspect = frame.width / frame.height;
  const wider = clipAspect > frameAspect;
  const width = wider ? Math.min(clip.width, Math.max(2, even(clip.height * frameAspect))) : clip.width;
  const height = wider ? clip.height : Math.min(clip.height, Math.max(2, even(clip.width / frameAspect)));
  const middle = { x: even((clip.width - width) / 2), y: even((clip.height - height) / 2), width, height };
  if (Math.abs(clipAspect / frameAspect - 1) <= SAME_SHAPE_TOLERANCE || products.length === 0) {
    return { kind: "crop", rect: middle };
  }
  const left = Math.min(...products.map((r) => r.x));
  const top = Math.min(...products.map((r) => r.y));
  const right = Math.max(...products.map((r) => r.x + r.width));
  const bottom = Math.max(...products.map((r) => r.y + r.height));
  const clamp = (value: number, room: number) => even(Math.min(Math.max(value, 0), room));
  const rect = {
    x: clamp((left + right) / 2 - width / 2, clip.width - width),
    y: clamp((top + bottom) / 2 - height / 2, clip.height - height),
    width,
    height,
  };
  const whole = { x: 0, y: 0, ...clip };
  const keeps = products.every((product) => overlap(product, rect) >= CROP_KEEPS_PRODUCT * overlap(product, whole));
  return keeps ? { kind: "crop", rect } : { kind: "fit" };
}

/**
 * The product in the normalised clip, from where it was found in the delivered one: the smallest share of
 * the frame it covers and of itself on screen, its weakest likeness and detail over the sampled frames.
 * Pure (the time it took is added by the caller).
 */
export function productAfterReframe(
  reframe: Reframe,
  clip: FrameSize,
  frame: FrameSize,
  sightings: ProductSighting[],
): Omit<ProductMeasurements, "checkMs"> {
  const fitScale = Math.min(frame.width / clip.width, frame.height / clip.height);
  const shares = sightings.map(({ rect }) => {
    if (area(rect) === 0) return { frameShare: 0, shownShare: 0 };
    if (reframe.kind === "fit") {
      const shown = overlap(rect, { x: 0, y: 0, ...clip });
      return {
        frameShare: (shown * fitScale * fitScale) / (frame.width * frame.height),
        shownShare: shown / area(rect),
      };
    }
    const shown = overlap(rect, reframe.rect);
    return { frameShare: shown / area(reframe.rect), shownShare: shown / area(rect) };
  });
  const least = (values: number[]) => (values.length ? Math.min(...values) : 0);
  return {
    frameShare: least(shares.map((s) => s.frameShare)),
    shownShare: least(shares.map((s) => s.shownShare)),
    detail: least(sightings.map((s) => s.detail)),
    likeness: least(sightings.map((s) => s.likeness)),
  };
}

/** The first, middle and last frame of the part of the clip the scene keeps. */
export function productSampleTimes(plan: ClipPlan): number[] {
  return [0, plan.durationSec / 2, Math.max(0, plan.durationSec - 2 / plan.fps)];
}

function reframeFilter(reframe: Reframe, { width, height }: FrameSize, slowdown?: number): string {
  // The `slow_pass` fault paces the frames in real time, slowed down, then restores their timing.
  const paced = slowdown ? `setpts=${slowdown}*PTS,realtime,setpts=PTS/${slowdown},` : "";
  const source = `[0:v:0]${paced}`;
  const tail = `setsar=1,fps=${CLIP_FPS},format=yuv420p`;
  if (reframe.kind === "crop") {
    const { rect } = reframe;
    return `${source}crop=${rect.width}:${rect.height}:${rect.x}:${rect.y},scale=${width}:${height},${tail}[rendered]`;
  }
  // The backdrop is blurred at an eighth of the size: the same look for a fraction of the work. The rate
  // is set once, before the split: a second fps after the overlay drops the clip's last frame.
  const [bw, bh] = [even(width / 8), even(height / 8)];
  return (
    `${source}fps=${CLIP_FPS},split=2[backdrop_source][clip_source];` +
    `[backdrop_source]scale=${bw}:${bh}:force_original_aspect_ratio=increase,crop=${bw}:${bh},` +
    `boxblur=luma_radius=4:luma_power=2,eq=brightness=-0.12,scale=${width}:${height}[backdrop];` +
    `[clip_source]scale=${width}:${height}:force_original_aspect_ratio=decrease,scale=trunc(iw/2)*2:trunc(ih/2)*2[whole];` +
    `[backdrop][whole]overlay=x=(W-w)/2:y=(H-h)/2,setsar=1,format=yuv420p[rendered]`
  );
}

export function normalizeEncoding(req: NormalizeRequest, reframe: Reframe): ClipEncoding {
  const frame = { width: req.width, height: req.height };
  return {
    inputs: ["-i", req.inFile],
    graph: reframeFilter(reframe, frame, req.slowdown),
    plan: normalizePlan(req.seconds),
    frame,
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
  const clip = { width: input.video.width, height: input.video.height };
  if (Math.min(clip.width, clip.height) < MIN_CLIP_SIDE || Math.max(clip.width, clip.height) > MAX_CLIP_SIDE) {
    throw new UnusableClipError(`the generated clip is ${clip.width}x${clip.height}, not a video frame`);
  }
  const frame = { width: req.width, height: req.height };
  const started = Date.now();
  const sightings = await decodingOrReject(() =>
    locateProduct(req.inFile, clip, req.imageFile, productSampleTimes(plan), options),
  );
  const found = sightings.filter((s) => s.likeness >= gate.minProductLikeness).map((s) => s.rect);
  const reframe = reframeAround(clip, frame, found);
  const product = { ...productAfterReframe(reframe, clip, frame, sightings), checkMs: Date.now() - started };
  const picture = await decodingOrReject(() => encodeMeasuredClip(normalizeEncoding(req, reframe), gate, options));
  // A stream that ends early (truncated file, a video track shorter than its container) shows here too.
  // Black and frozen first: the more precise reason for a clip that also shows no product.
  const verdict = clipVerdict(picture, { ...frame, ...plan }, gate);
  if (!verdict.passed) {
    throw new UnusableClipError(`the generated clip fails the quality gate: ${describeFailures(verdict)}`);
  }
  const unseen = productFailure(product, gate);
  if (unseen) throw new UnusableClipError(`the product cannot be seen in the generated clip: ${unseen}`);
  return { file: req.outFile, durationSec: plan.durationSec, measurements: { picture, product } };
}

/** ffmpeg failing or crashing on a delivered clip means the clip is unusable; a timeout stays the pass's own. */
async function decodingOrReject<T>(pass: () => Promise<T>): Promise<T> {
  try {
    return await pass();
  } catch (error) {
    if (error instanceof MediaToolError && !error.timedOut) {
      const how = error.crashed ? `crashed ffmpeg (${error.signal})` : "could not be decoded";
      throw new UnusableClipError(`the generated clip ${how}: ${error.stderrTail.slice(-300)}`);
    }
    throw error;
  }
}
