/**
 * The Stripe SDK, built once per instance. Its two secrets are Firebase secrets, each bound only
 * to the function that reads it: the Checkout callable holds the API key, the webhook the signing
 * secret. Under the emulators the SDK is pointed (its own host/port/protocol options) at a loopback
 * stand-in that answers as Stripe's API does.
 *
 * stripe-node 23, the current major (read 2026-12-07): v23 moved to the "endive" API release
 * (https://github.com/stripe/stripe-node/wiki/Migration-guide-for-v23), and each stripe-node release
 * pins the API version current when it shipped (https://docs.stripe.com/api/versioning); 23.2.0
 * sends 2026-11-18.endive (Stripe.API_VERSION). The webhook endpoint is created with that same
 * version so its events have the shapes the SDK's types describe. Checkout Sessions per
 * https://docs.stripe.com/api/checkout/sessions/create (read 2026-12-07).
 */
import { defineSecret } from "firebase-functions/params";
import Stripe from "stripe";

export const STRIPE_SECRET_KEY = defineSecret("STRIPE_SECRET_KEY");
export const STRIPE_WEBHOOK_SECRET = defineSecret("STRIPE_WEBHOOK_SECRET");

/** Stripe's default: a signed event older than 5 minutes is refused (a replay, or a clock gone wrong). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export function createStripe(apiKey: string, apiUrl: string | null): Stripe {
  const target = apiUrl ? new URL(apiUrl) : null;
  return new Stripe(apiKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(target && {
      host: target.hostname,
      port: Number(target.port || (target.protocol === "https:" ? 443 : 80)),
      protocol: target.protocol === "https:" ? "https" : "http",
    }),
  });
}

/** Verifies a webhook's signature on its raw body; throws Stripe's StripeSignatureVerificationError. */
export function verifiedEvent(rawBody: Buffer, signature: string, secret: string): Stripe.Event {
  return Stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
}
