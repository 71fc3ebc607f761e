/**
 * `npm run test:readme`: the commands the README gives a newcomer, each run exactly as written
 * there (the README must contain the command's text, so neither can change without the other),
 * each checked for the outcome the README promises. CI runs it after `npm test` on a clean
 * clone, so a README command that breaks fails CI. Prints each command's time.
 *
 * The commands share the emulators' saved state (.emulators/state), as they do when typed by
 * hand: the audit at the end checks every ledger movement the demos and the seeded week made.
 *
 *   npm run test:readme -- [text...]   only the commands containing one of the texts (e.g. demo)
 */
import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const README = readFileSync(path.join(ROOT, "README.md"), "utf8");

interface Smoke {
  /** As the README writes it (after `npm run `). */
  readonly command: string;
  readonly exitCode: number;
  /** What the output must say (the README's promise for this command). */
  readonly says: readonly RegExp[];
  readonly env?: Record<string, string>;
  /** Files the command must write (anew: a copy left by an earlier run does not count). */
  readonly writes?: readonly string[];
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const SMOKES: readonly Smoke[] = [
  { command: "npm run setup", exitCode: 0, says: [/emulators ready/] },
  {
    // Offline with no keys: nothing wrong among the providers asked (none), each "could not be asked": exit 3.
    command: "npm run models:check",
    exitCode: 3,
    says: [/^text\s+1\s+primary\s/m, /could not list its models/],
  },
  {
    command: "npm run demo",
    exitCode: 0,
    says: [/✔ Video ready: .+\.mp4/, /Cost: 10 credits\./],
  },
  {
    command: "npm run demo -- --fault visual_dna=model_not_found",
    exitCode: 0,
    // The product analysis comes before the storyboard, so before the demo's approval: never charged.
    says: [/✘ Run failed at visual_dna/, /Refunded: nothing was charged/, /Cost: 0 credits\./],
  },
  {
    command: "npm run demo -- --image functions/test/fixtures/images/astronaut.png",
    exitCode: 0,
    says: [/Nothing has been charged/, /Cost: 0 credits\./],
  },
  {
    command:
      "npm run demo -- --image functions/test/fixtures/images/astronaut.png --confirm --fault scenes=celebrity:1,2,3 --decision refund",
    exitCode: 0,
    says: [/^\s+--decision refund$/m, /Cost: 0 credits\./],
  },
  {
    // The README's benchmark, with one run instead of two (BENCH_RUNS) to keep CI short.
    command: "npm run bench",
    env: { BENCH_RUNS: "1" },
    exitCode: 0,
    says: [],
    writes: ["bench-results/pipeline.json"],
  },
  { command: "npm run seed-week", exitCode: 0, says: [/runs\s+rollout \d+%/] },
  {
    command: `npm run metrics -- --from ${day(-7)} --to ${day(-1)}`,
    exitCode: 0,
    says: [],
    writes: ["reports/metrics.html"],
  },
  { command: "npm run audit", exitCode: 0, says: [] },
];

/** How the README writes a command: dates as YYYY-MM-DD. */
const asDocumented = (command: string) => command.replace(/\d{4}-\d\d-\d\d/g, "YYYY-MM-DD");

/** The environment of a newcomer's shell: no provider keys (the commands run offline). */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.GEMINI_API_KEY;
  delete env.OPENAI_API_KEY;
  return env;
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s, load average ${os.loadavg()[0].toFixed(1)}`;
}

/** Runs `command` through the shell, echoing and collecting its output. */
function run(command: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, { cwd: ROOT, env, shell: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const collect = (chunk: Buffer, to: NodeJS.WriteStream) => {
      out += chunk.toString();
      to.write(chunk);
    };
    child.stdout.on("data", (chunk: Buffer) => collect(chunk, process.stdout));
    child.stderr.on("data", (chunk: Buffer) => collect(chunk, process.stderr));
    child.on("exit", (code, signal) => resolve({ code: signal ? -1 : (code ?? -1), out }));
  });
}

async function smoke(s: Smoke): Promise<string[]> {
  const problems: string[] = [];
  if (!README.includes(asDocumented(s.command))) problems.push("the README no longer gives this command");
  const startedAt = Date.now();
  const { code, out } = await run(s.command, offlineEnv(s.env));
  if (code !== s.exitCode) problems.push(`exit ${code}, the README says ${s.exitCode}`);
  for (const pattern of s.says) if (!pattern.test(out)) problems.push(`its output does not say ${pattern}`);
  for (const file of s.writes ?? []) {
    const written = statSync(path.join(ROOT, file), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (written < startedAt) problems.push(`${file} was not written`);
  }
  return problems;
}

/** Whether every process of the group `pgid` has ended within `ms`. */
async function groupGone(pgid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/**
 * `npm run web`: started as the README says, answering with the page, then stopped with Ctrl-C
 * (SIGINT to its process group), as a user stops it.
 */
async function webSmoke(): Promise<string[]> {
  const command = "npm run web";
  if (!README.includes(`\`${command}\``)) return ["the README no longer gives this command"];
  const child = spawn("npm", ["run", "web"], {
    cwd: ROOT,
    env: offlineEnv(),
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<string>((resolve) =>
    child.on("exit", (code, signal) => resolve(signal ?? `exit ${code}`)),
  );
  const url = await new Promise<string | null>((resolve) => {
    let out = "";
    const timer = setTimeout(() => resolve(null), 300_000);
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      out += chunk.toString();
      const found = /web page \(emulator mode\): (http:\/\/\S+)/.exec(out);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    void exited.then(() => resolve(null));
  });
  const problems: string[] = [];
  if (!url) problems.push("it printed no URL (within 300 s)");
  else {
    const response = await fetch(url).catch((error: unknown) => new Error(String(error)));
    if (response instanceof Error) problems.push(`${url} did not answer: ${response.message}`);
    else {
      const page = await response.text();
      if (response.status !== 200 || !page.includes("<title>fairshot")) {
        problems.push(`${url} answered ${response.status} without the page`);
      }
    }
  }
  if (!child.pid) return [...problems, "it did not start"];
  process.kill(-child.pid, "SIGINT");
  // npm itself ends by the signal, as in a terminal; what counts is that the page and the
  // emulators under it stop (after saving their state) and leave nothing running.
  const ended = await exited;
  if (!["SIGINT", "exit 0", "exit 130"].includes(ended)) problems.push(`it ended with ${ended} after Ctrl-C`);
  if (!(await groupGone(child.pid, 120_000))) {
    problems.push("processes still running 120 s after Ctrl-C");
    process.kill(-child.pid, "SIGKILL");
  }
  return problems;
}

async function main(): Promise<number> {
  const picked = process.argv.slice(2);
  const wanted = (command: string) => picked.length === 0 || picked.some((text) => command.includes(text));
  const smokes = SMOKES.filter((s) => wanted(s.command));
  const withWeb = wanted("npm run web");
  const started = performance.now();
  const failures: string[] = [];
  const report = (command: string, since: number, problems: string[]) => {
    const verdict = problems.length === 0 ? "✔" : "✖";
    console.log(`\n${verdict} readme smoke: ${command} (${seconds(since)})`);
    for (const p of problems) console.log(`  ✖ ${p}`);
    if (problems.length > 0) failures.push(`${command}: ${problems.join("; ")}`);
  };
  for (const s of smokes) {
    const since = performance.now();
    console.log(`\n▶ readme smoke: ${s.command}`);
    report(s.command, since, await smoke(s));
  }
  if (withWeb) {
    const since = performance.now();
    console.log("\n▶ readme smoke: npm run web");
    report("npm run web", since, await webSmoke());
  }
  const total = smokes.length + (withWeb ? 1 : 0);
  console.log(`\nreadme smoke: ${total - failures.length} of ${total} commands as documented`);
  for (const failure of failures) console.log(`  ✖ ${failure}`);
  console.log(`readme smoke took ${seconds(started)}`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`readme smoke: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
