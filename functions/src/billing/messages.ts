/** What buying credits says to customers (callable errors, receipts, notifications) and to operators (logs). */

const money = (amount: number, currency: string) =>
  new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).format(amount / 100);

export const billingUserMessages = {
  signInFirst: "Please sign in to buy credits.",
  unknownPack: "That credit pack is not on sale. Please choose one of the packs shown.",
  badReturnUrl: "Buying credits is only possible from the fairshot page.",
  checkoutUnavailable: "Payments are not available right now. Please try again in a few minutes. Nothing was charged.",
  verifyEmailFirst: "Please verify your email address first: the welcome credits are given to verified accounts.",
};

export const billingTexts = {
  /** The receipt line of the credit history (the purchase movement's reason). */
  receipt: (credits: number, amount: number, currency: string) =>
    `Bought ${credits} credits for ${money(amount, currency)}`,
  purchased: (credits: number, amount: number, currency: string) => ({
    title: "Credits added",
    body: `${credits} credits are in your balance. Thank you for your payment of ${money(amount, currency)}.`,
  }),
  reversed: (taken: number, why: "refund" | "dispute") => ({
    title: why === "refund" ? "Payment refunded" : "Payment disputed",
    body:
      taken > 0
        ? `${taken} purchased credits were taken back from your balance.`
        : "The credits of that purchase had already been used, so your balance is unchanged.",
  }),
  welcome: (credits: number) => ({
    title: "Welcome to fairshot",
    body: `${credits} credits are in your balance to make your first videos.`,
  }),
};

/** Why a signed, authentic event credits nothing: logged for an operator and recorded. */
export type PaymentRefusal =
  | "another_project"
  | "unknown_pack"
  | "amount_mismatch"
  | "currency_mismatch"
  | "not_paid"
  | "no_customer"
  | "not_payment_mode";

export const billingLogs = {
  badSignature: "stripe webhook refused: signature missing, invalid or too old",
  refused: (reason: PaymentRefusal) => `stripe payment refused: ${reason}; nothing credited`,
  fulfilled: "stripe checkout session credited",
  alreadyFulfilled: "stripe checkout session already credited; repeated delivery ignored",
  reversed: "stripe refund or dispute reversed purchased credits",
  alreadyReversed: "stripe refund or dispute event already applied; repeated delivery ignored",
  reversalWithoutPurchase: "stripe refund or dispute for a payment not credited (yet); Stripe will deliver it again",
  ignored: "stripe event type not handled; acknowledged",
  sessionCreated: "stripe checkout session created",
  checkoutFailed: "stripe checkout session could not be created",
};
