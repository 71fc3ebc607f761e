/**
 * The output quality gate on made clips, measured by the real ffmpeg: each kind of worthless output
 * fails with its reason, and the sample ad (the demo's brief, fitted voice, loudness-normalised) passes.
 * The picture is measured by each clip's own encoding pass and joined; the finished file only by
 * counting its packets and one audio pass.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { assembleVideo } from "../../src/media/assemble";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../../src/ffmpeg/binaries";
import { h264OutputArgs, measureEncodedClip, type MeasuredClip } from "../../src/media/clip";
import { kenBurnsPlacement, renderKenBurns } from "../../src/media/kenBurns";
import { motionCardPlacement, renderMotionClip } from "../../src/media/motionClip";
import { normalizeClip, UnusableClipError } from "../../src/media/normalize";
import { placementShares } from "../../src/quality/productPlacement";
import { synthesizeSpeech } from "../../src/media/speech";
import { fitVoice } from "../../src/media/voiceFit";
import { userMessages } from "../../src/messages";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";
import { composeScript } from "../../src/providers/local/localScript";
import { checkFinishedVideo, type QualityCheck } from "../../src/quality/gate";
import { joinedPicture } from "../../src/quality/measure";
import type { PictureMeasurements } from "../../src/contract/measurements";
import { clipVerdict } from "../../src/quality/verdict";
import { COFFEE, withTempDir } from "../media/frames";
import { photoStrip, SAMPLE_AD_INPUT } from "../support/samples";

const settings = PipelineSettingsSchema.parse({});
const gate = settings.qualityGate;
/** A small frame keeps the renders quick; the gate measures any size the same way. */
const SMALL = { width: 270, height: 480, fps: 30 };
const SCENE_SECONDS = 4;

const DNA = {
  productDescription: "A cup of coffee with crema on a saucer, photographed from above.",
  palette: ["#3b2a1e", "#d9c3a5"],
  mood: "warm, muted colour",
  lighting: "soft daylight",
  composition: "centred",
  styleKeywords: ["warm"],
};

const causes = (check: QualityCheck) => check.verdict.failures.map((f) => f.cause);
const measurementsOf = (clips: MeasuredClip[]) => clips.map((clip) => clip.measurements);

function motionClip(dir: string, name: string, seconds: number, seed: number) {
  return renderMotionClip(
    {
      imageFile: COFFEE,
      outFile: join(dir, name),
      width: SMALL.width,
      height: SMALL.height,
      seconds,
      motion: "zoom_in",
      seed,
    },
    gate,
  );
}

/** Re-encodes a filtergraph's [out] with the clips' own H.264 settings, as a model's clip. */
async function encode(inputs: string[], graph: string, outFile: string, seconds = 4): Promise<string> {
  const plan = { frames: seconds * 30, fps: 30, durationSec: seconds };
  await runFfmpeg([
    ...FFMPEG_BATCH_OPTIONS,
    ...inputs,
    "-filter_complex",
    graph,
    "-map",
    "[out]",
    ...h264OutputArgs(plan, outFile),
  ]);
  return outFile;
}

/** A model's clip brought to the frame as the pipeline does it: normalised, measured and judged. */
const normalized = (inFile: string, outFile: string, seconds: number) =>
  normalizeClip({ inFile, outFile, width: SMALL.width, height: SMALL.height, seconds, imageFile: COFFEE }, gate);

/** Joins clips under a voice-over (Flite, fitted to the video) into one ad. */
async function assembled(dir: string, clips: MeasuredClip[], voiceover: string): Promise<string> {
  const raw = join(dir, "voice.wav");
  await writeFile(raw, (await synthesizeSpeech(voiceover)).wav);
  const videoSec = clips.reduce((sum, clip) => sum + clip.durationSec, 0);
  const fitted = await fitVoice(
    { voiceWav: raw, videoSec, outFile: join(dir, "fitted.wav"), silenceDb: gate.silenceDb },
    settings.voiceFit,
  );
  const files = clips.map((clip) => clip.file);
  return (await assembleVideo({ clips: files, voiceWav: fitted.file, outFile: join(dir, "ad.mp4") })).file;
}

/** The demo's 4-scene sample ad at a small frame: its script, Flite's voice fitted to it, assembled. */
async function sampleAd(dir: string, clipSeconds = [4, 4, 4, 4]) {
  const clips: MeasuredClip[] = [];
  for (const [i, seconds] of clipSeconds.entries()) clips.push(await motionClip(dir, `scene${i}.mp4`, seconds, i));
  const script = composeScript(SAMPLE_AD_INPUT, DNA, SCENE_SECONDS, settings);
  if (!script) throw new Error("the sample ad's names and brief do not fill it");
  return { file: await assembled(dir, clips, script.voiceover), clips: measurementsOf(clips) };
}

const promised = (durationSec: number) => ({ ...SMALL, durationSec });

describe("the finished video", () => {
  it("the sample ad passes: voice covering the video, loudness within 1 LU of the target, true peak under -1 dBTP", async () => {
    await withTempDir(async (dir) => {
      const ad = await sampleAd(dir);
      const check = await checkFinishedVideo(ad.file, ad.clips, promised(16), gate);
      expect(check.verdict).toEqual({ passed: true, failures: [] });
      if (!check.measurements.readable) throw new Error("unreadable");
      const { audio, video } = check.measurements;
      expect(video).toMatchObject({ width: 270, height: 480, fps: 30, frames: 480, black: [], frozen: [] });
      expect(Math.abs(audio!.integratedLufs - gate.targetLufs)).toBeLessThanOrEqual(1);
      expect(audio!.truePeakDbtp).toBeLessThanOrEqual(-1);
      const tail = audio!.silences.at(-1)!;
      expect(16 - tail.start).toBeLessThanOrEqual(1);
    });
  });

  it("a video 3 s short of the promised 16 s fails on its duration", async () => {
    await withTempDir(async (dir) => {
      const ad = await sampleAd(dir, [4, 4, 4, 1]);
      const check = await checkFinishedVideo(ad.file, ad.clips, promised(16), gate);
      expect(causes(check)).toEqual(["duration"]);
      expect(check.verdict.failures[0].detail).toBe("13.00 s of picture, 16.00 s promised");
    });
  });

  it("a silent voice track fails as silent, a video without audio as missing its voice", async () => {
    await withTempDir(async (dir) => {
      const clips = [await motionClip(dir, "a.mp4", 2, 1), await motionClip(dir, "b.mp4", 2, 2)];
      const silence = join(dir, "silence.wav");
      await runFfmpeg([...FFMPEG_BATCH_OPTIONS, "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "4", silence]);
      const files = clips.map((clip) => clip.file);
      const ad = await assembleVideo({ clips: files, voiceWav: silence, outFile: join(dir, "silent.mp4") });
      const check = await checkFinishedVideo(ad.file, measurementsOf(clips), promised(4), gate);
      expect(causes(check)).toEqual(["voice_silent"]);
      const [first] = clips;
      expect(causes(await checkFinishedVideo(first.file, [first.measurements], promised(2), gate))).toEqual([
        "voice_missing",
      ]);
    });
  });

  it("an unreadable, a missing and a truncated file fail with a reason instead of crashing the gate", async () => {
    await withTempDir(async (dir) => {
      const clips = [await motionClip(dir, "a.mp4", 2, 1), await motionClip(dir, "b.mp4", 2, 2)];
      const whole = await assembled(dir, clips, "Meet Morning Ritual Coffee from Fairbean.");
      const bytes = await readFile(whole);
      const truncated = join(dir, "truncated.mp4");
      // +faststart puts the index first: the file still claims 4 s but holds only part of its frames.
      await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.5)));
      const lying = await checkFinishedVideo(truncated, measurementsOf(clips), promised(4), gate);
      expect(causes(lying)).toContain("duration_mismatch");
      expect(lying.verdict.failures.find((f) => f.cause === "duration_mismatch")?.detail).toMatch(
        /^the file claims 4\.00 s but holds/,
      );

      const junk = join(dir, "junk.mp4");
      await writeFile(junk, Buffer.from("not a video at all\n".repeat(100)));
      const unreadable = await checkFinishedVideo(junk, measurementsOf(clips), promised(16), gate);
      expect(causes(unreadable)).toEqual(["unreadable"]);
      expect(unreadable.verdict.failures[0].detail).toMatch(/ffprobe/);
      const missing = await checkFinishedVideo(join(dir, "nowhere.mp4"), measurementsOf(clips), promised(16), gate);
      expect(causes(missing)).toEqual(["unreadable"]);
    });
  });

  it("a frozen stretch split across two clips (0.7 s in each, under the 1 s limit alone) fails", async () => {
    await withTempDir(async (dir) => {
      const moving = (await motionClip(dir, "moving.mp4", 2, 6)).file;
      // The motion clip's own last (first) frame held for 21 frames: 0.7 s frozen, the product still in view.
      const motion = `[0:v]setsar=1,trim=end_frame=39,setpts=N/30/TB`;
      const inputs = ["-i", moving];
      const endsStill = await encode(
        inputs,
        `${motion},tpad=stop_mode=clone:stop=21[out]`,
        join(dir, "ends-still.mp4"),
        2,
      );
      const startsStill = await encode(
        inputs,
        `${motion},tpad=start_mode=clone:start=21[out]`,
        join(dir, "starts-still.mp4"),
        2,
      );
      const clips = [
        await normalized(endsStill, join(dir, "a.mp4"), 2),
        await normalized(startsStill, join(dir, "b.mp4"), 2),
      ];
      for (const clip of clips) expect(clip.measurements.picture.frozen).toHaveLength(1);
      const ad = await assembled(dir, clips, "Meet Morning Ritual Coffee from Fairbean.");
      const check = await checkFinishedVideo(ad, measurementsOf(clips), promised(4), gate);
      expect(causes(check)).toContain("frozen");
      expect(check.verdict.failures.find((f) => f.cause === "frozen")?.detail).toMatch(
        /^the picture is frozen for 1\.[34]\d s from 1\.[23]\d s/,
      );
    });
  });
});

describe("joinedPicture", () => {
  const clip = (frames: number, black: [number, number][] = [], frozen: [number, number][] = []) =>
    ({
      width: 270,
      height: 480,
      fps: 30,
      frames,
      pictureDurationSec: frames / 30,
      black: black.map(([start, end]) => ({ start, end })),
      frozen: frozen.map(([start, end]) => ({ start, end })),
    }) satisfies PictureMeasurements;

  it("shifts each clip's stretches to its offset and merges those that meet at a cut", () => {
    const joined = joinedPicture([
      clip(60, [], [[1.3, 2]]),
      clip(60, [[1.5, 1.9667]], [[0, 0.7]]),
      clip(60, [[0, 0.3]], [[1, 1.5]]),
    ]);
    expect(joined.frames).toBe(180);
    expect(joined.frozen).toEqual([
      { start: 1.3, end: 2.7 },
      { start: 5, end: 5.5 },
    ]);
    // Black to the last frame of one clip (blackdetect ends it at that frame's start) and from the next one's start.
    expect(joined.black).toEqual([{ start: 3.5, end: 4.3 }]);
  });

  it("keeps stretches apart that do not meet", () => {
    const joined = joinedPicture([clip(60, [], [[1, 1.5]]), clip(60, [], [[0.2, 0.9]])]);
    expect(joined.frozen).toEqual([
      { start: 1, end: 1.5 },
      { start: 2.2, end: 2.9 },
    ]);
  });
});

describe("a generated clip", () => {
  it("a clip with 2 s of black is unusable, with where and how long", async () => {
    await withTempDir(async (dir) => {
      const moving = (await motionClip(dir, "moving.mp4", 2, 3)).file;
      const clip = await encode(
        ["-i", moving, "-f", "lavfi", "-i", "color=c=black:s=270x480:r=30:d=2"],
        "[1:v]format=yuv420p,setsar=1[black];[0:v]setsar=1[moving];[moving][black]concat=n=2:v=1:a=0[out]",
        join(dir, "black.mp4"),
      );
      const attempt = normalized(clip, join(dir, "out.mp4"), 4);
      await expect(attempt).rejects.toBeInstanceOf(UnusableClipError);
      await expect(attempt).rejects.toThrow(/fails the quality gate: black \((1\.9\d|2\.00) s of black from 2\.00 s/);
    });
  });

  it("a frozen clip (a still held for 4 s) is unusable as frozen; a moving clip passes", async () => {
    await withTempDir(async (dir) => {
      const still = await encode(
        ["-loop", "1", "-t", "4", "-i", COFFEE],
        `[0:v]scale=270:480,setsar=1,format=yuv420p[out]`,
        join(dir, "still.mp4"),
      );
      await expect(normalized(still, join(dir, "out.mp4"), 4)).rejects.toThrow(
        /fails the quality gate: frozen \(the picture is frozen for 4\.00 s from 0\.00 s/,
      );
      const moving = await normalized((await motionClip(dir, "moving.mp4", 4, 4)).file, join(dir, "m.mp4"), 4);
      expect(moving.measurements.picture).toMatchObject({ frames: 120, black: [], frozen: [] });
    });
  });

  it("a clip of the wrong size and length fails on each", async () => {
    await withTempDir(async (dir) => {
      const clip = await motionClip(dir, "moving.mp4", 2, 5);
      const verdict = clipVerdict(
        clip.measurements.picture,
        { width: 1080, height: 1920, fps: 30, durationSec: 4 },
        gate,
      );
      expect(verdict.failures.map((f) => f.cause)).toEqual(["size", "duration"]);
    });
  });
});

describe("a clip rendered without its measurements (by a version before they were recorded)", () => {
  it("is measured from its file as its own encoding pass would have measured it", async () => {
    await withTempDir(async (dir) => {
      const moving = await motionClip(dir, "moving.mp4", 2, 6);
      expect((await measureEncodedClip(moving.file, SMALL, gate)).picture).toMatchObject({
        frames: moving.measurements.picture.frames,
        black: [],
        frozen: [],
      });
      const withBlack = await encode(
        ["-i", moving.file, "-f", "lavfi", "-i", "color=c=black:s=270x480:r=30:d=2"],
        "[1:v]format=yuv420p,setsar=1[black];[0:v]setsar=1[moving];[moving][black]concat=n=2:v=1:a=0[out]",
        join(dir, "black.mp4"),
      );
      const { picture } = await measureEncodedClip(withBlack, SMALL, gate);
      expect(picture.frames).toBe(120);
      expect(picture.black).toHaveLength(1);
      expect(picture.black[0].start).toBeCloseTo(2, 1);
      expect(picture.black[0].end).toBeCloseTo(4, 1);
    });
  });
});

describe("the product where Ken Burns placed it", () => {
  const frame = { width: 1080, height: 1920 };

  it("geometry: a square photo fills the 9:16 frame with 39% of it at the closest zoom; the 80:1 strip 0.5%", () => {
    const request = { imageFile: "x.png", outFile: "x.mp4", ...frame, seconds: 4, motion: "zoom_in" as const };
    const square = placementShares(kenBurnsPlacement({ width: 800, height: 800 }, request));
    expect(square.frameShare).toBeCloseTo(1, 6);
    // Cover keeps 56% of the square (9/16), the 1.2x zoom shows 1/1.44 of that.
    expect(square.shownShare).toBeCloseTo(0.5625 / 1.44, 3);
    const strip = placementShares(kenBurnsPlacement({ width: 1600, height: 20 }, { ...request, motion: "pan_left" }));
    expect(strip.shownShare).toBeCloseTo(0.5625 / 80 / 1.44, 4);
    expect(strip.shownShare).toBeLessThan(gate.minProductShownShare);
  });

  /** A 2 s Ken Burns ad of one image: the gate's product failures, and the clip's product measurements. */
  async function kenBurnsAd(dir: string, image: Buffer) {
    const imageFile = join(dir, "product.png");
    await writeFile(imageFile, image);
    const clip = await renderKenBurns(
      { imageFile, outFile: join(dir, "kb.mp4"), ...SMALL, seconds: 2, motion: "zoom_in" },
      gate,
    );
    const ad = await assembled(dir, [clip], "Meet Morning Ritual Coffee.");
    const check = await checkFinishedVideo(ad, [clip.measurements], promised(2), gate);
    return {
      product: clip.measurements.product!,
      failures: check.verdict.failures.filter((f) => f.cause === "product_not_visible"),
    };
  }

  it("a product photo passes: all of the frame, its detail, and the source image's likeness", async () => {
    await withTempDir(async (dir) => {
      const { product, failures } = await kenBurnsAd(dir, await readFile(COFFEE));
      expect(failures).toEqual([]);
      expect(product.frameShare).toBeCloseTo(1, 6);
      expect(product.detail).toBeGreaterThan(gate.minProductDetail * 3);
      expect(product.likeness).toBeGreaterThan(0.9);
    });
  });

  it("a hairline strip (1600x20, 80:1) fails: a magnified sliver of it is all the frame shows", async () => {
    await withTempDir(async (dir) => {
      const { failures } = await kenBurnsAd(dir, await photoStrip(1600, 20));
      expect(failures).toEqual([
        { cause: "product_not_visible", detail: "scene 1: 0.5% of the product is in the frame (at least 5.0%)" },
      ]);
      expect(userMessages.qualityGateFailed(["product_not_visible"])).toMatch(
        /found that your product could not be shown clearly in it, so we did not deliver it/,
      );
    });
  });

  it("a flat, empty image fails: nothing shows where the product should be", async () => {
    await withTempDir(async (dir) => {
      const flat = await sharp({ create: { width: 800, height: 800, channels: 3, background: "#8a8a8a" } })
        .png()
        .toBuffer();
      const { product, failures } = await kenBurnsAd(dir, flat);
      expect(product.detail).toBeLessThan(1);
      expect(failures).toHaveLength(1);
      expect(failures[0].detail).toMatch(
        /^scene 1: the product's place in the frame is flat \(detail 0\.\d, at least 3\)$/,
      );
    });
  });
});

describe("the product on the local motion card", () => {
  const request = {
    imageFile: "x.png",
    outFile: "x.mp4",
    width: 1080,
    height: 1920,
    seconds: 4,
    motion: "pan_right" as const,
    seed: 1,
  };

  it("geometry: the card shows a square photo whole on a quarter of the frame; the 80:1 strip as a hairline", () => {
    const square = placementShares(motionCardPlacement({ width: 800, height: 800 }, request));
    // 720x720 of the 1080x1920 frame (preflight's product share, 25%), larger while the view zooms in.
    expect(square.frameShare).toBeGreaterThanOrEqual(0.25 - 0.01);
    expect(square.shownShare).toBeCloseTo(1, 6);
    const strip = placementShares(motionCardPlacement({ width: 1600, height: 20 }, request));
    expect(strip.frameShare).toBeLessThan(gate.minProductFrameShare);
  });

  it("a product photo passes with the source image's likeness; a hairline strip makes the clip unusable", async () => {
    await withTempDir(async (dir) => {
      const clip = await motionClip(dir, "coffee.mp4", 1, 7);
      const product = clip.measurements.product!;
      expect(product.shownShare).toBeCloseTo(1, 6);
      expect(product.detail).toBeGreaterThan(gate.minProductDetail * 3);
      expect(product.likeness).toBeGreaterThan(0.9);
      const imageFile = join(dir, "strip.png");
      await writeFile(imageFile, await photoStrip(1600, 20));
      const strip = renderMotionClip(
        { ...request, imageFile, outFile: join(dir, "strip.mp4"), ...SMALL, seconds: 1 },
        gate,
      );
      await expect(strip).rejects.toBeInstanceOf(UnusableClipError);
      await expect(strip).rejects.toThrow(
        /^the product cannot be seen in the generated clip: the product covers 0\.\d% of the frame \(at least 1\.0%\)$/,
      );
    });
  });
});
