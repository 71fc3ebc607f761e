/**
 * The brand kit through the real triggers: a run takes the owner's kit when it starts (its logo
 * checked and copied, colours from the Visual DNA where the kit has none, the run's switches), keeps
 * it whatever the kit says later, and is refused before any charge for a logo or end-card text it cannot use.
 */
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BrandKit } from "../../src/contract/brand";
import { paths } from "../../src/contract/paths";
import {
  LOCAL_BUCKET,
  TRIGGER_PROJECT,
  balanceOf,
  createRun,
  firestoreFor,
  movementsOf,
  newUser,
  settled,
  upload,
  waitForRun,
  writeSettings,
} from "../support/emulator";
import { upscaledCoffee } from "../support/samples";
import { opaqueWithAlpha, transparentLogo } from "./logos";

const db = firestoreFor(TRIGGER_PROJECT);

beforeAll(() => writeSettings(db));

async function putLogo(uid: string, name: string, bytes: Buffer): Promise<string> {
  const objectPath = `brand/${uid}/${name}`;
  await mkdir(path.join(LOCAL_BUCKET, "brand", uid), { recursive: true });
  await writeFile(path.join(LOCAL_BUCKET, objectPath), bytes);
  return objectPath;
}

const KIT: BrandKit = {
  logo: null,
  primaryColour: "#123456",
  secondaryColour: null,
  captionStyle: "outlined",
  callToAction: "Visit fairbean.example",
  music: false,
};

/**
 * The runs that pass their preflight end at the voice by a fault: their brand is decided at the Visual
 * DNA, before it, and a run that ends needs no scene renders on a loaded machine.
 */
const END_AT_VOICE = { voice: "fail" };

async function runFor(
  uid: string,
  input: Record<string, unknown> = {},
  faults?: Record<string, string>,
): Promise<string> {
  const image = await upload(uid, "product.png", await upscaledCoffee());
  return createRun(db, {
    uid,
    image,
    faults,
    input: {
      image,
      productName: "Morning Ritual Coffee",
      brandName: "Fairbean",
      brief: "Single-origin beans roasted in small batches. Rich crema and a smooth finish.",
      scenes: 2,
      aspectRatio: "9:16",
      ...input,
    },
  });
}

async function expectRefusedUncharged(uid: string, runId: string, message: string | RegExp) {
  const run = await waitForRun(db, runId, settled);
  expect(run.status).toBe("failed");
  expect(run.failure?.stage).toBe("preflight");
  expect(run.failure?.userMessage).toMatch(message);
  expect(run.credits).toEqual({ charged: 0, refunded: 0 });
  expect(await balanceOf(db, uid)).toBe(100);
  expect(await movementsOf(db, uid, runId)).toEqual([]);
  return run;
}

test("a run takes the kit when it starts and keeps it: a later edit and a deleted logo change nothing", async () => {
  const uid = await newUser(db);
  const logo = await putLogo(uid, "logo-first.png", await transparentLogo());
  await db.doc(paths.brandKit(uid)).set({ ...KIT, logo });
  const runId = await runFor(uid, { options: { captions: false } }, END_AT_VOICE);

  const started = await waitForRun(db, runId, (r) => r.brandKit !== undefined || settled(r));
  expect(started.brandKit).toEqual({ ...KIT, logo: `runs/${runId}/logo.png` });
  expect(started.options).toEqual({ captions: false, music: false, endCard: true });
  // The owner edits the kit and deletes the logo while the run works.
  await db.doc(paths.brandKit(uid)).set({ ...KIT, primaryColour: "#fedcba", callToAction: "Changed", music: true });
  await rm(path.join(LOCAL_BUCKET, logo));

  const run = await waitForRun(db, runId, settled, 180_000);
  expect(run.failure?.stage).toBe("voice");
  expect(run.brand).toEqual({
    brandName: "Fairbean",
    logo: `runs/${runId}/logo.png`,
    primaryColour: "#123456",
    secondaryColour: run.dna?.palette[1] ?? run.dna?.palette[0],
    captionStyle: "outlined",
    callToAction: "Visit fairbean.example",
    music: false,
  });
  expect(run.options).toEqual({ captions: false, music: false, endCard: true });
  expect(existsSync(path.join(LOCAL_BUCKET, `runs/${runId}/logo.png`))).toBe(true);
}, 240_000);

test("without a kit: the palette's colours, no logo, no call to action, everything on", async () => {
  const uid = await newUser(db);
  const runId = await runFor(uid, {}, END_AT_VOICE);
  const run = await waitForRun(db, runId, settled, 180_000);
  expect(run.brand).toEqual({
    brandName: "Fairbean",
    logo: null,
    primaryColour: run.dna?.palette[0],
    secondaryColour: run.dna?.palette[1] ?? run.dna?.palette[0],
    captionStyle: "boxed",
    callToAction: "",
    music: true,
  });
  expect(run.options).toEqual({ captions: true, music: true, endCard: true });
}, 240_000);

test("a logo without transparency, stored around the upload check, is refused before any charge", async () => {
  const uid = await newUser(db);
  const logo = await putLogo(uid, "logo-box.png", await opaqueWithAlpha());
  await db.doc(paths.brandKit(uid)).set({ ...KIT, logo });
  const runId = await runFor(uid);
  await expectRefusedUncharged(
    uid,
    runId,
    /^Your brand kit's logo cannot be used: This logo has no transparent background/,
  );
});

test("a kit whose logo is gone is refused before any charge, saying to upload it again", async () => {
  const uid = await newUser(db);
  await db.doc(paths.brandKit(uid)).set({ ...KIT, logo: `brand/${uid}/logo-gone.png` });
  const runId = await runFor(uid);
  await expectRefusedUncharged(uid, runId, /logo could not be found\. Upload it again in Brand kit/);
});

test.each([
  [
    "a call to action too long for the end card",
    { callToAction: "Order a bag of our small-batch single-origin beans today online" },
    "The call to action is 63 characters; the end card holds 48. Shorten it or switch the end card off. Nothing was charged.",
  ],
  [
    "a brand name too long for the end card",
    { brandName: "Fairbean Small Batch Roasters" },
    "The brand name is 29 characters; the end card holds 22. Shorten it or switch the end card off. Nothing was charged.",
  ],
])("%s is refused before any charge, with the limit", async (_name, input, message) => {
  const uid = await newUser(db);
  const runId = await runFor(uid, input);
  await expectRefusedUncharged(uid, runId, message);
});

test("with the end card off, a long brand name is no reason to refuse", async () => {
  const uid = await newUser(db);
  const runId = await runFor(
    uid,
    { brandName: "Fairbean Small Batch Roasters", options: { endCard: false } },
    END_AT_VOICE,
  );
  const run = await waitForRun(db, runId, settled, 180_000);
  expect(run.credits?.charged).toBe(10);
  expect(run.options).toEqual({ captions: true, music: true, endCard: false });
}, 240_000);
