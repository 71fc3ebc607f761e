/**
 * A loopback stand-in for the parts of Stripe's API fairshot uses, answering as Stripe does
 * (shapes per Stripe's API reference and its OpenAPI spec, github.com/stripe/openapi; each object
 * below `satisfies` the SDK's own types, which are generated from that spec): form-encoded
 * `POST /v1/checkout/sessions` with a secret key, `GET /v1/checkout/sessions/{id}`, Stripe's error
 * envelope. It also serves a minimal hosted Checkout page: Pay marks the session paid and delivers
 * the signed webhook events (signed as Stripe signs them, with the SDK's own test signer) to the
 * webhook, then redirects to the session's success URL; Cancel redirects to its cancel URL.
 * Tests drive refunds, disputes and odd deliveries (late, duplicated, reordered, tampered) directly.
 */
import { randomBytes } from "node:crypto";
import Stripe from "stripe";
import { startHttpStandin, type HttpStandin, type StandinReply, type StandinRequest } from "./httpStandin";

export interface StripeStandinOptions {
  /** The secret key requests must carry (Authorization: Bearer …). */
  apiKey: string;
  /** The webhook endpoint's signing secret. */
  webhookSecret: string;
  /** Where events are delivered (the stripeWebhook function). */
  webhookUrl: string;
  /** A fixed port: the Functions emulator is told the URL before it starts. */
  port?: number;
}

/** A stored session: Stripe's object, plus what a payment made of it. */
export interface StandinSession extends Record<string, unknown> {
  id: string;
  object: "checkout.session";
  amount_total: number;
  currency: string;
  payment_status: "unpaid" | "paid" | "no_payment_required";
  status: "open" | "complete" | "expired";
  payment_intent: string | null;
  success_url: string | null;
  cancel_url: string | null;
  metadata: Record<string, string>;
  client_reference_id: string | null;
  mode: string;
}

export interface StripeEvent {
  id: string;
  object: "event";
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
  [key: string]: unknown;
}

export interface Delivery {
  status: number;
  body: string;
}

export interface StripeStandin extends HttpStandin {
  /** The SDK pointed at this stand-in (host/port/protocol), as the functions build it. */
  sdk: Stripe;
  sessions: Map<string, StandinSession>;
  /** Every request the API part answered, newest last. */
  requests: { method: string; path: string; form: Record<string, unknown> }[];
  /** Pays the session (as the hosted page's Pay does) and returns its events, not delivered. */
  pay(sessionId: string, options?: { asyncPayment?: boolean }): StripeEvent[];
  /** The async payment of a session paid with a delayed method succeeded. */
  asyncSucceeded(sessionId: string): StripeEvent;
  /** A refund of `amount` (cumulative, as Stripe's charge.amount_refunded). */
  refund(sessionId: string, amountRefunded: number): StripeEvent;
  dispute(sessionId: string, amount?: number): StripeEvent;
  /** A Stripe event of any type, e.g. a session for another project. */
  event(type: string, object: Record<string, unknown>): StripeEvent;
  /** Delivers an event signed at `timestamp` (default now); `tamper` changes the body after signing. */
  deliver(
    event: StripeEvent,
    options?: { timestamp?: number; tamper?: boolean; signature?: string | null },
  ): Promise<Delivery>;
  /** Deliveries made by the hosted page, in order. */
  pageDeliveries: Delivery[];
}

const id = (prefix: string) => `${prefix}_test_${randomBytes(12).toString("hex")}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Stripe's form encoding (`a[b][0][c]=x`) back into objects and arrays. */
export function parseStripeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.replace(/\]/g, "").split("[");
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const slot = Array.isArray(node) ? Number(part) : part;
      const container = node as Record<string | number, unknown>;
      if (last) container[slot] = value;
      else {
        container[slot] ??= /^\d+$/.test(parts[i + 1]) ? [] : {};
        node = container[slot] as Record<string, unknown> | unknown[];
      }
    });
  }
  return root;
}

const stripeError = (status: number, message: string, param?: string): StandinReply => ({
  status,
  json: {
    error: {
      // Stripe answers a bad key (401), a bad parameter (400) and a missing object (404) alike.
      type: "invalid_request_error",
      message,
      ...(param && { param }),
      ...(status === 404 && { code: "resource_missing" }),
    },
  },
  headers: { "request-id": id("req") },
});

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);

export async function startStripeStandin(options: StripeStandinOptions): Promise<StripeStandin> {
  const sessions = new Map<string, StandinSession>();
  const requests: StripeStandin["requests"] = [];
  const pageDeliveries: Delivery[] = [];
  const charges = new Map<string, { id: string; paymentIntent: string; amount: number; currency: string }>();
  const signer = new Stripe(options.apiKey);
  let baseUrl = "";

  const event = (type: string, object: Record<string, unknown>): StripeEvent => ({
    id: id("evt"),
    object: "event",
    api_version: Stripe.API_VERSION,
    created: nowSeconds(),
    data: { object: structuredClone(object) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });

  const deliver: StripeStandin["deliver"] = async (ev, opts = {}) => {
    const payload = JSON.stringify(ev, null, 2);
    const signature =
      opts.signature !== undefined
        ? opts.signature
        : signer.webhooks.generateTestHeaderString({
            payload,
            secret: options.webhookSecret,
            timestamp: opts.timestamp ?? nowSeconds(),
          });
    const body = opts.tamper
      ? payload.replace(/"amount_total": (\d+)/, (_m, n) => `"amount_total": ${Number(n) * 10}`)
      : payload;
    const res = await fetch(options.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...(signature !== null && { "stripe-signature": signature }) },
      body,
    });
    return { status: res.status, body: await res.text() };
  };

  const sessionOf = (sessionId: string) => {
    const session = sessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    return session;
  };

  const pay: StripeStandin["pay"] = (sessionId, payOptions = {}) => {
    const session = sessionOf(sessionId);
    session.status = "complete";
    session.payment_intent ??= id("pi");
    const charge = {
      id: id("ch"),
      paymentIntent: session.payment_intent,
      amount: session.amount_total,
      currency: session.currency,
    };
    charges.set(sessionId, charge);
    session.payment_status = payOptions.asyncPayment ? "unpaid" : "paid";
    return [event("checkout.session.completed", session)];
  };

  const chargeObject = (sessionId: string, amountRefunded: number) => {
    const charge = charges.get(sessionId);
    if (!charge) throw new Error(`session ${sessionId} has no charge`);
    return {
      id: charge.id,
      object: "charge" as const,
      amount: charge.amount,
      amount_captured: charge.amount,
      amount_refunded: amountRefunded,
      currency: charge.currency,
      paid: true,
      captured: true,
      refunded: amountRefunded >= charge.amount,
      payment_intent: charge.paymentIntent,
      status: "succeeded",
      metadata: sessionOf(sessionId).metadata,
      livemode: false,
    } satisfies Pick<
      Stripe.Charge,
      | "id"
      | "object"
      | "amount"
      | "amount_captured"
      | "amount_refunded"
      | "currency"
      | "paid"
      | "captured"
      | "refunded"
      | "payment_intent"
      | "status"
      | "metadata"
      | "livemode"
    >;
  };

  const handle = async (request: StandinRequest): Promise<StandinReply> => {
    const pageMatch = /^\/pay\/(cs_test_[a-f0-9]+)(?:\/(pay|cancel))?$/.exec(request.path);
    if (pageMatch) return hostedPage(pageMatch[1], pageMatch[2] as "pay" | "cancel" | undefined, request.method);
    const form = parseStripeForm(request.body.toString("utf8"));
    requests.push({ method: request.method, path: request.path, form });
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return stripeError(
        401,
        "Invalid API Key provided: " + String(request.headers.authorization ?? "").slice(7, 15) + "****",
      );
    }
    if (request.method === "POST" && request.path === "/v1/checkout/sessions") return createSession(form);
    const get = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(request.path);
    if (request.method === "GET" && get) {
      const session = sessions.get(get[1]);
      return session
        ? { status: 200, json: session }
        : stripeError(404, `No such checkout.session: '${get[1]}'`, "session");
    }
    return stripeError(404, `Unrecognized request URL (${request.method}: ${request.path}).`);
  };

  const createSession = (form: Record<string, unknown>): StandinReply => {
    if (form.mode !== "payment") return stripeError(400, "Missing required param: mode.", "mode");
    const items = form.line_items as { quantity?: string; price_data?: Record<string, unknown> }[] | undefined;
    if (!items?.length) return stripeError(400, "line_items is required in payment mode.", "line_items");
    let amount = 0;
    let currency = "";
    for (const [i, item] of items.entries()) {
      const price = item.price_data;
      const unit = Number(price?.unit_amount);
      if (!price || !/^[a-z]{3}$/.test(String(price.currency)) || !Number.isInteger(unit) || unit < 0)
        return stripeError(400, "Invalid price_data.", `line_items[${i}][price_data]`);
      if (!(price.product_data as { name?: string } | undefined)?.name)
        return stripeError(400, "Missing required param: line_items[0][price_data][product_data][name].");
      amount += unit * Number(item.quantity ?? 1);
      currency = String(price.currency);
    }
    const sessionId = id("cs");
    const session: StandinSession = {
      id: sessionId,
      object: "checkout.session",
      amount_subtotal: amount,
      amount_total: amount,
      cancel_url: (form.cancel_url as string | undefined) ?? null,
      client_reference_id: (form.client_reference_id as string | undefined) ?? null,
      created: nowSeconds(),
      currency,
      customer: null,
      customer_email: (form.customer_email as string | undefined) ?? null,
      expires_at: nowSeconds() + 24 * 3600,
      livemode: false,
      metadata: (form.metadata as Record<string, string> | undefined) ?? {},
      mode: "payment",
      payment_intent: null,
      payment_status: "unpaid",
      status: "open",
      success_url: (form.success_url as string | undefined) ?? null,
      url: `${baseUrl}/pay/${sessionId}`,
    } satisfies Pick<
      Stripe.Checkout.Session,
      | "id"
      | "object"
      | "amount_subtotal"
      | "amount_total"
      | "cancel_url"
      | "client_reference_id"
      | "created"
      | "currency"
      | "customer"
      | "customer_email"
      | "expires_at"
      | "livemode"
      | "metadata"
      | "mode"
      | "payment_intent"
      | "payment_status"
      | "status"
      | "success_url"
      | "url"
    >;
    sessions.set(sessionId, session);
    return { status: 200, json: session, headers: { "request-id": id("req") } };
  };

  const hostedPage = async (
    sessionId: string,
    action: "pay" | "cancel" | undefined,
    method: string,
  ): Promise<StandinReply> => {
    const session = sessions.get(sessionId);
    if (!session) return { status: 404, bytes: Buffer.from("<h1>Session not found</h1>"), contentType: "text/html" };
    if (!action || method !== "POST") {
      const price = new Intl.NumberFormat("en", { style: "currency", currency: session.currency }).format(
        session.amount_total / 100,
      );
      const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout (test)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>Pay ${escapeHtml(price)}</h1><p id="session">${escapeHtml(session.id)}</p>
<form method="post" action="/pay/${session.id}/pay"><button id="pay" type="submit">Pay ${escapeHtml(price)}</button></form>
<form method="post" action="/pay/${session.id}/cancel"><button id="cancel" type="submit">Back</button></form>
</main></body></html>`;
      return { status: 200, bytes: Buffer.from(html), contentType: "text/html; charset=utf-8" };
    }
    if (action === "cancel")
      return { status: 303, bytes: Buffer.alloc(0), headers: { location: session.cancel_url ?? "/" } };
    for (const ev of pay(sessionId)) pageDeliveries.push(await deliver(ev));
    const location = (session.success_url ?? "/").replace("{CHECKOUT_SESSION_ID}", session.id);
    return { status: 303, bytes: Buffer.alloc(0), headers: { location } };
  };

  const server = await startHttpStandin(handle, options.port ?? 0);
  baseUrl = server.baseUrl;
  const sdk = new Stripe(options.apiKey, {
    host: "127.0.0.1",
    port: server.port,
    protocol: "http",
    maxNetworkRetries: 0,
  });
  return {
    ...server,
    sdk,
    sessions,
    requests,
    pageDeliveries,
    pay,
    asyncSucceeded: (sessionId) => {
      const session = sessionOf(sessionId);
      session.payment_status = "paid";
      return event("checkout.session.async_payment_succeeded", session);
    },
    refund: (sessionId, amountRefunded) => event("charge.refunded", chargeObject(sessionId, amountRefunded)),
    dispute: (sessionId, amount) => {
      const charge = chargeObject(sessionId, 0);
      return event("charge.dispute.created", {
        id: id("dp"),
        object: "dispute",
        amount: amount ?? charge.amount,
        charge: charge.id,
        currency: charge.currency,
        payment_intent: charge.payment_intent,
        reason: "fraudulent",
        status: "needs_response",
        metadata: {},
        livemode: false,
      } satisfies Pick<
        Stripe.Dispute,
        | "id"
        | "object"
        | "amount"
        | "charge"
        | "currency"
        | "payment_intent"
        | "reason"
        | "status"
        | "metadata"
        | "livemode"
      >);
    },
    event,
    deliver,
  };
}
