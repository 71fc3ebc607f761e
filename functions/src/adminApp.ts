/**
 * The Firebase Admin SDK's default app, initialised once per instance. Below the composition root so
 * that handlers which need only the database (or Auth) reach it without building the pipeline.
 */
import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { runtimeConfig, type RuntimeConfig } from "./config";

export function initAdmin(config: RuntimeConfig) {
  // firebase-functions creates a named app of its own to decode events: look for the default one.
  if (getApps().some((app) => app.name === "[DEFAULT]")) return;
  // Under the emulators, a service account id keeps taskQueue().enqueue() from probing the
  // metadata server, which does not exist off Google Cloud.
  initializeApp(
    config.isEmulator ? { serviceAccountId: `fairshot-tasks@${config.projectId}.iam.gserviceaccount.com` } : undefined,
  );
}

/** The database alone, for functions that move no media and call no model (so hold no model secrets). */
export function database(): Firestore {
  initAdmin(runtimeConfig());
  return getFirestore();
}
