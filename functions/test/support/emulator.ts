/**
 * Test access to the real emulators started by scripts/with-emulators.mjs.
 * Two Firestore projects share the one emulator: "demo-fairshot", where the Functions
 * emulator's triggers fire (end-to-end tests), and per-suite projects with no triggers,
 * where tests call handlers directly (to deliver the same event twice, say).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { getApps, initializeApp, type App } from "firebase-admin/app";
import { getFirestore, Timestamp, type DocumentData, type Firestore } from "firebase-admin/firestore";
import { grantCredits } from "../../src/ledger/credits";
import { PIPELINE_SETTINGS_PATH, PipelineSettingsSchema, type PipelineSettings } from "../../src/pipelineSettings";
import { paths } from "../../src/contract/paths";
import type { RunDocument } from "../../src/contract/runDocument";
import { retryLockTimeouts } from "./lockRetry";

export const TRIGGER_PROJECT = "demo-fairshot";

if (!process.env.FIRESTORE_EMULATOR_HOST) {
  throw new Error(
    "This test needs the Firestore emulator: name its file *.emulator.test.ts (the emulator tier, `npm run test:emulator`).",
  );
}

export const LOCAL_BUCKET =
  process.env.FAIRSHOT_LOCAL_BUCKET ?? path.resolve(__dirname, "..", "..", "..", ".local-bucket");

export function firestoreFor(projectId: string): Firestore {
  const app: App = getApps().find((a) => a.name === projectId) ?? initializeApp({ projectId }, projectId);
  return getFirestore(app);
}

export async function clearProject(projectId: string): Promise<void> {
  const res = await fetch(
    `http://${process.env.FIRESTORE_EMULATOR_HOST}/emulator/v1/projects/${projectId}/databases/(default)/documents`,
    { method: "DELETE" },
  );
  if (!res.ok) throw new Error(`could not clear ${projectId}: ${res.status}`);
}

/** Fast settings for tests; everything else as seeded in production. */
export async function writeSettings(
  db: Firestore,
  overrides: Partial<PipelineSettings> = {},
): Promise<PipelineSettings> {
  const settings = PipelineSettingsSchema.parse({
    // These suites test what follows the charge; the storyboard before it has its own (approval: "required").
    approval: "off",
    sceneSeconds: 2,
    videoPollSeconds: 1,
    videoQuotaWaitSeconds: 1,
    videoQuotaWaitMaxSeconds: 1,
    ...overrides,
  });
  await db.doc(PIPELINE_SETTINGS_PATH).set(settings);
  return settings;
}

let userCounter = 0;
/** A fresh user with `credits` granted through the ledger (so the audit balances). */
export async function newUser(db: Firestore, credits = 100): Promise<string> {
  const uid = `u${Date.now().toString(36)}${(userCounter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await grantCredits(db, uid, `test-${uid}`, credits, "test grant");
  return uid;
}

/** Puts bytes into the local bucket as the user's upload; returns the object path. */
export async function upload(uid: string, name: string, bytes: Buffer): Promise<string> {
  const objectPath = `uploads/${uid}/${name}`;
  await mkdir(path.join(LOCAL_BUCKET, "uploads", uid), { recursive: true });
  await writeFile(path.join(LOCAL_BUCKET, objectPath), bytes);
  return objectPath;
}

export interface NewRun {
  uid: string;
  image: string;
  scenes?: number;
  faults?: Record<string, string>;
  input?: Record<string, unknown>;
}

export async function createRun(db: Firestore, run: NewRun): Promise<string> {
  const ref = db.collection("runs").doc();
  await ref.set({
    uid: run.uid,
    status: "queued",
    input: run.input ?? {
      image: run.image,
      productName: "Morning Ritual Coffee",
      brandName: "Fairbean",
      brief: "Single-origin beans roasted in small batches. Rich crema and a smooth finish.",
      scenes: run.scenes ?? 2,
      aspectRatio: "9:16",
    },
    ...(run.faults && { test: { faults: run.faults } }),
    createdAt: Timestamp.now(),
  });
  return ref.id;
}

/** A fresh user with credits, the image uploaded as theirs, and a run created on it. */
export async function startRun(
  db: Firestore,
  image: Buffer,
  options: { scenes?: number; faults?: Record<string, string>; credits?: number } = {},
): Promise<{ uid: string; runId: string }> {
  const uid = await newUser(db, options.credits ?? 100);
  const objectPath = await upload(uid, "product.png", image);
  return {
    uid,
    runId: await createRun(db, { uid, image: objectPath, scenes: options.scenes, faults: options.faults }),
  };
}

/** Resolves with the run once `done(run)` holds; rejects with the last state on timeout. */
/**
 * Writes the user's answer (confirmation or decision) as a client app does. While a function's
 * transaction holds the run document, the emulator may refuse a plain write with "Transaction
 * lock timeout" (gRPC UNKNOWN); the web SDK retries such a write, the Admin SDK does not.
 */
export async function answerRun(db: Firestore, runId: string, answer: Pick<RunDocument, "confirmation" | "decision">) {
  await retryLockTimeouts(() => db.doc(paths.run(runId)).update(answer));
}

export function waitForRun(
  db: Firestore,
  runId: string,
  done: (run: RunDocument) => boolean,
  timeoutMs = 90_000,
): Promise<RunDocument> {
  return new Promise((resolve, reject) => {
    let last: RunDocument | undefined;
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`run ${runId} did not settle in ${timeoutMs} ms; last state: ${JSON.stringify(last)}`));
    }, timeoutMs);
    const stop = db.doc(paths.run(runId)).onSnapshot((snap) => {
      last = snap.data() as RunDocument | undefined;
      if (last && done(last)) {
        clearTimeout(timer);
        stop();
        resolve(last);
      }
    }, reject);
  });
}

/** Resolves with a document's data once it exists (written by a trigger after the run settled). */
export function waitForDoc(db: Firestore, docPath: string, timeoutMs = 30_000): Promise<DocumentData> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${docPath} was not written within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = db.doc(docPath).onSnapshot((snap) => {
      if (!snap.exists) return;
      clearTimeout(timer);
      stop();
      resolve(snap.data()!);
    }, reject);
  });
}

/** A run is settled when it ended and, if it failed after a charge, its refund has landed. */
export function settled(run: RunDocument): boolean {
  if (run.status === "succeeded") return true;
  if (run.status !== "failed") return false;
  return !run.credits?.charged || run.failure?.refunded === true;
}

export async function balanceOf(db: Firestore, uid: string): Promise<number> {
  return Number((await db.doc(paths.user(uid)).get()).get("credits"));
}

export async function movementsOf(db: Firestore, uid: string, runId: string) {
  const snap = await db.collection(paths.ledger(uid)).where("runId", "==", runId).get();
  return snap.docs.map((d) => ({ id: d.id, kind: d.get("kind") as string, amount: d.get("amount") as number }));
}
