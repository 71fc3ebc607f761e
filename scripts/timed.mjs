// Runs one step of the test chain (a tier, the lint, a smoke) and prints how long it took, with
// the machine's load average, since a time on a shared 2-core machine means little without it.
// The line is also appended to test-results/times.txt, which .ci/run prints at the end.
//
//   node scripts/timed.mjs <label> <command> [args...]
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./emulator-env.mjs";

const [label, ...command] = process.argv.slice(2);
if (!label || command.length === 0) {
  console.error("usage: node scripts/timed.mjs <label> <command> [args...]");
  process.exit(2);
}

const load = () => os.loadavg()[0].toFixed(1);
const loadAtStart = load();
const started = performance.now();
const child = spawn(command[0], command.slice(1), { stdio: "inherit" });
// Ctrl-C reaches the whole process group; the step ends on its own and reports.
process.on("SIGINT", () => undefined);
child.on("exit", (code, signal) => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const outcome = code === 0 ? "passed" : `FAILED (${signal ?? `exit ${code}`})`;
  const line = `${label}: ${outcome} in ${seconds} s (load average ${loadAtStart} at start, ${load()} at end, ${os.cpus().length} cores)`;
  console.log(`\n⏱ ${line}`);
  mkdirSync(path.join(ROOT, "test-results"), { recursive: true });
  appendFileSync(path.join(ROOT, "test-results", "times.txt"), `${line}\n`);
  process.exit(code ?? 1);
});
