/** Upload rules shared with the web page (so free of Node-only imports): its production uploads follow them too. */

/** The preflight's own cap (DEFAULT_IMAGE_LIMITS.maxBytes), so an accepted upload is never refused for its size later. */
export const MAX_UPLOAD_BYTES = 15 * 1024 * 1024;

/** The preflight's pixel cap (DEFAULT_IMAGE_LIMITS.maxPixels): larger images are refused before decoding. */
export const MAX_IMAGE_PIXELS = 40_000_000;

export type UploadFormat = "jpeg" | "png" | "webp";

const EXTENSIONS: Record<UploadFormat, string> = { jpeg: ".jpg", png: ".png", webp: ".webp" };

/**
 * A name the run contract accepts (`[A-Za-z0-9._ -]{1,200}`), with the extension of what the
 * bytes really are, and a unique prefix so a second upload of "photo.jpg" never replaces the
 * image a running run is reading.
 */
export function safeObjectName(original: string, format: UploadFormat, unique: string): string {
  const stem = original
    .replace(/\.[A-Za-z0-9]{1,5}$/, "")
    .replace(/[^A-Za-z0-9._ -]/g, "_")
    .replace(/^[. ]+/, "")
    .slice(0, 120);
  return `${unique}-${stem || "image"}${EXTENSIONS[format]}`;
}
