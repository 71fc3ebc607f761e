/**
 * Is the product visible in a scene's clip? Generated clips: see "Generated clips" below. For clips whose
 * geometry we know (Ken Burns, the local motion card) this is measured right after the clip is rendered,
 * for a fraction of its encoding:
 *
 * - Geometry (media/productPlacement.ts): over every frame, the smallest share of the frame the product
 *   covers and the smallest share of the product on screen.
 * - Pixels, on one frame: the clip's first frame (a keyframe, so one frame is decoded) is cut to the
 *   product's rectangle and the same part of the source image is cut from the image, both brought to
 *   SAMPLE_SIDE² grey pixels by one ffmpeg call. `detail` is the spread of the rectangle's luma: a flat
 *   or empty rectangle has none, whatever was meant to be there. `likeness` is the correlation of the
 *   two samples: the rectangle shows the image (a render that lost or misplaced it does not correlate),
 *   insensitive to the brightness and contrast a colour grade changes.
 *
 * The verdict (quality/verdict.ts) judges these numbers against `config/pipeline` qualityGate.
 */
import { readFile, rm } from "node:fs/promises";
import sharp from "sharp";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg, type RunOptions } from "../ffmpeg/binaries";
import { placementShares, visiblePart, type ProductPlacement, type Rect } from "./productPlacement";
// The preflight's box finder is the one place that knows what a plain background is.
import { productBox } from "../preflight/framing";
import type { ProductMeasurements } from "../contract/measurements";

/** Side of the grey samples compared: enough to tell a picture from a flat area, cheap to scale to. */
const SAMPLE_SIDE = 32;

const crop = (r: Rect) => `crop=${r.width}:${r.height}:${r.x}:${r.y}`;

/** Spread of `shown`, and its Pearson correlation with `source` (0 when either is flat). */
export function compareSamples(shown: Uint8Array, source: Uint8Array): { detail: number; likeness: number } {
  const n = shown.length;
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < n; i++) {
    sumA += shown[i];
    sumB += source[i];
  }
  const meanA = sumA / n;
  const meanB = sumB / n;
  let varA = 0;
  let varB = 0;
  let cov = 0;
  for (let i = 0; i < n; i++) {
    const a = shown[i] - meanA;
    const b = source[i] - meanB;
    varA += a * a;
    varB += b * b;
    cov += a * b;
  }
  const likeness = varA > 0 && varB > 0 ? cov / Math.sqrt(varA * varB) : 0;
  return { detail: Math.sqrt(varA / n), likeness };
}

/** Measures the product in a rendered clip; `placementOf` is the geometry the clip was rendered with. */
export async function checkProductShown(
  clipFile: string,
  imageFile: string,
  placementOf: (image: { width: number; height: number }) => ProductPlacement,
  options: RunOptions = {},
): Promise<ProductMeasurements> {
  const started = Date.now();
  const { width, height } = await sharp(imageFile).metadata();
  if (!width || !height) throw new Error(`the product image ${imageFile} has no size`);
  const placement = placementOf({ width, height });
  const shares = placementShares(placement);
  const part = visiblePart(placement, 0);
  if (!part) return { ...shares, detail: 0, likeness: 0, checkMs: Date.now() - started };
  const sample = `scale=${SAMPLE_SIDE}:${SAMPLE_SIDE}:flags=area,format=gray`;
  const sampleFile = `${clipFile}.product.gray`;
  await runFfmpeg(
    [
      ...FFMPEG_BATCH_OPTIONS,
      "-i",
      clipFile,
      "-i",
      imageFile,
      "-filter_complex",
      `[0:v]trim=end_frame=1,${crop(part.inFrame)},${sample}[shown];[1:v]${crop(part.inImage)},${sample}[source];` +
        "[shown][source]vstack[out]",
      "-map",
      "[out]",
      "-frames:v",
      "1",
      "-f",
      "rawvideo",
      sampleFile,
    ],
    options,
  );
  const bytes = await readFile(sampleFile);
  await rm(sampleFile, { force: true });
  const side = SAMPLE_SIDE * SAMPLE_SIDE;
  if (bytes.length !== 2 * side) throw new Error(`the product sample came out as ${bytes.length} bytes`);
  return {
    ...shares,
    ...compareSamples(bytes.subarray(0, side), bytes.subarray(side)),
    checkMs: Date.now() - started,
  };
}

/*
 * Generated clips. A video model's geometry is its own, so the product is looked for in the clip itself.
 * Its template is the product's part of the source image (its box on a plain background,
 * preflight/framing.ts, with a margin so its outline counts; the middle of the image where no box is
 * found), grey. An image-to-video model starts from the image, so in the clip's first frame the product
 * is where the image put it, fitted to the clip's frame (covering it or shown whole) and perhaps moved
 * or zoomed a little: it is searched there (FIRST_FRAME_SCALES, FIRST_FRAME_SHIFT). In each later sampled
 * frame it is searched around where it was last seen (TRACK_SCALES, TRACK_SHIFT). Each candidate place is
 * compared by normalised cross-correlation on SEARCH_SIDE frames (insensitive to the brightness and
 * contrast a model's grade changes; the part of the template outside the frame left out). The best place
 * gives the product's rectangle (to reframe the clip around, media/normalize.ts), its `likeness`, and
 * `detail`, the spread of the frame's luma there. A clip that lost the product has no place that
 * correlates: black, another subject, the product gone from the picture. The search is bounded on
 * purpose: anywhere at any size, some patch of any busy picture correlates with a small template.
 */

/** 8-bit luma, row-major. */
export interface GreyRaster {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Long side of the clip's frames as the product is searched in them. */
const SEARCH_SIDE = 128;
/** First frame: sizes tried, relative to the image fitted to the frame (covering it, or shown whole). */
const FIRST_FRAME_SCALES = [0.5, 0.6, 0.7, 0.85, 1, 1.15];
/** First frame: how far from where the fitted image puts it, as a share of the frame's sides. */
const FIRST_FRAME_SHIFT = 0.2;
/** Later frames: sizes tried relative to the last sighting, and how far from it. */
const TRACK_SCALES = [0.8, 0.9, 1, 1.1, 1.25];
const TRACK_SHIFT = 0.25;
/** Positions are tried every COARSE_STEP search pixels, then every pixel around the best. */
const COARSE_STEP = 2;
/** A place counts only where this share of the template is inside the frame. */
const MIN_OVERLAP = 0.5;
/** Templates smaller than this (search pixels) carry too little to match. */
const MIN_TEMPLATE_SIDE = 6;
/** Side of the source image's copy the product's box is found in (the preflight's PRODUCT_BOX_SIDE). */
const TEMPLATE_SOURCE_SIDE = 256;
/** Margin added around the product's box, as a share of its size: its outline against the background. */
const BOX_MARGIN = 0.08;
/** Without a box, the middle of the image stands for the product: this share of each side. */
const MIDDLE_SHARE = 0.6;

/** Where the product was found in one frame, in the clip's pixels, and how well it matched. */
export interface ProductSighting {
  rect: Rect;
  likeness: number;
  detail: number;
}

/** The product's part of the source image, grey, and where it is in the image (shares 0..1 of its sides). */
export interface ProductTemplate {
  grey: GreyRaster;
  /** The image's aspect (width / height), to fit it to a frame. */
  imageAspect: number;
  box: { x: number; y: number; width: number; height: number };
}

export async function productTemplate(imageFile: string): Promise<ProductTemplate> {
  const { data, info } = await sharp(imageFile)
    .rotate()
    .flatten({ background: "#ffffff" })
    .resize({ width: TEMPLATE_SOURCE_SIDE, height: TEMPLATE_SOURCE_SIDE, fit: "inside", withoutEnlargement: true })
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const found = productBox({ data, width, height }) ?? {
    x: (1 - MIDDLE_SHARE) / 2,
    y: (1 - MIDDLE_SHARE) / 2,
    width: MIDDLE_SHARE,
    height: MIDDLE_SHARE,
  };
  const x0 = Math.max(0, Math.floor((found.x - found.width * BOX_MARGIN) * width));
  const y0 = Math.max(0, Math.floor((found.y - found.height * BOX_MARGIN) * height));
  const x1 = Math.min(width, Math.ceil((found.x + found.width * (1 + BOX_MARGIN)) * width));
  const y1 = Math.min(height, Math.ceil((found.y + found.height * (1 + BOX_MARGIN)) * height));
  const grey = new Uint8Array((x1 - x0) * (y1 - y0));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = 3 * (y * width + x);
      grey[(y - y0) * (x1 - x0) + (x - x0)] = Math.round(
        0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2],
      );
    }
  }
  return {
    grey: { data: grey, width: x1 - x0, height: y1 - y0 },
    imageAspect: width / height,
    box: { x: x0 / width, y: y0 / height, width: (x1 - x0) / width, height: (y1 - y0) / height },
  };
}

/** Box-averaged resampling to width x height (never empty). */
export function resample(src: GreyRaster, width: number, height: number): GreyRaster {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy0 = Math.floor((y * src.height) / height);
    const sy1 = Math.max(sy0 + 1, Math.floor(((y + 1) * src.height) / height));
    for (let x = 0; x < width; x++) {
      const sx0 = Math.floor((x * src.width) / width);
      const sx1 = Math.max(sx0 + 1, Math.floor(((x + 1) * src.width) / width));
      let sum = 0;
      for (let sy = sy0; sy < sy1; sy++) for (let sx = sx0; sx < sx1; sx++) sum += src.data[sy * src.width + sx];
      out[y * width + x] = Math.round(sum / ((sy1 - sy0) * (sx1 - sx0)));
    }
  }
  return { data: out, width, height };
}

/**
 * Normalised cross-correlation of `template` placed with its top-left corner at (x, y) of `frame`, over
 * the part of it inside the frame; null when less than MIN_OVERLAP of it is. Also the frame's spread there.
 */
export function correlateAt(
  frame: GreyRaster,
  template: GreyRaster,
  x: number,
  y: number,
): { likeness: number; detail: number } | null {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(frame.width, x + template.width);
  const y1 = Math.min(frame.height, y + template.height);
  const n = (x1 - x0) * (y1 - y0);
  if (x1 <= x0 || y1 <= y0 || n < MIN_OVERLAP * template.width * template.height) return null;
  let sf = 0;
  let sff = 0;
  let st = 0;
  let stt = 0;
  let sft = 0;
  for (let fy = y0; fy < y1; fy++) {
    const frow = fy * frame.width;
    const trow = (fy - y) * template.width - x;
    for (let fx = x0; fx < x1; fx++) {
      const f = frame.data[frow + fx];
      const t = template.data[trow + fx];
      sf += f;
      sff += f * f;
      st += t;
      stt += t * t;
      sft += f * t;
    }
  }
  const varF = sff - (sf * sf) / n;
  const varT = stt - (st * st) / n;
  const detail = Math.sqrt(Math.max(0, varF) / n);
  if (varF <= 1e-6 || varT <= 1e-6) return { likeness: 0, detail };
  return { likeness: (sft - (sf * st) / n) / Math.sqrt(varF * varT), detail };
}

/** A rectangle to search around (top-left corner and size, in search pixels). */
interface Candidate {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The best place for `template` among sizes `scales` x each candidate's size and positions within `shift`
 * (search pixels) of each candidate's centre: coarse steps, then every pixel around the best. Pure.
 */
export function searchAround(
  frame: GreyRaster,
  template: GreyRaster,
  candidates: Candidate[],
  scales: number[],
  shift: { x: number; y: number },
): ProductSighting {
  let best: ProductSighting = { rect: { x: 0, y: 0, width: 0, height: 0 }, likeness: 0, detail: 0 };
  const sized = new Map<string, GreyRaster>();
  const resized = (width: number, height: number) => {
    const key = `${width}x${height}`;
    let found = sized.get(key);
    if (!found) sized.set(key, (found = resample(template, width, height)));
    return found;
  };
  const tryAt = (t: GreyRaster, x: number, y: number) => {
    const score = correlateAt(frame, t, x, y);
    if (score && score.likeness > best.likeness) {
      best = { rect: { x, y, width: t.width, height: t.height }, ...score };
    }
  };
  for (const candidate of candidates) {
    for (const scale of scales) {
      const width = Math.round(candidate.width * scale);
      const height = Math.round(candidate.height * scale);
      if (width < MIN_TEMPLATE_SIDE || height < MIN_TEMPLATE_SIDE) continue;
      if (width > 2 * frame.width || height > 2 * frame.height) continue;
      const t = resized(width, height);
      const cx = Math.round(candidate.x + (candidate.width - width) / 2);
      const cy = Math.round(candidate.y + (candidate.height - height) / 2);
      for (let dy = -shift.y; dy <= shift.y; dy += COARSE_STEP) {
        for (let dx = -shift.x; dx <= shift.x; dx += COARSE_STEP) tryAt(t, cx + dx, cy + dy);
      }
    }
  }
  const coarse = best.rect;
  if (coarse.width > 0) {
    const t = resized(coarse.width, coarse.height);
    for (let dy = -COARSE_STEP + 1; dy < COARSE_STEP; dy++) {
      for (let dx = -COARSE_STEP + 1; dx < COARSE_STEP; dx++) tryAt(t, coarse.x + dx, coarse.y + dy);
    }
  }
  return best;
}

/** Where the fitted image puts the template in a frame: covering the frame, and shown whole. */
function firstFrameCandidates(frame: { width: number; height: number }, template: ProductTemplate): Candidate[] {
  return [Math.max, Math.min].map((pick) => {
    // The image's size in the frame: both sides scaled alike, covering the frame (max) or inside it (min).
    const scale = pick(frame.width / template.imageAspect, frame.height);
    const imageW = scale * template.imageAspect;
    const imageH = scale;
    return {
      x: (frame.width - imageW) / 2 + template.box.x * imageW,
      y: (frame.height - imageH) / 2 + template.box.y * imageH,
      width: template.box.width * imageW,
      height: template.box.height * imageH,
    };
  });
}

/** Follows the product through frames sampled in order, from where the image puts it in the first. Pure. */
export function trackProduct(frames: GreyRaster[], template: ProductTemplate): ProductSighting[] {
  const sightings: ProductSighting[] = [];
  for (const frame of frames) {
    const last = sightings[sightings.length - 1];
    const shift = (share: number) => ({
      x: Math.round(frame.width * share),
      y: Math.round(frame.height * share),
    });
    sightings.push(
      last && last.rect.width > 0
        ? searchAround(frame, template.grey, [last.rect], TRACK_SCALES, shift(TRACK_SHIFT))
        : searchAround(
            frame,
            template.grey,
            firstFrameCandidates(frame, template),
            FIRST_FRAME_SCALES,
            shift(FIRST_FRAME_SHIFT),
          ),
    );
  }
  return sightings;
}

/**
 * Frames of a clip at `times` (seconds), scaled to fit SEARCH_SIDE, grey: one ffmpeg call, each frame
 * reached by seeking its own input, so no more than those frames (and their keyframes) are decoded.
 */
export async function sampleFrames(
  clipFile: string,
  clip: { width: number; height: number },
  times: number[],
  options: RunOptions = {},
): Promise<GreyRaster[]> {
  const fit = Math.min(SEARCH_SIDE / clip.width, SEARCH_SIDE / clip.height, 1);
  const width = Math.max(1, Math.round(clip.width * fit));
  const height = Math.max(1, Math.round(clip.height * fit));
  const sampleFile = `${clipFile}.frames.gray`;
  const inputs = times.flatMap((t) => ["-ss", t.toFixed(3), "-i", clipFile]);
  const chains = times.map(
    (_, i) => `[${i}:v:0]trim=end_frame=1,scale=${width}:${height}:flags=area,setsar=1,format=gray[f${i}]`,
  );
  const labels = times.map((_, i) => `[f${i}]`).join("");
  const graph =
    times.length === 1
      ? chains[0].replace(/\[f0\]$/, "[out]")
      : `${chains.join(";")};${labels}vstack=inputs=${times.length}[out]`;
  await runFfmpeg(
    [
      ...FFMPEG_BATCH_OPTIONS,
      ...inputs,
      ...["-filter_complex", graph, "-map", "[out]", "-frames:v", "1", "-f", "rawvideo", sampleFile],
    ],
    options,
  );
  const bytes = await readFile(sampleFile);
  await rm(sampleFile, { force: true });
  const side = width * height;
  if (bytes.length !== side * times.length) {
    throw new Error(`the clip's sampled frames came out as ${bytes.length} bytes, not ${side * times.length}`);
  }
  return times.map((_, i) => ({ data: bytes.subarray(i * side, (i + 1) * side), width, height }));
}

/** Where the product is in a clip at `times`: the best place in each sampled frame, in the clip's pixels. */
export async function locateProduct(
  clipFile: string,
  clip: { width: number; height: number },
  imageFile: string,
  times: number[],
  options: RunOptions = {},
): Promise<ProductSighting[]> {
  const [template, frames] = await Promise.all([
    productTemplate(imageFile),
    sampleFrames(clipFile, clip, times, options),
  ]);
  return trackProduct(frames, template).map((found, i) => {
    const toClipX = clip.width / frames[i].width;
    const toClipY = clip.height / frames[i].height;
    return {
      ...found,
      rect: {
        x: found.rect.x * toClipX,
        y: found.rect.y * toClipY,
        width: found.rect.width * toClipX,
        height: found.rect.height * toClipY,
      },
    };
  });
}
