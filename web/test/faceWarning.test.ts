/**
 * A customer on a phone, by keyboard alone: a face in the image asks first and nothing is charged;
 * Escape cancels; after a reload the question is still there and is answered from My videos, and
 * after "Proceed anyway" the storyboard is approved, which is what charges.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import {
  balanceOf,
  eventually,
  expectAccessible,
  IMAGES,
  ledgerOf,
  newRunId,
  PHONE,
  runCard,
  runOf,
  RUN_TIMEOUT_MS,
  screenshotBoth,
  shownBalance,
  startSession,
  tabTo,
  waitForOutcome,
} from "./support/session";
import { approveStoryboard, waitForStoryboard } from "./support/storyboard";

/** Fills and submits the form with the keyboard only (the file through the chooser Space opens). */
async function createByKeyboard(page: Page, previous: string): Promise<string> {
  await tabTo(page, "#image");
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.keyboard.press("Space")]);
  await chooser.setFiles(path.join(IMAGES, "astronaut.png"));
  for (const [id, text] of [
    ["#product", "Sky Poster"],
    ["#brand", "Orbit"],
    ["#brief", "A poster of an astronaut over the Earth, printed on heavy matte paper."],
  ]) {
    await tabTo(page, id);
    await page.keyboard.type(text);
  }
  await tabTo(page, "#scenes");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("2");
  await tabTo(page, "#create-run");
  await page.keyboard.press("Enter");
  return newRunId(page, previous);
}

const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent ?? "");

test(
  "a face image asks first; Escape cancels (nothing charged); after a reload the question is answered from the list",
  { timeout: 2 * RUN_TIMEOUT_MS },
  async () => {
    const session = await startSession({ viewport: PHONE });
    const { page, user } = session;
    try {
      const before = await shownBalance(page);
      const cancelled = await createByKeyboard(page, "");
      const modal = page.locator("#question-modal");
      await modal.waitFor({ state: "visible", timeout: RUN_TIMEOUT_MS });
      assert.match(await modal.innerText(), /a person's face/);
      assert.match(
        await modal.innerText(),
        /Nothing is charged unless you continue and approve the storyboard that follows; approving it costs 10 credits/,
      );
      assert.doesNotMatch(await modal.innerText(), /Veo|face\(s\)/);
      assert.ok(await modal.evaluate((dialog) => dialog.contains(document.activeElement)), "focus is in the modal");
      await expectAccessible(page, "image warning modal");
      await screenshotBoth(page, "image-warning");
      assert.equal(await balanceOf(user.uid), before, "nothing is charged while the modal waits");

      await page.keyboard.press("Escape");
      await modal.waitFor({ state: "hidden" });
      await waitForOutcome(page, cancelled, "cancelled");
      assert.equal(await focusedText(page), "Sky Poster · Orbit", "focus returns to the run, not the page");
      assert.equal(await runCard(page, cancelled).locator(".cost").innerText(), "Nothing was charged.");
      const stored = await eventually(
        () => runOf(cancelled),
        (run) => run.confirmation !== undefined,
      );
      assert.deepEqual(stored.confirmation, { proceed: false });
      assert.deepEqual(await ledgerOf(user.uid, cancelled), []);
      await expectAccessible(page, "cancelled");
      await screenshotBoth(page, "cancelled", `#run-${cancelled}`);

      const proceeded = await createByKeyboard(page, cancelled);
      await modal.waitFor({ state: "visible", timeout: RUN_TIMEOUT_MS });
      await page.reload();
      const card = runCard(page, proceeded);
      await card.locator('.question[data-question="confirm"]').waitFor();
      assert.equal(await modal.isVisible(), false, "after a reload the question waits in the list, not in a modal");
      assert.equal(await card.locator(".chip").innerText(), "Needs your answer");
      await expectAccessible(page, "question in the list after a reload");
      await screenshotBoth(page, "question-after-reload", `#run-${proceeded}`);

      await tabTo(page, `#run-${proceeded} [data-answer="proceed"]`);
      await page.keyboard.press("Enter");
      // Going on makes the storyboard, still uncharged; its approval is the charge.
      await waitForStoryboard(page, proceeded);
      assert.equal(await balanceOf(user.uid), before, "nothing is charged after Proceed anyway");
      await approveStoryboard(page, proceeded, { keyboard: true });
      const bar = card.locator('[role="progressbar"]');
      await bar.waitFor({ timeout: RUN_TIMEOUT_MS });
      assert.match(String(await bar.getAttribute("aria-label")), /^Progress of Sky Poster/);
      await expectAccessible(page, "in progress");
      // The picture is of paid work under way (a step past the charge), if the run is not already done.
      await page.waitForFunction(
        (id) => {
          const card = document.getElementById(`run-${id}`);
          return (
            card?.dataset.outcome === "ready" ||
            card?.querySelector('.steps li[data-state="done"] + li.current') !== null
          );
        },
        proceeded,
        { timeout: RUN_TIMEOUT_MS },
      );
      if ((await card.getAttribute("data-outcome")) === "working")
        await screenshotBoth(page, "in-progress", `#run-${proceeded}`);
      await waitForOutcome(page, proceeded, "ready");
      await page.locator("#balance", { hasText: String(before - 10) }).waitFor();
      assert.equal(await card.locator(".cost").innerText(), "Cost 10 credits.");
      assert.deepEqual(await ledgerOf(user.uid, proceeded), [{ kind: "charge", amount: -10 }]);
      assert.equal(await runCard(page, cancelled).locator(".chip").innerText(), "Cancelled");
      assert.equal(await balanceOf(user.uid), before - 10);
    } finally {
      await session.close();
    }
  },
);
