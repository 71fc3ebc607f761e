/**
 * What every browser test needs: the built page served against the running emulators, a fresh
 * headless Chromium (Debian's, never a downloaded one), a fresh user with credits, and
 * admin-side reads to check what the page claims against the database.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
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
/**
 * A run renders real scenes with ffmpeg, tens of seconds each on two cores, then its captions, music bed
 * and the gate's look at them: a run with a retry round takes minutes when the machine is shared.
 */
export const RUN_TIMEOUT_MS = 300_000;

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

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

export interface Session {
  page: Page;
  context: BrowserContext;
  user: TestUser;
  url: string;
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
  // A customer with nothing granted has an empty ledger and a balance of 0: a grant is never of 0 credits.
  if (credits > 0) await grantCredits(adminDb(), user.uid, `web-test-${tag}`, credits, "browser test grant");
  else await adminDb().doc(`users/${user.uid}`).set({ credits: 0 });
  return user;
}

/** The seeded pipeline settings, with 2 s scenes so a run takes seconds, not a minute, and a test's own. */
async function seedFastSettings(pipeline: Record<string, unknown>): Promise<void> {
  const seed = readSeed();
  await seedEmulators(seed);
  await adminDb()
    .doc(PIPELINE_SETTINGS_PATH)
    .set({ ...seed.config.pipeline, sceneSeconds: 2, ...pipeline });
}

export interface SessionOptions {
  viewport?: { width: number; height: number };
  credits?: number;
  /** Pipeline settings of this test over the seeded ones (e.g. `maxScriptRegenerations: 0`). */
  pipeline?: Record<string, unknown>;
  /** Runs on the signed-out page, before signing in. */
  signedOut?: (page: Page) => Promise<void>;
}

export async function startSession(options: SessionOptions = {}): Promise<Session> {
  const viewport = options.viewport ?? DESKTOP;
  const credits = options.credits ?? 100;
  await seedFastSettings(options.pipeline ?? {});
  const user = await newUser(credits);
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
  await page.locator("#sign-in").waitFor();
  await options.signedOut?.(page);
  await page.fill("#email", user.email);
  await page.fill("#password", user.password);
  await page.click("#sign-in-button");
  await page.locator("#balance", { hasText: String(credits) }).waitFor();
  return {
    page,
    context,
    user,
    url: server.url,
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

/** The run the page shows as its latest (it puts `#run-{id}` in the address, never on screen). */
const shownRunId = (page: Page): Promise<string> => page.evaluate(() => /^#run-(.+)$/.exec(location.hash)?.[1] ?? "");

/**
 * Waits until the page has created a run other than `previous` and returns its id. The upload is the
 * first call of a function: on a loaded machine its worker can take longer than 30 s to start.
 */
export async function newRunId(page: Page, previous: string): Promise<string> {
  await page.waitForFunction(
    (old) => {
      const id = /^#run-(.+)$/.exec(location.hash)?.[1] ?? "";
      return id !== "" && id !== old && document.getElementById(`run-${id}`) !== null;
    },
    previous,
    { timeout: RUN_TIMEOUT_MS },
  );
  return shownRunId(page);
}

/** Fills the form as a user would, submits it, and returns the id of the run the page created. */
export async function createRunOnPage(page: Page, request: RunRequest): Promise<string> {
  const previous = await shownRunId(page);
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
  return newRunId(page, previous);
}

/** The state as a customer sees it, at desktop and at phone size (`{name}-desktop.png`, `{name}-phone.png`). */
export async function screenshotBoth(page: Page, name: string, focus?: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const original = page.viewportSize();
  for (const [size, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    if (focus) await page.locator(focus).evaluate((node) => node.scrollIntoView({ block: "start" }));
    // Let the layout settle after the resize (video frames, wrapped text).
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${size}.png`) });
  }
  if (original) await page.setViewportSize(original);
}

let axeSource: string | null = null;

/** axe-core on the page as it is: no serious or critical violation, or the test fails naming them. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  axeSource ??= await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: typeof import("axe-core") }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  assert.deepEqual(violations, [], `axe-core in state "${state}"`);
}

/** Presses Tab until focus is on `selector` (keyboard-only use); fails if it never gets there. */
export async function tabTo(page: Page, selector: string, maxPresses = 40): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** The card of one run in My videos. */
export const runCard = (page: Page, runId: string) => page.locator(`#run-${runId}`);

/** Waits until the run's card shows an outcome (`data-outcome`: ready, refunded, cancelled, needs_answer…). */
export async function waitForOutcome(page: Page, runId: string, outcome: string): Promise<void> {
  await page.locator(`#run-${runId}[data-outcome="${outcome}"]`).waitFor({ timeout: RUN_TIMEOUT_MS });
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

/** Reads until `ok` holds: the page shows a write at once, the database has it a moment later. */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function runOf(runId: string): Promise<DocumentData> {
  return (await adminDb().doc(`runs/${runId}`).get()).data() ?? {};
}
