/** `npm run audit`: checks every ledger invariant over the whole database; exits 1 on any breach. */
import { auditLedger } from "../functions/src/ledger/audit";
import { loadAuditSnapshot } from "../functions/src/ledger/auditSnapshot";
import { adminDb, requireEmulators } from "./lib/emulators";

async function main() {
  requireEmulators();
  const snapshot = await loadAuditSnapshot(adminDb());
  const breaches = auditLedger(snapshot);
  const movements = snapshot.users.reduce((n, u) => n + u.movements.length, 0);
  console.log(
    `audited ${snapshot.users.length} users, ${movements} ledger movements, ${snapshot.runs.length} runs, ${snapshot.refunds.length} refunds`,
  );
  for (const b of breaches) console.log(`BREACH  ${b.invariant}  ${b.subject}: ${b.detail}`);
  console.log(breaches.length === 0 ? "ledger OK: no breaches" : `${breaches.length} breach(es)`);
  process.exit(breaches.length === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(`audit failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
