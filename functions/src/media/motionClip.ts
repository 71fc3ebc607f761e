import type { CameraMotion } from "../contract/run";
import type { QualityGate } from "../pipelineSettings";
import type { DetectionSettings } from "../quality/measure";
import { productFailure } from "../quality/verdict";
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
  type ClipPlan,
  type ClipRequest,
  type MeasuredClip,
} from "./clip";
import { UnusableClipError } from "./normalize";
import type { ProductPlacement } from "../quality/productPlacement";
import { seededRandom } from "./seededRandom";

/**
 * The offline stand-in for a generative video model. Where Ken Burns moves one camera over a flat still,
 * this builds layers that move differently: a blurred, darkened backdrop drifting slowly, the product as
 * a floating card with a soft shadow that moves faster (parallax) and bobs, and a soft light sweeping
 * across, over a warm colour grade. Every per-pixel effect (grade, blur, vignette, shadow) is applied once
 * to the still; per frame there are only crops, one small zoompan and two overlays, which keeps the
 * render time close to Ken Burns.
 */
export interface MotionClipRequest extends ClipRequest {
  /** Varies the layout of the motion (bob, light direction, drift) deterministically. */
  seed: number;
}

/** Backdrop canvas relative to the frame: the margin it drifts within. */
const BACKDROP_SCALE = 1.1;
/** Height of the product layer relative to the frame. */
const CARD_LAYER_HEIGHT = 0.72;
/** Transparent margin around the card, relative to the card: room to move without the card being cut. */
const CARD_MARGIN = 0.25;
/** Zoom of the card layer while it pans (must stay below 1 + 2 * CARD_MARGIN / (1 + CARD_MARGIN)). */
const CARD_PAN_ZOOM = 1.15;
/** Zoom range of the card for zoom_in / zoom_out (at most 1 + 2 * CARD_MARGIN - 1). */
const CARD_ZOOM_RANGE = 0.3;
/** Width of the light band relative to the frame. */
const LIGHT_BAND_WIDTH = 0.35;

interface MotionStyle {
  bobCycles: number;
  bobPhase: number;
  lightLeftToRight: boolean;
  lightOpacity: number;
  /** Backdrop drift for zoom motions (pans drift with the pan): start and end, 0..1 of the margin. */
  driftFrom: [number, number];
  driftTo: [number, number];
}

export function motionStyle(seed: number): MotionStyle {
  const random = seededRandom(seed);
  const corner = (): [number, number] => [random() < 0.5 ? 0.15 : 0.85, random() < 0.5 ? 0.15 : 0.85];
  const driftFrom = corner();
  return {
    bobCycles: 0.5 + 0.5 * random(),
    bobPhase: random(),
    lightLeftToRight: random() < 0.5,
    lightOpacity: Math.round(60 + 40 * random()),
    driftFrom,
    // The opposite corner, so the backdrop always travels the full diagonal.
    driftTo: [1 - driftFrom[0], 1 - driftFrom[1]],
  };
}

const even = (value: number) => 2 * Math.round(value / 2);
const num = (value: number) => Number(value.toFixed(4)).toString();

/** Backdrop crop window position (0..1 of the margin) for each motion: it follows the camera, slowly. */
function backdropPath(motion: CameraMotion, style: MotionStyle, e: string): { x: string; y: string } {
  switch (motion) {
    case "pan_left":
      return { x: `(1-${e})`, y: "0.5" };
    case "pan_right":
      return { x: e, y: "0.5" };
    case "pan_up":
      return { x: "0.5", y: `(1-${e})` };
    case "pan_down":
      return { x: "0.5", y: e };
    case "zoom_in":
    case "zoom_out": {
      const [fx, fy] = style.driftFrom;
      const [tx, ty] = style.driftTo;
      return { x: `(${num(fx)}+${num(tx - fx)}*${e})`, y: `(${num(fy)}+${num(ty - fy)}*${e})` };
    }
  }
}

/** Where the card layer's view is along the room its zoom leaves (0..1): eased end to end, or bobbing. */
type CardTrack = [number, number] | "bob";

/** The card layer's view over the clip; one table drives the zoompan expressions and motionCardPlacement. */
const CARD_PATHS: Record<CameraMotion, { zoom: [number, number]; x: CardTrack; y: CardTrack }> = {
  zoom_in: { zoom: [1, 1 + CARD_ZOOM_RANGE], x: [0.5, 0.5], y: "bob" },
  zoom_out: { zoom: [1 + CARD_ZOOM_RANGE, 1], x: [0.5, 0.5], y: "bob" },
  pan_left: { zoom: [CARD_PAN_ZOOM, CARD_PAN_ZOOM], x: [1, 0], y: "bob" },
  pan_right: { zoom: [CARD_PAN_ZOOM, CARD_PAN_ZOOM], x: [0, 1], y: "bob" },
  pan_up: { zoom: [CARD_PAN_ZOOM, CARD_PAN_ZOOM], x: "bob", y: [1, 0] },
  pan_down: { zoom: [CARD_PAN_ZOOM, CARD_PAN_ZOOM], x: "bob", y: [0, 1] },
};

/** The bob's phase as the expressions state it (4 decimals), so both computations agree. */
const bobArgs = (style: MotionStyle) => ({ cycles: Number(num(style.bobCycles)), phase: Number(num(style.bobPhase)) });

/** zoompan expressions for the card layer: the view pans/zooms over a transparent canvas around the card. */
function cardPath(motion: CameraMotion, style: MotionStyle, plan: ClipPlan): { z: string; x: string; y: string } {
  const path = CARD_PATHS[motion];
  const e = easedProgress("on", plan.frames);
  const p = `(on/${Math.max(1, plan.frames - 1)})`;
  const { cycles, phase } = bobArgs(style);
  const position = (track: CardTrack) =>
    track === "bob" ? `(0.5+0.35*sin(2*PI*(${cycles}*${p}+${phase})))` : easedBetween(track, e);
  return {
    z: easedBetween(path.zoom, e),
    x: `(iw-iw/zoom)*${position(path.x)}`,
    y: `(ih-ih/zoom)*${position(path.y)}`,
  };
}

/** Sizes of the card layer (centred in the frame) and of its canvas, twice the layer so zoompan stays smooth. */
function cardLayout(req: Pick<ClipRequest, "width" | "height">) {
  const layerW = req.width;
  const layerH = even(req.height * CARD_LAYER_HEIGHT);
  const canvasW = layerW * 2;
  const canvasH = layerH * 2;
  return {
    layerW,
    layerH,
    canvasW,
    canvasH,
    cardBoxW: Math.floor(canvasW / (1 + 2 * CARD_MARGIN)),
    cardBoxH: Math.floor(canvasH / (1 + 2 * CARD_MARGIN)),
  };
}

/**
 * Where the product is on screen in each frame of a motion clip: the image fitted into the card box
 * (scaled to even sizes, padded to the centre of the canvas on even pixels), the view of 1/zoom of the
 * canvas scaled to the layer, the layer centred in the frame.
 */
export function motionCardPlacement(
  image: { width: number; height: number },
  req: MotionClipRequest,
): ProductPlacement {
  const plan = planClip(req);
  const { layerW, layerH, canvasW, canvasH, cardBoxW, cardBoxH } = cardLayout(req);
  const fit = Math.min(cardBoxW / image.width, cardBoxH / image.height);
  const cardW = 2 * Math.trunc((fit * image.width) / 2);
  const cardH = 2 * Math.trunc((fit * image.height) / 2);
  // pad puts the card at whole, even pixels (chroma subsampling), rounding down.
  const cardX = 2 * Math.floor((canvasW - cardW) / 4);
  const cardY = 2 * Math.floor((canvasH - cardH) / 4);
  const layerX = (req.width - layerW) / 2;
  const layerY = (req.height - layerH) / 2;
  const path = CARD_PATHS[req.motion];
  const { cycles, phase } = bobArgs(motionStyle(req.seed));
  const rects = Array.from({ length: plan.frames }, (_, n) => {
    const at = (track: CardTrack) =>
      track === "bob"
        ? 0.5 + 0.35 * Math.sin(2 * Math.PI * (cycles * (n / Math.max(1, plan.frames - 1)) + phase))
        : easedBetweenAt(track, n, plan.frames);
    const zoom = easedBetweenAt(path.zoom, n, plan.frames);
    const toLayer = (zoom * layerW) / canvasW;
    const viewX = (canvasW - canvasW / zoom) * at(path.x);
    const viewY = (canvasH - canvasH / zoom) * at(path.y);
    return {
      x: layerX + (cardX - viewX) * toLayer,
      y: layerY + (cardY - viewY) * toLayer,
      width: cardW * toLayer,
      height: cardH * toLayer,
    };
  });
  return { frame: { width: req.width, height: req.height }, image, rects };
}

/** The ffmpeg filtergraph; exported through motionClipArgs so a benchmark can run the exact command. */
function motionFilterGraph(req: MotionClipRequest, plan: ClipPlan): string {
  const { width: w, height: h } = req;
  const style = motionStyle(req.seed);
  const frames = plan.frames;
  const repeatStill = `loop=loop=${frames - 1}:size=1:start=0,settb=expr=1/${plan.fps},setpts=N`;

  const backdropW = even(w * BACKDROP_SCALE);
  const backdropH = even(h * BACKDROP_SCALE);
  const blurRadius = Math.max(2, Math.round(Math.min(backdropW, backdropH) / 36));
  const drift = backdropPath(req.motion, style, easedProgress("n", frames));

  const { layerW, layerH, canvasW, canvasH, cardBoxW, cardBoxH } = cardLayout(req);
  const fit = `min(${cardBoxW}/iw\\,${cardBoxH}/ih)`;
  const shadowOffset = even(Math.min(canvasW, canvasH) * 0.02);
  const shadowBlur = Math.max(2, Math.round(Math.min(canvasW, canvasH) / 60));
  const card = cardPath(req.motion, style, plan);

  const bandW = even(w * LIGHT_BAND_WIDTH);
  const progress = `(n/${Math.max(1, frames - 1)})`;
  const bandX = style.lightLeftToRight ? `-w+(W+w)*${progress}` : `W-(W+w)*${progress}`;

  return [
    // Warm grade, once, on the still.
    "[0:v]eq=contrast=1.08:saturation=1.2,lutyuv=u='val-4':v='val+6',split=2[still_bg][still_card]",
    `[still_bg]${coverFilter(backdropW, backdropH)},format=yuv420p,` +
      `boxblur=luma_radius=${blurRadius}:luma_power=3,eq=brightness=-0.12:saturation=1.2,vignette=a=PI/3.5,` +
      `${repeatStill},crop=${w}:${h}:x='(iw-ow)*${drift.x}':y='(ih-oh)*${drift.y}'[backdrop]`,
    `[still_card]scale=w='2*trunc(${fit}*iw/2)':h='2*trunc(${fit}*ih/2)',format=yuva420p,` +
      `pad=${canvasW}:${canvasH}:(ow-iw)/2:(oh-ih)/2:color=black@0,split=2[card_padded][card_alpha]`,
    // The shadow is built as an alpha mask (overlaying onto a transparent canvas mangles alpha in this ffmpeg).
    `[card_alpha]alphaextract,split=2[card_mask][shadow_source]`,
    `[shadow_source]crop=iw-${shadowOffset}:ih-${shadowOffset}:0:0,` +
      `pad=iw+${shadowOffset}:ih+${shadowOffset}:${shadowOffset}:${shadowOffset}:color=black,` +
      `boxblur=luma_radius=${shadowBlur}:luma_power=2,lut=c0='val*0.55'[shadow_mask]`,
    `[card_mask][shadow_mask]blend=all_mode=lighten[card_and_shadow_mask]`,
    // Dropping alpha leaves the card on black: the shadow's colour.
    `[card_padded]format=yuv420p[card_on_black]`,
    `[card_on_black][card_and_shadow_mask]alphamerge,` +
      `zoompan=z='${card.z}':x='${card.x}':y='${card.y}':d=${frames}:s=${layerW}x${layerH}:fps=${plan.fps}[card]`,
    `color=c=white:s=${bandW}x${h}:d=1:r=1,format=yuva420p,` +
      `geq=lum=235:cb=128:cr=128:a='${style.lightOpacity}*exp(-pow((X-${bandW / 2})/${num(bandW / 4)}\\,2))',` +
      `${repeatStill}[light]`,
    `[backdrop][card]overlay=x=(W-w)/2:y=(H-h)/2[scene]`,
    `[scene][light]overlay=x='${bandX}':y=0,format=yuv420p[rendered]`,
  ].join(";");
}

function motionClipEncoding(req: MotionClipRequest): ClipEncoding {
  if (!Number.isFinite(req.seed)) throw new Error(`motion clip seed must be a finite number, got ${req.seed}`);
  return stillClipEncoding(req, (plan) => motionFilterGraph(req, plan));
}

/** The ffmpeg argv of a motion clip; with detection settings it measures its picture too. */
export function motionClipArgs(req: MotionClipRequest, detection?: DetectionSettings): string[] {
  return clipEncodingArgs(motionClipEncoding(req), detection);
}

/**
 * Renders a motion clip, measuring its picture in the same pass and the product on the card
 * (quality/productCheck.ts). This is the local video model: a clip whose product cannot be seen is
 * unusable, as a real model's black clip is (the scene moves on to Ken Burns).
 */
export async function renderMotionClip(
  req: MotionClipRequest,
  gate: QualityGate,
  options: RunOptions = {},
): Promise<MeasuredClip> {
  const clip = await renderPlacedStill(
    req,
    (still) => motionClipEncoding({ ...req, imageFile: still.imageFile }),
    (image) => motionCardPlacement(image, req),
    gate,
    options,
  );
  const unseen = clip.measurements.product && productFailure(clip.measurements.product, gate);
  if (unseen) throw new UnusableClipError(`the product cannot be seen in the generated clip: ${unseen}`);
  return clip;
}
