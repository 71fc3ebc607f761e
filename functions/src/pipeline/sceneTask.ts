/**
 * One scene, rendered by short task-queue deliveries. A video generation takes minutes, so no
 * delivery waits for it: one delivery submits it (the operation name saved on the scene first),
 * later deliveries each poll once and re-enqueue themselves with a delay, and the delivery that
 * finds the clip downloads and normalises it. The video chain's models go in order; a filtered or
 * failed scene becomes a Ken Burns clip with its reason recorded. The normalising pass of a clip is
 * the scene's own affair too: a pass that times out or fails is tried again in a later delivery (the
 * generation kept), up to `clipPassAttempts`, then the scene is Ken Burns (`processing_failed`); it
 * never fails the run. Generations in flight are bounded by the video quota (video/quota.ts), not by
 * how many instances run. The last scene to finish decides, in one transaction, between assembly
 * and the user's decision.
 */
import path from "node:path";
import { FieldValue, Timestamp, type DocumentReference, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { RUN_ID_PATTERN, objects, paths, sceneHolder, sceneId } from "../contract/paths";
import { SLOW_PASS_SLOWDOWN, sceneFault } from "../contract/faults";
import {
  MAX_SCENES,
  type Attempt,
  type FallbackReason,
  type ModelTier,
  type SceneMethod,
  type SceneScript,
} from "../contract/run";
import { z } from "zod";
import type { RunDocument } from "../contract/runDocument";
import { writeNotification } from "../ledger/notifications";
import { frameSize, type MeasuredClip } from "../media/clip";
import type { ClipMeasurements } from "../contract/measurements";
import { MediaToolError } from "../ffmpeg/binaries";
import { UnusableClipError } from "../media/normalize";
import { sceneOverlay } from "../script/captions";
import { prepareOverlay, type DrawnOverlay } from "../media/overlay";
import { UnrenderableImageError } from "../media/still";
import { failRun } from "../lifecycle/runStore";
import { needsDecision, degradationOf, scenesProgress } from "../lifecycle/stateMachine";
import { applyTransition, minutesAfter, transitions } from "../lifecycle/transitions";
import { logMessages, notificationTexts, userMessages } from "../messages";
import { loadPipelineSettings, type PipelineSettings } from "../pipelineSettings";
import type {
  CallContext,
  SceneVideoRequest,
  VideoFailure,
  VideoPoll,
  VideoSubmission,
  VideoChainEntry,
} from "../contract/providers";
import { cooldownDocId, CooldownStore } from "../models/cooldown";
import { readCooldowns, recordModelFailure, skippedAttempt, type CooldownRuntime } from "../models/fallback";
import { VideoQuota } from "../video/quota";
import {
  afterPoll,
  afterSkip,
  afterSubmit,
  quotaWaitSeconds,
  unusableClip,
  type ChainMove,
  type ChainPosition,
  type SceneRulePolicy,
} from "../video/sceneRules";
import type { PipelineDeps, SceneTask } from "./deps";
import { PipelineFailure } from "../contract/failure";
import { callContext, runInputOf } from "./runContext";
import { overlayPlanOfRun } from "./overlayOfRun";
import { extensionOf, withWorkspace } from "./workspace";

export const SceneTaskSchema = z.object({
  runId: z.string().regex(RUN_ID_PATTERN),
  sceneNumber: z.number().int().min(1).max(MAX_SCENES),
  round: z.number().int().min(0).max(10),
  /** Each poll or wait of the scene is a new step (and a new task id). */
  step: z.number().int().min(0).max(100_000).default(0),
  /** Epoch ms before which the step should not run: set only where the queue cannot schedule (the emulator). */
  notBefore: z.number().int().positive().optional(),
});

export interface TaskDelivery {
  /** 0 on the first attempt. */
  retryCount: number;
  maxAttempts: number;
}

/** Thrown so the queue delivers the task again later: another delivery holds the scene's lease. */
export class SceneBusy extends Error {
  constructor(task: SceneTask) {
    super(`scene ${task.sceneNumber} of run ${task.runId} is being worked on by another delivery`);
    this.name = "SceneBusy";
  }
}

/** The generation in flight, saved before anything polls it. */
interface Generation {
  model: string;
  tier: ModelTier;
  operationName: string;
  submittedAtMs: number;
}

interface ChainState {
  index: number;
  retries: number;
  filterRetried: boolean;
}

export interface SceneDocument {
  sceneNumber: number;
  round: number;
  /** `waiting`: between deliveries, for a poll or a quota slot. */
  status: "pending" | "rendering" | "waiting" | "done";
  /** The step of the newest task dispatched for this scene and round. */
  step: number;
  lease: Timestamp | null;
  generation: Generation | null;
  chain: ChainState;
  /** The video quota slot held while a generation is in flight. */
  slot: number | null;
  attempts: Attempt[];
  /** Function time spent on this scene, every delivery together. */
  functionMs: number;
  /** Normalising passes of a generated clip that timed out or failed (absent on scenes from before it was counted). */
  clipPassFailures?: number;
  method?: SceneMethod;
  fallbackReason?: FallbackReason | null;
  video?: string;
  model?: string;
  tier?: ModelTier;
  durationMs?: number;
  /** What the clip's encoding measured (picture and product), for the quality gate. */
  measurements?: ClipMeasurements;
}

/**
 * A render that failed because of the product image itself (refused as unrenderable, or ffmpeg crashed on
 * it): every retry would fail the same way, so the run ends now instead of after the queue's attempts.
 */
function failedOnTheImage(error: unknown): boolean {
  return error instanceof UnrenderableImageError || (error instanceof MediaToolError && error.crashed);
}

/** gRPC DEADLINE_EXCEEDED, ABORTED (contention, lock timeouts), UNAVAILABLE from Firestore. */
function databaseBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 4 || code === 10 || code === 14;
}

/** How Cloud Tasks would have scheduled the step: the emulator dispatches at once, so an early delivery waits. */
async function waitForSchedule(notBefore: number | undefined): Promise<void> {
  const ms = (notBefore ?? 0) - Date.now();
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 60_000)));
}

function rulePolicy(settings: PipelineSettings): SceneRulePolicy {
  return {
    pollSeconds: settings.videoPollSeconds,
    retriesPerModel: settings.videoRetriesPerModel,
    maxGenerationSeconds: settings.videoMaxGenerationSeconds,
  };
}

const ERROR_CLASS_OF = { filtered: "content_policy", rate_limited: "rate_limited" } as const;

function failedAttempt(model: string, tier: ModelTier, failure: VideoFailure, durationMs: number): Attempt {
  const errorClass = failure.kind === "error" ? failure.errorClass : ERROR_CLASS_OF[failure.kind];
  return { model, tier, errorClass, error: failure.detail, durationMs };
}

/** Where a delivery leaves the scene: waiting for a later step, or done. */
type SceneEnd =
  | {
      kind: "later";
      delaySeconds: number;
      generation: Generation | null;
      chain: ChainState;
      slot: number | null;
      /** Set when this delivery's normalising pass failed: the count so far. */
      clipPassFailures?: number;
    }
  | {
      kind: "done";
      method: SceneMethod;
      model: string;
      tier: ModelTier;
      fallbackReason: FallbackReason | null;
      video: string;
      measurements: ClipMeasurements;
      /** The quota slot to give back. */
      slot: number | null;
      clipPassFailures?: number;
    };

export async function handleSceneTask(task: SceneTask, delivery: TaskDelivery, deps: PipelineDeps): Promise<void> {
  await waitForSchedule(task.notBefore);
  const started = Date.now();
  const { db } = deps;
  const run = (await db.doc(paths.run(task.runId)).get()).data() as RunDocument | undefined;
  if (!run || run.status !== "running" || run.stage !== "scenes" || (run.scenesRound ?? 0) !== task.round) return;
  const id = sceneId(task.sceneNumber);
  const sceneRef = db.doc(paths.scene(task.runId, id));
  const settings = await loadPipelineSettings(db);
  const claim = await claimScene(sceneRef, task, settings.sceneLeaseSeconds);
  if (claim.kind === "done") {
    await finishScenesIfComplete(db, task.runId, task.round);
    return;
  }
  // A later step was dispatched: this delivery is a duplicate of one already handled.
  if (claim.kind === "stale") return;
  // Another delivery holds the scene: the queue must try again later, or the step would be lost.
  if (claim.kind === "busy") throw new SceneBusy(task);
  const state = claim.scene;
  const attempts: Attempt[] = [];
  const spent = () => FieldValue.increment(Date.now() - started);
  let end: SceneEnd;
  try {
    end = await advanceScene(task, run, state, attempts, settings, deps);
  } catch (error) {
    // Hand the scene back (its generation kept) so the queue's next attempt can claim it.
    await writeSceneOfRound(sceneRef, task.round, {
      status: "waiting",
      lease: null,
      attempts: [...state.attempts, ...attempts],
      functionMs: spent(),
      updatedAt: Timestamp.now(),
    });
    // A database that was busy is no reason to fail a run: the sweeper picks the scene up again.
    const onTheImage = failedOnTheImage(error);
    if (!onTheImage && (delivery.retryCount + 1 < delivery.maxAttempts || databaseBusy(error))) throw error;
    logger.error("scene failed for good", { runId: task.runId, scene: task.sceneNumber, error: String(error) });
    await failRun(
      db,
      task.runId,
      new PipelineFailure({
        stage: "scenes",
        reason: `scene ${task.sceneNumber}: ${String(error)}`,
        userMessage: onTheImage
          ? userMessages.sceneImageUnrenderable(task.sceneNumber)
          : userMessages.sceneFailed(task.sceneNumber),
      }),
      { status: ["running"], stage: "scenes", scenesRound: task.round },
    );
    return;
  }
  const allAttempts = [...state.attempts, ...attempts];
  if (end.kind === "later") {
    const next: SceneTask = {
      runId: task.runId,
      sceneNumber: task.sceneNumber,
      round: task.round,
      step: task.step + 1,
    };
    // Enqueued before the scene says so: a lost write is redone by this step's retry, a lost task never.
    await deps.scenes.dispatch([next], end.delaySeconds);
    await writeSceneOfRound(sceneRef, task.round, {
      status: "waiting",
      step: next.step,
      lease: null,
      generation: end.generation,
      chain: end.chain,
      slot: end.slot,
      ...(end.clipPassFailures !== undefined && { clipPassFailures: end.clipPassFailures }),
      attempts: allAttempts,
      functionMs: spent(),
      updatedAt: Timestamp.now(),
    });
    return;
  }
  await writeSceneOfRound(sceneRef, task.round, {
    status: "done",
    lease: null,
    method: end.method,
    model: end.model,
    tier: end.tier,
    fallbackReason: end.fallbackReason,
    video: end.video,
    measurements: end.measurements,
    ...(end.clipPassFailures !== undefined && { clipPassFailures: end.clipPassFailures }),
    generation: null,
    slot: null,
    attempts: allAttempts,
    durationMs: Date.now() - (state.startedAtMs ?? started),
    functionMs: spent(),
    updatedAt: Timestamp.now(),
  });
  if (end.slot !== null)
    await handOverSlot(end.slot, sceneHolder(task.runId, task.sceneNumber, task.round), settings, deps);
  await finishScenesIfComplete(db, task.runId, task.round);
}

/**
 * The files of one delivery's work on a scene, in its workspace: the product image and the start frame
 * (each fetched once, when first needed), the request to a video model, what the scene writes on its
 * picture, and the upload of the finished clip.
 */
function sceneFiles(
  dir: string,
  task: SceneTask,
  run: RunDocument,
  scene: SceneScript,
  settings: PipelineSettings,
  deps: PipelineDeps,
) {
  const input = runInputOf(run);
  const id = sceneId(task.sceneNumber);
  const { width, height } = frameSize(input.aspectRatio);
  const imageFile = path.join(dir, `product${extensionOf(input.image)}`);
  let imageReady = false;
  const image = async () => {
    if (!imageReady) await deps.store.download(input.image, imageFile);
    imageReady = true;
    return imageFile;
  };
  // The approved storyboard's start frame of this scene, when the run was approved on one.
  const startFrame = run.storyboard?.scenes[task.sceneNumber - 1]?.startFrame;
  const startFrameCopy = path.join(dir, `${id}-start.png`);
  let startFrameReady = false;
  const start = async () => {
    if (!startFrame) return undefined;
    if (!startFrameReady) await deps.store.download(startFrame, startFrameCopy);
    startFrameReady = true;
    return startFrameCopy;
  };
  const request = async (): Promise<SceneVideoRequest> => {
    const startFrameFile = await start();
    return {
      runId: task.runId,
      sceneIndex: task.sceneNumber - 1,
      scene,
      imageFile: await image(),
      ...(startFrameFile && { startFrameFile }),
      outFile: path.join(dir, `${id}-model.mp4`),
      width,
      height,
    };
  };
  const sceneClip = path.join(dir, `${id}.mp4`);
  // What this scene writes on its picture, drawn in the pass that encodes its clip.
  let overlaid: boolean = false;
  const overlay = async (): Promise<{ overlay?: DrawnOverlay }> => {
    const plan = overlayPlanOfRun(run, settings);
    overlaid = plan !== null;
    const before = run.script?.scenes.slice(0, task.sceneNumber - 1).reduce((sum, s) => sum + s.durationSec, 0) ?? 0;
    const part = plan && sceneOverlay(plan, { startSec: before, endSec: before + scene.durationSec });
    if (!part) return {};
    let logoFile: string | undefined;
    if (part.endCard?.logo) {
      logoFile = path.join(dir, `logo${extensionOf(part.endCard.logo.path)}`);
      await deps.store.download(part.endCard.logo.path, logoFile);
    }
    const drawn = await prepareOverlay(part, path.join(dir, id), logoFile);
    if (drawn.logoProblem) {
      logger.warn(logMessages.endCardWithoutLogo(drawn.logoProblem), { runId: task.runId, scene: task.sceneNumber });
    }
    return { overlay: drawn };
  };
  const upload = async () => {
    const video = objects.sceneClip(task.runId, id, task.round);
    await deps.store.upload(sceneClip, video, "video/mp4");
    return video;
  };
  return { width, height, sceneClip, image, request, overlay, upload, overlaid: () => overlaid };
}

/** One delivery's work on a claimed scene: poll or submit, then follow the chain's rules. */
async function advanceScene(
  task: SceneTask,
  run: RunDocument,
  state: ClaimedScene,
  attempts: Attempt[],
  settings: PipelineSettings,
  deps: PipelineDeps,
): Promise<SceneEnd> {
  const scene = run.script?.scenes[task.sceneNumber - 1];
  if (!scene) throw new Error(`run ${task.runId} has no scene ${task.sceneNumber}`);
  const id = sceneId(task.sceneNumber);
  const ctx: CallContext = callContext(task.runId, run);
  const policy = rulePolicy(settings);
  const chain = deps.video;
  const holder = sceneHolder(task.runId, task.sceneNumber, task.round);
  const quota = new VideoQuota(deps.db);
  const slotLease = slotLeaseSeconds(settings);
  const sceneRef = deps.db.doc(paths.scene(task.runId, id));
  const cooldowns: CooldownRuntime = {
    cooldowns: new CooldownStore(deps.db),
    policy: { cooldown: deps.modelCooldown },
    logger,
    now: Date.now,
  };

  return withWorkspace(deps.workDir, `scene-${task.runId}-${id}`, async (dir) => {
    const files = sceneFiles(dir, task, run, scene, settings, deps);
    const { width, height, sceneClip, image, request, overlay, upload, overlaid } = files;

    let chainState: ChainState = { ...state.chain };
    let generation = state.generation;
    let slot = state.slot;
    let leaseFresh = false;
    let submittedHere = false;
    let clipPassFailures: number | undefined;
    const position = (): ChainPosition => ({ ...chainState, length: chain.length });

    const submit = async (): Promise<ChainMove> => {
      const entry = chain[chainState.index];
      const skipped = await skippedVideoModel(entry, cooldowns);
      if (skipped) {
        attempts.push(skipped);
        return afterSkip(position());
      }
      const submitted = Date.now();
      const result: VideoSubmission = await entry.generator.submit(await request(), ctx);
      if (result.kind === "started") {
        submittedHere = true;
        generation = {
          model: entry.model,
          tier: entry.tier,
          operationName: result.operationName,
          submittedAtMs: submitted,
        };
        // Saved before anything polls it: a crash from here on resumes the generation, never pays twice.
        await sceneRef.set({ generation, chain: chainState, slot, updatedAt: Timestamp.now() }, { merge: true });
      } else {
        const attempt = failedAttempt(entry.model, entry.tier, result, Date.now() - submitted);
        attempts.push(attempt);
        // A model found gone is skipped by every instance for a while, as in the text and voice chains;
        // a run of rate limits is not (the scene's own retries and the quota handle those).
        if (entry.provider && attempt.errorClass) {
          const ref = { provider: entry.provider, model: entry.model };
          await recordModelFailure(cooldowns, ref, attempt.errorClass, attempt.error ?? "", { streaks: false });
        }
      }
      return afterSubmit(result, position(), policy);
    };

    let move: ChainMove | "submit";
    if (chain.length === 0) {
      move = { kind: "ken_burns", reason: "veo_error" };
    } else if (generation) {
      const entry = chain[chainState.index];
      const polled = Date.now();
      let result: VideoPoll = await entry.generator.poll(generation.operationName, await request(), ctx);
      if (result.kind !== "pending" && slot !== null) {
        // The provider's generation is over: its quota slot goes to the next waiting scene now, not
        // after our own download and normalisation (the quota bounds generations, not our work).
        await handOverSlot(slot, holder, settings, deps);
        slot = null;
      }
      let normalized: MeasuredClip | undefined;
      // A delivered clip is billed whether or not it turns out usable: recorded once, on the attempt
      // that ends this generation.
      const costUsd = result.kind === "video" ? entry.costOf?.(scene.durationSec, Date.now()) : undefined;
      const cost = costUsd !== undefined ? { costUsd } : {};
      let passFailures: number | undefined;
      if (result.kind === "video") {
        try {
          normalized = await deps.media.normalize(
            {
              inFile: result.file,
              outFile: sceneClip,
              width,
              height,
              seconds: scene.durationSec,
              imageFile: await image(),
              ...(sceneFault(ctx.faults, task.sceneNumber) === "slow_pass" && { slowdown: SLOW_PASS_SLOWDOWN }),
              ...(await overlay()),
            },
            settings.qualityGate,
            { timeoutMs: settings.clipPassTimeoutSeconds * 1000 },
          );
        } catch (error) {
          if (error instanceof UnusableClipError) result = unusableClip(error.message);
          else {
            // Our own pass timed out or failed, not the model: this scene's trouble, with its own budget.
            passFailures = (state.clipPassFailures ?? 0) + 1;
            attempts.push({
              model: entry.model,
              tier: entry.tier,
              errorClass: "transient",
              error: logMessages.clipPassFailed(passFailures, settings.clipPassAttempts, String(error)),
              durationMs: Date.now() - polled,
              // The last pass ends the generation (the scene becomes Ken Burns): its bill is recorded here.
              ...(passFailures >= settings.clipPassAttempts ? cost : {}),
            });
            logger.warn(logMessages.clipPassFailed(passFailures, settings.clipPassAttempts, String(error)), {
              runId: task.runId,
              scene: task.sceneNumber,
            });
            if (passFailures < settings.clipPassAttempts) {
              // The generation is kept: the next delivery fetches the finished clip again and passes it anew.
              return {
                kind: "later",
                delaySeconds: policy.pollSeconds,
                generation,
                chain: chainState,
                slot,
                clipPassFailures: passFailures,
              };
            }
          }
        }
      }
      if (passFailures !== undefined) {
        clipPassFailures = passFailures;
        move = { kind: "ken_burns", reason: "processing_failed" };
      } else {
        if (result.kind === "video") {
          attempts.push({
            model: entry.model,
            tier: entry.tier,
            errorClass: null,
            durationMs: Date.now() - polled,
            ...cost,
          });
        } else if (result.kind !== "pending") {
          attempts.push({ ...failedAttempt(entry.model, entry.tier, result, Date.now() - polled), ...cost });
        }
        const polledMove = afterPoll(result, (Date.now() - generation.submittedAtMs) / 1000, position(), policy);
        if (polledMove.kind === "use_clip") {
          if (!normalized) throw new Error(`scene ${task.sceneNumber}: a clip to use that was never normalised`);
          const video = await upload();
          return {
            kind: "done",
            method: "generated",
            model: entry.model,
            tier: entry.tier,
            fallbackReason: null,
            video,
            measurements: { ...normalized.measurements, ...(overlaid() ? { overlaid: true as const } : {}) },
            slot,
          };
        }
        move = polledMove;
      }
    } else {
      if (slot === null) {
        slot = await quota.acquire(holder, settings.videoInFlightLimit, slotLease);
        leaseFresh = true;
      }
      if (slot === null) {
        const delaySeconds = await slotWaitSeconds(quota, holder, task, settings);
        return { kind: "later", delaySeconds, generation: null, chain: chainState, slot };
      }
      move = "submit";
    }

    for (;;) {
      // The slot went back when the last generation ended: the next delivery takes one, or waits its turn.
      if (move === "submit" && slot === null) {
        return { kind: "later", delaySeconds: 0, generation: null, chain: chainState, slot: null };
      }
      if (move === "submit") move = await submit();
      switch (move.kind) {
        case "poll_later":
          // A new generation gets the slot's whole lease (its longest time and a few polls), unless
          // the slot was just taken with one; a poll renews nothing, sparing a transaction a poll.
          if (slot !== null && submittedHere && !leaseFresh) await quota.renew(slot, holder, slotLease);
          return { kind: "later", delaySeconds: move.delaySeconds, generation, chain: chainState, slot };
        case "next_model":
          chainState = { index: chainState.index + 1, retries: 0, filterRetried: false };
          move = "submit";
          break;
        case "resubmit":
          generation = null;
          chainState = move.filterRetry
            ? { ...chainState, filterRetried: true }
            : { ...chainState, retries: chainState.retries + 1 };
          if (move.delaySeconds > 0) {
            return { kind: "later", delaySeconds: move.delaySeconds, generation: null, chain: chainState, slot };
          }
          move = "submit";
          break;
        case "ken_burns":
          return { ...(await kenBurnsScene(files, scene, move.reason, settings, deps)), slot, clipPassFailures };
      }
    }
  });
}

/** The scene made from the product image itself, the recorded fallback, drawn and uploaded like a clip. */
async function kenBurnsScene(
  files: ReturnType<typeof sceneFiles>,
  scene: SceneScript,
  reason: FallbackReason,
  settings: PipelineSettings,
  deps: PipelineDeps,
): Promise<Omit<Extract<SceneEnd, { kind: "done" }>, "slot" | "clipPassFailures">> {
  const clip = await deps.media.kenBurns(
    {
      imageFile: await files.image(),
      outFile: files.sceneClip,
      width: files.width,
      height: files.height,
      seconds: scene.durationSec,
      motion: scene.motion,
      ...(await files.overlay()),
    },
    settings.qualityGate,
  );
  return {
    kind: "done",
    method: "ken-burns",
    model: "ken-burns",
    tier: "fallback",
    fallbackReason: reason,
    video: await files.upload(),
    measurements: { ...clip.measurements, ...(files.overlaid() ? { overlaid: true as const } : {}) },
  };
}

/**
 * Every quota slot is taken: the scene waits in our own queue (not failed, and no model is called) until a
 * finishing scene hands its slot over, or this wait passes and it looks again.
 */
async function slotWaitSeconds(
  quota: VideoQuota,
  holder: string,
  task: SceneTask,
  settings: PipelineSettings,
): Promise<number> {
  const since = await quota.wait({ holder, runId: task.runId, sceneNumber: task.sceneNumber, round: task.round });
  return quotaWaitSeconds(
    (Date.now() - since.toMillis()) / 1000,
    settings.videoQuotaWaitSeconds,
    // Each look shows the sweeper the scene still moves: never near the scenes stage's lease.
    Math.min(settings.videoQuotaWaitMaxSeconds, settings.scenesLeaseSeconds / 2),
  );
}

/** Why the scene's next video model gets no call: past its `retiresOn`, or cooled down everywhere. */
async function skippedVideoModel(entry: VideoChainEntry, runtime: CooldownRuntime) {
  const retired = skippedAttempt(entry, entry.tier, undefined, runtime.now());
  if (retired || !entry.provider) return retired;
  const ref = { provider: entry.provider, model: entry.model };
  const states = await readCooldowns(runtime, [ref]);
  return skippedAttempt(entry, entry.tier, states.get(cooldownDocId(ref)), runtime.now());
}

/** Writes the scene's result unless a "retry" moved the scene to a later round meanwhile. */
async function writeSceneOfRound(ref: DocumentReference, round: number, data: Record<string, unknown>) {
  await ref.firestore.runTransaction(async (tx) => {
    const stored = (await tx.get(ref)).get("round") as number | undefined;
    if (stored === undefined || stored <= round) tx.set(ref, data, { merge: true });
  });
}

type ClaimedScene = SceneDocument & { startedAtMs?: number };

/** How long a slot is held without news from its scene: its longest generation and a few polls. */
function slotLeaseSeconds(settings: PipelineSettings): number {
  return settings.videoMaxGenerationSeconds + 4 * settings.videoPollSeconds + 60;
}

/**
 * Gives a finished scene's slot to the oldest waiting scene and wakes that scene now; a waiter
 * that no longer waits (its run ended) passes the slot on to the next.
 */
async function handOverSlot(slot: number, holder: string, settings: PipelineSettings, deps: PipelineDeps) {
  const quota = new VideoQuota(deps.db);
  let from = holder;
  for (let handOvers = 0; handOvers < 20; handOvers++) {
    const waiter = await quota.release(slot, from, slotLeaseSeconds(settings));
    if (!waiter) return;
    const [run, scene] = await Promise.all([
      deps.db.doc(paths.run(waiter.runId)).get(),
      deps.db.doc(paths.scene(waiter.runId, sceneId(waiter.sceneNumber))).get(),
    ]);
    const stillWaiting =
      run.get("status") === "running" &&
      run.get("stage") === "scenes" &&
      scene.get("round") === waiter.round &&
      scene.get("status") !== "done";
    if (stillWaiting) {
      const step = Number(scene.get("step") ?? 0) + 1;
      await deps.scenes.dispatch([{ runId: waiter.runId, sceneNumber: waiter.sceneNumber, round: waiter.round, step }]);
      return;
    }
    from = waiter.holder;
  }
}

/** A scene about to be rendered in `round`: no generation, the chain from its start. */
export function freshScene(sceneNumber: number, round: number, attempts: Attempt[] = []): ClaimedScene {
  return {
    sceneNumber,
    round,
    status: "pending",
    step: 0,
    lease: null,
    generation: null,
    chain: { index: 0, retries: 0, filterRetried: false },
    slot: null,
    attempts,
    functionMs: 0,
    clipPassFailures: 0,
    startedAtMs: Date.now(),
  };
}
type SceneClaim = { kind: "claimed"; scene: ClaimedScene } | { kind: "busy" } | { kind: "done" } | { kind: "stale" };

/**
 * Claims one scene of one round for this delivery, compare-and-set on its status with a lease.
 * A new round starts the scene afresh.
 */
async function claimScene(ref: DocumentReference, task: SceneTask, leaseSeconds: number): Promise<SceneClaim> {
  return ref.firestore.runTransaction(async (tx) => {
    const stored = (await tx.get(ref)).data() as ClaimedScene | undefined;
    // A late delivery of an earlier round never touches a scene a "retry" moved on.
    if (stored && stored.round > task.round) return { kind: "stale" };
    const sameRound = stored?.round === task.round;
    if (sameRound && stored?.status === "done") return { kind: "done" };
    if (sameRound && (stored?.step ?? 0) > task.step) return { kind: "stale" };
    if (sameRound && stored?.status === "rendering" && stored.lease && stored.lease.toMillis() > Date.now()) {
      return { kind: "busy" };
    }
    const base = sameRound && stored ? stored : freshScene(task.sceneNumber, task.round);
    const scene: ClaimedScene = {
      ...base,
      status: "rendering",
      step: task.step,
      lease: Timestamp.fromMillis(Date.now() + leaseSeconds * 1000),
    };
    tx.set(ref, { ...scene, updatedAt: Timestamp.now() }, { merge: sameRound });
    return { kind: "claimed", scene };
  });
}

/**
 * Runs after each scene (and after a scenes stage with nothing left to render, and from the
 * sweeper): when every scene of the round is done, computes the quality and hands the run to
 * assembly (the voice was recorded before the scenes) or to the user's decision. One transaction
 * decides, whatever the order.
 */
export async function finishScenesIfComplete(db: Firestore, runId: string, round: number): Promise<void> {
  const settings = await loadPipelineSettings(db);
  const runRef = db.doc(paths.run(runId));
  await db.runTransaction(async (tx) => {
    const run = (await tx.get(runRef)).data() as RunDocument | undefined;
    if (!run || run.status !== "running" || run.stage !== "scenes" || run.stageState !== "waiting") return;
    if ((run.scenesRound ?? 0) !== round) return;
    const planned = run.script?.scenes.length ?? 0;
    const scenes = (await tx.get(db.collection(paths.scenes(runId)))).docs.map((d) => d.data() as SceneDocument);
    const done = scenes.filter((s) => s.status === "done");
    const now = Timestamp.now();
    if (done.length < planned) {
      const { pct, message } = roundProgress(round, scenes, planned);
      if (run.progress?.pct === pct && run.progress.message === message) return;
      applyTransition(tx, runRef, run, transitions.scenesProgress(round, { pct, message }));
      return;
    }
    const quality = degradationOf(done.map((s) => s.method ?? "ken-burns"));
    if (!needsDecision(quality, settings)) {
      applyTransition(tx, runRef, run, transitions.scenesDone(run, round, quality));
      return;
    }
    const staticScenes = done
      .filter((s) => s.method === "ken-burns")
      .sort((a, b) => a.sceneNumber - b.sceneNumber)
      .map((s) => ({ scene: s.sceneNumber, reason: s.fallbackReason ?? "unknown" }));
    const text = notificationTexts.qualityReduced(staticScenes, quality.degradationPct);
    const asked = applyTransition(
      tx,
      runRef,
      run,
      transitions.askDecision(round, {
        quality,
        staticScenes,
        retriesLeft: run.decisionRetriesLeft ?? settings.maxDecisionRetries,
        progress: { pct: roundProgress(round, scenes, planned).pct, message: text.body },
        now,
        answerBy: minutesAfter(now, settings.decisionTimeoutMinutes),
      }),
    );
    if (asked.kind === "applied") {
      writeNotification(tx, db, run.uid, `quality_${runId}_r${round}`, runId, "quality_reduced", text, now);
    }
  });
}

/**
 * How far the scenes of `round` are: round 0 renders every planned scene (not all have a document
 * yet); a retry round renders the scenes the "retry" moved to it.
 */
export function roundProgress(
  round: number,
  scenes: readonly Pick<SceneDocument, "round" | "status">[],
  planned: number,
): { pct: number; message: string } {
  const inRound = scenes.filter((s) => s.round === round);
  const total = round === 0 ? planned : inRound.length;
  const done = inRound.filter((s) => s.status === "done").length;
  return { pct: scenesProgress(round, done, total), message: userMessages.scenesDone(round, done, total) };
}
