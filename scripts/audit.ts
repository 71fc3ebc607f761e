/**
 * `npm run audit`: checks every ledger invariant over the whole database; exits 1 on any breach.
 * Read-only, at one read time. On the emulators through npm; against a deployed project with
 * `npx tsx scripts/audit.ts --project <id>` (application default credentials).
 */
import { parseArgs } from "node:util";
import { getApps, initializeApp } from "firebase-admin/app";
import { auditLedger } from "../functions/src/ledger/audit";
import { loadAuditSnapshot } from "../functions/src/ledger/auditSnapshot";
import { adminDb } from "./lib/emulators";

const { values: args } = parseArgs({ options: { project: { type: "string" } } });

async function main() {
  if (!process.env.FIRESTORE_EMULATOR_HOST && !args.project) {
    console.error("Run `npm run audit` for the emulators, or pass --project <id> to audit a deployed project.");
    process.exit(2);
  }
  if (args.project && getApps().length === 0) initializeApp({ projectId: args.project });
  const snapshot = await loadAuditSnapshot(adminDb());
  const breaches = auditLedger(snapshot);
  const movements = snapshot.users.reduce((n, u) => n + u.movements.length, 0);
  console.log(
    `audited ${snapshot.users.length} users, ${movements} ledger movements, ${snapshot.runs.length} runs, ${snapshot.refunds.length} refunds` +
      ` as of ${new Date(snapshot.readMs ?? Date.now()).toISOString()}`,
  );
  for (const b of breaches) console.log(`BREACH  ${b.invariant}  ${b.subject}: ${b.detail}`);
  console.log(breaches.length === 0 ? "ledger OK: no breaches" : `${breaches.length} breach(es)`);
  process.exit(breaches.length === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(`audit failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
