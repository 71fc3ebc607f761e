import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../../src/media/binaries";
import { assembleVideo } from "../../src/media/assemble";
import { renderKenBurns } from "../../src/media/kenBurns";
import { normalizeClip, UnusableClipError } from "../../src/media/normalize";
import { probeMedia } from "../../src/media/probe";
import { synthesizeSpeech } from "../../src/media/speech";
import { COFFEE, GATE, grayFrame, withTempDir } from "./frames";

/** A clip as a video model might return it: any size and rate, with or without an audio track. */
async function modelClip(
  file: string,
  opts: { width: number; height: number; fps: number; seconds: number; audio: boolean },
): Promise<string> {
  await runFfmpeg([
    ...FFMPEG_BATCH_OPTIONS,
    "-f",
    "lavfi",
    "-i",
    `testsrc=size=${opts.width}x${opts.height}:rate=${opts.fps}`,
    ...(opts.audio ? ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"] : []),
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

const PORTRAIT = { width: 1080, height: 1920 };

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
      const clip = await normalizeClip({ inFile, outFile, ...PORTRAIT, seconds: 2 }, GATE);
      expect(clip).toMatchObject({ file: outFile, durationSec: 2 });
      expect(clip.measurements.picture).toMatchObject({ width: 1080, height: 1920, fps: 30, frames: 60, black: [] });
      const after = await probeMedia(outFile);
      expect(after.video).toMatchObject({ codec: "h264", ...PORTRAIT, fps: 30, frames: 60, pixelFormat: "yuv420p" });
      expect(after.audio).toBeUndefined();
    });
  });

  it("crops a landscape clip to a square frame edge to edge (no bars), and takes clips without audio", async () => {
    await withTempDir(async (dir) => {
      const inFile = await modelClip(join(dir, "wide.mp4"), {
        width: 480,
        height: 270,
        fps: 25,
        seconds: 1,
        audio: false,
      });
      const outFile = join(dir, "square.mp4");
      await normalizeClip({ inFile, outFile, width: 240, height: 240, seconds: 1 }, GATE);
      expect((await probeMedia(outFile)).video).toMatchObject({ width: 240, height: 240, fps: 30, frames: 30 });
      // testsrc has no black: a padded frame would have black rows at the top and bottom.
      const frame = await grayFrame(outFile, 0, 240, 240);
      const topRow = frame.pixels.subarray(0, 240);
      expect(Math.max(...topRow)).toBeGreaterThan(40);
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
          { inFile, outFile: join(dir, "out.mp4"), width: 360, height: 640, seconds: 2 },
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
          (await normalizeClip({ inFile, outFile: join(dir, `g${index}.mp4`), ...PORTRAIT, seconds: 1 }, GATE)).file,
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
});
