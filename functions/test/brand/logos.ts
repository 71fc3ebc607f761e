/** Logos made with sharp for the brand kit's tests: a transparent one, and each kind a check refuses. */
import sharp from "sharp";

/** A filled circle on a fully transparent background: what a logo export looks like. */
export function transparentLogo(side = 200, format: "png" | "webp" = "png"): Promise<Buffer> {
  const r = side / 2;
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}"><circle cx="${r}" cy="${r}" r="${r * 0.8}" fill="#c0392b"/></svg>`,
  );
  const image = sharp(svg);
  return (format === "png" ? image.png() : image.webp({ lossless: true })).toBuffer();
}

/** An alpha channel that is opaque everywhere: no transparency although the file has one. */
export const opaqueWithAlpha = (side = 200) =>
  sharp({ create: { width: side, height: side, channels: 4, background: { r: 20, g: 40, b: 60, alpha: 1 } } })
    .png()
    .toBuffer();

export const opaqueJpeg = (side = 200) =>
  sharp({ create: { width: side, height: side, channels: 3, background: "#204060" } })
    .jpeg()
    .toBuffer();
