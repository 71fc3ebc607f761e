/**
 * The storyboard before the charge, as a customer uses it with the keyboard alone: the start frames,
 * headline, each scene's line and length, call to action and total; a change saved in place, a
 * refused one told beside its field; the storyboard in My videos after a reload and in a second tab,
 * approved there and paid once. A balance that cannot pay shows how to buy credits, and Cancel
 * charges nothing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import {
  balanceOf,
  createRunOnPage,
  eventually,
  expectAccessible,
  ledgerOf,
  runCard,
  runOf,
  RUN_TIMEOUT_MS,
  screenshotBoth,
  startSession,
  tabTo,
  waitForOutcome,
} from "./support/session";
import { waitForStoryboard } from "./support/storyboard";

const APPROVAL = { approval: "required" };
const TWO_SCENES = { image: "coffee.png", scenes: 2 };

const valueOf = (page: Page, selector: string) => page.locator(selector).inputValue();

/** Presses Shift+Tab until focus is on `selector`: back to a control above the one focused. */
async function shiftTabTo(page: Page, selector: string, maxPresses = 160): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
    await page.keyboard.press("Shift+Tab");
  }
  throw new Error(`Shift+Tab never reached ${selector}`);
}

/** Selects what a field holds and types over it, as a keyboard user does. */
async function retype(page: Page, selector: string, text: string): Promise<void> {
  await tabTo(page, selector, 80);
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(text);
}

test(
  "storyboard: shown before any charge, edited in place, a refusal beside its field, approved from a second tab and charged once",
  { timeout: 3 * RUN_TIMEOUT_MS },
  async () => {
    const session = await startSession({ pipeline: APPROVAL });
    const { page, context, user } = session;
    try {
      const runId = await createRunOnPage(page, TWO_SCENES);
      const board = await waitForStoryboard(page, runId);
      const stored = (await runOf(runId)).storyboard as {
        version: number;
        headline: string;
        callToAction: string;
        totalSec: number;
        scenes: { sceneNumber: number; title: string; narration: string; durationSec: number }[];
      };
      const sb = `#sb-${runId}`;
      assert.equal(await valueOf(page, `${sb}-headline`), stored.headline);
      assert.equal(await valueOf(page, `${sb}-cta`), stored.callToAction);
      for (const scene of stored.scenes) {
        assert.equal(await valueOf(page, `${sb}-line-${scene.sceneNumber}`), scene.narration);
        const shown = await board.locator(`[data-scene="${scene.sceneNumber}"] h5`).innerText();
        assert.equal(shown, `Scene ${scene.sceneNumber}: ${scene.title} (${scene.durationSec} s)`);
      }
      assert.equal(await board.locator("img.frame").count(), stored.scenes.length);
      assert.equal(await board.locator(".total").innerText(), `Total length: ${Math.round(stored.totalSec)} seconds.`);
      assert.equal(await board.locator('[data-storyboard="approve"]').innerText(), "Approve and pay 10 credits");
      assert.equal(
        await runCard(page, runId).locator(".cost").innerText(),
        "Nothing charged yet. This video costs 10 credits.",
      );
      assert.deepEqual(await ledgerOf(user.uid, runId), [], "nothing is charged before the approval");
      await expectAccessible(page, "storyboard");
      await screenshotBoth(page, "storyboard", `#run-${runId}`);

      // A new headline, typed and saved with Enter: the backend makes version 2 of it.
      await retype(page, `${sb}-headline`, "Mornings, roasted slowly");
      await page.keyboard.press("Enter");
      const edited = await eventually(
        () => runOf(runId),
        (run) => run.storyboard?.version === stored.version + 1,
        RUN_TIMEOUT_MS,
      );
      assert.equal(edited.storyboard.headline, "Mornings, roasted slowly");
      await page.locator(`${sb}-headline:not([readonly])`).waitFor();
      assert.equal(await valueOf(page, `${sb}-headline`), "Mornings, roasted slowly");

      // Template text in the call to action: the backend refuses it and says why beside the field.
      await retype(page, `${sb}-cta`, "Order yours today TODO");
      await page.keyboard.press("Enter");
      const refusal = page.locator(`${sb}-cta-error`);
      await refusal.waitFor({ timeout: RUN_TIMEOUT_MS });
      assert.equal(await refusal.innerText(), "Not changed: contains placeholder or template text.");
      assert.equal(await page.locator(`${sb}-cta`).getAttribute("aria-invalid"), "true");
      assert.equal((await runOf(runId)).storyboard.callToAction, stored.callToAction);
      await expectAccessible(page, "storyboard with a refused change");
      await screenshotBoth(page, "storyboard-refused", `${sb}-cta`);

      // After a reload the storyboard is still in My videos, at its latest version.
      await page.reload();
      await waitForStoryboard(page, runId);
      assert.equal(await valueOf(page, `${sb}-headline`), "Mornings, roasted slowly");

      // A second tab shows it too, and approves it with the keyboard.
      const second = await context.newPage();
      await second.goto(session.url);
      await waitForStoryboard(second, runId);
      await tabTo(second, `#run-${runId} [data-storyboard="approve"]`, 120);
      await second.keyboard.press("Enter");
      await waitForOutcome(second, runId, "working");
      await waitForOutcome(page, runId, "working");
      // The approval is what charges: once, the price shown.
      await page.locator("#balance", { hasText: "90" }).waitFor({ timeout: RUN_TIMEOUT_MS });
      await second.close();
      assert.deepEqual(await ledgerOf(user.uid, runId), [{ kind: "charge", amount: -10 }]);
      assert.equal(await balanceOf(user.uid), 90);
    } finally {
      await session.close();
    }
  },
);

test(
  "storyboard: a balance that cannot pay shows how to buy credits; Cancel charges nothing",
  { timeout: 3 * RUN_TIMEOUT_MS },
  async () => {
    const session = await startSession({ pipeline: APPROVAL, credits: 10 });
    const { page, user } = session;
    try {
      const first = await createRunOnPage(page, TWO_SCENES);
      await waitForStoryboard(page, first);
      // A second video while the first waits: both are uncharged storyboards.
      const [second] = await Promise.all([createRunOnPage(page, TWO_SCENES), page.locator("#second-run-go").click()]);
      await waitForStoryboard(page, second);
      await runCard(page, first).locator('[data-storyboard="approve"]').click();
      await page.locator("#balance", { hasText: "0" }).waitFor();

      const board = runCard(page, second).locator("section.storyboard");
      const short = board.locator(".short-of-credits");
      await short.waitFor();
      assert.equal(
        await short.locator("p").innerText(),
        "You have 0 credits; this video costs 10 credits. Buy credits, then approve: the storyboard waits for you.",
      );
      assert.equal(await board.locator('[data-storyboard="approve"]').isDisabled(), true);
      await expectAccessible(page, "storyboard, balance too low");
      await screenshotBoth(page, "storyboard-no-credits", `#run-${second} .short-of-credits`);
      await tabTo(page, `#run-${second} [data-storyboard="buy"]`, 120);
      await page.keyboard.press("Enter");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "buy-credits-title");

      await shiftTabTo(page, `#run-${second} [data-storyboard="cancel"]`);
      await page.keyboard.press("Enter");
      await waitForOutcome(page, second, "cancelled");
      assert.equal(await runCard(page, second).locator(".cost").innerText(), "Nothing was charged.");
      await eventually(
        () => runOf(second),
        (run) => run.status === "failed",
        RUN_TIMEOUT_MS,
      );
      assert.deepEqual(await ledgerOf(user.uid, second), []);
      assert.deepEqual(await ledgerOf(user.uid, first), [{ kind: "charge", amount: -10 }]);
    } finally {
      await session.close();
    }
  },
);
