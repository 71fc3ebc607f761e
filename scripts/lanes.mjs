// Runs npm scripts side by side, each in an emulator suite of its own (its own ports, temp folder and
// database), and fails if any of them fails. The emulator tiers spend most of their time waiting (for
// triggers, task deliveries, sweeps, timeouts) with the 2 cores mostly idle, so suites that share
// nothing finish in about the time of the longest.
//
//   node scripts/lanes.mjs <npm script> [<npm script> ...]
//
// Lane i gets FAIRSHOT_EMULATOR_PORT_OFFSET from LANE_OFFSETS (chosen so that no port of one suite is a
// port of another) and FAIRSHOT_LANE (its name without `lane:`), which names its result files. Each line it prints is prefixed with
// its name; a lane's failure is repeated at the end, with the lanes' times.
import { spawn } from "node:child_process";
import readline from "node:readline";

const LANE_OFFSETS = [0, 1200, 1500, 1800, 2400, 3000];
// A caller's own offset moves every lane with it (one lane alone runs on exactly that offset).
const BASE_OFFSET = Number(process.env.FAIRSHOT_EMULATOR_PORT_OFFSET ?? 0);
const lanes = process.argv.slice(2);
if (lanes.length === 0 || lanes.length > LANE_OFFSETS.length) {
  console.error(`usage: node scripts/lanes.mjs <npm script> [...] (at most ${LANE_OFFSETS.length})`);
  process.exit(2);
}

/** The lane's name in file names: `lane:pipeline` → `pipeline`. */
const laneName = (script) => script.replace(/^lane:/, "").replace(/[^\w-]/g, "-");
const width = Math.max(...lanes.map((lane) => lane.length));
const started = performance.now();

function runLane(script, index) {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", script], {
      env: {
        ...process.env,
        FAIRSHOT_EMULATOR_PORT_OFFSET: String(BASE_OFFSET + LANE_OFFSETS[index]),
        FAIRSHOT_LANE: laneName(script),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const prefix = `[${script.padEnd(width)}] `;
    const tail = [];
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on("line", (line) => {
        process.stdout.write(prefix + line + "\n");
        tail.push(line);
        if (tail.length > 60) tail.shift();
      });
    }
    child.on("exit", (code, signal) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      resolve({
        script,
        ok: code === 0,
        outcome: code === 0 ? "passed" : `FAILED (${signal ?? `exit ${code}`})`,
        seconds,
        tail,
      });
    });
  });
}

// Ctrl-C reaches every lane's process group; each ends on its own and is reported.
process.on("SIGINT", () => undefined);
const results = await Promise.all(lanes.map(runLane));
for (const failed of results.filter((r) => !r.ok)) {
  console.log(`\n── ${failed.script} ${failed.outcome}; its last lines:\n${failed.tail.join("\n")}`);
}
console.log("");
for (const r of results) console.log(`lane ${r.script.padEnd(width)} ${r.outcome} after ${r.seconds} s`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
