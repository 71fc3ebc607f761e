/**
 * Pure decisions of the payment flow: whether a paid Checkout Session may be credited, and how
 * many purchased credits a refund or a dispute takes back. No I/O, so every case is unit-tested.
 */
import type { PaymentRefusal } from "./messages";
import type { BillingSettings, CreditPack } from "./settings";

/** The fields of a Checkout Session the decision reads (a subset of Stripe.Checkout.Session). */
export interface SessionFacts {
  id: string;
  mode: string | null;
  payment_status: string | null;
  amount_total: number | null;
  currency: string | null;
  client_reference_id: string | null;
  metadata: Record<string, string> | null;
}

export type SessionVerdict =
  | { kind: "credit"; uid: string; packId: string; pack: CreditPack }
  /** Not ours (another project on the same Stripe account): ignored, nothing recorded. */
  | { kind: "foreign" }
  /** Ours but not creditable: recorded as refused and logged, nothing credited. */
  | { kind: "refuse"; uid: string | null; packId: string | null; reason: PaymentRefusal };

export function judgePaidSession(session: SessionFacts, settings: BillingSettings, projectId: string): SessionVerdict {
  const metadata = session.metadata ?? {};
  if (metadata.project !== projectId) return { kind: "foreign" };
  const uid = session.client_reference_id && metadata.uid === session.client_reference_id ? metadata.uid : null;
  const packId = metadata.pack ?? null;
  const refuse = (reason: PaymentRefusal): SessionVerdict => ({ kind: "refuse", uid, packId, reason });
  if (session.mode !== "payment") return refuse("not_payment_mode");
  if (session.payment_status !== "paid") return refuse("not_paid");
  if (!uid) return refuse("no_customer");
  const pack = packId !== null && Object.hasOwn(settings.packs, packId) ? settings.packs[packId] : undefined;
  if (!pack || packId === null) return refuse("unknown_pack");
  if (session.currency !== pack.currency) return refuse("currency_mismatch");
  if (session.amount_total !== pack.amount) return refuse("amount_mismatch");
  return { kind: "credit", uid, packId, pack };
}

/**
 * What a purchase's refunds and disputes have returned of its payment, kept on its purchase
 * record: the highest cumulative `amount_refunded` seen (Stripe's refund events carry the running
 * total, so a late or repeated one changes nothing) and each dispute's amount by dispute id (so a
 * second event about the same dispute changes nothing either).
 */
export interface PaymentReturns {
  refunded: number;
  disputes: Record<string, number>;
}

export type PaymentReturnEvent =
  { kind: "refund"; amountRefunded: number } | { kind: "dispute"; disputeId: string; amount: number };

export function returnsAfter(returns: PaymentReturns, event: PaymentReturnEvent): PaymentReturns {
  return event.kind === "refund"
    ? { ...returns, refunded: Math.max(returns.refunded, event.amountRefunded) }
    : { ...returns, disputes: { ...returns.disputes, [event.disputeId]: event.amount } };
}

/**
 * Purchased credits a refund or dispute takes back. The share of the payment returned is what all
 * refunds and disputes of the purchase returned together (a dispute after a partial refund
 * disputes the rest), at most the whole payment. Credits owed back in total never exceed the
 * purchase; this event owes what earlier ones did not. What is taken never exceeds the balance
 * (never negative): the rest is the purchase's credits already spent on videos, written off (see
 * the README's refund policy).
 */
export function reversalOf(args: {
  purchasedCredits: number;
  /** Credits earlier refunds and disputes of this purchase already owed back. */
  alreadyOwed: number;
  amountPaid: number;
  /** The purchase's returns including this event's (returnsAfter). */
  returns: PaymentReturns;
  balance: number;
}): { owed: number; taken: number; writtenOff: number } {
  const returned = args.returns.refunded + Object.values(args.returns.disputes).reduce((sum, a) => sum + a, 0);
  const share = args.amountPaid > 0 ? Math.min(1, Math.max(0, returned / args.amountPaid)) : 0;
  // Whole credits, rounded up: a refund of any part of a pack takes back at least the part it paid for.
  const owedInTotal = Math.min(args.purchasedCredits, Math.ceil(args.purchasedCredits * share - 1e-9));
  const owed = Math.max(0, owedInTotal - args.alreadyOwed);
  const taken = Math.min(owed, Math.max(0, args.balance));
  return { owed, taken, writtenOff: owed - taken };
}
