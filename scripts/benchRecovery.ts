/**
 * `npm run bench:recovery`: how long recovery takes, through the real triggers on the emulators.
 *   1. failed → refund notification: runs failing at Visual DNA (all models down); the time from
 *      the run's failed write to the `refund_{runId}` notification written by onRunFailed.
 *   2. crashed stage → recovered: runs whose first stage crashes after the charge (the worker dies
 *      holding the lease); the sweeper runs with its clock past the lease, and the time from that
 *      sweep to the stage running again and the run succeeding.
 * Prints p50/p95 and the settings that bound each in production (lease, sweep interval).
 *
 *   npm run bench:recovery -- [--runs 10]
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { paths } from "../functions/src/contract/paths";
import type { RunDocument } from "../functions/src/contract/runDocument";
import { grantCredits } from "../functions/src/ledger/credits";
import { SWEEP_INTERVAL_MINUTES } from "../functions/src/lifecycle/stateMachine";
import { sweepStuckRuns } from "../functions/src/handlers/sweeper";
import {
  PIPELINE_SETTINGS_PATH,
  PipelineSettingsSchema,
  STAGE_TIMEOUT_SECONDS,
  minScenesFor,
} from "../functions/src/pipelineSettings";
import { ROLLOUT_FLAG_PATH } from "../functions/src/rollout/flag";
import { LOCAL_BUCKET, ROOT, adminDb, readSeed, requireEmulators } from "./lib/emulators";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "10" } } });
const RUNS = Number(args.runs);
const HOUR_MS = 3_600_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A run of `scenes` scenes (the fewest the settings allow: the quickest run that can succeed). */
async function startRun(db: Firestore, uid: string, scenes: number, faults: Record<string, string>): Promise<string> {
  const image = `uploads/${uid}/product.png`;
  await mkdir(path.join(LOCAL_BUCKET, "uploads", uid), { recursive: true });
  await copyFile(
    path.join(ROOT, "functions", "test", "fixtures", "images", "coffee.png"),
    path.join(LOCAL_BUCKET, image),
  );
  const ref = db.collection("runs").doc();
  await ref.set({
    uid,
    status: "queued",
    input: {
      image,
      productName: "Morning Ritual Coffee",
      brandName: "Fairbean",
      brief: "Small-batch beans.",
      scenes,
    },
    test: { faults },
    createdAt: Timestamp.now(),
  });
  return ref.id;
}

/** Resolves with the first snapshot of `docPath` for which `done` holds, and the time it was seen. */
function watch(db: Firestore, docPath: string, done: (data: RunDocument | undefined) => boolean, timeoutMs = 180_000) {
  return new Promise<{ atMs: number; data: RunDocument | undefined }>((resolve, reject) => {
    const timer = setTimeout(() => (stop(), reject(new Error(`${docPath}: timed out`))), timeoutMs);
    const stop = db.doc(docPath).onSnapshot((snap) => {
      const data = snap.data() as RunDocument | undefined;
      if (!done(data)) return;
      clearTimeout(timer);
      stop();
      resolve({ atMs: Date.now(), data });
    }, reject);
  });
}

async function main() {
  requireEmulators();
  const db = adminDb();
  const seed = readSeed();
  // Refunds and crashed stages after the charge are what is timed: charged as soon as the image passes.
  const settings = PipelineSettingsSchema.parse({ ...seed.config.pipeline, sceneSeconds: 2, approval: "off" });
  await db.doc(PIPELINE_SETTINGS_PATH).set(settings);
  const scenes = minScenesFor(settings);
  await db.doc(ROLLOUT_FLAG_PATH).set(seed.config.rollout);
  const uid = `bench-recovery-${Date.now()}`;
  await grantCredits(db, uid, `bench-${uid}`, 20 * RUNS, "recovery benchmark");

  // 1. failed → refund notification, one run at a time so each is measured unloaded.
  const refundMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const runId = await startRun(db, uid, scenes, { visual_dna: "all_models_down" });
    const failed = await watch(db, paths.run(runId), (r) => r?.status === "failed");
    const failedAtMs = failed.data?.updatedAt?.toMillis() ?? failed.atMs;
    const notice = await watch(db, paths.notification(uid, `refund_${runId}`), (d) => d !== undefined);
    refundMs.push(notice.atMs - failedAtMs);
  }

  // 2. crashed stage → recovered by the sweeper.
  const recoveryMs: number[] = [];
  const succeededMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const runId = await startRun(db, uid, scenes, { charge: "crash_after" });
    await watch(db, paths.run(runId), (r) => r?.stage === "visual_dna" && r.stageState === "claimed");
    await new Promise((resolve) => setTimeout(resolve, 500)); // the crashed delivery has ended
    const sweptAtMs = Date.now();
    await sweepStuckRuns(db, Date.now() + HOUR_MS);
    await watch(db, paths.run(runId), (r) => r?.stage !== "visual_dna" || r.status !== "running");
    recoveryMs.push(Date.now() - sweptAtMs);
    await watch(db, paths.run(runId), (r) => r?.status === "succeeded");
    succeededMs.push(Date.now() - sweptAtMs);
  }

  const row = (label: string, values: number[]) =>
    console.log(
      `${label.padEnd(52)} p50 ${String(percentile(values, 50)).padStart(6)} ms   p95 ${String(percentile(values, 95)).padStart(6)} ms   (n=${values.length})`,
    );
  console.log(
    `recovery benchmark: ${RUNS} runs each, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} on ${cpus().length} cores`,
  );
  row("failed → refund notification (onRunFailed)", refundMs);
  row("sweep → crashed stage running again", recoveryMs);
  row("sweep → crashed run succeeded", succeededMs);
  const sweep = SWEEP_INTERVAL_MINUTES * 60;
  console.log("bounds in production (settings):");
  console.log(`  refund lost with its worker: repaired by the next sweep, within ${sweep} s (sweep interval)`);
  console.log(
    `  crashed stage: lease ${settings.stageLeaseSeconds} s (timeout ${STAGE_TIMEOUT_SECONDS} s + skew margin) + sweep interval ${sweep} s = at most ${settings.stageLeaseSeconds + sweep} s before it runs again; ${settings.maxStageAttempts} attempts, then failed and refunded`,
  );
  console.log(`  scenes stage: lease ${settings.scenesLeaseSeconds} s + ${sweep} s`);
  process.exit(0);
}

main().catch((error) => {
  console.error(`benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
