/**
 * Buying credits as the page shows it: the packs with their price and price per video, what
 * Checkout's return to the page means, and the account messages of signing up. Pure, unit-tested.
 */
import type { BillingSettings } from "../../../functions/src/billing/settings";
import { credits } from "./words";

export interface PackLine {
  id: string;
  credits: number;
  /** "€5.00" */
  price: string;
  /** "5 videos, €1.00 each", from the price of a video in credits. */
  value: string;
  /** The button's text. */
  label: string;
}

export const money = (minorUnits: number, currency: string): string =>
  new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).format(minorUnits / 100);

/** The packs on sale, cheapest first, each with what it buys at today's price of a video. */
export function packLines(packs: BillingSettings["packs"], runPriceCredits: number | null): PackLine[] {
  return Object.entries(packs)
    .sort(([, a], [, b]) => a.amount - b.amount)
    .map(([id, pack]) => {
      const price = money(pack.amount, pack.currency);
      const videos = runPriceCredits ? Math.floor(pack.credits / runPriceCredits) : null;
      const value =
        videos && runPriceCredits
          ? `${videos} ${videos === 1 ? "video" : "videos"}, ${money((pack.amount * runPriceCredits) / pack.credits, pack.currency)} each`
          : "";
      return { id, credits: pack.credits, price, value, label: `Buy ${credits(pack.credits)} for ${price}` };
    });
}

export type CheckoutReturn =
  /** Paid: the page waits for the webhook's purchase record of this session. */
  { outcome: "success"; sessionId: string | null } | { outcome: "cancelled" } | null;

/** Stripe's Checkout Session ids, as the success URL carries them ({CHECKOUT_SESSION_ID}). */
const SESSION_ID = /^cs_[A-Za-z0-9_]{1,200}$/;

/** Where Checkout sent the customer back to (the callable's success and cancel URLs). */
export function checkoutReturn(search: string): CheckoutReturn {
  const query = new URLSearchParams(search);
  const value = query.get("checkout");
  if (value === "cancelled") return { outcome: "cancelled" };
  if (value !== "success") return null;
  const sessionId = query.get("session_id");
  return { outcome: "success", sessionId: sessionId && SESSION_ID.test(sessionId) ? sessionId : null };
}

/** What the page says of a purchase record once the webhook wrote it. */
export function purchaseWords(purchase: { status: string; credits: number }): string {
  return purchase.status === "credited"
    ? `Payment received: ${credits(purchase.credits)} added to your balance.`
    : CHECKOUT_WORDS.notCredited;
}

export const CHECKOUT_WORDS = {
  success: "Thank you: your payment went through. Your credits appear in your balance as soon as Stripe confirms it.",
  notCredited:
    "This payment could not be matched to a credit pack, so no credits were added. Please contact us with your Stripe receipt.",
  cancelled: "Checkout cancelled: nothing was charged.",
  redirecting: "Opening the secure checkout page…",
  failed: "The checkout page could not be opened. Nothing was charged. Please try again.",
};

/** What the page says around an account: verification, reset, welcome credits. */
export const ACCOUNT_WORDS = {
  verifyFirst: (email: string | null) =>
    `We sent a link to ${email ?? "your email address"}. Open it to verify your address, then press Continue to receive your welcome credits.`,
  notVerifiedYet: "Your address is not verified yet: open the link in the email first.",
  linkSentAgain: "A new link is on its way.",
  welcomed: (n: number) => `Welcome: ${credits(n)} added to your balance.`,
  resetNeedsEmail: "Enter your email address above, then press the reset button again.",
  // The same words whether or not an account exists: an address is never revealed.
  resetSent: (email: string) => `If an account exists for ${email}, a link to choose a new password is on its way.`,
};

/**
 * A failed Google sign-in: the popup closed by the customer in its own words, anything else
 * (a blocked popup, no network) without talk of a password the customer never typed.
 */
export function googleErrorWords(code: string): string {
  switch (code) {
    case "auth/popup-closed-by-user":
    case "auth/cancelled-popup-request":
    case "auth/too-many-requests":
      return authErrorWords(code);
    case "auth/popup-blocked":
      return "The browser blocked Google's sign-in window: allow pop-ups for this page and try again.";
    default:
      return "Google sign-in could not be completed. Please try again, or use your email and password.";
  }
}

/** Firebase Auth error codes as the customer should read them. */
export function authErrorWords(code: string): string {
  switch (code) {
    case "auth/email-already-in-use":
      return "An account with this email exists already: sign in, or reset its password.";
    case "auth/weak-password":
      return "Choose a password of at least 8 characters.";
    case "auth/invalid-email":
      return "That email address does not look right.";
    case "auth/popup-closed-by-user":
    case "auth/cancelled-popup-request":
      return "Google sign-in was closed before it finished.";
    case "auth/too-many-requests":
      return "Too many attempts: please wait a minute and try again.";
    default:
      return "Could not sign in: check your email and password.";
  }
}
