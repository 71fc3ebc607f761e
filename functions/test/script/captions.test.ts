/** The overlay plan: words timed from the fitted voice, caption cards, placement, colours, WebVTT. Pure. */
import { contrastRatio, parseHex } from "../../src/quality/contrast";
import { silenceUnderCard, speechCovered } from "../../src/quality/overlayCheck";
import {
  breakLines,
  captionCards,
  MIN_CAPTION_SEC,
  overlayPlan,
  phrases,
  safeArea,
  sceneOverlay,
  textLook,
  timeWords,
  webVtt,
  type OverlayInput,
} from "../../src/script/captions";
import { lineWidth, overlayFontMetrics } from "../../src/media/fontMetrics";
import { timeVoiceLines } from "../../src/media/voiceTiming";

const silence = (startSec: number, endSec: number) => ({ startSec, endSec });
/** Lines measured in characters, so the card logic is tested apart from the font. */
const byChars = (max: number) => ({ width: (text: string) => text.length, max });
const narrations = [
  "Meet the Aurora Lamp by Halden.",
  "Warm light, soft edges, made for late nights.",
  "Small-batch design. Rich glow.",
  "Find yours today at halden dot com.",
];
// Pauses where a voice breathes: after each sentence and at the commas.
const silences = [
  silence(0, 0.3),
  silence(2.9, 3.3),
  silence(4.0, 4.2),
  silence(4.9, 5.2),
  silence(7.5, 8.2),
  silence(9.6, 9.9),
  silence(11.3, 11.9),
  silence(15.2, 16),
];
const timing = timeVoiceLines({
  durationSec: 16,
  silences,
  scenes: narrations.map((narration) => ({ narration, durationSec: 4 })),
});
const settings = { minContrast: 4.5, titleSec: 1.5, endCardSec: 2 };
const input = (over: Partial<OverlayInput> = {}): OverlayInput => ({
  frame: { width: 1080, height: 1920 },
  headline: "Aurora Lamp by Halden",
  productName: "Aurora Lamp",
  brandName: "Halden",
  callToAction: "Shop now",
  narrations,
  sceneSeconds: [4, 4, 4, 4],
  timing,
  brand: undefined,
  options: undefined,
  ...over,
});

test("phrases end at punctuation", () => {
  expect(phrases("Warm light, soft edges, made for late nights.")).toEqual([
    ["Warm", "light,"],
    ["soft", "edges,"],
    ["made", "for", "late", "nights."],
  ]);
  expect(phrases("  — ")).toEqual([]);
});

test("every word is timed inside its line, in order, and a phrase after a pause starts where the pause ends", () => {
  const words = timeWords(narrations, timing);
  expect(words.map((w) => w.text).join(" ")).toBe(narrations.join(" "));
  for (let i = 1; i < words.length; i++) expect(words[i].startSec).toBeGreaterThanOrEqual(words[i - 1].endSec - 1e-9);
  const at = (text: string) => words.find((w) => w.text === text)!;
  // Lines and phrases start where their pauses end: "Warm" after 2.9-3.3 s, "soft edges," after 4.0-4.2 s.
  expect(at("Warm").startSec).toBeCloseTo(3.3, 3);
  expect(at("soft").startSec).toBeCloseTo(4.2, 3);
  expect(at("Small-batch").startSec).toBeCloseTo(8.2, 3);
  // No word starts inside a silence.
  for (const word of words) {
    expect(silences.some((s) => word.startSec > s.startSec + 1e-6 && word.startSec < s.endSec - 1e-6)).toBe(false);
  }
  // A word of more syllables takes longer to say than one of fewer in the same phrase.
  const made = at("made");
  const nights = at("nights.");
  expect(nights.endSec - nights.startSec).toBeCloseTo(made.endSec - made.startSec, 3);
  const small = at("Small-batch");
  const design = at("design.");
  expect(small.endSec - small.startSec).toBeGreaterThan(0);
  expect(design.endSec - design.startSec).toBeGreaterThan(0);
});

test("a silent voice gives no words", () => {
  const silent = timeVoiceLines({
    durationSec: 8,
    silences: [silence(0, 8)],
    scenes: [{ narration: "Hello there.", durationSec: 8 }],
  });
  expect(timeWords(["Hello there."], silent)).toEqual([]);
});

test("cards hold up to 6 words in at most two lines, split evenly, never overlapping, never up through 0.5 s of silence", () => {
  const words = timeWords(narrations, timing);
  const cards = captionCards(words, { maxWords: 6, line: byChars(16) });
  for (const card of cards) {
    const n = card.lines.join(" ").split(" ").length;
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(6);
    expect(card.lines.length).toBeLessThanOrEqual(2);
    for (const line of card.lines) expect(line.length).toBeLessThanOrEqual(16);
  }
  for (let i = 1; i < cards.length; i++) expect(cards[i].startSec).toBeGreaterThanOrEqual(cards[i - 1].endSec);
  expect(cards.map((c) => c.lines.join(" ")).join(" ")).toBe(narrations.join(" "));
  for (const card of cards) expect(silenceUnderCard(card, silences)).toBeLessThanOrEqual(0.5);
  for (const card of cards) expect(card.endSec - card.wordsStartSec).toBeGreaterThan(0);
  // Seven words of one phrase are 4 + 3, not 6 + 1.
  const seven = captionCards(
    "one two three four five six seven.".split(" ").map((text, i) => ({ text, startSec: i, endSec: i + 1 })),
    { maxWords: 6, line: byChars(40) },
  );
  expect(seven.map((c) => c.lines.join(" "))).toEqual(["one two three four", "five six seven."]);
});

test("captions and the title in capitals fit the safe area in the width the font draws them", () => {
  const shouted = [
    "WOW! UNBELIEVABLY WATERPROOF, BREATHABLE AND LIGHTWEIGHT.",
    "MOISTURISING HYALURONIC SERUM, MADE BY DERMATOLOGICA.",
    "EXTRAORDINARY WALNUT MARBLE COPPER.",
    "ORDER YOURS TODAY.",
  ];
  const timed = timeVoiceLines({
    durationSec: 16,
    silences: [silence(15.5, 16)],
    scenes: shouted.map((narration) => ({ narration, durationSec: 4 })),
  });
  for (const frame of [
    { width: 1080, height: 1920 },
    { width: 1080, height: 1080 },
    { width: 1920, height: 1080 },
  ]) {
    const plan = overlayPlan(
      input({
        frame,
        narrations: shouted,
        timing: timed,
        headline: "THE HYDRATING HYALURONIC MOISTURISER BY DERMATOLOGICA",
      }),
      settings,
    );
    const safe = safeArea(frame);
    const drawn = plan.elements.filter((e) => e.kind === "caption" || e.kind === "title").flatMap((e) => e.lines);
    expect(drawn.length).toBeGreaterThan(4);
    for (const line of drawn) {
      expect(lineWidth(overlayFontMetrics(), line.text, line.fontSize) + 2 * line.pad).toBeLessThanOrEqual(safe.width);
    }
  }
});

test("two lines are as even as the words allow", () => {
  expect(breakLines(["Meet", "the", "Aurora", "Lamp", "by", "Halden."], byChars(16))).toEqual([
    "Meet the Aurora",
    "Lamp by Halden.",
  ]);
  expect(breakLines(["Short", "card."], byChars(16))).toEqual(["Short card."]);
});

test("safe areas: 9:16 clear of the feed apps' margins, 1:1 and 16:9 10% in", () => {
  expect(safeArea({ width: 1080, height: 1920 })).toEqual({ x: 120, y: 288, width: 768, height: 960 });
  expect(safeArea({ width: 1080, height: 1080 })).toEqual({ x: 108, y: 108, width: 864, height: 864 });
  expect(safeArea({ width: 1920, height: 1080 })).toEqual({ x: 192, y: 108, width: 1536, height: 864 });
});

test("every line of every element lies inside the safe area, in each frame shape", () => {
  for (const frame of [
    { width: 1080, height: 1920 },
    { width: 1080, height: 1080 },
    { width: 1920, height: 1080 },
  ]) {
    const plan = overlayPlan(input({ frame }), settings);
    for (const element of plan.elements) {
      for (const line of element.lines) {
        expect(line.y - line.pad).toBeGreaterThanOrEqual(plan.safe.y);
        expect(line.y + line.fontSize * 1.2 + line.pad).toBeLessThanOrEqual(plan.safe.y + plan.safe.height + 1);
      }
    }
  }
});

test("the title is the headline over the first 1.5 s, the end card the last 2 s, both inside the video", () => {
  const plan = overlayPlan(input(), settings);
  const title = plan.elements.find((e) => e.kind === "title")!;
  expect(title).toMatchObject({ startSec: 0, endSec: 1.5 });
  expect(title.lines.map((l) => l.text).join(" ")).toBe("Aurora Lamp by Halden");
  const end = plan.elements.filter((e) => e.kind === "end_card" || e.kind === "call_to_action");
  expect(end.map((e) => e.lines.map((l) => l.text).join(" "))).toEqual(["Halden", "Aurora Lamp", "Shop now"]);
  expect(plan.endCard).toMatchObject({ startSec: 14, endSec: 16, logo: null });
  // Short scenes: at most half of the first and the last scene.
  const short = overlayPlan(input({ sceneSeconds: [2, 2] }), settings);
  expect(short.elements.find((e) => e.kind === "title")?.endSec).toBe(1);
  expect(short.endCard).toMatchObject({ startSec: 3, endSec: 4 });
});

test("options switch captions and the end card off; the title stays", () => {
  const plan = overlayPlan(input({ options: { captions: false, endCard: false } }), settings);
  expect(plan.elements.map((e) => e.kind)).toEqual(["title"]);
  expect(plan.endCard).toBeNull();
});

test("a brand's logo gets the top of the end card; the text moves below it", () => {
  const brand = {
    brandName: "Halden",
    logo: "brands/u1/logo.png",
    primaryColour: "#0b3d2e",
    secondaryColour: "#ffd23f",
    captionStyle: "highlight" as const,
    callToAction: "Visit halden.com",
    music: true,
  };
  const plan = overlayPlan(input({ brand }), settings);
  expect(plan.endCard?.logo?.path).toBe("brands/u1/logo.png");
  const logoBottom = plan.endCard!.logo!.box.y + plan.endCard!.logo!.box.height;
  for (const e of plan.elements.filter((x) => x.kind === "end_card")) {
    for (const line of e.lines) expect(line.y).toBeGreaterThan(logoBottom);
  }
  expect(plan.endCard?.colour).toEqual(parseHex("#0b3d2e"));
  expect(plan.look).toMatchObject({ style: "highlight", backing: parseHex("#0b3d2e") });
});

test("the look keeps 4.5:1 whatever the brand's colours", () => {
  const colours = ["#000000", "#ffffff", "#777777", "#ffd23f", "#0b3d2e", "#ff0000", "#00ff00", "#1a1aff", "#808080"];
  for (const style of ["boxed", "outlined", "highlight"] as const) {
    for (const primaryColour of colours) {
      for (const secondaryColour of colours) {
        const look = textLook({ captionStyle: style, primaryColour, secondaryColour }, 4.5);
        expect(contrastRatio(look.text, look.backing)).toBeGreaterThanOrEqual(4.5);
      }
    }
  }
  // The brand's own pair is kept when it reads.
  expect(textLook({ captionStyle: "boxed", primaryColour: "#0b3d2e", secondaryColour: "#ffd23f" }, 4.5)).toEqual({
    style: "boxed",
    text: parseHex("#ffd23f"),
    backing: parseHex("#0b3d2e"),
  });
  // A video palette's mid-tones read at 4.5:1 on paper but not on the encoded picture: the default look.
  expect(textLook({ captionStyle: "boxed", primaryColour: "#8b5a2b", secondaryColour: "#c49a6c" }, 4.5)).toEqual({
    style: "boxed",
    text: parseHex("#ffffff"),
    backing: parseHex("#111111"),
  });
  // WCAG's own reference points.
  expect(contrastRatio([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 5);
  expect(contrastRatio([118, 118, 118], [255, 255, 255])).toBeCloseTo(4.54, 2);
});

test("each scene draws what overlaps it, in its own time; a card across a cut is drawn by both", () => {
  const plan = overlayPlan(input(), settings);
  const across = plan.elements.find((e) => e.kind === "caption" && e.startSec < 4 && e.endSec > 4);
  const first = sceneOverlay(plan, { startSec: 0, endSec: 4 })!;
  const last = sceneOverlay(plan, { startSec: 12, endSec: 16 })!;
  expect(first.elements.some((e) => e.kind === "title")).toBe(true);
  expect(first.endCard).toBeNull();
  expect(last.endCard).toMatchObject({ startSec: 2, endSec: 4 });
  for (const part of [first, last]) {
    for (const e of part.elements) {
      expect(e.startSec).toBeGreaterThanOrEqual(0);
      expect(e.endSec).toBeLessThanOrEqual(4);
    }
  }
  if (across) {
    const second = sceneOverlay(plan, { startSec: 4, endSec: 8 })!;
    expect(second.elements.some((e) => e.startSec === 0 && e.lines[0].text === across.lines[0].text)).toBe(true);
  }
});

test("WebVTT: one cue per caption card, times and text escaped", () => {
  const plan = overlayPlan(input({ narrations: ["Fish & chips <hot>.", "Two.", "Three.", "Four."] }), settings);
  const vtt = webVtt(plan);
  expect(vtt.startsWith("WEBVTT\n\n1\n00:00:00.300 --> ")).toBe(true);
  expect(vtt).toContain("Fish &amp; chips &lt;hot&gt;.");
  const cues = vtt.split("\n\n").slice(1);
  expect(cues).toHaveLength(plan.elements.filter((e) => e.kind === "caption").length);
  for (const cue of cues) expect(cue).toMatch(/^\d+\n\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\n/);
});

test("no caption is drawn over the end card; the WebVTT keeps every card; coverage counts the speech before it", () => {
  const plan = overlayPlan(input(), settings);
  const card = plan.endCard!;
  const captions = plan.elements.filter((e) => e.kind === "caption");
  // The last line is spoken until 15.2 s, into the end card (14-16 s).
  expect(plan.cues.at(-1)!.endSec).toBeGreaterThan(card.startSec);
  for (const c of captions) {
    expect(c.endSec).toBeLessThanOrEqual(card.startSec);
    expect(c.endSec - c.startSec).toBeGreaterThanOrEqual(MIN_CAPTION_SEC);
  }
  expect(captions.length).toBeLessThan(plan.cues.length);
  expect(plan.cues.map((c) => c.lines.join(" ")).join(" ")).toBe(narrations.join(" "));
  expect(webVtt(plan).split("\n\n").slice(1)).toHaveLength(plan.cues.length);
  // Every drawn card is a cue as timed, or one ended at the end card's start.
  for (const c of captions) {
    const cue = plan.cues.find((q) => q.startSec === c.startSec)!;
    expect(c.endSec).toBe(Math.min(cue.endSec, card.startSec));
  }
  expect(speechCovered(plan, timing)).toBeGreaterThanOrEqual(0.9);
  // With the end card off, the last words are captioned to the end.
  const off = overlayPlan(input({ options: { endCard: false } }), settings);
  expect(off.elements.filter((e) => e.kind === "caption")).toHaveLength(off.cues.length);
});
