import { auditLedger, type AuditSnapshot } from "../../src/ledger/audit";

const movement = (id: string, kind: string, amount: number, runId: string | null = null) => ({
  id,
  kind,
  amount,
  runId,
  createMs: 1,
  updateMs: 1,
});

function healthy(): AuditSnapshot {
  return {
    users: [
      {
        uid: "u1",
        credits: 90,
        movements: [
          movement("grant_welcome", "grant", 100),
          movement("charge_r1", "charge", -10, "r1"),
          movement("charge_r2", "charge", -10, "r2"),
          movement("refund_r2", "refund", 10, "r2"),
        ],
      },
    ],
    runs: [
      { id: "r1", uid: "u1", status: "succeeded", charged: 10, refunded: 0 },
      { id: "r2", uid: "u1", status: "failed", charged: 10, refunded: 10 },
      { id: "r3", uid: "u1", status: "failed", charged: 0, refunded: 0 },
    ],
    refunds: [{ runId: "r2", uid: "u1", amount: 10 }],
  };
}

const invariants = (s: AuditSnapshot) => auditLedger(s).map((b) => b.invariant);

test("a consistent ledger has no breaches", () => {
  expect(auditLedger(healthy())).toEqual([]);
});

test("a balance that is not the sum of its movements", () => {
  const s = healthy();
  s.users[0].credits = 95;
  expect(invariants(s)).toEqual(["balance = sum of movements"]);
});

test("a negative balance", () => {
  const s = healthy();
  s.users[0].credits = -10;
  s.users[0].movements.push(movement("charge_r9", "charge", -100, "r9"));
  s.runs.push({ id: "r9", uid: "u1", status: "running", charged: 100, refunded: 0 });
  expect(invariants(s)).toContain("balance never negative");
});

test("a failed charged run without its refund", () => {
  const s = healthy();
  s.users[0].movements = s.users[0].movements.filter((m) => m.id !== "refund_r2");
  s.refunds = [];
  s.users[0].credits = 80;
  expect(invariants(s)).toEqual(["every failed charged run has exactly one refund"]);
});

test("a refund without its charge", () => {
  const s = healthy();
  s.users[0].movements.push(movement("refund_r3", "refund", 10, "r3"));
  s.refunds.push({ runId: "r3", uid: "u1", amount: 10 });
  s.users[0].credits = 100;
  expect(invariants(s)).toEqual(expect.arrayContaining(["every refund has its charge", "run records its refund"]));
});

test("an edited movement", () => {
  const s = healthy();
  s.users[0].movements[1].updateMs = 2;
  expect(invariants(s)).toEqual(["movements are never edited"]);
});

test("a refund of a different amount than the charge", () => {
  const s = healthy();
  s.users[0].movements[3].amount = 12;
  s.refunds[0].amount = 12;
  s.users[0].credits = 92;
  s.runs[1].refunded = 12;
  expect(invariants(s)).toEqual(["a refund returns exactly the charge"]);
});

test("a succeeded run that was refunded, and a movement with a made-up id", () => {
  const s = healthy();
  s.users[0].movements.push(movement("refund_r1", "refund", 10, "r1"), movement("bonus_1", "grant", 5));
  s.refunds.push({ runId: "r1", uid: "u1", amount: 10 });
  s.users[0].credits = 105;
  s.runs[0].refunded = 10;
  expect(invariants(s)).toEqual(
    expect.arrayContaining(["a succeeded run is not refunded", "deterministic movement ids"]),
  );
});

test("a refund of a run that is not failed, and a charge without its run", () => {
  const s = healthy();
  s.runs[1].status = "running";
  s.users[0].movements.push(movement("charge_ghost", "charge", -10, "ghost"));
  s.users[0].credits = 80;
  expect(invariants(s)).toEqual(expect.arrayContaining(["a refund only on a failed run", "every charge has its run"]));
});

test("a charged run still open after the longest possible run", () => {
  const s = healthy();
  s.readMs = 10 * 3_600_000;
  s.longestRunMs = 3_600_000;
  s.runs.push({ id: "r4", uid: "u1", status: "running", charged: 10, refunded: 0, createdMs: 0 });
  s.users[0].movements.push(movement("charge_r4", "charge", -10, "r4"));
  s.users[0].credits = 80;
  expect(invariants(s)).toEqual(["no charged run outlives the longest possible run"]);
  s.runs[3].createdMs = 9.5 * 3_600_000;
  expect(invariants(s)).toEqual([]);
});

/** u1 bought 50 credits (session cs_1), then a refund took 20 of them back. */
function withPurchase(): AuditSnapshot {
  const s = healthy();
  s.users[0].movements.push(
    { ...movement("purchase_cs_1", "purchase", 50), sessionId: "cs_1" },
    { ...movement("reversal_evt_1", "reversal", -20), sessionId: "cs_1" },
  );
  s.users[0].credits = 120;
  s.purchases = [
    { sessionId: "cs_1", uid: "u1", status: "credited", credits: 50, amount: 500 },
    { sessionId: "cs_2", uid: "u1", status: "refused", credits: 0, amount: 100 },
  ];
  return s;
}

test("purchases and reversals: balance = grants + purchases − charges + refunds − reversals", () => {
  expect(auditLedger(withPurchase())).toEqual([]);
  const s = withPurchase();
  s.users[0].credits = 140;
  expect(invariants(s)).toEqual(["balance = sum of movements"]);
});

test("a purchase without its paid session, or credited to someone else's session", () => {
  const s = withPurchase();
  s.purchases = s.purchases?.filter((p) => p.sessionId !== "cs_1");
  expect(invariants(s)).toContain("every purchase is tied to one paid session");
  const other = withPurchase();
  if (other.purchases) other.purchases[0].uid = "u2";
  expect(invariants(other)).toEqual(
    expect.arrayContaining(["every purchase is tied to one paid session", "every credited session has its purchase"]),
  );
});

test("a refused session that credited, and a credited one without its movement", () => {
  const s = withPurchase();
  s.users[0].movements.push({ ...movement("purchase_cs_2", "purchase", 10), sessionId: "cs_2" });
  s.users[0].credits = 130;
  expect(invariants(s)).toEqual(
    expect.arrayContaining(["a refused session credits nothing", "every purchase is tied to one paid session"]),
  );
  const missing = withPurchase();
  missing.users[0].movements = missing.users[0].movements.filter((m) => m.kind !== "purchase" && m.kind !== "reversal");
  missing.users[0].credits = 90;
  expect(invariants(missing)).toEqual(["every credited session has its purchase"]);
});

test("reversals: never more than the purchase, never without it, never adding", () => {
  const s = withPurchase();
  s.users[0].movements.push({ ...movement("reversal_evt_2", "reversal", -40), sessionId: "cs_1" });
  s.users[0].credits = 80;
  expect(invariants(s)).toEqual(["reversals never take back more than the purchase"]);
  const orphan = withPurchase();
  orphan.users[0].movements.push({ ...movement("reversal_evt_3", "reversal", -5), sessionId: "cs_9" });
  orphan.users[0].credits = 115;
  expect(invariants(orphan)).toEqual(["every reversal has its purchase"]);
  const adding = withPurchase();
  adding.users[0].movements.push({ ...movement("reversal_evt_4", "reversal", 5), sessionId: "cs_1" });
  adding.users[0].credits = 125;
  expect(invariants(adding)).toEqual(["reversals subtract"]);
});

test("a purchase with a made-up id or no session", () => {
  const s = withPurchase();
  s.users[0].movements.push({ ...movement("purchase_free", "purchase", 5), sessionId: "cs_1" });
  s.users[0].movements.push(movement("purchase_x", "purchase", 5));
  s.users[0].credits = 130;
  expect(invariants(s)).toEqual(
    expect.arrayContaining(["deterministic movement ids", "every purchase and reversal names its Checkout Session"]),
  );
});

describe("approval required: a charge only after an approval of the run's latest storyboard", () => {
  const approvedRun = () => {
    const s = healthy();
    s.runs[0] = { ...s.runs[0], storyboardVersion: 2, approvedVersion: 2 };
    s.users[0].movements[1] = { ...movement("charge_r1", "charge", -10, "r1"), storyboardVersion: 2 };
    return s;
  };
  const rule = "a charge only after an approval of the run's latest storyboard";

  test("charged on the approved latest version: no breach", () => {
    expect(auditLedger(approvedRun())).toEqual([]);
  });
  test("charged without an approval, on an older version, or on a version the charge does not name", () => {
    const unapproved = approvedRun();
    delete unapproved.runs[0].approvedVersion;
    expect(invariants(unapproved)).toEqual([rule]);
    const older = approvedRun();
    older.runs[0].approvedVersion = 1;
    expect(invariants(older)).toEqual([rule]);
    const unnamed = approvedRun();
    unnamed.users[0].movements[1] = movement("charge_r1", "charge", -10, "r1");
    expect(invariants(unnamed)).toEqual([rule]);
  });
  test("a charge naming a storyboard on a run that has none", () => {
    const s = healthy();
    s.users[0].movements[1] = { ...movement("charge_r1", "charge", -10, "r1"), storyboardVersion: 1 };
    expect(invariants(s)).toEqual([rule]);
  });
  test("a charge while the storyboard still waits", () => {
    const s = approvedRun();
    s.runs[0].status = "awaiting_approval";
    expect(invariants(s)).toContain("nothing is charged while a storyboard waits");
  });
});
