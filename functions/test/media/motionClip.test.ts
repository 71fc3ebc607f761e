import { join } from "node:path";
import { renderKenBurns } from "../../src/media/kenBurns";
import { motionClipArgs, motionStyle, renderMotionClip } from "../../src/media/motionClip";
import { probeMedia } from "../../src/ffmpeg/probe";
import { COFFEE, GATE, grayFrame, meanDifference, withTempDir } from "./frames";

const SMALL = { width: 270, height: 480 };

describe("motionClipArgs", () => {
  const base = {
    imageFile: COFFEE,
    outFile: "/tmp/m.mp4",
    ...SMALL,
    seconds: 2,
    motion: "pan_right" as const,
    seed: 1,
  };

  it("is deterministic per seed and varies with it", () => {
    expect(motionClipArgs(base)).toEqual(motionClipArgs(base));
    const seeds = Array.from({ length: 8 }, (_, seed) => JSON.stringify(motionStyle(seed)));
    expect(new Set(seeds).size).toBe(8);
  });

  it("renders exactly the requested frames", () => {
    const args = motionClipArgs(base);
    expect(args.slice(args.indexOf("-frames:v"), args.indexOf("-frames:v") + 2)).toEqual(["-frames:v", "60"]);
  });

  it("rejects a seed that is not a number", () => {
    expect(() => motionClipArgs({ ...base, seed: Number.NaN })).toThrow(/seed must be a finite number/);
  });
});

describe("renderMotionClip", () => {
  it("renders an H.264 clip of the exact duration and size", async () => {
    await withTempDir(async (dir) => {
      const outFile = join(dir, "m.mp4");
      const clip = await renderMotionClip(
        {
          imageFile: COFFEE,
          outFile,
          ...SMALL,
          seconds: 2,
          motion: "zoom_in",
          seed: 3,
        },
        GATE,
      );
      expect(clip).toMatchObject({ file: outFile, durationSec: 2 });
      expect(clip.measurements.picture).toMatchObject({ frames: 60, black: [], frozen: [] });
      const info = await probeMedia(outFile);
      expect(info.video).toEqual({
        codec: "h264",
        width: 270,
        height: 480,
        pixelFormat: "yuv420p",
        frames: 60,
        fps: 30,
      });
      expect(info.durationSec).toBeCloseTo(2, 2);
    });
  });

  it("moves over time and looks different from the Ken Burns clip of the same image", async () => {
    await withTempDir(async (dir) => {
      const request = { imageFile: COFFEE, ...SMALL, seconds: 1, motion: "pan_left" as const };
      const motion = await renderMotionClip({ ...request, outFile: join(dir, "m.mp4"), seed: 5 }, GATE);
      const kenBurns = await renderKenBurns({ ...request, outFile: join(dir, "k.mp4") }, GATE);
      const motionMid = await grayFrame(motion.file, 15, SMALL.width, SMALL.height);
      const kenBurnsMid = await grayFrame(kenBurns.file, 15, SMALL.width, SMALL.height);
      expect(meanDifference(motionMid, kenBurnsMid)).toBeGreaterThan(15);
      const motionFirst = await grayFrame(motion.file, 0, SMALL.width, SMALL.height);
      const motionLast = await grayFrame(motion.file, 29, SMALL.width, SMALL.height);
      expect(meanDifference(motionFirst, motionLast)).toBeGreaterThan(3);
    });
  });

  it("renders a different clip for each camera motion", async () => {
    await withTempDir(async (dir) => {
      const render = (motion: "pan_left" | "pan_right") =>
        renderMotionClip(
          {
            imageFile: COFFEE,
            outFile: join(dir, `${motion}.mp4`),
            ...SMALL,
            seconds: 1,
            motion,
            seed: 9,
          },
          GATE,
        );
      const left = await grayFrame((await render("pan_left")).file, 29, SMALL.width, SMALL.height);
      const right = await grayFrame((await render("pan_right")).file, 29, SMALL.width, SMALL.height);
      expect(meanDifference(left, right)).toBeGreaterThan(3);
    });
  });

  it("rejects a missing image with its reason", async () => {
    await withTempDir(async (dir) => {
      const request = { imageFile: join(dir, "none.png"), outFile: join(dir, "m.mp4"), ...SMALL, seconds: 1 };
      await expect(renderMotionClip({ ...request, motion: "zoom_out", seed: 1 }, GATE)).rejects.toThrow(
        /ENOENT: no such file or directory, access '.*none\.png'/,
      );
    });
  });
});
