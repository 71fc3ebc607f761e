/**
 * Scene fan-out with the Veo adapter against the loopback Veo stand-in answering after a fixed
 * delay: the real scene-task handler (claims, Firestore, the adapter's polling) for 4 scenes
 * delivered at once, as the queue dispatches them, against 1 scene alone.
 * Run inside the emulators: node scripts/with-emulators.mjs npx tsx functions/bench/scenes.bench.ts
 */
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { paths } from "../src/contract/paths";
import type { RunDocument } from "../src/contract/runDocument";
import { handleRunUpdated } from "../src/pipeline/advance";
import { handleRunCreated } from "../src/pipeline/preflightStage";
import { handleSceneTask } from "../src/pipeline/sceneTask";
import { VeoVideoProvider } from "../src/video/veo";
import { handlerDeps } from "../test/support/driver";
import { clearProject, createRun, firestoreFor, newUser, upload, writeSettings } from "../test/support/emulator";
import { upscaledCoffee } from "../test/support/samples";
import { startVeoStandin } from "../test/standins/veo";

const PROJECT = "demo-fairshot-bench";
const POLL_MS = 1000;
const PENDING_POLLS = 3;

async function scenesStageMs(sceneCount: number, baseUrl: string): Promise<number> {
  const db = firestoreFor(PROJECT);
  const { deps, dispatcher } = handlerDeps(db);
  deps.video = new VeoVideoProvider({
    client: { apiKey: "bench-key", baseUrl },
    model: "veo-3.1-generate-preview",
    pollIntervalMs: POLL_MS,
    maxPollIntervalMs: POLL_MS,
    deadlineMs: 60_000,
  });
  const uid = await newUser(db);
  const image = await upload(uid, "product.png", await upscaledCoffee());
  const runId = await createRun(db, { uid, image, scenes: sceneCount });
  await handleRunCreated(runId, deps);
  for (let i = 0; i < 3; i++) {
    const run = (await db.doc(paths.run(runId)).get()).data() as RunDocument;
    await handleRunUpdated(runId, run, `bench-${i}`, deps);
  }
  const tasks = dispatcher.queued.splice(0);
  if (tasks.length !== sceneCount) throw new Error(`expected ${sceneCount} scene tasks, got ${tasks.length}`);
  const started = Date.now();
  await Promise.all(tasks.map((task) => handleSceneTask(task, { retryCount: 0, maxAttempts: 3 }, deps)));
  const elapsed = Date.now() - started;
  const run = (await db.doc(paths.run(runId)).get()).data() as RunDocument;
  if (run.stage !== "voice") throw new Error(`scenes did not complete: ${run.status}/${run.stage}`);
  return elapsed;
}

async function main() {
  await clearProject(PROJECT);
  await writeSettings(firestoreFor(PROJECT));
  const standin = await startVeoStandin({
    workDir: await mkdtemp(path.join(os.tmpdir(), "veo-bench-")),
    apiKey: "bench-key",
    script: () => ({ pendingPolls: PENDING_POLLS }),
  });
  const rows: [string, number][] = [];
  for (const count of [1, 4, 1, 4]) rows.push([`${count} scene(s)`, await scenesStageMs(count, standin.baseUrl)]);
  await standin.close();
  console.log(`Veo stand-in: ${PENDING_POLLS} pending polls, ${POLL_MS} ms poll interval`);
  console.log("| scenes | scenes stage wall ms |\n|---|---|");
  for (const [label, ms] of rows) console.log(`| ${label} | ${ms} |`);
  const one = Math.min(rows[0][1], rows[2][1]);
  const four = Math.min(rows[1][1], rows[3][1]);
  console.log(`4 scenes / 1 scene: ${(four / one).toFixed(2)}x (1.00 = perfect fan-out, 4.00 = serial)`);
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
