/**
 * The page as a customer uses it between runs: what was typed survives a reload (per tab, per
 * user), every file the page asks for exists (the icon too), focus never falls to the top of the
 * page after an answer or a dialog's Escape and shows where it went, a cancel is told in plain words
 * without offering a video that does not exist, and one notification pop-up shows at a time.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import {
  expectAccessible,
  IMAGES,
  PHONE,
  runCard,
  RUN_TIMEOUT_MS,
  screenshotBoth,
  startSession,
  tabTo,
  waitForOutcome,
} from "./support/session";

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? "");

/** The focused element's outline as drawn: a ring the eye can see, or "none". */
const focusRing = (page: Page) =>
  page.evaluate(() => {
    const style = getComputedStyle(document.activeElement as Element);
    return style.outlineStyle === "none" ? "none" : `${style.outlineStyle} ${style.outlineWidth}`;
  });

const formValues = (page: Page) =>
  page.evaluate(() =>
    ["product", "brand", "brief", "scenes", "aspect"].map(
      (id) => (document.getElementById(id) as HTMLInputElement | HTMLSelectElement).value,
    ),
  );

test("what was typed survives a reload, stays in its tab and its user's session; no file the page asks for is missing", async () => {
  const session = await startSession({ viewport: PHONE });
  const { page, context, user } = session;
  const missing: string[] = [];
  const watch = (p: Page) =>
    p.on("response", (response) => {
      // The page's own server (files, config, videos); the emulators' channels come and go on a reload.
      if (response.url().startsWith(session.url) && response.status() >= 400)
        missing.push(`${response.status()} ${response.url()}`);
    });
  watch(page);
  try {
    await page.setInputFiles("#image", path.join(IMAGES, "coffee.png"));
    for (const [id, text] of [
      ["#product", "Morning Ritual Coffee"],
      ["#brand", "Fairbean"],
      ["#brief", "Single-origin beans, roasted in small batches."],
    ]) {
      await tabTo(page, id);
      await page.keyboard.type(text);
    }
    await page.selectOption("#aspect", "16:9");
    const typed = await formValues(page);
    assert.deepEqual(typed, [
      "Morning Ritual Coffee",
      "Fairbean",
      "Single-origin beans, roasted in small batches.",
      "4",
      "16:9",
    ]);

    await page.reload();
    await page.locator("#balance", { hasText: "100" }).waitFor();
    assert.deepEqual(await formValues(page), typed, "the text fields are back after a reload");
    assert.equal(await page.locator("#image").inputValue(), "", "the photo is chosen again (a browser keeps no file)");
    await expectAccessible(page, "form restored after a reload");
    await screenshotBoth(page, "form-after-reload", "#new-run");

    // The icon is declared and served, so no load asks the server for a file it lacks.
    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    assert.ok(icon, "the page declares its icon");
    const served = await page.request.get(new URL(icon, session.url).href);
    assert.equal(served.status(), 200);
    assert.match(served.headers()["content-type"] ?? "", /^image\//);

    const second = await context.newPage();
    watch(second);
    await second.goto(session.url);
    await second.locator("#balance", { hasText: "100" }).waitFor();
    assert.deepEqual(
      await formValues(second),
      ["", "", "", "4", "9:16"],
      "a second tab starts its own form: two tabs never overwrite each other's text",
    );
    await second.close();

    await page.click("#sign-out");
    await page.locator("#sign-in").waitFor();
    assert.deepEqual(await formValues(page), ["", "", "", "4", "9:16"], "signed out, the form is empty");
    await page.fill("#email", user.email);
    await page.fill("#password", user.password);
    await page.click("#sign-in-button");
    await page.locator("#balance", { hasText: "100" }).waitFor();
    assert.deepEqual(await formValues(page), typed, "the same user, back in the same tab, has their text again");
    assert.deepEqual(missing, [], "every file the page asked for was there");
  } finally {
    await session.close();
  }
});

test(
  "focus stays on the run after an answer in its card and after Escape on a dialog, with a visible ring; a cancel is told in words, once, one pop-up at a time",
  { timeout: 3 * RUN_TIMEOUT_MS },
  async () => {
    const session = await startSession();
    const { page } = session;
    const fill = async () => {
      await page.setInputFiles("#image", path.join(IMAGES, "astronaut.png"));
      await page.fill("#product", "Sky Poster");
      await page.fill("#brand", "Orbit");
      await page.fill("#brief", "A poster of an astronaut over the Earth, printed on heavy matte paper.");
      await page.fill("#scenes", "2");
    };
    const createdRun = async (previous: string) => {
      await page.waitForFunction((old) => {
        const id = /^#run-(.+)$/.exec(location.hash)?.[1] ?? "";
        return id !== "" && id !== old && document.getElementById(`run-${id}`) !== null;
      }, previous);
      return page.evaluate(() => /^#run-(.+)$/.exec(location.hash)?.[1] ?? "");
    };
    try {
      await fill();
      await tabTo(page, "#create-run");
      await page.keyboard.press("Enter");
      const first = await createdRun("");
      const modal = page.locator("#question-modal");
      await modal.waitFor({ state: "visible", timeout: RUN_TIMEOUT_MS });
      await page.reload();
      await runCard(page, first).locator('.question[data-question="confirm"]').waitFor();
      assert.deepEqual((await formValues(page)).slice(0, 3), ["", "", ""], "the draft went when the run was created");

      // A second video while the first waits: the page asks; Escape answers "Not now" and focus is back on Create.
      await fill();
      await tabTo(page, "#create-run");
      await page.keyboard.press("Enter");
      await page.locator("#second-run-modal").waitFor();
      await page.keyboard.press("Escape");
      await page.locator("#second-run-modal").waitFor({ state: "hidden" });
      assert.equal(await focusedId(page), "create-run", "Escape on the dialog returns to the button that opened it");
      await page.keyboard.press("Enter");
      await page.locator("#second-run-modal").waitFor();
      await tabTo(page, "#second-run-go");
      await page.keyboard.press("Enter");
      const second = await createdRun(first);
      await modal.waitFor({ state: "visible", timeout: RUN_TIMEOUT_MS });
      await page.reload();
      await runCard(page, second).locator('.question[data-question="confirm"]').waitFor();
      await runCard(page, first).locator('.question[data-question="confirm"]').waitFor();

      // From here on, the most pop-ups ever on screen at once.
      await page.evaluate(() => {
        const toasts = document.getElementById("toasts") as HTMLElement;
        const seen = window as unknown as { mostToasts: number };
        seen.mostToasts = toasts.children.length;
        new MutationObserver(() => (seen.mostToasts = Math.max(seen.mostToasts, toasts.children.length))).observe(
          toasts,
          { childList: true },
        );
      });

      // Both cancelled from their cards by keyboard, one right after the other. The pressed button
      // goes (disabled, then gone): focus moves to its run's title at once and stays there.
      for (const runId of [second, first]) {
        await tabTo(page, `#run-${runId} [data-answer="cancel"]`);
        await page.keyboard.press("Enter");
        await page.waitForFunction((id) => document.activeElement?.id === `run-${id}-title`, runId);
        assert.equal(await focusRing(page), "solid 3px", "the focused title shows its ring");
      }
      await waitForOutcome(page, second, "cancelled");
      await waitForOutcome(page, first, "cancelled");
      assert.equal(await focusedId(page), `run-${first}-title`, "focus is still on the answered run's title");
      await expectAccessible(page, "answered in the card");
      await screenshotBoth(page, "answered-in-card", `#run-${first}`);

      const notes = page.locator('#notifications li[data-kind="failed"]');
      await page.waitForFunction(
        () => document.querySelectorAll('#notifications li[data-kind="failed"]').length === 2,
        undefined,
        { timeout: RUN_TIMEOUT_MS },
      );
      for (const text of await notes.allInnerTexts()) {
        assert.match(text, /You cancelled this video\. Nothing was charged\./);
        assert.doesNotMatch(text, /\brun\b|Show the video/i);
        assert.match(text, /Show in My videos/);
      }
      const toast = page.locator("#toasts .toast");
      await toast.first().waitFor();
      assert.doesNotMatch(await toast.first().innerText(), /\brun\b/i);
      await page.waitForFunction((id) => document.querySelector(`#toasts .toast[data-run="${id}"]`) !== null, first, {
        timeout: RUN_TIMEOUT_MS,
      });
      assert.equal(
        await page.evaluate(() => (window as unknown as { mostToasts: number }).mostToasts),
        1,
        "the newer pop-up replaced the older one",
      );
      await expectAccessible(page, "cancel notifications");
      await screenshotBoth(page, "cancel-notification", "#notifications");
    } finally {
      await session.close();
    }
  },
);
