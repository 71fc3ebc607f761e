/**
 * What every browser test needs: the built page served against the running emulators, a fresh
 * headless Chromium (Debian's, never a downloaded one), a fresh user with credits, and
 * admin-side reads to check what the page claims against the database.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { getAuth } from "firebase-admin/auth";
import type { DocumentData } from "firebase-admin/firestore";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { grantCredits } from "../../../functions/src/ledger/credits";
import { PIPELINE_SETTINGS_PATH } from "../../../functions/src/pipelineSettings";
import { adminDb, LOCAL_BUCKET, PROJECT_ID, ROOT, readSeed, seedEmulators } from "../../../scripts/lib/emulators";
import { WEB_DIST } from "../../build";
import { emulatorPageConfig, startWebServer } from "../../server";

export const CHROMIUM = process.env.FAIRSHOT_CHROMIUM ?? "/usr/bin/chromium";
export const IMAGES = path.join(ROOT, "functions", "test", "fixtures", "images");
export const SCREENSHOTS = path.join(ROOT, "test-results", "screenshots");
/** A run renders real scenes with ffmpeg: tens of seconds each on two cores. */
export const RUN_TIMEOUT_MS = 180_000;

const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface TestUser {
  uid: string;
  email: string;
  password: string;
}

export interface Session {
  page: Page;
  user: TestUser;
  close(): Promise<void>;
}

let userCounter = 0;
/** A user of its own per test, so balances and ledgers never mix between tests. */
async function newUser(credits: number): Promise<TestUser> {
  const tag = `${Date.now().toString(36)}${(userCounter++).toString(36)}`;
  const user = {
    uid: `web-${tag}`,
    email: `web-${tag}@fairshot.test`,
    password: `pw-${tag}`,
  };
  adminDb();
  await getAuth().createUser({
    uid: user.uid,
    email: user.email,
    password: user.password,
    displayName: "Browser test",
  });
  await grantCredits(adminDb(), user.uid, `web-test-${tag}`, credits, "browser test grant");
  return user;
}

/** The seeded pipeline settings, with 2 s scenes so a run takes seconds, not a minute. */
async function seedFastSettings(): Promise<void> {
  const seed = readSeed();
  await seedEmulators(seed);
  await adminDb()
    .doc(PIPELINE_SETTINGS_PATH)
    .set({ ...seed.config.pipeline, sceneSeconds: 2 });
}

export async function startSession(viewport = { width: 1100, height: 1000 }): Promise<Session> {
  await seedFastSettings();
  const user = await newUser(100);
  const server = await startWebServer({
    distDir: WEB_DIST,
    bucketDir: LOCAL_BUCKET,
    config: await emulatorPageConfig(PROJECT_ID),
  });
  const profile = await mkdtemp(path.join(os.tmpdir(), "fairshot-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport,
    });
  } catch (error) {
    await server.close();
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(server.url);
  await page.locator("#emulator-banner").waitFor();
  await page.fill("#email", user.email);
  await page.fill("#password", user.password);
  await page.click("#sign-in-button");
  await page.locator("#balance", { hasText: "100" }).waitFor();
  return {
    page,
    user,
    close: async () => {
      await context.close();
      await server.close();
      await rm(profile, { recursive: true, force: true });
      if (pageErrors.length > 0) throw new Error(`the page threw: ${pageErrors.join("; ")}`);
    },
  };
}

export interface RunRequest {
  image: string;
  scenes: number;
  faults?: Partial<Record<"visual_dna" | "script" | "voice" | "assembly" | "charge" | "scenes", string>>;
}

/** Fills the form as a user would, submits it, and returns the id of the run the page created. */
export async function createRunOnPage(page: Page, request: RunRequest): Promise<string> {
  const previous = (await page.locator("#run-id").textContent()) ?? "";
  await page.setInputFiles("#image", path.join(IMAGES, request.image));
  await page.fill("#product", "Morning Ritual Coffee");
  await page.fill("#brand", "Fairbean");
  await page.fill(
    "#brief",
    "Single-origin beans roasted in small batches. Rich crema and a smooth, chocolatey finish.",
  );
  await page.fill("#scenes", String(request.scenes));
  const faults = request.faults ?? {};
  // Every fault field is set each time, so an earlier run's faults never leak into this one.
  // The summary toggles the section: click it only while it is closed.
  if (!(await page.locator("#dev-options").evaluate((details: HTMLDetailsElement) => details.open))) {
    await page.click("#dev-options summary");
  }
  for (const field of ["visual_dna", "script", "voice", "assembly", "charge"] as const) {
    await page.selectOption(`#fault-${field}`, faults[field] ?? "");
  }
  await page.fill("#fault-scenes", faults.scenes ?? "");
  await page.click("#create-run");
  await page.waitForFunction((old) => {
    const id = document.querySelector("#run-id")?.textContent ?? "";
    return id !== "" && id !== old;
  }, previous);
  return (await page.locator("#run-id").textContent()) as string;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** The balance the page shows, as a number. */
export async function shownBalance(page: Page): Promise<number> {
  return Number(await page.locator("#balance").textContent());
}

export interface LedgerLine {
  kind: string;
  amount: number;
}

/** The user's ledger movements for one run, read with the Admin SDK. */
export async function ledgerOf(uid: string, runId: string): Promise<LedgerLine[]> {
  const snap = await adminDb().collection(`users/${uid}/ledger`).where("runId", "==", runId).get();
  return snap.docs
    .map((d) => ({
      kind: String(d.get("kind")),
      amount: Number(d.get("amount")),
    }))
    .sort((a, b) => a.kind.localeCompare(b.kind));
}

export async function balanceOf(uid: string): Promise<number> {
  return Number((await adminDb().doc(`users/${uid}`).get()).get("credits"));
}

export async function runOf(runId: string): Promise<DocumentData> {
  return (await adminDb().doc(`runs/${runId}`).get()).data() ?? {};
}
