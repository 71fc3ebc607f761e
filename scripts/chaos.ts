/**
 * `npm run chaos`: the promise under faults. Many users, as real clients (web SDK signed in on the
 * Auth emulator, so every write passes firestore.rules), start runs with random injected faults
 * (some with fewer scenes than the settings allow, which the preflight must refuse uncharged),
 * answer the face warning, the storyboard (approve, edit then approve, cancel, approve past its
 * deadline) and the quality question, ignore them or answer twice, and try writes
 * the rules must refuse. Meanwhile the harness delivers handler events a second time and kills the
 * Functions emulator's worker processes mid-execution. Then the sweeper runs (as the schedule
 * would, its clock past every lease and wait), then the ledger audit and the harness's own
 * independent check. Customers also buy credit packs during the runs, the webhook receiving each
 * payment's events duplicated, reordered, forged or cut off by a killed worker, and some purchases
 * are refunded at the end (scripts/lib/chaosPurchases.ts). Prints the figures; exits 1 on any
 * breach or stuck run.
 *
 *   npm run chaos -- [--runs 200] [--users 40] [--seed N] [--concurrency 8] [--crashes N] [--purchases N]
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { deleteApp, initializeApp as initializeWebApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth as getWebAuth, signInWithEmailAndPassword } from "firebase/auth";
import {
  collection,
  connectFirestoreEmulator,
  doc,
  getFirestore as getWebFirestore,
  onSnapshot,
  serverTimestamp,
  setDoc,
  setLogLevel,
  terminate,
  updateDoc,
  type Firestore as WebFirestore,
} from "firebase/firestore";
import { getAuth } from "firebase-admin/auth";
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { BILLING_SETTINGS_PATH, BillingSettingsSchema } from "../functions/src/billing/settings";
import { loadRuntimeConfig } from "../functions/src/config";
import { paths } from "../functions/src/contract/paths";
import type { RunDocument } from "../functions/src/contract/runDocument";
import { auditLedger } from "../functions/src/ledger/audit";
import { loadAuditSnapshot } from "../functions/src/ledger/auditSnapshot";
import { grantCredits } from "../functions/src/ledger/credits";
import { sweepStuckRuns } from "../functions/src/handlers/sweeper";
import { handleRunFailed, handleRunUpdated } from "../functions/src/pipeline/advance";
import type { PipelineDeps, SceneDispatcher } from "../functions/src/pipeline/deps";
import { handleRunCreated } from "../functions/src/pipeline/preflightStage";
import { handleSceneTask } from "../functions/src/pipeline/sceneTask";
import { PIPELINE_SETTINGS_PATH, PipelineSettingsSchema, minScenesFor } from "../functions/src/pipelineSettings";
import { ROLLOUT_FLAG_PATH } from "../functions/src/rollout/flag";
import { buildPipelineDeps } from "../functions/src/wiring";
import { startStripeStandin, type StripeStandin } from "../functions/src/providers/standins/stripe";
import { emulatorSecrets, functionsBaseUrl } from "../functions/test/support/billing";
import { checkChaos, type ChaosBreach, type FinalRun, type ObservedRun } from "./lib/chaosChecks";
import { buyPack, emptyPurchaseTally, planPurchases, refundPurchases, type PaidPurchase } from "./lib/chaosPurchases";
import { planRuns, type HostileWrite, type RunPlan } from "./lib/chaosPlan";
import { LOCAL_BUCKET, PROJECT_ID, ROOT, adminDb, readSeed, requireEmulators } from "./lib/emulators";
import { retryLockTimeouts } from "../functions/test/support/lockRetry";
import { emulatorSuitePid, killBusyWorker } from "./lib/functionWorkers";
import { seededRandom } from "../functions/src/media/seededRandom";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "200" },
    users: { type: "string", default: "40" },
    seed: { type: "string" },
    concurrency: { type: "string", default: "8" },
    crashes: { type: "string" },
    purchases: { type: "string" },
    "idle-seconds": { type: "string", default: "40" },
    verbose: { type: "boolean", default: false },
  },
});

// The duplicate deliveries run the pipeline's handlers in this process; their log lines (and the
// web SDK's warnings about writes the rules refused, which are the point) would bury the report.
if (!args.verbose) {
  setLogLevel("silent");
  for (const level of ["log", "info", "warn", "error", "debug"] as const) console[level] = () => undefined;
}

const RUNS = Number(args.runs);
const USERS = Math.min(Number(args.users), RUNS);
const SEED = Number(args.seed ?? Math.floor(Math.random() * 1e9));
const CONCURRENCY = Number(args.concurrency);
const MAX_CRASHES = Number(args.crashes ?? Math.ceil(RUNS / 4));
const PURCHASES = Number(args.purchases ?? Math.ceil(RUNS / 4));
const IDLE_MS = Number(args["idle-seconds"]) * 1000;
const HOUR_MS = 3_600_000;
const FIXTURES = path.join(ROOT, "functions", "test", "fixtures", "images");
const log = (line: string) => process.stderr.write(`${line}\n`);
const print = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The counters printed at the end. */
const tally = {
  duplicates: 0,
  duplicateErrors: 0,
  crashes: 0,
  hostileTried: 0,
  hostileAccepted: [] as { subject: string; write: string }[],
  answersWritten: 0,
  answersRefused: 0,
  purchases: emptyPurchaseTally(),
};

interface Client {
  uid: string;
  app: FirebaseApp;
  db: WebFirestore;
}

async function signIn(index: number, uid: string, email: string, password: string): Promise<Client> {
  const app = initializeWebApp(
    { projectId: PROJECT_ID, apiKey: "demo-api-key", authDomain: `${PROJECT_ID}.firebaseapp.com` },
    `chaos-${index}`,
  );
  const auth = getWebAuth(app);
  connectAuthEmulator(auth, `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, { disableWarnings: true });
  const db = getWebFirestore(app);
  const [host, port] = String(process.env.FIRESTORE_EMULATOR_HOST).split(":");
  connectFirestoreEmulator(db, host, Number(port));
  await signInWithEmailAndPassword(auth, email, password);
  return { uid, app, db };
}

/** A write the client expects to be accepted; false when the rules (or a moved-on run) refused it. */
async function tryWrite(work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch {
    return false;
  }
}

const runInput = (image: string, scenes: number) => ({
  image,
  productName: "Morning Ritual Coffee",
  brandName: "Fairbean",
  brief: "Single-origin beans roasted in small batches. Rich crema and a smooth finish.",
  scenes,
  aspectRatio: "9:16",
});

/** Writes the rules must refuse. Any accepted one is a breach. */
async function hostileWrite(kind: HostileWrite, client: Client, other: Client, runId: string) {
  const { db, uid } = client;
  const newRun = {
    uid,
    status: "queued",
    input: runInput(`uploads/${uid}/product.png`, 1),
    createdAt: serverTimestamp(),
  };
  const attempts: Record<HostileWrite, () => Promise<unknown>> = {
    own_credits: () => updateDoc(doc(db, paths.user(uid)), { credits: 1_000_000 }),
    run_status: () => updateDoc(doc(db, paths.run(runId)), { status: "succeeded" }),
    run_credits: () => updateDoc(doc(db, paths.run(runId)), { "credits.refunded": 10 }),
    ledger_entry: () =>
      setDoc(doc(db, paths.ledgerEntry(uid, "grant_free")), { kind: "grant", amount: 100, runId: null }),
    refund_record: () => setDoc(doc(db, paths.refund(runId)), { uid, runId, amount: 10 }),
    other_users_run: () => setDoc(doc(collection(db, "runs")), { ...newRun, uid: other.uid }),
    decision_while_running: () => updateDoc(doc(db, paths.run(runId)), { decision: "refund" }),
    oversized_test: () =>
      setDoc(doc(collection(db, "runs")), { ...newRun, test: { faults: { scenes: "celebrity:1,".repeat(50) } } }),
    unsafe_run_id: () => setDoc(doc(db, "runs", "run.with.dots"), newRun),
    notification: () => setDoc(doc(db, paths.notification(uid, "fake")), { title: "Credits refunded" }),
    // Either the run is not waiting for approval, or the answer is the function's to apply: both refused.
    storyboard_answer_while_running: () =>
      updateDoc(doc(db, paths.run(runId)), { storyboardAnswer: { version: 1, approve: true }, status: "running" }),
    storyboard_price: () => updateDoc(doc(db, paths.run(runId)), { "storyboard.priceCredits": 0 }),
  };
  tally.hostileTried++;
  if (await tryWrite(attempts[kind])) tally.hostileAccepted.push({ subject: `${uid} run ${runId}`, write: kind });
}

/** Delivers the handler events for the run's current state a second time, beside the emulator's. */
async function deliverAgain(admin: Firestore, deps: PipelineDeps, runId: string, previous: RunDocument | null) {
  const run = await retryLockTimeouts(() => admin.doc(paths.run(runId)).get())
    .then((snap) => snap.data() as RunDocument | undefined)
    .catch(() => undefined);
  if (!run) return;
  tally.duplicates++;
  const round = run.scenesRound ?? 0;
  const deliveries: Promise<unknown>[] = [handleRunUpdated(runId, run, `dup-${Date.now()}`, deps)];
  if (run.status === "queued") deliveries.push(handleRunCreated(runId, deps));
  if (previous && run.status === "failed") deliveries.push(handleRunFailed(runId, previous, run, admin));
  if (run.status === "running" && run.stage === "scenes") {
    for (let scene = 1; scene <= (run.script?.scenes.length ?? 0); scene++) {
      // A late duplicate of each scene's first step (later steps are new tasks of their own).
      const task = { runId, sceneNumber: scene, round, step: 0 };
      deliveries.push(handleSceneTask(task, { retryCount: 0, maxAttempts: 3 }, deps));
    }
  }
  for (const result of await Promise.allSettled(deliveries)) {
    // A delivery may fail as a real one would (an injected crash, a lost lease): not a breach.
    if (result.status === "rejected") tally.duplicateErrors++;
  }
}

/** One run as a client lives it: create, follow, answer, misbehave. Resolves when it settles or goes quiet. */
async function clientRun(
  plan: RunPlan,
  client: Client,
  other: Client,
  admin: Firestore,
  deps: PipelineDeps,
  random: () => number,
): Promise<ObservedRun> {
  const runRef = doc(collection(client.db, "runs"));
  const runId = runRef.id;
  const observed: ObservedRun = {
    runId,
    uid: client.uid,
    statuses: [],
    confirmation: null,
    decisions: [],
    tooShort: plan.tooShort,
    storyboardApproved: null,
    storyboardCancelled: false,
  };
  const objectPath = `uploads/${client.uid}/run-${plan.index}.png`;
  const local = path.join(LOCAL_BUCKET, objectPath);
  await mkdir(path.dirname(local), { recursive: true });
  if (plan.image === "product") await copyFile(path.join(FIXTURES, "coffee.png"), local);
  if (plan.image === "face") await copyFile(path.join(FIXTURES, "astronaut.png"), local);
  if (plan.image === "not_an_image") await writeFile(local, "this is not an image");
  const created = await tryWrite(() =>
    setDoc(runRef, {
      uid: client.uid,
      status: "queued",
      input: runInput(objectPath, plan.scenes),
      ...(Object.keys(plan.faults).length > 0 && { test: { faults: plan.faults } }),
      createdAt: serverTimestamp(),
    }),
  );
  if (!created) throw new Error(`the rules refused a valid run (${runId})`);
  for (const kind of plan.hostile) await hostileWrite(kind, client, other, runId);

  return new Promise<ObservedRun>((resolve) => {
    let previous: RunDocument | null = null;
    let questions = 0;
    let idle: NodeJS.Timeout;
    const finish = () => {
      clearTimeout(idle);
      stop();
      resolve(observed);
    };
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, IDLE_MS);
    };
    /** The owner's storyboard answer; recorded only when the rules took it. */
    const answerStoryboard = async (version: number, approve: boolean) => {
      const accepted = await tryWrite(() => updateDoc(runRef, { storyboardAnswer: { version, approve } }));
      if (accepted) tally.answersWritten++;
      else tally.answersRefused++;
      if (accepted && approve) observed.storyboardApproved ??= version;
      if (accepted && !approve && observed.storyboardApproved === null) observed.storyboardCancelled = true;
    };
    let storyboardSeen = 0;
    let approvedAfterRefusal = false;
    const answer = async (field: "confirmation" | "decision", value: unknown, question: number) => {
      const accepted = await tryWrite(() => updateDoc(runRef, { [field]: value }));
      if (accepted) tally.answersWritten++;
      else tally.answersRefused++;
      if (!accepted) return;
      if (field === "confirmation") observed.confirmation ??= (value as { proceed: boolean }).proceed;
      else observed.decisions[question] ??= value as string;
    };
    armIdle();
    const stop = onSnapshot(runRef, (snap) => {
      const run = snap.data() as RunDocument | undefined;
      if (!run) return;
      armIdle();
      const entered = observed.statuses[observed.statuses.length - 1] !== run.status;
      if (entered) observed.statuses.push(run.status);
      if (plan.duplicate && random() < 0.5) void deliverAgain(admin, deps, runId, previous);
      previous = run;
      if (entered && run.status === "awaiting_confirmation") {
        const choice = plan.confirmation;
        if (choice === "ignore") return finish();
        void (async () => {
          await sleep(random() * 500);
          await answer("confirmation", { proceed: choice !== "cancel" }, 0);
          if (choice === "twice") await answer("confirmation", { proceed: false }, 0);
        })();
      }
      const version = run.storyboard?.version ?? 0;
      // A refused edit leaves the version as it was: the owner approves it as it stands.
      const editRefused = run.storyboardEditRefused?.version === version && !approvedAfterRefusal;
      if (
        run.status === "awaiting_approval" &&
        (version > storyboardSeen || editRefused) &&
        run.storyboardAnswer == null
      ) {
        const first = storyboardSeen === 0;
        storyboardSeen = version;
        if (editRefused) approvedAfterRefusal = true;
        const choice = plan.storyboard;
        if (choice === "ignore") return finish();
        void (async () => {
          await sleep(random() * 500);
          if (choice === "edit_then_approve" && first) {
            // Approved once the edit made the next version (or, refused, on the next pass below).
            const edited = await tryWrite(() =>
              updateDoc(runRef, { storyboardEdit: { version, headline: "Fairbean: the cup worth waking for" } }),
            );
            if (edited) return;
          }
          if (choice === "late") {
            // Past the deadline (the harness's settings give a minute): the rules refuse it, the sweeper expires the run.
            await sleep(Math.max(0, (run.answerBy?.toMillis() ?? Date.now()) - Date.now()) + 1500);
          }
          await answerStoryboard(version, choice !== "cancel");
          if (choice === "twice") await answerStoryboard(version, false);
        })();
      }
      if (entered && run.status === "awaiting_decision") {
        const question = questions++;
        // A second question comes after a retry, with no retries left: accept or refund then.
        const choice = question > 0 && plan.decision === "retry" ? "accept" : plan.decision;
        if (choice === "ignore") return finish();
        observed.decisions[question] = null;
        void (async () => {
          await sleep(random() * 500);
          await answer("decision", choice === "twice" ? "accept" : choice, question);
          if (choice === "twice") await answer("decision", "refund", question);
        })();
      }
      const settled = run.status === "succeeded" || (run.status === "failed" && !run.failure?.refundDue);
      if (settled) finish();
    });
  });
}

async function main() {
  requireEmulators();
  const admin = adminDb();
  const suitePid = emulatorSuitePid();
  if (!suitePid) throw new Error("no emulator suite above this process: run it through `npm run chaos`");
  const seed = readSeed();
  // Every run shows a storyboard first; a minute to answer it, so approvals past the deadline happen too.
  const settings = PipelineSettingsSchema.parse({
    ...seed.config.pipeline,
    sceneSeconds: 2,
    approval: "required",
    approvalTimeoutMinutes: 1,
    storyboardsPerDay: 1000,
    storyboardsPerHour: 1000,
  });
  await retryLockTimeouts(() => admin.doc(PIPELINE_SETTINGS_PATH).set(settings));
  await retryLockTimeouts(() => admin.doc(ROLLOUT_FLAG_PATH).set(seed.config.rollout));
  const billing = BillingSettingsSchema.parse(seed.config.billing);
  await retryLockTimeouts(() => admin.doc(BILLING_SETTINGS_PATH).set(billing));
  const stripe = await startStripe();
  const config = loadRuntimeConfig({ ...process.env, FUNCTIONS_EMULATOR: "true", FAIRSHOT_LOCAL_BUCKET: LOCAL_BUCKET });
  // When a duplicate delivery here wins a scenes stage, its scene tasks are delivered here too, as
  // the queue would: each up to the queue's attempts, the next attempt after an error.
  const inProcessQueue: SceneDispatcher = {
    dispatch: async (tasks) => {
      for (const task of tasks) {
        void (async () => {
          for (let retryCount = 0; retryCount < config.sceneQueue.maxAttempts; retryCount++) {
            const delivered = await handleSceneTask(
              task,
              { retryCount, maxAttempts: config.sceneQueue.maxAttempts },
              deps,
            )
              .then(() => true)
              .catch(() => false);
            if (delivered) return;
          }
        })();
      }
    },
  };
  const deps: PipelineDeps = buildPipelineDeps(config, admin, inProcessQueue);
  await requireTriggers(admin);
  const random = seededRandom(SEED ^ 0x5eed);
  log(`chaos: ${RUNS} runs, ${USERS} users, seed ${SEED}, concurrency ${CONCURRENCY}, up to ${MAX_CRASHES} crashes`);

  // Users: most can afford several runs, some only one (so "not enough credits" happens too).
  const granted = new Map<string, number>();
  const clients: Client[] = [];
  for (let i = 0; i < USERS; i++) {
    const uid = `chaos-${SEED}-${i}`;
    const email = `${uid}@fairshot.test`;
    await getAuth()
      .createUser({ uid, email, password: "chaos-password" })
      .catch(() => undefined);
    const credits = i % 7 === 3 ? 15 : 60;
    await retryLockTimeouts(() => grantCredits(admin, uid, `chaos-${uid}`, credits, "chaos harness"));
    granted.set(uid, credits);
    clients.push(await signIn(i, uid, email, "chaos-password"));
  }

  const plans = planRuns(SEED, RUNS, USERS, minScenesFor(settings));
  const purchasePlans = planPurchases(seededRandom(SEED ^ 0xb11), PURCHASES, USERS, Object.keys(billing.packs));
  const paid: PaidPurchase[] = [];
  const observed: ObservedRun[] = [];
  let active = 0;
  const crashLoop = (async () => {
    while (observed.length < RUNS && tally.crashes < MAX_CRASHES) {
      await sleep(1000 + random() * 3000);
      if (active > 0 && (await killBusyWorker(suitePid, random))) tally.crashes++;
    }
  })();
  const started = Date.now();
  const purchasing = (async () => {
    for (const plan of purchasePlans) {
      await sleep(plan.delayMs);
      const uid = clients[plan.user].uid;
      paid.push(await buyPack({ stripe, plan, uid, projectId: PROJECT_ID, billing, tally: tally.purchases }));
    }
  })();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < plans.length) {
        const plan = plans[next++];
        await sleep(plan.delayMs);
        active++;
        const client = clients[plan.user];
        const other = clients[(plan.user + 1) % clients.length];
        observed.push(await clientRun(plan, client, other, admin, deps, random));
        active--;
        if (observed.length % 20 === 0) log(`  ${observed.length}/${RUNS} runs settled or quiet`);
      }
    }),
  );
  await purchasing;
  await crashLoop;
  const clientMs = Date.now() - started;

  // Recovery: the sweeper as its schedule would run it, its clock past every lease and wait.
  const sweeps: { actions: number; failed: number }[] = [];
  for (let pass = 0; pass < 10; pass++) {
    const open = await openRuns(admin, observed);
    if (open === 0 && pass > 0) break;
    // A sweep is idempotent: one refused by the emulator's lock timeout is simply run again.
    const report = await retryLockTimeouts(() => sweepStuckRuns(admin, Date.now() + 3 * HOUR_MS));
    // A run the pass could not repair (the emulator refusing a transaction under load) waits for the next.
    sweeps.push({ actions: report.actions.length, failed: report.failed.length });
    await quiet(admin, observed);
  }

  const finals = await finalRuns(admin, observed);
  // Each customer's balance as the harness counts it: granted, plus the packs it paid for, less each
  // video it got; the refunds at the end take packs back from that count, never below zero.
  const expected = new Map([...granted].map(([uid, credits]) => [uid, credits]));
  for (const purchase of paid) expected.set(purchase.uid, (expected.get(purchase.uid) ?? 0) + purchase.credits);
  for (const run of finals)
    if (run.status === "succeeded") expected.set(run.uid, (expected.get(run.uid) ?? 0) - settings.runPriceCredits);
  const beforeRefunds = new Map(expected);
  await refundPurchases({ stripe, purchases: paid, expected, tally: tally.purchases });
  await stripe.close();
  const users = await Promise.all(
    [...granted].map(async ([uid, credits]) => ({
      uid,
      granted:
        credits +
        paid.filter((p) => p.uid === uid).reduce((sum, p) => sum + p.credits, 0) -
        ((beforeRefunds.get(uid) ?? 0) - (expected.get(uid) ?? 0)),
      balance: Number((await retryLockTimeouts(() => admin.doc(paths.user(uid)).get())).get("credits") ?? 0),
    })),
  );
  const breaches: ChaosBreach[] = checkChaos({
    price: settings.runPriceCredits,
    observed,
    finals,
    users,
    hostileAccepted: tally.hostileAccepted,
  });
  if (tally.purchases.forgedAccepted > 0)
    breaches.push({
      kind: "forged payment accepted",
      subject: "stripeWebhook",
      detail: `${tally.purchases.forgedAccepted} forged deliveries not refused with 400`,
    });
  const audit = auditLedger(await retryLockTimeouts(() => loadAuditSnapshot(admin)));
  report({ finals, users, breaches, audit, sweeps, clientMs, price: settings.runPriceCredits });
  await Promise.all(clients.map(async (c) => (await terminate(c.db), deleteApp(c.app))));
  process.exit(breaches.length + audit.length === 0 ? 0 : 1);
}

/** The Stripe stand-in on the port the Functions emulator's Stripe SDK was pointed at. */
async function startStripe(): Promise<StripeStandin> {
  const { apiKey, webhookSecret } = emulatorSecrets();
  return startStripeStandin({
    apiKey,
    webhookSecret,
    port: Number(process.env.FAIRSHOT_STANDIN_STRIPE_PORT),
    webhookUrl: `${await functionsBaseUrl()}/stripeWebhook`,
  });
}

/** A run the rules would refuse, written as admin: onRunCreated must end it, or the triggers are not loaded. */
async function requireTriggers(admin: Firestore) {
  const ref = admin.collection("runs").doc();
  await retryLockTimeouts(() =>
    ref.set({ uid: "chaos-canary", status: "queued", input: {}, createdAt: Timestamp.now() }),
  );
  for (let waited = 0; waited < 120_000; waited += 1000) {
    if ((await retryLockTimeouts(() => ref.get())).get("status") !== "queued") return;
    await sleep(1000);
  }
  throw new Error("the Functions emulator runs no triggers (did the functions fail to load?)");
}

async function openRuns(admin: Firestore, observed: ObservedRun[]): Promise<number> {
  const finals = await finalRuns(admin, observed);
  // A failed run is settled once refunded, or, when nothing was charged, once its user was told.
  return finals.filter((r) => !["succeeded", "failed"].includes(r.status) || r.refundDue || r.noticeDue).length;
}

/**
 * Waits until no run document changed for 10 s (the triggers the sweep caused have run): the next
 * sweep's clock is past every lease, so a stage still at work when it runs would be taken back.
 */
async function quiet(admin: Firestore, observed: ObservedRun[]) {
  let last = "";
  for (let i = 0; i < 60; i++) {
    await sleep(10_000);
    const now = JSON.stringify((await finalRuns(admin, observed)).map((r) => [r.status, r.stage, r.stageState]));
    if (now === last) return;
    last = now;
  }
}

async function finalRuns(admin: Firestore, observed: ObservedRun[]) {
  const snaps = await retryLockTimeouts(() => admin.getAll(...observed.map((o) => admin.doc(paths.run(o.runId)))));
  return snaps.map(
    (
      snap,
    ): FinalRun & {
      stage?: string;
      stageState?: string | null;
      refundDue: boolean;
      noticeDue: boolean;
    } => {
      const run = snap.data() as RunDocument;
      return {
        runId: snap.id,
        uid: run.uid,
        status: run.status,
        stage: run.stage,
        stageState: run.stageState,
        charged: run.credits?.charged ?? 0,
        refunded: run.credits?.refunded ?? 0,
        failure: run.failure
          ? {
              stage: run.failure.stage,
              reason: run.failure.reason,
              userMessage: run.failure.userMessage,
              refunded: run.failure.refunded,
            }
          : null,
        refundDue: run.failure?.refundDue === true,
        noticeDue: run.failure?.noticeDue === true,
        decisionLog: (run.decisionLog ?? []).map((d) => d.decision),
        storyboardVersion: run.storyboard?.version ?? null,
        approvedVersion: run.storyboardAnswer?.approve === true ? run.storyboardAnswer.version : null,
      };
    },
  );
}

function outcomeOf(run: FinalRun): string {
  if (run.status !== "failed") return run.status;
  const reason = run.failure?.reason ?? "unknown";
  const kind = reason.startsWith("scene ")
    ? "scene failed"
    : reason.startsWith("stuck")
      ? "stuck stage failed by the sweeper"
      : reason.split(/[:(]/)[0].trim();
  return `failed: ${kind}${run.charged > 0 ? " (refunded)" : " (uncharged)"}`;
}

function report(r: {
  finals: FinalRun[];
  users: { uid: string; granted: number; balance: number }[];
  breaches: ChaosBreach[];
  audit: { invariant: string; subject: string; detail: string }[];
  sweeps: { actions: number; failed: number }[];
  clientMs: number;
  price: number;
}) {
  const byOutcome = new Map<string, number>();
  for (const run of r.finals) byOutcome.set(outcomeOf(run), (byOutcome.get(outcomeOf(run)) ?? 0) + 1);
  const charged = r.finals.filter((f) => f.charged > 0);
  const line = (label: string, value: string | number) => print(`  ${label.padEnd(34)} ${value}`);
  print(
    `\nchaos seed ${SEED}: ${r.finals.length} runs by ${r.users.length} users in ${Math.round(r.clientMs / 1000)} s`,
  );
  print("runs by outcome:");
  for (const [outcome, count] of [...byOutcome].sort((a, b) => b[1] - a[1])) line(outcome, count);
  print("faults:");
  line("handler deliveries duplicated", `${tally.duplicates} (${tally.duplicateErrors} threw, as a crash would)`);
  line("function workers killed mid-run", tally.crashes);
  line(
    "hostile client writes",
    `${tally.hostileTried} tried, ${tally.hostileTried - tally.hostileAccepted.length} refused`,
  );
  line("answers written / refused by rules", `${tally.answersWritten} / ${tally.answersRefused}`);
  const p = tally.purchases;
  line(
    "purchases paid / refunded",
    `${p.paid} / ${p.refunds} (webhook deliveries ${p.deliveries}, ${p.redelivered} redelivered after no 200)`,
  );
  line("forged webhook deliveries refused", `${p.forgedRefused} of ${p.forgedRefused + p.forgedAccepted}`);
  line(
    "sweeper passes (actions, runs left for the next)",
    r.sweeps.map((s) => `${s.actions}${s.failed ? ` (${s.failed} left)` : ""}`).join(", "),
  );
  print("credits:");
  line(
    "granted and bought, less refunds' take",
    r.users.reduce((sum, u) => sum + u.granted, 0),
  );
  line(
    "charged",
    charged.reduce((sum, f) => sum + f.charged, 0),
  );
  line(
    "refunded",
    r.finals.reduce((sum, f) => sum + f.refunded, 0),
  );
  line("bought / taken back by refunds", `${p.creditsBought} / ${p.creditsTakenBack}`);
  line(
    "balances now",
    r.users.reduce((sum, u) => sum + u.balance, 0),
  );
  print("verdict:");
  const count = (kind: ChaosBreach["kind"]) => r.breaches.filter((b) => b.kind === kind).length;
  line("credits lost / duplicated", `${count("credit lost")} / ${count("credit duplicated")}`);
  line("runs revived", count("run revived"));
  line("answers overridden", count("answer overridden"));
  line("runs stuck", count("run stuck"));
  line("untrue messages", count("untrue message"));
  line("hostile writes accepted", count("hostile write accepted"));
  line("too-short ads not refused", count("too-short ad not refused"));
  line("forged payments accepted", count("forged payment accepted"));
  line("charged without approval", count("charged without approval"));
  line("ledger audit breaches", r.audit.length);
  for (const b of r.breaches) print(`BREACH  ${b.kind}  ${b.subject}: ${b.detail}`);
  for (const b of r.audit) print(`AUDIT   ${b.invariant}  ${b.subject}: ${b.detail}`);
  print(r.breaches.length + r.audit.length === 0 ? "chaos OK: no breaches" : "chaos FAILED");
}

main().catch((error) => {
  process.stderr.write(`chaos failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});
