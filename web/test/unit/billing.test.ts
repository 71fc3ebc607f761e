/** The packs, Checkout's return and the account errors as the customer reads them. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ACCOUNT_WORDS,
  authErrorWords,
  checkoutReturn,
  googleErrorWords,
  packLines,
  purchaseWords,
} from "../../src/logic/billing";
import { ledgerSentence } from "../../src/logic/activity";

const packs = {
  creator: { credits: 120, amount: 1000, currency: "eur", label: "120 credits" },
  starter: { credits: 50, amount: 500, currency: "eur", label: "50 credits" },
};

test("packs cheapest first, with their price and what a video costs in money", () => {
  const lines = packLines(packs, 10);
  assert.deepEqual(
    lines.map((l) => [l.id, l.price, l.value, l.label]),
    [
      ["starter", "€5.00", "5 videos, €1.00 each", "Buy 50 credits for €5.00"],
      ["creator", "€10.00", "12 videos, €0.83 each", "Buy 120 credits for €10.00"],
    ],
  );
  assert.equal(packLines(packs, null)[0].value, "");
});

test("Checkout's return: success, cancelled, or nothing to say", () => {
  assert.deepEqual(checkoutReturn("?checkout=success&session_id=cs_test_1"), {
    outcome: "success",
    sessionId: "cs_test_1",
  });
  // A session id that is not Stripe's is not looked up.
  assert.deepEqual(checkoutReturn("?checkout=success&session_id=../users/x"), { outcome: "success", sessionId: null });
  assert.deepEqual(checkoutReturn("?checkout=cancelled"), { outcome: "cancelled" });
  assert.equal(checkoutReturn("?checkout=maybe"), null);
  assert.equal(checkoutReturn(""), null);
});

test("the purchase record in words: credited once the webhook wrote it, or why not", () => {
  assert.equal(
    purchaseWords({ status: "credited", credits: 50 }),
    "Payment received: 50 credits added to your balance.",
  );
  assert.match(purchaseWords({ status: "refused", credits: 0 }), /no credits were added/);
});

test("purchases and reversals in the credit history", () => {
  assert.equal(
    ledgerSentence({ kind: "purchase", amount: 50, receipt: { amount: 500, currency: "eur" } }),
    "50 credits bought for €5.00.",
  );
  assert.equal(ledgerSentence({ kind: "reversal", amount: -50 }), "50 credits taken back after a refund or dispute.");
});

test("account sentences: the reset never says whether the address has an account", () => {
  assert.equal(
    ACCOUNT_WORDS.resetSent("a@b.test"),
    "If an account exists for a@b.test, a link to choose a new password is on its way.",
  );
  assert.match(ACCOUNT_WORDS.verifyFirst(null), /^We sent a link to your email address\./);
  assert.equal(ACCOUNT_WORDS.welcomed(1), "Welcome: 1 credit added to your balance.");
});

test("a failed Google sign-in never speaks of a password", () => {
  assert.match(googleErrorWords("auth/popup-closed-by-user"), /closed before it finished/);
  assert.match(googleErrorWords("auth/popup-blocked"), /allow pop-ups/);
  for (const code of ["auth/network-request-failed", "auth/internal-error"])
    assert.doesNotMatch(googleErrorWords(code), /check your email and password|auth\//);
});

test("account errors in plain words, never the code", () => {
  assert.match(authErrorWords("auth/email-already-in-use"), /exists already/);
  assert.doesNotMatch(authErrorWords("auth/internal-error"), /auth\//);
});
