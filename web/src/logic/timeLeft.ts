/**
 * How far a working run's scenes are, counted from its scene documents, and how long the rest should
 * take, estimated from the stage times the backend measured on the customer's earlier runs
 * (`runs/{id}.stages[stage].durationMs`). No measurement, no estimate: the page never guesses a time.
 */
import { WORK_STAGES } from "../../../functions/src/contract/run";
import { PROGRESS_WORDS } from "./words";

/** The scene document fields the page reads (`runs/{runId}/scenes/{sceneId}`). */
export interface SceneSnapshot {
  sceneNumber: number;
  round: number;
  status: string;
  method?: string;
  video?: string;
}

/** The fields of a run the estimate reads. */
export interface TimedRun {
  status: string;
  stage?: string;
  scenesRound?: number;
  script?: { scenes: unknown[] };
  stages?: Partial<Record<string, { durationMs?: number }>>;
}

export type StageTimes = Partial<Record<string, number>>;

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Each stage's median measured duration over the given runs (a stage that never finished is left out). */
export function measuredStageTimes(runs: readonly TimedRun[]): StageTimes {
  const times: StageTimes = {};
  for (const stage of WORK_STAGES) {
    const ms = median(
      runs.map((r) => r.stages?.[stage]?.durationMs).filter((d): d is number => typeof d === "number" && d >= 0),
    );
    if (ms !== null) times[stage] = ms;
  }
  return times;
}

/** The scenes of the run's current round: how many are ready of how many it renders. */
export function sceneCount(run: TimedRun, scenes: readonly SceneSnapshot[]): { done: number; total: number } | null {
  if (run.status !== "running" || run.stage !== "scenes") return null;
  const round = run.scenesRound ?? 0;
  const inRound = scenes.filter((s) => s.round === round);
  // Round 0 renders every planned scene, some before their document exists; a retry round those moved to it.
  const total = round === 0 ? (run.script?.scenes.length ?? inRound.length) : inRound.length;
  if (total === 0) return null;
  return { done: inRound.filter((s) => s.status === "done").length, total };
}

/**
 * Seconds left: the share of the current stage not done yet (for the scenes, the share of the round's
 * scenes still rendering; for another stage, half of it, as it is somewhere within) plus every later stage.
 */
export function secondsLeft(run: TimedRun, scenes: readonly SceneSnapshot[], times: StageTimes): number | null {
  if (run.status !== "running" || !run.stage) return null;
  const at = (WORK_STAGES as readonly string[]).indexOf(run.stage);
  if (at < 0) return null;
  const later = WORK_STAGES.slice(at + 1).map((stage) => times[stage]);
  const current = times[run.stage];
  if (current === undefined || later.some((ms) => ms === undefined)) return null;
  const count = sceneCount(run, scenes);
  const share = count ? (count.total - count.done) / count.total : 0.5;
  const ms = current * share + later.reduce<number>((sum, value) => sum + (value ?? 0), 0);
  return Math.round(ms / 1000);
}

/** The words beside the bar while scenes render and when the time left is known; null says nothing more. */
export function progressDetail(run: TimedRun, scenes: readonly SceneSnapshot[], times: StageTimes): string | null {
  const count = sceneCount(run, scenes);
  const left = secondsLeft(run, scenes, times);
  const parts = [
    count &&
      ((run.scenesRound ?? 0) === 0
        ? PROGRESS_WORDS.scenesReady(count.done, count.total)
        : PROGRESS_WORDS.scenesRemade(count.done, count.total)),
    left !== null && PROGRESS_WORDS.timeLeft(left),
  ].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(", ") : null;
}
