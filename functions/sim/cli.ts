/**
 * `npm run sim -- [--seeds N] [--from S] [--seed S] [--runs R] [--faults-off i,j] [--steps N]
 * [--budget-seconds T]`: runs simulated histories of the real handlers and checks every invariant.
 * A violation exits 1 with the seed and the history shrunk and traced; bad options exit 2 with usage.
 */
import "./logs";
import { parseSimArgs, USAGE } from "./options";
import { explainViolation, violationLines } from "./explain";
import { simulate } from "./world";

async function main(): Promise<number> {
  const parsed = parseSimArgs(process.argv.slice(2));
  if (parsed.kind === "usage") {
    console.error(parsed.error ? `${parsed.error}\n\n${USAGE}` : USAGE);
    return parsed.error ? 2 : 0;
  }
  const options = parsed.options;
  if (options.seed !== undefined) {
    const result = await simulate({ ...options, seed: options.seed, trace: true });
    for (const line of result.trace) console.log(line);
    console.log(
      `seed ${result.seed}: ${result.runs} runs, ${result.steps} steps, ${(result.simulatedMs / 3_600_000).toFixed(1)} h simulated, ` +
        `${result.fired.length} faults: ${result.violations.length === 0 ? "every invariant held" : "VIOLATION"}`,
    );
    for (const line of violationLines(result)) console.log(line);
    return result.violations.length === 0 ? 0 : 1;
  }
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let histories = 0;
  let steps = 0;
  for (let seed = options.from; seed < options.from + options.seeds; seed++) {
    if ((performance.now() - started) / 1000 > options.budgetSeconds) break;
    const result = await simulate({ ...options, seed });
    histories++;
    steps += result.steps;
    if (result.violations.length > 0) {
      console.log(`VIOLATION after ${histories} histories`);
      for (const line of (await explainViolation(result, options.steps)).lines) console.log(line);
      return 1;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `${histories} histories (seeds ${options.from}..${options.from + histories - 1}), ${steps} steps, every invariant held; ` +
      `${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU: ${(histories / seconds).toFixed(1)} histories/s on one core ` +
      `(${(histories / cpuSeconds).toFixed(1)} per CPU-second), ${(steps / seconds).toFixed(0)} steps/s`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(3);
  },
);
