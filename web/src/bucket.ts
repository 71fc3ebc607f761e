/**
 * The page's two ways to the default bucket, picked by configuration: the Firebase Storage SDK
 * in production, and under the emulators (no Storage emulator offline) the emulator-only upload
 * function plus the local bucket served by scripts/web.ts. Both give the same `input.image` path.
 */
import type { FirebaseApp } from "firebase/app";
import type { User } from "firebase/auth";
import { logoObjectPath, safeObjectName, type UploadFormat } from "../../functions/src/contract/uploadRules";
import type { PageConfig } from "./config";

export interface Bucket {
  /** Uploads the image as the user's; resolves to its object path, `uploads/{uid}/{name}`. */
  upload(user: User, file: File): Promise<string>;
  /** Uploads the brand kit's logo (already checked by logic/brandKit.ts); resolves to `brand/{uid}/logo-….png|webp`. */
  uploadLogo(user: User, file: File): Promise<string>;
  /** A URL the page can show: the video, a still scene's clip, a storyboard's start frame, the saved logo. */
  mediaUrl(objectPath: string): Promise<string>;
  /** The object's bytes, for a download that keeps its file name (a cross-origin URL would not). */
  download(objectPath: string): Promise<Blob>;
}

const FORMATS_BY_MIME: Record<string, UploadFormat> = {
  "image/jpeg": "jpeg",
  "image/png": "png",
  "image/webp": "webp",
};

/** The form has already checked type, size and pixels (logic/form.ts); the server checks again. */
function formatOf(file: File): UploadFormat {
  const format = FORMATS_BY_MIME[file.type];
  if (!format) throw new Error("Choose a JPEG, PNG or WebP image.");
  return format;
}

class EmulatorBucket implements Bucket {
  constructor(private readonly emulators: NonNullable<PageConfig["emulators"]>) {}

  async upload(user: User, file: File): Promise<string> {
    formatOf(file);
    return this.send(user, file, "product");
  }

  /** The emulator endpoint checks a logo as a run will (transparency too) and refuses it in words. */
  async uploadLogo(user: User, file: File): Promise<string> {
    return this.send(user, file, "logo");
  }

  private async send(user: User, file: File, purpose: "product" | "logo"): Promise<string> {
    const query = `name=${encodeURIComponent(file.name)}&purpose=${purpose}`;
    const response = await fetch(`${this.emulators.uploadUrl}?${query}`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${await user.getIdToken()}`,
        "Content-Type": "application/octet-stream",
      },
      body: file,
    });
    const body = (await response.json().catch(() => ({}))) as {
      path?: string;
      error?: string;
    };
    if (!response.ok || !body.path) throw new Error(body.error ?? `Upload failed (HTTP ${response.status}).`);
    return body.path;
  }

  async mediaUrl(objectPath: string): Promise<string> {
    return `${this.emulators.bucketUrl}/${objectPath.split("/").map(encodeURIComponent).join("/")}`;
  }

  async download(objectPath: string): Promise<Blob> {
    const response = await fetch(await this.mediaUrl(objectPath));
    if (!response.ok) throw new Error(`The video could not be downloaded (HTTP ${response.status}).`);
    return response.blob();
  }
}

class StorageBucket implements Bucket {
  constructor(private readonly app: FirebaseApp) {}

  async upload(user: User, file: File): Promise<string> {
    const format = formatOf(file);
    const { getStorage, ref, uploadBytes } = await import("firebase/storage");
    const objectPath = `uploads/${user.uid}/${safeObjectName(file.name, format, Date.now().toString(36))}`;
    await uploadBytes(ref(getStorage(this.app), objectPath), file, {
      contentType: file.type,
    });
    return objectPath;
  }

  async uploadLogo(user: User, file: File): Promise<string> {
    const format = formatOf(file);
    if (format === "jpeg") throw new Error("Choose a PNG or WebP image.");
    const { getStorage, ref, uploadBytes } = await import("firebase/storage");
    const objectPath = logoObjectPath(user.uid, format, Date.now().toString(36));
    await uploadBytes(ref(getStorage(this.app), objectPath), file, { contentType: file.type });
    return objectPath;
  }

  async mediaUrl(objectPath: string): Promise<string> {
    const { getDownloadURL, getStorage, ref } = await import("firebase/storage");
    return getDownloadURL(ref(getStorage(this.app), objectPath));
  }

  /** Needs the bucket's CORS configuration to allow the page's origin (as any getBlob does). */
  async download(objectPath: string): Promise<Blob> {
    const { getBlob, getStorage, ref } = await import("firebase/storage");
    return getBlob(ref(getStorage(this.app), objectPath));
  }
}

export function bucketFor(config: PageConfig, app: FirebaseApp): Bucket {
  return config.emulators ? new EmulatorBucket(config.emulators) : new StorageBucket(app);
}
