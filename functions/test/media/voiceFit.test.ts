import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { synthesizeSpeech } from "../../src/media/speech";
import { fitVoice, normalisingGain, tempoFor } from "../../src/media/voiceFit";
import { timeVoiceLines } from "../../src/media/voiceTiming";
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

const gate = PipelineSettingsSchema.parse({}).qualityGate;

test("a short voice fitted to a 2 s video plays at the target loudness, as long as the video", async () => {
  await withTempDir(async (dir) => {
    const raw = join(dir, "voice.wav");
    await writeFile(raw, (await synthesizeSpeech("Fairbean. Yours today.")).wav);
    const fitted = await fitVoice(
      { voiceWav: raw, videoSec: 2, outFile: join(dir, "fitted.wav"), silenceDb: gate.silenceDb },
      fit,
    );
    const measured = await measureFinishedFile(fitted.file, gate);
    if (!measured.readable || !measured.audio) throw new Error("fitted voice unreadable");
    expect(Math.abs(measured.audio.integratedLufs - fit.targetLufs)).toBeLessThanOrEqual(0.5);
    expect(measured.audio.truePeakDbtp).toBeLessThanOrEqual(fit.truePeakDbtp + 0.1);
    expect(measured.containerDurationSec).toBeCloseTo(2, 2);
  });
});

test("the pass that writes the fitted voice measures its silences, and each scene's line is timed by them", async () => {
  await withTempDir(async (dir) => {
    const raw = join(dir, "voice.wav");
    const lines = ["Meet the Morning Ritual Coffee by Fairbean.", "Order yours today."];
    await writeFile(raw, (await synthesizeSpeech(lines.join(" "))).wav);
    const fitted = await fitVoice(
      { voiceWav: raw, videoSec: 6, outFile: join(dir, "fitted.wav"), silenceDb: gate.silenceDb },
      fit,
    );
    // The same silences as the quality gate's own measurement of the file.
    const measured = await measureFinishedFile(fitted.file, gate);
    if (!measured.readable || !measured.audio) throw new Error("fitted voice unreadable");
    expect(fitted.silences.map((s) => [s.startSec, s.endSec])).toEqual(
      measured.audio.silences.map((s) => [expect.closeTo(s.start, 1), expect.closeTo(s.end, 1)]),
    );
    // The padded tail is the last silence, up to the video's end.
    expect(fitted.silences.at(-1)?.endSec).toBeCloseTo(6, 2);
    const timing = timeVoiceLines({
      durationSec: 6,
      silences: fitted.silences,
      scenes: lines.map((narration) => ({ narration, durationSec: 3 })),
    });
    const [first, second] = timing.scenes.map((scene) => scene.line!);
    // Flite pauses between the sentences: the boundary sits in that pause.
    expect(first.placed).toBe("pause");
    expect(second.placed).toBe("pause");
    expect(first.endSec).toBeLessThan(second.startSec);
    expect(timing.silences).toContainEqual({ startSec: first.endSec, endSec: second.startSec });
    expect(second.endSec).toBeCloseTo(fitted.spokenSec, 0);
    expect(first.endSec / second.endSec).toBeGreaterThan(0.5); // the first line is the longer one
  });
});
