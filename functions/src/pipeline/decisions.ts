/**
 * The user's answers. "Quality reduced": accept (continue), retry (re-render only the Ken
 * Burns scenes, no extra charge), refund (fail the run through the one refund path). The face
 * warning: cancel (end uncharged). Each answer is applied through the transition table in the
 * transaction that reads it, so an answer is applied once and never replaced.
 */
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { paths } from "../contract/paths";
import type { RunDocument } from "../contract/runDocument";
import { scenesProgress } from "../lifecycle/stateMachine";
import { applyTransition, transitionRun, transitions, type TransitionResult } from "../lifecycle/transitions";
import { userMessages } from "../messages";
import { freshScene } from "./sceneTask";

export async function applyDecision(db: Firestore, runId: string): Promise<TransitionResult | null> {
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
    const result = applyTransition(
      tx,
      ref,
      run,
      transitions.retryScenes(run, round, {
        now,
        // The new round starts where the bar stands: none of its scenes is done yet.
        progress: {
          pct: scenesProgress(round, 0, staticScenes.size),
          message: userMessages.retryingScenes(staticScenes.size),
        },
      }),
    );
    if (result.kind === "applied") {
      // A fresh scene for the new round: no generation, the video chain from its start.
      for (const scene of staticScenes.docs) {
        const fresh = freshScene(Number(scene.get("sceneNumber")), round, scene.get("attempts") ?? []);
        tx.set(scene.ref, { ...fresh, updatedAt: now });
      }
      logger.info("retrying static scenes", { runId, round, scenes: staticScenes.docs.map((d) => d.id) });
    }
    return { result };
  });
  return applied?.result ?? null;
}

/** "Cancel" at the face warning: the run ends uncharged. */
export async function applyCancel(db: Firestore, runId: string): Promise<TransitionResult> {
  return transitionRun(db, runId, (run) => transitions.cancel(run));
}
