/**
 * A modal dialog that behaves: Escape does what its Cancel button does, and closing returns
 * focus to where it belongs (the opener, or a fallback when the opener is gone or hidden).
 */
export class Modal {
  private returnTo: HTMLElement | null = null;

  constructor(
    readonly dialog: HTMLDialogElement,
    private readonly onEscape: () => void,
  ) {
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      this.onEscape();
    });
  }

  get isOpen(): boolean {
    return this.dialog.open;
  }

  open(): void {
    if (this.dialog.open) return;
    this.returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    this.dialog.showModal();
  }

  /** `focusTarget` overrides the opener, e.g. the run the answer was about. */
  close(focusTarget?: HTMLElement | null): void {
    if (!this.dialog.open) return;
    this.dialog.close();
    const target = focusTarget ?? this.returnTo;
    this.returnTo = null;
    if (target?.isConnected && target.getClientRects().length > 0) target.focus();
  }
}
