import type { CameraMotion } from "../contract/run";
import type { QualityGate } from "../pipelineSettings";
import type { DetectionSettings } from "../quality/measure";
import type { RunOptions } from "../ffmpeg/binaries";
import {
  clipEncodingArgs,
  coverFilter,
  easedBetween,
  easedBetweenAt,
  easedProgress,
  planClip,
  renderPlacedStill,
  stillClipEncoding,
  type ClipEncoding,
  type ClipRequest,
  type MeasuredClip,
} from "./clip";
import type { ProductPlacement } from "../quality/productPlacement";

export { frameSize } from "./clip";

export type KenBurnsRequest = ClipRequest;

/** How far the camera zooms (zoom_*) or how much it is zoomed in so it has room to pan (pan_*). */
const ZOOM_RANGE = 0.2;

/**
 * Where the camera looks over the clip, from its start to its end (eased): the zoom, and the visible
 * window's position along the room the zoom leaves, 0 (left / top) to 1 (right / bottom). One table
 * drives both the zoompan expressions and the product's on-screen geometry (kenBurnsPlacement).
 */
interface CameraPath {
  zoom: [number, number];
  x: [number, number];
  y: [number, number];
}

const ZOOMED = 1 + ZOOM_RANGE;
const CENTRE: [number, number] = [0.5, 0.5];

const CAMERA_PATHS: Record<CameraMotion, CameraPath> = {
  zoom_in: { zoom: [1, ZOOMED], x: CENTRE, y: CENTRE },
  zoom_out: { zoom: [ZOOMED, 1], x: CENTRE, y: CENTRE },
  pan_left: { zoom: [ZOOMED, ZOOMED], x: [1, 0], y: CENTRE },
  pan_right: { zoom: [ZOOMED, ZOOMED], x: [0, 1], y: CENTRE },
  pan_up: { zoom: [ZOOMED, ZOOMED], x: CENTRE, y: [1, 0] },
  pan_down: { zoom: [ZOOMED, ZOOMED], x: CENTRE, y: [0, 1] },
};

/** zoompan expressions: x/y is the top-left corner of the visible window, in input pixels. */
function zoompanExpressions(motion: CameraMotion, frames: number): { z: string; x: string; y: string } {
  const path = CAMERA_PATHS[motion];
  const e = easedProgress("on", frames);
  return {
    z: easedBetween(path.zoom, e),
    x: `(iw-iw/zoom)*${easedBetween(path.x, e)}`,
    y: `(ih-ih/zoom)*${easedBetween(path.y, e)}`,
  };
}

/** The camera of output frame `n`, as the zoompan expressions compute it. */
function cameraAt(path: CameraPath, n: number, frames: number) {
  const at = (track: [number, number]) => easedBetweenAt(track, n, frames);
  return { zoom: at(path.zoom), x: at(path.x), y: at(path.y) };
}

/**
 * Where the product image is on screen in each frame of a Ken Burns clip: the image covers a canvas of
 * twice the frame (scaled up until both sides fit, centred, the overflow cut), and the camera shows a
 * window of 1/zoom of that canvas, scaled to the frame.
 */
export function kenBurnsPlacement(image: { width: number; height: number }, req: KenBurnsRequest): ProductPlacement {
  const plan = planClip(req);
  const canvas = { width: req.width * 2, height: req.height * 2 };
  const cover = Math.max(canvas.width / image.width, canvas.height / image.height);
  const imageW = image.width * cover;
  const imageH = image.height * cover;
  const path = CAMERA_PATHS[req.motion];
  const rects = Array.from({ length: plan.frames }, (_, n) => {
    const { zoom, x, y } = cameraAt(path, n, plan.frames);
    const windowX = (canvas.width - canvas.width / zoom) * x;
    const windowY = (canvas.height - canvas.height / zoom) * y;
    const toFrame = zoom / 2;
    return {
      x: ((canvas.width - imageW) / 2 - windowX) * toFrame,
      y: ((canvas.height - imageH) / 2 - windowY) * toFrame,
      width: imageW * toFrame,
      height: imageH * toFrame,
    };
  });
  return { frame: { width: req.width, height: req.height }, image, rects };
}

/**
 * The encoding pass of a Ken Burns clip. The still is first cut to twice the output size:
 * zoompan moves in whole input pixels, and at 2x those steps are half an output pixel, so the motion
 * does not jitter. zoompan turns the single input frame into all output frames (hence no `-loop 1`).
 */
function kenBurnsEncoding(req: KenBurnsRequest): ClipEncoding {
  return stillClipEncoding(req, (plan) => {
    const { z, x, y } = zoompanExpressions(req.motion, plan.frames);
    const filter = [
      coverFilter(req.width * 2, req.height * 2),
      `zoompan=z='${z}':x='${x}':y='${y}':d=${plan.frames}:s=${req.width}x${req.height}:fps=${plan.fps}`,
      "format=yuv420p",
    ].join(",");
    return `[0:v]${filter}[rendered]`;
  });
}

/** The ffmpeg argv of a Ken Burns clip; with detection settings it measures its picture too. */
export function kenBurnsArgs(req: KenBurnsRequest, detection?: DetectionSettings): string[] {
  return clipEncodingArgs(kenBurnsEncoding(req), detection);
}

/**
 * Renders a Ken Burns clip, measuring its picture in the same pass, then checks that the product shows
 * where the geometry puts it (quality/productCheck.ts); both travel with the clip to the quality gate.
 */
export async function renderKenBurns(
  req: KenBurnsRequest,
  gate: QualityGate,
  options: RunOptions = {},
): Promise<MeasuredClip> {
  return renderPlacedStill(req, kenBurnsEncoding, (image) => kenBurnsPlacement(image, req), gate, options);
}
