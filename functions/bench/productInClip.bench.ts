/**
 * What finding the product in a generated clip costs: a 5 s 1280x720 24 fps clip made from a product photo
 * (the product near its right edge, as a model's landscape answer to a portrait run might show it) is
 * normalised to 1080x1920 by normalizeClip, which locates the product in three frames, reframes around it
 * and encodes. Prints the locating time (measurements.product.checkMs) against the whole normalisation.
 * Run from functions/: npx tsx bench/productInClip.bench.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../src/ffmpeg/binaries";
import { frameSize } from "../src/media/clip";
import { normalizeClip } from "../src/media/normalize";
import { PipelineSettingsSchema } from "../src/pipelineSettings";

const RUNS = 3;
const COFFEE = join(__dirname, "..", "test", "fixtures", "images", "coffee.png");
const SECONDS = 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "fairshot-product-bench-"));
  const gate = PipelineSettingsSchema.parse({}).qualityGate;
  const image = join(dir, "product.png");
  await sharp({ create: { width: 1600, height: 900, channels: 3, background: "#e8e4dc" } })
    .composite([{ input: await sharp(COFFEE).resize(300, 200).toBuffer(), left: 1180, top: 380 }])
    .png()
    .toFile(image);
  const clip = join(dir, "model.mp4");
  const frames = SECONDS * 24;
  await runFfmpeg([
    ...FFMPEG_BATCH_OPTIONS,
    ...["-i", image, "-filter_complex"],
    `[0:v]scale=2560:1440,zoompan=z='1+0.15*on/${frames}':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=${frames + 24}:s=1280x720:fps=24[v]`,
    ...["-map", "[v]", "-t", String(SECONDS), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", clip],
  ]);
  const located: number[] = [];
  const total: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const started = Date.now();
      const result = await normalizeClip(
        { inFile: clip, outFile: join(dir, "scene.mp4"), ...frameSize("9:16"), seconds: SECONDS, imageFile: image },
        gate,
      );
      total.push(Date.now() - started);
      located.push(result.measurements.product?.checkMs ?? Number.NaN);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`normalising a ${SECONDS} s 1280x720 clip to 1080x1920, ${RUNS} runs, median ms`);
  console.log(`locating the product (3 frames):   ${median(located).toFixed(0)}`);
  console.log(`whole normalisation:               ${median(total).toFixed(0)}`);
  console.log(`share of the normalisation:        ${((100 * median(located)) / median(total)).toFixed(0)}%`);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
