/**
 * The local script writer against the same quality check a model's script must pass, for videos
 * from one short scene to eight, with names from short to long.
 */
import { scriptProblems } from "../../src/models/quality";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";
import { composeScript } from "../../src/providers/local/localScript";
import { SAMPLE_AD_INPUT } from "../support/samples";

const { voiceFit } = PipelineSettingsSchema.parse({});
const DNA = {
  productDescription: "A framed poster of the night sky over a mountain ridge.",
  palette: ["#0b1a33", "#f2e9d8"],
  mood: "calm, deep blue",
  lighting: "soft studio light",
  composition: "centred",
  styleKeywords: ["calm"],
};

describe("composeScript", () => {
  const names = [
    { productName: "Sky Poster", brandName: "Orbit" },
    { productName: "Night Sky Poster", brandName: "Orbit Prints" },
    { productName: "Limited Edition Night Sky Poster", brandName: "Orbit Prints and Frames" },
  ];
  for (const { productName, brandName } of names) {
    for (const [scenes, sceneSeconds] of [
      ...(productName.length < 20 ? ([[1, 2]] as const) : []),
      [2, 2],
      [4, 2],
      [4, 4],
      [8, 4],
    ] as const) {
      test(`${scenes} × ${sceneSeconds} s for "${productName}" by "${brandName}" passes the script check`, () => {
        const input = { ...SAMPLE_AD_INPUT, productName, brandName, scenes };
        const script = composeScript(input, DNA, sceneSeconds, voiceFit);
        expect(scriptProblems(script, input, voiceFit)).toEqual([]);
        expect(script.scenes).toHaveLength(scenes);
        expect(script.voiceover).toContain(productName);
        expect(script.voiceover).toContain(brandName);
      });
    }
  }

  test("names too long to say in the video's length fail the check, as any model's script would", () => {
    const input = { ...SAMPLE_AD_INPUT, productName: names[2].productName, brandName: names[2].brandName, scenes: 1 };
    const script = composeScript(input, DNA, 2, voiceFit);
    expect(scriptProblems(script, input, voiceFit)).toEqual([
      "voiceover of 10 words cannot be spoken in 2s (at most 6)",
    ]);
  });
});
