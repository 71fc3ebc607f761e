/**
 * The new-video form: the price on the button, checked against the balance; the scene counts the
 * pipeline settings allow; each field checked (trimmed, limits stated) before anything is uploaded,
 * errors next to their fields; what was typed kept as a draft across a reload.
 */
import {
  createGate,
  FIELD_LIMITS,
  priceHint,
  FIELD_ORDER,
  sceneRange,
  scenesLimit,
  type FieldName,
  type FormFields,
  type ImageFacts,
  type SceneRange,
} from "../logic/form";
import { DRAFT_FIELDS, draftKey, parseDraft, serializeDraft, type DraftField } from "../logic/draft";
import { $ } from "./dom";

const FIELD_IDS: Record<FieldName, string> = {
  image: "image",
  product: "product",
  brand: "brand",
  brief: "brief",
  scenes: "scenes",
  aspect: "aspect",
  cta: "cta",
};

/** Reads the chosen file's size and pixel dimensions (null when the browser cannot decode it). */
async function imageFacts(file: File, preview: HTMLImageElement): Promise<ImageFacts> {
  const facts = { type: file.type, size: file.size, width: null, height: null };
  try {
    await preview.decode();
    return { ...facts, width: preview.naturalWidth, height: preview.naturalHeight };
  } catch {
    return facts;
  }
}

type DraftInput = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

const draftInput = (field: DraftField): DraftInput => $<DraftInput>(FIELD_IDS[field]);

/** What index.html puts in a field before anyone types. */
function initialValue(input: DraftInput): string {
  if (!(input instanceof HTMLSelectElement)) return input.defaultValue;
  return ([...input.options].find((option) => option.defaultSelected) ?? input.options[0])?.value ?? "";
}

/** The draft fields' current (or initial) values. */
const fieldValues = (read: (input: DraftInput) => string): Record<DraftField, string> =>
  Object.fromEntries(DRAFT_FIELDS.map((field) => [field, read(draftInput(field))])) as Record<DraftField, string>;

export class NewRunForm {
  readonly form = $<HTMLFormElement>("new-run");
  readonly button = $<HTMLButtonElement>("create-run");
  private readonly status = $("form-status");
  private readonly blocked = $("create-blocked");
  private readonly preview = $<HTMLImageElement>("image-preview");
  private facts: Promise<ImageFacts> | null = null;
  private price: number | null = null;
  private balance: number | null = null;
  private scenes: SceneRange = sceneRange(null);
  private submitting = false;
  /** Where the signed-in user's draft lives; null while nobody is signed in. */
  private draftAt: string | null = null;

  constructor() {
    for (const [field, limit] of Object.entries(FIELD_LIMITS)) {
      const hint = document.querySelector(`label[for="${FIELD_IDS[field as FieldName]}"] .limit`);
      if (hint) hint.textContent = `(${limit})`;
    }
    $("image").addEventListener("change", () => {
      const file = $<HTMLInputElement>("image").files?.[0];
      if (this.preview.src) URL.revokeObjectURL(this.preview.src);
      this.preview.hidden = !file;
      this.preview.removeAttribute("src");
      this.facts = null;
      if (file) {
        this.preview.src = URL.createObjectURL(file);
        this.facts = imageFacts(file, this.preview);
      }
      this.setError("image", null);
    });
    this.form.addEventListener("input", () => this.saveDraft());
    this.form.addEventListener("change", () => this.saveDraft());
  }

  /**
   * Shows the user's draft (or the empty form when signed out or nothing was typed). Kept in the
   * tab's sessionStorage: it survives a reload, is gone when the tab closes (a shared computer keeps
   * nothing), and two tabs never overwrite each other's text.
   */
  useDraftOf(uid: string | null): void {
    this.draftAt = uid ? draftKey(uid) : null;
    const draft = parseDraft(this.draftAt ? sessionStorage.getItem(this.draftAt) : null);
    for (const field of DRAFT_FIELDS) {
      const input = draftInput(field);
      input.value = draft[field] ?? initialValue(input);
    }
    // Another user's photo and errors go too.
    const image = $<HTMLInputElement>("image");
    if (image.value) {
      image.value = "";
      image.dispatchEvent(new Event("change"));
    }
    this.showErrors({});
    this.setStatus("");
  }

  /** The run was created: its text is no draft any more. */
  clearDraft(): void {
    if (this.draftAt) sessionStorage.removeItem(this.draftAt);
  }

  private saveDraft(): void {
    if (!this.draftAt) return;
    const stored = serializeDraft(
      fieldValues((input) => input.value),
      fieldValues(initialValue),
    );
    if (stored === null) sessionStorage.removeItem(this.draftAt);
    else sessionStorage.setItem(this.draftAt, stored);
  }

  get file(): File | null {
    return $<HTMLInputElement>("image").files?.[0] ?? null;
  }

  setPrice(price: number | null): void {
    this.price = price;
    this.refreshGate();
  }

  /** What the form promises about the charge follows the settings' approval. */
  setApproval(approval: Parameters<typeof priceHint>[0]): void {
    $("price-hint").textContent = priceHint(approval);
  }

  /** The scene counts a run may ask for: the input's minimum and the limit beside its label follow them. */
  setSceneRange(range: SceneRange): void {
    this.scenes = range;
    const input = $<HTMLInputElement>("scenes");
    input.min = String(range.min);
    input.max = String(range.max);
    const hint = document.querySelector(`label[for="${FIELD_IDS.scenes}"] .limit`);
    if (hint) hint.textContent = `(${scenesLimit(range)})`;
  }

  get sceneRange(): SceneRange {
    return this.scenes;
  }

  setBalance(balance: number | null): void {
    this.balance = balance;
    this.refreshGate();
  }

  setSubmitting(submitting: boolean): void {
    this.submitting = submitting;
    this.refreshGate();
  }

  get isSubmitting(): boolean {
    return this.submitting;
  }

  get priceCredits(): number | null {
    return this.price;
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  private refreshGate(): void {
    const gate = createGate(this.price, this.balance);
    this.button.textContent = gate.label;
    this.button.disabled = !gate.enabled;
    // While a run is being sent the button keeps focus (a disabled one would drop it to the page's top)
    // and says it is busy; the submit handler ignores it meanwhile.
    this.button.setAttribute("aria-disabled", String(this.submitting));
    this.blocked.hidden = !gate.blocked;
    $("create-blocked-text").textContent = gate.blocked ?? "";
    $("top-up").hidden = gate.enabled || this.balance === null;
    if (gate.blocked) this.button.setAttribute("aria-describedby", "create-blocked-text");
    else this.button.removeAttribute("aria-describedby");
  }

  async read(): Promise<FormFields> {
    const file = this.file;
    return {
      image: file ? await (this.facts ?? imageFacts(file, this.preview)) : null,
      product: $<HTMLInputElement>("product").value,
      brand: $<HTMLInputElement>("brand").value,
      brief: $<HTMLTextAreaElement>("brief").value,
      scenes: $<HTMLInputElement>("scenes").value,
      aspect: $<HTMLSelectElement>("aspect").value,
      cta: $<HTMLInputElement>("cta").value,
      options: {
        captions: $<HTMLInputElement>("opt-captions").checked,
        music: $<HTMLInputElement>("opt-music").checked,
        endCard: $<HTMLInputElement>("opt-end-card").checked,
      },
    };
  }

  /** The music switch starts as the brand kit says; the customer may still change it for this video. */
  setMusicDefault(music: boolean): void {
    const input = $<HTMLInputElement>("opt-music");
    input.defaultChecked = music;
    input.checked = music;
  }

  private setError(field: FieldName, message: string | null): void {
    const input = $(FIELD_IDS[field]);
    const error = $(`${FIELD_IDS[field]}-error`);
    error.textContent = message ?? "";
    error.hidden = !message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  /** Shows each field's error (or clears it) and moves focus to the first field in error. */
  showErrors(errors: Partial<Record<FieldName, string>>): void {
    for (const field of FIELD_ORDER) this.setError(field, errors[field] ?? null);
    const first = FIELD_ORDER.find((f) => errors[f]);
    if (first) $(FIELD_IDS[first]).focus();
  }
}
