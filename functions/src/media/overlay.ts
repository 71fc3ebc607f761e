/**
 * Draws a scene's share of the overlay plan (media/captions.ts) in the pass that already encodes the
 * scene's clip: captions and the title with drawtext, the end card as a panel, its lines and the logo.
 * The finished video stays a join of the clips as they are (no second encode of the whole ad): each clip
 * carries its own part, a card spoken across a cut drawn by both clips, each for its own frames.
 *
 * The text is handed to drawtext in files (`textfile=`, `expansion=none`): no customer word ever becomes
 * filtergraph syntax. The font ships with the functions (the `source-sans` package, Source Sans 3 Bold,
 * SIL Open Font License 1.1): nothing is fetched at run time.
 */
import { writeFile } from "node:fs/promises";
import sharp from "sharp";
import { lookOf, type PlacedElement, type Rgb, type SceneOverlay } from "../contract/overlay";
import { toHex } from "../quality/contrast";

/** The font every text is drawn with. */
export const FONT_FILE = require.resolve("source-sans/TTF/SourceSans3-Bold.ttf");

/** What a clip's encoding pass adds after its frames are cut: extra inputs and a filter chain. */
export interface DrawnOverlay {
  /** ffmpeg input arguments (the logo). */
  inputs: string[];
  /** Why the end card goes without the run's logo (it could not be decoded); null when it has it or none. */
  logoProblem?: string | null;
  /**
   * The filters from label `from` to label `to`; `firstInput` is the index of this overlay's first input,
   * `fps` the clip's frame rate.
   */
  filter(from: string, to: string, firstInput: number, fps: number): string;
}

/** A value for a filter option: quoted, with the characters the filtergraph parser treats specially escaped. */
const quoted = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "'\\''")}'`;
const colour = (rgb: Rgb) => `0x${toHex(rgb).slice(1)}`;
const between = (e: { startSec: number; endSec: number }) =>
  `enable='between(t,${e.startSec.toFixed(3)},${(e.endSec - 0.0005).toFixed(3)})'`;

function drawLines(element: PlacedElement, overlay: SceneOverlay, files: string[]): string[] {
  const look = lookOf(overlay.plan, element.kind);
  const { safe } = overlay.plan;
  return element.lines.map((line, i) => {
    const backing =
      look.style === "outlined"
        ? `borderw=${line.pad}:bordercolor=${colour(look.backing)}`
        : `box=1:boxcolor=${colour(look.backing)}:boxborderw=${line.pad}`;
    return (
      `drawtext=fontfile=${quoted(FONT_FILE)}:textfile=${quoted(files[i])}:expansion=none:` +
      `fontsize=${line.fontSize}:fontcolor=${colour(look.text)}:${backing}:` +
      `x=${safe.x}+(${safe.width}-text_w)/2:y=${line.y}:${between(element)}`
    );
  });
}

/**
 * Writes the texts (one file per line, beside `outBase`) and, when the end card shows the logo, a
 * render-safe copy of it (decoded again by sharp, fitted to its box, transparency kept); returns the
 * overlay for the clip's encoding pass.
 */
export async function prepareOverlay(overlay: SceneOverlay, outBase: string, logoFile?: string): Promise<DrawnOverlay> {
  const texts: string[][] = [];
  let n = 0;
  for (const element of overlay.elements) {
    const files: string[] = [];
    for (const line of element.lines) {
      const file = `${outBase}.text-${n++}.txt`;
      await writeFile(file, line.text, "utf8");
      files.push(file);
    }
    texts.push(files);
  }
  let logo = overlay.endCard?.logo && logoFile ? { ...overlay.endCard.logo, file: `${outBase}.logo.png` } : null;
  let logoProblem: string | null = null;
  if (logo) {
    try {
      await sharp(logoFile, { limitInputPixels: 40_000_000 })
        .rotate()
        .resize({ width: logo.box.width, height: logo.box.height, fit: "inside" })
        .png()
        .toFile(logo.file);
    } catch (error) {
      // The kit checked the logo when it was saved; one that no longer decodes leaves the card without it.
      logoProblem = String(error);
      logo = null;
    }
  }
  return {
    logoProblem,
    inputs: logo ? ["-i", logo.file] : [],
    filter(from, to, firstInput, fps) {
      const steps: string[] = [];
      let label = from;
      const next = (chain: string) => {
        const out = `${to}_${steps.length}`;
        steps.push(`[${label}]${chain}[${out}]`);
        label = out;
      };
      // Clip time from 0 at its first frame, whatever the source's timestamps.
      next(`setpts=N/(${fps}*TB)`);
      const card = overlay.endCard;
      if (card) {
        next(`drawbox=x=0:y=0:w=iw:h=ih:color=${colour(card.colour)}@1:t=fill:${between(card)}`);
        if (logo) {
          const box = logo.box;
          steps.push(`[${firstInput}:v]format=rgba[${to}_logo]`);
          next(
            `[${to}_logo]overlay=x=${box.x}+(${box.width}-overlay_w)/2:y=${box.y}+(${box.height}-overlay_h)/2:${between(card)}`,
          );
        }
      }
      const draws = overlay.elements.flatMap((element, i) => drawLines(element, overlay, texts[i]));
      if (draws.length > 0) next(draws.join(","));
      next("format=yuv420p");
      return steps.join(";").replace(new RegExp(`\\[${label}\\]$`), `[${to}]`);
    },
  };
}
