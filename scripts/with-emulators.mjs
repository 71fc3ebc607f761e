// Runs a command inside the Firebase emulator suite (Firestore, Functions, Cloud Tasks, Auth),
// the way `npm run demo`, `npm test` and the other scripts need it.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { emulatorEnv, PROJECT_ID, ROOT } from "./emulator-env.mjs";

// --persist keeps the emulators' data between runs (.emulators/state), so `npm run audit`
// sees what earlier demo runs did; tests always start from an empty database.
const persist = process.argv[2] === "--persist";
const command = process.argv.slice(persist ? 3 : 2);
if (command.length === 0) {
  console.error("usage: node scripts/with-emulators.mjs [--persist] <command> [args...]");
  process.exit(2);
}
const portOffset = Number(process.env.FAIRSHOT_EMULATOR_PORT_OFFSET ?? 0);
const stateDir = path.join(ROOT, ".emulators", portOffset ? `state-${portOffset}` : "state");
const persistFlags = persist
  ? [
      ...(existsSync(path.join(stateDir, "firebase-export-metadata.json")) ? ["--import", stateDir] : []),
      "--export-on-exit",
      stateDir,
    ]
  : [];

/** A port nobody listens on right now (the OS picks it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The cloud tier on stand-ins: FAIRSHOT_STANDINS=cloud (npm test's cloud suite) or a command
// asking `--providers standins` (the demo). The functions run FAIRSHOT_PROVIDERS=cloud with every
// SDK pointed at loopback stand-ins that the command itself serves on the ports it is given in
// FAIRSHOT_STANDIN_{GOOGLE,OPENAI,VISION,VIDEO,OMNI,TTS,MUSIC}_PORT (VIDEO: Veo on Vertex AI; TTS: Cloud Text-to-Speech; MUSIC: Lyria on Vertex AI; OMNI: the
// Gemini API's Interactions API serving Gemini Omni Flash, the video chain's first model). Their URLs reach the functions through a
// generated functions config folder (firebase.json `configDir`): the checked-in .env files are
// copied, then FAIRSHOT_PROVIDERS and MODEL_CHAINS (functions/src/providers/standins/cloudChains.json) added.
const providersArg = command.indexOf("--providers");
const standinsMode =
  process.env.FAIRSHOT_STANDINS === "cloud" || (providersArg !== -1 && command[providersArg + 1] === "standins");

/** The keys the stand-ins require, as the real APIs require theirs. */
const STANDIN_KEYS = { gemini: "standin-gemini-key", openai: "standin-openai-key" };

async function prepareStandins() {
  const ports = {
    google: await freePort(),
    openai: await freePort(),
    vision: await freePort(),
    video: await freePort(),
    omni: await freePort(),
    tts: await freePort(),
    music: await freePort(),
  };
  const chains = JSON.parse(readFileSync(path.join(ROOT, "functions/src/providers/standins/cloudChains.json"), "utf8"));
  const modelChains = {
    ...chains,
    providers: {
      gemini: { backend: "gemini_api", baseUrl: `http://127.0.0.1:${ports.google}` },
      openai: { baseUrl: `http://127.0.0.1:${ports.openai}/v1` },
      vision: { baseUrl: `http://127.0.0.1:${ports.vision}` },
      googleTts: { baseUrl: `http://127.0.0.1:${ports.tts}` },
      video: {
        baseUrl: `http://127.0.0.1:${ports.video}`,
        geminiApi: { baseUrl: `http://127.0.0.1:${ports.omni}` },
      },
      music: { baseUrl: `http://127.0.0.1:${ports.music}` },
    },
  };
  const dir = path.join(".emulators", `standins-${portOffset}`);
  mkdirSync(path.join(ROOT, dir), { recursive: true });
  const checkedIn = [".env", ".env.local"]
    .map((name) => path.join(ROOT, "functions", name))
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file, "utf8"));
  writeFileSync(
    path.join(ROOT, dir, ".env"),
    [
      ...checkedIn,
      "FAIRSHOT_PROVIDERS=cloud",
      `MODEL_CHAINS='${JSON.stringify(modelChains)}'`,
      // The stand-ins' keys (functions read them only under the emulators; see readCredentials).
      `FAIRSHOT_EMULATOR_GEMINI_API_KEY=${STANDIN_KEYS.gemini}`,
      `FAIRSHOT_EMULATOR_OPENAI_API_KEY=${STANDIN_KEYS.openai}`,
      "",
    ].join("\n"),
  );
  return {
    configDir: dir,
    env: {
      FAIRSHOT_STANDIN_GOOGLE_PORT: String(ports.google),
      FAIRSHOT_STANDIN_OPENAI_PORT: String(ports.openai),
      FAIRSHOT_STANDIN_VISION_PORT: String(ports.vision),
      FAIRSHOT_STANDIN_VIDEO_PORT: String(ports.video),
      FAIRSHOT_STANDIN_OMNI_PORT: String(ports.omni),
      FAIRSHOT_STANDIN_TTS_PORT: String(ports.tts),
      FAIRSHOT_STANDIN_MUSIC_PORT: String(ports.music),
    },
  };
}
const standins = standinsMode ? await prepareStandins() : null;

// The Stripe stand-in (functions/src/providers/standins/stripe.ts), in every suite: the command serves it on
// FAIRSHOT_STANDIN_STRIPE_PORT and the functions' Stripe SDK is pointed at it (FAIRSHOT_STRIPE_API_URL,
// honoured only under the emulators); the Functions emulator passes this environment to its workers.
const stripePort = await freePort();
const stripeEnv = {
  FAIRSHOT_STANDIN_STRIPE_PORT: String(stripePort),
  FAIRSHOT_STRIPE_API_URL: `http://127.0.0.1:${stripePort}`,
};

// FAIRSHOT_EMULATOR_PORT_OFFSET=N runs a second suite beside the first (every port + N).
function configArgs() {
  if (!portOffset && !standins) return [];
  const config = JSON.parse(readFileSync(path.join(ROOT, "firebase.json"), "utf8"));
  for (const settings of Object.values(config.emulators)) {
    if (typeof settings !== "object") continue;
    for (const key of ["port", "websocketPort"]) if (settings[key]) settings[key] += portOffset;
  }
  if (standins) for (const codebase of config.functions) codebase.configDir = standins.configDir;
  const file = path.join(ROOT, `firebase.${standins ? "standins" : "offset"}-${portOffset}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return ["--config", file];
}

// firebase-tools finds a running suite through a locator file named after the project id in the
// OS temp folder (hub-demo-fairshot.json), and the Functions emulator puts its worker sockets
// there: two suites on one machine (other port offsets) would find each other's emulators, and
// one would export the other's data into its saved state. So each suite, and the command it runs,
// gets a temp folder of its own, removed when the suite ends.
const suiteTmp = mkdtempSync(path.join(os.tmpdir(), `fairshot-suite-${portOffset}-`));
process.env.TMPDIR = suiteTmp;

const quoted = command.map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`));
const firebase = path.join(ROOT, "node_modules", ".bin", "firebase");
// A command's final result (e.g. the demo's --json line) is printed after the emulators have
// shut down, so it really is the last line of output.
const resultFile = path.join(ROOT, ".emulators", `result-${process.pid}.json`);
const quiet = process.env.FAIRSHOT_EMULATOR_LOGS ? [] : ["--log-verbosity", "QUIET"];
const child = spawn(
  firebase,
  [
    "emulators:exec",
    ...configArgs(),
    "--project",
    PROJECT_ID,
    "--only",
    "functions,firestore,tasks,auth",
    ...persistFlags,
    quoted.join(" "),
  ],
  {
    cwd: ROOT,
    stdio: "inherit",
    env: {
      ...process.env,
      ...emulatorEnv(),
      ...standins?.env,
      ...stripeEnv,
      FAIRSHOT_RESULT_FILE: resultFile,
      // The function workers run on the `node` firebase-tools finds on PATH: the project's own
      // (node_modules/.bin) even when this script was started with the machine's node.
      PATH: [path.join(ROOT, "node_modules", ".bin"), process.env.PATH].join(path.delimiter),
    },
  },
);
// Ctrl-C reaches the whole process group: firebase-tools stops the emulators (saving their state
// with --persist) and this process ends after it, removing the suite's temp folder.
process.on("SIGINT", () => undefined);
child.on("exit", (code, signal) => {
  if (existsSync(resultFile)) {
    process.stdout.write(readFileSync(resultFile, "utf8"));
    rmSync(resultFile);
  }
  rmSync(suiteTmp, { recursive: true, force: true });
  process.exit(signal ? 1 : (code ?? 1));
});
