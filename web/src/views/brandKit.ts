/**
 * The "Brand kit" card: the customer's logo (checked before upload, shown on a checkerboard so its
 * transparency is visible), colours (or each video's own palette), caption style, call to action and
 * music. Saved as one document; each new run takes a copy when it starts.
 */
import type { User } from "firebase/auth";
import { CAPTION_STYLES, type BrandKit } from "../../../functions/src/contract/brand";
import type { Bucket } from "../bucket";
import type { BrandKitStore } from "../brandKitData";
import { BRAND_KIT_WORDS, checkKitForm, logoError, type LogoFacts } from "../logic/brandKit";
import { errorWords } from "../logic/words";
import { $, el } from "./dom";

/** The largest side a logo is drawn at to look for transparent pixels: enough to find a transparent background. */
const ALPHA_PROBE_SIDE = 256;

async function logoFacts(file: File): Promise<LogoFacts> {
  const facts: LogoFacts = { type: file.type, size: file.size, width: null, height: null, transparent: null };
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const scale = Math.min(1, ALPHA_PROBE_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
    canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
    const context = canvas.getContext("2d");
    let transparent: boolean | null = null;
    if (context) {
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      transparent = false;
      for (let i = 3; i < data.length; i += 4) {
        if (data[i] < 255) {
          transparent = true;
          break;
        }
      }
    }
    return { ...facts, width: image.naturalWidth, height: image.naturalHeight, transparent };
  } catch {
    return facts;
  } finally {
    URL.revokeObjectURL(url);
  }
}

export class BrandKitView {
  private readonly form = $<HTMLFormElement>("brand-kit");
  private readonly fileInput = $<HTMLInputElement>("kit-logo");
  private readonly preview = $<HTMLImageElement>("kit-logo-preview");
  private readonly palette = $<HTMLInputElement>("kit-palette");
  private readonly primary = $<HTMLInputElement>("kit-primary");
  private readonly secondary = $<HTMLInputElement>("kit-secondary");
  private readonly style = $<HTMLSelectElement>("kit-caption-style");
  private readonly cta = $<HTMLInputElement>("kit-cta");
  private readonly music = $<HTMLInputElement>("kit-music");
  private readonly status = $("kit-status");
  private user: User | null = null;
  /** The logo the kit will be saved with: the stored one, a new upload, or none. */
  private logo: string | null = null;
  private busy = false;

  constructor(
    private readonly store: BrandKitStore,
    private readonly bucket: Bucket,
  ) {
    document.querySelector('label[for="kit-logo"] .limit')!.textContent = `(${BRAND_KIT_WORDS.logoLimit})`;
    document.querySelector('label[for="kit-cta"] .limit')!.textContent = `(${BRAND_KIT_WORDS.ctaLimit})`;
    $("kit-palette-label").textContent = BRAND_KIT_WORDS.paletteColour;
    this.style.replaceChildren(
      ...CAPTION_STYLES.map((style) => el("option", { value: style }, BRAND_KIT_WORDS.captionStyles[style])),
    );
    this.palette.addEventListener("change", () => this.showPaletteChoice());
    this.fileInput.addEventListener("change", () => void this.chooseLogo());
    $("kit-logo-remove").addEventListener("click", () => {
      this.showLogo(null, null);
      this.fileInput.focus();
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.save();
    });
  }

  /** Follows the signed-in user's kit until the returned stop is called (at sign-out). */
  watch(user: User, onError: (error: Error) => void, onKit: (kit: BrandKit) => void): () => void {
    this.user = user;
    this.setError("kit-logo", null);
    this.setError("kit-cta", null);
    this.status.textContent = "";
    return this.store.watchKit(
      user.uid,
      (kit) => {
        onKit(kit);
        if (!this.busy) this.show(kit);
      },
      onError,
    );
  }

  private show(kit: BrandKit): void {
    this.palette.checked = kit.primaryColour === null && kit.secondaryColour === null;
    if (kit.primaryColour) this.primary.value = kit.primaryColour;
    if (kit.secondaryColour) this.secondary.value = kit.secondaryColour;
    this.showPaletteChoice();
    this.style.value = kit.captionStyle;
    this.cta.value = kit.callToAction ?? "";
    this.music.checked = kit.music;
    void this.showStoredLogo(kit.logo);
  }

  private async showStoredLogo(logo: string | null): Promise<void> {
    this.showLogo(logo, logo ? await this.bucket.mediaUrl(logo) : null, BRAND_KIT_WORDS.logoSaved);
  }

  private showLogo(logo: string | null, url: string | null, alt: string = BRAND_KIT_WORDS.logoSaved): void {
    this.logo = logo;
    this.preview.hidden = !url;
    if (url) {
      this.preview.src = url;
      this.preview.alt = alt;
    } else this.preview.removeAttribute("src");
    $("kit-logo-none").textContent = url ? "" : BRAND_KIT_WORDS.noLogo;
    $("kit-logo-remove").hidden = !logo;
  }

  private showPaletteChoice(): void {
    this.primary.disabled = this.palette.checked;
    this.secondary.disabled = this.palette.checked;
  }

  private async chooseLogo(): Promise<void> {
    const file = this.fileInput.files?.[0];
    this.setError("kit-logo", null);
    if (!file || !this.user) return;
    const refused = logoError(await logoFacts(file));
    if (refused) {
      this.setError("kit-logo", refused);
      this.fileInput.value = "";
      return;
    }
    this.busy = true;
    this.status.textContent = BRAND_KIT_WORDS.uploading;
    try {
      const logo = await this.bucket.uploadLogo(this.user, file);
      this.showLogo(logo, URL.createObjectURL(file), BRAND_KIT_WORDS.logoChosen);
      this.status.textContent = "";
    } catch (error) {
      this.status.textContent = "";
      this.setError("kit-logo", errorWords(error));
      this.fileInput.value = "";
    } finally {
      this.busy = false;
    }
  }

  private async save(): Promise<void> {
    if (!this.user || this.busy) return;
    const check = checkKitForm({
      logo: this.logo,
      primaryColour: this.palette.checked ? null : this.primary.value,
      secondaryColour: this.palette.checked ? null : this.secondary.value,
      captionStyle: this.style.value,
      callToAction: this.cta.value,
      music: this.music.checked,
    });
    this.setError("kit-cta", check.ok ? null : (check.errors.callToAction ?? null));
    if (!check.ok) {
      this.status.textContent = BRAND_KIT_WORDS.fixFields;
      this.cta.focus();
      return;
    }
    this.busy = true;
    this.status.textContent = BRAND_KIT_WORDS.saving;
    try {
      await this.store.saveKit(this.user.uid, check.kit);
      this.status.textContent = BRAND_KIT_WORDS.saved;
    } catch (error) {
      this.status.textContent = errorWords(error);
    } finally {
      this.busy = false;
    }
  }

  private setError(id: string, message: string | null): void {
    const error = $(`${id}-error`);
    error.textContent = message ?? "";
    error.hidden = !message;
    if (message) $(id).setAttribute("aria-invalid", "true");
    else $(id).removeAttribute("aria-invalid");
  }
}
