/**
 * Wires triggers to handlers; nothing else lives here.
 * Runs advance through Firestore triggers on runs/{runId}; scenes render on a task queue;
 * a scheduled sweeper guarantees no run stays stuck.
 */
import { onDocumentCreated, onDocumentUpdated } from "firebase-functions/v2/firestore";
import { onCall, onRequest } from "firebase-functions/v2/https";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { onTaskDispatched } from "firebase-functions/v2/tasks";
import { billingCallables, handleWebhookRequest, STRIPE_CALLABLE_OPTIONS } from "./handlers/billing";
import { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET } from "./billing/stripeClient";
import { runtimeConfig } from "./config";
import type { RunDocument } from "./contract/runDocument";
import { SWEEP_INTERVAL_MINUTES } from "./lifecycle/stateMachine";
import { sweepStuckRuns } from "./handlers/sweeper";
import { daysToRollUp, rollUpMetrics } from "./handlers/metricsRollup";
import { handleDailyModelCheck } from "./handlers/dailyModelCheck";
import { MODEL_SECRETS } from "./models/modelConfig";
import { handleRunFailed, handleRunUpdated } from "./pipeline/advance";
import { handleRunCreated } from "./pipeline/preflightStage";
import { handleSceneTask, SceneTaskSchema } from "./pipeline/sceneTask";
import { STAGE_TIMEOUT_SECONDS } from "./pipelineSettings";
import { database } from "./adminApp";
import { pipelineDeps } from "./wiring";

const config = runtimeConfig();
// Image checks and ffmpeg renders are CPU-bound: one request per instance, not the default 80.
const heavy = {
  memory: "2GiB",
  timeoutSeconds: STAGE_TIMEOUT_SECONDS,
  concurrency: 1,
  secrets: MODEL_SECRETS,
} as const;

export const onRunCreated = onDocumentCreated({ document: "runs/{runId}", ...heavy }, async (event) => {
  await handleRunCreated(event.params.runId, await pipelineDeps());
});

export const advanceRun = onDocumentUpdated({ document: "runs/{runId}", ...heavy }, async (event) => {
  const after = event.data?.after.data() as RunDocument | undefined;
  if (after) await handleRunUpdated(event.params.runId, after, event.id, await pipelineDeps());
});

/** Needs nothing but the database; an error is retried by redelivery (and the sweeper repairs a lost one). */
export const onRunFailed = onDocumentUpdated({ document: "runs/{runId}", retry: true }, async (event) => {
  const before = event.data?.before.data() as RunDocument | undefined;
  const after = event.data?.after.data() as RunDocument | undefined;
  if (before && after) await handleRunFailed(event.params.runId, before, after, database());
});

export const renderScene = onTaskDispatched(
  {
    ...heavy,
    retryConfig: {
      maxAttempts: config.sceneQueue.maxAttempts,
      minBackoffSeconds: config.sceneQueue.minBackoffSeconds,
      maxBackoffSeconds: config.sceneQueue.maxBackoffSeconds,
    },
    rateLimits: {
      maxConcurrentDispatches: config.sceneQueue.maxConcurrentDispatches,
      maxDispatchesPerSecond: config.sceneQueue.maxDispatchesPerSecond,
    },
  },
  async (request) => {
    await handleSceneTask(
      SceneTaskSchema.parse(request.data),
      { retryCount: request.retryCount, maxAttempts: config.sceneQueue.maxAttempts },
      await pipelineDeps(),
    );
  },
);

export const sweepRuns = onSchedule(`every ${SWEEP_INTERVAL_MINUTES} minutes`, async () => {
  await sweepStuckRuns(database());
});

/** Success metrics per cohort and day, then the rollback guard. */
export const rollUpDailyMetrics = onSchedule({ schedule: "15 0 * * *", timeZone: "UTC" }, async () => {
  const db = database();
  for (const day of daysToRollUp(Date.now())) await rollUpMetrics(db, day);
});
/** Which configured models are alive; a missing one is cooled down before a run meets it. */
export const checkModelsDaily = onSchedule(
  { schedule: "30 5 * * *", timeZone: "UTC", secrets: MODEL_SECRETS },
  async () => handleDailyModelCheck((await pipelineDeps()).db),
);
export { uploadImage } from "./handlers/uploadImage";

/** Buying credits: the Checkout callable (holds STRIPE_SECRET_KEY), the welcome grant, and Stripe's webhook. */
export const createCheckoutSession = onCall(
  { ...STRIPE_CALLABLE_OPTIONS, secrets: [STRIPE_SECRET_KEY] },
  billingCallables.createCheckoutSession,
);
export const claimWelcomeCredits = onCall(STRIPE_CALLABLE_OPTIONS, billingCallables.claimWelcomeCredits);
/** Stripe's endpoint: https://us-central1-<project>.cloudfunctions.net/stripeWebhook (see the README). */
export const stripeWebhook = onRequest({ secrets: [STRIPE_WEBHOOK_SECRET], concurrency: 80 }, handleWebhookRequest);
