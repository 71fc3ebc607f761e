import { z } from "zod";
import { sniffFormat, SUPPORTED_FORMATS, type SupportedFormat } from "../preflight/imageFile";
import { MAX_UPLOAD_BYTES, safeObjectName } from "../contract/uploadRules";

/** `?name=` as the page sends it: the file's own name, cleaned up below. */
export const UploadQuerySchema = z.object({ name: z.string().trim().min(1).max(300) }).strict();

export const BearerTokenSchema = z
  .string()
  .regex(/^Bearer [A-Za-z0-9._-]+$/, "expected 'Authorization: Bearer <Firebase ID token>'")
  .transform((header) => header.slice("Bearer ".length));

export type UploadVerdict =
  { ok: true; objectPath: string; format: SupportedFormat } | { ok: false; status: 400 | 413 | 415; error: string };

/** Decides an upload from its bytes alone: size first, then type by magic bytes (never by the declared type). */
export function judgeUpload(uid: string, originalName: string, bytes: Buffer, unique: string): UploadVerdict {
  if (bytes.length === 0) return { ok: false, status: 400, error: "The file is empty." };
  if (bytes.length > MAX_UPLOAD_BYTES) {
    return {
      ok: false,
      status: 413,
      error: `The file is ${bytes.length} bytes; the limit is ${MAX_UPLOAD_BYTES} (15 MiB).`,
    };
  }
  const sniffed = sniffFormat(bytes);
  const format = SUPPORTED_FORMATS.find((f) => f === sniffed);
  if (!format) {
    return {
      ok: false,
      status: 415,
      error: `${sniffed ? `${sniffed.toUpperCase()} images are` : "This file is"} not accepted: upload a JPEG, PNG or WebP image.`,
    };
  }
  return { ok: true, format, objectPath: `uploads/${uid}/${safeObjectName(originalName, format, unique)}` };
}
