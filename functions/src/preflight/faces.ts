import path from "path";
import type * as FaceApi from "@vladmandic/face-api";
import type { DecodedImage } from "./imageFile";

/** A face in full-resolution, oriented image pixels. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export interface FaceDetection {
  faces: number;
  boxes: FaceBox[];
  /** Which detector produced this answer (and, after a fallback, why). */
  detector: string;
}

export interface FaceDetector {
  readonly name: string;
  detect(image: DecodedImage): Promise<FaceDetection>;
}

/** A box found on a scaled copy of the image, in the image's own pixels. */
export const scaleBox = (box: Omit<FaceBox, "score">, factor: number, score: number): FaceBox => ({
  x: box.x * factor,
  y: box.y * factor,
  width: box.width * factor,
  height: box.height * factor,
  score,
});

const overlapOfSmaller = (a: FaceBox, b: FaceBox) => {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / Math.min(a.width * a.height, b.width * b.height);
};

/** Keeps the best-scoring box of every group that covers the same face (seen by several passes). */
export function mergeOverlapping(boxes: FaceBox[], maxOverlap = 0.5): FaceBox[] {
  const kept: FaceBox[] = [];
  for (const box of [...boxes].sort((a, b) => b.score - a.score)) {
    if (kept.every((k) => overlapOfSmaller(k, box) <= maxOverlap)) kept.push(box);
  }
  return kept;
}

/**
 * Square windows along the long side of a short x long image, overlapping, ends included.
 * The Tiny detector pads its input to a square, so on a 9:16 or 2:1 image faces shrink by the
 * aspect ratio; running each square window as well keeps small faces at full detector scale.
 */
export function squareWindows(short: number, long: number): number[] {
  if (long / short <= MAX_UNTILED_ASPECT) return [];
  const count = Math.max(2, Math.ceil(long / short));
  return Array.from({ length: count }, (_, i) => Math.round(((long - short) * i) / (count - 1)));
}

/**
 * Tiny face detector settings, tuned on the fixtures (see test/preflight): at 320 px the faces
 * score 0.66-0.97 and the best non-face (cat, coffee, rocket, blur) 0.22, so 0.5 sits in the gap.
 * 320 costs ~45 ms per pass on one wasm thread; 416 doubled that without separating better.
 */
export const TINY_INPUT_SIZE = 320;
export const TINY_SCORE_THRESHOLD = 0.5;
const MAX_UNTILED_ASPECT = 4 / 3;

type FaceApiModule = typeof FaceApi;
let faceApiReady: Promise<FaceApiModule> | undefined;

/** Loads tfjs (wasm backend, .wasm read from disk) and the Tiny detector weights once per process. */
export function loadLocalFaceModel(): Promise<FaceApiModule> {
  faceApiReady ??= (async () => {
    // The node-wasm build of face-api shares this tfjs instance (it requires the same packages).
    const faceapi: FaceApiModule = await import("@vladmandic/face-api/dist/face-api.node-wasm.js");
    const tf = await import("@tensorflow/tfjs");
    await tf.setBackend("wasm");
    await tf.ready();
    const modelDir = path.join(path.dirname(require.resolve("@vladmandic/face-api/package.json")), "model");
    await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
    return faceapi;
  })().catch((error: unknown) => {
    faceApiReady = undefined; // let the next call try again instead of caching the failure
    throw error;
  });
  return faceApiReady;
}

/** Offline detector: @vladmandic/face-api Tiny face detector on tfjs-wasm, weights shipped in the package. */
export class LocalFaceDetector implements FaceDetector {
  readonly name = "face-api-tiny";

  async detect(image: DecodedImage): Promise<FaceDetection> {
    const faceapi = await loadLocalFaceModel();
    const shortSide = Math.min(image.raster.width, image.raster.height);
    const longSide = Math.max(image.raster.width, image.raster.height);
    // Fit so the short side is the detector's input size: square tiles then need no further resize.
    const raster = await image.rgb(Math.ceil(longSide * Math.min(1, TINY_INPUT_SIZE / shortSide)));
    const { tf } = faceapi;
    const options = new faceapi.TinyFaceDetectorOptions({
      inputSize: TINY_INPUT_SIZE,
      scoreThreshold: TINY_SCORE_THRESHOLD,
    });
    const rgb = new Uint8Array(raster.data.buffer, raster.data.byteOffset, raster.data.length);
    const pixels = tf.tensor3d(rgb, [raster.height, raster.width, 3], "int32");
    const side = Math.min(raster.width, raster.height);
    const wide = raster.width > raster.height;
    const tiles = squareWindows(side, Math.max(raster.width, raster.height)).map((offset) => ({
      offset,
      tensor: tf.slice(pixels, wide ? [0, offset, 0] : [offset, 0, 0], [side, side, 3]),
    }));
    try {
      const found: FaceBox[] = [];
      for (const { offset, tensor } of [{ offset: 0, tensor: pixels }, ...tiles]) {
        for (const detection of await faceapi.detectAllFaces(tensor, options)) {
          const { x, y, width, height } = detection.box;
          const box = { x: wide ? x + offset : x, y: wide ? y : y + offset, width, height };
          found.push(scaleBox(box, image.width / raster.width, detection.score));
        }
      }
      const boxes = mergeOverlapping(found);
      return { faces: boxes.length, boxes, detector: this.name };
    } finally {
      for (const { tensor } of tiles) tensor.dispose();
      pixels.dispose();
    }
  }
}

/** Asks the primary detector; when it fails, the fallback answers and the result says so. */
export class FallbackFaceDetector implements FaceDetector {
  readonly name: string;

  constructor(
    private readonly primary: FaceDetector,
    private readonly fallback: FaceDetector,
  ) {
    this.name = `${primary.name}|${fallback.name}`;
  }

  async detect(image: DecodedImage): Promise<FaceDetection> {
    try {
      return await this.primary.detect(image);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      console.warn(`face detection: ${this.primary.name} failed, using ${this.fallback.name}: ${reason}`);
      const answer = await this.fallback.detect(image);
      return { ...answer, detector: `${answer.detector} (fallback: ${this.primary.name} failed)` };
    }
  }
}
