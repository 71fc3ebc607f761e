import type { DecodedImage, GreyRaster, RgbRaster } from "./imageFile";

export interface ImageAnalysis {
  width: number;
  height: number;
  /** Mean Rec. 709 luma of the thumbnail, 0 (black) .. 1 (white). */
  brightness: number;
  /** Variance of the 3x3 Laplacian on a grey copy fitted inside SHARPNESS_SIDE; low means blurry. */
  sharpness: number;
  /** Hex colours, most dominant first. */
  palette: string[];
  dominant: string;
}

export const SHARPNESS_SIDE = 512;
export const PALETTE_THUMBNAIL_SIDE = 64;
export const PALETTE_SIZE = 5;
const KMEANS_MAX_ROUNDS = 20;

const luma = (r: number, g: number, b: number) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

export function laplacianVariance({ data, width, height }: GreyRaster): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSquares = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const value = data[i - width] + data[i + width] + data[i - 1] + data[i + 1] - 4 * data[i];
      sum += value;
      sumSquares += value * value;
    }
  }
  const n = (width - 2) * (height - 2);
  const mean = sum / n;
  return sumSquares / n - mean * mean;
}

const toHex = (rgb: readonly number[]) => "#" + rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("");

/**
 * Deterministic k-means in RGB: centres start at luma quantiles (no randomness), so the same
 * pixels always give the same palette. Returns centres ordered by cluster size, largest first.
 */
export function kMeansPalette({ data, width, height }: RgbRaster, k: number): string[] {
  const n = width * height;
  const pixel = (i: number) => [data[3 * i], data[3 * i + 1], data[3 * i + 2]];
  const byLuma = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const [ar, ag, ab] = pixel(a);
    const [br, bg, bb] = pixel(b);
    return luma(ar, ag, ab) - luma(br, bg, bb) || a - b;
  });
  let centres = Array.from({ length: k }, (_, c) => pixel(byLuma[Math.floor(((c + 0.5) * n) / k)]));
  const assignment = new Int32Array(n).fill(-1);
  let counts = new Array<number>(k).fill(0);
  for (let round = 0; round < KMEANS_MAX_ROUNDS; round++) {
    let changed = false;
    const sums = centres.map(() => [0, 0, 0]);
    counts = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) {
      const [r, g, b] = pixel(i);
      let best = 0;
      let bestDistance = Infinity;
      centres.forEach(([cr, cg, cb], c) => {
        const distance = (r - cr) ** 2 + (g - cg) ** 2 + (b - cb) ** 2;
        if (distance < bestDistance) [best, bestDistance] = [c, distance];
      });
      if (assignment[i] !== best) [assignment[i], changed] = [best, true];
      sums[best][0] += r;
      sums[best][1] += g;
      sums[best][2] += b;
      counts[best]++;
    }
    centres = centres.map((centre, c) => (counts[c] === 0 ? centre : sums[c].map((s) => s / counts[c])));
    if (!changed) break;
  }
  const ranked = centres
    .map((centre, c) => ({ hex: toHex(centre), count: counts[c], c }))
    .filter(({ count }) => count > 0)
    .sort((a, b) => b.count - a.count || a.c - b.c);
  return [...new Set(ranked.map(({ hex }) => hex))];
}

function meanBrightness({ data, width, height }: RgbRaster): number {
  let total = 0;
  for (let i = 0; i < width * height; i++) total += luma(data[3 * i], data[3 * i + 1], data[3 * i + 2]);
  return total / (width * height) / 255;
}

/** Pure measurements of a decoded image: same pixels, same answer. */
export async function analyzeImage(image: DecodedImage): Promise<ImageAnalysis> {
  const [thumbnail, grey] = await Promise.all([image.rgb(PALETTE_THUMBNAIL_SIDE), image.grey(SHARPNESS_SIDE)]);
  const palette = kMeansPalette(thumbnail, PALETTE_SIZE);
  return {
    width: image.width,
    height: image.height,
    brightness: meanBrightness(thumbnail),
    sharpness: laplacianVariance(grey),
    palette,
    dominant: palette[0],
  };
}
