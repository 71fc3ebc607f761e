/**
 * The user's answer to "Quality reduced": accept (continue), retry (re-render only the
 * Ken Burns scenes, no extra charge), refund (fail the run through the one refund path).
 */
import { Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { paths } from "../contract/paths";
import type { RunDocument } from "../contract/runDocument";
import { advanceUpdate } from "../lifecycle/runStore";
import { progressAtStart, scenesProgress } from "../lifecycle/stateMachine";
import { STAGE_LABELS, userMessages } from "../messages";
import { loadPipelineSettings } from "../pipelineSettings";
import type { PipelineDeps } from "./deps";

export async function applyDecision(runId: string, deps: PipelineDeps): Promise<void> {
  const { db } = deps;
  const settings = await loadPipelineSettings(db);
  const ref = db.doc(paths.run(runId));
  const retried = await db.runTransaction(async (tx) => {
    const run = (await tx.get(ref)).data() as RunDocument | undefined;
    if (!run || run.status !== "awaiting_decision" || !run.decision) return null;
    const now = Timestamp.now();
    const logged = { decision: null, decisionLog: [...(run.decisionLog ?? []), { decision: run.decision, at: now }] };
    if (run.decision === "accept") {
      tx.update(ref, {
        status: "running",
        ...advanceUpdate("voice", progressAtStart("voice"), STAGE_LABELS.voice),
        ...logged,
        updatedAt: now,
      });
      return null;
    }
    if (run.decision === "refund") {
      tx.update(ref, {
        status: "failed",
        stageState: null,
        lease: null,
        failure: {
          stage: "scenes",
          reason: "user_refused_quality",
          userMessage: userMessages.refusedByUser,
          refunded: false,
        },
        progress: { pct: 100, message: userMessages.refusedByUser },
        ...logged,
        updatedAt: now,
      });
      return null;
    }
    const retriesLeft = run.decisionRetriesLeft ?? 0;
    if (retriesLeft <= 0) {
      tx.update(ref, {
        ...logged,
        progress: { pct: run.progress?.pct ?? 75, message: "No retries left: choose Accept or Refund." },
        updatedAt: now,
      });
      return null;
    }
    const staticScenes = await tx.get(db.collection(paths.scenes(runId)).where("method", "==", "ken-burns"));
    const round = (run.scenesRound ?? 0) + 1;
    for (const scene of staticScenes.docs) tx.update(scene.ref, { status: "pending", round, updatedAt: now });
    const total = run.quality?.totalScenes ?? staticScenes.size;
    tx.update(ref, {
      status: "running",
      stage: "scenes",
      stageState: "waiting",
      stageAttempt: 1,
      scenesRound: round,
      decisionRetriesLeft: retriesLeft - 1,
      lease: {
        owner: `retry-${round}`,
        expiresAt: Timestamp.fromMillis(Date.now() + settings.scenesLeaseSeconds * 1000),
      },
      progress: {
        pct: scenesProgress(total - staticScenes.size, total),
        message: `Retrying ${staticScenes.size} static scene(s)`,
      },
      ...logged,
      updatedAt: now,
    });
    return { round, scenes: staticScenes.docs.map((d) => Number(d.get("sceneNumber"))) };
  });
  if (retried) {
    logger.info("retrying static scenes", { runId, ...retried });
    await deps.scenes.dispatch(retried.scenes.map((sceneNumber) => ({ runId, sceneNumber, round: retried.round })));
  }
}
