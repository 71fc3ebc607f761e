/** A customer's run whose product analysis fails on every model; the customer sees it and gets the credits back. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  balanceOf,
  createRunOnPage,
  expectAccessible,
  ledgerOf,
  runCard,
  RUN_TIMEOUT_MS,
  screenshotBoth,
  shownBalance,
  startSession,
  waitForOutcome,
} from "./support/session";

test(
  "a product-analysis failure: Refunded, said once, no bar at 100%, balance restored, notification links to the run",
  { timeout: RUN_TIMEOUT_MS + 60_000 },
  async () => {
    const session = await startSession({
      signedOut: async (page) => {
        await expectAccessible(page, "signed out");
        assert.equal(await page.locator("#sign-out").isVisible(), false, "no Sign out while signed out");
        await screenshotBoth(page, "signed-out");
      },
    });
    const { page, user } = session;
    try {
      await expectAccessible(page, "signed in, no videos yet");
      await screenshotBoth(page, "new-customer");
      const before = await shownBalance(page);
      const runId = await createRunOnPage(page, {
        image: "coffee.png",
        scenes: 2,
        faults: { visual_dna: "model_not_found" },
      });

      await waitForOutcome(page, runId, "refunded");
      const card = runCard(page, runId);
      assert.equal(await card.locator(".chip").innerText(), "Refunded");
      assert.equal(await card.locator(".cost").innerText(), "10 credits refunded to your balance.");
      assert.match(await card.locator(".failure-text").innerText(), /could not analyse your product image/i);
      assert.equal(await card.locator('[role="progressbar"]').count(), 0, "no progress bar on a failure");
      assert.match(await card.locator('.steps li[data-state="stopped"]').innerText(), /Analysing the product/);
      assert.equal((await card.innerText()).match(/refund/gi)?.length, 2, "the chip and the cost line, nothing more");
      assert.doesNotMatch(await card.innerText(), new RegExp(runId));

      const note = page.locator(`#notifications li[data-kind="refunded"][data-run="${runId}"]`);
      await note.waitFor();
      assert.equal(await note.locator("a").getAttribute("href"), `#run-${runId}`);
      await page.locator("#balance", { hasText: String(before) }).waitFor();
      await page.locator(`#ledger li[data-run="${runId}"]`).nth(1).waitFor();
      assert.deepEqual(
        (await page.locator(`#ledger li[data-run="${runId}"]`).allInnerTexts()).map((t) => t.split("\n")[0]).sort(),
        // A failed run has no video to show: its lines point to it in My videos.
        [
          "+10 10 credits refunded for a video. Show in My videos",
          "−10 10 credits paid for a video. Show in My videos",
        ],
      );
      for (const shown of ["#videos", "#notifications", "#ledger"]) {
        assert.doesNotMatch(
          await page.locator(shown).innerText(),
          /_|every model failed|gemini|gpt|veo|openai/i,
          `${shown} shows no model names or codes`,
        );
      }
      await expectAccessible(page, "failed and refunded");
      await screenshotBoth(page, "refunded", `#run-${runId}`);

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
