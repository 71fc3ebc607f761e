/**
 * At-least-once delivery: every trigger event and scene task delivered twice, concurrently,
 * against the real Firestore emulator. No second charge, no second refund, no stage run twice.
 */
import { paths } from "../../src/contract/paths";
import { refundRun } from "../../src/ledger/credits";
import { failRun } from "../../src/lifecycle/runStore";
import type { PipelineDeps } from "../../src/pipeline/deps";
import { PipelineFailure } from "../../src/contract/failure";
import type { CallContext, SceneVideoRequest } from "../../src/contract/providers";
import { handleRunCreated } from "../../src/pipeline/preflightStage";
import { balanceOf, clearProject, firestoreFor, movementsOf, startRun, writeSettings } from "../support/emulator";
import { drive, handlerDeps } from "../support/driver";
import { upscaledCoffee as productImage } from "../support/samples";

const PROJECT = "demo-fairshot-delivery";
const db = firestoreFor(PROJECT);
let image: Buffer;

beforeAll(async () => {
  await clearProject(PROJECT);
  await writeSettings(db);
  image = await productImage();
});

const newRun = (faults?: Record<string, string>) => startRun(db, image, { scenes: 2, faults });

/** The handlers' deps with every video generation submitted counted, at the local video model itself. */
function countingGenerations(deps: PipelineDeps) {
  let submitted = 0;
  const video = deps.video.map((entry) => ({
    ...entry,
    generator: {
      submit: (req: SceneVideoRequest, ctx: CallContext) => (submitted++, entry.generator.submit(req, ctx)),
      poll: entry.generator.poll.bind(entry.generator),
    },
  }));
  return { deps: { ...deps, video }, submitted: () => submitted };
}

test("every event delivered twice: one charge, each stage claimed once, one video", async () => {
  const { uid, runId } = await newRun();
  const handlers = handlerDeps(db);
  const { deps, submitted } = countingGenerations(handlers.deps);
  const dispatcher = handlers.dispatcher;
  const run = await drive(db, runId, deps, dispatcher);
  expect(submitted()).toBe(2); // one generation per scene
  expect(run.status).toBe("succeeded");
  expect(await movementsOf(db, uid, runId)).toEqual([{ id: `charge_${runId}`, kind: "charge", amount: -10 }]);
  expect(await balanceOf(db, uid)).toBe(90);
  for (const stage of ["visual_dna", "script", "voice"] as const) {
    expect(run.stages?.[stage]?.attempts).toHaveLength(1);
  }
  // Two scenes, each step dispatched once although the scenes stage and every step saw two deliveries.
  expect(
    dispatcher.dispatched
      .filter((t) => t.step === 0)
      .map((t) => t.sceneNumber)
      .sort(),
  ).toEqual([1, 2]);
  const steps = dispatcher.dispatched.map((t) => `${t.sceneNumber}/${t.step}`);
  expect(new Set(steps).size).toBe(steps.length);
  const scenes = await db.collection(paths.scenes(runId)).get();
  expect(scenes.docs.map((d) => [d.id, d.get("status"), d.get("attempts").length])).toEqual([
    ["scene_01", "done", 1],
    ["scene_02", "done", 1],
  ]);
});

test("a voice that cannot be recorded ends the run before any video generation", async () => {
  const { uid, runId } = await newRun({ voice: "fail" });
  const handlers = handlerDeps(db);
  const { deps, submitted } = countingGenerations(handlers.deps);
  const run = await drive(db, runId, deps, handlers.dispatcher);
  expect(run.failure).toMatchObject({ stage: "voice", refunded: true });
  expect(submitted()).toBe(0);
  expect(handlers.dispatcher.dispatched).toEqual([]);
  expect((await db.collection(paths.scenes(runId)).get()).size).toBe(0);
  expect((await movementsOf(db, uid, runId)).map((m) => m.kind).sort()).toEqual(["charge", "refund"]);
  expect(await balanceOf(db, uid)).toBe(100);
});

test("a failure delivered twice: one refund", async () => {
  const { uid, runId } = await newRun({ script: "all_models_down" });
  const { deps, dispatcher } = handlerDeps(db);
  const run = await drive(db, runId, deps, dispatcher);
  expect(run.status).toBe("failed");
  expect(run.failure).toMatchObject({ stage: "script", refunded: true });
  expect((await movementsOf(db, uid, runId)).map((m) => m.kind).sort()).toEqual(["charge", "refund"]);
  expect(await balanceOf(db, uid)).toBe(100);
});

test("ten concurrent refunds of one run: one refund and nine 'already refunded'", async () => {
  const { uid, runId } = await newRun();
  const { deps } = handlerDeps(db);
  await handleRunCreated(runId, deps); // preflight passes, the run is charged
  expect(await balanceOf(db, uid)).toBe(90);
  await failRun(db, runId, new PipelineFailure({ stage: "visual_dna", reason: "test", userMessage: "Test failure." }));

  const outcomes = await Promise.all(Array.from({ length: 10 }, () => refundRun(db, runId)));
  expect(outcomes.filter((o) => o === "refunded")).toHaveLength(1);
  expect(outcomes.filter((o) => o === "already_refunded")).toHaveLength(9);
  expect(await balanceOf(db, uid)).toBe(100);
  expect((await movementsOf(db, uid, runId)).filter((m) => m.kind === "refund")).toHaveLength(1);
  const run = (await db.doc(paths.run(runId)).get()).data();
  expect(run?.credits).toEqual({ charged: 10, refunded: 10 });
  expect(run?.failure.refunded).toBe(true);
});
