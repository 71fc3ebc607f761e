import { createReadStream } from "node:fs";
import { copyFile, mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { getStorage } from "firebase-admin/storage";

type Bucket = ReturnType<ReturnType<typeof getStorage>["bucket"]>;

/** The default bucket as the pipeline sees it: object paths in, bytes and local files out. */
export interface ObjectStore {
  /** Size in bytes, or null when the object does not exist. */
  size(objectPath: string): Promise<number | null>;
  read(objectPath: string): Promise<Buffer>;
  download(objectPath: string, localFile: string): Promise<void>;
  upload(localFile: string, objectPath: string, contentType: string): Promise<void>;
}

/** A folder standing in for the bucket under the emulators (no Storage emulator runs offline). */
export class LocalFolderStore implements ObjectStore {
  constructor(private readonly root: string) {}

  private file(objectPath: string): string {
    const resolved = path.resolve(this.root, objectPath);
    if (!resolved.startsWith(path.resolve(this.root) + path.sep)) {
      throw new Error(`object path escapes the bucket: ${objectPath}`);
    }
    return resolved;
  }

  async size(objectPath: string): Promise<number | null> {
    try {
      const info = await stat(this.file(objectPath));
      return info.isFile() ? info.size : null;
    } catch {
      return null;
    }
  }

  read(objectPath: string): Promise<Buffer> {
    return readFile(this.file(objectPath));
  }

  async download(objectPath: string, localFile: string): Promise<void> {
    await copyFile(this.file(objectPath), localFile);
  }

  async upload(localFile: string, objectPath: string): Promise<void> {
    const target = this.file(objectPath);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(localFile, target);
  }
}

/** The default Cloud Storage bucket in production. */
export class CloudStorageStore implements ObjectStore {
  constructor(private readonly bucket: Bucket) {}

  async size(objectPath: string): Promise<number | null> {
    const file = this.bucket.file(objectPath);
    const [exists] = await file.exists();
    if (!exists) return null;
    const [metadata] = await file.getMetadata();
    return Number(metadata.size ?? 0);
  }

  async read(objectPath: string): Promise<Buffer> {
    const [bytes] = await this.bucket.file(objectPath).download();
    return bytes;
  }

  async download(objectPath: string, localFile: string): Promise<void> {
    await this.bucket.file(objectPath).download({ destination: localFile });
  }

  async upload(localFile: string, objectPath: string, contentType: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      createReadStream(localFile)
        .pipe(this.bucket.file(objectPath).createWriteStream({ contentType, resumable: false }))
        .on("finish", resolve)
        .on("error", reject);
    });
  }
}
