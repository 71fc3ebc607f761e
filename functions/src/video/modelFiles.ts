/** The files a video model takes and gives: the scene's first frame in, the generated clip out. */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { sniffFormat } from "../preflight/imageFile";
import type { VideoFailure, VideoPoll } from "../contract/providers";
import { classifyApiError } from "./classify";

/** The product image as a video model takes it: bytes and the media type read from its signature. */
export async function readSceneImage(file: string): Promise<{ bytes: Buffer; mimeType: string } | VideoFailure> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return {
      kind: "error",
      errorClass: "invalid_output",
      detail: `cannot read the scene image: ${(error as Error).message}`,
    };
  }
  const format = sniffFormat(bytes);
  if (format !== "jpeg" && format !== "png" && format !== "webp") {
    return { kind: "error", errorClass: "invalid_output", detail: "scene image is not JPEG, PNG or WebP" };
  }
  return { bytes, mimeType: `image/${format}` };
}

/** How a finished generation hands over its clip: inline bytes, or a download the SDK can make. */
export interface DeliveredClip {
  base64?: string;
  /** Downloads the clip to the given path; absent when the clip's URI is not one we can fetch. */
  download?: (toFile: string) => Promise<void>;
  /** For the message when there is neither. */
  uri?: string;
}

/**
 * Writes a video model's clip to `outFile` through a temporary name (whether it plays is checked by
 * normalisation). A failed download leaves the generation finished and its clip kept by the
 * provider, so it is `pending`: the next poll fetches it again.
 */
export async function saveDeliveredClip(clip: DeliveredClip, outFile: string): Promise<VideoPoll> {
  const partial = `${outFile}.part`;
  try {
    await mkdir(dirname(outFile), { recursive: true });
    if (clip.base64) {
      await writeFile(partial, Buffer.from(clip.base64, "base64"));
    } else if (clip.download) {
      await clip.download(partial);
    } else {
      return {
        kind: "error",
        errorClass: "invalid_output",
        detail: `cannot download the generated video from ${clip.uri}`,
      };
    }
  } catch (error) {
    await rm(partial, { force: true });
    const detail = classifyApiError(error)?.verdict.detail ?? (error as Error).message;
    return { kind: "pending", detail: `download failed: ${detail}` };
  }
  await rename(partial, outFile);
  return { kind: "video", file: outFile };
}
