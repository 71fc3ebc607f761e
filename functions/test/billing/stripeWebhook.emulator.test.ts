/**
 * Buying credits end to end on the emulators: the Checkout callable and the webhook running in
 * the Functions emulator, the real `stripe` SDK on both sides pointed at the loopback Stripe
 * stand-in, webhook payloads signed as Stripe signs them. Every paid Checkout Session is credited
 * exactly once whatever the deliveries; refunds and disputes take back purchased credits once per
 * event, never below zero; bad signatures, unknown packs and wrong amounts credit nothing.
 */
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { judgePaidSession } from "../../src/billing/decide";
import { fulfilSession, reversePayment } from "../../src/billing/fulfil";
import { ledgerIds, paths } from "../../src/contract/paths";
import { auditLedger } from "../../src/ledger/audit";
import { loadAuditSnapshot } from "../../src/ledger/auditSnapshot";
import type { StripeEvent, StripeStandin } from "../../src/providers/standins/stripe";
import { callFunction, signUp, startStripe, TEST_BILLING, writeBilling } from "../support/billing";
import { clearProject, firestoreFor, TRIGGER_PROJECT } from "../support/emulator";

const db = firestoreFor(TRIGGER_PROJECT);
const RETURN_URL = "http://127.0.0.1:5173/";
let stripe: StripeStandin;
const buyers: string[] = [];

beforeAll(async () => {
  await writeBilling(db);
  stripe = await startStripe();
});
afterAll(async () => {
  await stripe.close();
});

/** A signed-up customer and a Checkout Session for `pack` made through the callable. */
async function checkout(pack = "starter") {
  const buyer = await signUp();
  buyers.push(buyer.uid);
  const reply = await callFunction("createCheckoutSession", { pack, returnUrl: RETURN_URL }, buyer.idToken);
  expect(reply.error).toBeUndefined();
  const sessionId = String(reply.result?.sessionId);
  return { ...buyer, sessionId, url: String(reply.result?.url) };
}

/** A session made straight on the stand-in, for what the callable would never create. */
async function rawSession(uid: string, args: { pack: string; amount: number; currency?: string; project?: string }) {
  buyers.push(uid);
  const metadata = { uid, pack: args.pack, project: args.project ?? TRIGGER_PROJECT };
  const session = await stripe.sdk.checkout.sessions.create({
    mode: "payment",
    client_reference_id: uid,
    metadata,
    line_items: [
      {
        quantity: 1,
        price_data: { currency: args.currency ?? "eur", unit_amount: args.amount, product_data: { name: "credits" } },
      },
    ],
    success_url: RETURN_URL,
  });
  return session.id;
}

/** A customer who never had a credit has no user document yet: a balance of 0. */
const balanceOf = async (uid: string) => Number((await db.doc(paths.user(uid)).get()).get("credits") ?? 0);
const movement = async (uid: string, id: string) => (await db.doc(paths.ledgerEntry(uid, id)).get()).data();
const outcomeOf = (body: string) => (JSON.parse(body) as { outcome?: string }).outcome;

async function deliverOk(event: StripeEvent) {
  const delivery = await stripe.deliver(event);
  expect(delivery.status).toBe(200);
  return outcomeOf(delivery.body);
}

describe("the Checkout callable", () => {
  test("creates a payment-mode session for the pack, the caller as client_reference_id, URLs back to the page", async () => {
    const { uid, email, sessionId, url } = await checkout("creator");
    expect(url).toBe(`${stripe.baseUrl}/pay/${sessionId}`);
    const sent = stripe.requests.filter((r) => r.path === "/v1/checkout/sessions").pop()?.form;
    expect(sent).toMatchObject({
      mode: "payment",
      client_reference_id: uid,
      customer_email: email,
      metadata: { uid, pack: "creator", project: TRIGGER_PROJECT },
      line_items: [{ quantity: "1", price_data: { currency: "eur", unit_amount: "1000" } }],
      success_url: `${RETURN_URL}?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${RETURN_URL}?checkout=cancelled`,
    });
    // Creating a session credits nothing.
    expect(await balanceOf(uid)).toBe(0);
  });

  test("a signed-out caller, an unknown pack and a foreign return page get clear errors", async () => {
    const before = stripe.requests.length;
    expect((await callFunction("createCheckoutSession", { pack: "starter", returnUrl: RETURN_URL })).error).toEqual(
      expect.objectContaining({ status: "UNAUTHENTICATED", message: "Please sign in to buy credits." }),
    );
    const { idToken } = await signUp();
    for (const pack of ["gold", "constructor", "", 42]) {
      expect((await callFunction("createCheckoutSession", { pack, returnUrl: RETURN_URL }, idToken)).error).toEqual(
        expect.objectContaining({
          status: "INVALID_ARGUMENT",
          message: "That credit pack is not on sale. Please choose one of the packs shown.",
        }),
      );
    }
    const foreign = await callFunction(
      "createCheckoutSession",
      { pack: "starter", returnUrl: "https://evil.example/" },
      idToken,
    );
    expect(foreign.error?.status).toBe("INVALID_ARGUMENT");
    expect(stripe.requests.length).toBe(before);
  });
});

describe("the webhook credits a paid session exactly once", () => {
  test("purchase: ledger movement, balance, receipt and notification, once however often it is delivered", async () => {
    const { uid, sessionId } = await checkout();
    const [completed] = stripe.pay(sessionId);
    expect(await deliverOk(completed)).toBe("credited");
    expect(await balanceOf(uid)).toBe(50);
    expect(await movement(uid, ledgerIds.purchase(sessionId))).toMatchObject({
      kind: "purchase",
      amount: 50,
      sessionId,
      reason: "Bought 50 credits for €5.00",
      receipt: { pack: "starter", amount: 500, currency: "eur" },
    });
    expect((await db.doc(paths.purchase(sessionId)).get()).data()).toMatchObject({
      uid,
      status: "credited",
      credits: 50,
    });
    expect((await db.doc(paths.notification(uid, ledgerIds.purchase(sessionId))).get()).data()).toMatchObject({
      kind: "purchased",
      title: "Credits added",
    });
    // Duplicates at once, then a late one: nothing more.
    const outcomes = await Promise.all([1, 2, 3].map(() => deliverOk(completed)));
    expect(outcomes).toEqual(["already_done", "already_done", "already_done"]);
    expect(await deliverOk(completed)).toBe("already_done");
    expect(await balanceOf(uid)).toBe(50);
    expect((await db.collection(paths.ledger(uid)).get()).size).toBe(1);
  });

  test("a delayed payment: credited on async_payment_succeeded, whatever order the events arrive in", async () => {
    const first = await checkout();
    const [unpaid] = stripe.pay(first.sessionId, { asyncPayment: true });
    expect(await deliverOk(unpaid)).toBe("awaiting_payment");
    expect(await balanceOf(first.uid)).toBe(0);
    expect(await deliverOk(stripe.asyncSucceeded(first.sessionId))).toBe("credited");
    expect(await deliverOk(unpaid)).toBe("awaiting_payment");
    expect(await balanceOf(first.uid)).toBe(50);

    // Reordered: the success before the completion, then both again.
    const second = await checkout();
    const [unpaidToo] = stripe.pay(second.sessionId, { asyncPayment: true });
    const succeeded = stripe.asyncSucceeded(second.sessionId);
    expect(await deliverOk(succeeded)).toBe("credited");
    expect(await deliverOk(unpaidToo)).toBe("awaiting_payment");
    expect(await deliverOk(succeeded)).toBe("already_done");
    expect(await balanceOf(second.uid)).toBe(50);
  });

  test("a crash after the ledger write: Stripe's retry of the same event credits nothing", async () => {
    const { uid, sessionId } = await checkout();
    const [completed] = stripe.pay(sessionId);
    // The crashed instance committed its transaction and died before answering Stripe.
    const session = completed.data.object as unknown as Parameters<typeof judgePaidSession>[0] & {
      payment_intent: string;
    };
    const verdict = judgePaidSession(session, TEST_BILLING, TRIGGER_PROJECT);
    if (verdict.kind === "foreign") throw new Error("the test session must be ours");
    expect(await fulfilSession(db, session, verdict, completed.id)).toBe("credited");
    expect(await deliverOk(completed)).toBe("already_done");
    expect(await deliverOk(completed)).toBe("already_done");
    expect(await balanceOf(uid)).toBe(50);
  });
});

describe("the webhook refuses", () => {
  test("unsigned, wrongly signed, too old and tampered events: 400, nothing credited", async () => {
    const { uid, sessionId } = await checkout();
    const [completed] = stripe.pay(sessionId);
    const tooOld = Math.floor(Date.now() / 1000) - 301;
    const forged = stripe.sdk.webhooks.generateTestHeaderString({
      payload: JSON.stringify(completed, null, 2),
      secret: "whsec_not_ours",
    });
    for (const delivery of [
      await stripe.deliver(completed, { signature: null }),
      await stripe.deliver(completed, { signature: forged }),
      await stripe.deliver(completed, { timestamp: tooOld }),
      await stripe.deliver(completed, { tamper: true }),
      await stripe.deliver(completed, { signature: "t=1,v1=deadbeef" }),
    ]) {
      expect(delivery.status).toBe(400);
    }
    expect(await balanceOf(uid)).toBe(0);
    expect((await db.doc(paths.purchase(sessionId)).get()).exists).toBe(false);
    // The genuine delivery still credits, once.
    expect(await deliverOk(completed)).toBe("credited");
    expect(await balanceOf(uid)).toBe(50);
  });

  test("an unknown pack, a wrong amount or currency: recorded as refused, nothing credited", async () => {
    const { uid } = await signUp();
    const cases = [
      { args: { pack: "gold", amount: 500 }, refusal: "unknown_pack" },
      { args: { pack: "starter", amount: 100 }, refusal: "amount_mismatch" },
      { args: { pack: "starter", amount: 500, currency: "usd" }, refusal: "currency_mismatch" },
    ];
    for (const { args, refusal } of cases) {
      const sessionId = await rawSession(uid, args);
      const [completed] = stripe.pay(sessionId);
      expect(await deliverOk(completed)).toBe("refused");
      expect(await deliverOk(completed)).toBe("already_done");
      expect((await db.doc(paths.purchase(sessionId)).get()).data()).toMatchObject({
        status: "refused",
        refusal,
        credits: 0,
      });
      expect(await movement(uid, ledgerIds.purchase(sessionId))).toBeUndefined();
    }
    expect(await balanceOf(uid)).toBe(0);
  });

  test("a session of another project on the same Stripe account: acknowledged, not recorded", async () => {
    const { uid } = await signUp();
    const sessionId = await rawSession(uid, { pack: "starter", amount: 500, project: "another-project" });
    const [completed] = stripe.pay(sessionId);
    expect(await deliverOk(completed)).toBe("foreign");
    expect((await db.doc(paths.purchase(sessionId)).get()).exists).toBe(false);
    expect(await balanceOf(uid)).toBe(0);
  });
});

describe("refunds and disputes take purchased credits back", () => {
  test("a partial refund, the full refund, then a dispute: each event once, never more than the pack", async () => {
    const { uid, sessionId } = await checkout();
    await deliverOk(stripe.pay(sessionId)[0]);
    const half = stripe.refund(sessionId, 250);
    const full = stripe.refund(sessionId, 500);
    const dispute = stripe.dispute(sessionId);
    expect(await deliverOk(half)).toBe("reversed");
    expect(await deliverOk(half)).toBe("already_done");
    expect(await balanceOf(uid)).toBe(25);
    expect(await deliverOk(full)).toBe("reversed");
    expect(await balanceOf(uid)).toBe(0);
    expect(await deliverOk(dispute)).toBe("reversed");
    expect(await balanceOf(uid)).toBe(0);
    expect(await movement(uid, ledgerIds.reversal(half.id))).toMatchObject({ kind: "reversal", amount: -25, owed: 25 });
    expect(await movement(uid, ledgerIds.reversal(full.id))).toMatchObject({ amount: -25, owed: 25 });
    expect(await movement(uid, ledgerIds.reversal(dispute.id))).toMatchObject({ amount: 0, owed: 0 });
    expect((await db.doc(paths.purchase(sessionId)).get()).get("creditsOwedBack")).toBe(50);
  });

  test("a partial refund, then a dispute of the rest: together they take the whole pack back", async () => {
    const { uid, sessionId } = await checkout();
    await deliverOk(stripe.pay(sessionId)[0]);
    expect(await deliverOk(stripe.refund(sessionId, 200))).toBe("reversed");
    expect(await balanceOf(uid)).toBe(30);
    const dispute = stripe.dispute(sessionId, 300);
    expect(await deliverOk(dispute)).toBe("reversed");
    // Stripe may send a second event about the same dispute: it owes nothing more.
    const again = stripe.event("charge.dispute.created", dispute.data.object);
    expect(await deliverOk(again)).toBe("reversed");
    expect(await balanceOf(uid)).toBe(0);
    expect(await movement(uid, ledgerIds.reversal(again.id))).toMatchObject({ amount: 0, owed: 0 });
  });

  test("reordered: the full refund before the partial one takes the pack back once", async () => {
    const { uid, sessionId } = await checkout();
    await deliverOk(stripe.pay(sessionId)[0]);
    const half = stripe.refund(sessionId, 250);
    const full = stripe.refund(sessionId, 500);
    expect(await deliverOk(full)).toBe("reversed");
    expect(await deliverOk(half)).toBe("reversed");
    expect(await balanceOf(uid)).toBe(0);
    expect(await movement(uid, ledgerIds.reversal(half.id))).toMatchObject({ amount: 0, owed: 0 });
  });

  test("a dispute delivered before its purchase is credited: 500 so Stripe retries, then taken back once", async () => {
    const { uid, sessionId } = await checkout();
    const [completed] = stripe.pay(sessionId);
    const dispute = stripe.dispute(sessionId);
    expect((await stripe.deliver(dispute)).status).toBe(500);
    await deliverOk(completed);
    expect(await deliverOk(dispute)).toBe("reversed");
    expect(await balanceOf(uid)).toBe(0);
  });

  test("credits already spent: the balance goes to zero, never below, the rest written off", async () => {
    const { uid, sessionId } = await checkout();
    const [completed] = stripe.pay(sessionId);
    await deliverOk(completed);
    // 40 of the 50 credits paid for videos (a charge as chargeRun writes it).
    await db.runTransaction(async (tx) => {
      tx.create(db.doc(paths.ledgerEntry(uid, "charge_spent")), {
        kind: "charge",
        amount: -40,
        runId: "spent",
        reason: "video run",
        createdAt: Timestamp.now(),
      });
      tx.update(db.doc(paths.user(uid)), { credits: FieldValue.increment(-40) });
    });
    const refund = stripe.refund(sessionId, 500);
    const paymentIntent = String((completed.data.object as { payment_intent: string }).payment_intent);
    const args = { eventId: refund.id, paymentIntent, returned: { kind: "refund" as const, amountRefunded: 500 } };
    expect(await reversePayment(db, args)).toBe("reversed");
    expect(await reversePayment(db, args)).toBe("already_done");
    expect(await deliverOk(refund)).toBe("already_done");
    expect(await balanceOf(uid)).toBe(0);
    expect(await movement(uid, ledgerIds.reversal(refund.id))).toMatchObject({ amount: -10, owed: 50, writtenOff: 40 });
    // The planted charge has no run: leave it out of the audit below.
    buyers.splice(buyers.indexOf(uid), 1);
  });
});

describe("the welcome grant", () => {
  test("only for a verified email, once however often it is claimed", async () => {
    const unverified = await signUp(false);
    expect((await callFunction("claimWelcomeCredits", {}, unverified.idToken)).error?.status).toBe(
      "FAILED_PRECONDITION",
    );
    expect((await callFunction("claimWelcomeCredits", {})).error?.status).toBe("UNAUTHENTICATED");
    const buyer = await signUp(true);
    buyers.push(buyer.uid);
    const claims = await Promise.all([1, 2].map(() => callFunction("claimWelcomeCredits", {}, buyer.idToken)));
    expect(claims.map((c) => c.result?.outcome).sort()).toEqual(["already_granted", "granted"]);
    expect((await callFunction("claimWelcomeCredits", {}, buyer.idToken)).result?.outcome).toBe("already_granted");
    expect(await balanceOf(buyer.uid)).toBe(20);
    expect(await movement(buyer.uid, ledgerIds.welcome(buyer.uid))).toMatchObject({ kind: "grant", amount: 20 });
  });
});

test("the ledger audit holds for every buyer: purchases tied to paid sessions, reversals to their purchases", async () => {
  const breaches = auditLedger(await loadAuditSnapshot(db)).filter((b) =>
    buyers.some((uid) => b.subject.includes(uid)),
  );
  expect(breaches).toEqual([]);
});

afterAll(async () => {
  // Keep the trigger project's purchases from leaking into other files' audits of it.
  if (process.env.FAIRSHOT_KEEP_BILLING_DATA) return;
  await clearProject(TRIGGER_PROJECT);
});
