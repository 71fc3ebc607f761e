/** Shared by the scripts that talk to the running emulators: admin access, the seed, the local bucket. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { z } from "zod";
import { grantCredits } from "../../functions/src/ledger/credits";
import { ROLLOUT_FLAG_PATH, RolloutFlagSchema } from "../../functions/src/rollout/flag";
import { PIPELINE_SETTINGS_PATH, PipelineSettingsSchema } from "../../functions/src/pipelineSettings";
import { BILLING_SETTINGS_PATH, BillingSettingsSchema } from "../../functions/src/billing/settings";

export const ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT_ID = process.env.GCLOUD_PROJECT ?? "demo-fairshot";
export const LOCAL_BUCKET = process.env.FAIRSHOT_LOCAL_BUCKET ?? path.join(ROOT, ".local-bucket");

export function requireEmulators(): void {
  if (!process.env.FIRESTORE_EMULATOR_HOST || !process.env.FIREBASE_AUTH_EMULATOR_HOST) {
    console.error("This script talks to the Firebase emulators: run it through npm (e.g. `npm run demo`).");
    process.exit(2);
  }
}

export function adminDb(): Firestore {
  if (getApps().length === 0) initializeApp({ projectId: PROJECT_ID });
  return getFirestore();
}

const SeedSchema = z.object({
  users: z.array(
    z.object({
      uid: z.string(),
      email: z.string().email(),
      password: z.string().min(6),
      displayName: z.string(),
      grant: z.object({
        id: z.string(),
        credits: z.number().int().positive(),
        reason: z.string(),
      }),
    }),
  ),
  config: z.object({
    pipeline: PipelineSettingsSchema,
    rollout: RolloutFlagSchema,
    billing: BillingSettingsSchema,
  }),
});
export type Seed = z.infer<typeof SeedSchema>;

export function readSeed(): Seed {
  return SeedSchema.parse(JSON.parse(readFileSync(path.join(ROOT, "emulator-data", "seed.json"), "utf8")));
}

/** Loads emulator-data/seed.json: idempotent (grants have ids, users are created once). */
export async function seedEmulators(seed: Seed = readSeed()): Promise<void> {
  const db = adminDb();
  await db.doc(PIPELINE_SETTINGS_PATH).set(seed.config.pipeline);
  await db.doc(ROLLOUT_FLAG_PATH).set(seed.config.rollout);
  await db.doc(BILLING_SETTINGS_PATH).set(seed.config.billing);
  for (const user of seed.users) {
    try {
      await getAuth().getUser(user.uid);
    } catch {
      await getAuth().createUser({
        uid: user.uid,
        email: user.email,
        password: user.password,
        displayName: user.displayName,
      });
    }
    await grantCredits(db, user.uid, user.grant.id, user.grant.credits, user.grant.reason);
  }
}
