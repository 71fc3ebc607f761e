/**
 * The quality gate's look at what the ad writes on its picture (media/captions.ts): measured on the
 * finished file, then judged by a pure verdict.
 *
 * Measurement: for each planned element (every caption card, the title, the end card's lines) one frame
 * in the middle of its time is decoded (one ffmpeg process, each input seeking to its frame) and the rows
 * of its lines are read as RGB. Its text is the pixels of the text's colour that have the colour behind
 * it (its box or outline) on both sides within a few pixels; a bright product or a white wall far from a
 * box is not text. The contrast is WCAG's ratio between the text's luminance (median of its pixels) and
 * the pixels from 3 px beside each glyph (past its anti-aliased edge and the encoder's chroma blur) to the width of the outline or the
 * box's padding, taken at their median: WCAG compares the text's colour with its background's colour,
 * and the median is that colour as encoded; the worst edge pixels are the encoder's blur of the letters
 * themselves (an end card line planned at 8:1 or more measured 4.2:1 at the 5th percentile). The text's extent
 * is checked against the safe area.
 *
 * Verdict: captions on screen for the spoken time before the end card (at least `minSpeechCovered` of it), no card up through
 * more than `maxCaptionSilenceSec` of silence, every element present and readable (`minContrast`), inside
 * the safe area, and the end card there when the run has one.
 */
import { readFile, rm } from "node:fs/promises";
import {
  lookOf,
  type ElementKind,
  type ElementMeasurement,
  type OverlayMeasurements,
  type OverlayPlan,
  type PlacedElement,
  type Rect,
  type Rgb,
  type TextLook,
} from "../contract/overlay";
import type { QualityFailure } from "../contract/quality";
import type { VoiceSpan, VoiceTiming } from "../contract/voice";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg, type RunOptions } from "../ffmpeg/binaries";
import type { OverlaySettings } from "../pipelineSettings";
import { contrastOfLuminance, luminance } from "./contrast";

/** A pixel within this RGB distance of a colour is of that colour (the encoder's 4:2:0 chroma blurs edges). */
const COLOUR_TOLERANCE = 70;
/** Share of the spoken time that must have a caption on screen. */
export const MIN_SPEECH_COVERED = 0.9;

/** How long a caption card stays on screen during silences. */
export function silenceUnderCard(card: { startSec: number; endSec: number }, silences: readonly VoiceSpan[]): number {
  return silences.reduce(
    (sum, s) => sum + Math.max(0, Math.min(card.endSec, s.endSec) - Math.max(card.startSec, s.startSec)),
    0,
  );
}

/** The rows an element's lines occupy, with their boxes or outlines and a margin. */
export function bandOf(element: PlacedElement, frameHeight: number): { top: number; height: number } {
  const top = Math.max(0, Math.min(...element.lines.map((l) => l.y - l.pad)) - 6);
  const bottom = Math.min(
    frameHeight,
    Math.max(...element.lines.map((l) => l.y + Math.round(l.fontSize * 1.3) + l.pad)) + 6,
  );
  return { top, height: Math.max(2, bottom - top) };
}

const distance = (data: Buffer, i: number, c: Rgb) =>
  Math.hypot(data[i] - c[0], data[i + 1] - c[1], data[i + 2] - c[2]);

/** The range holding all but the outer 1% of `values` on each side ([Infinity, -Infinity] when empty). */
function trimmedRange(values: readonly number[]): [number, number] {
  if (values.length === 0) return [Infinity, -Infinity];
  const sorted = [...values].sort((a, b) => a - b);
  const cut = Math.floor(sorted.length * 0.01);
  return [sorted[cut], sorted[sorted.length - 1 - cut]];
}

/**
 * Text pixels, their contrast with what touches them and their extent in one band of RGB rows. Pure:
 * `offsetY` places the band in the frame.
 */
export function analyseBand(
  data: Buffer,
  width: number,
  height: number,
  look: TextLook,
  reach: number,
  ring: number,
  offsetY: number,
): Pick<ElementMeasurement, "textPixels" | "contrast" | "extent"> {
  const isText = new Uint8Array(width * height);
  const isBacking = new Uint8Array(width * height);
  for (let p = 0; p < width * height; p++) {
    if (distance(data, p * 3, look.text) < COLOUR_TOLERANCE) isText[p] = 1;
    else if (distance(data, p * 3, look.backing) < COLOUR_TOLERANCE) isBacking[p] = 1;
  }
  const lum = (p: number): number => luminance([data[p * 3], data[p * 3 + 1], data[p * 3 + 2]]);
  // Text is a colour of ours with our backing on both sides of it within `reach`.
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!isText[row + x]) continue;
      let left = false;
      let right = false;
      for (let d = 1; d <= reach && !(left && right); d++) {
        if (x - d >= 0 && isBacking[row + x - d]) left = true;
        if (x + d < width && isBacking[row + x + d]) right = true;
      }
      if (left && right) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  // The letters are thousands of pixels in one place; a few pixels of the picture that happen to look
  // like text beside the box are not letters: the extent is where all but the outer 1% on each side lie.
  const [minX, maxX] = trimmedRange(xs);
  const [minY, maxY] = trimmedRange(ys);
  const textLum: number[] = [];
  const nearLum: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x < minX || x > maxX || y < minY || y > maxY) continue;
    const row = y * width;
    textLum.push(lum(row + x));
    // What touches the glyph: the pixels past its anti-aliased edge, on both sides.
    for (const dir of [-1, 1]) {
      const edge = x + dir;
      if (edge < 0 || edge >= width || isText[row + edge]) continue;
      for (let d = 3; d <= ring; d++) {
        const q = x + dir * d;
        if (q < 0 || q >= width || isText[row + q]) break;
        nearLum.push(lum(row + q));
      }
    }
  }
  if (textLum.length === 0) return { textPixels: 0, contrast: null, extent: null };
  textLum.sort((a, b) => a - b);
  const text = textLum[Math.floor(textLum.length / 2)];
  const contrasts = nearLum.map((l) => contrastOfLuminance(text, l)).sort((a, b) => a - b);
  const contrast = contrasts.length > 0 ? contrasts[Math.floor(contrasts.length / 2)] : null;
  return {
    textPixels: textLum.length,
    contrast: contrast === null ? null : Math.round(contrast * 100) / 100,
    extent: { x: minX, y: offsetY + minY, width: maxX - minX + 1, height: maxY - minY + 1 },
  };
}

/** Spoken time: the speech span less the silences inside it. */
function spokenStretches(timing: VoiceTiming): VoiceSpan[] {
  if (!timing.speech) return [];
  const out: VoiceSpan[] = [];
  let at = timing.speech.startSec;
  for (const s of timing.silences) {
    if (s.endSec <= at || s.startSec >= timing.speech.endSec) continue;
    if (s.startSec > at) out.push({ startSec: at, endSec: s.startSec });
    at = Math.max(at, s.endSec);
  }
  if (at < timing.speech.endSec) out.push({ startSec: at, endSec: timing.speech.endSec });
  return out;
}

/**
 * Share of the spoken time with a caption on screen; null when nothing is spoken or there are no captions.
 * Speech under the end card does not count: the card is drawn there instead of captions.
 */
export function speechCovered(plan: OverlayPlan, timing: VoiceTiming | undefined): number | null {
  const cards = plan.elements.filter((e) => e.kind === "caption");
  if (!timing || cards.length === 0) return null;
  const until = plan.endCard?.startSec ?? Infinity;
  const stretches = spokenStretches(timing)
    .map((s) => ({ startSec: s.startSec, endSec: Math.min(s.endSec, until) }))
    .filter((s) => s.endSec > s.startSec);
  const spoken = stretches.reduce((sum, s) => sum + (s.endSec - s.startSec), 0);
  if (spoken <= 0) return null;
  let covered = 0;
  for (const s of stretches) {
    // Cards do not overlap one another (each ends at the next one's start at the latest).
    for (const c of cards) covered += Math.max(0, Math.min(s.endSec, c.endSec) - Math.max(s.startSec, c.startSec));
  }
  return Math.round((covered / spoken) * 1000) / 1000;
}

/** Captions looked at: each seek decodes up to a clip's worth of frames, so a few spread over the ad. */
export const SAMPLED_CAPTIONS = 4;

/**
 * The elements to look at, each in the frame in its middle: the title, the end card's lines and up to
 * SAMPLED_CAPTIONS caption cards spread evenly over the ad (the first and the last among them).
 */
export function sampledElements(plan: OverlayPlan): { element: PlacedElement; atSec: number }[] {
  const shown = plan.elements.filter((e) => e.endSec - e.startSec > 0.05);
  const captions = shown.filter((e) => e.kind === "caption");
  const step = Math.max(1, (captions.length - 1) / Math.max(1, SAMPLED_CAPTIONS - 1));
  const picked = new Set(
    Array.from({ length: Math.min(SAMPLED_CAPTIONS, captions.length) }, (_, i) => captions[Math.round(i * step)]),
  );
  return shown
    .filter((e) => e.kind !== "caption" || picked.has(e))
    .map((element) => ({ element, atSec: Math.round(((element.startSec + element.endSec) / 2) * 1000) / 1000 }));
}

/** Measures the planned elements on the finished file (see the module's comment). */
export async function measureOverlay(
  file: string,
  plan: OverlayPlan,
  timing: VoiceTiming | undefined,
  options: RunOptions = {},
): Promise<OverlayMeasurements> {
  const samples = sampledElements(plan);
  const { width, height } = plan.frame;
  const bands = samples.map((s) => bandOf(s.element, height));
  const outs = samples.map((_, i) => `${file}.overlay-${i}.rgb`);
  const elements: ElementMeasurement[] = [];
  try {
    if (samples.length > 0) {
      const args: string[] = [...FFMPEG_BATCH_OPTIONS];
      // One seek per distinct time: the end card's lines share theirs.
      const times = [...new Set(samples.map((s) => s.atSec))];
      for (const t of times) args.push("-ss", t.toFixed(3), "-i", file);
      samples.forEach((s, i) => {
        const band = bands[i];
        args.push(
          ...["-map", `${times.indexOf(s.atSec)}:v:0`, "-frames:v", "1"],
          ...["-vf", `crop=${width}:${band.height}:0:${band.top}`],
          ...["-f", "rawvideo", "-pix_fmt", "rgb24", outs[i]],
        );
      });
      await runFfmpeg(args, options);
    }
    for (const [i, s] of samples.entries()) {
      const data = await readFile(outs[i]);
      const band = bands[i];
      const rows = Math.min(band.height, Math.floor(data.length / (width * 3)));
      const look = lookOf(plan, s.element.kind);
      const pad = Math.min(...s.element.lines.map((l) => l.pad));
      // What touches the letters is what we drew there: the outline, or the box's padding around the line.
      // Kept 3 px inside the box's or outline's own edge, where the encoder's chroma blur mixes it with the picture.
      const ring = Math.max(3, pad - 3);
      elements.push({
        kind: s.element.kind,
        atSec: s.atSec,
        ...analyseBand(data, width, rows, look, pad + 4, ring, band.top),
      });
    }
  } finally {
    await Promise.all(outs.map((out) => rm(out, { force: true })));
  }
  const cards = plan.elements.filter((e) => e.kind === "caption");
  const worst = timing ? Math.max(0, ...cards.map((c) => silenceUnderCard(c, timing.silences))) : 0;
  return { elements, speechCovered: speechCovered(plan, timing), worstCardSilenceSec: Math.round(worst * 1000) / 1000 };
}

const within = (inner: Rect, outer: Rect, tolerance: number) =>
  inner.x >= outer.x - tolerance &&
  inner.y >= outer.y - tolerance &&
  inner.x + inner.width <= outer.x + outer.width + tolerance &&
  inner.y + inner.height <= outer.y + outer.height + tolerance;

const ELEMENT_WORDS: Record<ElementKind, string> = {
  caption: "caption",
  title: "title",
  end_card: "end card",
  call_to_action: "call to action",
};

/** The gate's verdict on the overlay: its failures, none when it passes. Pure. */
export function overlayFailures(
  plan: OverlayPlan,
  measured: OverlayMeasurements,
  settings: Pick<OverlaySettings, "minContrast" | "maxCaptionSilenceSec" | "minTextPixels">,
  expectEndCard: boolean,
): QualityFailure[] {
  const failures: QualityFailure[] = [];
  const at = (m: ElementMeasurement) => `${ELEMENT_WORDS[m.kind]} at ${m.atSec.toFixed(2)} s`;
  if (measured.speechCovered !== null && measured.speechCovered < MIN_SPEECH_COVERED) {
    failures.push({
      cause: "captions_missing",
      detail: `captions on screen for ${(measured.speechCovered * 100).toFixed(0)}% of the spoken time (at least ${MIN_SPEECH_COVERED * 100}%)`,
    });
  }
  if (measured.worstCardSilenceSec > settings.maxCaptionSilenceSec) {
    failures.push({
      cause: "captions_missing",
      detail: `a caption stays up through ${measured.worstCardSilenceSec.toFixed(2)} s of silence (at most ${settings.maxCaptionSilenceSec.toFixed(2)} s)`,
    });
  }
  for (const m of measured.elements) {
    if (m.textPixels < settings.minTextPixels) {
      failures.push({
        cause: m.kind === "caption" ? "captions_missing" : m.kind === "title" ? "captions_missing" : "end_card_missing",
        detail: `${at(m)}: ${m.textPixels} pixels of text (at least ${settings.minTextPixels})`,
      });
      continue;
    }
    if (m.contrast === null || m.contrast < settings.minContrast) {
      failures.push({
        cause: "text_contrast",
        detail: `${at(m)}: contrast ${m.contrast?.toFixed(2) ?? "unmeasured"}:1 (at least ${settings.minContrast}:1)`,
      });
    }
    if (m.extent && !within(m.extent, plan.safe, 2)) {
      const e = m.extent;
      failures.push({
        cause: "captions_unsafe",
        detail: `${at(m)}: text at x ${e.x}-${e.x + e.width}, y ${e.y}-${e.y + e.height}, outside the safe area x ${plan.safe.x}-${plan.safe.x + plan.safe.width}, y ${plan.safe.y}-${plan.safe.y + plan.safe.height}`,
      });
    }
  }
  if (expectEndCard && !measured.elements.some((m) => m.kind === "end_card")) {
    failures.push({ cause: "end_card_missing", detail: "no end card in the plan's last seconds" });
  }
  return failures;
}
