/**
 * The Stripe webhook: the signature checked on the raw body (with a 5-minute tolerance), then
 * the events that move credits. Answers 400 to an unsigned, tampered or too-old event (Stripe
 * shows it as failed), 500 when the database failed or a refund arrived before its purchase was
 * credited (Stripe delivers it again), 200 otherwise, including authentic events credited already
 * or refused on their merits (a redelivery could not change the verdict).
 */
import { logger } from "firebase-functions";
import type { Firestore } from "firebase-admin/firestore";
import type Stripe from "stripe";
import { judgePaidSession } from "./decide";
import { fulfilSession, reversePayment } from "./fulfil";
import { billingLogs } from "./messages";
import { loadBillingSettings } from "./settings";
import { verifiedEvent } from "./stripeClient";

export interface WebhookRequest {
  method: string;
  rawBody: Buffer | undefined;
  signature: string | undefined;
}

export interface WebhookDeps {
  db: Firestore;
  webhookSecret: string;
  projectId: string;
}

export interface WebhookReply {
  status: number;
  body: { received: boolean; outcome?: string; error?: string };
}

const idOf = (ref: string | { id: string } | null | undefined) => (typeof ref === "string" ? ref : (ref?.id ?? null));

export async function handleStripeWebhook(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookReply> {
  if (request.method !== "POST") return { status: 405, body: { received: false, error: "POST only" } };
  let event: Stripe.Event;
  try {
    if (!request.rawBody || !request.signature) throw new Error("unsigned");
    event = verifiedEvent(request.rawBody, request.signature, deps.webhookSecret);
  } catch (error) {
    logger.warn(billingLogs.badSignature, { error: String(error) });
    return { status: 400, body: { received: false, error: "signature" } };
  }
  const outcome = await applyEvent(event, deps);
  return { status: outcome === "no_purchase" ? 500 : 200, body: { received: true, outcome } };
}

async function applyEvent(event: Stripe.Event, deps: WebhookDeps): Promise<string> {
  const log = { eventId: event.id, type: event.type };
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded": {
      const session = event.data.object;
      // A delayed payment method completes the session unpaid; its async_payment_succeeded credits it.
      if (event.type === "checkout.session.completed" && session.payment_status !== "paid") return "awaiting_payment";
      const verdict = judgePaidSession(session, await loadBillingSettings(deps.db), deps.projectId);
      if (verdict.kind === "foreign") {
        logger.warn(billingLogs.refused("another_project"), { ...log, sessionId: session.id });
        return "foreign";
      }
      const outcome = await fulfilSession(
        deps.db,
        { ...session, payment_intent: idOf(session.payment_intent) },
        verdict,
        event.id,
      );
      if (outcome === "refused" && verdict.kind === "refuse")
        logger.error(billingLogs.refused(verdict.reason), { ...log, sessionId: session.id, uid: verdict.uid });
      else logger.info(outcome === "credited" ? billingLogs.fulfilled : billingLogs.alreadyFulfilled, log);
      return outcome;
    }
    case "charge.refunded": {
      const charge = event.data.object;
      return reverse(deps, log, {
        eventId: event.id,
        paymentIntent: idOf(charge.payment_intent),
        returned: { kind: "refund", amountRefunded: charge.amount_refunded },
      });
    }
    case "charge.dispute.created": {
      const dispute = event.data.object;
      return reverse(deps, log, {
        eventId: event.id,
        paymentIntent: idOf(dispute.payment_intent),
        returned: { kind: "dispute", disputeId: dispute.id, amount: dispute.amount },
      });
    }
    default:
      logger.info(billingLogs.ignored, log);
      return "ignored";
  }
}

async function reverse(
  deps: WebhookDeps,
  log: Record<string, string>,
  args: Omit<Parameters<typeof reversePayment>[1], "paymentIntent"> & { paymentIntent: string | null },
): Promise<string> {
  if (!args.paymentIntent) {
    logger.info(billingLogs.ignored, log);
    return "ignored";
  }
  const outcome = await reversePayment(deps.db, { ...args, paymentIntent: args.paymentIntent });
  const line = {
    reversed: billingLogs.reversed,
    already_done: billingLogs.alreadyReversed,
    nothing_to_reverse: billingLogs.ignored,
    no_purchase: billingLogs.reversalWithoutPurchase,
  }[outcome];
  logger.info(line, { ...log, paymentIntent: args.paymentIntent });
  return outcome;
}
