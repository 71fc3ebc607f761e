/**
 * The storyboard a run shows before its charge (approval required, the page's setting), as a customer
 * meets it: every test that makes a video goes through it.
 */
import assert from "node:assert/strict";
import type { Locator, Page } from "playwright-core";
import { runCard, RUN_TIMEOUT_MS, tabTo } from "./session";

/** The storyboard in a run's card, once the backend made it; every start frame shown. */
export async function waitForStoryboard(page: Page, runId: string): Promise<Locator> {
  const board = runCard(page, runId).locator("section.storyboard");
  await board.waitFor({ timeout: RUN_TIMEOUT_MS });
  await page.waitForFunction(
    (id) => {
      const frames = [...document.querySelectorAll<HTMLImageElement>(`#run-${id} .storyboard img.frame`)];
      return frames.length > 0 && frames.every((img) => img.complete && img.naturalWidth > 0);
    },
    runId,
    { timeout: 30_000 },
  );
  return board;
}

/**
 * Approves the run's storyboard as a customer does: "Approve and pay" in its card, clicked, or reached
 * with Tab and pressed with Enter (`keyboard`). The card says nothing is charged yet; returns once the
 * storyboard has gone from it (the backend charged the run and it is at work, or already over).
 */
export async function approveStoryboard(
  page: Page,
  runId: string,
  options: { keyboard?: boolean } = {},
): Promise<void> {
  const board = await waitForStoryboard(page, runId);
  assert.match(await runCard(page, runId).locator(".cost").innerText(), /^Nothing charged yet\./);
  const approve = `#run-${runId} [data-storyboard="approve"]`;
  if (options.keyboard) {
    await tabTo(page, approve, 120);
    await page.keyboard.press("Enter");
  } else {
    await page.locator(approve).click();
  }
  // The card keeps the section, hidden, once the run has left its storyboard.
  await board.waitFor({ state: "hidden", timeout: RUN_TIMEOUT_MS });
}
