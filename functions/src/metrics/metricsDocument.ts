import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { DailyMetricsSchema } from "./compute";

const RolloutStateSchema = z.object({
  enabled: z.boolean(),
  rolloutPct: z.number().min(0).max(100),
  /** The share of users in the graceful cohort: 0 while the flag is off. */
  effectivePct: z.number().min(0).max(100),
});

/** `metrics/{day}` as stored. */
export const MetricsDocumentSchema = DailyMetricsSchema.extend({
  rollout: RolloutStateSchema,
  computedAt: z.instanceof(Timestamp),
});

export type MetricsDocument = z.infer<typeof MetricsDocumentSchema>;
