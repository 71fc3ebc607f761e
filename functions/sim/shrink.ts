/**
 * Shrinks a failing history: fewer customer runs first, then the faults it injected switched off,
 * in halves and then one by one, as long as the same invariant still breaks in a smaller history.
 * Each try is a replay of the same seed, so the result is a history anyone can replay with the
 * printed options.
 */
import { simulate, type HistoryResult } from "./world";

export interface Shrunk {
  result: HistoryResult;
  runs: number;
  faultsOff: number[];
  replays: number;
}

export async function shrink(failing: HistoryResult, steps: number, maxReplays = 200): Promise<Shrunk> {
  const invariant = failing.violations[0].invariant;
  let replays = 0;
  let best: Shrunk = { result: failing, runs: failing.runs, faultsOff: [], replays };
  const attempt = async (runs: number, faultsOff: number[]) => {
    replays++;
    const result = await simulate({ seed: failing.seed, runs, steps, faultsOff: new Set(faultsOff) });
    if (result.violations[0]?.invariant !== invariant) return false;
    // Switching a fault off changes what follows, and other faults may fire instead: keep only a
    // history that is smaller (fewer runs, or as many and fewer faults).
    const smaller = runs < best.runs || (runs === best.runs && result.fired.length < best.result.fired.length);
    if (!smaller) return false;
    best = { result, runs, faultsOff, replays };
    return true;
  };
  for (let runs = 1; runs < best.runs && replays < maxReplays; runs++) if (await attempt(runs, [])) break;
  let chunk = Math.max(1, Math.ceil(best.result.fired.length / 2));
  while (replays < maxReplays) {
    const fired = best.result.fired.map((f) => f.index);
    let progressed = false;
    for (let i = 0; i < fired.length && replays < maxReplays; i += chunk) {
      if (await attempt(best.runs, [...best.faultsOff, ...fired.slice(i, i + chunk)])) {
        progressed = true;
        break;
      }
    }
    if (!progressed) {
      if (chunk === 1) break;
      chunk = Math.max(1, Math.floor(chunk / 2));
    }
  }
  return { ...best, replays };
}
