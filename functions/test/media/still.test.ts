/**
 * The product image as ffmpeg sees it: every hostile or tiny upload is refused before ffmpeg runs, and
 * ffmpeg's own crash on such an image (a real SIGSEGV, shown first) is told apart from a plain error.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { FFMPEG_BATCH_OPTIONS, MediaToolError, runFfmpeg } from "../../src/ffmpeg/binaries";
import { renderKenBurns } from "../../src/media/kenBurns";
import { motionClipArgs, renderMotionClip } from "../../src/media/motionClip";
import { MAX_STILL_SIDE, MIN_STILL_SIDE, prepareStill, UnrenderableImageError } from "../../src/media/still";
import { pngDeclaring } from "../support/samples";
import { COFFEE, GATE, grayFrame, meanDifference, withTempDir } from "./frames";

const SMALL = { width: 270, height: 480 };

const solid = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: { r: 192, g: 128, b: 64, alpha: 0.5 } } });

async function written(dir: string, name: string, bytes: Buffer | Promise<Buffer>): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, await bytes);
  return file;
}

describe("ffmpeg on a raw tiny image", () => {
  it("the motion card's filters crash ffmpeg (SIGSEGV) on a 1x1 PNG: a crash, not a timeout or an exit code", async () => {
    await withTempDir(async (dir) => {
      const tiny = await written(dir, "1x1.png", solid(1, 1).png().toBuffer());
      const args = motionClipArgs({
        imageFile: tiny,
        outFile: join(dir, "out.mp4"),
        ...SMALL,
        seconds: 1,
        motion: "zoom_in",
        seed: 1,
      });
      const error = await runFfmpeg([...FFMPEG_BATCH_OPTIONS, ...args], { timeoutMs: 60_000 }).catch((e) => e);
      expect(error).toBeInstanceOf(MediaToolError);
      expect(error).toMatchObject({ exitCode: null, timedOut: false, signal: "SIGSEGV", crashed: true });
      expect(error.message).toMatch(/^ffmpeg crashed \(SIGSEGV\)/);
    });
  });

  it("a killed or timed-out ffmpeg is not counted as a crash on its input", () => {
    const killed = (signal: NodeJS.Signals, timedOut: boolean) =>
      new MediaToolError({ tool: "ffmpeg", message: "", exitCode: null, timedOut, signal, stderrTail: "" });
    expect(killed("SIGKILL", false).crashed).toBe(false);
    expect(killed("SIGKILL", true).crashed).toBe(false);
    expect(killed("SIGABRT", false).crashed).toBe(true);
    expect(
      new MediaToolError({ tool: "ffmpeg", message: "", exitCode: 1, timedOut: false, stderrTail: "" }).crashed,
    ).toBe(false);
  });
});

describe("prepareStill", () => {
  it.each([
    ["a 1x1 PNG", () => solid(1, 1).png().toBuffer(), /is 1x1, below the 16 px/],
    ["a 2x2 JPEG", () => solid(2, 2).jpeg().toBuffer(), /is 2x2, below the 16 px/],
    ["a 15x400 WebP sliver", () => solid(15, 400).webp().toBuffer(), /is 15x400, below the 16 px/],
    [
      "a 400x8 image its EXIF turns to 8x400",
      () => solid(400, 8).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
      /is 8x400/,
    ],
    [
      "a 6000x20 strip that the size cap would thin to 12 px",
      () => solid(6000, 20).png().toBuffer(),
      /only as 3840x13/,
    ],
    ["text named .png", () => Promise.resolve(Buffer.from("not an image\n".repeat(50))), /cannot be decoded/],
    ["a truncated PNG", async () => (await solid(400, 400).png().toBuffer()).subarray(0, 300), /cannot be decoded/],
    ["a PNG declaring 50000x50000 pixels", () => Promise.resolve(pngDeclaring(50000, 50000)), /cannot be decoded/],
  ])("refuses %s with UnrenderableImageError, writing nothing", async (_name, bytes, message) => {
    await withTempDir(async (dir) => {
      const image = await written(dir, "upload.img", bytes());
      const attempt = prepareStill(image, join(dir, "still.png"));
      await expect(attempt).rejects.toBeInstanceOf(UnrenderableImageError);
      await expect(attempt).rejects.toThrow(message);
    });
  });

  it("writes an upright, flattened, 8-bit RGB PNG capped at MAX_STILL_SIDE", async () => {
    await withTempDir(async (dir) => {
      // 16-bit RGBA, half transparent, stored 600x400 with orientation 6: shown 400x600.
      const turned = await written(
        dir,
        "turned.jpg",
        solid(600, 400).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
      );
      expect(await prepareStill(turned, join(dir, "a.png"))).toMatchObject({ width: 400, height: 600 });
      const deep = await written(dir, "deep.png", solid(300, 200, 4).png().toColourspace("rgb16").toBuffer());
      const flat = await prepareStill(deep, join(dir, "b.png"));
      const meta = await sharp(flat.file).metadata();
      expect(meta).toMatchObject({ format: "png", channels: 3, depth: "uchar", width: 300, height: 200 });
      expect(meta.hasAlpha).toBe(false);
      const large = await written(dir, "large.png", solid(6000, 1500).png().toBuffer());
      expect(await prepareStill(large, join(dir, "c.png"))).toMatchObject({ width: MAX_STILL_SIDE, height: 960 });
      const least = await written(dir, "least.png", solid(MIN_STILL_SIDE, MIN_STILL_SIDE).png().toBuffer());
      expect(await prepareStill(least, join(dir, "d.png"))).toMatchObject({ width: 16, height: 16 });
    });
  });
});

describe("the renders go through the still", () => {
  it("a 1x1 image is refused before ffmpeg by the motion card and Ken Burns renders alike", async () => {
    await withTempDir(async (dir) => {
      const tiny = await written(dir, "1x1.png", solid(1, 1).png().toBuffer());
      const req = { imageFile: tiny, outFile: join(dir, "out.mp4"), ...SMALL, seconds: 1, motion: "zoom_in" as const };
      await expect(renderMotionClip({ ...req, seed: 1 }, GATE)).rejects.toBeInstanceOf(UnrenderableImageError);
      await expect(renderKenBurns(req, GATE)).rejects.toBeInstanceOf(UnrenderableImageError);
    });
  });

  it("an upload with EXIF orientation reaches the render upright, as the same photo stored upright does", async () => {
    await withTempDir(async (dir) => {
      // The coffee photo stored on its side with orientation 8 (viewers turn it back upright), and the
      // same sideways pixels without the tag: the first must render like the upright photo, the second not.
      const sidewaysPixels = sharp(COFFEE).rotate(90).jpeg({ quality: 95 });
      const tagged = await written(
        dir,
        "tagged.jpg",
        sidewaysPixels.clone().withMetadata({ orientation: 8 }).toBuffer(),
      );
      const untagged = await written(dir, "untagged.jpg", sidewaysPixels.clone().toBuffer());
      const firstFrame = async (imageFile: string, name: string) => {
        const outFile = join(dir, name);
        await renderKenBurns({ imageFile, outFile, ...SMALL, seconds: 1, motion: "zoom_in" }, GATE);
        return grayFrame(outFile, 0, SMALL.width, SMALL.height);
      };
      const upright = await firstFrame(COFFEE, "upright.mp4");
      const fromTagged = meanDifference(upright, await firstFrame(tagged, "tagged.mp4"));
      const fromUntagged = meanDifference(upright, await firstFrame(untagged, "untagged.mp4"));
      expect(fromTagged).toBeLessThan(4);
      expect(fromUntagged).toBeGreaterThan(4 * fromTagged);
    });
  });
});
