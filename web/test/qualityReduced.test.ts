/** Manual Test 3 of the plan: 3 of 4 scenes are refused by the video model; the user chooses. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import {
  balanceOf,
  createRunOnPage,
  ledgerOf,
  RUN_TIMEOUT_MS,
  screenshot,
  shownBalance,
  startSession,
} from "./support/session";

const CELEBRITY_ON_3_OF_4 = {
  image: "coffee.png",
  scenes: 4,
  faults: { scenes: "celebrity:1,2,3" },
};

async function waitForQualityModal(page: Page): Promise<void> {
  const modal = page.locator("#quality-modal");
  await modal.waitFor({ state: "visible", timeout: RUN_TIMEOUT_MS });
  assert.deepEqual(
    await modal
      .locator("#static-scenes li")
      .evaluateAll((items) => items.map((li) => [li.getAttribute("data-scene"), li.getAttribute("data-reason")])),
    [
      ["1", "celebrity_detected"],
      ["2", "celebrity_detected"],
      ["3", "celebrity_detected"],
    ],
  );
  assert.match(await modal.locator("#static-scenes").innerText(), /Scene 1: a recognisable person was detected/);
  assert.match(await modal.locator("#quality-summary").innerText(), /3 of 4 scenes \(75%\)/);
}

test(
  "3 of 4 scenes filtered: the Quality reduced modal lists them; Refund refunds once, Accept ends with a playable video",
  { timeout: 3 * RUN_TIMEOUT_MS },
  async () => {
    const session = await startSession();
    const { page, user } = session;
    try {
      const before = await shownBalance(page);

      const refused = await createRunOnPage(page, CELEBRITY_ON_3_OF_4);
      await waitForQualityModal(page);
      await screenshot(page, "quality-reduced-modal");
      await page.click("#decision-refund");
      await page.locator('#refund-status[data-refund="refunded"]').waitFor({ timeout: RUN_TIMEOUT_MS });
      assert.match(await page.locator("#refund-status").innerText(), /Credits refunded/);
      await page.locator("#balance", { hasText: String(before) }).waitFor();
      assert.deepEqual(await ledgerOf(user.uid, refused), [
        { kind: "charge", amount: -10 },
        { kind: "refund", amount: 10 },
      ]);

      const accepted = await createRunOnPage(page, CELEBRITY_ON_3_OF_4);
      await waitForQualityModal(page);
      await page.click("#decision-accept");
      await page.locator('#run-status[data-status="succeeded"]').waitFor({ timeout: RUN_TIMEOUT_MS });
      const video = page.locator("#run-video");
      await page.waitForFunction(() => {
        const element = document.querySelector<HTMLVideoElement>("#run-video");
        return element !== null && element.readyState >= 1 && Number.isFinite(element.duration) && element.duration > 0;
      });
      const duration = await video.evaluate((element: HTMLVideoElement) => element.duration);
      assert.ok(duration > 4, `the video reports ${duration} s`);
      await video.evaluate((element: HTMLVideoElement) => element.play());
      await page.waitForFunction(
        () => (document.querySelector<HTMLVideoElement>("#run-video")?.currentTime ?? 0) > 0.3,
      );
      await video.scrollIntoViewIfNeeded();
      await screenshot(page, "quality-accepted-video");
      assert.deepEqual(await ledgerOf(user.uid, accepted), [{ kind: "charge", amount: -10 }]);
      assert.equal(await balanceOf(user.uid), before - 10);
    } finally {
      await session.close();
    }
  },
);
