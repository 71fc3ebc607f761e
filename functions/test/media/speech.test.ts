import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { probeMedia } from "../../src/ffmpeg/probe";
import { MAX_CHUNK_CHARS, concatWavs, speechChunks, synthesizeSpeech, wavInfo } from "../../src/media/speech";
import { withTempDir } from "./frames";

describe("speechChunks", () => {
  it("keeps every word, in order, in chunks no longer than the limit", () => {
    const text = "Meet Aurora Roast. ".repeat(40) + "a".repeat(500) + " the end";
    const chunks = speechChunks(text);
    expect(chunks.every((chunk) => chunk.length <= MAX_CHUNK_CHARS)).toBe(true);
    expect(chunks.join("").replace(/\s+/g, "")).toBe(text.replace(/\s+/g, ""));
    expect(chunks[0].endsWith(".")).toBe(true);
  });

  it("gives no chunk for blank text", () => {
    expect(speechChunks("")).toEqual([]);
  });
});

describe("synthesizeSpeech", () => {
  it("speaks a sentence as a 16 kHz mono PCM WAV of plausible length", async () => {
    const text = "Meet Aurora Roast, the smoothest espresso you will taste this year.";
    const speech = await synthesizeSpeech(text);
    const info = wavInfo(speech.wav);
    expect(info).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect(speech.durationSec).toBeCloseTo(info.durationSec, 6);
    // 11 words at a speaking rate of 1.5 to 5 words per second.
    expect(speech.durationSec).toBeGreaterThan(11 / 5);
    expect(speech.durationSec).toBeLessThan(11 / 1.5);
    // Not silence: some samples are loud.
    const samples = speech.wav.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
    let peak = 0;
    for (let i = 0; i + 1 < samples.length; i += 2) peak = Math.max(peak, Math.abs(samples.readInt16LE(i)));
    expect(peak).toBeGreaterThan(3000);

    await withTempDir(async (dir) => {
      const file = join(dir, "voice.wav");
      await writeFile(file, speech.wav);
      const probed = await probeMedia(file);
      expect(probed.audio).toEqual({ codec: "pcm_s16le", sampleRate: 16000 });
      expect(probed.durationSec).toBeCloseTo(speech.durationSec, 2);
    });
  });

  it("speaks text longer than flite takes in one go, in order and in full", async () => {
    const sentence = "Fresh coffee, roasted this week. ";
    const one = await synthesizeSpeech(sentence);
    const many = await synthesizeSpeech(sentence.repeat(45)); // ~1,500 characters: four chunks
    expect(many.durationSec).toBeGreaterThan(one.durationSec * 30);
    expect(many.durationSec).toBeLessThan(one.durationSec * 60);
  });

  it("rejects empty text", async () => {
    await expect(synthesizeSpeech("  \n ")).rejects.toThrow("speech text is empty");
  });

  it("rejects when synthesis takes longer than the timeout", async () => {
    await expect(synthesizeSpeech("A sentence that takes a while.", { timeoutMs: 1 })).rejects.toThrow(/timed out/);
  });
});

describe("wavInfo and concatWavs", () => {
  it("rejects bytes that are not a WAV", () => {
    expect(() => wavInfo(Buffer.from("not a wav at all"))).toThrow(/not a WAV/);
  });

  it("joins WAVs sample for sample", async () => {
    const a = await synthesizeSpeech("One.");
    const b = await synthesizeSpeech("Two.");
    const joined = concatWavs([a.wav, b.wav]);
    expect(wavInfo(joined).durationSec).toBeCloseTo(a.durationSec + b.durationSec, 6);
  });
});
