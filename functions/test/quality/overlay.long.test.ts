/**
 * The captions, title and end card drawn in a clip's own encoding pass (real ffmpeg, the shipped font),
 * then found, measured and judged on the file as the quality gate does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { OverlayPlan } from "../../src/contract/overlay";
import { overlayPlan, sceneOverlay } from "../../src/script/captions";
import { renderKenBurns } from "../../src/media/kenBurns";
import { prepareOverlay } from "../../src/media/overlay";
import { timeVoiceLines } from "../../src/media/voiceTiming";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";
import { analyseBand, measureOverlay, overlayFailures } from "../../src/quality/overlayCheck";
import { FIXTURES } from "../support/samples";

jest.setTimeout(300_000);

const settings = PipelineSettingsSchema.parse({});
const narrations = ["Meet the Aurora Lamp by Halden.", "Warm light for late nights."];
const timing = timeVoiceLines({
  durationSec: 4,
  silences: [
    { startSec: 0, endSec: 0.2 },
    { startSec: 1.8, endSec: 2.1 },
    { startSec: 3.6, endSec: 4 },
  ],
  scenes: narrations.map((narration) => ({ narration, durationSec: 2 })),
});
const planFor = (over: Partial<Parameters<typeof overlayPlan>[0]> = {}) =>
  overlayPlan(
    {
      frame: { width: 1080, height: 1920 },
      headline: "Aurora Lamp by Halden",
      productName: "Aurora Lamp",
      brandName: "Halden",
      callToAction: "Shop now",
      narrations,
      sceneSeconds: [4],
      timing,
      brand: undefined,
      options: undefined,
      ...over,
    },
    settings.overlay,
  );

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "overlay-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One 4 s Ken Burns scene of the coffee photo with the plan drawn in its pass. */
async function render(plan: OverlayPlan | null, name: string): Promise<string> {
  const outFile = path.join(dir, `${name}.mp4`);
  const part = plan && sceneOverlay(plan, { startSec: 0, endSec: 4 });
  const overlay = part ? await prepareOverlay(part, path.join(dir, name)) : undefined;
  await renderKenBurns(
    {
      imageFile: path.join(FIXTURES, "coffee.png"),
      outFile,
      width: 1080,
      height: 1920,
      seconds: 4,
      motion: "zoom_in",
      ...(overlay && { overlay }),
    },
    settings.qualityGate,
  );
  return outFile;
}

test("drawn in the clip's pass: every caption, the title and the end card found, readable and inside the safe area", async () => {
  const plan = planFor();
  const file = await render(plan, "drawn");
  const measured = await measureOverlay(file, plan, timing);
  expect(measured.elements.map((e) => e.kind)).toEqual(plan.elements.map((e) => e.kind));
  for (const element of measured.elements) {
    expect(element.textPixels).toBeGreaterThan(settings.overlay.minTextPixels);
    expect(element.contrast).toBeGreaterThanOrEqual(4.5);
  }
  expect(measured.speechCovered).toBeGreaterThanOrEqual(0.9);
  expect(overlayFailures(plan, measured, settings.overlay, true)).toEqual([]);
  // The brand's highlight look, measured the same way.
  const branded = planFor({
    brand: {
      brandName: "Halden",
      logo: null,
      primaryColour: "#ffd23f",
      secondaryColour: "#0b3d2e",
      captionStyle: "outlined",
      callToAction: "Visit us",
      music: true,
    },
  });
  const brandedFile = await render(branded, "branded");
  const brandedMeasured = await measureOverlay(brandedFile, branded, timing);
  expect(overlayFailures(branded, brandedMeasured, settings.overlay, true)).toEqual([]);
});

test("a clip drawn without its overlay fails: captions and end card missing", async () => {
  const plan = planFor();
  const file = await render(null, "bare");
  const failures = overlayFailures(plan, await measureOverlay(file, plan, timing), settings.overlay, true);
  const causes = new Set(failures.map((f) => f.cause));
  expect(causes).toEqual(new Set(["captions_missing", "end_card_missing"]));
});

test("text too close to what is behind it fails the contrast check with the measured ratio", async () => {
  const plan = planFor();
  // Drawn grey on dark grey (about 2:1), judged against the plan's look as the gate does.
  const faint: OverlayPlan = {
    ...plan,
    look: { style: "boxed", text: [110, 110, 110], backing: [40, 40, 40] },
    elements: plan.elements.filter((e) => e.kind === "caption"),
    endCard: null,
  };
  const file = await render(faint, "faint");
  const failures = overlayFailures(faint, await measureOverlay(file, faint, timing), settings.overlay, false);
  const contrast = failures.filter((f) => f.cause === "text_contrast");
  expect(contrast.length).toBeGreaterThan(0);
  for (const failure of contrast) expect(failure.detail).toMatch(/contrast [0-9.]+:1 \(at least 4.5:1\)/);
});

test("text drawn outside the safe area is found there", async () => {
  const plan = planFor({ options: { endCard: false, captions: false } });
  const low: OverlayPlan = {
    ...plan,
    elements: plan.elements.map((e) => ({ ...e, lines: e.lines.map((l) => ({ ...l, y: 1500 + l.y - 300 })) })),
  };
  const file = await render(low, "low");
  const failures = overlayFailures(low, await measureOverlay(file, low, timing), settings.overlay, false);
  expect(failures.map((f) => f.cause)).toEqual(["captions_unsafe"]);
});

test("a few pixels of the picture that look like text beside the box are not counted as letters", () => {
  const width = 200;
  const height = 20;
  const white: [number, number, number] = [255, 255, 255];
  const dark: [number, number, number] = [17, 17, 17];
  const data = Buffer.alloc(width * height * 3, 128);
  const paint = (x: number, y: number, c: readonly number[]) => data.set(c, (y * width + x) * 3);
  // A box from x 40 to 120 with white strokes every 4 px: the letters.
  for (let y = 2; y < 18; y++)
    for (let x = 40; x <= 120; x++) paint(x, y, x % 4 === 0 && x > 44 && x < 116 ? white : dark);
  // Far to the right, the picture: a white pixel between two dark ones on two rows.
  for (const y of [5, 6]) {
    paint(180, y, dark);
    paint(181, y, white);
    paint(182, y, dark);
  }
  const look = { style: "boxed" as const, text: white, backing: dark };
  const band = analyseBand(data, width, height, look, 6, 4, 100);
  expect(band.textPixels).toBeGreaterThan(200);
  expect(band.extent).toEqual({ x: 48, y: 102, width: 65, height: 16 });
  expect(band.contrast).toBeGreaterThan(15);
});
