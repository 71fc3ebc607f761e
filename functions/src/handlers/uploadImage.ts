/**
 * Image uploads for the web page under the emulators, where no Storage emulator runs offline:
 * the bytes land in the local folder that stands in for the default bucket. In production the
 * page uploads with the Firebase Storage SDK instead, and this endpoint refuses every request.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { getAuth } from "firebase-admin/auth";
import { logger } from "firebase-functions";
import { onRequest } from "firebase-functions/v2/https";
import { initAdmin } from "../adminApp";
import { runtimeConfig } from "../config";
import { LocalFolderStore } from "../storage/objectStore";
import { BearerTokenSchema, judgeUpload, UploadQuerySchema } from "../uploads/uploadPolicy";

/** The page is served from this machine under the emulators. */
const LOOPBACK_ORIGIN = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

/** The default app, initialised exactly as the pipeline's triggers initialise it. */
function adminAuth() {
  initAdmin(runtimeConfig());
  return getAuth();
}

/** Writes through LocalFolderStore, which confines the path to the bucket folder. */
async function storeLocally(bucketDir: string, objectPath: string, bytes: Buffer): Promise<void> {
  const staging = await mkdtemp(path.join(os.tmpdir(), "fairshot-upload-"));
  try {
    const file = path.join(staging, "upload");
    await writeFile(file, bytes);
    await new LocalFolderStore(bucketDir).upload(file, objectPath);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export const uploadImage = onRequest({ cors: [LOOPBACK_ORIGIN], memory: "512MiB" }, async (req, res) => {
  const config = runtimeConfig();
  if (!config.isEmulator || !config.localBucketDir) {
    logger.error("uploadImage called outside the emulators; refused");
    res.status(403).json({ error: "This upload endpoint exists only under the local emulators." });
    return;
  }
  if (req.method !== "POST") {
    res.status(405).set("Allow", "POST").json({ error: "Use POST with the image bytes as the body." });
    return;
  }
  const token = BearerTokenSchema.safeParse(req.get("authorization") ?? "");
  if (!token.success) {
    res.status(401).json({ error: "Sign in first: send 'Authorization: Bearer <Firebase ID token>'." });
    return;
  }
  let uid: string;
  try {
    uid = (await adminAuth().verifyIdToken(token.data)).uid;
  } catch (error) {
    logger.warn("upload with an invalid ID token", { error: String(error) });
    res.status(401).json({ error: "Your sign-in is not valid; sign in again." });
    return;
  }
  const query = UploadQuerySchema.safeParse(req.query);
  if (!query.success) {
    res.status(400).json({ error: "Send the file name as ?name=<file name>." });
    return;
  }
  const bytes = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0);
  const verdict = judgeUpload(
    uid,
    query.data.name,
    bytes,
    `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`,
  );
  if (!verdict.ok) {
    res.status(verdict.status).json({ error: verdict.error });
    return;
  }
  await storeLocally(config.localBucketDir, verdict.objectPath, bytes);
  logger.info("upload stored", { uid, objectPath: verdict.objectPath, bytes: bytes.length });
  res.status(201).json({ path: verdict.objectPath, bytes: bytes.length, format: verdict.format });
});
