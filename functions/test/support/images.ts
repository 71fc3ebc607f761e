import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";

export const FIXTURES = path.resolve(__dirname, "..", "fixtures", "images");

export function fixture(name: string): Promise<Buffer> {
  return readFile(path.join(FIXTURES, name));
}

/**
 * A clean product shot: coffee.png (no face) upscaled to 900x600 so its shortest side
 * passes the 512 px resolution check, the same image the demo ships.
 */
export async function productImage(): Promise<Buffer> {
  return sharp(await fixture("coffee.png"))
    .resize({ width: 900, kernel: "lanczos3" })
    .jpeg({ quality: 90 })
    .toBuffer();
}
