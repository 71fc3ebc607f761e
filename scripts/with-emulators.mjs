// Runs a command inside the Firebase emulator suite (Firestore, Functions, Cloud Tasks, Auth),
// the way `npm run demo`, `npm test` and the other scripts need it.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
// FAIRSHOT_EMULATOR_PORT_OFFSET=N runs a second suite beside the first (every port + N).
function configWithOffset() {
  const offset = portOffset;
  if (!offset) return [];
  const config = JSON.parse(readFileSync(path.join(ROOT, "firebase.json"), "utf8"));
  for (const settings of Object.values(config.emulators)) {
    if (typeof settings !== "object") continue;
    for (const key of ["port", "websocketPort"]) if (settings[key]) settings[key] += offset;
  }
  const file = path.join(ROOT, `firebase.offset-${offset}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return ["--config", file];
}

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
    ...configWithOffset(),
    "--project",
    PROJECT_ID,
    "--only",
    "functions,firestore,tasks,auth",
    ...persistFlags,
    quoted.join(" "),
  ],
  { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...emulatorEnv(), FAIRSHOT_RESULT_FILE: resultFile } },
);
child.on("exit", (code, signal) => {
  if (existsSync(resultFile)) {
    process.stdout.write(readFileSync(resultFile, "utf8"));
    rmSync(resultFile);
  }
  process.exit(signal ? 1 : (code ?? 1));
});
