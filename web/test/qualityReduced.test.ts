/**
 * 3 of 4 scenes are refused by the video service after the storyboard was approved (the charge); the
 * customer chooses, looking at the still scenes.
 * The question opens on an answer that keeps nothing charged, survives a reload and shows in a second
 * tab, where it is answered from the list; after a Retry the bar never moves back; an accepted video
 * plays and downloads.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import type { Locator, Page } from "playwright-core";
import { probeMedia } from "../../functions/src/ffmpeg/probe";
import {
  balanceOf,
  createRunOnPage,
  expectAccessible,
  ledgerOf,
  runCard,
  runOf,
  RUN_TIMEOUT_MS,
  screenshotBoth,
  shownBalance,
  startSession,
  waitForOutcome,
} from "./support/session";
import { approveStoryboard } from "./support/storyboard";

const CELEBRITY_ON_3_OF_4 = {
  image: "coffee.png",
  scenes: 4,
  faults: { scenes: "celebrity:1,2,3" },
};

/** The question, wherever it is shown: scenes in words, what each choice costs, retries left. */
async function assertDecisionQuestion(question: Locator): Promise<void> {
  const text = await question.innerText();
  assert.match(text, /3 of 4 scenes could only be made as still pan-and-zoom animations/);
  assert.match(text, /Scene 1: it showed a person who looks like a well-known figure/);
  assert.match(text, /Keep this video as it is\. The 10 credits stay charged\./);
  assert.match(text, /Make the still scenes again, at no extra cost\. 1 retry left\./);
  assert.match(text, /Stop here and get your 10 credits back\./);
  assert.doesNotMatch(text, /celebrity|Veo|_/);
}

async function waitForQuestionModal(page: Page): Promise<Locator> {
  const modal = page.locator('#question-modal[data-question="decide"]');
  await modal.waitFor({ state: "visible", timeout: RUN_TIMEOUT_MS });
  await assertDecisionQuestion(modal);
  return modal;
}

/** The still scenes are shown, not only named: one clip per scene asked about, each loaded. */
async function assertStillClips(page: Page, question: Locator, runId: string): Promise<void> {
  const clips = question.locator(".still-scenes video");
  await clips.nth(2).waitFor();
  assert.equal(await clips.count(), 3);
  const sources = await clips.evaluateAll((videos: HTMLVideoElement[]) => videos.map((v) => v.getAttribute("src")));
  sources.forEach((src, index) => assert.match(src ?? "", new RegExp(`runs/${runId}/scene_0${index + 1}-r\\d+\\.mp4`)));
  await page.waitForFunction(
    (selector) =>
      [...document.querySelectorAll<HTMLVideoElement>(selector)].every((v) => v.readyState >= 1 && v.duration > 0),
    "#question-modal .still-scenes video",
  );
}

const focusedDecision = (page: Page): Promise<string | null> =>
  page.evaluate(() => document.activeElement?.getAttribute("data-decision") ?? null);

/** Every percentage the run's bar shows from now on, in order. */
async function recordProgress(page: Page, runId: string): Promise<void> {
  // Passed as text: the test runner's transform names the functions it compiles with a helper the page
  // does not have, and this one defines a function of its own.
  await page.evaluate(`(() => {
    const seen = [];
    window.shownProgress = seen;
    const record = () => {
      const value = document.querySelector(${JSON.stringify(`#run-${runId} [role="progressbar"]`)})?.getAttribute("aria-valuenow");
      if (value && Number(value) !== seen.at(-1)) seen.push(Number(value));
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
    record();
  })()`);
}

test(
  "Quality reduced: survives a reload, shows in a second tab, Refund from the list refunds once; Accept gives a video that plays and downloads",
  { timeout: 3 * RUN_TIMEOUT_MS },
  async () => {
    const session = await startSession();
    const { page, context, user } = session;
    try {
      const before = await shownBalance(page);

      const refused = await createRunOnPage(page, CELEBRITY_ON_3_OF_4);
      await approveStoryboard(page, refused);
      const asked = await waitForQuestionModal(page);
      assert.equal(await focusedDecision(page), "retry", "the question opens on Retry, not on Accept");
      await assertStillClips(page, asked, refused);
      await expectAccessible(page, "quality reduced modal");
      await screenshotBoth(page, "quality-reduced");
      await page.keyboard.press("Escape");
      await page.locator("#question-modal").waitFor({ state: "hidden" });
      assert.equal(
        await page.evaluate(() => document.activeElement?.id),
        `run-${refused}-title`,
        "focus returns to the run",
      );

      // A second video while this one waits: the page asks first.
      await page.click("#create-run");
      await page.locator("#second-run-modal").waitFor();
      assert.match(await page.locator("#second-run-text").innerText(), /10 more credits/);
      await expectAccessible(page, "second video while one is in progress");
      await page.keyboard.press("Escape");
      await page.locator("#second-run-modal").waitFor({ state: "hidden" });

      await page.reload();
      const question = runCard(page, refused).locator('.question[data-question="decide"]');
      await question.waitFor();
      await assertDecisionQuestion(question);
      assert.equal(await page.locator("#question-modal").isVisible(), false);
      await expectAccessible(page, "quality question in the list");
      await screenshotBoth(page, "quality-reduced-in-list", `#run-${refused}`);

      const second = await context.newPage();
      await second.goto(session.url);
      const secondQuestion = runCard(second, refused).locator('.question[data-question="decide"]');
      await secondQuestion.waitFor();
      await secondQuestion.locator('[data-decision="refund"]').click();
      await waitForOutcome(second, refused, "refunded");
      await waitForOutcome(page, refused, "refunded");
      assert.equal(await runCard(page, refused).locator(".cost").innerText(), "10 credits refunded to your balance.");
      await second.close();
      await page.locator("#balance", { hasText: String(before) }).waitFor();
      assert.deepEqual(await ledgerOf(user.uid, refused), [
        { kind: "charge", amount: -10 },
        { kind: "refund", amount: 10 },
      ]);

      const accepted = await createRunOnPage(page, CELEBRITY_ON_3_OF_4);
      await recordProgress(page, accepted);
      await approveStoryboard(page, accepted);
      const firstAsk = await waitForQuestionModal(page);
      const askedAt = Number((await runOf(accepted)).progress.pct);
      await firstAsk.locator('[data-decision="retry"]').click();
      // The injected refusal still applies: the retry renders the still scenes again and asks again.
      const modal = page.locator('#question-modal[data-question="decide"]', { hasText: "No retries left." });
      await modal.waitFor({ timeout: RUN_TIMEOUT_MS });
      assert.equal(await focusedDecision(page), "refund", "with no retry left the question opens on Refund");
      await assertStillClips(page, modal, accepted);
      const shown = await page.evaluate(() => (window as unknown as { shownProgress: number[] }).shownProgress);
      assert.ok(shown.length >= 2, `the bar moved: ${shown.join(", ")}`);
      assert.deepEqual(
        shown,
        [...shown].sort((a, b) => a - b),
        `the bar never moved back: ${shown.join(", ")}`,
      );
      assert.ok(
        shown.filter((pct) => pct > askedAt).length > 0,
        `the bar went on past ${askedAt}% during the retry: ${shown.join(", ")}`,
      );
      await modal.locator('[data-decision="accept"]').click();
      await waitForOutcome(page, accepted, "ready");
      const card = runCard(page, accepted);
      const video = card.locator("video");
      await page.waitForFunction((id) => {
        const element = document.querySelector<HTMLVideoElement>(`#run-${id} video`);
        return element !== null && element.readyState >= 1 && Number.isFinite(element.duration) && element.duration > 0;
      }, accepted);
      assert.equal(await video.getAttribute("aria-label"), "Your video: Morning Ritual Coffee · Fairbean");
      await video.evaluate((element: HTMLVideoElement) => element.play());
      await page.waitForFunction(
        (id) => (document.querySelector<HTMLVideoElement>(`#run-${id} video`)?.currentTime ?? 0) > 0.3,
        accepted,
      );
      await expectAccessible(page, "ready");
      await screenshotBoth(page, "ready", `#run-${accepted}`);

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        card.locator("button.download.video").click(),
      ]);
      assert.equal(download.suggestedFilename(), "morning-ritual-coffee-fairbean.mp4");
      const file = await download.path();
      const media = await probeMedia(file);
      assert.ok(media.durationSec > 4, `the downloaded video lasts ${media.durationSec} s`);
      assert.ok(media.video && media.audio, "the downloaded file has picture and sound");
      await card.locator(".download-status", { hasText: "Downloaded." }).waitFor();
      // The captions the video shows, as a file platforms take: WebVTT cues with the spoken words.
      const [captions] = await Promise.all([
        page.waitForEvent("download"),
        card.locator("button.download.captions").click(),
      ]);
      assert.equal(captions.suggestedFilename(), "morning-ritual-coffee-fairbean.vtt");
      const vtt = await readFile(await captions.path(), "utf8");
      assert.match(vtt, /^WEBVTT\n/);
      assert.match(vtt, /(\d\d:)?\d\d:\d\d\.\d{3} --> (\d\d:)?\d\d:\d\d\.\d{3}\n\S/);

      assert.deepEqual(await ledgerOf(user.uid, accepted), [{ kind: "charge", amount: -10 }]);
      assert.equal(await balanceOf(user.uid), before - 10);
    } finally {
      await session.close();
    }
  },
);
