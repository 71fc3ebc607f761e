/**
 * The user's answers. "Quality reduced": accept (continue), retry (re-render only the Ken
 * Burns scenes, no extra charge), refund (fail the run through the one refund path). The face
 * warning: cancel (end uncharged). Each answer is applied through the transition table in the
 * transaction that reads it, so an answer is applied once and never replaced.
 */
import { Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { paths } from "../contract/paths";
import type { RunDocument } from "../contract/runDocument";
import { scenesProgress } from "../lifecycle/stateMachine";
import { applyTransition, transitionRun, transitions, type TransitionResult } from "../lifecycle/transitions";
import { loadPipelineSettings } from "../pipelineSettings";
import type { PipelineDeps } from "./deps";

export async function applyDecision(runId: string, deps: PipelineDeps): Promise<TransitionResult | null> {
  const { db } = deps;
  const settings = await loadPipelineSettings(db);
  const ref = db.doc(paths.run(runId));
  const applied = await db.runTransaction(async (tx) => {
    const run = (await tx.get(ref)).data() as RunDocument | undefined;
    if (!run || run.status !== "awaiting_decision" || !run.decision) return null;
    const now = Timestamp.now();
    if (run.decision === "accept")
      return { result: applyTransition(tx, ref, run, transitions.acceptDecision(run, now)) };
    if (run.decision === "refund")
      return { result: applyTransition(tx, ref, run, transitions.refuseQuality(run, now)) };
    if ((run.decisionRetriesLeft ?? 0) <= 0) {
      return { result: applyTransition(tx, ref, run, transitions.noRetriesLeft(run, now)) };
    }
    const staticScenes = await tx.get(db.collection(paths.scenes(runId)).where("method", "==", "ken-burns"));
    const round = (run.scenesRound ?? 0) + 1;
    const total = run.quality?.totalScenes ?? staticScenes.size;
    const result = applyTransition(
      tx,
      ref,
      run,
      transitions.retryScenes(run, round, {
        leaseSeconds: settings.scenesLeaseSeconds,
        nowMs: now.toMillis(),
        progress: {
          pct: scenesProgress(total - staticScenes.size, total),
          message: `Retrying ${staticScenes.size} static scene(s)`,
        },
      }),
    );
    if (result.kind === "applied") {
      for (const scene of staticScenes.docs) tx.update(scene.ref, { status: "pending", round, updatedAt: now });
    }
    return { result, retry: { round, scenes: staticScenes.docs.map((d) => Number(d.get("sceneNumber"))) } };
  });
  if (!applied) return null;
  if (applied.retry && applied.result.kind === "applied") {
    logger.info("retrying static scenes", { runId, ...applied.retry });
    const { round, scenes } = applied.retry;
    await deps.scenes.dispatch(scenes.map((sceneNumber) => ({ runId, sceneNumber, round })));
  }
  return applied.result;
}

/** "Cancel" at the face warning: the run ends uncharged. */
export async function applyCancel(runId: string, deps: PipelineDeps): Promise<TransitionResult> {
  return transitionRun(deps.db, runId, (run) => transitions.cancel(run));
}
