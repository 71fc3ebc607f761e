/**
 * The local script writer against the same quality check a model's script must pass, for videos
 * from one short scene to eight long ones, with names from short to long, and the decision the
 * preflight takes before the charge: a voice-over the names and brief cannot fill is refused there.
 */
import { scriptProblems } from "../../src/models/replyChecks";
import { PipelineSettingsSchema, voiceoverWindow } from "../../src/pipelineSettings";
import { cardCallToAction, composeScript } from "../../src/providers/local/localScript";
import { syllables, speechSeconds } from "../../src/script/syllables";
import { composerBand, planVoiceover, voiceoverFit } from "../../src/script/voiceoverPlan";
import { SAMPLE_AD_INPUT } from "../support/samples";

const defaults = PipelineSettingsSchema.parse({});
const DNA = {
  productDescription: "A framed poster of the night sky over a mountain ridge.",
  palette: ["#0b1a33", "#f2e9d8"],
  mood: "calm, deep blue",
  lighting: "soft studio light",
  composition: "centred",
  styleKeywords: ["calm"],
};
const ALL_SCENE_COUNTS = { minScenes: 1, maxScenes: 8 };

describe("composeScript", () => {
  const names = [
    { productName: "Sky Poster", brandName: "Orbit" },
    { productName: "Night Sky Poster", brandName: "Orbit Prints" },
    { productName: "Limited Edition Night Sky Poster", brandName: "Orbit Prints and Frames" },
    { productName: "Hydrating Hyaluronic Moisturiser", brandName: "Dermatologica" },
    { productName: "Desk Lamp Arc", brandName: "Halden" },
  ];
  const lengths = [
    [1, 4],
    [2, 2],
    [4, 2],
    [2, 4],
    [4, 4],
    [8, 4],
    [6, 6],
  ] as const;
  for (const { productName, brandName } of names) {
    for (const [scenes, sceneSeconds] of lengths) {
      test(`${scenes} × ${sceneSeconds} s for "${productName}" by "${brandName}": filled within the band, or refused before the charge`, () => {
        const input = { ...SAMPLE_AD_INPUT, productName, brandName, scenes };
        const settings = { ...defaults, sceneSeconds };
        const fit = voiceoverFit(input, sceneSeconds, settings, ALL_SCENE_COUNTS);
        const script = composeScript(input, DNA, sceneSeconds, settings);
        if (!fit.fits) {
          // Refused at preflight: the composer never sees such a run, but it could not do better.
          expect(planVoiceover(input, scenes * sceneSeconds, settings)).toBeNull();
          return;
        }
        expect(script).not.toBeNull();
        expect(scriptProblems(script!, input, settings)).toEqual([]);
        expect(script!.scenes).toHaveLength(scenes);
        expect(script!.voiceover).toContain(productName);
        expect(script!.voiceover).toContain(brandName);
        const band = composerBand(voiceoverWindow(scenes * sceneSeconds, settings));
        const said = speechSeconds(script!.voiceover, settings.voiceFit);
        expect(said).toBeGreaterThanOrEqual(band.lowSec);
        expect(said).toBeLessThanOrEqual(band.highSec);
      });
    }
  }

  test("the bench's two-sentence brief fills 4 scenes of 4 s with the names, the brief, the Visual DNA and a call to action", () => {
    const input = { ...SAMPLE_AD_INPUT, brief: "Small-batch roast. Rich crema.", scenes: 4 };
    expect(voiceoverFit(input, 4, defaults, ALL_SCENE_COUNTS)).toMatchObject({ fits: true });
    const script = composeScript(input, DNA, 4, defaults)!;
    expect(script.voiceover).toMatch(/^Meet Morning Ritual Coffee from Fairbean\. Small-batch roast\. Rich crema\. /);
    expect(script.voiceover).toContain("In blue and orange. Calm, deep blue, in soft studio light.");
    expect(script.voiceover).toMatch(/Yours today\.$/);
    expect(scriptProblems(script, input, defaults)).toEqual([]);
  });

  test("long brief sentences that do not fit a short ad give way to shorter lines naming the product", () => {
    const input = {
      ...SAMPLE_AD_INPUT,
      productName: "Desk Lamp Arc",
      brandName: "Halden",
      brief:
        "An aluminium desk lamp with a dimmable warm LED that bends exactly where you need it. " +
        "Folds flat when the day is done and packs away into a drawer.",
      scenes: 1,
    };
    const script = composeScript(input, DNA, 4, defaults)!;
    expect(script.voiceover).not.toContain("aluminium");
    const band = composerBand(voiceoverWindow(4, defaults));
    expect(speechSeconds(script.voiceover, defaults.voiceFit)).toBeGreaterThanOrEqual(band.lowSec);
  });

  test("the budget counts syllables: a three-word name that takes four seconds to say gets no more words", () => {
    const input = {
      ...SAMPLE_AD_INPUT,
      productName: "Hydrating Hyaluronic Moisturiser",
      brandName: "Dermatologica",
      scenes: 1,
    };
    // Hy-dra-ting Hy-a-lu-ron-ic Mois-tur-is-er from Der-ma-to-lo-gi-ca.
    expect(syllables("Hydrating Hyaluronic Moisturiser from Dermatologica.")).toBe(19);
    const script = composeScript(input, DNA, 4, defaults)!;
    expect(script.voiceover).toBe("Hydrating Hyaluronic Moisturiser from Dermatologica.");
  });
});

test("the end card's call to action is the spoken one when it fits the card, else a shorter one naming the brand", () => {
  const short = { productName: "Sky Poster", brandName: "Orbit" };
  expect(cardCallToAction("Orbit Sky Poster. Yours today.", short)).toBe("Orbit Sky Poster. Yours today.");
  expect(cardCallToAction(undefined, short)).toBe("Discover Orbit Sky Poster");
  const long = { productName: "Limited Edition Night Sky Poster", brandName: "Orbit Prints and Frames" };
  expect(cardCallToAction("Orbit Prints and Frames Limited Edition Night Sky Poster. Yours today.", long)).toBe(
    "Discover Orbit Prints and Frames",
  );
  const longBrand = { productName: "Lamp", brandName: "The Northern Lighting Company of Greater Halden" };
  expect(cardCallToAction(undefined, longBrand)).toBe("Yours today.");
});

describe("voiceoverFit, before the charge", () => {
  test("a one-word brief cannot fill 8 scenes of 6 s: refused as too little, with the most scenes it fills", () => {
    const input = { ...SAMPLE_AD_INPUT, productName: "Desk Lamp Arc", brandName: "Halden", brief: "Light.", scenes: 8 };
    const settings = { ...defaults, sceneSeconds: 6 };
    const fit = voiceoverFit(input, 6, settings, ALL_SCENE_COUNTS);
    expect(fit).toMatchObject({ fits: false, why: "too_little", videoSec: 48 });
    if (fit.fits) throw new Error("unreachable");
    expect(fit.givesSec).toBeLessThan(fit.needsSec);
    expect(fit.fitsWithScenes).not.toBeNull();
    expect(voiceoverFit({ ...input, scenes: fit.fitsWithScenes! }, 6, settings, ALL_SCENE_COUNTS).fits).toBe(true);
    expect(voiceoverFit({ ...input, scenes: fit.fitsWithScenes! + 1 }, 6, settings, ALL_SCENE_COUNTS).fits).toBe(false);
  });

  test("names that take longer to say than a short ad allows: refused as too long, with the fewest scenes that fit", () => {
    const input = {
      ...SAMPLE_AD_INPUT,
      productName: "Ultra Premium Extra Virgin Cold Pressed Olive Oil",
      brandName: "Mediterranean Agricultural Cooperative of Producers",
      scenes: 2,
    };
    const settings = { ...defaults, sceneSeconds: 2 };
    const fit = voiceoverFit(input, 2, settings, { minScenes: 2, maxScenes: 8 });
    expect(fit).toMatchObject({ fits: false, why: "too_long", videoSec: 4 });
    if (fit.fits) throw new Error("unreachable");
    expect(fit.fitsWithScenes).toBeGreaterThan(2);
    expect(voiceoverFit({ ...input, scenes: fit.fitsWithScenes! }, 2, settings, ALL_SCENE_COUNTS).fits).toBe(true);
  });
});
