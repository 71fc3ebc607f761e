/**
 * What `npm run sim` prints for a history that broke an invariant: the breach, the history shrunk,
 * its trace, and the command that replays it. Shared by the command and its tests.
 */
import { shrink } from "./shrink";
import { simulate, type HistoryResult } from "./world";

export function violationLines(result: HistoryResult): string[] {
  return result.violations.map((v) => `  ✗ ${v.invariant}: ${v.detail}`);
}

export function replayCommand(seed: number, runs: number, faultsOff: readonly number[], steps: number): string {
  const off = faultsOff.length > 0 ? ` --faults-off ${faultsOff.join(",")}` : "";
  return `npm run sim -- --seed ${seed} --runs ${runs}${off} --steps ${steps}`;
}

export interface Explained {
  /** The shrunk history, replayed with its trace. */
  shrunk: HistoryResult;
  faultsOff: number[];
  lines: string[];
}

export async function explainViolation(failing: HistoryResult, steps: number, maxReplays?: number): Promise<Explained> {
  const shrunk = await shrink(failing, steps, maxReplays);
  const traced = await simulate({
    seed: failing.seed,
    runs: shrunk.runs,
    steps,
    faultsOff: new Set(shrunk.faultsOff),
    trace: true,
  });
  const lines = [
    `seed ${failing.seed}: VIOLATION`,
    ...violationLines(failing),
    "",
    `shrunk in ${shrunk.replays} replays from ${failing.runs} runs and ${failing.fired.length} faults to ${traced.runs} runs and ${traced.fired.length} faults:`,
    ...traced.trace,
    ...violationLines(traced),
    "",
    `replay: ${replayCommand(failing.seed, shrunk.runs, shrunk.faultsOff, steps)}`,
  ];
  return { shrunk: traced, faultsOff: shrunk.faultsOff, lines };
}
