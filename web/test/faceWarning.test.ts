/** Manual Test 2 of the plan: a face in the image asks first; nothing is charged until "Proceed Anyway". */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  balanceOf,
  createRunOnPage,
  ledgerOf,
  runOf,
  RUN_TIMEOUT_MS,
  screenshot,
  shownBalance,
  startSession,
} from "./support/session";

/** Phone-sized, so this test also shows the page works on a small screen. */
const PHONE = { width: 390, height: 844 };

test(
  "a face image opens the warning modal; Proceed Anyway charges once, Cancel charges nothing",
  { timeout: 2 * RUN_TIMEOUT_MS },
  async () => {
    const session = await startSession(PHONE);
    const { page, user } = session;
    try {
      const before = await shownBalance(page);
      const proceeded = await createRunOnPage(page, {
        image: "astronaut.png",
        scenes: 2,
      });
      const modal = page.locator("#face-modal");
      await modal.waitFor({ state: "visible", timeout: RUN_TIMEOUT_MS });
      await modal.locator('li[data-code="FACES_DETECTED"]').waitFor();
      assert.match(await modal.innerText(), /face\(s\) detected/);
      await screenshot(page, "face-warning-modal");
      assert.equal(await balanceOf(user.uid), before, "nothing is charged while the modal waits");
      assert.deepEqual(await ledgerOf(user.uid, proceeded), []);
      assert.equal(await shownBalance(page), before);

      await page.click("#face-proceed");
      await modal.waitFor({ state: "hidden" });
      await page.locator('#run-status[data-status="succeeded"]').waitFor({ timeout: RUN_TIMEOUT_MS });
      await page.locator("#balance", { hasText: String(before - 10) }).waitFor();
      assert.deepEqual(await ledgerOf(user.uid, proceeded), [{ kind: "charge", amount: -10 }]);

      const cancelled = await createRunOnPage(page, {
        image: "astronaut.png",
        scenes: 2,
      });
      await modal.waitFor({ state: "visible", timeout: RUN_TIMEOUT_MS });
      await page.click("#face-cancel");
      await modal.waitFor({ state: "hidden" });
      await page.locator("#run-cancelled", { hasText: "Nothing was charged" }).waitFor();
      await screenshot(page, "face-warning-cancelled");
      const run = await runOf(cancelled);
      assert.equal(run.status, "awaiting_confirmation");
      assert.equal(run.confirmation, undefined);
      assert.deepEqual(await ledgerOf(user.uid, cancelled), []);
      assert.equal(await balanceOf(user.uid), before - 10);
      assert.equal(await shownBalance(page), before - 10);
    } finally {
      await session.close();
    }
  },
);
