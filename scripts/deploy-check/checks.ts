/**
 * What `firebase deploy` would refuse, or deploy into misbehaviour, as pure functions of the
 * project's data. Each problem names the function or file and the fix; each check also says
 * what it looked at, so a clean report shows what was covered.
 */
import type { Backend, BackendEndpoint, RuntimeTable } from "./firebaseTools";

export interface Problem {
  subject: string;
  message: string;
  fix: string;
}
export interface CheckResult {
  checked: string;
  problems: Problem[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A runtime deprecated within this many days is a problem now, not at the next deploy. */
export const RUNTIME_WARNING_DAYS = 90;

/** The runtime firebase-tools derives: firebase.json's `runtime`, else `engines.node` of the functions package. */
export function runtimeOf(functionsPackage: { engines?: { node?: string } }, configured?: string): string | null {
  if (configured) return configured;
  const major = /^\D*(\d+)/.exec(functionsPackage.engines?.node ?? "")?.[1];
  return major ? `nodejs${major}` : null;
}

export function checkRuntime(
  runtime: string | null,
  table: RuntimeTable,
  now: Date,
  guard: (runtime: string, now: Date) => void,
): CheckResult {
  const subject = "functions/package.json engines.node";
  if (!runtime) {
    return {
      checked: "runtime: none declared",
      problems: [{ subject, message: "no Node.js runtime declared", fix: 'set "engines": {"node": "24"}' }],
    };
  }
  const entry = table[runtime];
  const supported = Object.entries(table)
    .filter(([id, r]) => id.startsWith("nodejs") && new Date(r.deprecationDate).getTime() > now.getTime())
    .map(([id]) => id.replace("nodejs", ""));
  const fix = `set "engines": {"node": "${supported.join('" or "')}"}`;
  if (!entry)
    return {
      checked: `runtime ${runtime}`,
      problems: [{ subject, message: `${runtime} is not a runtime firebase-tools knows`, fix }],
    };
  const checked = `runtime ${entry.friendly}: deprecated ${entry.deprecationDate}, decommissioned ${entry.decommissionDate} (firebase-tools' runtime table)`;
  const problems: Problem[] = [];
  try {
    guard(runtime, now);
  } catch (error) {
    problems.push({ subject, message: error instanceof Error ? error.message : String(error), fix });
    return { checked, problems };
  }
  const daysToDeprecation = Math.floor((new Date(entry.deprecationDate).getTime() - now.getTime()) / DAY_MS);
  if (daysToDeprecation < 0) {
    problems.push({ subject, message: `${entry.friendly} was deprecated on ${entry.deprecationDate}`, fix });
  } else if (daysToDeprecation <= RUNTIME_WARNING_DAYS) {
    problems.push({
      subject,
      message: `${entry.friendly} is deprecated on ${entry.deprecationDate}, in ${daysToDeprecation} days`,
      fix,
    });
  }
  return { checked, problems };
}

/** The Node.js major the tests, emulators and demo run on must be the one deployed. */
export function checkLocalNode(runtime: string | null, localVersion: string): CheckResult {
  const local = `nodejs${localVersion.split(".")[0]}`;
  const problems: Problem[] =
    runtime && local !== runtime
      ? [
          {
            subject: "package.json devDependencies.node",
            message: `this check runs on Node.js ${localVersion}, but functions deploy to ${runtime}`,
            fix: `run it through npm (npm run deploy:check), which uses the project's own node@${runtime.replace("nodejs", "")}`,
          },
        ]
      : [];
  return { checked: `local Node.js ${localVersion}`, problems };
}

const ENDPOINT_LIMITS = {
  /** Cloud Run functions memory options (firebase-functions `MemoryOption`). */
  memoryMb: [128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768],
  /** https://firebase.google.com/docs/functions/quotas#time_limits and the `timeoutSeconds` docs of firebase-functions v2. */
  timeoutSeconds: { event: 540, https: 3600, task: 1800, schedule: 1800 },
  /** Cloud Run: at most 1000 concurrent requests per instance. */
  maxConcurrency: 1000,
  /** https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues#ratelimits */
  maxConcurrentDispatches: 5000,
  maxDispatchesPerSecond: 500,
  /** Work this big is CPU-bound (ffmpeg, image decoding): 80 requests sharing an instance would starve it. */
  heavyMemoryMb: 1024,
} as const;

function triggerKind(ep: BackendEndpoint): keyof typeof ENDPOINT_LIMITS.timeoutSeconds {
  if (ep.taskQueueTrigger) return "task";
  if (ep.scheduleTrigger) return "schedule";
  if (ep.httpsTrigger || ep.callableTrigger) return "https";
  return "event";
}

export function checkEndpoints(backend: Backend, firebaseToolsError: string | null): CheckResult {
  const problems: Problem[] = [];
  const add = (ep: BackendEndpoint, message: string, fix: string) =>
    problems.push({ subject: `function ${ep.id}`, message, fix });
  for (const ep of backend.endpoints) {
    const kind = triggerKind(ep);
    const maxTimeout = ENDPOINT_LIMITS.timeoutSeconds[kind];
    if (ep.timeoutSeconds != null && (ep.timeoutSeconds < 1 || ep.timeoutSeconds > maxTimeout)) {
      add(
        ep,
        `timeoutSeconds ${ep.timeoutSeconds} is outside 1..${maxTimeout} for ${kind} functions`,
        `set timeoutSeconds ≤ ${maxTimeout}`,
      );
    }
    if (
      ep.availableMemoryMb != null &&
      !(ENDPOINT_LIMITS.memoryMb as readonly number[]).includes(ep.availableMemoryMb)
    ) {
      add(
        ep,
        `memory ${ep.availableMemoryMb} MB is not a Cloud Run functions option`,
        "use 256MiB, 512MiB, 1GiB, 2GiB, 4GiB, …",
      );
    }
    if (ep.concurrency != null && (ep.concurrency < 1 || ep.concurrency > ENDPOINT_LIMITS.maxConcurrency)) {
      add(
        ep,
        `concurrency ${ep.concurrency} is outside 1..${ENDPOINT_LIMITS.maxConcurrency}`,
        "set concurrency within 1..1000",
      );
    }
    if (
      ep.platform === "gcfv2" &&
      ep.concurrency == null &&
      (ep.availableMemoryMb ?? 0) >= ENDPOINT_LIMITS.heavyMemoryMb
    ) {
      add(
        ep,
        `${ep.availableMemoryMb} MB of CPU-bound work with the default concurrency of 80 requests per instance`,
        "set concurrency explicitly (1 for ffmpeg or image work)",
      );
    }
    if (ep.minInstances != null && ep.maxInstances != null && ep.minInstances > ep.maxInstances) {
      add(ep, `minInstances ${ep.minInstances} exceeds maxInstances ${ep.maxInstances}`, "lower minInstances");
    }
    const queue = ep.taskQueueTrigger;
    if (queue) {
      const rate = queue.rateLimits ?? {};
      const retry = queue.retryConfig ?? {};
      const concurrent = rate.maxConcurrentDispatches;
      if (concurrent != null && (concurrent < 1 || concurrent > ENDPOINT_LIMITS.maxConcurrentDispatches)) {
        add(ep, `rateLimits.maxConcurrentDispatches ${concurrent} is outside 1..5000`, "set it within 1..5000");
      }
      const perSecond = rate.maxDispatchesPerSecond;
      if (perSecond != null && (perSecond <= 0 || perSecond > ENDPOINT_LIMITS.maxDispatchesPerSecond)) {
        add(ep, `rateLimits.maxDispatchesPerSecond ${perSecond} is outside (0, 500]`, "set it within (0, 500]");
      }
      if (retry.maxAttempts != null && retry.maxAttempts < -1) {
        add(ep, `retryConfig.maxAttempts ${retry.maxAttempts} is below -1`, "use -1 (unlimited) or a count ≥ 0");
      }
      if (
        retry.minBackoffSeconds != null &&
        retry.maxBackoffSeconds != null &&
        retry.minBackoffSeconds > retry.maxBackoffSeconds
      ) {
        add(
          ep,
          `retryConfig.minBackoffSeconds ${retry.minBackoffSeconds} exceeds maxBackoffSeconds ${retry.maxBackoffSeconds}`,
          "swap or lower them",
        );
      }
    }
  }
  if (firebaseToolsError) {
    problems.push({
      subject: "functions",
      message: firebaseToolsError,
      fix: "change the CPU, memory or concurrency it names",
    });
  }
  return {
    checked: `${backend.endpoints.length} functions: timeout, memory, CPU, concurrency, instances, task-queue limits`,
    problems,
  };
}

export function checkParams(backend: Backend): CheckResult {
  const problems: Problem[] = [];
  const plain = backend.params.filter((p) => p.type !== "secret");
  for (const param of plain) {
    if (param.default === undefined) {
      problems.push({
        subject: `param ${param.name}`,
        message: "has no default: a non-interactive deploy cannot resolve it",
        fix: "give it a default",
      });
    }
    if (!param.description) {
      problems.push({
        subject: `param ${param.name}`,
        message: "has no description",
        fix: "describe what it configures",
      });
    }
  }
  const secrets = backend.params.length - plain.length;
  return { checked: `${plain.length} params (defaults, descriptions), ${secrets} secrets`, problems };
}

/** A secret some functions read and no other function may hold (e.g. Stripe's keys). */
export interface DedicatedSecret {
  secret: string;
  /** The functions that read it, found in the functions' entry file. */
  functions: ReadonlySet<string>;
  /** What those functions do, for the problem line ("creates Checkout Sessions"). */
  use: string;
}

/**
 * Functions that build the cloud providers read every declared secret but the dedicated ones; one
 * that is not bound to them gets an empty key in production and fails every model call. A dedicated
 * secret is bound to exactly the functions that read it: missing, they fail; anywhere else, it is a
 * key exposed to code that has no use for it.
 */
export function checkSecrets(
  backend: Backend,
  buildsProviders: ReadonlySet<string>,
  dedicated: readonly DedicatedSecret[] = [],
): CheckResult {
  const declared = new Set(backend.params.filter((p) => p.type === "secret").map((p) => p.name));
  const active = dedicated.filter((d) => declared.has(d.secret));
  const dedicatedNames = new Set(active.map((d) => d.secret));
  const secrets = [...declared].filter((s) => !dedicatedNames.has(s));
  const problems: Problem[] = [];
  for (const ep of backend.endpoints) {
    const bound = new Set((ep.secretEnvironmentVariables ?? []).map((s) => s.key));
    if (buildsProviders.has(ep.id)) {
      const missing = secrets.filter((s) => !bound.has(s));
      if (missing.length > 0) {
        problems.push({
          subject: `function ${ep.id}`,
          message: `builds the cloud providers but is not bound to ${missing.join(", ")}`,
          fix: "add `secrets: MODEL_SECRETS` to its options",
        });
      }
    }
    for (const d of active) {
      if (d.functions.has(ep.id) && !bound.has(d.secret)) {
        problems.push({
          subject: `function ${ep.id}`,
          message: `${d.use} but is not bound to ${d.secret}`,
          fix: `add ${d.secret} to its secrets`,
        });
      } else if (!d.functions.has(ep.id) && bound.has(d.secret)) {
        problems.push({
          subject: `function ${ep.id}`,
          message: `is bound to ${d.secret} but never reads it`,
          fix: `remove ${d.secret} from its secrets: bind it only to the function that needs it`,
        });
      }
    }
  }
  const dedicatedSaid = active.map((d) => `${d.secret} to ${[...d.functions].join(", ") || "no function"} only`);
  return {
    checked: [
      `secrets bound to the ${buildsProviders.size} functions that build cloud providers`,
      ...dedicatedSaid,
    ].join("; "),
    problems,
  };
}
