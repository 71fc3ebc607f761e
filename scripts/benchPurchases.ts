/**
 * `npm run bench:purchases -- [--purchases 50]`: how long a paid Checkout Session takes to be
 * credited after its webhook is sent, on the emulators: the stripeWebhook function in the Functions
 * emulator, each event signed by the Stripe stand-in and POSTed to it, the credit seen when the
 * purchase's ledger movement is readable. Purchases one after another (Stripe delivers each
 * endpoint's events with limited concurrency); prints median, p95 and max with the load average.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { ledgerIds } from "../functions/src/contract/paths";
import { startStripeStandin } from "../functions/src/providers/standins/stripe";
import { emulatorSecrets, functionsBaseUrl } from "../functions/test/support/billing";
import { adminDb, PROJECT_ID, readSeed, requireEmulators, seedEmulators } from "./lib/emulators";

const { values } = parseArgs({ options: { purchases: { type: "string", default: "50" } } });
const count = Number(values.purchases);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function main(): Promise<void> {
  requireEmulators();
  const seed = readSeed();
  await seedEmulators(seed);
  const db = adminDb();
  const [packId, pack] = Object.entries(seed.config.billing.packs)[0];
  const { apiKey, webhookSecret } = emulatorSecrets();
  const stripe = await startStripeStandin({
    apiKey,
    webhookSecret,
    port: Number(process.env.FAIRSHOT_STANDIN_STRIPE_PORT),
    webhookUrl: `${await functionsBaseUrl()}/stripeWebhook`,
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < count + 1; i++) {
      const uid = `bench-buyer-${Date.now().toString(36)}-${i}`;
      const metadata = { uid, pack: packId, project: PROJECT_ID };
      const session = await stripe.sdk.checkout.sessions.create({
        mode: "payment",
        client_reference_id: uid,
        metadata,
        line_items: [
          {
            quantity: 1,
            price_data: { currency: pack.currency, unit_amount: pack.amount, product_data: { name: pack.label } },
          },
        ],
        success_url: "http://127.0.0.1/",
      });
      const [completed] = stripe.pay(session.id);
      const movement = db.doc(`users/${uid}/ledger/${ledgerIds.purchase(session.id)}`);
      const started = performance.now();
      const delivery = await stripe.deliver(completed);
      if (delivery.status !== 200) throw new Error(`webhook answered ${delivery.status}: ${delivery.body}`);
      while (!(await movement.get()).exists) await new Promise((resolve) => setTimeout(resolve, 5));
      // The first purchase warms the function's worker up; it is not counted.
      if (i > 0) times.push(performance.now() - started);
    }
  } finally {
    await stripe.close();
  }
  times.sort((a, b) => a - b);
  const ms = (v: number) => `${Math.round(v)} ms`;
  console.log(`purchases credited: ${times.length} (after one warm-up)`);
  console.log(
    `webhook sent → credit readable: median ${ms(quantile(times, 0.5))}, p95 ${ms(quantile(times, 0.95))}, max ${ms(times[times.length - 1])}`,
  );
  console.log(
    `load average: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} on ${os.cpus().length} cores`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
