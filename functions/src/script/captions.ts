/**
 * What the ad writes on its picture: caption cards timed to the fitted voice, the headline as an opening
 * title and a branded end card in the last scene's tail. Pure: the plan is a function of the run (its
 * script, the voice's measured timing, the brand and the options), so the scene passes that draw it and
 * the quality gate that checks it derive the same plan without storing it.
 *
 * Word timing. The voice stage measured where each scene's line is spoken and every silence of the fitted
 * voice (media/voiceTiming.ts). Inside a line, the words are split into phrases at punctuation; the
 * phrases are placed like the lines are (each boundary at the measured pause nearest to where the
 * phrases' share of the line puts it), and inside a phrase each word gets a share of the phrase's
 * speaking time in proportion to its syllables (script/syllables.ts, the estimate the script is written
 * with). A card thus starts on a measured pause whenever its phrase does, and on an estimate otherwise.
 *
 * Placement. Every element sits inside the frame's safe area: clear of what feed apps draw over a video
 * (see SAFE_MARGINS). Captions sit at the bottom of it, the title at its top, the end card in between.
 */
import type { RunBrand, RunOptions } from "../contract/brand";
import type { FrameSize } from "../contract/measurements";
import type {
  CaptionCue,
  ElementKind,
  EndCardPanel,
  OverlayPlan,
  PlacedElement,
  PlacedLine,
  Rect,
  Rgb,
  SceneOverlay,
  TextLook,
  TimedWord,
} from "../contract/overlay";
import type { VoiceSpan, VoiceTiming } from "../contract/voice";
import { lineWidth, overlayFontMetrics } from "../media/fontMetrics";
import { afterSpeaking, timeVoiceLines } from "../media/voiceTiming";
import type { OverlaySettings as OverlayConfig } from "../pipelineSettings";
import { contrastRatio, parseHex, readableOn, WHITE, BLACK } from "../quality/contrast";
import { boxPad, fitEndCard, type FittedBlock } from "./endCardLayout";
import { syllables } from "./syllables";

/**
 * Margins of the frame that feed apps cover, as shares of its width and height.
 *
 * 9:16: one box inside every vertical feed's margins, x 120 to 888 and y 288 to 1248 of 1080x1920.
 * Where the numbers come from: not from the platforms' own pages. TikTok's ad specifications
 * (https://ads.tiktok.com/help/article/tiktok-auction-in-feed-ads, read 2026-12-07) publish no numbers,
 * only template files, since its covered area changes with the ad's caption and add-ons. Meta's Reels
 * margins (14% top, 35% bottom, 6% each side) and Google's for vertical YouTube ads (288 px top, 672 px
 * bottom, 48 px left, 192 px right of 1080x1920) are as third parties quote them, not found on Meta's or
 * Google's own pages; the box takes the largest margin of each side from a vendor's compilation
 * (https://shotstack.io/learn/vertical-video-safe-zones/, read 2026-12-07), which adds 120 px on the
 * left from TikTok's templates. Several independent guides quote the same Meta percentages.
 * 1:1 and 16:9 feeds draw less over the picture (the caption and buttons sit outside it); a 10% margin
 * on each side keeps text off the edges and the player's controls at the bottom.
 */
export const SAFE_MARGINS: Record<
  "9:16" | "1:1" | "16:9",
  { top: number; bottom: number; left: number; right: number }
> = {
  "9:16": { top: 288 / 1920, bottom: 672 / 1920, left: 120 / 1080, right: 192 / 1080 },
  "1:1": { top: 0.1, bottom: 0.1, left: 0.1, right: 0.1 },
  "16:9": { top: 0.1, bottom: 0.1, left: 0.1, right: 0.1 },
};

export function safeArea(frame: FrameSize): Rect {
  const ratio = frame.width === frame.height ? "1:1" : frame.width < frame.height ? "9:16" : "16:9";
  const m = SAFE_MARGINS[ratio];
  const x = Math.round(frame.width * m.left);
  const y = Math.round(frame.height * m.top);
  return {
    x,
    y,
    width: Math.round(frame.width * (1 - m.right)) - x,
    height: Math.round(frame.height * (1 - m.bottom)) - y,
  };
}

/** Words on screen at once: a caption card, the title or a line of the end card. */
export interface CaptionCard {
  /** One or two lines. */
  lines: string[];
  startSec: number;
  endSec: number;
  /** When its first word starts being spoken (captions only; the card starts there). */
  wordsStartSec: number;
}

const round3 = (sec: number) => Math.round(sec * 1000) / 1000;

/** A phrase ends at a comma, a colon, a dash or a sentence's end. */
const PHRASE_END = /[,;:.!?…–—]["')\]]*$/u;
/** A token the voice says: a word, a number or a spoken sign ("&", "%", "@"); not a lone dash or quote. */
const hasWord = (token: string) => /[\p{L}\p{N}\p{S}&@#%]/u.test(token);

/** The line's words, grouped into phrases at punctuation. */
export function phrases(line: string): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  for (const token of line.split(/\s+/).filter(hasWord)) {
    current.push(token);
    if (PHRASE_END.test(token)) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Each word of each scene's line with when it is spoken, in video time. A scene whose line holds no
 * speech (a silent voice) has no words.
 */
export function timeWords(narrations: readonly string[], timing: VoiceTiming): TimedWord[] {
  const words: TimedWord[] = [];
  timing.scenes.forEach((scene, i) => {
    const line = scene.line;
    const groups = phrases(narrations[i] ?? "");
    if (!line || groups.length === 0 || line.endSec <= line.startSec) return;
    // The phrases are placed inside the line as the lines are inside the voice: on its measured pauses.
    const inside = timing.silences
      .filter((s) => s.endSec > line.startSec && s.startSec < line.endSec)
      .map((s) => ({ startSec: Math.max(0, s.startSec - line.startSec), endSec: s.endSec - line.startSec }));
    const lineSec = line.endSec - line.startSec;
    const placed = timeVoiceLines({
      durationSec: lineSec,
      silences: inside,
      scenes: groups.map((group) => ({ narration: group.join(" "), durationSec: lineSec / groups.length })),
    });
    placed.scenes.forEach((phrase, p) => {
      const span = phrase.line ?? { startSec: 0, endSec: lineSec };
      const from = line.startSec + span.startSec;
      const to = line.startSec + span.endSec;
      // A pause inside a phrase (a breath the punctuation does not show) holds no word.
      const pauses = timing.silences.filter((s) => s.startSec > from && s.endSec < to);
      const speaking = to - from - pauses.reduce((sum, s) => sum + (s.endSec - s.startSec), 0);
      const weights = groups[p].map((word) => Math.max(1, syllables(word)));
      const total = weights.reduce((sum, w) => sum + w, 0);
      let said = 0;
      groups[p].forEach((word, w) => {
        const startSec = afterSpeaking(from, said, pauses);
        said += (weights[w] / total) * speaking;
        words.push({ text: word, startSec: round3(startSec), endSec: round3(afterSpeaking(from, said, pauses)) });
      });
    });
  });
  return words;
}

/** How wide a line of text is drawn (`width`, in pixels on the overlay) and the most a line may take. */
export interface LineFit {
  width: (text: string) => number;
  max: number;
}

export interface CardLimits {
  maxWords: number;
  /** One line at the caption size. */
  line: LineFit;
}

/** Splits words into one line, or two whose drawn widths are as even as can be. */
export function breakLines(words: readonly string[], line: LineFit): string[] {
  const text = words.join(" ");
  if (line.width(text) <= line.max || words.length < 2) return [text];
  let best = 1;
  let bestLongest = Infinity;
  for (let cut = 1; cut < words.length; cut++) {
    const longest = Math.max(line.width(words.slice(0, cut).join(" ")), line.width(words.slice(cut).join(" ")));
    if (longest < bestLongest) {
      best = cut;
      bestLongest = longest;
    }
  }
  return [words.slice(0, best).join(" "), words.slice(best).join(" ")];
}

/** How many words of `words` (from the start) fit a card: at most maxWords, in two lines that fit. */
function wordsThatFit(words: readonly string[], limits: CardLimits): number {
  const { line } = limits;
  let n = Math.min(words.length, limits.maxWords);
  while (n > 1 && breakLines(words.slice(0, n), line).some((l) => line.width(l) > line.max)) n--;
  return n;
}

/** A card stays up this long after its last word (reading time), never into the next card. */
export const CARD_HOLD_SEC = 0.2;

/**
 * Caption cards from timed words: each phrase in cards of up to `maxWords` (evenly filled, so a phrase of
 * 7 words is 4 + 3, not 6 + 1), each card from its first word's start to its last word's end plus a short
 * hold. Very short phrases (one word) join the next phrase's card when it fits.
 */
export function captionCards(words: readonly TimedWord[], limits: CardLimits): CaptionCard[] {
  const groups: TimedWord[][] = [];
  let phrase: TimedWord[] = [];
  const flush = () => {
    if (phrase.length === 0) return;
    const fits = (n: number) => wordsThatFit(phrase.map((w) => w.text).slice(0, n), limits);
    const cards = Math.ceil(phrase.length / Math.max(1, fits(phrase.length)));
    let from = 0;
    for (let c = 0; c < cards; c++) {
      const size = Math.ceil((phrase.length - from) / (cards - c));
      groups.push(phrase.slice(from, from + size));
      from += size;
    }
    phrase = [];
  };
  for (const word of words) {
    phrase.push(word);
    if (PHRASE_END.test(word.text)) flush();
  }
  flush();
  // A lone word joins the card after it when the two are spoken together and fit one card.
  const merged: TimedWord[][] = [];
  for (let i = 0; i < groups.length; i++) {
    const next = groups[i + 1];
    const together = next ? [...groups[i], ...next] : [];
    if (
      groups[i].length === 1 &&
      next &&
      next[0].startSec - groups[i][0].endSec < 0.3 &&
      wordsThatFit(
        together.map((w) => w.text),
        limits,
      ) === together.length
    ) {
      merged.push(together);
      i++;
    } else merged.push(groups[i]);
  }
  return merged.map((group, i) => {
    const next = merged[i + 1];
    const last = group[group.length - 1];
    const endSec = Math.min(last.endSec + CARD_HOLD_SEC, next ? next[0].startSec : Infinity);
    return {
      lines: breakLines(
        group.map((w) => w.text),
        limits.line,
      ),
      startSec: group[0].startSec,
      endSec: round3(Math.max(endSec, last.endSec)),
      wordsStartSec: group[0].startSec,
    };
  });
}

/** The kit's captions when a run has no brand kit. */
export const DEFAULT_LOOK = { captionStyle: "boxed", primaryColour: "#111111", secondaryColour: "#ffffff" } as const;

/**
 * What a brand's colour pair must reach in the plan to be drawn. The finished picture loses contrast at
 * the letters' edges (anti-aliasing, then the encoder's 4:2:0 colour): video-palette pairs planned just
 * over 4.5:1 measured 2.9-4.0:1 on finished ads, while pairs planned at 8.4:1 and above kept 4.5:1.
 * A pair below this is replaced by the default look (white on near-black), which measures 5.8:1 or more.
 */
export const PLANNED_CONTRAST = 8;

const DEFAULT_TEXT = parseHex(DEFAULT_LOOK.secondaryColour);
const DEFAULT_BACKING = parseHex(DEFAULT_LOOK.primaryColour);

/** A backing colour with the text that reads on it, or the default pair where the brand's does not reach `planned`. */
function boxOn(backing: Rgb, planned: number): { text: Rgb; backing: Rgb } {
  const text = readableOn(backing);
  return contrastRatio(text, backing) >= planned ? { text, backing } : { text: DEFAULT_TEXT, backing: DEFAULT_BACKING };
}

/**
 * The caption look from the brand: its style, its colours where they keep at least `minContrast` with a
 * margin for encoding (PLANNED_CONTRAST) between the text and what is behind it, the default look where
 * they do not.
 */
export function textLook(
  brand: Pick<RunBrand, "captionStyle" | "primaryColour" | "secondaryColour"> | undefined,
  minContrast: number,
): TextLook {
  const planned = Math.max(minContrast, PLANNED_CONTRAST);
  const kit = brand ?? DEFAULT_LOOK;
  const primary = parseHex(kit.primaryColour);
  const secondary = parseHex(kit.secondaryColour);
  switch (kit.captionStyle) {
    case "outlined": {
      // The brand's secondary colour as the letters when an outline of black or white sets it off.
      const outline = readableOn(secondary);
      return contrastRatio(secondary, outline) >= planned
        ? { style: "outlined", text: secondary, backing: outline }
        : { style: "outlined", text: WHITE, backing: BLACK };
    }
    case "highlight":
      // The brand's primary colour as a highlighter behind the words.
      return { style: "highlight", ...boxOn(primary, planned) };
    case "boxed":
      return contrastRatio(secondary, primary) >= planned
        ? { style: "boxed", text: secondary, backing: primary }
        : { style: "boxed", ...boxOn(primary, planned) };
  }
}

// ---- The plan ----

/** Sizes of the text, as shares of the frame's short side, and the line spacing. */
export const TEXT_SIZES = { caption: 0.058, title: 0.075, brand: 0.085, product: 0.055, cta: 0.06 } as const;
export const LINE_SPACING = 1.3;
export const MAX_CAPTION_WORDS = 6;
/** A caption card the end card leaves less time than this is not drawn: too short to read. */
export const MIN_CAPTION_SEC = 0.3;

export type OverlaySettings = Pick<OverlayConfig, "minContrast" | "titleSec" | "endCardSec">;

export interface OverlayInput {
  frame: FrameSize;
  headline: string;
  productName: string;
  brandName: string;
  /** The script's call to action when it has one, else the kit's, else the default. */
  callToAction: string;
  narrations: readonly string[];
  sceneSeconds: readonly number[];
  timing: VoiceTiming | undefined;
  brand: RunBrand | undefined;
  options: Partial<RunOptions> | undefined;
}

/** The space around a line's text: its outline, or its box's padding. */
const linePad = (fontSize: number, look: TextLook) =>
  look.style === "outlined" ? Math.max(3, Math.round(fontSize * 0.12)) : boxPad(fontSize);

function placeLines(
  texts: readonly string[],
  fontSize: number,
  top: number,
  look: TextLook,
): { lines: PlacedLine[]; bottom: number } {
  const pad = linePad(fontSize, look);
  const step = Math.round(fontSize * LINE_SPACING) + (look.style === "outlined" ? 0 : pad);
  const lines = texts.map((text, i) => ({ text, y: Math.round(top + pad + i * step), fontSize, pad }));
  return { lines, bottom: top + pad * 2 + (texts.length - 1) * step + Math.round(fontSize * 1.2) };
}

/** Lines that fit, broken between words. */
function wrap(text: string, line: LineFit): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.at(-1);
    if (last !== undefined && line.width(`${last} ${word}`) <= line.max) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** A line of the overlay's font at `fontSize`, in its drawn width, inside the safe area with its padding. */
const fontLine = (safeWidth: number, fontSize: number, look: TextLook): LineFit => ({
  width: (text) => lineWidth(overlayFontMetrics(), text, fontSize),
  max: safeWidth - 2 * linePad(fontSize, look),
});

/** The whole plan of what the ad writes on its picture; empty of what the options switch off. */
export function overlayPlan(input: OverlayInput, settings: OverlaySettings): OverlayPlan {
  const { frame } = input;
  const safe = safeArea(frame);
  const short = Math.min(frame.width, frame.height);
  const look = textLook(input.brand, settings.minContrast);
  const elements: PlacedElement[] = [];
  const videoSec = input.sceneSeconds.reduce((sum, s) => sum + s, 0);
  const size = (share: number) => Math.round(short * share);

  const lastScene = input.sceneSeconds.at(-1) ?? 0;
  const endCardStart =
    input.options?.endCard !== false ? round3(videoSec - Math.min(settings.endCardSec, lastScene / 2)) : Infinity;

  const captionSize = size(TEXT_SIZES.caption);
  const words = input.timing ? timeWords(input.narrations, input.timing) : [];
  const cues: CaptionCue[] = [];
  if (input.options?.captions !== false && words.length > 0) {
    const cards = captionCards(words, {
      maxWords: MAX_CAPTION_WORDS,
      line: fontLine(safe.width, captionSize, look),
    });
    // Two lines at most, their bottom on the safe area's bottom edge.
    const twoLines = placeLines(["", ""], captionSize, 0, look).bottom;
    for (const card of cards) {
      cues.push({ startSec: card.startSec, endSec: card.endSec, lines: card.lines });
      // The end card fills the frame and says the call to action itself: no caption is drawn over it,
      // and a card cut too short to read by its start is not drawn at all.
      const endSec = Math.min(card.endSec, endCardStart);
      if (endSec - card.startSec < MIN_CAPTION_SEC) continue;
      const top = safe.y + safe.height - twoLines;
      const offset = card.lines.length === 1 ? twoLines - placeLines([""], captionSize, 0, look).bottom : 0;
      elements.push({
        kind: "caption",
        startSec: card.startSec,
        endSec,
        wordsStartSec: card.wordsStartSec,
        lines: placeLines(card.lines, captionSize, top + offset, look).lines,
      });
    }
  }

  const titleSize = size(TEXT_SIZES.title);
  const firstScene = input.sceneSeconds[0] ?? 0;
  elements.push({
    kind: "title",
    startSec: 0,
    endSec: round3(Math.min(settings.titleSec, firstScene / 2)),
    lines: placeLines(wrap(input.headline, fontLine(safe.width, titleSize, look)).slice(0, 3), titleSize, safe.y, look)
      .lines,
  });

  let endCard: EndCardPanel | null = null;
  const planned = Math.max(settings.minContrast, PLANNED_CONTRAST);
  const endCardLook: TextLook = {
    style: "boxed",
    ...boxOn(parseHex(input.brand?.primaryColour ?? DEFAULT_LOOK.primaryColour), planned),
  };
  const panel = endCardLook.backing;
  // The call to action on the brand's second colour; where that does not read, black on white.
  const pillBox = boxOn(parseHex(input.brand?.secondaryColour ?? DEFAULT_LOOK.secondaryColour), planned);
  const callToActionLook: TextLook = {
    style: "boxed",
    ...(pillBox.backing === DEFAULT_BACKING ? { text: BLACK, backing: WHITE } : pillBox),
  };
  if (input.options?.endCard !== false) {
    const startSec = endCardStart;
    const endSec = round3(videoSec);
    const logoBox: Rect | null = input.brand?.logo
      ? {
          x: safe.x + Math.round(safe.width * 0.25),
          y: safe.y,
          width: Math.round(safe.width * 0.5),
          height: Math.round(safe.height * 0.22),
        }
      : null;
    const areaTop = logoBox ? logoBox.y + logoBox.height + size(0.03) : safe.y;
    const areaHeight = safe.y + safe.height - areaTop;
    const looks = [endCardLook, endCardLook, callToActionLook];
    const kinds: ElementKind[] = ["end_card", "end_card", "call_to_action"];
    // The blocks are laid out from 0, then the whole card is centred in the safe area below the logo.
    const layout = (fitted: readonly FittedBlock[]) => {
      let top = 0;
      const blocks = fitted.map((block, i) => {
        const placed = placeLines(block.lines, block.fontSize, top, looks[i]);
        top = placed.bottom + size(0.03);
        return { kind: kinds[i], lines: placed.lines };
      });
      return { blocks, height: top - size(0.03) };
    };
    const fitted = fitEndCard(
      overlayFontMetrics(),
      [
        { text: input.brandName, fontSize: size(TEXT_SIZES.brand) },
        { text: input.productName, fontSize: size(TEXT_SIZES.product) },
        { text: input.callToAction, fontSize: size(TEXT_SIZES.cta) },
      ],
      safe.width,
      areaHeight,
      (blocks) => layout(blocks).height,
    );
    const { blocks, height } = layout(fitted);
    const shift = areaTop + Math.max(0, Math.round((areaHeight - height) / 2));
    for (const { kind, lines } of blocks) {
      elements.push({ kind, startSec, endSec, lines: lines.map((l) => ({ ...l, y: l.y + shift })) });
    }
    endCard = {
      startSec,
      endSec,
      colour: panel,
      logo: logoBox && input.brand?.logo ? { path: input.brand.logo, box: logoBox } : null,
    };
  }
  return { frame, safe, look, endCardLook, callToActionLook, elements, endCard, words, cues };
}

export function sceneOverlay(plan: OverlayPlan, video: VoiceSpan): SceneOverlay | null {
  const overlaps = (e: { startSec: number; endSec: number }) => e.startSec < video.endSec && e.endSec > video.startSec;
  const local = <T extends { startSec: number; endSec: number }>(e: T): T => ({
    ...e,
    startSec: round3(Math.max(0, e.startSec - video.startSec)),
    endSec: round3(Math.min(video.endSec, e.endSec) - video.startSec),
  });
  const elements = plan.elements.filter(overlaps).map(local);
  const endCard = plan.endCard && overlaps(plan.endCard) ? local(plan.endCard) : null;
  if (elements.length === 0 && !endCard) return null;
  return {
    plan,
    offsetSec: video.startSec,
    durationSec: video.endSec - video.startSec,
    elements,
    endCard,
  };
}

// ---- WebVTT ----

const vttTime = (sec: number) => {
  const ms = Math.round(sec * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
};

/**
 * The caption cards as a WebVTT file (the text escaped as WebVTT requires: &, < and >): every card as
 * timed, those under the end card too, since a player shows them beside the picture, not on it.
 */
export function webVtt(plan: OverlayPlan): string {
  const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const cues = plan.cues.map(
    (c, i) => `${i + 1}\n${vttTime(c.startSec)} --> ${vttTime(c.endSec)}\n${c.lines.map(escape).join("\n")}`,
  );
  return `WEBVTT\n\n${cues.join("\n\n")}\n`;
}
