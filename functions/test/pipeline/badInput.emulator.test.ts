/** Bad input ends in a clear `failed` state before any charge, through the real triggers. */
import sharp from "sharp";
import { PipelineFailure } from "../../src/contract/failure";
import { validateRequest } from "../../src/pipeline/preflightStage";
import { paths } from "../../src/contract/paths";
import type { RunDocument } from "../../src/contract/runDocument";
import {
  TRIGGER_PROJECT,
  balanceOf,
  createRun,
  firestoreFor,
  movementsOf,
  newUser,
  settled,
  startRun,
  upload,
  waitForDoc,
  waitForRun,
  writeSettings,
} from "../support/emulator";
import { photoStrip, pngDeclaring, upscaledCoffee as productImage } from "../support/samples";

const db = firestoreFor(TRIGGER_PROJECT);

beforeAll(() => writeSettings(db));

async function expectRefusedUncharged(uid: string, runId: string, message: RegExp) {
  const run = await waitForRun(db, runId, settled);
  expect(run.status).toBe("failed");
  expect(run.failure?.stage).toBe("preflight");
  expect(run.failure?.refunded).toBe(false);
  expect(run.failure?.userMessage).toMatch(message);
  expect(run.failure?.userMessage).toMatch(/Nothing was charged/);
  expect(run.credits).toEqual({ charged: 0, refunded: 0 });
  expect(await balanceOf(db, uid)).toBe(100);
  expect(await movementsOf(db, uid, runId)).toEqual([]);
  return run;
}

test.each([
  ["a missing brief", { productName: "Mug", brandName: "Acme" }, /brief/],
  ["a number where text belongs", { productName: 42, brandName: "Acme", brief: "A mug." }, /productName/],
  ["too many scenes", { productName: "Mug", brandName: "Acme", brief: "A mug.", scenes: 40 }, /scenes/],
  ["a brief over 2000 characters", { productName: "Mug", brandName: "Acme", brief: "x".repeat(2001) }, /brief/],
  [
    "a brief of only punctuation",
    { productName: "Mug", brandName: "Acme", brief: "?!... -- ;)" },
    /brief: must contain words/,
  ],
  [
    "a brief of only emoji",
    { productName: "Mug", brandName: "Acme", brief: "☕️ 🔥✨ 👍🏽" },
    /brief: must contain words/,
  ],
  [
    "a product name of only emoji",
    { productName: "☕️☕️", brandName: "Acme", brief: "A mug." },
    /productName: must contain words/,
  ],
])("%s is refused before any charge", async (_name, fields, message) => {
  const uid = await newUser(db);
  const image = await upload(uid, "ok.jpg", await productImage());
  const runId = await createRun(db, { uid, image, input: { image, ...fields } });
  await expectRefusedUncharged(uid, runId, message);
});

test("an image path that does not exist is refused", async () => {
  const uid = await newUser(db);
  const runId = await createRun(db, { uid, image: `uploads/${uid}/nowhere.jpg` });
  await expectRefusedUncharged(uid, runId, /could not find the uploaded image/);
});

test("another user's upload is refused", async () => {
  const owner = await newUser(db);
  const image = await upload(owner, "theirs.jpg", await productImage());
  const uid = await newUser(db);
  const runId = await createRun(db, { uid, image });
  await expectRefusedUncharged(uid, runId, /your own uploads/);
});

test.each([
  ["a text file named .jpg", "notes.jpg", () => Buffer.from("this is not an image\n".repeat(20))],
  ["a 0-byte file", "empty.png", () => Buffer.alloc(0)],
  ["a PNG declaring 50000x50000 pixels", "bomb.png", () => pngDeclaring(50000, 50000)],
])("%s is refused before any charge, the function survives", async (_name, file, bytes) => {
  const uid = await newUser(db);
  const image = await upload(uid, file, bytes());
  const runId = await createRun(db, { uid, image });
  await expectRefusedUncharged(uid, runId, /./);
});

const solidImage = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: "#8a5a3c" } });

test.each([
  ["a 1x1 PNG", "1x1.png", () => solidImage(1, 1).png().toBuffer(), "1 x 1"],
  ["a 2x2 JPEG", "2x2.jpg", () => solidImage(2, 2).jpeg().toBuffer(), "2 x 2"],
  ["a 170x170 WebP thumbnail", "thumb.webp", () => solidImage(170, 170).webp().toBuffer(), "170 x 170"],
])(
  "%s is refused as too small before any charge, with the minimum, never reaching a render",
  async (_n, file, bytes, size) => {
    const uid = await newUser(db);
    const image = await upload(uid, file, await bytes());
    const runId = await createRun(db, { uid, image });
    const run = await expectRefusedUncharged(
      uid,
      runId,
      new RegExp(`^The image is only ${size} pixels, too small .* at least 135 pixels on its shortest side`),
    );
    expect(run.failure?.reason).toMatch(/^IMAGE_TOO_SMALL: /);
    expect(await db.collection(`runs/${runId}/scenes`).get()).toHaveProperty("size", 0);
  },
);

test("an 80:1 photo strip is refused before any charge, saying what the video would look like", async () => {
  const uid = await newUser(db);
  const image = await upload(uid, "strip.png", await photoStrip(12_000, 150));
  const runId = await createRun(db, { uid, image });
  const run = await expectRefusedUncharged(uid, runId, /cover only 0\.7% of each frame/);
  expect(run.failure?.reason).toMatch(
    /^framing_refused: LOW_RESOLUTION, ASPECT_RATIO, PRODUCT_TOO_SMALL \(fill 0.0070/,
  );
  expect(run.preflight).toMatchObject({ safeToProceed: false, refused: true });
  expect(run.preflight?.warnings.map((w) => w.code)).toEqual(["LOW_RESOLUTION", "ASPECT_RATIO", "PRODUCT_TOO_SMALL"]);
  expect(await db.collection(`runs/${runId}/scenes`).get()).toHaveProperty("size", 0);
});

test("an ad too short for its voice-over is refused before any charge, saying how many scenes to choose", async () => {
  // The test settings' 2 s scenes against the default shortest ad, 4 s: one scene is 2 s.
  const { uid, runId } = await startRun(db, await productImage(), { scenes: 1 });
  const run = await expectRefusedUncharged(
    uid,
    runId,
    /^A video of 1 scene lasts 2 seconds, but the voice-over needs a video of at least 4 seconds\. Choose at least 2 scenes\./,
  );
  expect(run.failure?.reason).toBe("ad_too_short");
  // Refused before the image was read or any stage ran.
  expect(run.preflight).toBeUndefined();
  expect(run.stages).toBeUndefined();
  expect(await waitForDoc(db, paths.notification(uid, `failed_${runId}`))).toMatchObject({
    kind: "failed",
    title: "Video not created",
    body: run.failure?.userMessage,
  });
});

test("a one-word brief that cannot fill 8 scenes is refused before any charge, saying how many scenes it fills", async () => {
  const uid = await newUser(db);
  const image = await upload(uid, "lamp.jpg", await productImage());
  const input = { image, productName: "Desk Lamp Arc", brandName: "Halden", brief: "Light.", scenes: 8 };
  const runId = await createRun(db, { uid, image, input });
  // The test settings' 2 s scenes: 16 s of video against about 8 s the names and the brief give.
  const run = await expectRefusedUncharged(
    uid,
    runId,
    /^Your brief and the product and brand names give about 8 seconds of voice-over, but a video of 16 seconds needs at least 13 seconds\. Write a longer brief, or choose 5 scenes or fewer\./,
  );
  expect(run.failure?.reason).toMatch(/^brief_too_short: /);
  expect(run.preflight).toBeUndefined();
  // The suggestion holds: the same brief in 5 scenes is accepted and charged (a fault then ends it early, refunded).
  const fewer = await createRun(db, {
    uid,
    image,
    input: { ...input, scenes: 5 },
    faults: { visual_dna: "all_models_down" },
  });
  const charged = await waitForRun(db, fewer, settled);
  expect(charged.failure).toMatchObject({ stage: "visual_dna", refunded: true });
  expect(charged.credits).toEqual({ charged: 10, refunded: 10 });
});

test("the shortest ad follows config/pipeline: raised to 6 s, 2 scenes of 2 s are refused and 3 are charged", async () => {
  await writeSettings(db, { minAdSeconds: 6 });
  try {
    const image = await productImage();
    const short = await startRun(db, image, { scenes: 2 });
    const run = await expectRefusedUncharged(
      short.uid,
      short.runId,
      /lasts 4 seconds, .* at least 6 seconds\. Choose at least 3 scenes\./,
    );
    expect(run.failure?.reason).toBe("ad_too_short");
    // Long enough: past the preflight and charged (a visual_dna fault then ends it early, refunded).
    const long = await startRun(db, image, { scenes: 3, faults: { visual_dna: "all_models_down" } });
    const charged = await waitForRun(db, long.runId, settled);
    expect(charged.failure).toMatchObject({ stage: "visual_dna", refunded: true });
    expect(charged.credits).toEqual({ charged: 10, refunded: 10 });
  } finally {
    await writeSettings(db);
  }
});

test("not enough credits: failed with a clear message, nothing charged", async () => {
  const uid = await newUser(db, 5);
  const image = await upload(uid, "ok.jpg", await productImage());
  const runId = await createRun(db, { uid, image });
  const run = await waitForRun(db, runId, settled);
  expect(run.status).toBe("failed");
  expect(run.failure).toMatchObject({ stage: "charge", reason: "insufficient_credits", refunded: false });
  expect(run.failure?.userMessage).toBe("This video costs 10 credits and your balance is 5. Nothing was charged.");
  expect(await balanceOf(db, uid)).toBe(5);
  expect(await movementsOf(db, uid, runId)).toEqual([]);
});

test("fault injection is refused outside the emulators", () => {
  const run = {
    uid: "u1",
    status: "queued",
    input: { image: "uploads/u1/a.jpg", productName: "Mug", brandName: "Acme", brief: "A mug." },
    test: { faults: { visual_dna: "model_not_found" } },
  } as RunDocument;
  let refused: unknown;
  try {
    validateRequest("r1", run, false);
  } catch (error) {
    refused = error;
  }
  expect(refused).toMatchObject({ stage: "preflight", reason: "faults_refused", requiresRefund: false });
  expect((refused as PipelineFailure).userMessage).toMatch(/only available on the local emulators/);
  expect(validateRequest("r1", run, true)).toMatchObject({ scenes: 4, aspectRatio: "9:16" });
});

test("a run id that is unsafe in a task id is refused before any charge", () => {
  const run = {
    uid: "u1",
    status: "queued",
    input: { image: "uploads/u1/a.jpg", productName: "Mug", brandName: "Acme", brief: "A mug." },
  } as RunDocument;
  expect(() => validateRequest("run.1/../x", run, true)).toThrow(PipelineFailure);
  expect(() => validateRequest("run_1-A", run, true)).not.toThrow();
});
