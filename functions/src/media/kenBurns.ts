import type { CameraMotion } from "../contract/run";
import type { RenderedClip } from "../providers/types";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg, type RunOptions } from "./binaries";
import { coverFilter, easedProgress, h264OutputArgs, planClip, type ClipRequest } from "./clip";

export { frameSize } from "./clip";

export type KenBurnsRequest = ClipRequest;

/** How far the camera zooms (zoom_*) or how much it is zoomed in so it has room to pan (pan_*). */
const ZOOM_RANGE = 0.2;

interface ZoompanExpressions {
  z: string;
  x: string;
  y: string;
}

/** zoompan expressions: x/y is the top-left corner of the visible window, in input pixels. */
function zoompanExpressions(motion: CameraMotion, frames: number): ZoompanExpressions {
  const e = easedProgress("on", frames);
  const centreX = "iw/2-iw/zoom/2";
  const centreY = "ih/2-ih/zoom/2";
  const panned = `${1 + ZOOM_RANGE}`;
  switch (motion) {
    case "zoom_in":
      return { z: `1+${ZOOM_RANGE}*${e}`, x: centreX, y: centreY };
    case "zoom_out":
      return { z: `${1 + ZOOM_RANGE}-${ZOOM_RANGE}*${e}`, x: centreX, y: centreY };
    case "pan_left":
      return { z: panned, x: `(iw-iw/zoom)*(1-${e})`, y: centreY };
    case "pan_right":
      return { z: panned, x: `(iw-iw/zoom)*${e}`, y: centreY };
    case "pan_up":
      return { z: panned, x: centreX, y: `(ih-ih/zoom)*(1-${e})` };
    case "pan_down":
      return { z: panned, x: centreX, y: `(ih-ih/zoom)*${e}` };
  }
}

/**
 * The ffmpeg argv for a Ken Burns clip. The still is first cut to twice the output size:
 * zoompan moves in whole input pixels, and at 2x those steps are half an output pixel, so the motion
 * does not jitter. zoompan turns the single input frame into all output frames (hence no `-loop 1`).
 */
export function kenBurnsArgs(req: KenBurnsRequest): string[] {
  const plan = planClip(req);
  const { z, x, y } = zoompanExpressions(req.motion, plan.frames);
  const filter = [
    coverFilter(req.width * 2, req.height * 2),
    `zoompan=z='${z}':x='${x}':y='${y}':d=${plan.frames}:s=${req.width}x${req.height}:fps=${plan.fps}`,
    "format=yuv420p",
  ].join(",");
  return [...FFMPEG_BATCH_OPTIONS, "-i", req.imageFile, "-vf", filter, ...h264OutputArgs(plan, req.outFile)];
}

export async function renderKenBurns(req: KenBurnsRequest, options: RunOptions = {}): Promise<RenderedClip> {
  const args = kenBurnsArgs(req);
  await runFfmpeg(args, options);
  return { file: req.outFile, durationSec: planClip(req).durationSec };
}
