/** The form's checks before any upload, and the Create button's price gate. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PipelineSettingsSchema } from "../../../functions/src/pipelineSettings";
import { userMessages } from "../../../functions/src/messages";
import { voiceoverFit } from "../../../functions/src/script/voiceoverPlan";
import { checkRunForm, createGate, priceHint, sceneRange, scenesLimit, type FormFields } from "../../src/logic/form";

const good: FormFields = {
  image: { type: "image/png", size: 200_000, width: 1080, height: 1920 },
  product: "  Morning Ritual Coffee ",
  brand: "Fairbean",
  brief: "Rich crema.",
  scenes: "4",
  aspect: "9:16",
  cta: "",
  options: { captions: true, music: true, endCard: true },
};

const LONG_BRIEF =
  "Single-origin beans roasted in small batches. Rich crema and a smooth, chocolatey finish. " +
  "The cup that makes early mornings worth it. Brewed at home in minutes, every single day.";

test("a good form gives trimmed fields", () => {
  const check = checkRunForm(good);
  assert.ok(check.ok);
  assert.deepEqual(check.fields, {
    productName: "Morning Ritual Coffee",
    brandName: "Fairbean",
    brief: "Rich crema.",
    scenes: 4,
    aspectRatio: "9:16",
    options: { captions: true, music: true, endCard: true },
  });
});

test("the switches and a call to action go with the run; the end card's limits are judged only when it is on", () => {
  const off = { captions: false, music: false, endCard: false };
  const check = checkRunForm({ ...good, cta: "  Order today ", options: off });
  assert.ok(check.ok);
  assert.deepEqual([check.fields.options, check.fields.callToAction], [off, "Order today"]);

  const tooLong = checkRunForm({ ...good, brand: "Fairbean Small Batch Roasters", cta: "c".repeat(49) });
  assert.ok(!tooLong.ok);
  assert.deepEqual(tooLong.errors, {
    brand: "The brand name is 29 characters; the end card holds 22. Shorten it or switch the end card off.",
    cta: "The call to action is 49 characters; the end card holds 48. Shorten it or switch the end card off.",
  });
  const endCardOff = { ...good, brand: "Fairbean Small Batch Roasters", cta: "c".repeat(49), options: off };
  assert.ok(checkRunForm(endCardOff).ok);
  const noWords = checkRunForm({ ...good, cta: "!!!" });
  assert.ok(!noWords.ok);
  assert.equal(noWords.errors.cta, "Write the call to action in words, not only punctuation or emoji.");
});

test("spaces-only and over-long fields are refused one by one, in words", () => {
  const check = checkRunForm({ ...good, product: "   ", brand: "b".repeat(121), brief: "\n\t ", scenes: "9" });
  assert.ok(!check.ok);
  assert.deepEqual(check.errors, {
    product: "Enter the product name.",
    brand: "Keep the brand name to 120 characters (now 121).",
    brief: "Enter a short brief.",
    scenes: "Choose between 1 and 8 scenes.",
  });
});

test("the scene counts follow the pipeline settings: too few for the voice-over are refused, and the reason said", () => {
  // What the page reads from config/pipeline, with the backend's own defaults (minAdSeconds 4 s).
  const twoSecondScenes = sceneRange(PipelineSettingsSchema.parse({ sceneSeconds: 2 }));
  assert.deepEqual(
    [twoSecondScenes.min, twoSecondScenes.max, twoSecondScenes.why],
    [2, 8, "the voice-over needs a video of at least 4 seconds, and each scene lasts 2 seconds"],
  );
  assert.equal(scenesLimit(twoSecondScenes), "2 to 8");
  const scenesError = (scenes: string) => {
    // A brief long enough to fill 8 scenes, so only the scene count is judged here.
    const check = checkRunForm({ ...good, brief: LONG_BRIEF, scenes }, twoSecondScenes);
    return check.ok ? null : check.errors.scenes;
  };
  for (const tooFew of ["1", "0", "1.5"]) {
    assert.equal(
      scenesError(tooFew),
      "Choose between 2 and 8 scenes: the voice-over needs a video of at least 4 seconds, and each scene lasts 2 seconds.",
      tooFew,
    );
  }
  for (const refused of ["9", "2.5", "", "two"]) assert.equal(scenesError(refused), "Choose between 2 and 8 scenes.");
  assert.equal(scenesError("2"), null);
  assert.equal(scenesError("8"), null);

  // At the default 4 s scenes one scene is long enough; before the settings arrive, the contract's 1 to 8.
  const defaults = sceneRange(PipelineSettingsSchema.parse({}));
  assert.deepEqual([defaults.min, defaults.max, defaults.why], [1, 8, null]);
  assert.deepEqual(sceneRange(null), { min: 1, max: 8, why: null, voiceover: null });
  assert.ok(checkRunForm({ ...good, scenes: "1" }, defaults).ok);
  assert.equal(sceneRange({ sceneSeconds: 2.5, minAdSeconds: 6 }).min, 3);
});

test("names and a brief of only punctuation or emoji are refused, in words", () => {
  const check = checkRunForm({ ...good, product: "☕️☕️", brand: "Fairbean", brief: "?!... ;)" });
  assert.ok(!check.ok);
  assert.deepEqual(check.errors, {
    product: "Write the product name in words, not only punctuation or emoji.",
    brief: "Write a short brief in words, not only punctuation or emoji.",
  });
});

test("a voice-over the names and brief cannot fill is refused before upload, as the backend would, saying what to change", () => {
  const settings = PipelineSettingsSchema.parse({});
  const range = sceneRange(settings);
  const lamp = { ...good, product: "Desk Lamp Arc", brand: "Halden", brief: "Light." };
  const tooLittle = checkRunForm({ ...lamp, scenes: "8" }, range);
  assert.ok(!tooLittle.ok);
  const fit = voiceoverFit(
    { productName: "Desk Lamp Arc", brandName: "Halden", brief: "Light.", scenes: 8 },
    settings.sceneSeconds,
    settings,
    { minScenes: 1, maxScenes: 8 },
  );
  assert.ok(!fit.fits);
  // The backend's refusal, less "Nothing was charged": nothing has been sent yet.
  assert.equal(`${tooLittle.errors.brief} Nothing was charged.`, userMessages.voiceoverDoesNotFit(fit));
  assert.match(String(tooLittle.errors.brief), /Write a longer brief, or choose \d scenes or fewer\.$/);
  // The count it suggests is accepted.
  const suggested = /choose (\d) scenes/.exec(String(tooLittle.errors.brief))![1];
  assert.ok(checkRunForm({ ...lamp, scenes: suggested }, range).ok);
  // Before the settings are known the page cannot judge it; the backend still does.
  assert.ok(checkRunForm({ ...lamp, scenes: "8" }).ok);

  const longNames = {
    ...good,
    product: "Ultra Premium Extra Virgin Cold Pressed Olive Oil",
    brand: "Mediterranean Agricultural Cooperative of Producers",
    scenes: "1",
  };
  const tooLong = checkRunForm(longNames, range);
  assert.ok(!tooLong.ok);
  assert.match(
    String(tooLong.errors.product),
    /names take about \d+ seconds to say.*Choose at least \d scenes, or use shorter names\.$/,
  );
});

test("the image: present, a supported type, within the size and the pixel limit, decodable", () => {
  const imageError = (image: FormFields["image"]) => {
    const check = checkRunForm({ ...good, image });
    return check.ok ? null : check.errors.image;
  };
  assert.equal(imageError(null), "Choose a photo of your product.");
  assert.equal(imageError({ type: "image/gif", size: 10, width: 1, height: 1 }), "Choose a JPEG, PNG or WebP image.");
  assert.match(
    String(imageError({ type: "image/jpeg", size: 16 * 2 ** 20, width: 10, height: 10 })),
    /16\.0 MB; the limit is 15 MB/,
  );
  assert.match(
    String(imageError({ type: "image/jpeg", size: 1000, width: 8000, height: 6000 })),
    /48\.0 million pixels; the limit is 40 million/,
  );
  assert.match(String(imageError({ type: "image/jpeg", size: 1000, width: null, height: null })), /could not be read/);
  assert.equal(imageError({ type: "image/webp", size: 1000, width: 5000, height: 8000 }), null);
});

test("Create shows the price and is disabled, with the reason, when the balance is short", () => {
  assert.deepEqual(createGate(10, 100), { label: "Create video — 10 credits", enabled: true, blocked: null });
  assert.deepEqual(createGate(10, 0), {
    label: "Create video — 10 credits",
    enabled: false,
    blocked: "Not enough credits: this video costs 10 and your balance is 0.",
  });
  assert.equal(createGate(null, 100).enabled, false);
  assert.equal(createGate(10, 10).enabled, true);
});

test("the form says when a video is charged: at the storyboard's approval by default, after the image check without one", () => {
  const byDefault = priceHint(PipelineSettingsSchema.parse({}).approval);
  assert.match(byDefault, /storyboard first: nothing is charged until you approve it/);
  assert.doesNotMatch(byDefault, /image passes/);
  assert.match(priceHint("off"), /charged only after your image passes its check/);
  assert.doesNotMatch(priceHint("off"), /storyboard/);
});
