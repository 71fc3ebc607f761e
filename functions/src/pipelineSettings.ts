import type { Firestore } from "firebase-admin/firestore";
import { z } from "zod";

/** `config/pipeline`: settings operators change without a deploy. Seeded in emulator-data/seed.json. */
export const PipelineSettingsSchema = z.object({
  runPriceCredits: z.number().int().positive().default(10),
  /** How long a claimed stage may run before the sweeper takes it back. */
  stageLeaseSeconds: z.number().int().min(10).default(540),
  /** How long the scenes stage may wait for its tasks before the sweeper acts. */
  scenesLeaseSeconds: z.number().int().min(30).default(1800),
  /** Attempts of one stage (after crashes or lost leases) before the run fails and is refunded. */
  maxStageAttempts: z.number().int().min(1).max(10).default(3),
  sceneSeconds: z.number().min(2).max(8).default(4),
  confirmationTimeoutMinutes: z.number().int().min(1).default(60),
  decisionTimeoutMinutes: z.number().int().min(1).default(60),
  /** What a run waiting for a quality decision does when the user does not answer. */
  decisionDefault: z.enum(["accept", "refund"]).default("refund"),
  maxDecisionRetries: z.number().int().min(0).max(3).default(1),
  /** Above this share of Ken Burns scenes the user decides whether to continue. */
  degradationThresholdPct: z.number().min(0).max(100).default(50),
});
export type PipelineSettings = z.infer<typeof PipelineSettingsSchema>;

export const PIPELINE_SETTINGS_PATH = "config/pipeline";

export async function loadPipelineSettings(db: Firestore): Promise<PipelineSettings> {
  const snap = await db.doc(PIPELINE_SETTINGS_PATH).get();
  return PipelineSettingsSchema.parse(snap.data() ?? {});
}
