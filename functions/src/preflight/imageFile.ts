import sharp, { type Metadata, type OutputInfo, type Sharp } from "sharp";
import { PipelineFailure } from "../contract/failure";
import { DEFAULT_IMAGE_FLOOR } from "../pipelineSettings";
import { MAX_IMAGE_PIXELS, MAX_UPLOAD_BYTES } from "../contract/uploadRules";
import { imageTooSmallMessage, REFUSAL_MESSAGES, type RefusalCode } from "./messages";

export interface ImageLimits {
  maxBytes: number;
  /** Declared width x height above this is refused before any pixel is decoded. */
  maxPixels: number;
  /** Shortest side below this is refused outright (a warning threshold lives in preflightImageCheck). */
  minSide?: number;
  /** Width x height below this is refused outright. */
  minPixels?: number;
}

/** The floors are config/pipeline's (imageFloor, with their reasoning); these are its defaults. */
export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxBytes: MAX_UPLOAD_BYTES,
  maxPixels: MAX_IMAGE_PIXELS,
  minSide: DEFAULT_IMAGE_FLOOR.minSide,
  minPixels: DEFAULT_IMAGE_FLOOR.minPixels,
};

export const SUPPORTED_FORMATS = ["jpeg", "png", "webp"] as const;
export type SupportedFormat = (typeof SUPPORTED_FORMATS)[number];

/** The working copy is capped so every later step (analysis, detectors) costs the same for any upload. */
export const WORKING_MAX_SIDE = 1024;
const DECODE_TIMEOUT_SECONDS = 20;

/** 8-bit sRGB pixels, 3 channels, row-major. */
export interface RgbRaster {
  data: Buffer;
  width: number;
  height: number;
}

/** 8-bit luminance, 1 channel, row-major. */
export interface GreyRaster {
  data: Buffer;
  width: number;
  height: number;
}

export interface DecodedImage {
  /** Full-resolution size after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  readonly format: SupportedFormat;
  readonly byteLength: number;
  /** Oriented, alpha flattened onto white, long side at most WORKING_MAX_SIDE. */
  readonly raster: RgbRaster;
  /** The working raster scaled to fit inside maxSide (never enlarged). */
  rgb(maxSide: number): Promise<RgbRaster>;
  grey(maxSide: number): Promise<GreyRaster>;
  /** The working raster as a baseline JPEG, for detectors that take encoded images. */
  jpeg(): Promise<Buffer>;
}

type SniffedFormat = SupportedFormat | "gif" | "bmp" | "tiff" | "heif" | "avif" | "svg" | "psd" | "jpeg2000" | "jpegxl";

const startsWith = (bytes: Buffer, signature: number[] | string, at = 0): boolean => {
  const sig = typeof signature === "string" ? Buffer.from(signature, "latin1") : Buffer.from(signature);
  return bytes.length >= at + sig.length && bytes.subarray(at, at + sig.length).equals(sig);
};

/**
 * Identifies the container from its magic bytes, so only JPEG/PNG/WebP ever reach a decoder
 * (libvips would happily render SVG or TIFF) and "not an image" is told apart from "wrong format".
 */
export function sniffFormat(bytes: Buffer): SniffedFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (startsWith(bytes, "RIFF") && startsWith(bytes, "WEBP", 8)) return "webp";
  if (startsWith(bytes, "GIF87a") || startsWith(bytes, "GIF89a")) return "gif";
  // "BM" alone matches ordinary text; also require a known DIB header size.
  if (startsWith(bytes, "BM") && bytes.length >= 18 && [12, 40, 52, 56, 64, 108, 124].includes(bytes.readUInt32LE(14)))
    return "bmp";
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return "tiff";
  if (startsWith(bytes, "ftyp", 4)) {
    const brand = bytes.subarray(8, 12).toString("latin1");
    if (brand.startsWith("avi")) return "avif";
    if (["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"].includes(brand)) return "heif";
  }
  if (startsWith(bytes, "8BPS")) return "psd";
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])) return "jpeg2000";
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20]))
    return "jpegxl";
  const head = bytes
    .subarray(0, 512)
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) return "svg";
  return undefined;
}

export function refusal(code: RefusalCode, detail: string, message = REFUSAL_MESSAGES[code]): PipelineFailure {
  return new PipelineFailure({
    stage: "preflight",
    reason: `${code}: ${detail}`,
    // Refusals happen before the charge: say so, the user's first worry is the money.
    userMessage: `${message} Nothing was charged.`,
    requiresRefund: false,
  });
}

const isSupported = (format: string | undefined): format is SupportedFormat =>
  (SUPPORTED_FORMATS as readonly string[]).includes(format ?? "");

function decodeError(error: unknown): PipelineFailure {
  const detail = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(detail)) return refusal("DECOMPRESSION_BOMB", detail);
  return refusal("CORRUPT_IMAGE", detail);
}

/** EXIF orientations 5-8 turn the stored image by 90 degrees. */
const swapsSides = (orientation: number | undefined) => orientation !== undefined && orientation >= 5;

/**
 * Validates an upload and decodes it once into an oriented working raster.
 * Hostile input (empty, huge, truncated, disguised, decompression bombs) is refused with a
 * PipelineFailure that moves no credits; the header is checked before any pixel is decoded.
 */
export async function decodeUpload(bytes: Buffer, limitsOverride: Partial<ImageLimits> = {}): Promise<DecodedImage> {
  const limits: ImageLimits = { ...DEFAULT_IMAGE_LIMITS, ...limitsOverride };
  if (bytes.length === 0) throw refusal("EMPTY_FILE", "0 bytes");
  if (bytes.length > limits.maxBytes) {
    throw refusal("FILE_TOO_LARGE", `${bytes.length} bytes, limit ${limits.maxBytes}`);
  }
  const sniffed = sniffFormat(bytes);
  if (sniffed === undefined) throw refusal("NOT_AN_IMAGE", "no known image signature");
  if (!isSupported(sniffed))
    throw refusal("UNSUPPORTED_FORMAT", `${sniffed} (accepted: ${SUPPORTED_FORMATS.join(", ")})`);

  // Header only: the pixel limit is ours to judge here, so sharp's own cap is lifted for this call.
  let header: Metadata;
  try {
    header = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeError(error);
  }
  if (header.format !== sniffed)
    throw refusal("CORRUPT_IMAGE", `signature says ${sniffed}, decoder says ${header.format}`);
  const declaredPixels = header.width * header.height;
  if (declaredPixels > limits.maxPixels) {
    throw refusal(
      "DECOMPRESSION_BOMB",
      `declared ${header.width}x${header.height} = ${declaredPixels} pixels, limit ${limits.maxPixels}`,
    );
  }
  const [width, height] = swapsSides(header.orientation)
    ? [header.height, header.width]
    : [header.width, header.height];
  const floors = [
    limits.minSide !== undefined && Math.min(width, height) < limits.minSide && `shortest side under ${limits.minSide}`,
    limits.minPixels !== undefined && width * height < limits.minPixels && `fewer than ${limits.minPixels} pixels`,
  ].filter((missed): missed is string => typeof missed === "string");
  if (floors.length > 0) {
    const floor = { minSide: limits.minSide, minPixels: limits.minPixels };
    throw refusal(
      "IMAGE_TOO_SMALL",
      `${width}x${height}: ${floors.join(", ")}`,
      imageTooSmallMessage({ width, height }, floor),
    );
  }

  // Decoding every pixel (even while downscaling) is what exposes truncated or corrupt data.
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: "warning", pages: 1 })
      .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
      .rotate()
      .resize({ width: WORKING_MAX_SIDE, height: WORKING_MAX_SIDE, fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw decodeError(error);
  }
  if (decoded.info.channels !== 3) {
    throw refusal("CORRUPT_IMAGE", `decoded to ${decoded.info.channels} channels, expected 3`);
  }
  const raster = { data: decoded.data, width: decoded.info.width, height: decoded.info.height };
  return new WorkingImage(width, height, sniffed, bytes.length, raster);
}

class WorkingImage implements DecodedImage {
  constructor(
    readonly width: number,
    readonly height: number,
    readonly format: SupportedFormat,
    readonly byteLength: number,
    readonly raster: RgbRaster,
  ) {}

  private pipeline(maxSide: number): Sharp {
    const { data, width, height } = this.raster;
    return sharp(data, { raw: { width, height, channels: 3 } }).resize({
      width: maxSide,
      height: maxSide,
      fit: "inside",
      withoutEnlargement: true,
    });
  }

  async rgb(maxSide: number): Promise<RgbRaster> {
    const { data, info } = await this.pipeline(maxSide).raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  }

  async grey(maxSide: number): Promise<GreyRaster> {
    const { data, info } = await this.pipeline(maxSide)
      .toColourspace("b-w")
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  }

  jpeg(): Promise<Buffer> {
    return this.pipeline(WORKING_MAX_SIDE).jpeg({ quality: 90 }).toBuffer();
  }
}
