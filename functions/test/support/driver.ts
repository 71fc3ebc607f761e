/**
 * Drives a run by calling the real handlers directly against a Firestore project with no
 * triggers, delivering every event twice (at-least-once delivery) and the scene tasks waiting in the
 * queue together, started in reverse.
 */
import type { Firestore } from "firebase-admin/firestore";
import { loadRuntimeConfig } from "../../src/config";
import { paths } from "../../src/contract/paths";
import type { RunDocument } from "../../src/contract/runDocument";
import { handleRunFailed, handleRunUpdated } from "../../src/pipeline/advance";
import type { PipelineDeps, SceneDispatcher, SceneTask } from "../../src/pipeline/deps";
import { handleRunCreated } from "../../src/pipeline/preflightStage";
import { handleSceneTask, SceneBusy } from "../../src/pipeline/sceneTask";
import { buildPipelineDeps } from "../../src/wiring";
import { LOCAL_BUCKET } from "./emulator";

/** Records scene steps; delays are not waited out (the driver delivers each step at once). */
export class RecordingDispatcher implements SceneDispatcher {
  readonly queued: SceneTask[] = [];
  readonly dispatched: SceneTask[] = [];
  async dispatch(tasks: SceneTask[]): Promise<void> {
    this.queued.push(...tasks);
    this.dispatched.push(...tasks);
  }
}

/**
 * Under load the Firestore emulator ends a transaction that waited too long for another's lock with
 * INVALID_ARGUMENT "Transaction is invalid or closed" (or ABORTED "Transaction lock timeout"), where
 * Firestore answers ABORTED and the SDK tries again; the emulator's owners say it is not built for
 * parallel load (firebase-tools issue 6758). Such a delivery is delivered again, as the platform would
 * redeliver a failed one; any other error is the test's failure.
 */
const EMULATOR_CONTENTION = /Transaction (is invalid or closed|lock timeout)/;
async function redeliveredOnContention<T>(deliver: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deliver();
    } catch (error) {
      if (attempt >= 3 || !EMULATOR_CONTENTION.test(String((error as Error).message))) throw error;
    }
  }
}

/** Delivers a scene step twice at once; a delivery refused as busy goes back to the queue, as Cloud Tasks retries it. */
async function deliverTwice(task: SceneTask, deps: PipelineDeps, dispatcher: RecordingDispatcher): Promise<void> {
  const results = await Promise.allSettled(
    [0, 1].map(() => redeliveredOnContention(() => handleSceneTask(task, { retryCount: 0, maxAttempts: 1 }, deps))),
  );
  for (const result of results) {
    if (result.status === "fulfilled") continue;
    if (!(result.reason instanceof SceneBusy)) throw result.reason;
    dispatcher.queued.push(task);
  }
}

export function handlerDeps(db: Firestore): { deps: PipelineDeps; dispatcher: RecordingDispatcher } {
  const dispatcher = new RecordingDispatcher();
  const config = loadRuntimeConfig({ FUNCTIONS_EMULATOR: "true", FAIRSHOT_LOCAL_BUCKET: LOCAL_BUCKET });
  return { deps: buildPipelineDeps(config, db, dispatcher), dispatcher };
}

const twice = <T>(work: () => Promise<T>) =>
  Promise.all([redeliveredOnContention(work), redeliveredOnContention(work)]);

/** Delivers each event twice until the run settles or waits for the user. */
export async function drive(db: Firestore, runId: string, deps: PipelineDeps, dispatcher: RecordingDispatcher) {
  await twice(() => handleRunCreated(runId, deps));
  let previous = (await db.doc(paths.run(runId)).get()).data() as RunDocument;
  for (let step = 0; step < 80; step++) {
    // The queue delivers the steps waiting in it at once, not one after another.
    const tasks = dispatcher.queued.splice(0).reverse();
    const delivered = await Promise.allSettled(tasks.map((task) => deliverTwice(task, deps, dispatcher)));
    for (const result of delivered) if (result.status === "rejected") throw result.reason;
    const run = (await db.doc(paths.run(runId)).get()).data() as RunDocument;
    await twice(() => handleRunFailed(runId, previous, run, deps.db));
    await twice(() => handleRunUpdated(runId, run, `event-${step}`, deps));
    previous = run;
    const next = (await db.doc(paths.run(runId)).get()).data() as RunDocument;
    const idle = dispatcher.queued.length === 0 && JSON.stringify(next) === JSON.stringify(run);
    if (idle && (run.status !== "running" || run.stageState !== "pending")) return next;
  }
  throw new Error(`run ${runId} did not settle`);
}
