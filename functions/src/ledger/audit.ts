/**
 * The ledger's invariants (a balance is the sum of its movements and never negative, movement ids are
 * deterministic and never edited, every failed charged run has exactly one refund of exactly its
 * charge, every purchase and reversal matches its paid session...) as a pure function over a
 * snapshot of the database, linear in its size. `npm run audit` loads the snapshot (read-only, one
 * read time) and exits non-zero on any breach.
 */
import { ledgerIds } from "../contract/paths";

export interface AuditMovement {
  id: string;
  kind: string;
  amount: number;
  runId: string | null;
  /** Purchases and reversals: the Checkout Session that paid for the credits. */
  sessionId?: string | null;
  /** A charge taken on approval: the storyboard version approved. */
  storyboardVersion?: number | null;
  /** Firestore's own timestamps: a movement that was ever updated has updateMs > createMs. */
  createMs: number;
  updateMs: number;
}

export interface AuditUser {
  uid: string;
  credits: number;
  movements: AuditMovement[];
}

export interface AuditRun {
  id: string;
  uid: string;
  status: string;
  charged: number;
  refunded: number;
  /** When the client created the run; absent on runs written without it. */
  createdMs?: number;
  /** The latest storyboard's version: present on runs that waited for approval (approval required). */
  storyboardVersion?: number;
  /** The version the owner's recorded answer approves; absent when none does. */
  approvedVersion?: number;
}

export interface AuditRefund {
  runId: string;
  uid: string;
  amount: number;
}

/** `purchases/{sessionId}`: a Checkout Session the webhook credited or refused. */
export interface AuditPurchase {
  sessionId: string;
  uid: string | null;
  status: string;
  credits: number;
  amount: number | null;
}

export interface AuditSnapshot {
  users: AuditUser[];
  runs: AuditRun[];
  refunds: AuditRefund[];
  /** Absent in snapshots taken before purchases existed: then no purchase may be in the ledger. */
  purchases?: AuditPurchase[];
  /** The one time every document was read at, and the longest a run can take (see stateMachine). */
  readMs?: number;
  longestRunMs?: number;
}

export interface Breach {
  invariant: string;
  subject: string;
  detail: string;
}

const ID_PREFIX: Record<string, string> = {
  charge: "charge_",
  refund: "refund_",
  grant: "grant_",
  purchase: "purchase_",
  reversal: "reversal_",
};

export function auditLedger(snapshot: AuditSnapshot): Breach[] {
  const breaches: Breach[] = [];
  const breach = (invariant: string, subject: string, detail: string) => breaches.push({ invariant, subject, detail });
  const movementsByUser = new Map(snapshot.users.map((u) => [u.uid, new Map(u.movements.map((m) => [m.id, m]))]));
  const refundsByRun = new Map(snapshot.refunds.map((r) => [r.runId, r]));
  const runsById = new Map(snapshot.runs.map((r) => [r.id, r]));
  const purchasesBySession = new Map((snapshot.purchases ?? []).map((p) => [p.sessionId, p]));
  /** Credits owed back per session, summed over its reversals (each at most what is left of the pack). */
  const reversedBySession = new Map<string, number>();

  /** Purchases tied to one paid, credited Checkout Session; reversals to a purchase of the same user. */
  const auditPayment = (m: AuditMovement, user: AuditUser, subject: string) => {
    const sessionId = m.sessionId ?? null;
    if (!sessionId) {
      breach("every purchase and reversal names its Checkout Session", subject, "no sessionId");
      return;
    }
    if (m.kind === "purchase") {
      if (!(m.amount > 0)) breach("purchases add", subject, `amount ${m.amount}`);
      if (m.id !== ledgerIds.purchase(sessionId)) breach("deterministic movement ids", subject, `session ${sessionId}`);
      const record = purchasesBySession.get(sessionId);
      if (!record || record.status !== "credited" || record.uid !== user.uid)
        breach(
          "every purchase is tied to one paid session",
          subject,
          record ? `recorded ${record.status} for ${record.uid}` : "no purchase record",
        );
      return;
    }
    if (!(m.amount <= 0)) breach("reversals subtract", subject, `amount ${m.amount}`);
    const purchase = movementsByUser.get(user.uid)?.get(ledgerIds.purchase(sessionId));
    if (!purchase) {
      breach("every reversal has its purchase", subject, `no purchase of session ${sessionId}`);
      return;
    }
    const reversed = (reversedBySession.get(sessionId) ?? 0) - m.amount;
    reversedBySession.set(sessionId, reversed);
    if (reversed > purchase.amount)
      breach("reversals never take back more than the purchase", subject, `${reversed} of ${purchase.amount}`);
  };

  for (const user of snapshot.users) {
    if (user.credits < 0) breach("balance never negative", user.uid, `balance is ${user.credits}`);
    const sum = user.movements.reduce((total, m) => total + m.amount, 0);
    if (sum !== user.credits)
      breach("balance = sum of movements", user.uid, `balance ${user.credits}, movements sum to ${sum}`);
    for (const m of user.movements) {
      const subject = `${user.uid}/${m.id}`;
      const prefix = ID_PREFIX[m.kind];
      if (!prefix) breach("movements are grant, charge, refund, purchase or reversal", subject, `kind "${m.kind}"`);
      else if (!m.id.startsWith(prefix))
        breach("deterministic movement ids", subject, `a ${m.kind} must be ${prefix}…`);
      if (m.kind === "charge" && !(m.amount < 0)) breach("charges subtract", subject, `amount ${m.amount}`);
      if ((m.kind === "refund" || m.kind === "grant") && !(m.amount > 0))
        breach("refunds and grants add", subject, `amount ${m.amount}`);
      if (m.kind === "purchase" || m.kind === "reversal") auditPayment(m, user, subject);
      if (m.kind !== "grant" && m.runId && m.id !== `${m.kind}_${m.runId}`)
        breach("deterministic movement ids", subject, `runId ${m.runId}`);
      if (m.updateMs !== m.createMs) breach("movements are never edited", subject, "updated after it was created");
      if (m.kind === "charge" && (!m.runId || !runsById.has(m.runId)))
        breach("every charge has its run", subject, `no run ${m.runId ?? "(none)"}`);
      if (m.kind === "refund") {
        const charge = m.runId ? movementsByUser.get(user.uid)?.get(ledgerIds.charge(m.runId)) : undefined;
        if (!charge) breach("every refund has its charge", subject, "no charge movement for this run");
        else if (charge.amount !== -m.amount)
          breach("a refund returns exactly the charge", subject, `charge ${charge.amount}, refund ${m.amount}`);
        if (!m.runId || !refundsByRun.has(m.runId))
          breach("every refund has its refunds/{runId}", subject, "missing refund record");
      }
    }
  }

  for (const refund of snapshot.refunds) {
    if (!runsById.has(refund.runId)) breach("a refund only on a failed run", `refunds/${refund.runId}`, "no such run");
    const movement = movementsByUser.get(refund.uid)?.get(ledgerIds.refund(refund.runId));
    if (!movement) breach("every refund record has its movement", `refunds/${refund.runId}`, "no refund movement");
    else if (movement.amount !== refund.amount)
      breach("refund record matches its movement", `refunds/${refund.runId}`, `${refund.amount} vs ${movement.amount}`);
  }

  for (const purchase of snapshot.purchases ?? []) {
    const subject = `purchases/${purchase.sessionId}`;
    const movement = purchase.uid
      ? movementsByUser.get(purchase.uid)?.get(ledgerIds.purchase(purchase.sessionId))
      : undefined;
    if (purchase.status === "credited" && !movement)
      breach("every credited session has its purchase", subject, "no purchase movement");
    else if (purchase.status === "credited" && movement && movement.amount !== purchase.credits)
      breach("a purchase adds its pack's credits", subject, `record ${purchase.credits}, ledger ${movement.amount}`);
    if (purchase.status !== "credited" && movement)
      breach("a refused session credits nothing", subject, `status ${purchase.status} with a purchase movement`);
  }

  for (const run of snapshot.runs) {
    const movements = movementsByUser.get(run.uid);
    const charge = movements?.get(ledgerIds.charge(run.id));
    const refundMovement = movements?.get(ledgerIds.refund(run.id));
    const subject = `runs/${run.id}`;
    if (run.charged > 0 && !charge)
      breach("every charged run has its charge", subject, `charged ${run.charged}, no movement`);
    if (charge && -charge.amount !== run.charged)
      breach("run records its charge", subject, `run says ${run.charged}, ledger ${-charge.amount}`);
    if (run.status === "failed" && charge && (!refundMovement || !refundsByRun.has(run.id))) {
      breach("every failed charged run has exactly one refund", subject, "no refund");
    }
    if (run.status === "succeeded" && refundMovement)
      breach("a succeeded run is not refunded", subject, "has a refund");
    else if (run.status !== "failed" && (refundMovement || refundsByRun.has(run.id)))
      breach("a refund only on a failed run", subject, `refunded while ${run.status}`);
    const open = run.status !== "failed" && run.status !== "succeeded";
    const { readMs, longestRunMs } = snapshot;
    if (open && charge && readMs !== undefined && longestRunMs !== undefined && run.createdMs !== undefined) {
      const ageMs = readMs - run.createdMs;
      if (ageMs > longestRunMs)
        breach(
          "no charged run outlives the longest possible run",
          subject,
          `${run.status} for ${Math.round(ageMs / 60_000)} min (longest possible ${Math.round(longestRunMs / 60_000)} min)`,
        );
    }
    if (run.storyboardVersion !== undefined && charge) {
      // Approval required: the charge follows the owner's approval of the run's latest storyboard.
      if (run.approvedVersion !== run.storyboardVersion || charge.storyboardVersion !== run.storyboardVersion)
        breach(
          "a charge only after an approval of the run's latest storyboard",
          subject,
          `latest ${run.storyboardVersion}, approved ${run.approvedVersion ?? "none"}, charged on ${charge.storyboardVersion ?? "none"}`,
        );
    }
    if (run.storyboardVersion === undefined && charge?.storyboardVersion != null)
      breach(
        "a charge only after an approval of the run's latest storyboard",
        subject,
        "charged on a storyboard the run has not",
      );
    if (run.status === "awaiting_approval" && charge)
      breach("nothing is charged while a storyboard waits", subject, "a charge before the approval");
    if (refundMovement && run.refunded !== refundMovement.amount)
      breach("run records its refund", subject, `run says ${run.refunded}`);
  }
  return breaches;
}
