/**
 * The cloud tier's script prompt asks for the voice-over's length the script check will hold it to:
 * a word range from the composer's band in the voiceover window, in the prompt and in the reply
 * schema's description of `voiceover`, which structured output reads.
 */
import { scriptLengthAsked, scriptPrompt } from "../../src/models/prompts";
import { PipelineSettingsSchema, voiceoverWindow } from "../../src/pipelineSettings";
import { speechSeconds } from "../../src/script/syllables";
import { GOOD_DNA, INPUT } from "./helpers";

const settings = PipelineSettingsSchema.parse({});

test("the prompt and the reply schema both carry the word range for the ad's length", () => {
  const request = scriptPrompt(INPUT, GOOD_DNA, settings);
  const { fewestWords, mostWords, targetWords, videoSec } = scriptLengthAsked(INPUT, settings);
  expect(videoSec).toBe(INPUT.scenes * settings.sceneSeconds);
  const range = `${fewestWords} to ${mostWords} words`;
  expect(request.user).toContain(`voiceover: the scenes' narrations joined, ${range} (aim for ${targetWords})`);
  expect(request.user).toContain(`exactly ${INPUT.scenes} scenes of ${settings.sceneSeconds} seconds each`);
  const properties = request.replySchema.jsonSchema.properties as Record<string, { description?: string }>;
  expect(properties.voiceover.description).toContain(range);
});

test("the range grows with the ad and stays ordered, from one 2 s scene to eight of 6 s", () => {
  let previousMost = 0;
  for (const sceneSeconds of [2, 4, 6]) {
    for (let scenes = 1; scenes <= 8; scenes++) {
      const asked = scriptLengthAsked({ scenes }, { ...settings, sceneSeconds });
      expect(asked.fewestWords).toBeLessThanOrEqual(asked.targetWords);
      expect(asked.targetWords).toBeLessThanOrEqual(asked.mostWords);
      if (sceneSeconds === 2) {
        expect(asked.mostWords).toBeGreaterThan(previousMost);
        previousMost = asked.mostWords;
      }
    }
  }
});

test("ordinary ad copy of the asked word count is spoken within the window the script check allows", () => {
  // Ad copy of about 1.6 syllables a word, 7 words a sentence: what the word range assumes.
  const sentence = "Fresh roasted beans for a slow warm morning";
  for (const scenes of [2, 4, 8]) {
    const asked = scriptLengthAsked({ scenes }, settings);
    const words = sentence.split(" ");
    const text = Array.from({ length: asked.targetWords }, (_, i) =>
      (i + 1) % words.length === 0 || i === asked.targetWords - 1
        ? `${words[i % words.length]}.`
        : words[i % words.length],
    ).join(" ");
    const window = voiceoverWindow(asked.videoSec, settings);
    const said = speechSeconds(text, settings.voiceFit);
    expect(said).toBeGreaterThanOrEqual(window.shortestSec);
    expect(said).toBeLessThanOrEqual(window.longestSec);
  }
});
