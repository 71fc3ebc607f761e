/** The price before paying: shown on Create, checked against the balance; the form refuses bad fields before any upload. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { grantCredits } from "../../functions/src/ledger/credits";
import { adminDb } from "../../scripts/lib/emulators";
import { expectAccessible, IMAGES, PHONE, screenshotBoth, startSession } from "./support/session";
import path from "node:path";

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
    assert.match(await page.locator("#top-up").innerText(), /Buying more credits is not available yet/);
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
    assert.equal(await page.locator("#scenes-error").innerText(), "Choose between 1 and 8 scenes.");
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
