/**
 * Load: many runs submitted at once on the cloud tier's video chain, against the Vertex AI Veo
 * stand-in with a fixed generation time, under the project's video quota. Is throughput bound by
 * the quota alone, what does a scene cost in function time, does any run fail for waiting?
 *
 * The real handlers, the real Firestore emulator, @google/genai against the stand-in, real ffmpeg.
 * Two in-process stand-ins replace what the emulators cannot do at this scale on one machine: a task
 * queue with Cloud Tasks' semantics (schedule delays, retries with backoff on a thrown delivery,
 * a concurrent-dispatch limit, task-id dedup), and a watcher that delivers each run's document
 * changes to the trigger handlers. The stand-in serves one tiny pre-made clip, so the machine's
 * CPU goes to the pipeline's own work (normalising each clip to 1080x1920), not to the stand-in.
 *
 * Run: npm run bench:load   (BENCH_RUNS, BENCH_SCENES, BENCH_GENERATION_SECONDS, BENCH_QUOTA,
 * BENCH_TIMEOUT_MINUTES override the defaults 40, 4, 30, 8, 25; BENCH_POLL_SECONDS the production
 * first poll wait, 15 s).
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { Firestore, Timestamp } from "firebase-admin/firestore";
import os from "node:os";
import path from "node:path";
import { loadRuntimeConfig } from "../src/config";
import { PipelineSettingsSchema } from "../src/pipelineSettings";
import { paths, sceneTaskId } from "../src/contract/paths";
import type { RunDocument } from "../src/contract/runDocument";
import { handleRunFailed, handleRunUpdated } from "../src/pipeline/advance";
import type { SceneDispatcher, SceneTask, PipelineDeps } from "../src/pipeline/deps";
import { handleRunCreated } from "../src/pipeline/preflightStage";
import { handleSceneTask } from "../src/pipeline/sceneTask";
import { VeoVideoGenerator } from "../src/providers/cloud/veo";
import { buildPipelineDeps } from "../src/wiring";
import {
  clearProject,
  createRun,
  firestoreFor,
  LOCAL_BUCKET,
  newUser,
  upload,
  writeSettings,
} from "../test/support/emulator";
import { upscaledCoffee } from "../test/support/samples";
import { standinClient, startVeoStandin } from "../src/providers/standins/veo";

const PROJECT = "demo-fairshot-load";
const MODEL = "veo-3.1-generate-001";
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RUNS = env("BENCH_RUNS", 40);
const SCENES = env("BENCH_SCENES", 4);
const GENERATION_SECONDS = env("BENCH_GENERATION_SECONDS", 30);
const QUOTA = env("BENCH_QUOTA", 8);
const POLL_SECONDS = process.env.BENCH_POLL_SECONDS ? Number(process.env.BENCH_POLL_SECONDS) : undefined;
const TIMEOUT_MINUTES = env("BENCH_TIMEOUT_MINUTES", 25);
/** As deployed: many short deliveries at once; the quota, not the queue, bounds generations. */
const MAX_CONCURRENT_DISPATCHES = 50;
const MAX_ATTEMPTS = 3;

/** Cloud Tasks as the scene queue sees it, in process. */
class InProcessTaskQueue implements SceneDispatcher {
  private readonly ids = new Set<string>();
  private readonly ready: { task: SceneTask; attempt: number }[] = [];
  private running = 0;
  private timers = new Set<NodeJS.Timeout>();
  deps!: PipelineDeps;
  /** Wall time of each delivery, per scene. */
  readonly deliveries = new Map<string, number[]>();
  failedDeliveries = 0;
  abandoned = 0;

  async dispatch(tasks: SceneTask[], delaySeconds = 0): Promise<void> {
    for (const task of tasks) {
      const id = sceneTaskId(task.runId, task.sceneNumber, task.round, task.step);
      if (this.ids.has(id)) continue;
      this.ids.add(id);
      this.later(delaySeconds * 1000, { task, attempt: 0 });
    }
  }

  private later(ms: number, item: { task: SceneTask; attempt: number }) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.ready.push(item);
      this.pump();
    }, ms);
    this.timers.add(timer);
  }

  private pump() {
    while (this.running < MAX_CONCURRENT_DISPATCHES && this.ready.length > 0) {
      const item = this.ready.shift()!;
      this.running++;
      void this.deliver(item).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async deliver({ task, attempt }: { task: SceneTask; attempt: number }) {
    const key = `${task.runId}/${task.sceneNumber}`;
    const started = performance.now();
    try {
      await handleSceneTask(task, { retryCount: attempt, maxAttempts: MAX_ATTEMPTS }, this.deps);
    } catch {
      this.failedDeliveries++;
      if (attempt + 1 < MAX_ATTEMPTS) this.later(Math.min(2 ** attempt, 30) * 1000, { task, attempt: attempt + 1 });
      else this.abandoned++;
    } finally {
      const list = this.deliveries.get(key) ?? [];
      list.push(performance.now() - started);
      this.deliveries.set(key, list);
    }
  }

  stop() {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

/** Delivers each run's document changes to the trigger handlers, one at a time per run, as Firestore triggers would. */
function watchRun(db: Firestore, runId: string, deps: PipelineDeps, onEnd: (run: RunDocument) => void) {
  let previous: RunDocument | undefined;
  let chain = Promise.resolve();
  const stop = db.doc(paths.run(runId)).onSnapshot((snap) => {
    const after = snap.data() as RunDocument | undefined;
    if (!after) return;
    const before = previous;
    previous = after;
    const eventId = snap.updateTime?.toMillis().toString() ?? String(Date.now());
    chain = chain.then(async () => {
      if (before) await handleRunFailed(runId, before, after, db).catch(() => undefined);
      await handleRunUpdated(runId, after, eventId, deps).catch(() => undefined);
      if (after.status === "succeeded" || (after.status === "failed" && after.failure?.refunded)) onEnd(after);
    });
  });
  return stop;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
};

async function main() {
  const load = () =>
    os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(" ");
  const loadBefore = load();
  const db = firestoreFor(PROJECT);
  await clearProject(PROJECT);
  // The production waits between a scene's looks (polls, quota), not the tests' short ones.
  const production = PipelineSettingsSchema.parse({});
  await writeSettings(db, {
    sceneSeconds: 4,
    videoInFlightLimit: QUOTA,
    videoPollSeconds: POLL_SECONDS ?? production.videoPollSeconds,
    videoQuotaWaitSeconds: production.videoQuotaWaitSeconds,
    videoQuotaWaitMaxSeconds: production.videoQuotaWaitMaxSeconds,
  });
  const workDir = await mkdtemp(path.join(os.tmpdir(), "load-bench-"));
  const standin = await startVeoStandin({
    workDir,
    accessToken: "bench-token",
    models: [MODEL],
    script: () => ({ generationMs: GENERATION_SECONDS * 1000 }),
  });
  const queue = new InProcessTaskQueue();
  const config = loadRuntimeConfig({ FUNCTIONS_EMULATOR: "true", FAIRSHOT_LOCAL_BUCKET: LOCAL_BUCKET });
  const deps = buildPipelineDeps(config, db, queue);
  deps.video = [
    {
      model: MODEL,
      tier: "primary",
      generator: new VeoVideoGenerator({ client: { ai: standinClient(standin) }, model: MODEL }),
    },
  ];
  queue.deps = deps;

  const image = await upscaledCoffee();
  const runs: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const uid = await newUser(db);
    runs.push(await createRun(db, { uid, image: await upload(uid, "product.png", image), scenes: SCENES }));
  }
  console.log(
    `${RUNS} runs x ${SCENES} scenes; generation ${GENERATION_SECONDS} s; quota ${QUOTA} in flight; load average before: ${loadBefore}`,
  );

  const started = performance.now();
  const startedAt = Date.now();
  const ended = new Map<string, { ms: number; run: RunDocument }>();
  const stops: (() => void)[] = [];
  const allEnded = new Promise<void>((resolve) => {
    for (const runId of runs) {
      stops.push(
        watchRun(db, runId, deps, (run) => {
          if (!ended.has(runId)) ended.set(runId, { ms: performance.now() - started, run });
          if (ended.size === runs.length) resolve();
        }),
      );
    }
  });
  await Promise.all(runs.map((runId) => handleRunCreated(runId, deps)));
  const timedOut = await Promise.race([
    allEnded.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), TIMEOUT_MINUTES * 60_000).unref()),
  ]);
  stops.forEach((stop) => stop());
  queue.stop();

  const sceneDocs = (await Promise.all(runs.map((runId) => db.collection(paths.scenes(runId)).get()))).flatMap(
    (s) => s.docs,
  );
  const done = sceneDocs.filter((d) => d.get("status") === "done");
  const generated = done.filter((d) => d.get("method") === "generated");
  const lastSceneAt = Math.max(...done.map((d) => (d.get("updatedAt") as Timestamp).toMillis()));
  // Over the generation window: from the first submission to the provider to the last scene done.
  const scenesPerMinute = (done.length / (lastSceneAt - standin.inFlight.firstAt)) * 60_000;
  const overallPerMinute = (done.length / (lastSceneAt - startedAt)) * 60_000;
  const bound = (QUOTA / GENERATION_SECONDS) * 60;
  const perScene = [...queue.deliveries.values()];
  const totals = perScene.map((list) => list.reduce((a, b) => a + b, 0));
  const clipDelivery = perScene.map((list) => Math.max(...list));
  const waiting = totals.map((total, i) => total - clipDelivery[i]);
  const handlerMs = done.map((d) => Number(d.get("functionMs") ?? 0));
  const failed = [...ended.values()].filter((e) => e.run.status === "failed");
  const times = [...ended.values()].map((e) => e.ms).sort((a, b) => a - b);
  const rows: [string, string][] = [
    ["runs ended / submitted", `${ended.size} / ${RUNS}${timedOut ? ` (stopped after ${TIMEOUT_MINUTES} min)` : ""}`],
    [
      "runs failed (refunded)",
      `${failed.length}${failed.length ? `: ${failed.map((e) => e.run.failure?.reason).join("; ")}` : ""}`,
    ],
    ["scenes done (generated / Ken Burns)", `${done.length} (${generated.length} / ${done.length - generated.length})`],
    [
      "scenes per minute (bound: quota / generation time)",
      `${scenesPerMinute.toFixed(1)} (${bound.toFixed(1)}) = ${((100 * scenesPerMinute) / bound).toFixed(0)}%`,
    ],
    ["scenes per minute from the runs' submission (preflight, script... included)", overallPerMinute.toFixed(1)],
    ["peak generations in flight at the provider", `${standin.inFlight.peak} (quota ${QUOTA})`],
    ["function-seconds per scene, median (all deliveries)", (median(totals) / 1000).toFixed(2)],
    ["  of which the clip delivery (download, normalise, upload)", (median(clipDelivery) / 1000).toFixed(2)],
    ["  of which submit, polls and waits", (median(waiting) / 1000).toFixed(2)],
    ["function-seconds per scene as the handler records it, median", (median(handlerMs) / 1000).toFixed(2)],
    [
      "function time per scene / generation time",
      `${((100 * median(totals)) / 1000 / GENERATION_SECONDS).toFixed(1)}%`,
    ],
    [
      "  waiting only (submit, polls, quota looks) / generation time",
      `${((100 * median(waiting)) / 1000 / GENERATION_SECONDS).toFixed(1)}%`,
    ],
    ["deliveries per scene, median", String(median(perScene.map((list) => list.length)))],
    ["deliveries that threw (retried by the queue)", String(queue.failedDeliveries)],
    ["first run ended after", `${((times[0] ?? 0) / 1000).toFixed(1)} s`],
    ["last run ended after", `${((times[times.length - 1] ?? 0) / 1000).toFixed(1)} s`],
    ["load average after", load()],
  ];
  console.log("| measure | value |\n|---|---|");
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  await standin.close();
  await rm(workDir, { recursive: true, force: true });
  process.exit(timedOut || failed.length > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
