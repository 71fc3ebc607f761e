/**
 * Failures as a customer sees them. The product analysis fails on every model: it comes before the
 * storyboard, so the customer is told and nothing was ever charged. The voice-over fails after the
 * storyboard was approved (the charge): the customer sees it and gets the credits back, said once.
 */
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
import { approveStoryboard } from "./support/storyboard";

test(
  "a product-analysis failure: Not charged, said plainly; a voice-over failure after the approval: Refunded, said once, no bar at 100%, balance restored; notifications link to the runs",
  { timeout: 2 * RUN_TIMEOUT_MS },
  async () => {
    const session = await startSession({
      signedOut: async (page) => {
        await expectAccessible(page, "signed out");
        assert.equal(await page.locator("#sign-out").isVisible(), false, "no Sign out while signed out");
        await screenshotBoth(page, "signed-out");
      },
    });
    const { page, user } = session;
    const namesNothingInternal = async () => {
      for (const shown of ["#videos", "#notifications", "#ledger"]) {
        assert.doesNotMatch(
          await page.locator(shown).innerText(),
          /_|every model failed|injected|gemini|gpt|veo|openai/i,
          `${shown} shows no model names or codes`,
        );
      }
    };
    try {
      await expectAccessible(page, "signed in, no videos yet");
      await screenshotBoth(page, "new-customer");
      const before = await shownBalance(page);

      // The product analysis comes before the storyboard: nothing was charged, and nothing is said of a refund.
      const unanalysed = await createRunOnPage(page, {
        image: "coffee.png",
        scenes: 2,
        faults: { visual_dna: "model_not_found" },
      });
      await waitForOutcome(page, unanalysed, "not_charged");
      const failed = runCard(page, unanalysed);
      assert.equal(await failed.locator(".chip").innerText(), "Not charged");
      assert.equal(await failed.locator(".cost").innerText(), "Nothing was charged.");
      assert.match(await failed.locator(".failure-text").innerText(), /could not analyse your product image/i);
      assert.equal(await failed.locator('[role="progressbar"]').count(), 0, "no progress bar on a failure");
      assert.doesNotMatch(await failed.innerText(), /refund/i);
      assert.doesNotMatch(await failed.innerText(), new RegExp(unanalysed));
      const failedNote = page.locator(`#notifications li[data-kind="failed"][data-run="${unanalysed}"]`);
      await failedNote.waitFor();
      assert.equal(await failedNote.locator("a").getAttribute("href"), `#run-${unanalysed}`);
      assert.equal(await page.locator(`#ledger li[data-run="${unanalysed}"]`).count(), 0);
      await namesNothingInternal();
      await expectAccessible(page, "failed before the charge");
      await screenshotBoth(page, "not-charged", `#run-${unanalysed}`);
      assert.deepEqual(await ledgerOf(user.uid, unanalysed), []);
      assert.equal(await balanceOf(user.uid), before);

      // The voice-over fails after the approval charged the run: refunded, and said once.
      const runId = await createRunOnPage(page, { image: "coffee.png", scenes: 2, faults: { voice: "fail" } });
      await approveStoryboard(page, runId);
      await waitForOutcome(page, runId, "refunded");
      const card = runCard(page, runId);
      assert.equal(await card.locator(".chip").innerText(), "Refunded");
      assert.equal(await card.locator(".cost").innerText(), "10 credits refunded to your balance.");
      assert.match(await card.locator(".failure-text").innerText(), /went wrong while recording the voiceover/i);
      assert.equal(await card.locator('[role="progressbar"]').count(), 0, "no progress bar on a failure");
      assert.match(await card.locator('.steps li[data-state="stopped"]').innerText(), /Recording the voiceover/);
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
      await namesNothingInternal();
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
