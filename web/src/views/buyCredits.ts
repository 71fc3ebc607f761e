/**
 * The "Buy credits" card: one button per pack with its price and what it buys, the way to Stripe
 * Checkout, and what the page says when Checkout sends the customer back (paid or cancelled).
 */
import type { Unsubscribe } from "firebase/firestore";
import type { BillingSettings } from "../../../functions/src/billing/settings";
import type { BillingStore, Store } from "../data";
import { CHECKOUT_WORDS, checkoutReturn, packLines, purchaseWords } from "../logic/billing";
import { $, el } from "./dom";

export class BuyCreditsView {
  private packs: BillingSettings["packs"] = {};
  private price: number | null = null;
  /** The Checkout Session the customer came back from paid: the page says when the webhook credited it. */
  private paidSession: string | null = null;
  private busy = false;

  constructor(
    private readonly store: BillingStore,
    private readonly go: (url: string) => void,
  ) {
    $("buy-credits-open").addEventListener("click", () => this.focus());
    $("top-up-buy").addEventListener("click", (event) => {
      event.preventDefault();
      this.focus();
    });
  }

  /** The signed-in customer's packs, price and balance, live; returns what stops watching them. */
  watch(store: Store, onError: (error: Error) => void): Unsubscribe[] {
    return [
      this.store.watchBilling((settings) => this.setPacks(settings), onError),
      store.watchSettings((settings) => this.setPrice(settings.runPriceCredits), onError),
      ...(this.paidSession
        ? [
            this.store.watchPurchase(
              this.paidSession,
              (purchase) => {
                if (purchase) this.say(purchaseWords(purchase));
              },
              onError,
            ),
          ]
        : []),
    ];
  }

  /** Reads Checkout's answer from the address, then removes it so a reload does not say it twice. */
  takeCheckoutReturn(): void {
    const back = checkoutReturn(location.search);
    if (!back) return;
    history.replaceState(null, "", location.pathname + location.hash);
    this.say(CHECKOUT_WORDS[back.outcome]);
    if (back.outcome === "success") this.paidSession = back.sessionId;
  }

  setPacks(settings: BillingSettings): void {
    this.packs = settings.packs;
    this.render();
  }

  setPrice(runPriceCredits: number): void {
    this.price = runPriceCredits;
    this.render();
  }

  /** Brings the packs into view with focus on the card's heading (from the header or a "not enough credits"). */
  focus(): void {
    const heading = $("buy-credits-title");
    heading.scrollIntoView({ block: "start" });
    heading.focus();
  }

  private say(text: string): void {
    $("checkout-status").textContent = text;
  }

  private render(): void {
    const lines = packLines(this.packs, this.price);
    $("buy-credits-empty").hidden = lines.length > 0;
    $("pack-list").replaceChildren(
      ...lines.map((line) => {
        const button = el("button", { type: "button", "data-pack": line.id, class: "pack" }, line.label);
        button.disabled = this.busy;
        button.addEventListener("click", () => void this.buy(line.id));
        return el("li", {}, button, ...(line.value ? [el("span", { class: "hint" }, ` ${line.value}`)] : []));
      }),
    );
  }

  private async buy(pack: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.render();
    this.say(CHECKOUT_WORDS.redirecting);
    try {
      this.go(await this.store.checkoutUrl(pack, location.origin + location.pathname));
    } catch {
      this.say(CHECKOUT_WORDS.failed);
      this.busy = false;
      this.render();
    }
  }
}
