/**
 * The chaos harness's own verdict, independent of the ledger audit: from what the clients saw
 * and the final documents, were credits lost or duplicated, runs revived, answers overridden,
 * runs left stuck, or users told something untrue? Pure: data in, breaches out.
 */

export interface ObservedRun {
  runId: string;
  uid: string;
  /** Every status the client's listener saw, in order. */
  statuses: string[];
  /** The confirmation the rules accepted from the client, if any. */
  confirmation: boolean | null;
  /** Decisions the rules accepted, by question (0 = first "Quality reduced", 1 = after a retry). */
  decisions: (string | null)[];
  /** Asked for fewer scenes than the settings allow: must end failed at preflight, uncharged. */
  tooShort: boolean;
  /** The storyboard version whose approval the rules accepted, if any; whether a cancel was accepted. */
  storyboardApproved: number | null;
  storyboardCancelled: boolean;
}

export interface FinalRun {
  runId: string;
  uid: string;
  status: string;
  charged: number;
  refunded: number;
  failure: { stage: string; reason: string; userMessage: string; refunded: boolean } | null;
  decisionLog: string[];
  /** The run's latest storyboard version (runs that waited for approval) and the version its answer approves. */
  storyboardVersion: number | null;
  approvedVersion: number | null;
}

export interface FinalUser {
  uid: string;
  /** Credits granted and bought, less what refunds of purchases took back (counted by the harness). */
  granted: number;
  balance: number;
}

export interface ChaosBreach {
  kind:
    | "credit lost"
    | "credit duplicated"
    | "run revived"
    | "answer overridden"
    | "run stuck"
    | "untrue message"
    | "hostile write accepted"
    | "too-short ad not refused"
    | "forged payment accepted"
    | "charged without approval";
  subject: string;
  detail: string;
}

const TERMINAL = new Set(["succeeded", "failed"]);

export function checkChaos(args: {
  price: number;
  observed: ObservedRun[];
  finals: FinalRun[];
  users: FinalUser[];
  hostileAccepted: { subject: string; write: string }[];
}): ChaosBreach[] {
  const breaches: ChaosBreach[] = [];
  const breach = (kind: ChaosBreach["kind"], subject: string, detail: string) =>
    breaches.push({ kind, subject, detail });
  const finals = new Map(args.finals.map((r) => [r.runId, r]));

  for (const seen of args.observed) {
    const ended = seen.statuses.findIndex((s) => TERMINAL.has(s));
    if (ended >= 0 && seen.statuses.slice(ended + 1).some((s) => s !== seen.statuses[ended])) {
      breach("run revived", seen.runId, `statuses seen: ${seen.statuses.join(" → ")}`);
    }
    const run = finals.get(seen.runId);
    if (!run) continue;
    // Refused by the preflight before any charge; or, when its preflight never ran (a killed
    // worker's lost delivery), ended uncharged by the sweeper.
    const refusedShort =
      run.status === "failed" &&
      run.charged === 0 &&
      run.failure?.stage === "preflight" &&
      (run.failure.reason === "ad_too_short" || run.failure.reason.startsWith("stuck"));
    if (seen.tooShort && !refusedShort) {
      breach(
        "too-short ad not refused",
        seen.runId,
        `ended ${run.status} (${run.failure?.stage ?? "-"}: ${run.failure?.reason ?? "-"}), charged ${run.charged}`,
      );
    }
    if (!seen.tooShort && run.failure?.reason === "ad_too_short") {
      breach("too-short ad not refused", seen.runId, "refused as too short, but long enough");
    }
    if (seen.confirmation === true && ["cancelled", "confirmation_expired"].includes(run.failure?.reason ?? "")) {
      breach("answer overridden", seen.runId, `confirmed, but ended "${run.failure?.reason}"`);
    }
    if (seen.confirmation === false && run.failure?.reason !== "cancelled") {
      breach("answer overridden", seen.runId, `cancelled, but ended ${run.status} (${run.failure?.reason ?? "-"})`);
    }
    if (run.storyboardVersion !== null && run.charged > 0 && seen.storyboardApproved !== run.approvedVersion) {
      breach(
        "charged without approval",
        seen.runId,
        `charged ${run.charged}; the owner approved ${seen.storyboardApproved ?? "nothing"}, the run records ${run.approvedVersion ?? "nothing"}`,
      );
    }
    if (seen.storyboardCancelled && run.failure?.reason !== "storyboard_cancelled") {
      breach(
        "answer overridden",
        seen.runId,
        `cancelled the storyboard, but ended ${run.status} (${run.failure?.reason ?? "-"})`,
      );
    }
    seen.decisions.forEach((decision, question) => {
      if (decision !== null && run.decisionLog[question] !== decision) {
        breach(
          "answer overridden",
          seen.runId,
          `question ${question}: user chose ${decision}, applied ${run.decisionLog[question] ?? "nothing"}`,
        );
      }
    });
  }

  const succeededByUser = new Map<string, number>();
  for (const run of args.finals) {
    if (!TERMINAL.has(run.status)) breach("run stuck", run.runId, `still ${run.status}`);
    if (run.status === "succeeded") {
      succeededByUser.set(run.uid, (succeededByUser.get(run.uid) ?? 0) + 1);
      if (run.charged !== args.price || run.refunded !== 0)
        breach("credit lost", run.runId, `succeeded with charged ${run.charged}, refunded ${run.refunded}`);
    }
    if (run.status === "failed" && run.charged > 0 && !(run.failure?.refunded && run.refunded === run.charged)) {
      breach("credit lost", run.runId, `failed, charged ${run.charged}, refunded ${run.refunded}`);
    }
    if (run.status === "failed") {
      const message = run.failure?.userMessage ?? "";
      if (run.charged === 0 && /refund/i.test(message))
        breach("untrue message", run.runId, `nothing charged, but: "${message}"`);
      if (run.charged > 0 && run.failure?.refunded && !/have been refunded/.test(message))
        breach("untrue message", run.runId, `refunded, but: "${message}"`);
    }
  }

  // Independent of the ledger: a user's balance is what they were granted minus the price of
  // each video they got. Every failed run, charged or not, must net to zero.
  for (const user of args.users) {
    const expected = user.granted - args.price * (succeededByUser.get(user.uid) ?? 0);
    if (user.balance < expected) breach("credit lost", user.uid, `balance ${user.balance}, expected ${expected}`);
    if (user.balance > expected) breach("credit duplicated", user.uid, `balance ${user.balance}, expected ${expected}`);
  }

  for (const hostile of args.hostileAccepted) breach("hostile write accepted", hostile.subject, hostile.write);
  return breaches;
}
