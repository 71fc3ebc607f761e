/**
 * `npm run demo`: a client's view of one run, end to end, on the emulators. Signs in as the
 * seeded demo user with the Firebase web SDK, uploads a product image to the local bucket,
 * creates runs/{runId} exactly as an app would, and follows it live with onSnapshot.
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import {
  collection,
  connectFirestoreEmulator,
  doc,
  getDoc,
  getDocs,
  getFirestore,
  onSnapshot,
  serverTimestamp,
  setDoc,
  updateDoc,
  type DocumentData,
} from "firebase/firestore";
import { parseFaultFlags } from "../functions/src/contract/faults";
import { paths } from "../functions/src/contract/paths";
import { STAGES, type Stage } from "../functions/src/contract/run";
import { sweepStuckRuns } from "../functions/src/handlers/sweeper";
import { STAGE_LABELS } from "../functions/src/messages";
import { PIPELINE_SETTINGS_PATH, loadPipelineSettings } from "../functions/src/pipelineSettings";
import { STANDIN_SCENARIOS, startDemoStandins, type StandinScenario } from "./lib/demoStandins";
import { LOCAL_BUCKET, PROJECT_ID, ROOT, adminDb, readSeed, requireEmulators, seedEmulators } from "./lib/emulators";

const { values: args } = parseArgs({
  options: {
    image: {
      type: "string",
      default: path.join(ROOT, "scripts", "assets", "coffee-product.jpg"),
    },
    product: { type: "string", default: "Morning Ritual Coffee" },
    brand: { type: "string", default: "Fairbean" },
    brief: {
      type: "string",
      default:
        "Single-origin beans roasted in small batches. Rich crema and a smooth, chocolatey finish. The cup that makes early mornings worth it.",
    },
    scenes: { type: "string", default: "4" },
    aspect: { type: "string", default: "9:16" },
    fault: { type: "string", multiple: true, default: [] },
    confirm: { type: "boolean", default: false },
    decision: { type: "string" },
    /** required: the storyboard is shown and approved before the charge; off: charged after the image check. */
    approval: { type: "string", default: "required" },
    /** Stop at the storyboard's question, uncharged. */
    "no-approve": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    "stall-seconds": { type: "string", default: "30" },
    /** local (the offline stand-ins of the emulators) or standins (the cloud tier's SDKs at loopback stand-ins). */
    providers: { type: "string", default: "local" },
    /** With --providers standins: which models fail (see STANDIN_SCENARIOS). */
    scenario: { type: "string", default: "healthy" },
  },
});

const log = (line: string) => process.stderr.write(`${line}\n`);
const TERMINAL = new Set(["succeeded", "failed"]);

function progressBar(run: DocumentData): string {
  const pct = Number(run.progress?.pct ?? 0);
  const width = 30;
  const filled = Math.round((pct / 100) * width);
  const stage = run.stage as Stage | undefined;
  const stageNumber = stage ? STAGES.indexOf(stage) + 1 : 0;
  const label = stage ? `${stageNumber}/${STAGES.length} ${STAGE_LABELS[stage]}` : "Queued";
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(pct).padStart(3)}%  ${run.status.padEnd(21)} ${label} — ${run.progress?.message ?? ""}`;
}

/** --providers standins: the cloud tier's stand-ins, scripted for the scenario; undefined for local. */
async function cloudStandins() {
  if (args.providers === "local") return undefined;
  const scenario = args.scenario as StandinScenario;
  if (args.providers !== "standins" || !(scenario in STANDIN_SCENARIOS)) {
    throw new Error(
      `--providers is local or standins; --scenario is one of ${Object.keys(STANDIN_SCENARIOS).join(", ")}`,
    );
  }
  // Cooldowns left by an earlier demo run would hide this run's fallback.
  const cooldowns = await adminDb().collection("modelCooldowns").listDocuments();
  await Promise.all(cooldowns.map((cooldown) => cooldown.delete()));
  const { sceneSeconds } = await loadPipelineSettings(adminDb());
  const input = { productName: args.product, brandName: args.brand, scenes: Number(args.scenes), sceneSeconds };
  log(`Cloud tier on loopback stand-ins, scenario "${scenario}": ${STANDIN_SCENARIOS[scenario]}`);
  return startDemoStandins(input, scenario);
}

const formatAttempts = (attempts: DocumentData[]) =>
  attempts.map((a) => `${a.model} (${a.tier}) ${a.errorClass ?? "served"} ${a.durationMs} ms`).join(" → ");

/** What produced each stage, attempt by attempt: the cloud tier's fallback made visible. */
function logStages(run: DocumentData) {
  for (const stage of STAGES) {
    const record = run.stages?.[stage];
    if (!record?.attempts?.length) continue;
    log(`  ${stage.padEnd(10)} ${formatAttempts(record.attempts)}`);
  }
}

/** The storyboard as the owner reads it: what each scene shows and says, its start frame, and the price. */
function logStoryboard(board: DocumentData) {
  log(
    `  Storyboard v${board.version}: "${board.headline}" — ${board.totalSec} s, ${board.priceCredits} credits on approval`,
  );
  for (const scene of board.scenes as DocumentData[]) {
    log(`    ${scene.sceneNumber}. ${scene.title} (${scene.durationSec} s) says: "${scene.narration}"`);
    log(`       shows: ${scene.shows}`);
    log(`       starts from: ${path.join(LOCAL_BUCKET, scene.startFrame)}`);
  }
  log(`    Call to action: "${board.callToAction}"`);
}

const secondsText = (span: { startSec: number; endSec: number }) =>
  `${span.startSec.toFixed(2)}–${span.endSec.toFixed(2)} s`;

/** The voice as the voice stage fitted it, before the scenes: tempo, gain, and where each scene's line is spoken. */
function logVoice(run: DocumentData) {
  const fit = run.voice?.fit;
  const timing = run.voice?.timing;
  if (!fit || !timing) return;
  const gain = fit.gainDb === null ? "none (silent)" : `${fit.gainDb} dB`;
  log(`  Voice: ${fit.spokenSec.toFixed(2)} s spoken at tempo ${fit.tempo}, gain ${gain}, in ${timing.durationSec} s`);
  for (const scene of timing.scenes) {
    const line = scene.line ? `line ${secondsText(scene.line)} (${scene.line.placed})` : "no speech";
    log(`    scene ${scene.sceneNumber} at ${secondsText(scene.video)}: ${line}`);
  }
}

/** The music bed: what served (a music model, the project's pad, or none) and how far under the voice it sat. */
function logMusic(run: DocumentData) {
  const music = run.music;
  if (!music) return;
  const served = music.source === "none" ? `none (${music.reason})` : `${music.model} (${music.source})`;
  const under = run.assembled?.music?.underVoiceDb;
  log(
    `  Music: ${served}${typeof under === "number" ? `, ${under.toFixed(1)} dB under the voice while it speaks` : ""}`,
  );
  if (music.attempts?.length) log(`    ${formatAttempts(music.attempts)}`);
}

/** What rendered each scene, attempt by attempt: the video chain's fallback made visible. */
async function logScenes(runId: string) {
  const scenes = await adminDb().collection(paths.scenes(runId)).orderBy("sceneNumber").get();
  for (const scene of scenes.docs) {
    log(`  scene ${String(scene.get("sceneNumber")).padEnd(4)} ${formatAttempts(scene.get("attempts") ?? [])}`);
  }
}

async function main() {
  requireEmulators();
  const seed = readSeed();
  await seedEmulators(seed);
  if (args.approval !== "required" && args.approval !== "off") throw new Error("--approval is required or off");
  // The demo's own emulators: the storyboard question is asked unless the run asks for today's flow.
  await adminDb().doc(PIPELINE_SETTINGS_PATH).set({ approval: args.approval }, { merge: true });
  const standins = await cloudStandins();
  const demoUser = seed.users[0];

  const app = initializeApp({
    projectId: PROJECT_ID,
    apiKey: "demo-api-key",
    authDomain: `${PROJECT_ID}.firebaseapp.com`,
  });
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, { disableWarnings: true });
  const db = getFirestore(app);
  const [host, port] = String(process.env.FIRESTORE_EMULATOR_HOST).split(":");
  connectFirestoreEmulator(db, host, Number(port));
  const { user } = await signInWithEmailAndPassword(auth, demoUser.email, demoUser.password);
  const balanceBefore = Number((await getDoc(doc(db, "users", user.uid))).get("credits") ?? 0);
  log(`Signed in as ${user.email} (balance ${balanceBefore} credits) — talking to the local emulators`);

  // No Storage emulator offline: the local bucket is a folder the functions read too.
  const imageName = path.basename(args.image).replace(/[^A-Za-z0-9._ -]/g, "_");
  const objectPath = `uploads/${user.uid}/${imageName}`;
  await mkdir(path.join(LOCAL_BUCKET, "uploads", user.uid), {
    recursive: true,
  });
  await copyFile(args.image, path.join(LOCAL_BUCKET, objectPath));

  const runRef = doc(collection(db, "runs"));
  const faults = parseFaultFlags(args.fault);
  await setDoc(runRef, {
    uid: user.uid,
    status: "queued",
    input: {
      image: objectPath,
      productName: args.product,
      brandName: args.brand,
      brief: args.brief,
      scenes: Number(args.scenes),
      aspectRatio: args.aspect,
    },
    ...(Object.keys(faults).length > 0 && { test: { faults } }),
    createdAt: serverTimestamp(),
  });
  log(`Created run ${runRef.id}${Object.keys(faults).length ? ` with faults ${JSON.stringify(faults)}` : ""}`);

  const final = await new Promise<DocumentData>((resolve, reject) => {
    let lastLine = "";
    let answered = false;
    let lastChange = Date.now();
    let lastState: DocumentData | undefined;
    const stallMs = Number(args["stall-seconds"]) * 1000;
    const stallTimer = setInterval(async () => {
      // Scheduled functions do not fire under the emulators: when a run stalls (a crashed
      // stage holding its lease), run the sweeper as if its lease had expired.
      // Only a claimed stage can be crashed; a scenes stage waiting on its tasks is just busy.
      if (Date.now() - lastChange < stallMs || lastState?.stageState !== "claimed") return;
      lastChange = Date.now();
      const settings = await loadPipelineSettings(adminDb());
      const report = await sweepStuckRuns(adminDb(), Date.now() + settings.scenesLeaseSeconds * 1000);
      log(
        `  (no progress for ${args["stall-seconds"]} s: ran the sweeper with its clock past the lease: ${JSON.stringify(report.actions)})`,
      );
    }, 1000);
    const stop = onSnapshot(
      runRef,
      async (snap) => {
        const run = snap.data();
        if (!run) return;
        lastState = run;
        const line = progressBar(run);
        if (line !== lastLine) {
          lastLine = line;
          lastChange = Date.now();
          log(line);
        }
        const finish = () => {
          clearInterval(stallTimer);
          stop();
          resolve(run);
        };
        if (run.status === "awaiting_confirmation" && !answered) {
          for (const w of run.preflight?.warnings ?? [])
            log(`  ⚠ ${w.severity} ${w.code}: ${w.message} ${w.recommendation}`);
          if (!args.confirm) {
            log("  Nothing has been charged. Re-run with --confirm to proceed anyway, or use a product-only image.");
            return finish();
          }
          answered = true;
          log("  --confirm: proceeding anyway (writing confirmation: {proceed: true})");
          await updateDoc(runRef, { confirmation: { proceed: true } });
        }
        if (run.status === "awaiting_approval" && run.storyboard && run.storyboardAnswer == null) {
          logStoryboard(run.storyboard);
          if (args["no-approve"]) {
            log("  Nothing has been charged. Re-run without --no-approve to approve the storyboard and pay.");
            return finish();
          }
          log(`  Approving version ${run.storyboard.version} (writing storyboardAnswer: {approve: true})`);
          await updateDoc(runRef, { storyboardAnswer: { version: run.storyboard.version, approve: true } });
        }
        if (run.status === "awaiting_decision" && run.decision == null) {
          for (const s of run.staticScenes ?? []) log(`  ⚠ scene ${s.scene} is a static Ken Burns clip (${s.reason})`);
          if (!args.decision) {
            log(
              `  Quality reduced to ${100 - run.quality.degradationPct}% generated scenes. Re-run with --decision accept|retry|refund.`,
            );
            return finish();
          }
          log(`  --decision ${args.decision}`);
          await updateDoc(runRef, { decision: args.decision });
        }
        const settled = run.status !== "failed" || run.failure?.refunded === true || !run.credits?.charged;
        if (TERMINAL.has(run.status) && settled) finish();
      },
      reject,
    );
  });

  const balance = Number((await getDoc(doc(db, "users", user.uid))).get("credits") ?? 0);
  const ledger = (await getDocs(collection(db, "users", user.uid, "ledger"))).docs
    .map((d) => ({
      id: d.id,
      kind: d.get("kind"),
      amount: d.get("amount"),
      runId: d.get("runId"),
    }))
    .filter((m) => m.runId === runRef.id);
  const cost = Number(final.credits?.charged ?? 0) - Number(final.credits?.refunded ?? 0);
  log("");
  if (final.status === "succeeded") {
    log(`✔ Video ready: ${path.join(LOCAL_BUCKET, final.output.video)} (${final.output.durationSec.toFixed(1)} s)`);
    log(
      `  Quality: ${final.quality.kenBurnsScenes} of ${final.quality.totalScenes} scenes static (${final.quality.degradationPct}%)`,
    );
    logVoice(final);
    logMusic(final);
  } else if (final.status === "failed") {
    log(`✘ Run failed at ${final.failure.stage}: ${final.failure.userMessage}`);
    log(`  Scenes started before it failed: ${(await adminDb().collection(paths.scenes(runRef.id)).get()).size}`);
    log(`  Refunded: ${final.failure.refunded ? `yes, ${final.credits.refunded} credits` : "nothing was charged"}`);
  } else {
    log(`… Run is waiting (${final.status}); nothing more happens until the user answers.`);
  }
  log(`  Cost: ${cost} credits. Balance: ${balanceBefore} → ${balance} credits.`);
  if (standins) {
    logStages(final);
    await logScenes(runRef.id);
    log(`  Calls per stand-in model: ${JSON.stringify(standins.calls())}`);
    await standins.close();
  }
  if (args.json) {
    const run = { id: runRef.id, ...final };
    const line = `${JSON.stringify({ run, balance, ledger })}\n`;
    // Under scripts/with-emulators.mjs the line is printed after the emulators' shutdown logs.
    if (process.env.FAIRSHOT_RESULT_FILE) await writeFile(process.env.FAIRSHOT_RESULT_FILE, line);
    else process.stdout.write(line);
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
