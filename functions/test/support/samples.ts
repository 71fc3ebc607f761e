import { readFileSync } from "fs";
import path from "path";
import { deflateSync } from "zlib";
import sharp from "sharp";

/** Test inputs: the fixture photos (see fixtures/images/PROVENANCE.md) and files crafted byte by byte. */
export const FIXTURES = path.join(__dirname, "..", "fixtures", "images");
export const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A valid PNG header (IHDR with a correct CRC) declaring width x height RGB, with a tiny IDAT. */
export function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(Buffer.alloc(1024))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A 2x2 24-bit BMP written from the format's spec (sharp cannot write BMP). */
export function tinyBmp(): Buffer {
  const rowBytes = 8; // 2 px * 3 bytes, padded to 4
  const pixels = Buffer.alloc(rowBytes * 2, 0x80);
  const header = Buffer.alloc(54);
  header.write("BM", 0, "latin1");
  header.writeUInt32LE(54 + pixels.length, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14); // BITMAPINFOHEADER
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(pixels.length, 34);
  return Buffer.concat([header, pixels]);
}

const asRgbPng = (bytes: Buffer) => sharp(bytes).toColourspace("srgb").removeAlpha().png().toBuffer();

/** astronaut.png and camera.png side by side on a 1024x512 canvas: two real faces in one image. */
export async function twoFaces(): Promise<Buffer> {
  const [left, right] = await Promise.all([asRgbPng(fixture("astronaut.png")), asRgbPng(fixture("camera.png"))]);
  return sharp({ create: { width: 1024, height: 512, channels: 3, background: "#ffffff" } })
    .composite([
      { input: left, left: 0, top: 0 },
      { input: right, left: 512, top: 0 },
    ])
    .png()
    .toBuffer();
}

/** coffee.png (600x400) upscaled to 768 px on the short side, so no LOW_RESOLUTION warning applies. */
export const upscaledCoffee = () => sharp(fixture("coffee.png")).resize({ height: 768 }).png().toBuffer();

/** A textured photo strip of width x height (8000x100 is the 80:1 strip that once shipped as a hairline; 12000x150 is its shape above the size floors). */
export function photoStrip(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      pixels[i] = (x * 7) % 256;
      pixels[i + 1] = (y * 13 + x) % 256;
      pixels[i + 2] = ((x ^ y) * 5) % 256;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The demo's sample ad request (scripts/demo.ts defaults): 4 scenes, its brief, the 9:16 frame. */
export const SAMPLE_AD_INPUT = {
  image: "uploads/demo-user/coffee-product.jpg",
  productName: "Morning Ritual Coffee",
  brandName: "Fairbean",
  brief:
    "Single-origin beans roasted in small batches. Rich crema and a smooth, chocolatey finish. The cup that makes early mornings worth it.",
  scenes: 4,
  aspectRatio: "9:16" as const,
};
