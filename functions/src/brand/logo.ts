/**
 * The brand kit's logo, checked like a product upload (size, type by its bytes, declared pixels, a full
 * decode) and for what a logo needs on top: a transparent background, so it sits on the video.
 */
import sharp from "sharp";
import { LOGO_LIMITS } from "../contract/brand";
import { sniffFormat } from "../preflight/imageFile";
import { logoWords } from "./messages";

export const LOGO_FORMATS = ["png", "webp"] as const;
export type LogoFormat = (typeof LOGO_FORMATS)[number];

export type LogoVerdict =
  | { ok: true; format: LogoFormat; width: number; height: number }
  | {
      ok: false;
      code: "empty" | "too_large" | "format" | "unreadable" | "pixels" | "too_small" | "opaque";
      message: string;
    };

const DECODE_TIMEOUT_SECONDS = 20;

export async function checkLogo(bytes: Buffer): Promise<LogoVerdict> {
  if (bytes.length === 0) return { ok: false, code: "empty", message: logoWords.empty };
  if (bytes.length > LOGO_LIMITS.maxBytes)
    return { ok: false, code: "too_large", message: logoWords.tooLarge(bytes.length) };
  const sniffed = sniffFormat(bytes);
  const format = LOGO_FORMATS.find((f) => f === sniffed);
  if (!format) return { ok: false, code: "format", message: logoWords.wrongFormat };
  let width: number;
  let height: number;
  try {
    const header = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (header.format !== format) return { ok: false, code: "unreadable", message: logoWords.unreadable };
    ({ width, height } = header);
  } catch {
    return { ok: false, code: "unreadable", message: logoWords.unreadable };
  }
  if (width * height > LOGO_LIMITS.maxPixels)
    return { ok: false, code: "pixels", message: logoWords.tooManyPixels(width * height) };
  if (Math.min(width, height) < LOGO_LIMITS.minSide)
    return { ok: false, code: "too_small", message: logoWords.tooSmall(width, height) };
  // Every pixel decoded (a truncated file fails here); an alpha channel that is opaque everywhere is no transparency.
  let opaque: boolean;
  try {
    const decoded = sharp(bytes, { limitInputPixels: LOGO_LIMITS.maxPixels, failOn: "warning", pages: 1 }).timeout({
      seconds: DECODE_TIMEOUT_SECONDS,
    });
    const meta = await decoded.metadata();
    opaque = !meta.hasAlpha || (await decoded.stats()).isOpaque;
  } catch {
    return { ok: false, code: "unreadable", message: logoWords.unreadable };
  }
  if (opaque) return { ok: false, code: "opaque", message: logoWords.opaque };
  return { ok: true, format, width, height };
}
