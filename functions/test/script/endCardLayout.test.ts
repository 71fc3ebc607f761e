/**
 * The end card's text fitting: widths from the drawn font (checked against ffmpeg's own drawing), the
 * longest text the limits allow inside the safe area in every frame, shrinking before overflowing.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { END_CARD_LIMITS } from "../../src/contract/brand";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../../src/ffmpeg/binaries";
import { lineWidth, overlayFontMetrics } from "../../src/media/fontMetrics";
import { FONT_FILE } from "../../src/media/overlay";
import { overlayPlan, safeArea, TEXT_SIZES, type OverlayInput } from "../../src/script/captions";
import { boxPad, END_CARD_FLOOR, fitBlock } from "../../src/script/endCardLayout";

const metrics = overlayFontMetrics();
const FRAMES = [
  { width: 1080, height: 1920 },
  { width: 1080, height: 1080 },
  { width: 1920, height: 1080 },
];
/** Capitals spread evenly over the alphabet: a wide name, as one word. */
const capitals = (n: number) =>
  Array.from({ length: n }, (_, i) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[Math.floor((i * 26) / n)]).join("");
/** Capitals in words of six. */
const capitalWords = (n: number) => [...capitals(n)].map((c, i) => (i % 7 === 6 ? " " : c)).join("");
/** The font's widest character ("@", 0.9 em), as one word: wider than any real name. */
const widest = (n: number) => "@".repeat(n);

test("a line's width is what ffmpeg draws: the sum of the glyphs' advances at the size", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fontwidth-"));
  try {
    for (const [text, size] of [
      ["Fairbean", 92],
      [capitals(22), 57],
      ["Visit fairbean.example today", 65],
      [widest(10), 46],
      ["Café Crème & Co.", 33],
    ] as const) {
      await writeFile(join(dir, "t.txt"), text, "utf8");
      // The box (no border) spans exactly the text's width, from x = 10.
      await runFfmpeg([
        ...FFMPEG_BATCH_OPTIONS,
        ...["-f", "lavfi", "-i", "color=c=black:s=1900x200", "-frames:v", "1"],
        "-vf",
        `drawtext=fontfile='${FONT_FILE}':textfile='${join(dir, "t.txt")}':expansion=none:fontsize=${size}:` +
          `fontcolor=white:box=1:boxcolor=white:boxborderw=0:x=10:y=20`,
        ...["-f", "rawvideo", "-pix_fmt", "gray", join(dir, "out.gray")],
      ]);
      const data = await readFile(join(dir, "out.gray"));
      const row = data.subarray(22 * 1900, 23 * 1900);
      const drawn = row.filter((v) => v > 128).length;
      expect({ text, drawn }).toEqual({ text, drawn: lineWidth(metrics, text, size) });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe("the longest text the limits allow fits the safe area in every frame", () => {
  const brand = TEXT_SIZES.brand * 1080;
  const cta = TEXT_SIZES.cta * 1080;
  test.each(
    FRAMES.flatMap((frame) => [
      [frame, "brand name, capitals", capitals(END_CARD_LIMITS.brandName), brand],
      [frame, "brand name, widest letters", widest(END_CARD_LIMITS.brandName), brand],
      [frame, "call to action, capitals", capitalWords(END_CARD_LIMITS.callToAction), cta],
      [frame, "call to action, widest letters", widest(END_CARD_LIMITS.callToAction), cta],
    ]),
  )("%o %s", (frame, _name, text, full) => {
    const width = safeArea(frame).width;
    const size = Math.round(full);
    const fitted = fitBlock(metrics, text, width, size, Math.round(size * END_CARD_FLOOR));
    expect(fitted.lines.length).toBeLessThanOrEqual(2);
    expect(fitted.lines.join("").replace(/ /g, "")).toBe(text.replace(/ /g, ""));
    expect(fitted.fontSize).toBeGreaterThanOrEqual(Math.round(size * END_CARD_FLOOR));
    for (const line of fitted.lines) {
      expect(lineWidth(metrics, line, fitted.fontSize) + 2 * boxPad(fitted.fontSize)).toBeLessThanOrEqual(width);
    }
  });

  test("a name of capitals at the limit keeps one line, shrunk no further than it must", () => {
    const fitted = fitBlock(metrics, capitals(END_CARD_LIMITS.brandName), 768, 92, 46);
    expect(fitted).toEqual({ lines: [capitals(22)], fontSize: 57 });
    // One pixel larger would not fit.
    expect(lineWidth(metrics, capitals(22), 58) + 2 * boxPad(58)).toBeGreaterThan(768);
  });
});

describe("the end card in the plan", () => {
  const input = (over: Partial<OverlayInput>): OverlayInput => ({
    frame: { width: 1080, height: 1920 },
    headline: "Aurora Lamp by Halden",
    productName: "Aurora Lamp",
    brandName: "Halden",
    callToAction: "Shop now",
    narrations: ["One.", "Two."],
    sceneSeconds: [4, 4],
    timing: undefined,
    brand: undefined,
    options: undefined,
    ...over,
  });
  const settings = { minContrast: 4.5, titleSec: 1.5, endCardSec: 2 };
  const endLines = (plan: ReturnType<typeof overlayPlan>) =>
    plan.elements.filter((e) => e.kind === "end_card" || e.kind === "call_to_action").flatMap((e) => e.lines);

  test("short text is drawn at its full size", () => {
    const sizes = endLines(overlayPlan(input({}), settings)).map((l) => l.fontSize);
    expect(sizes).toEqual([92, 59, 65]);
  });

  test.each(FRAMES)("with a logo and every field at its longest, each line lies inside the safe area: %o", (frame) => {
    const plan = overlayPlan(
      input({
        frame,
        brandName: capitals(END_CARD_LIMITS.brandName - 7) + " " + capitals(6),
        productName: "The Aurora Table Lamp, hand-turned walnut, 3 settings, USB-C",
        callToAction: capitalWords(END_CARD_LIMITS.callToAction),
        brand: {
          brandName: "x",
          logo: "brand/u1/logo-a.png",
          primaryColour: "#0b3d2e",
          secondaryColour: "#ffd23f",
          captionStyle: "boxed",
          callToAction: "x",
          music: true,
        },
      }),
      settings,
    );
    const { safe } = plan;
    const logoBottom = plan.endCard!.logo!.box.y + plan.endCard!.logo!.box.height;
    for (const line of endLines(plan)) {
      const width = lineWidth(metrics, line.text, line.fontSize) + 2 * line.pad;
      expect(width).toBeLessThanOrEqual(safe.width);
      expect(line.y - line.pad).toBeGreaterThan(logoBottom);
      expect(line.y + Math.round(line.fontSize * 1.2) + line.pad).toBeLessThanOrEqual(safe.y + safe.height);
    }
  });

  test("a product name too long for two lines at the floor ends in an ellipsis", () => {
    const long =
      "An extraordinarily long product name that goes on and on about walnut, brass and linen shades, in six colours, with a dimmer";
    const fitted = fitBlock(metrics, long, 768, 59, 30);
    expect(fitted.fontSize).toBe(30);
    expect(fitted.lines).toHaveLength(2);
    expect(fitted.lines[1].endsWith("…")).toBe(true);
    for (const line of fitted.lines) expect(lineWidth(metrics, line, 30) + 2 * boxPad(30)).toBeLessThanOrEqual(768);
  });
});
