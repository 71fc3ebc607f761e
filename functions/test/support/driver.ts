/**
 * Drives a run by calling the real handlers directly against a Firestore project with no
 * triggers, delivering every event twice (at-least-once delivery) and scene tasks in reverse.
 */
import type { Firestore } from "firebase-admin/firestore";
import { loadRuntimeConfig } from "../../src/config";
import { paths } from "../../src/contract/paths";
import type { RunDocument } from "../../src/contract/runDocument";
import { handleRunFailed, handleRunUpdated } from "../../src/pipeline/advance";
import type { PipelineDeps, SceneDispatcher, SceneTask } from "../../src/pipeline/deps";
import { handleRunCreated } from "../../src/pipeline/preflightStage";
import { handleSceneTask } from "../../src/pipeline/sceneTask";
import { buildPipelineDeps } from "../../src/wiring";
import { LOCAL_BUCKET } from "./emulator";

export class RecordingDispatcher implements SceneDispatcher {
  readonly queued: SceneTask[] = [];
  readonly dispatched: SceneTask[] = [];
  async dispatch(tasks: SceneTask[]): Promise<void> {
    this.queued.push(...tasks);
    this.dispatched.push(...tasks);
  }
}

export function handlerDeps(db: Firestore): { deps: PipelineDeps; dispatcher: RecordingDispatcher } {
  const dispatcher = new RecordingDispatcher();
  const config = loadRuntimeConfig({ FUNCTIONS_EMULATOR: "true", FAIRSHOT_LOCAL_BUCKET: LOCAL_BUCKET });
  return { deps: buildPipelineDeps(config, db, dispatcher), dispatcher };
}

const twice = <T>(work: () => Promise<T>) => Promise.all([work(), work()]);

/** Delivers each event twice until the run settles or waits for the user. */
export async function drive(db: Firestore, runId: string, deps: PipelineDeps, dispatcher: RecordingDispatcher) {
  await twice(() => handleRunCreated(runId, deps));
  let previous = (await db.doc(paths.run(runId)).get()).data() as RunDocument;
  for (let step = 0; step < 40; step++) {
    const tasks = dispatcher.queued.splice(0).reverse();
    for (const task of tasks) await twice(() => handleSceneTask(task, { retryCount: 0, maxAttempts: 1 }, deps));
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
