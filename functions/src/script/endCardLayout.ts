/**
 * The end card's text sizes: each block (brand name, product name, call to action) at its own size
 * when it fits the safe area's width in at most two lines, else smaller, down to half that size (the
 * floor). Widths are the drawn ones, from the font's own advance widths (media/fontMetrics.ts), with
 * the box's padding on both sides. When the blocks together are taller than the room under the logo,
 * all three shrink together, down to the same floor. Pure: the font's metrics are an argument.
 *
 * At the floor a word wider than a line is broken where the line is full, so any brand name or call
 * to action within END_CARD_LIMITS fits (test/script/endCardLayout.test.ts checks it with the font's
 * widest letters in every frame). The product name has no end-card limit: what does not fit two lines
 * at the floor ends in an ellipsis.
 */
import { lineWidth, type FontMetrics } from "../media/fontMetrics";

/** The smallest size a block shrinks to, as a share of its own size. */
export const END_CARD_FLOOR = 0.5;
/** Lines a block may take. */
export const END_CARD_LINES = 2;

/** A box line's padding at a font size (as the overlay draws it: 22% of the size on each side). */
export const boxPad = (fontSize: number) => Math.round(fontSize * 0.22);

export interface FittedBlock {
  lines: string[];
  fontSize: number;
}

/** Greedy word wrap by drawn width; null when a word alone is wider than a line and `breakWords` is off. */
function wrapToWidth(
  metrics: FontMetrics,
  text: string,
  fontSize: number,
  room: number,
  breakWords: boolean,
): string[] | null {
  const fits = (line: string) => lineWidth(metrics, line, fontSize) <= room;
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.at(-1);
    if (last !== undefined && fits(`${last} ${word}`)) {
      lines[lines.length - 1] = `${last} ${word}`;
      continue;
    }
    if (fits(word)) {
      lines.push(word);
      continue;
    }
    if (!breakWords) return null;
    // At the floor: the word is cut where a line is full and goes on in the next.
    let rest = [...word];
    while (rest.length > 0) {
      let n = 1;
      while (n < rest.length && fits(rest.slice(0, n + 1).join(""))) n++;
      lines.push(rest.slice(0, n).join(""));
      rest = rest.slice(n);
    }
  }
  return lines;
}

/**
 * The largest size from `fontSize` down to `floor` at which `text` fits `width` (padding included) in
 * at most END_CARD_LINES lines; at the floor, broken inside words if it must, and cut with an ellipsis
 * if even that is too long.
 */
export function fitBlock(
  metrics: FontMetrics,
  text: string,
  width: number,
  fontSize: number,
  floor: number,
): FittedBlock {
  for (let size = fontSize; size > floor; size--) {
    const lines = wrapToWidth(metrics, text, size, width - 2 * boxPad(size), false);
    if (lines && lines.length <= END_CARD_LINES) return { lines, fontSize: size };
  }
  const room = width - 2 * boxPad(floor);
  const lines = wrapToWidth(metrics, text, floor, room, true) ?? [];
  if (lines.length <= END_CARD_LINES) return { lines, fontSize: floor };
  const kept = lines.slice(0, END_CARD_LINES);
  let last = kept[END_CARD_LINES - 1];
  while (last.length > 0 && lineWidth(metrics, `${last}…`, floor) > room) last = [...last].slice(0, -1).join("");
  kept[END_CARD_LINES - 1] = `${last.trimEnd()}…`;
  return { lines: kept, fontSize: floor };
}

export interface EndCardBlock {
  text: string;
  /** Its size when nothing needs to shrink. */
  fontSize: number;
}

/**
 * Each block fitted to `width`, and all shrunk together (each to no less than END_CARD_FLOOR of its own
 * size) while `heightOf` the fitted blocks exceeds `height`.
 */
export function fitEndCard(
  metrics: FontMetrics,
  blocks: readonly EndCardBlock[],
  width: number,
  height: number,
  heightOf: (fitted: readonly FittedBlock[]) => number,
): FittedBlock[] {
  let fitted: FittedBlock[] = [];
  for (let scale = 1; scale >= END_CARD_FLOOR - 1e-9; scale -= 0.02) {
    fitted = blocks.map((b) =>
      fitBlock(
        metrics,
        b.text,
        width,
        Math.max(Math.round(b.fontSize * END_CARD_FLOOR), Math.round(b.fontSize * scale)),
        Math.round(b.fontSize * END_CARD_FLOOR),
      ),
    );
    if (heightOf(fitted) <= height) break;
  }
  return fitted;
}
