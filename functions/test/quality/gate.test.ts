/**
 * The output quality gate on made clips, measured by the real ffmpeg: each kind of worthless output
 * fails with its reason, and the sample ad (the demo's brief, fitted voice, loudness-normalised) passes.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { assembleVideo } from "../../src/media/assemble";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../../src/media/binaries";
import { h264OutputArgs } from "../../src/media/clip";
import { renderMotionClip } from "../../src/media/motionClip";
import { synthesizeSpeech } from "../../src/media/speech";
import { fitVoice } from "../../src/media/voiceFit";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";
import { composeScript } from "../../src/providers/local/localScript";
import { checkFinishedVideo, checkGeneratedClip } from "../../src/quality/gate";
import type { QualityCheck } from "../../src/quality/gate";
import { COFFEE, withTempDir } from "../media/frames";
import { SAMPLE_AD_INPUT } from "../support/samples";

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

function motionClip(dir: string, name: string, seconds: number, seed: number) {
  return renderMotionClip({
    imageFile: COFFEE,
    outFile: join(dir, name),
    width: SMALL.width,
    height: SMALL.height,
    seconds,
    motion: "zoom_in",
    seed,
  }).then((clip) => clip.file);
}

/** Re-encodes a filtergraph's [out] with the clips' own H.264 settings: 4 s at 30 fps. */
async function encode(inputs: string[], graph: string, outFile: string): Promise<string> {
  const plan = { frames: 120, fps: 30, durationSec: 4 };
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

/** The demo's 4-scene sample ad at a small frame: its script, Flite's voice fitted to it, assembled. */
async function sampleAd(dir: string, clipSeconds = [4, 4, 4, 4]): Promise<string> {
  const clips: string[] = [];
  for (const [i, seconds] of clipSeconds.entries()) clips.push(await motionClip(dir, `scene${i}.mp4`, seconds, i));
  const script = composeScript(SAMPLE_AD_INPUT, DNA, SCENE_SECONDS, settings.voiceFit);
  const speech = await synthesizeSpeech(script.voiceover);
  const raw = join(dir, "voice.wav");
  await writeFile(raw, speech.wav);
  const videoSec = clipSeconds.reduce((a, b) => a + b, 0);
  const fitted = await fitVoice({ voiceWav: raw, videoSec, outFile: join(dir, "fitted.wav") }, settings.voiceFit);
  const ad = await assembleVideo({ clips, voiceWav: fitted.file, outFile: join(dir, "ad.mp4") });
  return ad.file;
}

const promised = (durationSec: number) => ({ ...SMALL, durationSec });

describe("the finished video", () => {
  it("the sample ad passes: voice covering the video, loudness within 1 LU of the target, true peak under -1 dBTP", async () => {
    await withTempDir(async (dir) => {
      const check = await checkFinishedVideo(await sampleAd(dir), promised(16), gate);
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
      const check = await checkFinishedVideo(await sampleAd(dir, [4, 4, 4, 1]), promised(16), gate);
      expect(causes(check)).toEqual(["duration"]);
      expect(check.verdict.failures[0].detail).toBe("13.00 s of picture, 16.00 s promised");
    });
  });

  it("a silent voice track fails as silent, a video without audio as missing its voice", async () => {
    await withTempDir(async (dir) => {
      const clips = [await motionClip(dir, "a.mp4", 2, 1), await motionClip(dir, "b.mp4", 2, 2)];
      const silence = join(dir, "silence.wav");
      await runFfmpeg([...FFMPEG_BATCH_OPTIONS, "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "4", silence]);
      const ad = await assembleVideo({ clips, voiceWav: silence, outFile: join(dir, "silent.mp4") });
      const check = await checkFinishedVideo(ad.file, promised(4), gate);
      expect(causes(check)).toEqual(["voice_silent"]);
      expect(causes(await checkFinishedVideo(clips[0], promised(2), gate))).toEqual(["voice_missing"]);
    });
  });

  it("an unreadable, a missing and a truncated file fail with a reason instead of crashing the gate", async () => {
    await withTempDir(async (dir) => {
      const clips = [await motionClip(dir, "a.mp4", 2, 1), await motionClip(dir, "b.mp4", 2, 2)];
      const speech = join(dir, "voice.wav");
      await writeFile(speech, (await synthesizeSpeech("Meet Morning Ritual Coffee from Fairbean.")).wav);
      const whole = await assembleVideo({ clips, voiceWav: speech, outFile: join(dir, "whole.mp4") });
      const bytes = await readFile(whole.file);
      const truncated = join(dir, "truncated.mp4");
      // +faststart puts the index first: the file still claims 4 s but holds only part of its frames.
      await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.5)));
      const lying = await checkFinishedVideo(truncated, promised(4), gate);
      expect(causes(lying)).toContain("duration_mismatch");
      expect(lying.verdict.failures.find((f) => f.cause === "duration_mismatch")?.detail).toMatch(
        /^the file claims 4\.00 s but holds/,
      );

      const junk = join(dir, "junk.mp4");
      await writeFile(junk, Buffer.from("not a video at all\n".repeat(100)));
      const unreadable = await checkFinishedVideo(junk, promised(16), gate);
      expect(causes(unreadable)).toEqual(["unreadable"]);
      expect(unreadable.verdict.failures[0].detail).toMatch(/ffprobe/);
      const missing = await checkFinishedVideo(join(dir, "nowhere.mp4"), promised(16), gate);
      expect(causes(missing)).toEqual(["unreadable"]);
    });
  });
});

describe("a generated clip", () => {
  it("a clip with 2 s of black fails on black, with where and how long", async () => {
    await withTempDir(async (dir) => {
      const moving = await motionClip(dir, "moving.mp4", 2, 3);
      const clip = await encode(
        ["-i", moving, "-f", "lavfi", "-i", "color=c=black:s=270x480:r=30:d=2"],
        "[1:v]format=yuv420p,setsar=1[black];[0:v]setsar=1[moving];[moving][black]concat=n=2:v=1:a=0[out]",
        join(dir, "black.mp4"),
      );
      const check = await checkGeneratedClip(clip, promised(4), gate);
      expect(causes(check)).toEqual(["black"]);
      expect(check.verdict.failures[0].detail).toMatch(/^(1\.9\d|2\.00) s of black from 2\.00 s/);
    });
  });

  it("a frozen clip (a still held for 4 s) fails as frozen; a moving clip passes", async () => {
    await withTempDir(async (dir) => {
      const still = await encode(
        ["-loop", "1", "-t", "4", "-i", COFFEE],
        `[0:v]scale=270:480,setsar=1,format=yuv420p[out]`,
        join(dir, "still.mp4"),
      );
      const frozen = await checkGeneratedClip(still, promised(4), gate);
      expect(causes(frozen)).toEqual(["frozen"]);
      expect(frozen.verdict.failures[0].detail).toMatch(/frozen for 4\.00 s from 0\.00 s/);
      const moving = await checkGeneratedClip(await motionClip(dir, "moving.mp4", 4, 4), promised(4), gate);
      expect(moving.verdict).toEqual({ passed: true, failures: [] });
    });
  });

  it("a clip of the wrong size and length fails on each", async () => {
    await withTempDir(async (dir) => {
      const clip = await motionClip(dir, "moving.mp4", 2, 5);
      const check = await checkGeneratedClip(clip, { width: 1080, height: 1920, fps: 30, durationSec: 4 }, gate);
      expect(causes(check)).toEqual(["size", "duration"]);
    });
  });
});
