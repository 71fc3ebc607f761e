/**
 * `npm run seed-week` (and tests): seeds a realistic week of finished runs on the emulators,
 * both cohorts and mixed outcomes, then rolls up each day's metrics as the scheduled function
 * would, guard included. Credits move through the real ledger transactions (grant, charge,
 * refund), so `npm run audit` stays clean. Deterministic for a given seed; re-running skips
 * runs that already exist.
 *
 * The story of the default week: 10% rollout for three days, 50% from day four (refunds were
 * low), then a two-day model outage (days five and six). The graceful cohort fails and refunds,
 * its refund rate passes 20%, and the guard turns the flag off: the rest of the week runs on the
 * legacy behaviour, whose users are charged for generic content.
 */
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { objects, paths, sceneId } from "../functions/src/contract/paths";
import type {
  Attempt,
  FallbackReason,
  PreflightReport,
  RunInput,
  StageRecord,
  VisualDna,
  WorkStage,
} from "../functions/src/contract/run";
import { chargeRun, grantCredits, refundRun } from "../functions/src/ledger/credits";
import { degradationOf } from "../functions/src/lifecycle/stateMachine";
import { addDays, dayRange, daysBetween } from "../functions/src/metrics/compute";
import { rollUpMetrics, type RollUpResult } from "../functions/src/handlers/metricsRollup";
import { userMessages } from "../functions/src/messages";
import { callCostUsd, deliveredScenesCostUsd, type CallUsage } from "../functions/src/models/cost";
import { DEFAULT_MODEL_CONFIG, parseModelConfig } from "../functions/src/models/modelConfig";
import { loadPipelineSettings, PipelineSettingsSchema } from "../functions/src/pipelineSettings";
import { WARNING_TEXT } from "../functions/src/preflight/messages";
import { composeScript } from "../functions/src/providers/local/localScript";
import { cohortFor, loadRolloutFlag, ROLLOUT_FLAG_PATH, RolloutFlagSchema } from "../functions/src/rollout/flag";
import type { Cohort } from "../functions/src/contract/cohorts";
import { LEGACY_DNA, LEGACY_MODELS, legacyScript, legacySilentVoice } from "../functions/src/rollout/legacy";
import { seededRandom } from "../functions/src/media/seededRandom";

export interface SeedWeekOptions {
  /** The last day seeded (UTC, YYYY-MM-DD). */
  endDay: string;
  days?: number;
  runsPerDay?: number;
  users?: number;
  /** The rollout percentage an operator sets each morning (one per day); never re-enables a flag the guard turned off. */
  rolloutSchedule?: number[];
  /** 0-based days of a model outage (45% of the runs' model chains fail); [] for a quiet week. */
  outageDays?: number[];
  seed?: number;
  /** Prefix of run and user ids, so several seeded weeks can share a database. */
  prefix?: string;
}

export interface SeededDay {
  day: string;
  runs: number;
  rollUp: RollUpResult;
}

const SCENES = 4;
const SCENE_SECONDS = 4;

const PRODUCTS: {
  input: Omit<RunInput, "image" | "scenes" | "aspectRatio">;
  dna: VisualDna;
}[] = [
  {
    input: {
      productName: "Morning Ritual Coffee",
      brandName: "Fairbean",
      brief: "Single-origin beans roasted in small batches. Rich crema and a smooth finish.",
    },
    dna: {
      productDescription: "A matte kraft coffee bag with a paper label",
      palette: ["#6b4f3a", "#d9c3a5", "#1f1a17"],
      mood: "warm, calm",
      lighting: "soft morning window light",
      composition: "centered product on a wooden table",
      styleKeywords: ["artisan", "cozy", "natural"],
    },
  },
  {
    input: {
      productName: "Trail Runner 3",
      brandName: "Northpeak",
      brief: "A lightweight trail shoe with a grippy outsole. Built for wet rock and long days.",
    },
    dna: {
      productDescription: "A blue and orange trail running shoe",
      palette: ["#1d4e89", "#f28c28", "#e8e8e8"],
      mood: "energetic",
      lighting: "bright daylight",
      composition: "three-quarter side view",
      styleKeywords: ["outdoor", "dynamic", "sport"],
    },
  },
  {
    input: {
      productName: "Glow Serum",
      brandName: "Lumen",
      brief: "Vitamin C serum in a glass dropper bottle. Brighter skin in two weeks.",
    },
    dna: {
      productDescription: "An amber glass dropper bottle with a white label",
      palette: ["#f4e1c1", "#c98b2b", "#ffffff"],
      mood: "fresh, clean",
      lighting: "diffuse studio light",
      composition: "close-up on a marble surface",
      styleKeywords: ["skincare", "minimal", "luxury"],
    },
  },
  {
    input: {
      productName: "Desk Lamp Arc",
      brandName: "Halden",
      brief: "An aluminium desk lamp with a dimmable warm LED. Folds flat when the day is done.",
    },
    dna: {
      productDescription: "A slim black aluminium desk lamp",
      palette: ["#111111", "#f5d76e", "#8a8a8a"],
      mood: "focused",
      lighting: "warm lamp glow at dusk",
      composition: "lamp on a desk, low angle",
      styleKeywords: ["modern", "industrial", "clean"],
    },
  },
];

interface RunPlan {
  runId: string;
  uid: string;
  createdAtMs: number;
  product: number;
  faces: number;
  warned: boolean;
  /** The model stage whose every model failed, if any. */
  modelFailure: Extract<WorkStage, "visual_dna" | "script" | "voice"> | null;
  /** Per scene: null when Veo rendered it, else why it became Ken Burns. */
  sceneFallbacks: (FallbackReason | null)[];
  /** A scene that failed for good (1-based), failing the run. */
  failedScene: number | null;
  /** Answer to the quality decision of a degraded run. */
  decision: "accept" | "refund";
}

/** The runs of one day, before cohorts are known. Pure given the rng. */
function planDay(rng: () => number, day: string, dayIndex: number, options: Required<SeedWeekOptions>): RunPlan[] {
  const { startMs } = dayRange(day);
  const outage = options.outageDays.includes(dayIndex);
  const times = Array.from({ length: options.runsPerDay }, () => startMs + Math.floor(rng() * 86_400_000)).sort(
    (a, b) => a - b,
  );
  return times.map((createdAtMs, i) => {
    const faces = rng() < 0.15 ? 1 + Math.floor(rng() * 2) : 0;
    const modelFailureRoll = rng();
    const failRate = outage ? 0.45 : 0.03;
    const modelFailure =
      modelFailureRoll < failRate
        ? (["visual_dna", "script", "voice"] as const)[Math.floor((modelFailureRoll / failRate) * 3)]
        : null;
    const sceneFallbacks = Array.from({ length: SCENES }, (): FallbackReason | null => {
      if (rng() < (faces > 0 ? 0.6 : 0.01)) return "celebrity_detected";
      if (rng() < 0.03) return "rate_limit";
      return rng() < 0.01 ? "safety_filter" : null;
    });
    return {
      runId: `${options.prefix}-${day}-${String(i + 1).padStart(3, "0")}`,
      uid: `${options.prefix}-user-${String(Math.floor(rng() * options.users) + 1).padStart(3, "0")}`,
      createdAtMs,
      product: Math.floor(rng() * PRODUCTS.length),
      faces,
      warned: faces > 0 && rng() < 0.9,
      modelFailure,
      sceneFallbacks,
      failedScene: rng() < 0.01 ? 1 + Math.floor(rng() * SCENES) : null,
      decision: rng() < 0.55 ? "accept" : "refund",
    };
  });
}

const TEXT_MODELS = DEFAULT_MODEL_CONFIG.text.map((m) => m.model);
const VOICE_MODELS = DEFAULT_MODEL_CONFIG.voice.map((m) => m.model);
const VIDEO_MODEL = DEFAULT_MODEL_CONFIG.video[0].model;
const TIERS = ["primary", "backup", "fallback"] as const;

/** A stage record as failRun writes it for a failed model stage: no model served. */
type RecordedStage = StageRecord | { model: null; tier: null; attempts: Attempt[]; durationMs: number };

const MODELS = parseModelConfig(DEFAULT_MODEL_CONFIG);

/**
 * What a seeded call of a primary model cost by the price table, at the usage the project's stand-ins
 * answer with: text 812 tokens in and 301 out, a Gemini voice 14 in and 25 audio tokens a second out.
 */
function seededCostUsd(stage: "visual_dna" | "script" | "voice", model: string, atMs: number, voiceSec: number) {
  const entry = [...MODELS.text, ...MODELS.voice].find((e) => e.model === model);
  if (!entry) return undefined;
  const usage: CallUsage =
    stage === "voice"
      ? { per: "token", inputTokens: 14, outputTokens: Math.round(voiceSec * 25) }
      : { per: "token", inputTokens: 812, outputTokens: 301 };
  return callCostUsd(MODELS.prices, entry, usage, atMs);
}

function served(model: string, durationMs: number, costUsd: number | undefined): StageRecord {
  return {
    model,
    tier: "primary",
    attempts: [{ model, tier: "primary", errorClass: null, durationMs, ...(costUsd !== undefined && { costUsd }) }],
    durationMs,
  };
}

/** Every model of the chain failing, as the fallback machinery records it. */
function failedChain(models: string[], outage: boolean): Attempt[] {
  return models.map((model, i) => ({
    model,
    tier: TIERS[i] ?? "fallback",
    errorClass: outage || i > 0 ? "transient" : "not_found",
    error: outage || i > 0 ? "503 the model is overloaded" : `404 models/${model} is not found`,
    durationMs: 1500 + i * 700,
  }));
}

function legacyRecord(model: string, failed: Attempt[]): StageRecord {
  return {
    model,
    tier: "legacy",
    attempts: [...failed, { model, tier: "legacy", errorClass: null, durationMs: 0 }],
    durationMs: 0,
  };
}

function preflightOf(plan: RunPlan): PreflightReport {
  const text = WARNING_TEXT.FACES_DETECTED;
  return {
    safeToProceed: !plan.warned,
    warnings: plan.warned
      ? [
          {
            severity: "high",
            code: "FACES_DETECTED",
            message: text.message(plan.faces),
            recommendation: text.recommendation,
          },
        ]
      : [],
    faces: plan.warned ? plan.faces : 0,
    width: 1080,
    height: 1350,
    format: "jpeg",
    detector: "local-tiny-face-detector",
  };
}

/** The final state of a run: run fields, scene documents, and whether it ends failed. */
function finish(plan: RunPlan, cohort: Cohort, input: RunInput, outage: boolean) {
  const legacy = cohort === "legacy";
  const stages: Record<string, RecordedStage> = {};
  const update: Record<string, unknown> = { stageState: null, lease: null };
  const failWith = (stage: string, reason: string, userMessage: string) => ({
    ...update,
    stages,
    status: "failed",
    stage,
    failure: { stage, reason, userMessage, refunded: false },
    progress: { pct: 100, message: userMessage },
  });
  const modelStage = (
    stage: NonNullable<RunPlan["modelFailure"]>,
    models: string[],
    legacyModel: string,
    message: string,
  ) => {
    if (plan.modelFailure !== stage) {
      const cost = seededCostUsd(stage, models[0], plan.createdAtMs, SCENES * SCENE_SECONDS - 1);
      stages[stage] = served(models[0], 2000 + Math.round(plan.createdAtMs % 1500), cost);
      return "ok" as const;
    }
    const failed = failedChain(models, outage);
    if (!legacy) {
      stages[stage] = {
        model: null,
        tier: null,
        attempts: failed,
        durationMs: 0,
      };
      return failWith(
        stage,
        `every model failed: ${failed.map((a) => `${a.model} ${a.errorClass}`).join(", ")}`,
        message,
      );
    }
    stages[stage] = legacyRecord(legacyModel, failed);
    update.legacyFallback = true;
    return "legacy" as const;
  };

  const dnaOutcome = modelStage("visual_dna", TEXT_MODELS, LEGACY_MODELS.visualDna, userMessages.visualDnaFailed);
  if (typeof dnaOutcome === "object") return { update: dnaOutcome, scenes: [], failed: true };
  const dna = dnaOutcome === "legacy" ? LEGACY_DNA : PRODUCTS[plan.product].dna;
  const scriptOutcome = modelStage("script", TEXT_MODELS, LEGACY_MODELS.script, userMessages.scriptFailed);
  if (typeof scriptOutcome === "object") return { update: { ...scriptOutcome, dna }, scenes: [], failed: true };
  const script =
    scriptOutcome === "legacy"
      ? legacyScript(SCENES, SCENE_SECONDS)
      : composeScript(input, dna, SCENE_SECONDS, PipelineSettingsSchema.parse({}));
  if (!script) throw new Error(`the seeded ${plan.product} brief does not fill ${SCENES} scenes of ${SCENE_SECONDS} s`);
  Object.assign(update, { dna, script });

  // The voice comes before the scenes: a run whose every voice model failed has no scene at all.
  const voiceOutcome = modelStage("voice", VOICE_MODELS, LEGACY_MODELS.voice, userMessages.voiceFailed);
  if (typeof voiceOutcome === "object") return { update: voiceOutcome, scenes: [], failed: true };
  const voiceSeconds =
    voiceOutcome === "legacy" ? legacySilentVoice(script.voiceover).durationSec : SCENES * SCENE_SECONDS - 1;

  const clipCostUsd = deliveredScenesCostUsd(MODELS, [SCENE_SECONDS], plan.createdAtMs)?.usd;
  const scenes = plan.sceneFallbacks.map((reason, i) => ({
    id: sceneId(i + 1),
    doc: {
      sceneNumber: i + 1,
      round: 0,
      status: plan.failedScene === i + 1 ? "pending" : "done",
      method: reason ? "ken-burns" : "generated",
      fallbackReason: reason,
      video: objects.sceneClip(plan.runId, sceneId(i + 1), 0),
      model: reason ? "ken-burns" : VIDEO_MODEL,
      tier: reason ? "fallback" : "primary",
      attempts: [
        {
          model: VIDEO_MODEL,
          tier: "primary",
          errorClass: reason === null ? null : reason === "rate_limit" ? "rate_limited" : "content_policy",
          ...(reason && {
            error: reason === "celebrity_detected" ? "person/celebrity likeness filtered" : reason.replace(/_/g, " "),
          }),
          durationMs: 45_000,
          // A clip delivered is billed; a filtered or rate-limited request is not.
          ...(reason === null && clipCostUsd !== undefined && { costUsd: clipCostUsd }),
        },
      ],
      durationMs: 52_000,
      operationName: null,
    },
  }));
  if (plan.failedScene) {
    return {
      update: failWith(
        "scenes",
        `scene ${plan.failedScene}: render failed`,
        userMessages.sceneFailed(plan.failedScene),
      ),
      scenes,
      failed: true,
    };
  }
  const quality = degradationOf(scenes.map((s) => s.doc.method));
  update.quality = quality;
  if (quality.degradationPct > 50) {
    update.decisionLog = [
      {
        decision: plan.decision,
        at: Timestamp.fromMillis(plan.createdAtMs + 120_000),
      },
    ];
    if (plan.decision === "refund") {
      return {
        update: failWith("scenes", "user_refused_quality", userMessages.refusedByUser),
        scenes,
        failed: true,
      };
    }
  }
  stages.assembly = {
    model: "ffmpeg",
    tier: "local",
    attempts: [{ model: "ffmpeg", tier: "local", errorClass: null, durationMs: 4000 }],
    durationMs: 4000,
  };
  const video = objects.output(plan.uid, plan.runId);
  return {
    update: {
      ...update,
      stages,
      status: "succeeded",
      stage: "assembly",
      voice: { audio: objects.voice(plan.runId), durationSec: voiceSeconds },
      output: { video, durationSec: SCENES * SCENE_SECONDS },
      progress: { pct: 100, message: userMessages.videoReady },
    },
    scenes,
    failed: false,
  };
}

async function seedRun(db: Firestore, plan: RunPlan, cohort: Cohort, price: number, outage: boolean): Promise<void> {
  const runRef = db.doc(paths.run(plan.runId));
  const input: RunInput = {
    ...PRODUCTS[plan.product].input,
    image: `uploads/${plan.uid}/product.jpg`,
    scenes: SCENES,
    aspectRatio: "9:16",
  };
  const createdAt = Timestamp.fromMillis(plan.createdAtMs);
  await runRef.set({
    uid: plan.uid,
    status: "preflight",
    input,
    createdAt,
    cohort,
    preflight: preflightOf(plan),
    aspectRatio: "9:16",
  });
  const charged = await chargeRun(db, plan.runId, { price });
  if (charged !== "charged") throw new Error(`seed run ${plan.runId} was not charged: ${charged}`);
  const { update, scenes, failed } = finish(plan, cohort, input, outage);
  const batch = db.batch();
  batch.update(runRef, {
    ...update,
    updatedAt: Timestamp.fromMillis(plan.createdAtMs + 240_000),
  });
  for (const scene of scenes) batch.set(db.doc(paths.scene(plan.runId, scene.id)), scene.doc);
  await batch.commit();
  if (failed) await refundRun(db, plan.runId);
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

export async function seedWeek(db: Firestore, options: SeedWeekOptions): Promise<SeededDay[]> {
  const o: Required<SeedWeekOptions> = {
    days: 7,
    runsPerDay: 80,
    users: 300,
    rolloutSchedule: [10, 10, 10, 50, 50, 50, 50],
    outageDays: [4, 5],
    seed: 20240601,
    prefix: "week",
    ...options,
  };
  const days = daysBetween(addDays(o.endDay, 1 - o.days), o.endDay);
  const settings = await loadPipelineSettings(db);
  const uids = Array.from({ length: o.users }, (_, i) => `${o.prefix}-user-${String(i + 1).padStart(3, "0")}`);
  await inBatches(uids, 20, (uid) => grantCredits(db, uid, `seed-${uid}`, 500, "seeded demo week"));
  await db.doc(ROLLOUT_FLAG_PATH).set(
    RolloutFlagSchema.parse({
      enabled: true,
      rolloutPct: o.rolloutSchedule[0] ?? 10,
    }),
  );
  const seeded: SeededDay[] = [];
  for (const [index, day] of days.entries()) {
    const flag = await loadRolloutFlag(db);
    const scheduled = o.rolloutSchedule[index] ?? o.rolloutSchedule[o.rolloutSchedule.length - 1];
    if (flag.enabled && scheduled !== flag.rolloutPct)
      await db.doc(ROLLOUT_FLAG_PATH).set({ ...flag, rolloutPct: scheduled });
    const current = await loadRolloutFlag(db);
    const plans = planDay(seededRandom(o.seed + index), day, index, o);
    const existing = new Set(
      (await db.getAll(...plans.map((p) => db.doc(paths.run(p.runId))))).filter((s) => s.exists).map((s) => s.id),
    );
    const todo = plans.filter((p) => !existing.has(p.runId));
    await inBatches(todo, 16, (plan) =>
      seedRun(db, plan, cohortFor(plan.uid, current), settings.runPriceCredits, o.outageDays.includes(index)),
    );
    seeded.push({
      day,
      runs: plans.length,
      rollUp: await rollUpMetrics(db, day),
    });
  }
  return seeded;
}

async function main() {
  const { parseArgs } = await import("node:util");
  const { adminDb, requireEmulators, seedEmulators } = await import("./lib/emulators");
  const { values } = parseArgs({
    options: {
      end: { type: "string" },
      days: { type: "string", default: "7" },
      "runs-per-day": { type: "string", default: "80" },
    },
  });
  requireEmulators();
  await seedEmulators();
  const endDay = values.end ?? addDays(new Date().toISOString().slice(0, 10), -1);
  const seeded = await seedWeek(adminDb(), {
    endDay,
    days: Number(values.days),
    runsPerDay: Number(values["runs-per-day"]),
  });
  for (const { day, runs, rollUp } of seeded) {
    const { rollout } = rollUp.metrics;
    console.log(
      `${day}  ${runs} runs  rollout ${rollout.effectivePct}%  guard: ${rollUp.tripped ? "TRIPPED — " : ""}${rollUp.guard.reason}`,
    );
  }
  process.exit(0);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`seed-week failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
