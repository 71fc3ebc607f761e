/**
 * The billing functions' handlers as the triggers in index.ts call them: each reads its own
 * secret only (the callable the API key, the webhook the signing secret) and the database.
 */
import type { CallableRequest, Request } from "firebase-functions/v2/https";
import { defineBoolean } from "firebase-functions/params";
import type Stripe from "stripe";
import { runtimeConfig } from "../config";
import { database } from "../adminApp";
import { handleCreateCheckout } from "../billing/checkout";
import { createStripe, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET } from "../billing/stripeClient";
import { handleClaimWelcome } from "../billing/welcome";
import { handleStripeWebhook } from "../billing/webhook";

/**
 * Refuse callable requests without a valid App Check token. Off by default until the page
 * initializes App Check (reCAPTCHA Enterprise) in production; always off under the emulators
 * (functions/.env.local), where no attestation provider answers.
 */
export const APP_CHECK_ENFORCED = defineBoolean("APP_CHECK_ENFORCED", {
  default: false,
  description: "Refuse the billing callables' requests that carry no valid App Check token",
});

export const STRIPE_CALLABLE_OPTIONS = { enforceAppCheck: APP_CHECK_ENFORCED } as const;

let stripe: Stripe | undefined;
function stripeApi(): Stripe {
  stripe ??= createStripe(STRIPE_SECRET_KEY.value(), runtimeConfig().stripeApiUrl);
  return stripe;
}

export const billingCallables = {
  createCheckoutSession: (request: CallableRequest) =>
    handleCreateCheckout(
      request.auth ? { uid: request.auth.uid, email: (request.auth.token.email as string | undefined) ?? null } : null,
      request.data,
      {
        db: database(),
        stripe: stripeApi,
        projectId: runtimeConfig().projectId,
        isEmulator: runtimeConfig().isEmulator,
      },
    ),
  claimWelcomeCredits: (request: CallableRequest) =>
    handleClaimWelcome(
      request.auth ? { uid: request.auth.uid, emailVerified: request.auth.token.email_verified === true } : null,
      database(),
    ),
};

/** The part of the HTTP response the webhook uses. */
interface JsonResponse {
  status(code: number): { json(body: unknown): unknown };
}

export async function handleWebhookRequest(req: Request, res: JsonResponse): Promise<void> {
  const signature = req.header("stripe-signature");
  const reply = await handleStripeWebhook(
    { method: req.method, rawBody: req.rawBody, signature },
    { db: database(), webhookSecret: STRIPE_WEBHOOK_SECRET.value(), projectId: runtimeConfig().projectId },
  );
  res.status(reply.status).json(reply.body);
}
