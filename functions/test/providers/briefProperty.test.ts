/**
 * Over generated briefs (1 to 60 words), names (1 to 7 words each), 1 to 8 scenes of 2 to 6 s, on the
 * local tier: every run the preflight accepts gets a script that passes the script check and a voice
 * the quality gate passes; every other is refused before the charge. Nothing is charged and then
 * refunded for a voice-over too short or too long.
 *
 * Running each case through the emulators would take minutes a run, so the test is in two parts:
 * the pure decisions (the preflight's length refusal, the composer, the script check) on every
 * generated case and several Visual DNAs; then, on a sample of the accepted cases, the real voice:
 * Flite speaks the composed voice-over, the voice fit fits it to the video and the quality gate's
 * audio pass and voice verdict judge it (no picture: the picture does not depend on the brief). Full
 * runs through the triggers are in test/pipeline/briefLength.test.ts.
 */
import { RunInputSchema, type RunInput, type VisualDna } from "../../src/contract/run";
import { scriptProblems } from "../../src/models/quality";
import { lengthRefusal } from "../../src/pipeline/preflightStage";
import { PipelineSettingsSchema, type PipelineSettings } from "../../src/pipelineSettings";
import { analyzeImage } from "../../src/preflight/imageAnalysis";
import { decodeUpload } from "../../src/preflight/imageFile";
import { describeImage, type ImageFacts } from "../../src/providers/local/imageFacts";
import { composeScript } from "../../src/providers/local/localScript";
import { seededRandom } from "../../src/seededRandom";
import { GOOD_DNA } from "../models/helpers";
import { fixture } from "../support/samples";
import { voiceoverTrial, type VoiceoverTrial } from "../support/voiceoverTrial";

const CASES = 3000;
/** Cases whose voice is really spoken and judged (about 3 s each on a quiet 2-core machine). */
const VOICED = Number(process.env.BRIEF_PROPERTY_VOICED ?? 36);
const SCENE_SECONDS = [2, 3, 4, 5, 6];

/** Ad copy from one syllable to five, with numbers and symbols a voice reads out. */
const BRIEF_WORDS = (
  "rich smooth bold fresh light warm soft crisp pure clean fast quiet strong deep bright calm " +
  "coffee crema roast morning evening bottle serum lamp shoe jacket kitchen garden window table " +
  "handmade organic natural beautiful comfortable waterproof breathable lightweight durable " +
  "hydrating revitalising moisturising professional sustainable unbelievably extraordinary " +
  "designed roasted crafted tested built made finished folded poured brewed " +
  "for with and the a your every day night today always never only all in on of from to " +
  "aluminium ceramic walnut leather cotton linen bamboo copper marble glass " +
  "12 24 100% $5 2026 LED USB 4K"
).split(" ");
const NAME_WORDS = (
  "Arc Lamp Desk Sky Poster Night Glow Serum Trail Runner Morning Ritual Coffee Blend Halden Orbit " +
  "Lumen Northpeak Fairbean Hydrating Hyaluronic Moisturiser Dermatologica Mediterranea Premium " +
  "Extra Virgin Olive Oil Limited Edition Prints Frames Co Labs Studio Botanicals Apothecary Original"
).split(" ");

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}
const between = (rng: () => number, least: number, most: number) => least + Math.floor(rng() * (most - least + 1));

/** Words split into sentences of 1 to 12 words, some with a comma, ending in . ! or ?. */
function briefOf(rng: () => number, wordCount: number): string {
  const sentences: string[] = [];
  for (let left = wordCount; left > 0;) {
    const size = Math.min(left, between(rng, 1, 12));
    left -= size;
    const words = Array.from({ length: size }, () => pick(rng, BRIEF_WORDS));
    if (size > 4 && rng() < 0.4) words[Math.floor(size / 2)] += ",";
    const text = words.join(" ");
    sentences.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}${pick(rng, [".", ".", ".", "!", "?"])}`);
  }
  return sentences.join(" ");
}

const nameOf = (rng: () => number, wordCount: number) =>
  Array.from({ length: wordCount }, () => pick(rng, NAME_WORDS)).join(" ");

interface Case {
  input: RunInput;
  settings: PipelineSettings;
}

function generate(count: number, seed: number): Case[] {
  const rng = seededRandom(seed);
  const defaults = PipelineSettingsSchema.parse({});
  return Array.from({ length: count }, () => {
    const input = RunInputSchema.parse({
      image: "uploads/u1/product.jpg",
      productName: nameOf(rng, between(rng, 1, 7)),
      brandName: nameOf(rng, between(rng, 1, 7)),
      brief: briefOf(rng, between(rng, 1, 60)),
      scenes: between(rng, 1, 8),
    });
    return { input, settings: { ...defaults, sceneSeconds: pick(rng, SCENE_SECONDS) } };
  });
}

/** Visual DNAs as the local tier finds them in the fixture photos, and as a model describes a product. */
async function dnasFor(input: RunInput, facts: ImageFacts[]): Promise<VisualDna[]> {
  return [...facts.map((f) => describeImage(f, input)), GOOD_DNA];
}

const tally = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

let facts: ImageFacts[];
const accepted: Case[] = [];

beforeAll(async () => {
  facts = await Promise.all(
    ["coffee.png", "camera.png", "chelsea.png", "rocket.jpg"].map(async (name) =>
      analyzeImage(await decodeUpload(fixture(name))),
    ),
  );
});

test(`${CASES} generated briefs: each is refused before the charge or gets a script that passes the check`, async () => {
  const outcomes: Record<string, number> = {};
  const chargedThenRefunded: string[] = [];
  let scripts = 0;
  for (const c of generate(CASES, 20261207)) {
    const refusal = lengthRefusal(c.input, c.settings);
    if (refusal) {
      // Refused at preflight, uncharged: the reason names why.
      expect(refusal.requiresRefund).toBe(false);
      tally(outcomes, `refused before the charge: ${refusal.reason.split(":")[0]}`);
      continue;
    }
    tally(outcomes, "accepted and charged");
    accepted.push(c);
    for (const dna of await dnasFor(c.input, facts)) {
      scripts += 1;
      const script = composeScript(c.input, dna, c.settings.sceneSeconds, c.settings);
      const problems = script ? scriptProblems(script, c.input, c.settings) : ["no script"];
      if (problems.length > 0) {
        chargedThenRefunded.push(
          `${c.input.scenes} x ${c.settings.sceneSeconds} s "${c.input.productName}": ${problems}`,
        );
      }
    }
  }
  console.log(
    `brief property, pure decisions over ${CASES} cases:\n` +
      Object.entries(outcomes)
        .sort()
        .map(([outcome, n]) => `  ${outcome}: ${n}`)
        .join("\n") +
      `\n  scripts composed for accepted cases (x ${facts.length + 1} Visual DNAs): ${scripts}` +
      `\n  charged, then refunded at the script stage: ${chargedThenRefunded.length}`,
  );
  expect(chargedThenRefunded).toEqual([]);
  expect(accepted.length).toBeGreaterThan(CASES / 4);
});

test(`the real voice on ${VOICED} accepted cases: Flite, the voice fit and the gate's voice verdict pass every one`, async () => {
  // An even spread over the accepted cases (they come in generated order, so lengths and names vary).
  const sample = Array.from({ length: VOICED }, (_, i) => accepted[Math.floor((i * accepted.length) / VOICED)]);
  const trials: { c: Case; trial: VoiceoverTrial }[] = [];
  for (const [i, c] of sample.entries()) {
    const dnas = await dnasFor(c.input, facts);
    const trial = await voiceoverTrial(c.input, dnas[i % dnas.length], c.settings);
    if (!trial) throw new Error(`accepted but not composed: ${JSON.stringify(c.input)}`);
    trials.push({ c, trial });
  }
  const failed = trials.filter(({ trial }) => trial.failures.length > 0);
  const errors = trials.map(({ trial }) => (trial.estimatedSec - trial.spokenSec) / trial.spokenSec);
  const worst = (values: number[]) => values.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
  console.log(
    `brief property, the real voice on ${trials.length} accepted cases:\n` +
      `  passed the gate's voice verdict: ${trials.length - failed.length}\n` +
      `  charged, then refunded for the voice (cut off, silent tail, gaps): ${failed.length}\n` +
      `  video ${Math.min(...trials.map((t) => t.trial.videoSec))}-${Math.max(...trials.map((t) => t.trial.videoSec))} s; ` +
      `tempo ${Math.min(...trials.map((t) => t.trial.tempo)).toFixed(2)}-${Math.max(...trials.map((t) => t.trial.tempo)).toFixed(2)}; ` +
      `silent tail ${Math.min(...trials.map((t) => t.trial.tailSec)).toFixed(2)}-${Math.max(...trials.map((t) => t.trial.tailSec)).toFixed(2)} s\n` +
      `  syllable estimate against where Flite's voice stops: worst ${percent(worst(errors))}, ` +
      `mean absolute ${percent(errors.reduce((sum, e) => sum + Math.abs(e), 0) / errors.length)}` +
      failed
        .map(({ c, trial }) => `\n  FAILED ${c.input.scenes} x ${c.settings.sceneSeconds} s: ${JSON.stringify(trial)}`)
        .join(""),
  );
  expect(failed.map(({ trial }) => trial.failures)).toEqual([]);
}, 1_800_000);
