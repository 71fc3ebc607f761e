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
});

export interface RuntimeConfig {
  isEmulator: boolean;
  providers: "local" | "cloud";
  /** Set under the emulators; in production the default Cloud Storage bucket is used. */
  localBucketDir: string | null;
  workDir: string;
  projectId: string;
  sceneQueue: SceneQueueConfig;
}

/** Cloud Tasks settings of the scene queue; read at deploy time, so they come from the environment. */
export interface SceneQueueConfig {
  maxAttempts: number;
  minBackoffSeconds: number;
  maxBackoffSeconds: number;
  /** Keeps us inside the Veo quota. */
  maxConcurrentDispatches: number;
  maxDispatchesPerSecond: number;
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
    sceneQueue: {
      maxAttempts: 3,
      minBackoffSeconds: parsed.FAIRSHOT_SCENE_MIN_BACKOFF_SECONDS ?? 20,
      maxBackoffSeconds: 300,
      maxConcurrentDispatches: 4,
      maxDispatchesPerSecond: 2,
    },
  };
}

let cached: RuntimeConfig | undefined;
export function runtimeConfig(): RuntimeConfig {
  cached ??= loadRuntimeConfig();
  return cached;
}
