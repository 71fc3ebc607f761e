/** The shortest ad the settings allow, as a pure decision: scenes × sceneSeconds against minAdSeconds. */
import { MAX_SCENES } from "../../src/contract/run";
import { userMessages } from "../../src/messages";
import { adTooShort, minScenesFor, PipelineSettingsSchema } from "../../src/pipelineSettings";

test("the fewest scenes that reach minAdSeconds, never fewer than one", () => {
  const cases: [sceneSeconds: number, minAdSeconds: number, minScenes: number][] = [
    [4, 4, 1],
    [2, 4, 2],
    [2.5, 4, 2],
    [3, 4, 2],
    [2, 5, 3],
    [8, 4, 1],
    [2, 0, 1],
    [2, 16, 8],
    // Floating point puts 6.9 / 2.3 a hair above 3 (3.0000000000000004): three scenes of 2.3 s are 6.9 s.
    [2.3, 6.9, 3],
  ];
  for (const [sceneSeconds, minAdSeconds, minScenes] of cases) {
    expect([sceneSeconds, minAdSeconds, minScenesFor({ sceneSeconds, minAdSeconds })]).toEqual([
      sceneSeconds,
      minAdSeconds,
      minScenes,
    ]);
  }
});

test("an ad is too short exactly when it is shorter than minAdSeconds", () => {
  const settings = { sceneSeconds: 2, minAdSeconds: 4 };
  expect(adTooShort({ scenes: 1 }, settings)).toBe(true);
  expect(adTooShort({ scenes: 2 }, settings)).toBe(false);
  expect(adTooShort({ scenes: MAX_SCENES }, settings)).toBe(false);
  const uneven = { sceneSeconds: 2.5, minAdSeconds: 4 };
  expect([1, 2, 3].map((scenes) => adTooShort({ scenes }, uneven))).toEqual([true, false, false]);
});

test("the default is 4 s: one scene at the default scene length, two of the shortest", () => {
  const defaults = PipelineSettingsSchema.parse({});
  expect(defaults.minAdSeconds).toBe(4);
  expect(minScenesFor(defaults)).toBe(1);
  expect(minScenesFor(PipelineSettingsSchema.parse({ sceneSeconds: 2 }))).toBe(2);
});

test("minAdSeconds beyond 8 scenes of the shortest scene is refused: some scene count must always reach it", () => {
  expect(PipelineSettingsSchema.safeParse({ minAdSeconds: 16 }).success).toBe(true);
  expect(PipelineSettingsSchema.safeParse({ minAdSeconds: 16.5 }).success).toBe(false);
  expect(PipelineSettingsSchema.safeParse({ minAdSeconds: -1 }).success).toBe(false);
  for (let sceneSeconds = 2; sceneSeconds <= 8; sceneSeconds += 0.5) {
    expect(minScenesFor({ sceneSeconds, minAdSeconds: 16 })).toBeLessThanOrEqual(MAX_SCENES);
  }
});

test("the refusal says how long the video would be and how many scenes to choose, and that nothing was charged", () => {
  expect(userMessages.adTooShort(1, 2, 2, 4)).toBe(
    "A video of 1 scene lasts 2 seconds, but the voice-over needs a video of at least 4 seconds. " +
      "Choose at least 2 scenes. Nothing was charged.",
  );
  expect(userMessages.adTooShort(2, 2.5, 3, 6)).toMatch(
    /^A video of 2 scenes lasts 5 seconds, .* at least 6 seconds\./,
  );
});
