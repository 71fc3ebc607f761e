/**
 * The parts of firebase-tools (the deploy CLI pinned in package.json) that the deploy check
 * reuses, so it judges the project exactly as `firebase deploy` will: the runtime table with
 * its deprecation and decommission dates, the manifest parser, and the endpoint validation.
 * firebase-tools ships no type declarations; the shapes used here are declared and checked.
 */
import { createRequire } from "node:module";
import { z } from "zod";

const requireTools = createRequire(require.resolve("firebase-tools/package.json"));
const lib = (module: string): Record<string, unknown> =>
  requireTools(`./lib/deploy/functions/${module}`) as Record<string, unknown>;

const RuntimeTableSchema = z.record(
  z.string(),
  z.object({ friendly: z.string(), status: z.string(), deprecationDate: z.string(), decommissionDate: z.string() }),
);
export type RuntimeTable = z.infer<typeof RuntimeTableSchema>;

const supported = lib("runtimes/supported");
/** firebase-tools' own runtime table (`lib/deploy/functions/runtimes/supported/types.js`). */
export const RUNTIMES: RuntimeTable = RuntimeTableSchema.parse(supported.RUNTIMES);
/** Throws, as at deploy, when a runtime is decommissioned; logs a warning when deprecated. */
export const guardVersionSupport = supported.guardVersionSupport as (runtime: string, now?: Date) => void;

/** An endpoint after params are resolved, as firebase-tools' Backend holds it (fields used here). */
export interface BackendEndpoint {
  id: string;
  platform: string;
  availableMemoryMb?: number | null;
  timeoutSeconds?: number | null;
  concurrency?: number | null;
  cpu?: number | "gcf_gen1" | null;
  minInstances?: number | null;
  maxInstances?: number | null;
  secretEnvironmentVariables?: { key: string }[] | null;
  httpsTrigger?: object;
  callableTrigger?: object;
  eventTrigger?: object;
  scheduleTrigger?: object;
  blockingTrigger?: object;
  taskQueueTrigger?: {
    retryConfig?: {
      maxAttempts?: number | null;
      minBackoffSeconds?: number | null;
      maxBackoffSeconds?: number | null;
      maxDoublings?: number | null;
      maxRetrySeconds?: number | null;
    } | null;
    rateLimits?: { maxConcurrentDispatches?: number | null; maxDispatchesPerSecond?: number | null } | null;
  };
}
export interface ManifestParam {
  name: string;
  type?: string;
  default?: unknown;
  description?: string;
}
export interface Backend {
  endpoints: BackendEndpoint[];
  params: ManifestParam[];
  /** firebase-tools' own Backend object, for its validation. */
  raw: unknown;
}

interface Build {
  params: ManifestParam[];
}
const buildFromV1Alpha1 = lib("runtimes/discovery/v1alpha1").buildFromV1Alpha1 as (
  manifest: unknown,
  project: string,
  region: string,
  runtime: string,
) => Build;
const toBackend = lib("build").toBackend as (build: Build, paramValues: Record<string, unknown>) => unknown;
const allEndpoints = lib("backend").allEndpoints as (backend: unknown) => BackendEndpoint[];
const ParamValue = lib("params").ParamValue as new (
  raw: string,
  internal: boolean,
  types: Record<string, boolean>,
) => unknown;
const validate = lib("validate");

/**
 * Turns the functions' manifest into firebase-tools' Backend, resolving each non-secret param
 * from the deploy environment (functions/.env) or its default, as a non-interactive deploy does.
 */
export function backendFromManifest(
  manifest: unknown,
  opts: { project: string; region: string; runtime: string; env: Record<string, string> },
): Backend {
  const build = buildFromV1Alpha1(manifest, opts.project, opts.region, opts.runtime);
  const values: Record<string, unknown> = {};
  for (const param of build.params) {
    if (param.type === "secret") continue;
    const raw = opts.env[param.name] ?? (param.default === undefined ? undefined : String(param.default));
    if (raw !== undefined)
      values[param.name] = new ParamValue(raw, false, { string: true, number: true, boolean: true });
  }
  const raw = toBackend(build, values);
  return { endpoints: allEndpoints(raw), params: build.params, raw };
}

/** firebase-tools' own CPU / memory / concurrency validation; the message it would deploy-fail with, or null. */
export function firebaseToolsEndpointError(backend: Backend): string | null {
  try {
    (validate.endpointsAreValid as (b: unknown) => void)(backend.raw);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
