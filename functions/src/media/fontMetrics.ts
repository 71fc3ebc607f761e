/**
 * How wide a line of text is in the font the overlay is drawn with, read from the font file itself: the
 * advance width of each character's glyph (the `cmap` and `hmtx` tables). ffmpeg's drawtext places each
 * glyph at the previous one's advance, rounded to whole pixels at the drawn size, and adds kerning only
 * from a `kern` table, which Source Sans 3 does not have; so a line's drawn width is the sum of its
 * glyphs' rounded advances. A character the font lacks is drawn as its missing-glyph box (glyph 0) and
 * measured as one.
 */
import { readFileSync } from "node:fs";
import { FONT_FILE } from "./overlay";

export interface FontMetrics {
  unitsPerEm: number;
  /** Advance width of a character (one code point), in font units. */
  advance(codePoint: number): number;
}

function table(font: Buffer, tag: string): number {
  const count = font.readUInt16BE(4);
  for (let i = 0; i < count; i++) {
    const entry = 12 + 16 * i;
    if (font.toString("latin1", entry, entry + 4) === tag) return font.readUInt32BE(entry + 8);
  }
  throw new Error(`font table ${tag} missing`);
}

/** The glyph of each code point, from the Unicode subtable of `cmap` (format 12 when present, else 4). */
function glyphMap(font: Buffer): (codePoint: number) => number {
  const cmap = table(font, "cmap");
  const subtables = font.readUInt16BE(cmap + 2);
  let format4 = -1;
  for (let i = 0; i < subtables; i++) {
    const record = cmap + 4 + 8 * i;
    const platform = font.readUInt16BE(record);
    const encoding = font.readUInt16BE(record + 2);
    const at = cmap + font.readUInt32BE(record + 4);
    const format = font.readUInt16BE(at);
    if (platform === 3 && encoding === 10 && format === 12) {
      const groups = font.readUInt32BE(at + 12);
      return (cp) => {
        for (let g = 0; g < groups; g++) {
          const group = at + 16 + 12 * g;
          const start = font.readUInt32BE(group);
          const end = font.readUInt32BE(group + 4);
          if (cp >= start && cp <= end) return font.readUInt32BE(group + 8) + (cp - start);
        }
        return 0;
      };
    }
    if (platform === 3 && encoding === 1 && format === 4) format4 = at;
  }
  if (format4 < 0) throw new Error("font has no Unicode cmap");
  const at = format4;
  const segments = font.readUInt16BE(at + 6) / 2;
  const ends = at + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const offsets = deltas + 2 * segments;
  return (cp) => {
    if (cp > 0xffff) return 0;
    for (let s = 0; s < segments; s++) {
      if (cp > font.readUInt16BE(ends + 2 * s)) continue;
      const start = font.readUInt16BE(starts + 2 * s);
      if (cp < start) return 0;
      const delta = font.readInt16BE(deltas + 2 * s);
      const rangeOffset = font.readUInt16BE(offsets + 2 * s);
      if (rangeOffset === 0) return (cp + delta) & 0xffff;
      const glyph = font.readUInt16BE(offsets + 2 * s + rangeOffset + 2 * (cp - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}

/** Reads a TrueType font's advance widths. */
export function readFontMetrics(font: Buffer): FontMetrics {
  const unitsPerEm = font.readUInt16BE(table(font, "head") + 18);
  const metricsCount = font.readUInt16BE(table(font, "hhea") + 34);
  const hmtx = table(font, "hmtx");
  const glyphOf = glyphMap(font);
  // Glyphs past the last full metric share its advance.
  const advanceOfGlyph = (glyph: number) => font.readUInt16BE(hmtx + 4 * Math.min(glyph, metricsCount - 1));
  const cache = new Map<number, number>();
  return {
    unitsPerEm,
    advance(codePoint) {
      let width = cache.get(codePoint);
      if (width === undefined) {
        width = advanceOfGlyph(glyphOf(codePoint));
        cache.set(codePoint, width);
      }
      return width;
    },
  };
}

let overlayFont: FontMetrics | null = null;

/** The metrics of the overlay's font (read once per process). */
export function overlayFontMetrics(): FontMetrics {
  overlayFont ??= readFontMetrics(readFileSync(FONT_FILE));
  return overlayFont;
}

/** A line's drawn width in pixels at `fontSize`: each glyph's advance rounded to whole pixels, as drawtext places them. */
export function lineWidth(metrics: FontMetrics, text: string, fontSize: number): number {
  let width = 0;
  for (const char of text)
    width += Math.round((metrics.advance(char.codePointAt(0) ?? 0) * fontSize) / metrics.unitsPerEm);
  return width;
}
