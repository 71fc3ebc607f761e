/**
 * The legacy wrapper around the real local providers (image analysis, script composer, flite),
 * with the incident's model failures injected the way the emulators replay them.
 */
import { RunInputSchema, ScriptSchema, VisualDnaSchema } from "../../src/contract/run";
import type { Faults } from "../../src/contract/faults";
import { decodeWav } from "../../src/models/wav";
import { analyzeImage } from "../../src/preflight/imageAnalysis";
import { decodeUpload } from "../../src/preflight/imageFile";
import { isPipelineFailure } from "../../src/contract/failure";
import { LocalScriptProvider } from "../../src/providers/local/localScript";
import { LocalVisualDnaProvider } from "../../src/providers/local/localVisualDna";
import { LocalVoiceProvider } from "../../src/providers/local/localVoice";
import { synthesizeSpeech } from "../../src/media/speech";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";
import type { CallContext } from "../../src/contract/providers";
import type { Cohort } from "../../src/contract/cohorts";
import { isLegacyFallback, LEGACY_DNA, LEGACY_MODELS, withLegacyFallback } from "../../src/rollout/legacy";
import { upscaledCoffee as productImage } from "../support/samples";

const providers = withLegacyFallback(
  {
    visualDna: new LocalVisualDnaProvider(async (image) => analyzeImage(await decodeUpload(image))),
    script: new LocalScriptProvider(async () => ({ ...PipelineSettingsSchema.parse({}), sceneSeconds: 3 })),
    voice: new LocalVoiceProvider(synthesizeSpeech),
  },
  { sceneSeconds: async () => 3 },
);

const input = RunInputSchema.parse({
  image: "uploads/u1/coffee.jpg",
  productName: "Morning Ritual Coffee",
  brandName: "Fairbean",
  brief: "Single-origin beans roasted in small batches. Rich crema.",
  scenes: 3,
});
const ctx = (cohort: Cohort | undefined, faults: Faults = {}): CallContext =>
  ({ runId: "r1", faults, ...(cohort && { cohort }) }) as CallContext;

let image: Buffer;
beforeAll(async () => {
  image = await productImage();
});

test("a legacy call whose models fail gets the generic template content, labelled legacy, attempts kept", async () => {
  const dna = await providers.visualDna.extract(
    { image, mimeType: "image/jpeg", input },
    ctx("legacy", { visual_dna: "model_not_found" }),
  );
  expect(dna).toMatchObject({ value: LEGACY_DNA, model: LEGACY_MODELS.visualDna, tier: "legacy" });
  expect(VisualDnaSchema.parse(dna.value).productDescription).toBe("Generic creator");
  expect(dna.attempts.map((a) => [a.tier, a.errorClass])).toEqual([
    ["local", "not_found"],
    ["legacy", null],
  ]);

  const script = await providers.script.write({ input, dna: dna.value }, ctx("legacy", { script: "all_models_down" }));
  expect(script.tier).toBe("legacy");
  expect(ScriptSchema.parse(script.value).scenes).toHaveLength(3);
  expect(script.value.voiceover).toMatch(/^Experience the ultimate upgrade/);
  expect(script.value.scenes.every((s) => s.shot.endsWith("(Fallback)") && s.durationSec === 3)).toBe(true);

  const voice = await providers.voice.speak(
    { text: script.value.voiceover, input },
    ctx("legacy", { voice: "model_not_found" }),
  );
  expect(voice).toMatchObject({ model: LEGACY_MODELS.voice, tier: "legacy" });
  const pcm = decodeWav(voice.value.wav);
  expect(pcm.data.length).toBeGreaterThan(0);
  expect(pcm.data.every((byte) => byte === 0)).toBe(true);
  expect(voice.value.durationSec).toBeGreaterThanOrEqual(2);
});

test("a legacy call whose models work gets the real output", async () => {
  const dna = await providers.visualDna.extract({ image, mimeType: "image/jpeg", input }, ctx("legacy"));
  expect(dna.tier).toBe("local");
  expect(dna.value.productDescription).not.toBe("Generic creator");
  const voice = await providers.voice.speak({ text: "Meet Morning Ritual Coffee.", input }, ctx("legacy"));
  expect(voice.tier).toBe("local");
  expect(decodeWav(voice.value.wav).data.some((byte) => byte !== 0)).toBe(true);
});

test.each([
  ["graceful", "graceful" as const],
  ["cohort-less", undefined],
])("a %s call that fails still fails with the PipelineFailure", async (_label, cohort) => {
  const failure = await providers.script
    .write({ input, dna: LEGACY_DNA }, ctx(cohort, { script: "model_not_found" }))
    .catch((error: unknown) => error);
  expect(isPipelineFailure(failure)).toBe(true);
});

test("errors other than PipelineFailure are not papered over, even for legacy", async () => {
  await expect(
    providers.voice.speak({ text: "Hello there.", input }, ctx("legacy", { voice: "fail" })),
  ).rejects.toThrow("injected voice engine failure");
});

test("isLegacyFallback reads the stage records (or an explicit flag)", () => {
  const record = (tier: "local" | "legacy") => ({ model: "m", tier, attempts: [], durationMs: 0 });
  expect(isLegacyFallback({ stages: { visual_dna: record("local"), script: record("legacy") } })).toBe(true);
  expect(isLegacyFallback({ stages: { visual_dna: record("local"), voice: { tier: null } } })).toBe(false);
  expect(isLegacyFallback({})).toBe(false);
  expect(isLegacyFallback({ legacyFallback: true })).toBe(true);
});
