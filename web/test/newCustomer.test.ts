/**
 * The price before paying: shown on Create, checked against the balance; the form refuses bad
 * fields before any upload and offers only the scene counts the settings allow. My videos pages
 * through older runs and shows a linked one.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { Timestamp } from "firebase-admin/firestore";
import { grantCredits } from "../../functions/src/ledger/credits";
import { PIPELINE_SETTINGS_PATH } from "../../functions/src/pipelineSettings";
import { adminDb } from "../../scripts/lib/emulators";
import { expectAccessible, IMAGES, PHONE, screenshotBoth, startSession } from "./support/session";

/** The scenes field's error for one scene under the browser tests' settings (2 s scenes, a video of at least 4 s). */
const TOO_FEW =
  "Choose between 2 and 8 scenes: the voice-over needs a video of at least 4 seconds, and each scene lasts 2 seconds.";

test("balance 0: price shown, Create disabled with the reason; then spaces-only fields refused per field, nothing uploaded", async () => {
  const session = await startSession({ credits: 0, viewport: PHONE });
  const { page, user } = session;
  const uploads: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("uploadImage")) uploads.push(request.url());
  });
  try {
    const create = page.locator("#create-run");
    await page.locator("#create-run", { hasText: "Create video — 10 credits" }).waitFor();
    assert.equal(await create.isDisabled(), true);
    assert.equal(
      await page.locator("#create-blocked-text").innerText(),
      "Not enough credits: this video costs 10 and your balance is 0.",
    );
    assert.match(await page.locator("#top-up").innerText(), /Buy credits to make this video/);
    assert.match(
      await page.locator("#price-hint").innerText(),
      /You see its storyboard first: nothing is charged until you approve it\./,
    );
    await expectAccessible(page, "balance 0");
    await screenshotBoth(page, "not-enough-credits", "#new-run");

    await grantCredits(adminDb(), user.uid, `top-up-${user.uid}`, 20, "browser test top-up");
    await page.locator("#balance", { hasText: "20" }).waitFor();
    await page.locator("#create-run:enabled").waitFor();
    assert.equal(await page.locator("#create-blocked").isVisible(), false);

    await page.setInputFiles("#image", path.join(IMAGES, "coffee.png"));
    await page.fill("#product", "   ");
    await page.fill("#brand", "Fairbean");
    await page.fill("#brief", " \n  ");
    await page.fill("#scenes", "12");
    await create.click();
    await page.locator("#product-error").waitFor();
    assert.equal(await page.locator("#product-error").innerText(), "Enter the product name.");
    assert.equal(await page.locator("#brief-error").innerText(), "Enter a short brief.");
    assert.equal(await page.locator("#scenes-error").innerText(), "Choose between 2 and 8 scenes.");
    assert.equal(await page.locator("#brand-error").isVisible(), false);
    assert.equal(await page.locator("#image-error").isVisible(), false);
    assert.equal(await page.locator("#product").getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "product", "focus on the first field in error");
    assert.deepEqual(uploads, [], "nothing was uploaded");
    assert.equal((await adminDb().collection("runs").where("uid", "==", user.uid).get()).size, 0);
    await expectAccessible(page, "form with errors");
    await screenshotBoth(page, "form-errors", "#new-run");
  } finally {
    await session.close();
  }
});

test("the scenes field offers only counts long enough for the voice-over, and follows the settings live", async () => {
  // The session's settings: 2 s scenes, and the default shortest video of 4 s.
  const session = await startSession();
  const { page, user } = session;
  try {
    const scenes = page.locator("#scenes");
    const limit = page.locator('label[for="scenes"] .limit');
    await page.locator('#scenes[min="2"]').waitFor();
    assert.equal(await limit.innerText(), "(2 to 8)");
    await page.setInputFiles("#image", path.join(IMAGES, "coffee.png"));
    await page.fill("#product", "Morning Ritual Coffee");
    await page.fill("#brand", "Fairbean");
    await page.fill("#brief", "Rich crema.");
    await scenes.fill("1");
    await page.click("#create-run");
    await page.locator("#scenes-error").waitFor();
    assert.equal(await page.locator("#scenes-error").innerText(), TOO_FEW);
    assert.equal(await scenes.getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "scenes");
    // The arrow key stops at the minimum.
    await scenes.fill("2");
    await scenes.press("ArrowDown");
    assert.equal(await scenes.inputValue(), "2");
    assert.equal((await adminDb().collection("runs").where("uid", "==", user.uid).get()).size, 0);

    // An operator lengthens the scenes: one scene of 4 s is long enough, and the page says so at once.
    await adminDb().doc(PIPELINE_SETTINGS_PATH).update({ sceneSeconds: 4 });
    await page.locator('#scenes[min="1"]').waitFor();
    assert.equal(await limit.innerText(), "(1 to 8)");
    // One scene passes the form's check now (the brief left empty stops the upload).
    await scenes.fill("1");
    await page.fill("#brief", "");
    await page.click("#create-run");
    await page.locator("#brief-error").waitFor();
    assert.equal(await page.locator("#scenes-error").isVisible(), false);
    assert.equal(await scenes.getAttribute("aria-invalid"), null);
  } finally {
    await session.close();
  }
});

test("My videos pages ten at a time; a link to an older run shows it before its page is loaded", async () => {
  const session = await startSession();
  const { page, user } = session;
  try {
    // Finished runs written as the backend leaves them (a created run that is not queued starts nothing).
    const ids: string[] = [];
    const now = Date.now();
    for (let i = 1; i <= 11; i++) {
      const ref = adminDb().collection("runs").doc();
      ids.push(ref.id);
      await ref.set({
        uid: user.uid,
        status: "failed",
        input: { productName: `Product ${i}`, brandName: "Fairbean" },
        failure: {
          stage: "preflight",
          reason: "IMAGE_TOO_SMALL",
          userMessage: "The image is too small.",
          refunded: false,
        },
        createdAt: Timestamp.fromMillis(now - i * 60_000),
      });
    }
    const cards = page.locator("#run-list > li");
    await page.locator("#more-runs").waitFor();
    assert.equal(await cards.count(), 10);
    assert.equal(await cards.first().locator("h3").innerText(), "Product 1 · Fairbean");
    assert.equal(await cards.first().locator(".chip").innerText(), "Not charged");

    const oldest = ids[10];
    await page.evaluate((id) => (location.hash = `#run-${id}`), oldest);
    await page.locator(`#run-${oldest}`).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Product 11 · Fairbean");
    await expectAccessible(page, "a list of videos");

    await page.click("#more-runs");
    await page.locator("#more-runs").waitFor({ state: "hidden" });
    assert.equal(await cards.count(), 11, "the linked run is not shown twice");
    assert.equal(await cards.last().locator("h3").innerText(), "Product 11 · Fairbean");
  } finally {
    await session.close();
  }
});
