/** Manual Test 1 of the plan: Visual DNA fails on every model; the user sees it and gets the credits back. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  balanceOf,
  createRunOnPage,
  ledgerOf,
  RUN_TIMEOUT_MS,
  screenshot,
  shownBalance,
  startSession,
} from "./support/session";

test(
  "a Visual DNA failure shows the failure and 'Credits refunded'; balance restored, one charge and one refund",
  { timeout: RUN_TIMEOUT_MS + 60_000 },
  async () => {
    const session = await startSession();
    const { page, user } = session;
    try {
      const before = await shownBalance(page);
      const runId = await createRunOnPage(page, {
        image: "coffee.png",
        scenes: 2,
        faults: { visual_dna: "model_not_found" },
      });

      await page.locator('#refund-status[data-refund="refunded"]').waitFor({ timeout: RUN_TIMEOUT_MS });
      assert.match(await page.locator("#refund-status").innerText(), /Credits refunded: 10 credits/);
      assert.match(await page.locator("#failure-message").innerText(), /could not analyse your product image/i);
      assert.equal(await page.locator("#run-status").getAttribute("data-status"), "failed");
      assert.equal(await page.locator('#run-steps li[data-stage="visual_dna"]').getAttribute("data-state"), "failed");
      await page
        .locator(`#notifications li[data-kind="refunded"][data-run="${runId}"]`, { hasText: "Credits refunded" })
        .waitFor();
      await page.locator("#balance", { hasText: String(before) }).waitFor();
      await page.locator(`#ledger li[data-run="${runId}"]`).nth(1).waitFor();
      await screenshot(page, "visual-dna-failure-refunded");

      assert.deepEqual(
        await page
          .locator(`#ledger li[data-run="${runId}"]`)
          .evaluateAll((items) => items.map((li) => li.getAttribute("data-kind")).sort()),
        ["charge", "refund"],
      );
      assert.deepEqual(await ledgerOf(user.uid, runId), [
        { kind: "charge", amount: -10 },
        { kind: "refund", amount: 10 },
      ]);
      assert.equal(await balanceOf(user.uid), before);
    } finally {
      await session.close();
    }
  },
);
