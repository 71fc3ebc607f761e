import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../../src/ffmpeg/binaries";
import { assembleVideo } from "../../src/media/assemble";
import { renderKenBurns } from "../../src/media/kenBurns";
import { clipEncodingArgs } from "../../src/media/clip";
import { normalizeClip, normalizeEncoding, reframeAround, UnusableClipError } from "../../src/media/normalize";
import { probeMedia } from "../../src/ffmpeg/probe";
import { synthesizeSpeech } from "../../src/media/speech";
import sharp from "sharp";
import { COFFEE, GATE, grayFrame, withTempDir } from "./frames";

/**
 * A clip as an image-to-video model might return it: any size and rate, with or without an audio track,
 * starting from `image` (covering its frame, the camera zooming in 15%), or a test pattern (no product).
 */
async function modelClip(
  file: string,
  opts: { width: number; height: number; fps: number; seconds: number; audio: boolean; image?: string | null },
): Promise<string> {
  const image = opts.image === undefined ? COFFEE : opts.image;
  const frames = Math.round(opts.seconds * opts.fps);
  const [w, h] = [opts.width, opts.height];
  const video = image
    ? [
        "-i",
        image,
        "-filter_complex",
        `[0:v]scale=${2 * w}:${2 * h}:force_original_aspect_ratio=increase,crop=${2 * w}:${2 * h},` +
          `zoompan=z='1+0.15*on/${frames}':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=${frames + opts.fps}:s=${w}x${h}:fps=${opts.fps}[v]`,
        "-map",
        "[v]",
      ]
    : ["-f", "lavfi", "-i", `testsrc=size=${w}x${h}:rate=${opts.fps}`];
  const audio = opts.audio ? ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"] : [];
  await runFfmpeg([
    ...FFMPEG_BATCH_OPTIONS,
    ...video.slice(0, image ? 2 : 4),
    ...audio,
    ...(image ? video.slice(2) : []),
    ...(image && opts.audio ? ["-map", "1:a"] : []),
    "-t",
    String(opts.seconds),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
    ...(opts.audio ? ["-c:a", "aac"] : []),
    file,
  ]);
  return file;
}

/** A 1600x900 studio shot on a plain light ground: the product (coffee.png, 300x200) near the right edge. */
async function offCentreProduct(dir: string, left = 1180): Promise<string> {
  const file = join(dir, "off-centre.png");
  await sharp({ create: { width: 1600, height: 900, channels: 3, background: "#e8e4dc" } })
    .composite([{ input: await sharp(COFFEE).resize(300, 200).toBuffer(), left, top: 380 }])
    .png()
    .toFile(file);
  return file;
}

/** Share of a frame's pixels darker than the plain ground: where the product is. */
function darkShare(frame: { pixels: Buffer }): number {
  let dark = 0;
  for (const v of frame.pixels) if (v < 150) dark++;
  return dark / frame.pixels.length;
}

const PORTRAIT = { width: 1080, height: 1920 };
const ROCKET = join(__dirname, "..", "fixtures", "images", "rocket.jpg");

describe("normalizeClip", () => {
  it("brings a 720x1280 24 fps clip with audio to 1080x1920 30 fps H.264 without audio, cut to the scene", async () => {
    await withTempDir(async (dir) => {
      const inFile = await modelClip(join(dir, "veo.mp4"), {
        width: 720,
        height: 1280,
        fps: 24,
        seconds: 4,
        audio: true,
      });
      const before = await probeMedia(inFile);
      expect(before.video).toMatchObject({ width: 720, height: 1280, fps: 24 });
      expect(before.audio).toBeDefined();
      const outFile = join(dir, "scene.mp4");
      const clip = await normalizeClip({ inFile, outFile, ...PORTRAIT, seconds: 2, imageFile: COFFEE }, GATE);
      expect(clip).toMatchObject({ file: outFile, durationSec: 2 });
      expect(clip.measurements.picture).toMatchObject({ width: 1080, height: 1920, fps: 30, frames: 60, black: [] });
      const after = await probeMedia(outFile);
      expect(after.video).toMatchObject({ codec: "h264", ...PORTRAIT, fps: 30, frames: 60, pixelFormat: "yuv420p" });
      expect(after.audio).toBeUndefined();
    });
  });

  it("crops a landscape clip to a square frame edge to edge around the product (no bars), and takes clips without audio", async () => {
    await withTempDir(async (dir) => {
      // The product near the right edge: the square's middle would cut it, a square around it fits the clip.
      const image = await offCentreProduct(dir);
      const inFile = await modelClip(join(dir, "wide.mp4"), {
        width: 480,
        height: 270,
        fps: 25,
        seconds: 1,
        audio: false,
        image,
      });
      const outFile = join(dir, "square.mp4");
      const clip = await normalizeClip(
        { inFile, outFile, width: 240, height: 240, seconds: 1, imageFile: image },
        GATE,
      );
      expect((await probeMedia(outFile)).video).toMatchObject({ width: 240, height: 240, fps: 30, frames: 30 });
      expect(clip.measurements.product?.shownShare).toBeGreaterThan(0.9);
      // The ground is light: a padded frame would have black rows at the top and bottom.
      const frame = await grayFrame(outFile, 0, 240, 240);
      const topRow = frame.pixels.subarray(0, 240);
      expect(Math.min(...topRow)).toBeGreaterThan(150);
    });
  });

  it("refuses an empty file, text, an audio-only file and a clip shorter than the scene, as unusable", async () => {
    await withTempDir(async (dir) => {
      const empty = join(dir, "empty.mp4");
      await writeFile(empty, Buffer.alloc(0));
      const html = join(dir, "page.mp4");
      await writeFile(html, "<html>not a video</html>");
      const audioOnly = join(dir, "voice.wav");
      await writeFile(audioOnly, (await synthesizeSpeech("Hello.")).wav);
      const short = await modelClip(join(dir, "short.mp4"), {
        width: 360,
        height: 640,
        fps: 24,
        seconds: 1,
        audio: true,
      });
      const truncated = join(dir, "truncated.mp4");
      await modelClip(join(dir, "whole.mp4"), { width: 360, height: 640, fps: 24, seconds: 3, audio: false });
      const whole = await readFile(join(dir, "whole.mp4"));
      await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 3)));
      for (const [inFile, reason] of [
        [empty, /not a readable video/],
        [html, /not a readable video/],
        [audioOnly, /no video stream/],
        [short, /lasts 1\.0\d s, the scene needs 2\.00 s/],
        [truncated, /./],
      ] as const) {
        const attempt = normalizeClip(
          { inFile, outFile: join(dir, "out.mp4"), width: 360, height: 640, seconds: 2, imageFile: COFFEE },
          GATE,
        );
        await expect(attempt).rejects.toBeInstanceOf(UnusableClipError);
        await expect(attempt).rejects.toThrow(reason);
      }
    });
  });

  it("lets generated and Ken Burns clips be joined into one 1080x1920 30 fps video", async () => {
    await withTempDir(async (dir) => {
      const clips: string[] = [];
      for (const [index, shape] of [
        { width: 720, height: 1280, fps: 24, audio: true },
        { width: 360, height: 640, fps: 24, audio: false },
        { width: 1280, height: 720, fps: 30, audio: true },
      ].entries()) {
        const inFile = await modelClip(join(dir, `raw${index}.mp4`), { ...shape, seconds: 1 });
        clips.push(
          (
            await normalizeClip(
              { inFile, outFile: join(dir, `g${index}.mp4`), ...PORTRAIT, seconds: 1, imageFile: COFFEE },
              GATE,
            )
          ).file,
        );
      }
      const kenBurns = await renderKenBurns(
        {
          imageFile: COFFEE,
          outFile: join(dir, "kb.mp4"),
          ...PORTRAIT,
          seconds: 1,
          motion: "zoom_in",
        },
        GATE,
      );
      clips.splice(1, 0, kenBurns.file);
      const voiceWav = join(dir, "voice.wav");
      await writeFile(voiceWav, (await synthesizeSpeech("Four scenes, one clean video.")).wav);
      const result = await assembleVideo({ clips, voiceWav, outFile: join(dir, "ad.mp4") });
      const info = await probeMedia(result.file);
      expect(info.video).toMatchObject({ codec: "h264", ...PORTRAIT, fps: 30, frames: 120 });
      expect(info.audio).toMatchObject({ codec: "aac" });
    });
  });
  it("reframes a 1280x720 clip into 9:16 around the product near its right edge, where a centre crop loses it", async () => {
    await withTempDir(async (dir) => {
      const image = await offCentreProduct(dir);
      const inFile = await modelClip(join(dir, "wide.mp4"), {
        width: 1280,
        height: 720,
        fps: 24,
        seconds: 2,
        audio: true,
        image,
      });
      const size = { width: 270, height: 480 };
      const clip = await normalizeClip(
        { inFile, outFile: join(dir, "tall.mp4"), ...size, seconds: 2, imageFile: image },
        GATE,
      );
      // Found in the first, middle and last frame, and whole in the reframed clip.
      expect(clip.measurements.product?.likeness).toBeGreaterThan(0.8);
      expect(clip.measurements.product?.shownShare).toBeGreaterThan(0.9);
      // On its own pixels: the product's dark pixels fill a good part of the reframed frame, first to last...
      for (const index of [0, 59]) {
        expect(darkShare(await grayFrame(clip.file, index, size.width, size.height))).toBeGreaterThan(0.08);
      }
      // ...where the middle of the clip, the centre crop this replaces, shows only the plain ground.
      const centre = reframeAround({ width: 1280, height: 720 }, size, []);
      expect(centre).toEqual({ kind: "crop", rect: { x: 438, y: 0, width: 404, height: 720 } });
      const centred = join(dir, "centred.mp4");
      await runFfmpeg([
        ...FFMPEG_BATCH_OPTIONS,
        ...clipEncodingArgs(
          normalizeEncoding({ inFile, outFile: centred, ...size, seconds: 2, imageFile: image }, centre),
        ),
      ]);
      expect(darkShare(await grayFrame(centred, 0, size.width, size.height))).toBeLessThan(0.01);
    });
  });

  it("shows the whole clip over its own blurred copy when no crop of the frame's shape keeps the product", async () => {
    await withTempDir(async (dir) => {
      // A product as wide as most of the shot (a 1400x250 bench on a plain ground).
      const wide = join(dir, "wide-product.png");
      await sharp({ create: { width: 1600, height: 900, channels: 3, background: "#e8e4dc" } })
        .composite([{ input: await sharp(COFFEE).resize(1400, 250, { fit: "fill" }).toBuffer(), left: 100, top: 330 }])
        .png()
        .toFile(wide);
      expect(
        reframeAround({ width: 1280, height: 720 }, { width: 270, height: 480 }, [
          { x: 100, y: 200, width: 1080, height: 300 },
        ]),
      ).toEqual({ kind: "fit" });
      const inFile = await modelClip(join(dir, "wide.mp4"), {
        width: 1280,
        height: 720,
        fps: 24,
        seconds: 1,
        audio: false,
        image: wide,
      });
      const clip = await normalizeClip(
        { inFile, outFile: join(dir, "tall.mp4"), width: 270, height: 480, seconds: 1, imageFile: wide },
        GATE,
      );
      expect(clip.measurements.product?.shownShare).toBeGreaterThan(0.9);
      expect((await probeMedia(clip.file)).video).toMatchObject({ width: 270, height: 480, frames: 30 });
      // The backdrop is the clip blurred, not black bars.
      const frame = await grayFrame(clip.file, 0, 270, 480);
      expect(Math.min(...frame.pixels.subarray(0, 270))).toBeGreaterThan(20);
    });
  });

  it("refuses a clip in which the product cannot be seen: another picture, or the product gone after the start", async () => {
    await withTempDir(async (dir) => {
      const image = await offCentreProduct(dir);
      const plainGround = join(dir, "ground.png");
      await sharp({ create: { width: 1600, height: 900, channels: 3, background: "#e8e4dc" } })
        .png()
        .toFile(plainGround);
      const pattern = await modelClip(join(dir, "pattern.mp4"), {
        width: 720,
        height: 1280,
        fps: 24,
        seconds: 2,
        audio: false,
        image: null,
      });
      const other = await modelClip(join(dir, "rocket.mp4"), {
        width: 720,
        height: 1280,
        fps: 24,
        seconds: 2,
        audio: false,
        image: ROCKET,
      });
      // Starts from the image, then the product leaves: the ground alone for the second half.
      const start = await modelClip(join(dir, "start.mp4"), {
        width: 1280,
        height: 720,
        fps: 24,
        seconds: 1,
        audio: false,
        image,
      });
      const ground = await modelClip(join(dir, "ground.mp4"), {
        width: 1280,
        height: 720,
        fps: 24,
        seconds: 1,
        audio: false,
        image: plainGround,
      });
      const gone = join(dir, "gone.mp4");
      await runFfmpeg([
        ...FFMPEG_BATCH_OPTIONS,
        "-i",
        start,
        "-i",
        ground,
        "-filter_complex",
        "[0:v][1:v]concat=n=2:v=1:a=0[v]",
        "-map",
        "[v]",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        gone,
      ]);
      for (const [inFile, width, height] of [
        [pattern, 270, 480],
        [other, 270, 480],
        [gone, 480, 270],
      ] as const) {
        const attempt = normalizeClip(
          { inFile, outFile: join(dir, "out.mp4"), width, height, seconds: 2, imageFile: image },
          GATE,
        );
        await expect(attempt).rejects.toBeInstanceOf(UnusableClipError);
        await expect(attempt).rejects.toThrow(/the product cannot be seen in the generated clip/);
      }
    });
  });
});
