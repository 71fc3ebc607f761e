/**
 * The callable that starts a purchase: a Stripe Checkout Session for one credit pack, in payment
 * mode, the caller's uid as client_reference_id and in metadata (with the pack and this project),
 * success and cancel URLs back to the page. Nothing is credited here: only the webhook credits.
 */
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { HttpsError } from "firebase-functions/v2/https";
import type Stripe from "stripe";
import { billingLogs, billingUserMessages } from "./messages";
import { allowedReturnUrl, loadBillingSettings, PACK_ID_PATTERN } from "./settings";

export interface CheckoutDeps {
  db: Firestore;
  stripe: () => Stripe;
  projectId: string;
  isEmulator: boolean;
}

export interface CheckoutCaller {
  uid: string;
  email: string | null;
}

/** The query the page reads when Checkout sends the customer back. */
export const CHECKOUT_RETURN = { param: "checkout", success: "success", cancelled: "cancelled" } as const;

export async function handleCreateCheckout(
  caller: CheckoutCaller | null,
  data: unknown,
  deps: CheckoutDeps,
): Promise<{ sessionId: string; url: string }> {
  if (!caller) throw new HttpsError("unauthenticated", billingUserMessages.signInFirst);
  const request = (typeof data === "object" && data !== null ? data : {}) as { pack?: unknown; returnUrl?: unknown };
  const settings = await loadBillingSettings(deps.db);
  const packId = typeof request.pack === "string" && PACK_ID_PATTERN.test(request.pack) ? request.pack : null;
  const pack = packId !== null && Object.hasOwn(settings.packs, packId) ? settings.packs[packId] : undefined;
  if (!pack || packId === null) throw new HttpsError("invalid-argument", billingUserMessages.unknownPack);
  const page = allowedReturnUrl(request.returnUrl, settings, deps.isEmulator);
  if (!page) throw new HttpsError("invalid-argument", billingUserMessages.badReturnUrl);
  const back = (outcome: string, withSession: boolean) => {
    const url = new URL(page);
    url.searchParams.set(CHECKOUT_RETURN.param, outcome);
    // Stripe fills in {CHECKOUT_SESSION_ID}; URLSearchParams would escape its braces.
    return withSession ? `${url.toString()}&session_id={CHECKOUT_SESSION_ID}` : url.toString();
  };
  const metadata = { uid: caller.uid, pack: packId, project: deps.projectId };
  let session: Stripe.Checkout.Session;
  try {
    session = await deps.stripe().checkout.sessions.create({
      mode: "payment",
      client_reference_id: caller.uid,
      metadata,
      payment_intent_data: { metadata },
      ...(caller.email && { customer_email: caller.email }),
      line_items: [
        {
          quantity: 1,
          price_data: { currency: pack.currency, unit_amount: pack.amount, product_data: { name: pack.label } },
        },
      ],
      success_url: back(CHECKOUT_RETURN.success, true),
      cancel_url: back(CHECKOUT_RETURN.cancelled, false),
    });
  } catch (error) {
    logger.error(billingLogs.checkoutFailed, { uid: caller.uid, pack: packId, error: String(error) });
    throw new HttpsError("unavailable", billingUserMessages.checkoutUnavailable);
  }
  if (!session.url) throw new HttpsError("unavailable", billingUserMessages.checkoutUnavailable);
  logger.info(billingLogs.sessionCreated, { uid: caller.uid, pack: packId, sessionId: session.id });
  return { sessionId: session.id, url: session.url };
}
