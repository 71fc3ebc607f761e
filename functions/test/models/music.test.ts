import { callCostUsd } from "../../src/models/cost";
import { bedPrompt, classifyLyriaStatus } from "../../src/models/music";
import { DEFAULT_MODEL_CONFIG, ModelConfigError, parseModelConfig } from "../../src/models/modelConfig";
import { inspectMusic } from "../../src/models/replyChecks";
import { encodeWav } from "../../src/models/wav";
import { musicMood, musicWanted } from "../../src/pipeline/music";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";
import { musicFailures, withMusicVerdict } from "../../src/quality/verdict";
import { musicWav } from "../../src/providers/standins/lyria";
import { GOOD_DNA } from "./helpers";

const gate = PipelineSettingsSchema.parse({}).qualityGate;

describe("the music chain's configuration", () => {
  it("defaults to Lyria 2 on Vertex AI, first of the chain", () => {
    const config = parseModelConfig(DEFAULT_MODEL_CONFIG);
    expect(config.music).toEqual([expect.objectContaining({ provider: "gemini", model: "lyria-002" })]);
    expect(config.timeouts.musicMs).toBeGreaterThan(0);
  });

  it("takes an empty chain (the pad alone) and a configuration that does not mention music", () => {
    expect(parseModelConfig({ ...DEFAULT_MODEL_CONFIG, music: [] }).music).toEqual([]);
    const without = Object.fromEntries(Object.entries(DEFAULT_MODEL_CONFIG).filter(([key]) => key !== "music"));
    expect(parseModelConfig(without).music).toEqual([]);
  });

  it("refuses a music entry on another provider, of another family, or a preview without allowPreview", () => {
    const refused = (entry: Record<string, unknown>) => {
      try {
        parseModelConfig({ ...DEFAULT_MODEL_CONFIG, music: [entry] });
      } catch (error) {
        return (error as ModelConfigError).problems.join("; ");
      }
      return "accepted";
    };
    expect(refused({ provider: "openai", model: "lyria-002" })).toMatch(/music\[0\] "lyria-002": .*gemini/);
    expect(refused({ provider: "gemini", model: "veo-3.1-generate-001" })).toMatch(/Lyria models/);
    expect(refused({ provider: "gemini", model: "lyria-3-clip-preview" })).toMatch(/allowPreview/);
  });

  it("prices a music model per call, and refuses a price in another unit", () => {
    const price = {
      source: "https://example.com/pricing",
      readOn: "2026-12-07",
      periods: [{ rate: { per: "call", usd: 0.06 } }],
    };
    const config = parseModelConfig({ ...DEFAULT_MODEL_CONFIG, prices: { "gemini/lyria-002": price } });
    expect(callCostUsd(config.prices, { provider: "gemini", model: "lyria-002" }, { per: "call", calls: 1 }, 0)).toBe(
      0.06,
    );
    const wrong = { ...price, periods: [{ rate: { per: "video_second", usd: 0.06 } }] };
    expect(() => parseModelConfig({ ...DEFAULT_MODEL_CONFIG, prices: { "gemini/lyria-002": wrong } })).toThrow(
      /billed per video_second, but music calls are measured per call/,
    );
  });
});

describe("Lyria's answers under the chain's rules", () => {
  it("classes each HTTP answer", () => {
    expect(classifyLyriaStatus(404, {})).toBe("not_found");
    expect(classifyLyriaStatus(429, {})).toBe("rate_limited");
    expect(classifyLyriaStatus(403, {})).toBe("auth_config");
    expect(classifyLyriaStatus(503, {})).toBe("transient");
    expect(classifyLyriaStatus(400, { message: "blocked by the safety filters" })).toBe("content_policy");
    expect(classifyLyriaStatus(400, { message: "instances[0].prompt is required." })).toBe("unknown");
  });

  it("takes a WAV of music and refuses silence, a snippet, and bytes that are not WAV", () => {
    expect(inspectMusic(musicWav(6)).music?.durationSec).toBeCloseTo(6, 3);
    const silence = encodeWav({
      sampleRate: 48_000,
      channels: 2,
      bitsPerSample: 16,
      data: Buffer.alloc(48_000 * 4 * 6),
    });
    expect(inspectMusic(silence).problems).toEqual(["audio is silent"]);
    expect(inspectMusic(musicWav(1)).problems[0]).toMatch(/1.00s of music/);
    expect(inspectMusic(Buffer.from("<html>")).problems[0]).toMatch(/not a PCM WAV/);
  });

  it("asks for a bed in the product's mood, never for vocals", () => {
    const prompt = bedPrompt(musicMood(GOOD_DNA));
    expect(prompt.prompt).toContain(GOOD_DNA.mood);
    expect(prompt.negativePrompt).toMatch(/vocals/);
    expect(musicMood(undefined)).toBe("calm and warm");
  });
});

describe("whether a run has music, and the gate's verdict on it", () => {
  it("is on unless the run's options or its brand kit switch it off", () => {
    expect(musicWanted({})).toBe(true);
    expect(musicWanted({ options: { captions: true, music: true, endCard: true } })).toBe(true);
    expect(musicWanted({ options: { captions: true, music: false, endCard: true } })).toBe(false);
    expect(musicWanted({ brand: { music: false } as never })).toBe(false);
  });

  const measured = (underVoiceDb: number | null) => ({
    source: "local" as const,
    voiceLufs: underVoiceDb === null ? null : -14,
    musicLufs: underVoiceDb === null ? null : -14 - underVoiceDb,
    underVoiceDb,
    speakingSec: underVoiceDb === null ? 0 : 12,
    mixGainDb: 0.4,
  });

  it("fails music less than minMusicUnderVoiceDb below the voice, with the measured level", () => {
    expect(musicFailures(measured(20), gate)).toEqual([]);
    expect(musicFailures(measured(gate.minMusicUnderVoiceDb), gate)).toEqual([]);
    expect(musicFailures(measured(6.5), gate)).toEqual([
      { cause: "music_over_voice", detail: "while the voice speaks the music is 6.5 dB below it (at least 15 dB)" },
    ]);
    // No bed: nothing for this check. No speech under a bed: the voice is silent, however loud the mix.
    expect(musicFailures(undefined, gate)).toEqual([]);
    expect(musicFailures(measured(null), gate)).toEqual([
      { cause: "voice_silent", detail: "the voice track never speaks over the music bed" },
    ]);
  });

  it("adds its failure to the file's verdict", () => {
    const passed = { passed: true, failures: [] };
    expect(withMusicVerdict(passed, measured(20), gate)).toEqual(passed);
    const failed = withMusicVerdict(
      { passed: false, failures: [{ cause: "loudness", detail: "x" }] },
      measured(3),
      gate,
    );
    expect(failed.passed).toBe(false);
    expect(failed.failures.map((f) => f.cause)).toEqual(["loudness", "music_over_voice"]);
  });

  it("puts a voice that never speaks under the bed first, once, before the loudness of a mix of music alone", () => {
    const silentUnderBed = withMusicVerdict(
      { passed: false, failures: [{ cause: "loudness", detail: "-22.0 LUFS integrated" }] },
      measured(null),
      gate,
    );
    expect(silentUnderBed.failures.map((f) => f.cause)).toEqual(["voice_silent", "loudness"]);
    const silentBoth = withMusicVerdict(
      { passed: false, failures: [{ cause: "voice_silent", detail: "the voice track is silent (-70 LUFS)" }] },
      measured(null),
      gate,
    );
    expect(silentBoth.failures.map((f) => f.cause)).toEqual(["voice_silent"]);
  });
});
