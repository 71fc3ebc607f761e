// Prepares the environment in which firebase-tools runs the emulators offline.
// firebase-tools normally downloads the Firestore emulator; where that is impossible we
// hand it a local copy of Google's jar through a tiny wrapper jar (Google's jar has no
// Main-Class, and firebase-tools runs `java -jar <path>`).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const PROJECT_ID = "demo-fairshot";
const SYSTEM_JAR = "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar";
const MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";

function fail(message) {
  console.error(`\nfairshot setup: ${message}\n`);
  process.exit(1);
}

function findFirestoreJar() {
  const fromEnv = process.env.FIRESTORE_EMULATOR_JAR;
  if (fromEnv) {
    if (!existsSync(fromEnv)) fail(`FIRESTORE_EMULATOR_JAR points at ${fromEnv}, which does not exist.`);
    return fromEnv;
  }
  return existsSync(SYSTEM_JAR) ? SYSTEM_JAR : null;
}

function checkJava() {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
  } catch {
    fail(
      "Java is required by the Firestore emulator (Java 17 works; firebase-tools 14 needs >= 11). Install it, e.g. `apt-get install openjdk-17-jre-headless`.",
    );
  }
}

function wrapperJar(firestoreJar) {
  const dir = path.join(ROOT, ".emulators");
  mkdirSync(dir, { recursive: true });
  const jar = path.join(dir, "firestore-emulator-launcher.jar");
  const manifest = path.join(dir, "launcher-manifest.txt");
  const wanted = `Main-Class: ${MAIN_CLASS}\nClass-Path: ${firestoreJar}\n`;
  writeFileSync(manifest, wanted);
  try {
    execFileSync("jar", ["--create", "--file", jar, "--manifest", manifest], {
      stdio: "pipe",
    });
  } catch (error) {
    fail(
      `could not build the Firestore launcher jar with the JDK's \`jar\` tool: ${error.message}. Install a JDK (e.g. openjdk-17-jdk-headless).`,
    );
  }
  return jar;
}

/** Environment variables for firebase-tools and the functions it runs. */
export function emulatorEnv() {
  checkJava();
  const env = {
    FIREBASE_EMULATORS_PATH: path.join(ROOT, ".emulators", "cache"),
    FAIRSHOT_LOCAL_BUCKET: process.env.FAIRSHOT_LOCAL_BUCKET ?? path.join(ROOT, ".local-bucket"),
    // firebase-tools gives the functions 10 s to load and then serves none of them (no trigger
    // fires): on a loaded 2-core machine loading them takes longer.
    FUNCTIONS_DISCOVERY_TIMEOUT: process.env.FUNCTIONS_DISCOVERY_TIMEOUT ?? "60",
  };
  mkdirSync(env.FIREBASE_EMULATORS_PATH, { recursive: true });
  const firestoreJar = findFirestoreJar();
  if (firestoreJar) {
    env.FIRESTORE_EMULATOR_BINARY_PATH = wrapperJar(firestoreJar);
  } else {
    console.warn(
      "fairshot setup: no local Firestore emulator jar found (FIRESTORE_EMULATOR_JAR unset, and none at " +
        `${SYSTEM_JAR}). firebase-tools will try to download its own, which needs internet access.`,
    );
  }
  return env;
}
