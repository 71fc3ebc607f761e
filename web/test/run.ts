/**
 * Runs the browser tests against already-running emulators (FIRESTORE_EMULATOR_HOST,
 * FIREBASE_AUTH_EMULATOR_HOST and FIREBASE_EMULATOR_HUB set, e.g. by scripts/with-emulators.mjs).
 * Without Chromium it says so and exits 0, so the rest of the suite still runs.
 * Arguments other than options pick browser test files by name (`tsx web/test/run.ts looseEnds`);
 * `--test-name-pattern=...` picks tests within them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { buildPage } from "../build";
import { CHROMIUM } from "./support/session";

const ROOT = path.resolve(__dirname, "..", "..");

if (!existsSync(CHROMIUM)) {
  console.log(`SKIPPED: chromium not installed (apt-get install chromium) — the browser tests need ${CHROMIUM}.`);
  process.exit(0);
}
for (const name of ["FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST", "FIREBASE_EMULATOR_HUB"]) {
  if (!process.env[name]) {
    console.error(
      `web tests: ${name} is not set; run them inside the emulators (node scripts/with-emulators.mjs ...).`,
    );
    process.exit(2);
  }
}

buildPage();
mkdirSync(path.join(ROOT, "test-results"), { recursive: true });
const picked = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const files = readdirSync(__dirname)
  .filter((f) => f.endsWith(".test.ts") && (picked.length === 0 || picked.some((name) => f.includes(name))))
  .map((f) => path.join(__dirname, f));
if (files.length === 0) {
  console.error(`web tests: no browser test file matches ${picked.join(", ")}`);
  process.exit(2);
}
// One at a time: each run renders video with ffmpeg, and two cores are shared with the emulators.
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    "--test-concurrency=1",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=junit",
    `--test-reporter-destination=${path.join(ROOT, "test-results", "web-junit.xml")}`,
    ...process.argv.slice(2).filter((arg) => arg.startsWith("--test-name-pattern")),
    ...files,
  ],
  { cwd: ROOT, stdio: "inherit" },
);
process.exit(result.status ?? 1);
