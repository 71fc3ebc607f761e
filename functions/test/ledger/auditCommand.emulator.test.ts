/** `npm run audit`'s command against the real emulator: silent on a healthy ledger, loud on a planted breach. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { Timestamp } from "firebase-admin/firestore";
import { ledgerIds, paths } from "../../src/contract/paths";
import { chargeRun, refundRun } from "../../src/ledger/credits";
import { failRun } from "../../src/lifecycle/runStore";
import { PipelineFailure } from "../../src/contract/failure";
import { clearProject, firestoreFor, newUser } from "../support/emulator";

const PROJECT = "demo-fairshot-audit";
const db = firestoreFor(PROJECT);
const ROOT = path.resolve(__dirname, "..", "..", "..");

function audit() {
  const result = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "audit.ts")], {
    cwd: ROOT,
    env: { ...process.env, GCLOUD_PROJECT: PROJECT },
    encoding: "utf8",
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

async function chargedRun(uid: string) {
  const ref = db.collection("runs").doc();
  await ref.set({ uid, status: "preflight", input: {}, createdAt: Timestamp.now() });
  expect(await chargeRun(db, ref.id, { price: 10 })).toBe("charged");
  return ref.id;
}

beforeAll(async () => {
  await clearProject(PROJECT);
  const uid = await newUser(db, 100);
  await chargedRun(uid);
  const failed = await chargedRun(uid);
  await failRun(db, failed, new PipelineFailure({ stage: "script", reason: "test", userMessage: "Test." }));
  expect(await refundRun(db, failed)).toBe("refunded");
});

test("a consistent ledger passes", () => {
  const { code, out } = audit();
  expect(out).toMatch(/audited 1 users, 4 ledger movements, 2 runs, 1 refunds/);
  expect(out).toMatch(/ledger OK: no breaches/);
  expect(code).toBe(0);
});

test("a planted breach fails the audit and is named", async () => {
  const user = (await db.collection("users").get()).docs[0];
  const run = (await db.collection("runs").where("status", "==", "running").get()).docs[0];
  await user.ref.update({ credits: 1000 });
  await db.doc(paths.ledgerEntry(user.id, ledgerIds.charge(run.id))).update({ amount: -1 });
  const { code, out } = audit();
  expect(out).toMatch(/BREACH {2}balance = sum of movements/);
  expect(out).toMatch(/BREACH {2}movements are never edited/);
  expect(out).toMatch(/BREACH {2}run records its charge/);
  expect(code).toBe(1);
});
