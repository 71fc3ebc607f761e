// Runs a command inside the Firebase emulator suite (Firestore, Functions, Cloud Tasks, Auth),
// the way `npm run demo`, `npm test` and the other scripts need it.
import { spawn } from "node:child_process";
import path from "node:path";
import { emulatorEnv, PROJECT_ID, ROOT } from "./emulator-env.mjs";

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error("usage: node scripts/with-emulators.mjs <command> [args...]");
  process.exit(2);
}
const quoted = command.map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`));
const firebase = path.join(ROOT, "node_modules", ".bin", "firebase");
const child = spawn(
  firebase,
  ["emulators:exec", "--project", PROJECT_ID, "--only", "functions,firestore,tasks,auth", quoted.join(" ")],
  { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...emulatorEnv() } },
);
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
