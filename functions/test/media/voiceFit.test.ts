import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { synthesizeSpeech } from "../../src/media/speech";
import { fitVoice, normalisingGain, tempoFor } from "../../src/media/voiceFit";
import { DEFAULT_VOICE_FIT, PipelineSettingsSchema } from "../../src/pipelineSettings";
import { measureFinishedFile } from "../../src/quality/measure";
import { withTempDir } from "./frames";

const fit = DEFAULT_VOICE_FIT;

test("tempo: a voice ends endPaddingSec before the video, within ±maxTempoChange, untouched when it fits", () => {
  expect(tempoFor(7.2, 8, fit)).toBe(0.9474); // 7.2 s into 7.6 s: slowed down
  expect(tempoFor(8.36, 8, fit)).toBe(1.1); // 8.36 s into 7.6 s: sped up
  expect(tempoFor(2, 8, fit)).toBe(0.75); // far too short: slowed down only so far
  expect(tempoFor(20, 8, fit)).toBe(1.25);
  expect(tempoFor(7.62, 8, fit)).toBe(1);
});

test("gain: to the target loudness, limited by the true-peak ceiling, none for silence", () => {
  expect(normalisingGain({ integratedLufs: -16.2, truePeakDbtp: -6.3 }, fit)).toBe(2.2);
  expect(normalisingGain({ integratedLufs: -20, truePeakDbtp: -3 }, fit)).toBe(1.5);
  expect(normalisingGain({ integratedLufs: -70, truePeakDbtp: -Infinity }, fit)).toBeNull();
  expect(normalisingGain({ integratedLufs: -Infinity, truePeakDbtp: -Infinity }, fit)).toBeNull();
});

test("a short voice fitted to a 2 s video plays at the target loudness, as long as the video", async () => {
  await withTempDir(async (dir) => {
    const raw = join(dir, "voice.wav");
    await writeFile(raw, (await synthesizeSpeech("Fairbean. Yours today.")).wav);
    const fitted = await fitVoice({ voiceWav: raw, videoSec: 2, outFile: join(dir, "fitted.wav") }, fit);
    const measured = await measureFinishedFile(fitted.file, PipelineSettingsSchema.parse({}).qualityGate);
    if (!measured.readable || !measured.audio) throw new Error("fitted voice unreadable");
    expect(Math.abs(measured.audio.integratedLufs - fit.targetLufs)).toBeLessThanOrEqual(0.5);
    expect(measured.audio.truePeakDbtp).toBeLessThanOrEqual(fit.truePeakDbtp + 0.1);
    expect(measured.containerDurationSec).toBeCloseTo(2, 2);
  });
});
