/**
 * How the product will sit in the run's frame, from the image's shape and, where the background is
 * plain, the product's own extent in it. The geometry is the pipeline's own (media/clip.ts cover crop,
 * the generated-motion card), so the numbers say what the video will look like.
 */
import type { FramingMeasurements } from "../contract/run";
import type { FrameSize } from "../contract/measurements";
import type { RgbRaster } from "./imageFile";

/** The generated-motion card shows the product whole inside this share of the frame's width and height. */
export const CARD_BOX_SHARE = { width: 2 / 3, height: 0.48 } as const;

/** The product's extent in the image, as shares 0..1 of its width and height. */
export interface ProductBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const WHOLE_IMAGE: ProductBox = { x: 0, y: 0, width: 1, height: 1 };

/** Pure geometry: the same sizes always give the same answer. */
export function measureFraming(
  image: { width: number; height: number },
  frame: FrameSize,
  box: ProductBox = WHOLE_IMAGE,
  productBoxFound = false,
): FramingMeasurements {
  const imageAspect = image.width / image.height;
  const frameAspect = frame.width / frame.height;
  const fill = Math.min(imageAspect / frameAspect, frameAspect / imageAspect);
  const cardW = frame.width * CARD_BOX_SHARE.width;
  const cardH = frame.height * CARD_BOX_SHARE.height;
  // The card shows the whole image; the product is the part of it its box covers.
  const scale = Math.min(cardW / image.width, cardH / image.height);
  const productShare =
    (image.width * box.width * scale * image.height * box.height * scale) / (frame.width * frame.height);
  return { imageAspect, frameAspect, fill, productShare, productBoxFound };
}

/** Colour distance (RGB, 0..441) above which a pixel is not background. */
const BACKGROUND_DISTANCE = 48;
/** Share of border pixels that must match the border's median colour for the background to count as plain. */
const PLAIN_BORDER_SHARE = 0.9;
/** Thumbnails thinner than this have no border to learn a background from. */
const MIN_BOX_RASTER_SIDE = 16;
/** Share of foreground pixels ignored at each end when taking the box (specks, noise). */
const BOX_TRIM = 0.01;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function quantile(sorted: Int32Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))];
}

/**
 * The product's box on a plain background (a studio shot on white, a strip on grey): the pixels that
 * differ from the border's colour. On a busy background there is no telling product from scene, so it
 * answers null and the whole image is taken as the product.
 */
export function productBox({ data, width, height }: RgbRaster): ProductBox | null {
  if (width < MIN_BOX_RASTER_SIDE || height < MIN_BOX_RASTER_SIDE) return null;
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(x, (height - 1) * width + x);
  for (let y = 1; y < height - 1; y++) border.push(y * width, y * width + width - 1);
  const channel = (c: number) => median(border.map((i) => data[3 * i + c]));
  const background = [channel(0), channel(1), channel(2)];
  const distance = (i: number) =>
    Math.hypot(data[3 * i] - background[0], data[3 * i + 1] - background[1], data[3 * i + 2] - background[2]);
  const plain = border.filter((i) => distance(i) <= BACKGROUND_DISTANCE).length / border.length;
  if (plain < PLAIN_BORDER_SHARE) return null;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (distance(y * width + x) > BACKGROUND_DISTANCE) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  if (xs.length === 0) return null;
  const sortedX = Int32Array.from(xs).sort();
  const sortedY = Int32Array.from(ys).sort();
  const [x0, x1] = [quantile(sortedX, BOX_TRIM), quantile(sortedX, 1 - BOX_TRIM) + 1];
  const [y0, y1] = [quantile(sortedY, BOX_TRIM), quantile(sortedY, 1 - BOX_TRIM) + 1];
  return { x: x0 / width, y: y0 / height, width: (x1 - x0) / width, height: (y1 - y0) / height };
}
