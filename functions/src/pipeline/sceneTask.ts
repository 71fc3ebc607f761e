/**
 * One scene, rendered by a task-queue function. The video model (Veo, or its local stand-in)
 * goes first; a filtered or rate-limited scene becomes a Ken Burns clip with its reason
 * recorded. The last scene to finish decides, in one transaction, what happens next.
 */
import path from "node:path";
import { FieldValue, Timestamp, type DocumentReference, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { RUN_ID_PATTERN, objects, paths, sceneId } from "../contract/paths";
import { MAX_SCENES, type Attempt, type FallbackReason, type SceneMethod } from "../contract/run";
import { z } from "zod";
import type { RunDocument } from "../contract/runDocument";
import { writeNotification } from "../ledger/notifications";
import { frameSize } from "../media/clip";
import { failRun } from "../lifecycle/runStore";
import { needsDecision, qualityOf, scenesProgress } from "../lifecycle/stateMachine";
import { applyTransition, minutesAfter, transitions } from "../lifecycle/transitions";
import { STAGE_LABELS, notificationTexts, userMessages } from "../messages";
import { loadPipelineSettings } from "../pipelineSettings";
import type { VideoOutcome } from "../providers/types";
import type { PipelineDeps, SceneTask } from "./deps";
import { PipelineFailure } from "./failure";
import { callContext, runInputOf } from "./runContext";
import { extensionOf, withWorkspace } from "./workspace";

export const SceneTaskSchema = z.object({
  runId: z.string().regex(RUN_ID_PATTERN),
  sceneNumber: z.number().int().min(1).max(MAX_SCENES),
  round: z.number().int().min(0).max(10),
});

export interface TaskDelivery {
  /** 0 on the first attempt. */
  retryCount: number;
  maxAttempts: number;
}

/** Thrown to have Cloud Tasks retry the scene with backoff. */
export class RetryScene extends Error {}

export interface SceneDocument {
  sceneNumber: number;
  round: number;
  status: "pending" | "rendering" | "done";
  method: SceneMethod;
  fallbackReason: FallbackReason | null;
  video: string;
  model: string;
  tier: string;
  attempts: Attempt[];
  durationMs: number;
  /** A Veo operation still rendering when the last delivery ended. */
  operationName?: string | null;
}

export type SceneDisposition = { kind: "keep" } | { kind: "retry" } | { kind: "ken_burns"; reason: FallbackReason };

/** What to do with the video model's outcome on this delivery: keep it, retry later, or fall back. */
export function sceneDisposition(outcome: VideoOutcome, delivery: TaskDelivery): SceneDisposition {
  const lastAttempt = delivery.retryCount + 1 >= delivery.maxAttempts;
  switch (outcome.kind) {
    case "video":
      return { kind: "keep" };
    case "filtered":
      return { kind: "ken_burns", reason: outcome.reason };
    case "rate_limited":
      return lastAttempt ? { kind: "ken_burns", reason: "rate_limit" } : { kind: "retry" };
    case "error":
    case "pending":
      return lastAttempt ? { kind: "ken_burns", reason: "veo_error" } : { kind: "retry" };
    default:
      return outcome satisfies never;
  }
}

export async function handleSceneTask(task: SceneTask, delivery: TaskDelivery, deps: PipelineDeps): Promise<void> {
  const { db } = deps;
  const runRef = db.doc(paths.run(task.runId));
  const run = (await runRef.get()).data() as RunDocument | undefined;
  if (!run || run.status !== "running" || run.stage !== "scenes" || (run.scenesRound ?? 0) !== task.round) return;
  const id = sceneId(task.sceneNumber);
  const sceneRef = db.doc(paths.scene(task.runId, id));
  const settings = await loadPipelineSettings(db);
  const claim = await claimScene(sceneRef, task, settings.stageLeaseSeconds);
  if (claim.kind === "done") {
    await finishScenesIfComplete(db, task.runId, task.round);
    return;
  }
  // Another delivery of this task is rendering the scene (rendering twice would pay Veo twice),
  // or the scene belongs to a later round.
  if (claim.kind === "busy" || claim.kind === "stale") return;
  const existing = claim.scene;
  const scene = run.script?.scenes[task.sceneNumber - 1];
  if (!scene) throw new Error(`run ${task.runId} has no scene ${task.sceneNumber}`);
  const input = runInputOf(run);
  const started = Date.now();
  try {
    const doc = await withWorkspace(deps.workDir, `scene-${task.runId}-${id}`, async (dir) => {
      const imageFile = path.join(dir, `product${extensionOf(input.image)}`);
      await deps.store.download(input.image, imageFile);
      const { width, height } = frameSize(input.aspectRatio);
      const outFile = path.join(dir, `${id}.mp4`);
      const request = { runId: task.runId, sceneIndex: task.sceneNumber - 1, scene, imageFile, outFile, width, height };
      const videoStarted = Date.now();
      // A Veo operation still rendering at the last delivery is resumed, not paid for twice.
      const pendingOperation = existing?.round === task.round ? existing.operationName : undefined;
      const ctx = callContext(task.runId, run);
      const outcome =
        pendingOperation && deps.video.resume
          ? await deps.video.resume(pendingOperation, request, ctx)
          : await deps.video.generate(request, ctx);
      const attempt: Attempt = {
        model: outcome.model,
        tier: outcome.kind === "video" ? outcome.tier : "primary",
        errorClass:
          outcome.kind === "video"
            ? null
            : outcome.kind === "filtered"
              ? "content_policy"
              : outcome.kind === "rate_limited"
                ? "rate_limited"
                : "transient",
        ...(outcome.kind !== "video" && { error: outcome.detail }),
        durationMs: Date.now() - videoStarted,
      };
      const disposition = sceneDisposition(outcome, delivery);
      await sceneRef.set(
        {
          sceneNumber: task.sceneNumber,
          round: task.round,
          // The delivery number keeps equal attempts apart (arrayUnion drops duplicates) while a
          // repeated delivery of the same attempt stays recorded once.
          attempts: FieldValue.arrayUnion({ ...attempt, delivery: delivery.retryCount }),
          operationName: outcome.kind === "pending" ? outcome.operationName : null,
          updatedAt: Timestamp.now(),
        },
        { merge: true },
      );
      if (disposition.kind === "retry") throw new RetryScene(`scene ${task.sceneNumber}: ${attempt.error}`);
      let method: SceneMethod = "veo-3.1";
      let fallbackReason: FallbackReason | null = null;
      let model = outcome.model;
      let tier = attempt.tier;
      if (disposition.kind === "ken_burns") {
        await deps.media.kenBurns({
          imageFile,
          outFile,
          width,
          height,
          seconds: scene.durationSec,
          motion: scene.motion,
        });
        method = "ken-burns";
        fallbackReason = disposition.reason;
        model = "ken-burns";
        tier = "fallback";
      }
      const video = objects.sceneClip(task.runId, id, task.round);
      await deps.store.upload(outFile, video, "video/mp4");
      return { method, fallbackReason, video, model, tier };
    });
    await writeSceneOfRound(sceneRef, task.round, {
      ...doc,
      sceneNumber: task.sceneNumber,
      round: task.round,
      status: "done",
      lease: null,
      durationMs: Date.now() - started,
      updatedAt: Timestamp.now(),
    });
  } catch (error) {
    // Hand the scene back so the queue's next attempt can claim it.
    await writeSceneOfRound(sceneRef, task.round, { status: "pending", lease: null, updatedAt: Timestamp.now() });
    if (error instanceof RetryScene || delivery.retryCount + 1 < delivery.maxAttempts) throw error;
    logger.error("scene failed for good", { runId: task.runId, scene: task.sceneNumber, error: String(error) });
    await failRun(
      db,
      task.runId,
      new PipelineFailure({
        stage: "scenes",
        reason: `scene ${task.sceneNumber}: ${String(error)}`,
        userMessage: userMessages.sceneFailed(task.sceneNumber),
      }),
      { status: ["running"], stage: "scenes", scenesRound: task.round },
    );
    return;
  }
  await finishScenesIfComplete(db, task.runId, task.round);
}

/** Writes the scene's result unless a "retry" moved the scene to a later round meanwhile. */
async function writeSceneOfRound(ref: DocumentReference, round: number, data: Record<string, unknown>) {
  await ref.firestore.runTransaction(async (tx) => {
    const stored = (await tx.get(ref)).get("round") as number | undefined;
    if (stored === undefined || stored <= round) tx.set(ref, data, { merge: true });
  });
}

type SceneClaim =
  { kind: "claimed"; scene: SceneDocument | undefined } | { kind: "busy" } | { kind: "done" } | { kind: "stale" };

/** Claims one scene of one round for this delivery, compare-and-set on its status with a lease. */
async function claimScene(ref: DocumentReference, task: SceneTask, leaseSeconds: number): Promise<SceneClaim> {
  return ref.firestore.runTransaction(async (tx) => {
    const scene = (await tx.get(ref)).data() as (SceneDocument & { lease?: Timestamp | null }) | undefined;
    // A late delivery of an earlier round never touches a scene a "retry" moved on.
    if (scene && scene.round > task.round) return { kind: "stale" };
    const sameRound = scene?.round === task.round;
    if (sameRound && scene?.status === "done") return { kind: "done" };
    if (sameRound && scene?.status === "rendering" && scene.lease && scene.lease.toMillis() > Date.now()) {
      return { kind: "busy" };
    }
    tx.set(
      ref,
      {
        sceneNumber: task.sceneNumber,
        round: task.round,
        status: "rendering",
        startedAt: Timestamp.now(),
        lease: Timestamp.fromMillis(Date.now() + leaseSeconds * 1000),
        updatedAt: Timestamp.now(),
      },
      { merge: true },
    );
    return { kind: "claimed", scene };
  });
}

/**
 * Runs after each scene (and after a scenes stage with nothing left to render, and from the
 * sweeper): when every scene of the round is done, computes the quality and hands the run to
 * the voice stage or to the user's decision. One transaction decides, whatever the order.
 */
export async function finishScenesIfComplete(db: Firestore, runId: string, round: number): Promise<void> {
  const settings = await loadPipelineSettings(db);
  const runRef = db.doc(paths.run(runId));
  await db.runTransaction(async (tx) => {
    const run = (await tx.get(runRef)).data() as RunDocument | undefined;
    if (!run || run.status !== "running" || run.stage !== "scenes" || run.stageState !== "waiting") return;
    if ((run.scenesRound ?? 0) !== round) return;
    const planned = run.script?.scenes.length ?? 0;
    const scenes = (await tx.get(db.collection(paths.scenes(runId)))).docs.map((d) => d.data() as SceneDocument);
    const done = scenes.filter((s) => s.status === "done");
    const now = Timestamp.now();
    if (done.length < planned) {
      if (run.progress?.pct === scenesProgress(done.length, planned)) return;
      applyTransition(
        tx,
        runRef,
        run,
        transitions.scenesProgress(round, {
          pct: scenesProgress(done.length, planned),
          message: `${STAGE_LABELS.scenes}: ${done.length} of ${planned} done`,
        }),
      );
      return;
    }
    const quality = qualityOf(done.map((s) => s.method));
    if (!needsDecision(quality, settings)) {
      applyTransition(tx, runRef, run, transitions.scenesDone(round, quality));
      return;
    }
    const staticScenes = done
      .filter((s) => s.method === "ken-burns")
      .sort((a, b) => a.sceneNumber - b.sceneNumber)
      .map((s) => ({ scene: s.sceneNumber, reason: s.fallbackReason ?? "unknown" }));
    const text = notificationTexts.qualityReduced(staticScenes, quality.degradationPct);
    const asked = applyTransition(
      tx,
      runRef,
      run,
      transitions.askDecision(round, {
        quality,
        staticScenes,
        retriesLeft: run.decisionRetriesLeft ?? settings.maxDecisionRetries,
        progress: { pct: scenesProgress(done.length, planned), message: text.body },
        now,
        answerBy: minutesAfter(now, settings.decisionTimeoutMinutes),
      }),
    );
    if (asked.kind === "applied") {
      writeNotification(tx, db, run.uid, `quality_${runId}_r${round}`, runId, "quality_reduced", text, now);
    }
  });
}
