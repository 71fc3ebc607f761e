/**
 * `npm run deploy:check`: offline, before `firebase deploy` (it is the functions' predeploy
 * step), everything that would make the deploy fail or deploy something that misbehaves.
 * Prints what it checked; one line per problem naming the function or file and the fix;
 * exit 1 when there is any problem. With provider keys in the environment it also runs models:check.
 *
 *   --root <dir>   the project to check (default: this one)
 *   --now <date>   judge runtime dates as of this day (default: today)
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  checkEndpoints,
  checkLocalNode,
  checkParams,
  checkRuntime,
  checkSecrets,
  runtimeOf,
  type CheckResult,
} from "./deploy-check/checks";
import {
  backendFromManifest,
  firebaseToolsEndpointError,
  guardVersionSupport,
  RUNTIMES,
} from "./deploy-check/firebaseTools";
import {
  discoverManifest,
  entrySource,
  functionsReaching,
  functionsSource,
  readDotenv,
  readTextOrNull,
} from "./deploy-check/project";
import { checkProjectFiles, type FirebaseJson } from "./deploy-check/projectFiles";

/** wiring.ts's composition root: whatever reaches it builds the cloud providers and reads the model secrets. */
const PROVIDER_ROOTS = ["pipelineDeps"];
/**
 * Stripe's secrets, each read by one function: the Checkout callable (the API key) and the
 * webhook (the signing secret), found by the handler each one's trigger calls in index.ts.
 */
const DEDICATED_SECRETS = [
  { secret: "STRIPE_SECRET_KEY", roots: ["createCheckoutSession"], use: "creates Stripe Checkout Sessions" },
  { secret: "STRIPE_WEBHOOK_SECRET", roots: ["handleWebhookRequest"], use: "verifies Stripe's webhook signatures" },
];
/** Cloud Run functions' default region, as firebase-tools assumes when a function names none. */
const DEFAULT_REGION = "us-central1";

function projectId(root: string): string {
  const rc = readTextOrNull(path.join(root, ".firebaserc"));
  return (rc && (JSON.parse(rc) as { projects?: { default?: string } }).projects?.default) || "demo-project";
}

function functionChecks(root: string, config: FirebaseJson, now: Date): CheckResult[] {
  const source = functionsSource(root, config);
  const runtime = runtimeOf(source.packageJson, source.configuredRuntime);
  const results = [
    checkRuntime(runtime, RUNTIMES, now, (r, at) => guardVersionSupport(r, at)),
    checkLocalNode(runtime, process.versions.node),
  ];
  let manifest: unknown;
  try {
    manifest = discoverManifest(source, projectId(root));
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message);
    const reason =
      /^\s*(?:\w*Error: )?(.+)$/m.exec(
        stderr.split("\n").find((l) => /Error\b/.test(l) && !/^\s+at /.test(l)) ?? stderr,
      )?.[1] ?? stderr;
    results.push({
      checked: "functions manifest",
      problems: [
        {
          subject: path.relative(root, source.dir) || ".",
          message: `the functions do not load: ${reason.trim()}`,
          fix: "build them (npm run build) and fix the load error",
        },
      ],
    });
    return results;
  }
  const backend = backendFromManifest(manifest, {
    project: projectId(root),
    region: DEFAULT_REGION,
    runtime: runtime ?? "nodejs24",
    env: readDotenv(path.join(source.dir, ".env")),
  });
  results.push(
    checkEndpoints(backend, firebaseToolsEndpointError(backend)),
    checkParams(backend),
    checkSecrets(
      backend,
      functionsReaching(entrySource(source), PROVIDER_ROOTS),
      DEDICATED_SECRETS.map((d) => ({ ...d, functions: functionsReaching(entrySource(source), d.roots) })),
    ),
  );
  return results;
}

/**
 * With provider keys in the environment, asks the providers whether every configured model is
 * alive (`npm run models:check`); offline, says that it did not.
 */
function modelChecks(): CheckResult {
  if (!process.env.GEMINI_API_KEY && !process.env.OPENAI_API_KEY) {
    return {
      checked: "models: not asked (no GEMINI_API_KEY or OPENAI_API_KEY here; npm run models:check asks)",
      problems: [],
    };
  }
  const run = spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(__dirname, "modelsCheck.ts")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const line of `${run.stdout}${run.stderr}`.trim().split("\n")) console.log(`  ${line}`);
  // With keys given, a provider that cannot be asked leaves its models unverified (exit 3): a deploy
  // that meant to check them does not pass on silence.
  return {
    checked: "models: every configured model asked of its provider (models:check, above)",
    problems:
      run.status === 0
        ? []
        : [
            {
              subject: "model config",
              message: `models:check exited ${run.status}`,
              fix:
                run.status === 3
                  ? "a provider could not be asked (the ? lines above): check its key, credentials and network"
                  : "replace the models its table marks",
            },
          ],
  };
}

function main(): number {
  const { values } = parseArgs({ options: { root: { type: "string" }, now: { type: "string" } } });
  const root = path.resolve(values.root ?? path.join(__dirname, ".."));
  const now = values.now ? new Date(values.now) : new Date();
  const configText = readTextOrNull(path.join(root, "firebase.json"));
  if (configText === null) {
    console.log(`✖ firebase.json: is missing — run this in a Firebase project (--root ${root})`);
    return 1;
  }
  const config = JSON.parse(configText) as FirebaseJson;
  const results = [
    ...functionChecks(root, config, now),
    checkProjectFiles(config, (file) => readTextOrNull(path.join(root, file))),
    modelChecks(),
  ];
  console.log(`deploy:check of ${root} as of ${now.toISOString().slice(0, 10)}`);
  let problems = 0;
  for (const result of results) {
    console.log(`${result.problems.length === 0 ? "✔" : "✖"} ${result.checked}`);
    for (const p of result.problems) console.log(`  ✖ ${p.subject}: ${p.message} — fix: ${p.fix}`);
    problems += result.problems.length;
  }
  console.log(problems === 0 ? "deploy:check passed" : `deploy:check found ${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

process.exit(main());
