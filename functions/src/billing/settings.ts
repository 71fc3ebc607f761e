import type { Firestore } from "firebase-admin/firestore";
import { z } from "zod";

/** Pack ids travel in Checkout metadata and in ledger reasons: short, plain. */
export const PACK_ID_PATTERN = /^[a-z0-9_-]{1,40}$/;

/**
 * A credit pack as it is sold: `amount` in the currency's minor units (cents), as Stripe's
 * `unit_amount` and a Checkout Session's `amount_total` are; `currency` lowercase ISO 4217, as Stripe
 * writes it. Both are checked against the paid session before a single credit moves.
 */
const CreditPackSchema = z.object({
  credits: z.number().int().positive().max(1_000_000),
  amount: z.number().int().positive().max(99_999_999),
  currency: z.string().regex(/^[a-z]{3}$/),
  /** Shown on the Checkout page and the receipt, e.g. "100 credits". */
  label: z.string().min(1).max(80),
});
export type CreditPack = z.infer<typeof CreditPackSchema>;

/** `config/billing`: what customers can buy and what a new account gets. Seeded in emulator-data/seed.json. */
export const BillingSettingsSchema = z.object({
  /** Credits granted once to each new account whose email is verified (0: none). */
  welcomeCredits: z.number().int().min(0).max(10_000).default(0),
  packs: z
    .record(z.string().regex(PACK_ID_PATTERN), CreditPackSchema)
    .default({})
    .refine((packs) => Object.keys(packs).length <= 10, "at most 10 packs"),
  /**
   * Origins the page is served from: Checkout sends the customer back only to one of these
   * (under the emulators loopback origins are allowed too, the page's port being any free one).
   */
  returnOrigins: z.array(z.url()).max(10).default([]),
});
export type BillingSettings = z.infer<typeof BillingSettingsSchema>;

export const BILLING_SETTINGS_PATH = "config/billing";

export async function loadBillingSettings(db: Firestore): Promise<BillingSettings> {
  const snap = await db.doc(BILLING_SETTINGS_PATH).get();
  return BillingSettingsSchema.parse(snap.data() ?? {});
}

/**
 * Where Checkout may send the customer back to: the page's own URL, without query or fragment,
 * when its origin is allowed. Pure, so the allow-list is tested without a browser.
 */
export function allowedReturnUrl(candidate: unknown, settings: BillingSettings, isEmulator: boolean): URL | null {
  if (typeof candidate !== "string" || candidate.length > 500) return null;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost";
  const allowed = settings.returnOrigins.some((origin) => new URL(origin).origin === url.origin);
  if (!allowed && !(isEmulator && loopback)) return null;
  url.search = "";
  url.hash = "";
  return url;
}
