/**
 * Builds MetricRun[] from Firestore: runs by createdAt, their scenes, refund notifications, and the
 * charge movements of approved storyboards (when each was approved).
 */
import { Timestamp, type DocumentReference, type Firestore } from "firebase-admin/firestore";
import { z } from "zod";
import { ledgerIds, paths } from "../contract/paths";
import { FALLBACK_REASONS, MODEL_TIERS, RUN_STATUSES } from "../contract/run";
import { QUALITY_CAUSES } from "../contract/quality";
import { COHORTS } from "../contract/cohorts";
import { isLegacyFallback } from "../rollout/legacy";
import { dayRange, type MetricRun } from "./compute";
import { spendOf, type CostedAttempt, type CostStage } from "./spend";

const AttemptSchema = z.object({
  tier: z.enum(MODEL_TIERS),
  errorClass: z.string().nullable(),
  costUsd: z.number().min(0).optional(),
});
const AttemptsSchema = z.array(AttemptSchema).default([]);

const StoryboardVersionSchema = z.object({
  cause: z.enum(["generated", "edited", "new_script"]),
  createdAt: z.instanceof(Timestamp),
  priceCredits: z.number(),
  scenes: z.array(z.object({ durationSec: z.number() })),
});

/** The fields of `runs/{runId}` the metrics read; anything else on the document is ignored. */
export const MetricRunDocSchema = z.object({
  uid: z.string(),
  status: z.enum(RUN_STATUSES),
  createdAt: z.instanceof(Timestamp),
  /** Runs from before the rollout carry no cohort: they ran the graceful pipeline. */
  cohort: z.enum(COHORTS).default("graceful"),
  legacyFallback: z.boolean().optional(),
  credits: z.object({ charged: z.number(), refunded: z.number() }).optional(),
  preflight: z.object({ warnings: z.array(z.object({ code: z.string() })) }).optional(),
  stages: z
    .record(z.string(), z.object({ tier: z.enum(MODEL_TIERS).nullable(), attempts: AttemptsSchema }).nullable())
    .optional(),
  music: z.object({ attempts: AttemptsSchema }).optional(),
  decisionLog: z.array(z.object({ decision: z.string() })).optional(),
  failure: z.object({ stage: z.string(), reason: z.string() }).optional(),
  storyboard: StoryboardVersionSchema.optional(),
  storyboardHistory: z.array(StoryboardVersionSchema).optional(),
  qualityGate: z.object({ failures: z.array(z.object({ cause: z.enum(QUALITY_CAUSES) })) }).optional(),
});

const SceneDocSchema = z.object({
  status: z.string(),
  // Scenes written before the video chain say "veo-3.1" for a generated clip.
  method: z
    .enum(["generated", "ken-burns", "veo-3.1"])
    .transform((method) => (method === "veo-3.1" ? "generated" : method)),
  fallbackReason: z.enum(FALLBACK_REASONS).nullable(),
});

/** Every scene document's attempts, whatever its status: a scene that never finished was billed too. */
const SceneAttemptsSchema = z.object({ attempts: AttemptsSchema });

type MetricRunDoc = z.infer<typeof MetricRunDocSchema>;

/** What the run's storyboard says of itself; `approvedAtMs` comes from its charge movement. */
function storyboardOf(run: MetricRunDoc, approvedAtMs: number | null): MetricRun["storyboard"] {
  const latest = run.storyboard;
  if (!latest) return null;
  const versions = [...(run.storyboardHistory ?? []), latest];
  return {
    firstShownAtMs: versions[0].createdAt.toMillis(),
    approvedAtMs: (run.credits?.charged ?? 0) > 0 ? approvedAtMs : null,
    edits: versions.filter((v) => v.cause === "edited").length,
    newScripts: versions.filter((v) => v.cause === "new_script").length,
    priceCredits: latest.priceCredits,
    sceneSecs: latest.scenes.map((s) => s.durationSec),
  };
}

/** The projection of one run; pure, so the rules live in one place. */
export function toMetricRun(
  id: string,
  run: MetricRunDoc,
  scenes: MetricRun["scenes"],
  refundNotified: boolean,
  extra: { sceneAttempts: readonly CostedAttempt[]; approvedAtMs: number | null },
): MetricRun {
  const stageAttempts = (stage: CostStage) => run.stages?.[stage]?.attempts ?? [];
  return {
    id,
    createdAtMs: run.createdAt.toMillis(),
    cohort: run.cohort,
    status: run.status,
    charged: run.credits?.charged ?? 0,
    refunded: run.credits?.refunded ?? 0,
    failureReason: run.status === "failed" ? (run.failure?.reason ?? null) : null,
    storyboard: storyboardOf(run, extra.approvedAtMs),
    spend: spendOf({
      visual_dna: stageAttempts("visual_dna"),
      script: stageAttempts("script"),
      voice: stageAttempts("voice"),
      music: run.music?.attempts ?? [],
      scenes: extra.sceneAttempts,
    }),
    refundNotified,
    legacyFallback: isLegacyFallback(run),
    acceptedDegraded: (run.decisionLog ?? []).some((entry) => entry.decision === "accept"),
    facesWarned: (run.preflight?.warnings ?? []).some((w) => w.code === "FACES_DETECTED"),
    scenes,
    qualityGateCauses:
      run.status === "failed" && run.failure?.stage === "quality"
        ? (run.qualityGate?.failures ?? []).map((f) => f.cause)
        : [],
  };
}

const READ_CONCURRENCY = 20;

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

/** Runs created from the start of `fromDay` to the end of `toDay` (UTC days, both included). */
export async function loadMetricRuns(db: Firestore, fromDay: string, toDay: string): Promise<MetricRun[]> {
  const snap = await db
    .collection("runs")
    .where("createdAt", ">=", Timestamp.fromMillis(dayRange(fromDay).startMs))
    .where("createdAt", "<", Timestamp.fromMillis(dayRange(toDay).endMs))
    .get();
  const runs = snap.docs.map((doc) => ({ id: doc.id, run: MetricRunDocSchema.parse(doc.data()) }));
  const failedCharged = runs.filter(({ run }) => run.status === "failed" && (run.credits?.charged ?? 0) > 0);
  const notificationRefs: DocumentReference[] = failedCharged.map(({ id, run }) =>
    // The id refundRun gives the notification it writes with the refund.
    db.doc(paths.notification(run.uid, `refund_${id}`)),
  );
  const notified = new Set<string>();
  if (notificationRefs.length > 0) {
    const notifications = await db.getAll(...notificationRefs);
    notifications.forEach((n, i) => n.exists && notified.add(failedCharged[i].id));
  }
  // An approval writes the charge movement in its own transaction: its time is the approval's.
  const approved = runs.filter(({ run }) => run.storyboard && (run.credits?.charged ?? 0) > 0);
  const approvedAt = new Map<string, number>();
  if (approved.length > 0) {
    const charges = await db.getAll(
      ...approved.map(({ id, run }) => db.doc(paths.ledgerEntry(run.uid, ledgerIds.charge(id)))),
    );
    charges.forEach((charge, i) => {
      const at: unknown = charge.get("createdAt");
      if (at instanceof Timestamp) approvedAt.set(approved[i].id, at.toMillis());
    });
  }
  return inBatches(runs, READ_CONCURRENCY, async ({ id, run }) => {
    const sceneDocs = await db.collection(paths.scenes(id)).get();
    const scenes = sceneDocs.docs
      .map((d) => SceneDocSchema.safeParse(d.data()))
      .flatMap((parsed) => (parsed.success && parsed.data.status === "done" ? [parsed.data] : []))
      .map(({ method, fallbackReason }) => ({ method, fallbackReason }));
    const sceneAttempts = sceneDocs.docs.flatMap((d) => {
      const parsed = SceneAttemptsSchema.safeParse(d.data());
      return parsed.success ? parsed.data.attempts : [];
    });
    return toMetricRun(id, run, scenes, notified.has(id), {
      sceneAttempts,
      approvedAtMs: approvedAt.get(id) ?? null,
    });
  });
}
