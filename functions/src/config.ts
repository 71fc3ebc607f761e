import os from "node:os";
import path from "node:path";
import { z } from "zod";

/**
 * Deployment configuration from the environment (Firebase params resolve to env vars),
 * validated once. Pipeline settings an operator tunes at run time (price, leases,
 * timeouts) live in the `config/pipeline` document instead: see pipelineSettings.ts.
 */
const EnvSchema = z.object({
  FUNCTIONS_EMULATOR: z.string().optional(),
  /** "local" runs every provider in-process (the default under the emulators); "cloud" uses Gemini/OpenAI/Veo/Vision. */
  FAIRSHOT_PROVIDERS: z.enum(["local", "cloud"]).optional(),
  /** Folder standing in for the default bucket under the emulators (no Storage emulator offline). */
  FAIRSHOT_LOCAL_BUCKET: z.string().optional(),
  FAIRSHOT_WORK_DIR: z.string().optional(),
  GCLOUD_PROJECT: z.string().optional(),
  FAIRSHOT_SCENE_MIN_BACKOFF_SECONDS: z.coerce.number().min(0.1).max(600).optional(),
  /** Cloud Tasks accepts 15 s to 30 min; the emulator's default is 60 s. */
  FAIRSHOT_SCENE_DISPATCH_DEADLINE_SECONDS: z.coerce.number().int().min(15).max(1800).optional(),
  FAIRSHOT_SCENE_MAX_CONCURRENT_DISPATCHES: z.coerce.number().int().min(1).max(5000).optional(),
  /** The loopback Stripe stand-in the Stripe SDK talks to under the emulators (set by scripts/with-emulators.mjs). */
  FAIRSHOT_STRIPE_API_URL: z.url().optional(),
});

export interface RuntimeConfig {
  isEmulator: boolean;
  providers: "local" | "cloud";
  /** Set under the emulators; in production the default Cloud Storage bucket is used. */
  localBucketDir: string | null;
  workDir: string;
  projectId: string;
  sceneQueue: SceneQueueConfig;
  /** Under the emulators only: where the Stripe SDK sends its requests instead of api.stripe.com. */
  stripeApiUrl: string | null;
}

/**
 * Cloud Tasks settings of the scene queue; read at deploy time, so they come from the environment.
 * Deliveries are short (a submit, a poll, a download): the queue bounds instances, not generations
 * in flight, which the video quota bounds (`videoInFlightLimit` in config/pipeline).
 */
export interface SceneQueueConfig {
  /** Deliveries of one step: retries after crashes and "another delivery holds the scene". */
  maxAttempts: number;
  minBackoffSeconds: number;
  maxBackoffSeconds: number;
  maxConcurrentDispatches: number;
  maxDispatchesPerSecond: number;
  /** How long one delivery may run; a generation is never inside one. */
  dispatchDeadlineSeconds: number;
}

export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const parsed = EnvSchema.parse(env);
  const isEmulator = parsed.FUNCTIONS_EMULATOR === "true";
  return {
    isEmulator,
    providers: parsed.FAIRSHOT_PROVIDERS ?? (isEmulator ? "local" : "cloud"),
    localBucketDir: isEmulator
      ? (parsed.FAIRSHOT_LOCAL_BUCKET ?? path.resolve(__dirname, "..", "..", ".local-bucket"))
      : null,
    workDir: parsed.FAIRSHOT_WORK_DIR ?? path.join(os.tmpdir(), "fairshot"),
    projectId: parsed.GCLOUD_PROJECT ?? "demo-fairshot",
    stripeApiUrl: isEmulator ? (parsed.FAIRSHOT_STRIPE_API_URL ?? null) : null,
    sceneQueue: {
      // The Cloud Tasks emulator keeps its default of 3 whatever the function asks: the same everywhere.
      maxAttempts: 3,
      minBackoffSeconds: parsed.FAIRSHOT_SCENE_MIN_BACKOFF_SECONDS ?? 20,
      maxBackoffSeconds: 300,
      maxConcurrentDispatches: parsed.FAIRSHOT_SCENE_MAX_CONCURRENT_DISPATCHES ?? 50,
      maxDispatchesPerSecond: 20,
      dispatchDeadlineSeconds: parsed.FAIRSHOT_SCENE_DISPATCH_DEADLINE_SECONDS ?? 300,
    },
  };
}

let cached: RuntimeConfig | undefined;
export function runtimeConfig(): RuntimeConfig {
  cached ??= loadRuntimeConfig();
  return cached;
}
