/**
 * What the billing tests share: the Stripe stand-in on the port the Functions emulator was told,
 * the emulator's values of Stripe's secrets (functions/.secret.local), the functions' URLs, and
 * customers signed up on the Auth emulator.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Firestore } from "firebase-admin/firestore";
import { BILLING_SETTINGS_PATH, BillingSettingsSchema, type BillingSettings } from "../../src/billing/settings";
import { startStripeStandin, type StripeStandin } from "../../src/providers/standins/stripe";
import { TRIGGER_PROJECT } from "./emulator";

/** The emulator-only secrets the Functions emulator loads (functions/.secret.local). */
export function emulatorSecrets(): { apiKey: string; webhookSecret: string } {
  const text = readFileSync(path.join(__dirname, "..", "..", ".secret.local"), "utf8");
  const value = (name: string) => {
    const found = new RegExp(`^${name}=(.+)$`, "m").exec(text)?.[1];
    if (!found) throw new Error(`${name} is missing from functions/.secret.local`);
    return found.trim();
  };
  return { apiKey: value("STRIPE_SECRET_KEY"), webhookSecret: value("STRIPE_WEBHOOK_SECRET") };
}

/** The Functions emulator's base URL, from the emulator hub. */
export async function functionsBaseUrl(): Promise<string> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  if (!hub) throw new Error("FIREBASE_EMULATOR_HUB is not set: run the tests through scripts/with-emulators.mjs");
  const emulators = (await (await fetch(`http://${hub}/emulators`)).json()) as {
    functions: { host: string; port: number };
  };
  return `http://${emulators.functions.host}:${emulators.functions.port}/${TRIGGER_PROJECT}/us-central1`;
}

export async function startStripe(): Promise<StripeStandin> {
  const port = Number(process.env.FAIRSHOT_STANDIN_STRIPE_PORT);
  if (!port)
    throw new Error("FAIRSHOT_STANDIN_STRIPE_PORT is not set: run the tests through scripts/with-emulators.mjs");
  const { apiKey, webhookSecret } = emulatorSecrets();
  return startStripeStandin({ apiKey, webhookSecret, port, webhookUrl: `${await functionsBaseUrl()}/stripeWebhook` });
}

export const TEST_BILLING = BillingSettingsSchema.parse({
  welcomeCredits: 20,
  packs: {
    starter: { credits: 50, amount: 500, currency: "eur", label: "50 credits" },
    creator: { credits: 120, amount: 1000, currency: "eur", label: "120 credits" },
  },
});

export async function writeBilling(db: Firestore, settings: BillingSettings = TEST_BILLING): Promise<void> {
  await db.doc(BILLING_SETTINGS_PATH).set(settings);
}

const authUrl = () => `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`;

async function identityToolkit<T>(method: string, body: unknown): Promise<T> {
  const res = await fetch(`${authUrl()}/identitytoolkit.googleapis.com/v1/accounts:${method}?key=demo-api-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`accounts:${method}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The out-of-band codes (verification, password reset) the Auth emulator would have emailed, newest last. */
export async function oobCodes(email: string): Promise<{ requestType: string; oobCode: string; oobLink: string }[]> {
  const res = await fetch(`${authUrl()}/emulator/v1/projects/${TRIGGER_PROJECT}/oobCodes`);
  const { oobCodes: codes } = (await res.json()) as {
    oobCodes: { email: string; requestType: string; oobCode: string; oobLink: string }[];
  };
  return codes.filter((c) => c.email === email);
}

let counter = 0;
/**
 * A customer signed up with email and password on the Auth emulator, with a fresh ID token;
 * `verified`: the verification email sent and its code applied, as the customer's click does.
 */
export async function signUp(verified = false): Promise<{ uid: string; idToken: string; email: string }> {
  const email = `buyer-${Date.now().toString(36)}${(counter++).toString(36)}@fairshot.test`;
  const password = "buyer-password";
  const account = await identityToolkit<{ localId: string; idToken: string }>("signUp", {
    email,
    password,
    returnSecureToken: true,
  });
  if (!verified) return { uid: account.localId, idToken: account.idToken, email };
  await identityToolkit("sendOobCode", { requestType: "VERIFY_EMAIL", idToken: account.idToken });
  const code = (await oobCodes(email)).filter((c) => c.requestType === "VERIFY_EMAIL").pop();
  if (!code) throw new Error(`no verification code for ${email}`);
  await identityToolkit("update", { oobCode: code.oobCode });
  // A token minted after the verification carries email_verified: true.
  const fresh = await identityToolkit<{ localId: string; idToken: string }>("signInWithPassword", {
    email,
    password,
    returnSecureToken: true,
  });
  return { uid: fresh.localId, idToken: fresh.idToken, email };
}

/** Calls a callable function over its HTTP protocol, as the web SDK does. */
export async function callFunction(
  name: string,
  data: unknown,
  idToken?: string,
): Promise<{ result?: Record<string, unknown>; error?: { status: string; message: string } }> {
  const res = await fetch(`${await functionsBaseUrl()}/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(idToken && { authorization: `Bearer ${idToken}` }) },
    body: JSON.stringify({ data }),
  });
  return (await res.json()) as { result?: Record<string, unknown>; error?: { status: string; message: string } };
}
