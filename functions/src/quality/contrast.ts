/**
 * Colours and their contrast as WCAG 2.x defines them (relative luminance of sRGB, contrast ratio
 * (L1 + 0.05) / (L2 + 0.05), 1 to 21). Pure.
 */
import type { Rgb } from "../contract/overlay";

export function parseHex(hex: string): Rgb {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

export const toHex = (rgb: Rgb) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;

/** Relative luminance of an sRGB colour (0 black to 1 white), as WCAG 2.x defines it. */
export function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of two luminances, 1 to 21. */
export const contrastOfLuminance = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
export const contrastRatio = (a: Rgb, b: Rgb) => contrastOfLuminance(luminance(a), luminance(b));

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];
/** Of white and black, the one that stands out more against `background`. */
export const readableOn = (background: Rgb): Rgb =>
  contrastRatio(WHITE, background) >= contrastRatio(BLACK, background) ? WHITE : BLACK;
