/**
 * What an ad writes on its picture (captions, the opening title, the end card) as a plan shared by the
 * scene passes that draw it (media/overlay.ts), the assembly that writes its WebVTT and the quality
 * gate that measures it (quality/overlayCheck.ts); the plan itself is made in script/captions.ts.
 * Times are seconds of the video; sizes and places pixels of the frame.
 */
import type { CaptionStyle } from "./brand";
import type { FrameSize } from "./measurements";

export type Rgb = readonly [number, number, number];

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A word of the voice-over and when it is spoken in the video. */
export interface TimedWord {
  text: string;
  startSec: number;
  endSec: number;
}

/**
 * How text is drawn: its colour, and the colour directly around every glyph (an opaque box behind the
 * line, or the glyphs' own outline). Either way what is behind the text is drawn by us, so the contrast
 * holds on any frame; the gate measures it on the finished video.
 */
export interface TextLook {
  style: CaptionStyle;
  text: Rgb;
  /** The box's colour (boxed, highlight) or the outline's (outlined). */
  backing: Rgb;
}

/** A caption card's words and time, drawn or not. */
export interface CaptionCue {
  startSec: number;
  endSec: number;
  lines: string[];
}

export type ElementKind = "caption" | "title" | "end_card" | "call_to_action";

/** One line of text on the frame: where its glyphs start (top) and their size; centred in the safe area. */
export interface PlacedLine {
  text: string;
  y: number;
  fontSize: number;
  /** The padding of its box (boxed, highlight) or the width of its outline (outlined), in pixels. */
  pad: number;
}

export interface PlacedElement {
  kind: ElementKind;
  startSec: number;
  endSec: number;
  lines: PlacedLine[];
  /** Where its first words start being spoken (captions). */
  wordsStartSec?: number;
}

export interface EndCardPanel {
  startSec: number;
  endSec: number;
  /** The panel's colour: the brand's primary. */
  colour: Rgb;
  /** The logo's place (top, centred, scaled to fit), when the run has one. */
  logo: { path: string; box: Rect } | null;
}

export interface OverlayPlan {
  frame: FrameSize;
  safe: Rect;
  look: TextLook;
  /** The end card's text is drawn on its panel: black or white, whichever reads on it. */
  endCardLook: TextLook;
  /** The call to action stands out on the panel: a box of the brand's secondary colour. */
  callToActionLook: TextLook;
  elements: PlacedElement[];
  endCard: EndCardPanel | null;
  /** The timed words the captions came from (for the benchmark). */
  words: TimedWord[];
  /**
   * Every caption card as timed, for the WebVTT file; the drawn caption elements leave out (or end
   * early) those under the end card.
   */
  cues: CaptionCue[];
}

/** The look an element is drawn with. */
export const lookOf = (plan: OverlayPlan, kind: ElementKind) =>
  kind === "end_card" ? plan.endCardLook : kind === "call_to_action" ? plan.callToActionLook : plan.look;

/** What one scene's clip draws: the plan's elements that overlap its place in the video, in its own time. */
export interface SceneOverlay {
  plan: OverlayPlan;
  /** Where the clip starts in the video. */
  offsetSec: number;
  durationSec: number;
  elements: PlacedElement[];
  endCard: EndCardPanel | null;
}

/** One element as the gate measured it on the finished file. */
export interface ElementMeasurement {
  kind: ElementKind;
  atSec: number;
  /** Pixels of text found where the element is drawn. */
  textPixels: number;
  /** WCAG contrast between the text and what touches it; null when no text was found. */
  contrast: number | null;
  /** Extent of the text found, in frame pixels; null when none was found. */
  extent: Rect | null;
}

export interface OverlayMeasurements {
  elements: ElementMeasurement[];
  /** Spoken time with a caption on screen, over all spoken time (null: captions off, or nothing spoken). */
  speechCovered: number | null;
  /** The longest silence a single caption card stays up through, in seconds. */
  worstCardSilenceSec: number;
}
