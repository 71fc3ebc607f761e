/**
 * A new customer as a stranger meets the page: signs up with email and password, verifies the
 * address from the Auth emulator's email (its out-of-band link), receives the welcome credits,
 * buys a pack through the Stripe stand-in's hosted checkout page (the real webhook credits it),
 * comes back and sees the balance rise once, cancels a second checkout, makes a video with the
 * bought credits (charged only when its storyboard is approved), and can ask for a password reset. Keyboard for the purchase; axe-clean.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { ledgerIds } from "../../functions/src/contract/paths";
import { startStripeStandin } from "../../functions/src/providers/standins/stripe";
import { emulatorSecrets, functionsBaseUrl, oobCodes } from "../../functions/test/support/billing";
import { PIPELINE_SETTINGS_PATH } from "../../functions/src/pipelineSettings";
import { getAuth } from "firebase-admin/auth";
import { adminDb, LOCAL_BUCKET, PROJECT_ID, readSeed, seedEmulators } from "../../scripts/lib/emulators";
import { WEB_DIST } from "../build";
import { emulatorPageConfig, startWebServer } from "../server";
import {
  CHROMIUM,
  createRunOnPage,
  DESKTOP,
  eventually,
  expectAccessible,
  screenshotBoth,
  shownBalance,
  tabTo,
  waitForOutcome,
} from "./support/session";
import { approveStoryboard, waitForStoryboard } from "./support/storyboard";

test("sign up, verify, welcome credits, buy a pack through Checkout once, cancel one, make a video with them", async () => {
  const seed = readSeed();
  await seedEmulators(seed);
  await adminDb()
    .doc(PIPELINE_SETTINGS_PATH)
    .set({ ...seed.config.pipeline, sceneSeconds: 2 });
  const welcome = seed.config.billing.welcomeCredits;
  const starter = seed.config.billing.packs.starter;
  const { apiKey, webhookSecret } = emulatorSecrets();
  const stripe = await startStripeStandin({
    apiKey,
    webhookSecret,
    port: Number(process.env.FAIRSHOT_STANDIN_STRIPE_PORT),
    webhookUrl: `${await functionsBaseUrl()}/stripeWebhook`,
  });
  const server = await startWebServer({
    distDir: WEB_DIST,
    bucketDir: LOCAL_BUCKET,
    config: await emulatorPageConfig(PROJECT_ID),
  });
  const profile = await mkdtemp(path.join(os.tmpdir(), "fairshot-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
    viewport: DESKTOP,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const email = `new-${Date.now().toString(36)}@fairshot.test`;
  try {
    await page.goto(server.url);
    await page.locator("#sign-in").waitFor();
    await expectAccessible(page, "signed out, with sign-up");
    await page.fill("#email", email);
    await page.fill("#password", "a-new-password");
    await page.click("#sign-up-button");

    // Signed in, not verified: no welcome credits yet.
    await page.locator("#verify-email").waitFor();
    assert.match(await page.locator("#verify-email-text").innerText(), new RegExp(email.replace(".", "\\.")));
    await page.locator("#balance", { hasText: "0" }).waitFor();
    await expectAccessible(page, "verify your email");
    await screenshotBoth(page, "verify-email", "#verify-email");

    // The customer opens the link the Auth emulator "emailed", then presses Continue.
    const verify = (await oobCodes(email)).filter((c) => c.requestType === "VERIFY_EMAIL").pop();
    assert.ok(verify, "a verification email was sent");
    assert.equal((await fetch(verify.oobLink)).ok, true);
    await page.click("#verified-continue");
    await page.locator("#balance", { hasText: String(welcome) }).waitFor();
    assert.equal(await page.locator("#verify-email").isVisible(), false);
    assert.match(await page.locator("#welcome-status").innerText(), new RegExp(`${welcome} credits added`));

    // Buy from the header, keyboard only: the packs, then the stand-in's hosted checkout page.
    await page.focus("#buy-credits-open");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "buy-credits-title");
    assert.match(await page.locator('[data-pack="starter"]').innerText(), /Buy 50 credits for €5\.00/);
    await expectAccessible(page, "buy credits");
    await screenshotBoth(page, "buy-credits", "#buy-credits");
    await tabTo(page, '[data-pack="starter"]');
    await Promise.all([page.waitForURL(/\/pay\/cs_test_/), page.keyboard.press("Enter")]);
    await page.click("#pay");
    await page.waitForURL((url) => url.origin === new URL(server.url).origin);
    await page.locator("#balance", { hasText: String(welcome + starter.credits) }).waitFor();
    await page.locator("#checkout-status", { hasText: `${starter.credits} credits added` }).waitFor();
    assert.equal(new URL(page.url()).search, "", "the checkout answer is not left in the address");
    await page.locator("#ledger li", { hasText: "50 credits bought for €5.00." }).waitFor();
    await expectAccessible(page, "back from checkout");
    await screenshotBoth(page, "checkout-paid", "#buy-credits");

    const { uid } = await getAuth().getUserByEmail(email);
    const purchases = await adminDb().collection("purchases").where("uid", "==", uid).get();
    assert.equal(purchases.size, 1);
    assert.equal(stripe.pageDeliveries.map((d) => d.status).join(), "200");
    // A late duplicate of the same event changes nothing, on the page or in the database.
    const [sessionId] = [...stripe.sessions.keys()];
    const redelivered = await stripe.deliver(
      stripe.event("checkout.session.completed", stripe.sessions.get(sessionId) ?? {}),
    );
    assert.equal(redelivered.status, 200);
    await page.waitForTimeout(1000);
    assert.equal(await shownBalance(page), welcome + starter.credits);
    const ledger = await adminDb().collection(`users/${uid}/ledger`).get();
    assert.deepEqual(
      ledger.docs.map((d) => d.id).sort(),
      [ledgerIds.purchase(sessionId), ledgerIds.welcome(uid)].sort(),
    );

    // A second checkout, cancelled on the checkout page: nothing charged, the page says so.
    await page.click('[data-pack="starter"]');
    await page.waitForURL(/\/pay\/cs_test_/);
    await page.click("#cancel");
    await page.locator("#checkout-status", { hasText: "Checkout cancelled: nothing was charged." }).waitFor();
    // The page was loaded anew: its balance appears with the first snapshot, unchanged.
    await page.locator("#balance", { hasText: String(welcome + starter.credits) }).waitFor();
    assert.equal(await shownBalance(page), welcome + starter.credits);

    // The bought credits make a video: the storyboard first, and the balance charged only by its approval.
    const runId = await createRunOnPage(page, { image: "coffee.png", scenes: 2 });
    await waitForStoryboard(page, runId);
    assert.equal(await shownBalance(page), welcome + starter.credits, "nothing charged before Approve and pay");
    assert.equal((await adminDb().collection(`users/${uid}/ledger`).where("runId", "==", runId).get()).size, 0);
    await approveStoryboard(page, runId);
    const price = seed.config.pipeline.runPriceCredits;
    await page.locator("#balance", { hasText: String(welcome + starter.credits - price) }).waitFor();
    await waitForOutcome(page, runId, "ready");
    assert.equal(await shownBalance(page), welcome + starter.credits - price, "charged once");

    // Signed out, a forgotten password: the reset email is sent.
    await page.click("#sign-out");
    await page.locator("#sign-in").waitFor();
    await page.fill("#email", email);
    await page.click("#reset-password");
    await page.locator("#account-status", { hasText: "a link to choose a new password is on its way" }).waitFor();
    const resets = await eventually(
      () => oobCodes(email),
      (codes) => codes.some((c) => c.requestType === "PASSWORD_RESET"),
    );
    assert.ok(resets.some((c) => c.requestType === "PASSWORD_RESET"));
  } finally {
    await context.close();
    await server.close();
    await stripe.close();
    await rm(profile, { recursive: true, force: true });
  }
  assert.deepEqual(pageErrors, [], "the page threw");
});
