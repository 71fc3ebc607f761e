/**
 * Is the product visible where the pipeline placed it? For clips whose geometry we know (Ken Burns)
 * this is measured right after the clip is rendered, for a fraction of its encoding:
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
import { FFMPEG_BATCH_OPTIONS, runFfmpeg, type RunOptions } from "../media/binaries";
import { placementShares, visiblePart, type ProductPlacement, type Rect } from "../media/productPlacement";

export interface ProductMeasurements {
  /** Smallest share of the frame the product covers over the clip. */
  frameShare: number;
  /** Smallest share of the product image on screen over the clip. */
  shownShare: number;
  /** Standard deviation of luma (0-255) in the product's rectangle of the first frame. */
  detail: number;
  /** Correlation (-1..1) of that rectangle with the same part of the source image. */
  likeness: number;
  checkMs: number;
}

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
