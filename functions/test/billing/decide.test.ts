/** The payment decisions as pure functions: which paid sessions credit, what a refund or dispute takes back. */
import { judgePaidSession, returnsAfter, reversalOf, type SessionFacts } from "../../src/billing/decide";
import { allowedReturnUrl, BillingSettingsSchema } from "../../src/billing/settings";

const settings = BillingSettingsSchema.parse({
  welcomeCredits: 20,
  packs: { starter: { credits: 50, amount: 500, currency: "eur", label: "50 credits" } },
  returnOrigins: ["https://fairshot.example"],
});

const paid = (overrides: Partial<SessionFacts> = {}): SessionFacts => ({
  id: "cs_test_1",
  mode: "payment",
  payment_status: "paid",
  amount_total: 500,
  currency: "eur",
  client_reference_id: "alice",
  metadata: { uid: "alice", pack: "starter", project: "demo-fairshot" },
  ...overrides,
});

describe("judgePaidSession", () => {
  test("a paid session of a known pack at its price credits the pack to its customer", () => {
    expect(judgePaidSession(paid(), settings, "demo-fairshot")).toEqual({
      kind: "credit",
      uid: "alice",
      packId: "starter",
      pack: settings.packs.starter,
    });
  });
  test("a session of another project is not ours: ignored, not recorded", () => {
    expect(judgePaidSession(paid(), settings, "other-project").kind).toBe("foreign");
    expect(
      judgePaidSession(paid({ metadata: { uid: "alice", pack: "starter" } }), settings, "demo-fairshot").kind,
    ).toBe("foreign");
  });
  test.each([
    ["unknown pack", paid({ metadata: { uid: "alice", pack: "gold", project: "demo-fairshot" } }), "unknown_pack"],
    [
      "a pack named like an object key",
      paid({ metadata: { uid: "alice", pack: "constructor", project: "demo-fairshot" } }),
      "unknown_pack",
    ],
    ["amount below the price", paid({ amount_total: 499 }), "amount_mismatch"],
    ["amount above the price", paid({ amount_total: 5000 }), "amount_mismatch"],
    ["another currency", paid({ currency: "usd" }), "currency_mismatch"],
    ["not paid", paid({ payment_status: "unpaid" }), "not_paid"],
    ["a subscription", paid({ mode: "subscription" }), "not_payment_mode"],
    ["customer ids that disagree", paid({ client_reference_id: "mallory" }), "no_customer"],
    ["no customer", paid({ client_reference_id: null }), "no_customer"],
  ] as const)("%s is refused", (_name, session, reason) => {
    const verdict = judgePaidSession(session, settings, "demo-fairshot");
    expect(verdict).toMatchObject({ kind: "refuse", reason });
  });
});

describe("reversalOf", () => {
  const refunded = (amount: number) => ({ refunded: amount, disputes: {} });
  const base = { purchasedCredits: 50, alreadyOwed: 0, amountPaid: 500, returns: refunded(500), balance: 80 };
  test("a full refund takes back the whole pack when it is still in the balance", () => {
    expect(reversalOf(base)).toEqual({ owed: 50, taken: 50, writtenOff: 0 });
  });
  test("never below zero: credits already spent are written off", () => {
    expect(reversalOf({ ...base, balance: 30 })).toEqual({ owed: 50, taken: 30, writtenOff: 20 });
    expect(reversalOf({ ...base, balance: 0 })).toEqual({ owed: 50, taken: 0, writtenOff: 50 });
  });
  test("a partial refund owes its share, rounded up to whole credits", () => {
    expect(reversalOf({ ...base, returns: refunded(250) })).toEqual({ owed: 25, taken: 25, writtenOff: 0 });
    expect(reversalOf({ ...base, returns: refunded(1) })).toEqual({ owed: 1, taken: 1, writtenOff: 0 });
  });
  test("refunds are cumulative: a later one owes only what earlier ones did not", () => {
    expect(reversalOf({ ...base, alreadyOwed: 25 })).toEqual({ owed: 25, taken: 25, writtenOff: 0 });
  });
  test("a dispute after a partial refund disputes the rest: both together return the pack", () => {
    const returns = { refunded: 250, disputes: { dp_1: 250 } };
    expect(reversalOf({ ...base, alreadyOwed: 25, returns })).toEqual({ owed: 25, taken: 25, writtenOff: 0 });
  });
  test("a dispute after a full refund owes nothing more; never more than the pack", () => {
    const returns = { refunded: 500, disputes: { dp_1: 500 } };
    expect(reversalOf({ ...base, alreadyOwed: 50, returns })).toEqual({ owed: 0, taken: 0, writtenOff: 0 });
    expect(reversalOf({ ...base, returns: refunded(900) })).toEqual({ owed: 50, taken: 50, writtenOff: 0 });
  });
});

describe("returnsAfter", () => {
  const none = { refunded: 0, disputes: {} };
  test("refunds keep the highest running total: a late, smaller refund event changes nothing", () => {
    const full = returnsAfter(none, { kind: "refund", amountRefunded: 500 });
    expect(returnsAfter(full, { kind: "refund", amountRefunded: 250 })).toEqual({ refunded: 500, disputes: {} });
  });
  test("disputes count once each, however many events name them", () => {
    const once = returnsAfter(none, { kind: "dispute", disputeId: "dp_1", amount: 300 });
    expect(returnsAfter(once, { kind: "dispute", disputeId: "dp_1", amount: 300 })).toEqual(once);
    expect(returnsAfter(once, { kind: "dispute", disputeId: "dp_2", amount: 100 }).disputes).toEqual({
      dp_1: 300,
      dp_2: 100,
    });
  });
});

describe("allowedReturnUrl", () => {
  test("the page's own origin, without its query or fragment", () => {
    expect(allowedReturnUrl("https://fairshot.example/app?x=1#top", settings, false)?.toString()).toBe(
      "https://fairshot.example/app",
    );
  });
  test("any other origin is refused; loopback only under the emulators", () => {
    expect(allowedReturnUrl("https://evil.example/", settings, false)).toBeNull();
    expect(allowedReturnUrl("http://127.0.0.1:5173/", settings, false)).toBeNull();
    expect(allowedReturnUrl("http://127.0.0.1:5173/", settings, true)?.origin).toBe("http://127.0.0.1:5173");
    expect(allowedReturnUrl("javascript:alert(1)", settings, true)).toBeNull();
    expect(allowedReturnUrl(42, settings, true)).toBeNull();
  });
});
