/**
 * `npm run seed-week` (and tests): seeds a realistic week of finished runs on the emulators,
 * both cohorts and mixed outcomes, then rolls up each day's metrics as the scheduled function
 * would, guard included. Every run's status moves through the transition table as the pipeline
 * moves it (created queued, preflight, the charge, each stage claimed and finished, the owner's
 * answers, failed or succeeded), and credits through the real ledger transactions (grant, charge,
 * refund), so `npm run audit` stays clean. Deterministic for a given seed; re-running skips
 * runs that already exist.
 *
 * The story of the default week: 10% rollout for three days, 50% from day four (refunds were
 * low), then a two-day model outage (days five and six). The graceful cohort fails and refunds,
 * its refund rate passes 20%, and the guard turns the flag off: the rest of the week runs on the
 * legacy behaviour, whose users are charged for generic content.
 */
import { Timestamp, type DocumentReference, type Firestore, type Transaction } from "firebase-admin/firestore";
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
import type { RunDocument } from "../functions/src/contract/runDocument";
import type { VoiceRecord } from "../functions/src/contract/voice";
import { BrandKitSchema } from "../functions/src/contract/brand";
import { resolveRunOptions } from "../functions/src/brand/resolve";
import { chargeRun, grantCredits, refundRun } from "../functions/src/ledger/credits";
import { degradationOf, needsDecision, scenesProgress } from "../functions/src/lifecycle/stateMachine";
import {
  applyTransition,
  minutesAfter,
  transitions,
  type FailureInput,
  type RunUpdate,
  type Transition,
} from "../functions/src/lifecycle/transitions";
import { addDays, dayRange, daysBetween } from "../functions/src/metrics/compute";
import { rollUpMetrics, type RollUpResult } from "../functions/src/handlers/metricsRollup";
import { notificationTexts, userMessages } from "../functions/src/messages";
import { callCostUsd, deliveredScenesCostUsd, type CallUsage } from "../functions/src/models/cost";
import { DEFAULT_MODEL_CONFIG, parseModelConfig } from "../functions/src/models/modelConfig";
import { loadPipelineSettings, PipelineSettingsSchema, type PipelineSettings } from "../functions/src/pipelineSettings";
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

/**
 * Steps of a seeded run's history written in one transaction, each applied through the transition table
 * as the pipeline applies it; a step the table refuses stops the seed. The triggers of the emulators see
 * only the committed state: no function takes up a stage the seed is about to play.
 */
class History {
  constructor(
    private readonly tx: Transaction,
    private readonly ref: DocumentReference,
    private run: RunDocument,
  ) {}

  get status() {
    return this.run.status;
  }

  apply(build: (run: RunDocument) => Transition): void {
    const result = applyTransition(this.tx, this.ref, this.run, build(this.run));
    if (result.kind !== "applied") {
      throw new Error(
        `seed run ${this.ref.id}: the transition table refused ${result.name} from ${JSON.stringify(result.found)}`,
      );
    }
    this.run = result.run;
  }

  /** What the owner writes on the run (an answer); applying it is the table's. */
  answer(fields: Pick<RunDocument, "confirmation"> | Pick<RunDocument, "decision">): void {
    this.tx.update(this.ref, fields);
    this.run = { ...this.run, ...fields };
  }

  /** A work stage that served: claimed, then handed to the next stage (or succeeded after the last). */
  runStage(stage: WorkStage, result: RunUpdate, settings: PipelineSettings): void {
    this.claim(stage, settings);
    this.apply((run) => transitions.finishStage(run, stage, ownerOf(this.ref.id, stage), result));
  }

  /** A work stage whose every model failed: claimed, then the run failed by its owner, as the pipeline does. */
  failStage(stage: WorkStage, failure: FailureInput & { attempts: Attempt[] }, settings: PipelineSettings): void {
    this.claim(stage, settings);
    this.apply((run) =>
      transitions.fail(run, failure, { status: ["running"], stage, leaseOwner: ownerOf(this.ref.id, stage) }),
    );
  }

  claim(stage: WorkStage, settings: PipelineSettings): void {
    this.apply((run) =>
      transitions.claimStage(run, stage, ownerOf(this.ref.id, stage), settings.stageLeaseSeconds, Date.now()),
    );
  }
}

/** The lease owner of a seeded stage, as one delivery of the pipeline would hold it. */
const ownerOf = (runId: string, stage: WorkStage) => `seed-week:${runId}:${stage}`;

/** The fitted voice as the voice stage records it: the promised length, each scene's line where it falls. */
function voiceRecord(runId: string, spokenSec: number): VoiceRecord {
  const durationSec = SCENES * SCENE_SECONDS;
  const perScene = spokenSec / SCENES;
  return {
    audio: objects.voice(runId),
    durationSec: spokenSec,
    fitted: objects.fittedVoice(runId),
    timing: {
      durationSec,
      speech: spokenSec > 0 ? { startSec: 0, endSec: spokenSec } : null,
      silences: spokenSec < durationSec ? [{ startSec: spokenSec, endSec: durationSec }] : [],
      scenes: Array.from({ length: SCENES }, (_, i) => ({
        sceneNumber: i + 1,
        video: { startSec: i * SCENE_SECONDS, endSec: (i + 1) * SCENE_SECONDS },
        line:
          spokenSec > 0 ? { startSec: i * perScene, endSec: (i + 1) * perScene, placed: "estimate" as const } : null,
      })),
    },
  };
}

function sceneDocs(plan: RunPlan) {
  const clipCostUsd = deliveredScenesCostUsd(MODELS, [SCENE_SECONDS], plan.createdAtMs)?.usd;
  return plan.sceneFallbacks.map((reason, i) => ({
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
}

const ffmpegRecord = (durationMs: number): StageRecord => ({
  model: "ffmpeg",
  tier: "local",
  attempts: [{ model: "ffmpeg", tier: "local", errorClass: null, durationMs }],
  durationMs,
});

/**
 * A charged run's work stages, each claimed and finished through the transition table as the pipeline
 * does: the model stages (served, failed for good, or legacy content in the legacy cohort), the voice,
 * the scenes with the owner's decision when too many are static, assembly and the quality gate.
 */
function runWork(
  history: History,
  scenesTo: (scenes: ReturnType<typeof sceneDocs>) => void,
  plan: RunPlan,
  cohort: Cohort,
  input: RunInput,
  outage: boolean,
  settings: PipelineSettings,
): void {
  const runId = plan.runId;
  const legacy = cohort === "legacy";
  /** The record of a model stage, or null when the stage failed the run. */
  const modelStage = (
    stage: NonNullable<RunPlan["modelFailure"]>,
    models: string[],
    legacyModel: string,
    message: string,
  ): { record: StageRecord; legacyFallback?: true } | null => {
    if (plan.modelFailure !== stage) {
      const cost = seededCostUsd(stage, models[0], plan.createdAtMs, SCENES * SCENE_SECONDS - 1);
      return { record: served(models[0], 2000 + Math.round(plan.createdAtMs % 1500), cost) };
    }
    const failed = failedChain(models, outage);
    if (legacy) return { record: legacyRecord(legacyModel, failed), legacyFallback: true };
    const reason = `every model failed: ${failed.map((a) => `${a.model} ${a.errorClass}`).join(", ")}`;
    history.failStage(stage, { stage, reason, userMessage: message, attempts: failed }, settings);
    return null;
  };
  const legacyMark = (outcome: { legacyFallback?: true }) => (outcome.legacyFallback ? { legacyFallback: true } : {});

  const dnaOutcome = modelStage("visual_dna", TEXT_MODELS, LEGACY_MODELS.visualDna, userMessages.visualDnaFailed);
  if (!dnaOutcome) return;
  const dna = dnaOutcome.legacyFallback ? LEGACY_DNA : PRODUCTS[plan.product].dna;
  history.runStage("visual_dna", { dna, "stages.visual_dna": dnaOutcome.record, ...legacyMark(dnaOutcome) }, settings);

  const scriptOutcome = modelStage("script", TEXT_MODELS, LEGACY_MODELS.script, userMessages.scriptFailed);
  if (!scriptOutcome) return;
  const script = scriptOutcome.legacyFallback
    ? legacyScript(SCENES, SCENE_SECONDS)
    : composeScript(input, dna, SCENE_SECONDS, PipelineSettingsSchema.parse({}));
  if (!script) throw new Error(`the seeded ${plan.product} brief does not fill ${SCENES} scenes of ${SCENE_SECONDS} s`);
  history.runStage("script", { script, "stages.script": scriptOutcome.record, ...legacyMark(scriptOutcome) }, settings);

  // The voice comes before the scenes: a run whose every voice model failed has no scene at all.
  const voiceOutcome = modelStage("voice", VOICE_MODELS, LEGACY_MODELS.voice, userMessages.voiceFailed);
  if (!voiceOutcome) return;
  const spokenSec = voiceOutcome.legacyFallback
    ? legacySilentVoice(script.voiceover).durationSec
    : SCENES * SCENE_SECONDS - 1;
  history.runStage(
    "voice",
    { voice: voiceRecord(runId, spokenSec), "stages.voice": voiceOutcome.record, ...legacyMark(voiceOutcome) },
    settings,
  );

  // The scenes stage hands its scenes to their tasks and waits; the scene documents are the tasks' work.
  history.claim("scenes", settings);
  history.apply(() =>
    transitions.waitForScenes(ownerOf(runId, "scenes"), settings.scenesLeaseSeconds, Date.now(), { scenesRound: 0 }),
  );
  const scenes = sceneDocs(plan);
  scenesTo(scenes);
  if (plan.failedScene) {
    const failure = {
      stage: "scenes" as const,
      reason: `scene ${plan.failedScene}: render failed`,
      userMessage: userMessages.sceneFailed(plan.failedScene),
    };
    history.apply((run) => transitions.fail(run, failure));
    return;
  }
  const quality = degradationOf(scenes.map((s) => s.doc.method));
  if (!needsDecision(quality, settings)) {
    history.apply((run) => transitions.scenesDone(run, 0, quality));
  } else {
    const asked = Timestamp.fromMillis(plan.createdAtMs + 60_000);
    const staticScenes = scenes
      .filter((s) => s.doc.method === "ken-burns")
      .map((s) => ({ scene: s.doc.sceneNumber, reason: s.doc.fallbackReason ?? "unknown" }));
    const text = notificationTexts.qualityReduced(staticScenes, quality.degradationPct);
    history.apply(() =>
      transitions.askDecision(0, {
        quality,
        staticScenes,
        retriesLeft: settings.maxDecisionRetries,
        progress: { pct: scenesProgress(0, SCENES, SCENES), message: text.body },
        now: asked,
        answerBy: minutesAfter(asked, settings.decisionTimeoutMinutes),
      }),
    );
    history.answer({ decision: plan.decision });
    const answeredAt = Timestamp.fromMillis(plan.createdAtMs + 120_000);
    if (plan.decision === "refund") {
      history.apply((run) => transitions.refuseQuality(run, answeredAt));
      return;
    }
    history.apply((run) => transitions.acceptDecision(run, answeredAt));
  }
  history.runStage("assembly", { "stages.assembly": ffmpegRecord(4000) }, settings);
  const output = { video: objects.output(plan.uid, runId), durationSec: SCENES * SCENE_SECONDS };
  history.runStage("quality", { output, "stages.quality": ffmpegRecord(3000) }, settings);
}

/**
 * One run's whole history, as a client and the pipeline write it: created queued, its preflight (a face
 * warning waits for the owner's "proceed"), the charge through the ledger, the work stages, and the
 * refund of a failed run.
 */
async function seedRun(
  db: Firestore,
  plan: RunPlan,
  cohort: Cohort,
  settings: PipelineSettings,
  outage: boolean,
): Promise<void> {
  const runRef = db.doc(paths.run(plan.runId));
  const input: RunInput = {
    ...PRODUCTS[plan.product].input,
    image: `uploads/${plan.uid}/product.jpg`,
    scenes: SCENES,
    aspectRatio: "9:16",
  };
  const createdAt = Timestamp.fromMillis(plan.createdAtMs);
  const brandKit = BrandKitSchema.parse({});
  const taken = { brandKit, options: resolveRunOptions(input, brandKit) };
  const preflight = preflightOf(plan);
  await db.runTransaction(async (tx) => {
    // The run as a client creates it, and its preflight: the trigger of the creation finds it started.
    const created = { uid: plan.uid, status: "queued", input, createdAt, aspectRatio: "9:16" } as const;
    tx.create(runRef, created);
    const history = new History(tx, runRef, created as RunDocument);
    history.apply(() => transitions.startPreflight(cohort));
    if (!plan.warned) return;
    const asked = Timestamp.fromMillis(plan.createdAtMs + 5_000);
    const answerBy = minutesAfter(asked, settings.confirmationTimeoutMinutes);
    history.apply(() => transitions.awaitConfirmation(preflight, asked, answerBy, taken));
    history.answer({ confirmation: { proceed: true } });
  });
  const price = settings.runPriceCredits;
  const charged = await chargeRun(db, plan.runId, plan.warned ? { price } : { price, preflight, taken });
  if (charged !== "charged") throw new Error(`seed run ${plan.runId} was not charged: ${charged}`);
  const status = await db.runTransaction(async (tx) => {
    const run = (await tx.get(runRef)).data() as RunDocument;
    const history = new History(tx, runRef, run);
    const scenesTo = (scenes: ReturnType<typeof sceneDocs>) => {
      for (const scene of scenes) tx.set(db.doc(paths.scene(plan.runId, scene.id)), scene.doc);
    };
    runWork(history, scenesTo, plan, cohort, input, outage, settings);
    return history.status;
  });
  if (status === "failed") {
    const refunded = await refundRun(db, plan.runId);
    if (refunded !== "refunded") throw new Error(`seed run ${plan.runId} was not refunded: ${refunded}`);
  } else if (status !== "succeeded") {
    throw new Error(`seed run ${plan.runId} ended ${status}`);
  }
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/**
 * A seeded run is written as its history, one transaction after another through the transition table,
 * and between two of them the emulators' own triggers would take up its stage (the functions fail it,
 * and the next seeded transition is refused). The emulator hub switches the background triggers off
 * while the seed writes and on again after (firebase-tools' `/functions/disableBackgroundTriggers`);
 * without a Functions emulator there is nothing to switch off.
 */
async function withTriggersOff<T>(work: () => Promise<T>): Promise<T> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  const toggle = (action: "disable" | "enable") =>
    fetch(`http://${hub}/functions/${action}BackgroundTriggers`, { method: "PUT" });
  if (!hub) return work();
  const off = await toggle("disable");
  if (off.status === 400) return work();
  if (!off.ok) throw new Error(`the emulator hub did not switch the triggers off: HTTP ${off.status}`);
  try {
    return await work();
  } finally {
    const on = await toggle("enable");
    if (!on.ok) throw new Error(`the emulator hub did not switch the triggers on again: HTTP ${on.status}`);
  }
}

export function seedWeek(db: Firestore, options: SeedWeekOptions): Promise<SeededDay[]> {
  return withTriggersOff(() => seedDays(db, options));
}

async function seedDays(db: Firestore, options: SeedWeekOptions): Promise<SeededDay[]> {
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
      seedRun(db, plan, cohortFor(plan.uid, current), settings, o.outageDays.includes(index)),
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
