/**
 * The chaos harness's purchases: customers buy credit packs while their runs go on, and every paid
 * Checkout Session's events reach the webhook as Stripe may deliver them: twice at once, a forged
 * copy first, a delayed payment's two events in reverse order; each delivery is repeated until
 * the webhook answers 200, as Stripe retries (a worker killed mid-delivery answers nothing). Once
 * every run has settled, some purchases are refunded in full, each event delivered twice.
 *
 * What each customer should hold is counted here from what the harness did (packs paid, what a
 * refund may take from a balance known independently of the ledger), never read from the ledger.
 */
import type { BillingSettings } from "../../functions/src/billing/settings";
import type { StripeEvent, StripeStandin } from "../../functions/src/providers/standins/stripe";

export interface PurchasePlan {
  user: number;
  pack: string;
  /** Paid with a delayed method: completed unpaid, then async_payment_succeeded, delivered first. */
  asyncPayment: boolean;
  /** A copy signed with another secret is delivered before the genuine events: it must be refused. */
  forgedFirst: boolean;
  /** Refunded in full once every run has settled. */
  refund: boolean;
  /** Milliseconds after the previous purchase starts. */
  delayMs: number;
}

/** Pure: the same generator state gives the same purchases. */
export function planPurchases(random: () => number, count: number, users: number, packs: string[]): PurchasePlan[] {
  return Array.from({ length: count }, () => ({
    user: Math.floor(random() * users),
    pack: packs[Math.floor(random() * packs.length)],
    asyncPayment: random() < 0.25,
    forgedFirst: random() < 0.25,
    refund: random() < 0.4,
    delayMs: Math.floor(random() * 4000),
  }));
}

export interface PurchaseTally {
  paid: number;
  deliveries: number;
  /** Deliveries answered with anything but 200 (or nothing), then delivered again. */
  redelivered: number;
  forgedRefused: number;
  forgedAccepted: number;
  refunds: number;
  creditsBought: number;
  /** What the refunds could take: each at most the balance the harness expects at that moment. */
  creditsTakenBack: number;
}

export function emptyPurchaseTally(): PurchaseTally {
  return {
    paid: 0,
    deliveries: 0,
    redelivered: 0,
    forgedRefused: 0,
    forgedAccepted: 0,
    refunds: 0,
    creditsBought: 0,
    creditsTakenBack: 0,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Stripe retries for days; a local pass gives up after this many tries and says so. */
const MAX_TRIES = 40;

async function deliverUntilAccepted(stripe: StripeStandin, event: StripeEvent, tally: PurchaseTally): Promise<void> {
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    tally.deliveries++;
    const delivery = await stripe.deliver(event).catch(() => null);
    if (delivery?.status === 200) return;
    tally.redelivered++;
    await sleep(Math.min(5000, 250 * attempt));
  }
  throw new Error(`the webhook never accepted ${event.type} ${event.id}`);
}

/** Each event twice at once, as two of Stripe's deliveries may overlap. */
const deliverTwice = (stripe: StripeStandin, event: StripeEvent, tally: PurchaseTally) =>
  Promise.all([deliverUntilAccepted(stripe, event, tally), deliverUntilAccepted(stripe, event, tally)]);

export interface PaidPurchase {
  plan: PurchasePlan;
  uid: string;
  sessionId: string;
  credits: number;
}

/** One purchase: the session made through the SDK, paid, its events delivered as planned. */
export async function buyPack(args: {
  stripe: StripeStandin;
  plan: PurchasePlan;
  uid: string;
  projectId: string;
  billing: BillingSettings;
  tally: PurchaseTally;
}): Promise<PaidPurchase> {
  const { stripe, plan, uid, tally } = args;
  const pack = args.billing.packs[plan.pack];
  const metadata = { uid, pack: plan.pack, project: args.projectId };
  const session = await stripe.sdk.checkout.sessions.create({
    mode: "payment",
    client_reference_id: uid,
    metadata,
    payment_intent_data: { metadata },
    line_items: [
      {
        quantity: 1,
        price_data: { currency: pack.currency, unit_amount: pack.amount, product_data: { name: pack.label } },
      },
    ],
    success_url: "http://127.0.0.1/?checkout=success",
  });
  const [completed] = stripe.pay(session.id, { asyncPayment: plan.asyncPayment });
  if (plan.forgedFirst) {
    const forged = await stripe.deliver(completed, { signature: "t=1,v1=" + "0".repeat(64) }).catch(() => null);
    if (forged?.status === 400) tally.forgedRefused++;
    else tally.forgedAccepted++;
  }
  if (plan.asyncPayment) {
    const succeeded = stripe.asyncSucceeded(session.id);
    await deliverTwice(stripe, succeeded, tally);
    await deliverTwice(stripe, completed, tally);
  } else {
    await deliverTwice(stripe, completed, tally);
  }
  tally.paid++;
  tally.creditsBought += pack.credits;
  return { plan, uid, sessionId: session.id, credits: pack.credits };
}

/**
 * The planned full refunds, after every run has settled: `expected` holds each customer's balance
 * as the harness counts it; a refund takes the pack back as far as that balance goes (never below
 * zero, the README's policy) and the count is lowered by what it takes.
 */
export async function refundPurchases(args: {
  stripe: StripeStandin;
  purchases: PaidPurchase[];
  expected: Map<string, number>;
  tally: PurchaseTally;
}): Promise<void> {
  for (const purchase of args.purchases.filter((p) => p.plan.refund)) {
    const session = args.stripe.sessions.get(purchase.sessionId);
    if (!session) throw new Error(`no session ${purchase.sessionId}`);
    await deliverTwice(args.stripe, args.stripe.refund(purchase.sessionId, session.amount_total), args.tally);
    const balance = args.expected.get(purchase.uid) ?? 0;
    const taken = Math.min(purchase.credits, Math.max(0, balance));
    args.expected.set(purchase.uid, balance - taken);
    args.tally.refunds++;
    args.tally.creditsTakenBack += taken;
  }
}
