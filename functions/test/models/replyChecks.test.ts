import { inspectSpeech, scriptProblems, visualDnaProblems } from "../../src/models/replyChecks";
import { PipelineSettingsSchema, voiceoverWindow } from "../../src/pipelineSettings";
import { speechSeconds } from "../../src/script/syllables";
import { encodeWav } from "../../src/models/wav";
import { tonePcm } from "../../src/providers/standins/httpStandin";
import { GOOD_DNA, goodScript, INPUT, TEMPLATE_SCRIPT } from "./helpers";

const SETTINGS = PipelineSettingsSchema.parse({});

describe("scriptProblems", () => {
  it("accepts a specific script with the scenes asked for", () => {
    expect(scriptProblems(goodScript(), INPUT, SETTINGS)).toEqual([]);
  });

  it("refuses the old template fallback on several counts", () => {
    const problems = scriptProblems(TEMPLATE_SCRIPT, INPUT, SETTINGS).join("\n");
    expect(problems).toMatch(/template marker .*fallback/i);
    expect(problems).toMatch(/template marker .*ultimate upgrade/i);
    expect(problems).toMatch(/scene 1: narration is empty/);
  });

  it("refuses a call to action the end card cannot draw whole, saying the limit", () => {
    const at = (length: number) => ({ ...goodScript(), callToAction: `Order ${"now ".repeat(20)}`.slice(0, length) });
    expect(scriptProblems(at(48), INPUT, SETTINGS)).toEqual([]);
    expect(scriptProblems(at(49), INPUT, SETTINGS)).toEqual([
      "callToAction has 49 characters; the end card holds at most 48",
    ]);
  });

  it("refuses a script with missing or extra scenes", () => {
    expect(scriptProblems(goodScript(2), INPUT, SETTINGS)).toContain("has 2 scenes, 3 were asked for");
    expect(scriptProblems(goodScript(4), INPUT, SETTINGS)).toContain("has 4 scenes, 3 were asked for");
  });

  it("refuses a script that never names the product or the brand, ignoring case and punctuation", () => {
    const other = { ...INPUT, productName: "Night Owl Decaf", brandName: "Other Co" };
    expect(scriptProblems(goodScript(), other, SETTINGS)).toEqual([
      'never names the product "Night Owl Decaf"',
      'never names the brand "Other Co"',
    ]);
    expect(scriptProblems(goodScript(), { ...INPUT, brandName: "ferro-roasters" }, SETTINGS)).toEqual([]);
  });

  it("refuses label-only scenes and scenes that repeat one prompt", () => {
    const script = goodScript();
    script.scenes[1] = { ...script.scenes[1], shot: "Scene 2", videoPrompt: script.scenes[0].videoPrompt };
    expect(scriptProblems(script, INPUT, SETTINGS)).toEqual([
      "scene 2: shot is not a description",
      "scenes repeat the same videoPrompt",
    ]);
  });

  it("refuses placeholders and unfilled template variables", () => {
    for (const marker of ["{{product}}", "TODO", "Lorem ipsum", "placeholder", "Generic creator"]) {
      const script = goodScript();
      script.scenes[0] = { ...script.scenes[0], shot: `${script.scenes[0].shot} ${marker}` };
      expect(scriptProblems(script, INPUT, SETTINGS).join()).toMatch(/template marker/);
    }
  });

  it("refuses a voiceover that cannot fit the scenes' duration, however fast the voice fit plays it", () => {
    const script = goodScript();
    const long = { ...script, voiceover: `${script.voiceover} ${"Fresh ground beans. ".repeat(12)}` };
    // 12 s: sped up 1.25x, the voice must stop 0.1 s before the end: 14.9 s of speech at most.
    expect(voiceoverWindow(12, SETTINGS).longestSec).toBeCloseTo(14.875, 3);
    expect(scriptProblems(long, INPUT, SETTINGS)).toEqual([
      "voiceover takes about 23.6s to say: it cannot fit in 12s (at most 14.9s)",
    ]);
  });

  it("refuses a voiceover that leaves the video mostly silent, however slowly the voice fit plays it", () => {
    const script = goodScript();
    const short = { ...script, voiceover: "Ferro Roasters Morning Ritual Blend. Taste it." };
    // 12 s: slowed to 0.75x, the voice must end at most 1 s before the end: 8.25 s of speech at least.
    expect(voiceoverWindow(12, SETTINGS).shortestSec).toBeCloseTo(8.25, 3);
    expect(scriptProblems(short, INPUT, SETTINGS)).toEqual([
      "voiceover takes about 3.2s to say: it leaves 12s mostly silent (at least 8.3s)",
    ]);
    // A slower voice says the same words for longer: the bounds follow the settings.
    const slowVoice = { ...SETTINGS, voiceFit: { ...SETTINGS.voiceFit, syllablesPerSec: 1.5 } };
    expect(speechSeconds(short.voiceover, slowVoice.voiceFit)).toBeGreaterThan(8.25);
    expect(scriptProblems(short, INPUT, slowVoice)).toEqual([]);
  });

  it("counts syllables, not words: three long words take as long as eight short ones", () => {
    const script = goodScript(1);
    const oneScene = { ...INPUT, scenes: 1 };
    // 4 s: between 2.25 s and 4.9 s of speech.
    const longWords = {
      ...script,
      voiceover: "Hydrating Hyaluronic Moisturiser by Dermatologica. Morning Ritual Blend by Ferro Roasters.",
    };
    expect(scriptProblems(longWords, oneScene, SETTINGS).join()).toMatch(/cannot fit in 4s/);
    const shortWords = { ...script, voiceover: "Meet Morning Ritual Blend by Ferro Roasters." };
    expect(scriptProblems(shortWords, oneScene, SETTINGS)).toEqual([]);
  });
});

describe("visualDnaProblems", () => {
  it("accepts a specific description with a palette", () => {
    expect(visualDnaProblems(GOOD_DNA)).toEqual([]);
  });

  it("refuses a generic description, a one-colour palette and empty fields", () => {
    expect(
      visualDnaProblems({ ...GOOD_DNA, productDescription: "A product", palette: ["#000000", "#000000"], mood: "N/A" }),
    ).toEqual([
      'productDescription is generic: "A product"',
      "palette has fewer than 2 distinct colours",
      'mood is empty of content: "N/A"',
    ]);
  });
});

describe("inspectSpeech", () => {
  const text = "Morning Ritual Blend by Ferro Roasters.";
  const wav = (pcm: Buffer) => encodeWav({ sampleRate: 24_000, channels: 1, bitsPerSample: 16, data: pcm });

  it("measures audible speech of a plausible length", () => {
    const { speech, problems } = inspectSpeech(wav(tonePcm(2)), text);
    expect(problems).toEqual([]);
    expect(speech?.durationSec).toBeCloseTo(2, 3);
  });

  it("refuses silence, audio far too short or long for the text, and non-WAV bytes", () => {
    expect(inspectSpeech(wav(Buffer.alloc(48_000 * 2)), text).problems).toEqual(["audio is silent"]);
    expect(inspectSpeech(wav(tonePcm(0.1)), text).problems).toEqual(["0.10s of audio for 6 words"]);
    expect(inspectSpeech(wav(tonePcm(30)), text).problems).toEqual(["30.00s of audio for 6 words"]);
    expect(inspectSpeech(Buffer.from("ID3 mp3 bytes"), text).problems[0]).toMatch(/not a PCM WAV/);
  });

  it("repairs the chunk sizes of a streamed WAV", () => {
    const streamed = wav(tonePcm(2));
    streamed.writeUInt32LE(0xffffffff, 4);
    streamed.writeUInt32LE(0xffffffff, 40);
    const { speech } = inspectSpeech(streamed, text);
    expect(speech?.durationSec).toBeCloseTo(2, 3);
    expect(speech?.wav.readUInt32LE(40)).toBe(2 * 24_000 * 2);
  });
});
