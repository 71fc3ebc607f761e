import { join } from "node:path";
import { CAMERA_MOTIONS, type CameraMotion } from "../../src/contract/run";
import { frameSize, kenBurnsArgs, renderKenBurns } from "../../src/media/kenBurns";
import { probeMedia } from "../../src/ffmpeg/probe";
import { COFFEE, GATE, bestShift, bestZoom, grayFrame, meanDifference, withTempDir } from "./frames";

const SMALL = { width: 270, height: 480 };

describe("frameSize", () => {
  it("maps each aspect ratio to its output size", () => {
    expect(frameSize("9:16")).toEqual({ width: 1080, height: 1920 });
    expect(frameSize("16:9")).toEqual({ width: 1920, height: 1080 });
    expect(frameSize("1:1")).toEqual({ width: 1080, height: 1080 });
  });
});

describe("kenBurnsArgs", () => {
  const base = { imageFile: COFFEE, outFile: "/tmp/x.mp4", ...SMALL, seconds: 2, motion: "zoom_in" as const };

  it("uses the non-jittering recipe: 2x cover, zoompan for all frames, no -loop", () => {
    const args = kenBurnsArgs(base);
    const filter = args[args.indexOf("-filter_complex") + 1];
    expect(filter).toContain("scale=540:960:force_original_aspect_ratio=increase,crop=540:960");
    expect(filter).toContain(":d=60:s=270x480:fps=30");
    expect(args).not.toContain("-loop");
    expect(args.slice(args.indexOf("-frames:v"), args.indexOf("-frames:v") + 2)).toEqual(["-frames:v", "60"]);
    expect(args.at(-1)).toBe("/tmp/x.mp4");
  });

  it("rejects sizes and durations ffmpeg cannot encode", () => {
    expect(() => kenBurnsArgs({ ...base, width: 271 })).toThrow(/width must be an even integer/);
    expect(() => kenBurnsArgs({ ...base, seconds: 0 })).toThrow(/seconds must be a positive number/);
    expect(() => kenBurnsArgs({ ...base, motion: "spin" as CameraMotion })).toThrow(/unknown camera motion: spin/);
  });
});

describe("renderKenBurns", () => {
  it("renders a full-size 9:16 clip with the exact frame count, size and codec", async () => {
    await withTempDir(async (dir) => {
      const outFile = join(dir, "full.mp4");
      const clip = await renderKenBurns(
        {
          imageFile: COFFEE,
          outFile,
          ...frameSize("9:16"),
          seconds: 1,
          motion: "zoom_in",
        },
        GATE,
      );
      expect(clip).toMatchObject({ file: outFile, durationSec: 1 });
      // The encoding pass measured the frames it wrote; the coffee photo fills the frame.
      expect(clip.measurements.picture).toEqual({
        width: 1080,
        height: 1920,
        fps: 30,
        frames: 30,
        pictureDurationSec: 1,
        black: [],
        frozen: [],
      });
      expect(clip.measurements.product).toMatchObject({ frameShare: 1 });
      const info = await probeMedia(outFile);
      expect(info.video).toEqual({
        codec: "h264",
        width: 1080,
        height: 1920,
        pixelFormat: "yuv420p",
        frames: 30,
        fps: 30,
      });
      expect(info.durationSec).toBeCloseTo(1, 2);
      expect(info.audio).toBeUndefined();
    });
  });

  it("rounds the duration to whole frames", async () => {
    await withTempDir(async (dir) => {
      const clip = await renderKenBurns(
        {
          imageFile: COFFEE,
          outFile: join(dir, "c.mp4"),
          ...SMALL,
          seconds: 1.51,
          motion: "pan_left",
        },
        GATE,
      );
      expect(clip.durationSec).toBeCloseTo(45 / 30, 6);
      expect((await probeMedia(clip.file)).video?.frames).toBe(45);
    });
  });

  /** Where the content of the first frame is in the last one (see bestShift/bestZoom). */
  const expectations: Record<CameraMotion, (first: Parameters<typeof bestZoom>[0], last: typeof first) => void> = {
    zoom_in: (first, last) => expect(bestZoom(first, last)).toBeGreaterThan(1.12),
    zoom_out: (first, last) => expect(bestZoom(first, last)).toBeLessThan(0.9),
    pan_left: (first, last) => expect(bestShift(first, last, "x", 80)).toBeLessThan(-30),
    pan_right: (first, last) => expect(bestShift(first, last, "x", 80)).toBeGreaterThan(30),
    pan_up: (first, last) => expect(bestShift(first, last, "y", 120)).toBeLessThan(-60),
    pan_down: (first, last) => expect(bestShift(first, last, "y", 120)).toBeGreaterThan(60),
  };

  it.each(CAMERA_MOTIONS)("%s moves the picture in its direction", async (motion) => {
    await withTempDir(async (dir) => {
      const clip = await renderKenBurns(
        {
          imageFile: COFFEE,
          outFile: join(dir, "m.mp4"),
          ...SMALL,
          seconds: 1,
          motion,
        },
        GATE,
      );
      const first = await grayFrame(clip.file, 0, SMALL.width, SMALL.height);
      const last = await grayFrame(clip.file, 29, SMALL.width, SMALL.height);
      expect(meanDifference(first, last)).toBeGreaterThan(3);
      expectations[motion](first, last);
    });
  });

  it("rejects a missing image with its reason instead of hanging", async () => {
    await withTempDir(async (dir) => {
      const missing = join(dir, "missing.png");
      await expect(
        renderKenBurns(
          { imageFile: missing, outFile: join(dir, "m.mp4"), ...SMALL, seconds: 1, motion: "zoom_in" },
          GATE,
        ),
      ).rejects.toThrow(/ENOENT: no such file or directory, access '.*missing\.png'/);
    });
  });
});
