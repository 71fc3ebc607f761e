import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../../src/ffmpeg/binaries";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";

export const COFFEE = join(__dirname, "..", "fixtures", "images", "coffee.png");

/** The quality gate's default thresholds, as every clip is rendered and judged with them. */
export const GATE = PipelineSettingsSchema.parse({}).qualityGate;

/** A frame as 8-bit luma, row by row. */
export interface GrayFrame {
  width: number;
  height: number;
  pixels: Buffer;
}

// Plain functions rather than Math.*: jest's sandbox makes calls to Math builtins ~100x slower in hot loops.
const abs = (v: number) => (v < 0 ? -v : v);
const clamp = (v: number, max: number) => (v < 0 ? 0 : v > max ? max : v);

export async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "fairshot-media-test-"));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Decodes frame `index` of a video to luma with the real ffmpeg. */
export async function grayFrame(video: string, index: number, width: number, height: number): Promise<GrayFrame> {
  return withTempDir(async (dir) => {
    const raw = join(dir, "frame.gray");
    await runFfmpeg([
      ...FFMPEG_BATCH_OPTIONS,
      "-i",
      video,
      "-vf",
      `select=eq(n\\,${index})`,
      "-frames:v",
      "1",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "gray",
      raw,
    ]);
    const pixels = await readFile(raw);
    if (pixels.length !== width * height) throw new Error(`frame ${index} of ${video} is not ${width}x${height}`);
    return { width, height, pixels };
  });
}

/** Mean absolute difference over the central region (borders excluded so shifts have data). */
function centralDifference(a: GrayFrame, sample: (x: number, y: number) => number, margin: number): number {
  let sum = 0;
  let count = 0;
  for (let y = margin; y < a.height - margin; y++) {
    for (let x = margin; x < a.width - margin; x++) {
      sum += abs(a.pixels[y * a.width + x] - sample(x, y));
      count++;
    }
  }
  return sum / count;
}

export function meanDifference(a: GrayFrame, b: GrayFrame): number {
  return centralDifference(a, (x, y) => b.pixels[y * b.width + x], 0);
}

const at = (f: GrayFrame, x: number, y: number) =>
  f.pixels[clamp((y + 0.5) | 0, f.height - 1) * f.width + clamp((x + 0.5) | 0, f.width - 1)];

/** The shift d along one axis with later(p) ≈ earlier(p + d): content moving left (or up) gives d > 0. */
export function bestShift(earlier: GrayFrame, later: GrayFrame, axis: "x" | "y", maxShift: number): number {
  const { width, height } = later;
  // Only pixels whose shifted partner stays inside the frame for every candidate shift are compared.
  const [x0, x1] = axis === "x" ? [maxShift, width - maxShift] : [0, width];
  const [y0, y1] = axis === "y" ? [maxShift, height - maxShift] : [0, height];
  let best = { shift: 0, error: Infinity };
  for (let shift = -maxShift; shift <= maxShift; shift++) {
    const offset = axis === "x" ? shift : shift * width;
    let error = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = y * width + x;
        error += abs(later.pixels[i] - earlier.pixels[i + offset]);
      }
    }
    if (error < best.error) best = { shift, error };
  }
  return best.shift;
}

/** The magnification s about the centre with later ≈ earlier zoomed by s (s > 1: the camera zoomed in). */
export function bestZoom(earlier: GrayFrame, later: GrayFrame): number {
  const cx = earlier.width / 2;
  const cy = earlier.height / 2;
  let best = { scale: 1, error: Infinity };
  for (let scale = 0.7; scale <= 1.4; scale += 0.02) {
    const error = centralDifference(
      later,
      (x, y) => at(earlier, cx + (x - cx) / scale, cy + (y - cy) / scale),
      Math.round(earlier.width * 0.2),
    );
    if (error < best.error) best = { scale, error };
  }
  return best.scale;
}
