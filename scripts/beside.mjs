// Runs a command in a copy of this working tree, so that a command which rebuilds the functions (every
// `npm run demo` does) can run beside suites whose emulators serve this tree's build: rewriting
// functions/lib under a running Functions emulator would change the code it serves mid-test.
//
//   node scripts/beside.mjs <command> [args...]
//
// The copy holds the files git knows (tracked, and new files not ignored) and links to the installed
// packages; it is made in the OS temp folder and removed when the command ends.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./emulator-env.mjs";

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error("usage: node scripts/beside.mjs <command> [args...]");
  process.exit(2);
}

const copy = mkdtempSync(path.join(os.tmpdir(), "fairshot-beside-"));
const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
  cwd: ROOT,
  encoding: "utf8",
})
  .split("\0")
  .filter(Boolean);
for (const file of files) {
  mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
  // A file deleted but not yet staged is still listed: there is nothing to copy.
  try {
    copyFileSync(path.join(ROOT, file), path.join(copy, file));
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
  }
}
for (const modules of ["node_modules", "functions/node_modules"]) {
  if (existsSync(path.join(ROOT, modules))) symlinkSync(path.join(ROOT, modules), path.join(copy, modules), "dir");
}
console.log(`beside: ${files.length} files copied to ${copy}`);

const child = spawn(command[0], command.slice(1), { cwd: copy, stdio: "inherit" });
process.on("SIGINT", () => undefined);
child.on("exit", (code, signal) => {
  rmSync(copy, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
