import { mkdir, rm } from "node:fs/promises";
import path from "node:path";

/** A scratch folder per run and purpose on the instance's local disk, removed after use. */
export async function withWorkspace<T>(root: string, name: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = path.join(root, `${name}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(dir, { recursive: true });
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function extensionOf(objectPath: string): string {
  return path.extname(objectPath).toLowerCase() || ".bin";
}
