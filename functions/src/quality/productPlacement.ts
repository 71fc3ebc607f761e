/**
 * Where the pipeline puts the product image on screen, frame by frame: pure geometry from the image's
 * size, the frame's and the motion the clip was rendered with (kenBurnsPlacement in kenBurns.ts).
 */
import type { FrameSize } from "../contract/measurements";

/** A rectangle in pixels; x/y its top-left corner (may lie outside the frame). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ProductPlacement {
  frame: FrameSize;
  image: { width: number; height: number };
  /** The whole product image's rectangle in frame pixels, for each output frame. */
  rects: Rect[];
}

function intersection(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const width = Math.min(a.x + a.width, b.x + b.width) - x;
  const height = Math.min(a.y + a.height, b.y + b.height) - y;
  return width > 0 && height > 0 ? { x, y, width, height } : null;
}

const area = (r: Rect | null) => (r ? r.width * r.height : 0);

/**
 * Over the whole clip, the smallest share of the frame the product covers (`frameShare`: is it more than
 * a speck?) and the smallest share of the product that is on screen (`shownShare`: is it more than a
 * magnified sliver?).
 */
export function placementShares({ frame, rects }: ProductPlacement): { frameShare: number; shownShare: number } {
  const screen = { x: 0, y: 0, ...frame };
  let frameShare = Infinity;
  let shownShare = Infinity;
  for (const rect of rects) {
    const onScreen = area(intersection(rect, screen));
    frameShare = Math.min(frameShare, onScreen / area(screen));
    shownShare = Math.min(shownShare, area(rect) > 0 ? onScreen / area(rect) : 0);
  }
  return { frameShare: rects.length ? frameShare : 0, shownShare: rects.length ? shownShare : 0 };
}

/**
 * The part of the product on screen in frame `n`, in whole pixels: where it is in the frame, and which
 * part of the image it is. Null when none of it is on screen.
 */
export function visiblePart(placement: ProductPlacement, n: number): { inFrame: Rect; inImage: Rect } | null {
  const rect = placement.rects[n];
  const shown = rect && intersection(rect, { x: 0, y: 0, ...placement.frame });
  if (!shown) return null;
  const toImageX = placement.image.width / rect.width;
  const toImageY = placement.image.height / rect.height;
  const whole = (r: Rect): Rect => {
    const x = Math.floor(r.x);
    const y = Math.floor(r.y);
    return {
      x,
      y,
      width: Math.max(1, Math.round(r.x + r.width) - x),
      height: Math.max(1, Math.round(r.y + r.height) - y),
    };
  };
  return {
    inFrame: whole(shown),
    inImage: whole({
      x: (shown.x - rect.x) * toImageX,
      y: (shown.y - rect.y) * toImageY,
      width: shown.width * toImageX,
      height: shown.height * toImageY,
    }),
  };
}
