/**
 * The brand kit card by keyboard alone: a logo without transparency and a JPEG are refused before
 * upload in words, a transparent one is shown on a checkerboard, the kit is saved as typed; the run
 * form's switches and call to action go with the next video, which takes the kit's logo and colours.
 */
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { adminDb } from "../../scripts/lib/emulators";
import {
  eventually,
  expectAccessible,
  IMAGES,
  newRunId,
  PHONE,
  runOf,
  RUN_TIMEOUT_MS,
  screenshotBoth,
  startSession,
  tabTo,
  waitForOutcome,
} from "./support/session";
import { approveStoryboard, waitForStoryboard } from "./support/storyboard";

async function logoFiles(): Promise<{ transparent: string; opaque: string; jpeg: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fairshot-logos-"));
  const circle = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120"><rect x="10" y="10" width="220" height="100" rx="50" fill="#0b6e4f"/></svg>',
  );
  const files = {
    transparent: path.join(dir, "logo.png"),
    opaque: path.join(dir, "boxed-logo.png"),
    jpeg: path.join(dir, "logo.jpg"),
  };
  await writeFile(files.transparent, await sharp(circle).png().toBuffer());
  await writeFile(files.opaque, await sharp(circle).flatten({ background: "#ffffff" }).ensureAlpha().png().toBuffer());
  await writeFile(files.jpeg, await sharp(circle).flatten({ background: "#ffffff" }).jpeg().toBuffer());
  return files;
}

/** Opens the logo's file chooser with Space, as a keyboard user does, and picks `file`. */
async function chooseLogo(page: Page, file: string): Promise<void> {
  await tabTo(page, "#kit-logo", 80);
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.keyboard.press("Space")]);
  await chooser.setFiles(file);
}

const kitOf = async (uid: string) => (await adminDb().doc(`users/${uid}/brand/kit`).get()).data();

test(
  "the brand kit by keyboard: refusals in words, a transparent logo shown, the kit saved; the next video takes it",
  { timeout: 2 * RUN_TIMEOUT_MS },
  async () => {
    const logos = await logoFiles();
    const session = await startSession({ viewport: PHONE });
    const { page, user } = session;
    try {
      await page.locator("#kit-logo-none", { hasText: "No logo yet." }).waitFor();
      await expectAccessible(page, "brand kit, empty");

      await chooseLogo(page, logos.opaque);
      await page.locator("#kit-logo-error", { hasText: "has no transparent background" }).waitFor();
      assert.equal(await page.getAttribute("#kit-logo", "aria-invalid"), "true");
      assert.ok(await page.locator("#kit-logo-preview").isHidden(), "a refused logo is not shown");
      await screenshotBoth(page, "brand-kit-refused", "#brand-kit");
      await expectAccessible(page, "brand kit, logo refused");

      await chooseLogo(page, logos.jpeg);
      await page.locator("#kit-logo-error", { hasText: "must be a PNG or WebP image" }).waitFor();

      await chooseLogo(page, logos.transparent);
      await page.locator("#kit-logo-preview[alt='Preview of the chosen logo']").waitFor();
      assert.ok(await page.locator("#kit-logo-error").isHidden());

      // The colours: the palette switch off by Space; the picker's value set as its dialog would.
      await tabTo(page, "#kit-palette");
      await page.keyboard.press("Space");
      assert.equal(await page.locator("#kit-primary").isDisabled(), false);
      await page.locator("#kit-primary").fill("#0b6e4f");
      await tabTo(page, "#kit-caption-style");
      await page.keyboard.press("ArrowDown");
      await tabTo(page, "#kit-cta");
      await page.keyboard.type("x".repeat(49));
      await tabTo(page, "#kit-save");
      await page.keyboard.press("Enter");
      await page.locator("#kit-cta-error", { hasText: "the end card holds 48" }).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.id), "kit-cta", "focus goes to the field to fix");
      await page.keyboard.press("Control+A");
      await page.keyboard.type("Order today");
      await tabTo(page, "#kit-music");
      await page.keyboard.press("Space");
      await tabTo(page, "#kit-save");
      await page.keyboard.press("Enter");
      await page.locator("#kit-status", { hasText: "Brand kit saved" }).waitFor();

      const kit = await eventually(
        () => kitOf(user.uid),
        (k) => k !== undefined,
      );
      assert.match(String(kit?.logo), new RegExp(`^brand/${user.uid}/logo-[a-z0-9]+\\.png$`));
      assert.deepEqual(
        { ...kit, logo: "…" },
        {
          logo: "…",
          primaryColour: "#0b6e4f",
          secondaryColour: "#f2c14e",
          captionStyle: "outlined",
          callToAction: "Order today",
          music: false,
        },
      );
      // The kit's music choice is the run form's default.
      assert.equal(await page.locator("#opt-music").isChecked(), false);
      await screenshotBoth(page, "brand-kit-saved", "#brand-kit");
      await expectAccessible(page, "brand kit, saved");

      // After a reload the saved logo is shown from the bucket.
      await page.reload();
      await page.locator("#kit-logo-preview[alt='Your logo']").waitFor();
      assert.ok(
        await page
          .locator("#kit-logo-preview")
          .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0),
        "the saved logo loads",
      );

      // A video with captions off and its own call to action.
      await page.setInputFiles("#image", path.join(IMAGES, "coffee.png"));
      await page.fill("#product", "Morning Ritual Coffee");
      await page.fill("#brand", "Fairbean");
      await page.fill(
        "#brief",
        "Single-origin beans roasted in small batches. Rich crema and a smooth, chocolatey finish.",
      );
      await page.fill("#scenes", "2");
      await tabTo(page, "#opt-captions", 80);
      await page.keyboard.press("Space");
      await tabTo(page, "#cta");
      await page.keyboard.type("Taste it today");
      await screenshotBoth(page, "run-switches", ".switches");
      await expectAccessible(page, "run form with switches");
      await tabTo(page, "#create-run");
      await page.keyboard.press("Enter");
      const runId = await newRunId(page, "");
      const run = await eventually(
        () => runOf(runId),
        (r) => r.brand !== undefined || r.status === "failed",
        RUN_TIMEOUT_MS,
      );
      assert.deepEqual(run.input.options, { captions: false, music: false, endCard: true });
      assert.deepEqual(run.options, { captions: false, music: false, endCard: true });
      assert.equal(run.brand.logo, `runs/${runId}/logo.png`);
      assert.equal(run.brand.primaryColour, "#0b6e4f");
      assert.equal(run.brand.callToAction, "Taste it today");
      assert.equal(run.brand.captionStyle, "outlined");
      // The storyboard offers the run's own call to action for the end card; approved, the video is made with it.
      await waitForStoryboard(page, runId);
      assert.equal(await page.locator(`#sb-${runId}-cta`).inputValue(), "Taste it today");
      await approveStoryboard(page, runId, { keyboard: true });
      await waitForOutcome(page, runId, "ready");
      assert.equal((await runOf(runId)).storyboard.callToAction, "Taste it today");
    } finally {
      await session.close();
    }
  },
);
