import type { RunInput, VisualDna } from "../contract/run";

/** Measured facts about an image (from sharp), the raw material of the offline Visual DNA. */
export interface ImageFacts {
  width: number;
  height: number;
  /** 0 (black) … 1 (white). */
  brightness: number;
  /** Laplacian variance of a grey thumbnail; higher is sharper. */
  sharpness: number;
  /** Hex colours, most dominant first. */
  palette: string[];
}

function hue(hex: string): { name: string; saturation: number; lightness: number } {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const lightness = (max + min) / 2;
  const delta = max - min;
  const saturation = delta === 0 ? 0 : delta / (1 - Math.abs(2 * lightness - 1));
  if (saturation < 0.15)
    return { name: lightness > 0.8 ? "white" : lightness < 0.2 ? "black" : "grey", saturation, lightness };
  let h = 0;
  if (max === r) h = ((g - b) / delta) % 6;
  else if (max === g) h = (b - r) / delta + 2;
  else h = (r - g) / delta + 4;
  const degrees = (h * 60 + 360) % 360;
  const names: [number, string][] = [
    [15, "red"],
    [45, "orange"],
    [70, "yellow"],
    [160, "green"],
    [200, "teal"],
    [255, "blue"],
    [290, "purple"],
    [335, "pink"],
    [360, "red"],
  ];
  const name = names.find(([limit]) => degrees < limit)?.[1] ?? "red";
  return { name: name === "orange" && lightness < 0.45 ? "brown" : name, saturation, lightness };
}

/** The everyday name of a colour (#RRGGBB): red, brown, teal, grey… */
export function colourName(hex: string): string {
  return hue(hex).name;
}

/** Turns measurements into a Visual DNA; every field follows from the image or the user's input. */
export function describeImage(facts: ImageFacts, input: RunInput): VisualDna {
  const colours = [...new Set(facts.palette.map((hex) => hue(hex).name))];
  const mean = facts.palette.map(hue);
  const vivid = mean.reduce((sum, c) => sum + c.saturation, 0) / Math.max(1, mean.length) > 0.45;
  const tone = facts.brightness > 0.62 ? "bright, airy" : facts.brightness < 0.35 ? "dark, moody" : "balanced";
  const ratio = facts.width / facts.height;
  const framing = ratio > 1.15 ? "landscape" : ratio < 0.87 ? "portrait" : "square";
  const crisp = facts.sharpness > 150 ? "crisp detail" : "soft focus";
  return {
    productDescription: `${input.productName} by ${input.brandName}, photographed in ${colours.slice(0, 3).join(", ")} tones with ${crisp} (${facts.width}x${facts.height}, ${framing} framing).`,
    palette: facts.palette.slice(0, 8),
    mood: `${tone}, ${vivid ? "vivid" : "muted"} colour`,
    lighting:
      facts.brightness > 0.62
        ? "high-key, soft light"
        : facts.brightness < 0.35
          ? "low-key, directional light"
          : "even studio light",
    composition: `${framing} product shot`,
    styleKeywords: [...colours.slice(0, 4), tone.split(",")[0], vivid ? "vivid" : "muted", framing].slice(0, 12),
  };
}
