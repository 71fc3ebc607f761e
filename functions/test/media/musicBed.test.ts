import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { assembleVideo } from "../../src/media/assemble";
import { runFfmpeg } from "../../src/ffmpeg/binaries";
import { renderKenBurns } from "../../src/media/kenBurns";
import {
  duckBed,
  duckingExpression,
  loudnessWithin,
  measureLoudness,
  measureUnderVoice,
  mixGain,
  shapeBed,
  speakingSpans,
  synthesizePad,
} from "../../src/media/musicBed";
import { probeMedia } from "../../src/ffmpeg/probe";
import { synthesizeSpeech } from "../../src/media/speech";
import { fitVoice } from "../../src/media/voiceFit";
import { DEFAULT_MUSIC_MIX, DEFAULT_VOICE_FIT, PipelineSettingsSchema } from "../../src/pipelineSettings";
import { measureFinishedFile } from "../../src/quality/measure";
import { COFFEE, withTempDir } from "./frames";

const mix = DEFAULT_MUSIC_MIX;
const gate = PipelineSettingsSchema.parse({}).qualityGate;

test("speaking spans: first to last speech, opened only by pauses of at least openPauseSec", () => {
  const timing = {
    speech: { startSec: 0.2, endSec: 7.5 },
    silences: [
      { startSec: 0, endSec: 0.2 },
      { startSec: 2.0, endSec: 2.3 },
      { startSec: 4.0, endSec: 5.2 },
      { startSec: 7.5, endSec: 8 },
    ],
  };
  expect(speakingSpans(timing, 1)).toEqual([
    { startSec: 0.2, endSec: 4.0 },
    { startSec: 5.2, endSec: 7.5 },
  ]);
  expect(speakingSpans(timing, 2)).toEqual([{ startSec: 0.2, endSec: 7.5 }]);
  expect(speakingSpans({ speech: null, silences: [] }, 1)).toEqual([]);
});

test("the ducking expression is unity without speech and names every span otherwise", () => {
  expect(duckingExpression([], mix)).toBe("1");
  const expression = duckingExpression(
    [
      { startSec: 0.2, endSec: 4 },
      { startSec: 5.2, endSec: 7.5 },
    ],
    mix,
  );
  expect(expression).toContain(`-${mix.duckDb}*max(`);
  expect(expression).toContain("(7.8-t)");
});

/** A fitted voice of two sentences in a `videoSec` video, with its timing. */
async function fittedVoice(dir: string, videoSec: number) {
  const raw = join(dir, "voice.wav");
  await writeFile(raw, (await synthesizeSpeech("Meet the Morning Ritual Coffee by Fairbean. Order yours today.")).wav);
  const fitted = await fitVoice(
    { voiceWav: raw, videoSec, outFile: join(dir, "fitted.wav"), silenceDb: gate.silenceDb },
    DEFAULT_VOICE_FIT,
  );
  const speech = fitted.silences.length
    ? {
        startSec: fitted.silences[0].startSec === 0 ? fitted.silences[0].endSec : 0,
        endSec: fitted.silences.at(-1)!.startSec,
      }
    : { startSec: 0, endSec: videoSec };
  return { file: fitted.file, timing: { speech, silences: fitted.silences } };
}

test("the local pad, shaped to a video, plays at the bed level for exactly the video's length", async () => {
  await withTempDir(async (dir) => {
    const pad = await synthesizePad(join(dir, "pad.wav"), 6);
    const bed = join(dir, "bed.wav");
    const measuredBefore = await shapeBed({ sourceFile: pad, durationSec: 6, outFile: bed }, mix);
    expect(measuredBefore.integratedLufs).toBeGreaterThan(-70);
    const after = await measureLoudness(bed);
    expect(Math.abs(after.integratedLufs - mix.bedLufs)).toBeLessThanOrEqual(0.5);
    expect((await probeMedia(bed)).durationSec).toBeCloseTo(6, 2);
  });
});

test("a bed shorter than the video is looped to its length; silence is refused as music", async () => {
  await withTempDir(async (dir) => {
    const pad = await synthesizePad(join(dir, "pad.wav"), 3);
    const bed = join(dir, "bed.wav");
    await shapeBed({ sourceFile: pad, durationSec: 7, outFile: bed }, mix);
    expect((await probeMedia(bed)).durationSec).toBeCloseTo(7, 2);
    // The seconds after the pad's own 3 are the loop's second pass, not padding: the bed is sound there.
    const tail = await loudnessWithin(bed, [{ startSec: 3.5, endSec: 5.5 }]);
    expect(tail).toBeGreaterThan(mix.bedLufs - 6);
    const silent = join(dir, "silent.wav");
    await runFfmpeg(["-y", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "3", silent]);
    await expect(shapeBed({ sourceFile: silent, durationSec: 3, outFile: join(dir, "x.wav") }, mix)).rejects.toThrow(
      /silent/,
    );
  });
});

test("ducked under a fitted voice, the bed sits at least 15 dB below it while it speaks; unducked, it does not", async () => {
  await withTempDir(async (dir) => {
    const voice = await fittedVoice(dir, 8);
    const bed = join(dir, "bed.wav");
    await shapeBed({ sourceFile: await synthesizePad(join(dir, "pad.wav"), 8), durationSec: 8, outFile: bed }, mix);
    const ducked = await duckBed({ bedFile: bed, timing: voice.timing, outFile: join(dir, "ducked.wav") }, mix);
    const under = await measureUnderVoice({ voiceFile: voice.file, musicFile: ducked.file, speaking: ducked.speaking });
    expect(under.underVoiceDb).toBeGreaterThanOrEqual(gate.minMusicUnderVoiceDb);
    // The bed as it is, not ducked: only its level where the voice is silent (-22 against -14).
    const flat = await measureUnderVoice({ voiceFile: voice.file, musicFile: bed, speaking: ducked.speaking });
    expect(flat.underVoiceDb).toBeLessThan(gate.minMusicUnderVoiceDb);
    expect(under.underVoiceDb - flat.underVoiceDb).toBeCloseTo(mix.duckDb, 0);
  });
});

test("the finished ad with its ducked bed keeps -14 LUFS and true peak at most -1 dBTP", async () => {
  await withTempDir(async (dir) => {
    const voice = await fittedVoice(dir, 8);
    const bed = join(dir, "bed.wav");
    await shapeBed({ sourceFile: await synthesizePad(join(dir, "pad.wav"), 8), durationSec: 8, outFile: bed }, mix);
    const ducked = await duckBed({ bedFile: bed, timing: voice.timing, outFile: join(dir, "ducked.wav") }, mix);
    const clips: string[] = [];
    for (const motion of ["zoom_in", "pan_left"] as const) {
      const clip = await renderKenBurns(
        { imageFile: COFFEE, outFile: join(dir, `${motion}.mp4`), seconds: 4, width: 270, height: 480, motion },
        gate,
      );
      clips.push(clip.file);
    }
    const gain = await mixGain({ voiceFile: voice.file, musicFile: ducked.file }, DEFAULT_VOICE_FIT);
    // The bed's quiet stretches pull the summed mix below the target: the gain brings it back.
    expect(gain.measured.integratedLufs).toBeLessThan(DEFAULT_VOICE_FIT.targetLufs + 0.5);
    const withMusic = await assembleVideo({
      clips,
      voiceWav: voice.file,
      music: { wav: ducked.file, gainDb: gain.gainDb },
      outFile: join(dir, "ad.mp4"),
    });
    expect(withMusic.durationSec).toBeCloseTo(8, 1);
    const measured = await measureFinishedFile(withMusic.file, gate);
    if (!measured.readable || !measured.audio) throw new Error("the ad is unreadable");
    expect(Math.abs(measured.audio.integratedLufs - gate.targetLufs)).toBeLessThanOrEqual(gate.lufsTolerance);
    expect(measured.audio.truePeakDbtp).toBeLessThanOrEqual(gate.maxTruePeakDbtp);
  });
});
