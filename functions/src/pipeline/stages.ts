/**
 * The work stages after the charge. Each takes the claimed run and returns the update that
 * records its result and hands the run on; failures are thrown as PipelineFailure.
 */
import path from "node:path";
import { readFile, writeFile } from "node:fs/promises";
import { Timestamp } from "firebase-admin/firestore";
import { resolveRunBrand } from "../brand/resolve";
import { BrandKitSchema } from "../contract/brand";
import { objects, sceneId } from "../contract/paths";
import type { StageRecord, WorkStage } from "../contract/run";
import type { QualityGateRecord, RunDocument } from "../contract/runDocument";
import type { Claim } from "../lifecycle/runStore";
import { CLIP_FPS, frameSize } from "../media/clip";
import type { ClipMeasurements } from "../contract/measurements";
import { minutesAfter, type RunUpdate } from "../lifecycle/transitions";
import { userMessages } from "../messages";
import { timeVoiceLines } from "../media/voiceTiming";
import type { VoiceRecord } from "../contract/voice";
import type { PipelineSettings } from "../pipelineSettings";
import type { Served } from "../contract/providers";
import { describeFailures, withMusicVerdict } from "../quality/verdict";
import type { PipelineDeps } from "./deps";
import { PipelineFailure } from "../contract/failure";
import { composeMusic, duckedMusic } from "./music";
import { callContext, runInputOf } from "./runContext";
import { roundProgress } from "./sceneTask";
import { storyboardOf } from "./storyboardReview";
import { overlayPlanOfRun } from "./overlayOfRun";
import { extensionOf, withWorkspace } from "./workspace";
import { webVtt } from "../script/captions";

export interface StageRun {
  claim: Claim;
  deps: PipelineDeps;
  settings: PipelineSettings;
}

/**
 * What a stage produced: the fields it records on the run. The run then moves to the next
 * stage (or succeeds after the last) through the transition table, except the scenes stage,
 * which waits for the scene tasks it names in `waitForScenes`.
 */
export interface StageOutcome {
  result: RunUpdate;
  /** Scene steps to dispatch: a scene already under way gets its next step, so its task id is new. */
  waitForScenes?: { sceneNumber: number; step: number }[];
}

function record<T>(served: Served<T>, startedMs: number): StageRecord {
  return { model: served.model, tier: served.tier, attempts: served.attempts, durationMs: Date.now() - startedMs };
}

function requireField<K extends keyof RunDocument>(run: RunDocument, key: K, stage: WorkStage) {
  const value = run[key];
  if (value === undefined) throw new Error(`run has no ${String(key)} at stage ${stage}`);
  return value as NonNullable<RunDocument[K]>;
}

async function visualDna({ claim, deps }: StageRun): Promise<StageOutcome> {
  const started = Date.now();
  const input = runInputOf(claim.run);
  const image = await deps.store.read(input.image);
  const mimeType = extensionOf(input.image) === ".png" ? "image/png" : "image/jpeg";
  const served = await deps.visualDna.extract({ image, mimeType, input }, callContext(claim.runId, claim.run));
  // The kit's colours left empty take the palette's: known only now. Runs started before kits default all.
  const brand = resolveRunBrand(claim.run.brandKit ?? BrandKitSchema.parse({}), input, served.value);
  return { result: { dna: served.value, brand, "stages.visual_dna": record(served, started) } };
}

async function script({ claim, deps }: StageRun): Promise<StageOutcome> {
  const started = Date.now();
  const input = runInputOf(claim.run);
  const dna = requireField(claim.run, "dna", "script");
  const served = await deps.script.write({ input, dna }, callContext(claim.runId, claim.run));
  const made = record(served, started);
  // A new script the owner asked for at the storyboard keeps the calls of the scripts before it: each was billed.
  const earlier = claim.run.storyboard ? (claim.run.stages?.script?.attempts ?? []) : [];
  return { result: { script: served.value, "stages.script": { ...made, attempts: [...earlier, ...made.attempts] } } };
}

/**
 * The storyboard, before any charge: each scene's start frame rendered from the product image and put
 * through the same image check as the upload (a frame the check refuses, or one showing more faces than
 * the upload, ends the run here, uncharged), then the version the owner will approve, edit or cancel.
 */
async function storyboard({ claim, deps, settings }: StageRun): Promise<StageOutcome> {
  const started = Date.now();
  const run = claim.run;
  const script = requireField(run, "script", "storyboard");
  const input = runInputOf(run);
  const frame = frameSize(input.aspectRatio);
  const version = (run.storyboard?.version ?? 0) + 1;
  const startFrames = await withWorkspace(deps.workDir, `storyboard-${claim.runId}`, async (dir) => {
    const imageFile = path.join(dir, `product${extensionOf(input.image)}`);
    await deps.store.download(input.image, imageFile);
    const stored: string[] = [];
    for (let i = 0; i < script.scenes.length; i++) {
      const id = sceneId(i + 1);
      const file = await deps.media.startFrame(imageFile, path.join(dir, `${id}.png`), frame);
      const report = await deps.preflight.check(await readFile(file), {
        frame,
        gates: settings.framing,
        floor: settings.imageFloor,
      });
      const moreFaces = report.faces > (run.preflight?.faces ?? 0);
      if (report.refused || moreFaces) {
        throw new PipelineFailure({
          stage: "storyboard",
          reason: `start_frame_refused: scene ${i + 1}: ${moreFaces ? `${report.faces} faces` : report.warnings.map((w) => w.code).join(", ")}`,
          userMessage: userMessages.startFrameFailed(i + 1),
          requiresRefund: false,
        });
      }
      const object = objects.startFrame(claim.runId, version, id);
      await deps.store.upload(file, object, "image/png");
      stored.push(object);
    }
    return stored;
  });
  const now = Timestamp.now();
  return {
    result: {
      storyboard: storyboardOf({
        // The customer's own call to action (the run's or the kit's) before the one the script proposes.
        script: run.brand?.callToAction ? { ...script, callToAction: run.brand.callToAction } : script,
        startFrames,
        version,
        cause: run.storyboard ? "new_script" : "generated",
        priceCredits: settings.runPriceCredits,
        now,
      }),
      ...(run.storyboard && { storyboardHistory: [...(run.storyboardHistory ?? []), run.storyboard] }),
      awaitingSince: now,
      answerBy: minutesAfter(now, settings.approvalTimeoutMinutes),
      "stages.storyboard": ffmpegRecord(started),
    },
  };
}

async function scenes({ claim, deps }: StageRun): Promise<StageOutcome> {
  const { scenes: planned } = requireField(claim.run, "script", "scenes");
  const round = claim.run.scenesRound ?? 0;
  // Done scenes of earlier rounds stay: a "retry" resets only the static ones to pending.
  const sceneDocs = await deps.db.collection(`runs/${claim.runId}/scenes`).get();
  const byId = new Map(sceneDocs.docs.map((d) => [d.id, d]));
  const todo = planned
    .map((_, i) => i + 1)
    .filter((n) => byId.get(sceneId(n))?.get("status") !== "done")
    .map((sceneNumber) => {
      const doc = byId.get(sceneId(sceneNumber));
      const step = doc?.get("round") === round ? doc.get("step") : undefined;
      return { sceneNumber, step: typeof step === "number" ? step + 1 : 0 };
    });
  const scenesSoFar = sceneDocs.docs.map((d) => ({ round: d.get("round") as number, status: d.get("status") }));
  return {
    result: { scenesRound: round, progress: roundProgress(round, scenesSoFar, planned.length) },
    waitForScenes: todo,
  };
}

/**
 * The voice-over, right after the script and before any scene: recorded, fitted to the promised
 * length (the script's scene lengths) and timed line by line. A voice that cannot be made fails the
 * run here, before any video is generated.
 */
async function voice({ claim, deps, settings }: StageRun): Promise<StageOutcome> {
  const started = Date.now();
  const input = runInputOf(claim.run);
  const { voiceover } = requireField(claim.run, "script", "voice");
  const ctx = callContext(claim.runId, claim.run);
  const served = await deps.voice.speak({ text: voiceover, input }, ctx);
  const recorded = objects.voice(claim.runId);
  const { fitted, music } = await withWorkspace(deps.workDir, `voice-${claim.runId}`, async (dir) => {
    const file = path.join(dir, "voice.wav");
    await writeFile(file, served.value.wav);
    await deps.store.upload(file, recorded, "audio/wav");
    const fitted = await fitRecordedVoice(claim, file, dir, deps, settings);
    // The bed needs only the video's length: made here, once, so assembly only ducks and mixes it.
    const videoSec = promisedDuration(claim.run);
    const music = await composeMusic(
      { runId: claim.runId, run: claim.run, ctx, videoSec, dir },
      deps,
      settings.musicMix,
    );
    return { fitted, music };
  });
  return {
    result: {
      voice: { audio: recorded, durationSec: served.value.durationSec, ...fitted.record },
      "stages.voice": record(served, started),
      music,
    },
  };
}

/** Fits a recorded voice to the run's promised length, stores it, and times each scene's line in it. */
async function fitRecordedVoice(
  claim: Claim,
  recordedFile: string,
  dir: string,
  deps: PipelineDeps,
  settings: PipelineSettings,
): Promise<{ file: string; record: Required<Pick<VoiceRecord, "fitted" | "fit" | "timing">> }> {
  const { scenes } = requireField(claim.run, "script", claim.stage);
  const videoSec = promisedDuration(claim.run);
  const fitted = await deps.media.fitVoice(
    {
      voiceWav: recordedFile,
      videoSec,
      outFile: path.join(dir, "voice-fitted.wav"),
      silenceDb: settings.qualityGate.silenceDb,
    },
    settings.voiceFit,
  );
  const stored = objects.fittedVoice(claim.runId);
  await deps.store.upload(fitted.file, stored, "audio/wav");
  return {
    file: fitted.file,
    record: {
      fitted: stored,
      fit: {
        tempo: fitted.tempo,
        spokenSec: fitted.spokenSec,
        inputLufs: fitted.measured.integratedLufs,
        gainDb: fitted.gainDb,
      },
      timing: timeVoiceLines({ durationSec: videoSec, silences: fitted.silences, scenes }),
    },
  };
}

/** Joins the scene clips and lays the fitted voice under them, as it is. */
async function assembly({ claim, deps, settings }: StageRun): Promise<StageOutcome> {
  const started = Date.now();
  const run = claim.run;
  const faults = callContext(claim.runId, run).faults;
  if (faults.assembly === "fail") {
    throw new PipelineFailure({
      stage: "assembly",
      reason: "injected assembly fault",
      userMessage: userMessages.assemblyFailed,
    });
  }
  const voiceRecord = requireField(run, "voice", "assembly");
  const allScenes = (await deps.db.collection(`runs/${claim.runId}/scenes`).orderBy("sceneNumber").get()).docs;
  // The injected fault replays a join that loses a scene: only the quality gate notices.
  const sceneDocs = faults.assembly === "drop_last_scene" ? allScenes.slice(0, -1) : allScenes;
  const candidate = objects.assembled(claim.runId);
  const frame = frameSize(runInputOf(run).aspectRatio);
  const { result, fittedNow, measured, mixed, captions } = await withWorkspace(
    deps.workDir,
    `assembly-${claim.runId}`,
    async (dir) => {
      const clips: string[] = [];
      // What each clip's encoding measured travels on to the quality gate, in join order.
      const measured: ClipMeasurements[] = [];
      for (const doc of sceneDocs) {
        const file = path.join(dir, `${doc.id}.mp4`);
        await deps.store.download(String(doc.get("video")), file);
        clips.push(file);
        const measurements = doc.get("measurements") as ClipMeasurements | undefined;
        measured.push(measurements ?? (await deps.media.measureClip(file, frame, settings.qualityGate)));
      }
      let voiceFile = path.join(dir, "voice-fitted.wav");
      let fittedNow: Awaited<ReturnType<typeof fitRecordedVoice>>["record"] | undefined;
      if (voiceRecord.fitted) {
        await deps.store.download(voiceRecord.fitted, voiceFile);
      } else {
        // A run whose voice was recorded before the voice stage fitted it (in flight at a deploy).
        const recordedFile = path.join(dir, "voice.wav");
        await deps.store.download(voiceRecord.audio, recordedFile);
        const fitted = await fitRecordedVoice(claim, recordedFile, dir, deps, settings);
        voiceFile = fitted.file;
        fittedNow = fitted.record;
      }
      const timing = fittedNow?.timing ?? voiceRecord.timing;
      const music = timing
        ? await duckedMusic(
            { music: run.music, timing, voiceFile, dir, faultUnducked: faults.assembly === "music_unducked" },
            deps,
            { mix: settings.musicMix, fit: settings.voiceFit },
          )
        : undefined;
      const assembled = await deps.media.assemble({
        clips,
        voiceWav: voiceFile,
        ...(music && { music: music.music }),
        outFile: path.join(dir, "ad.mp4"),
      });
      await deps.store.upload(assembled.file, candidate, "video/mp4");
      // The captions the clips drew, as WebVTT beside the ad (timed from the voice as fitted now).
      const plan = overlayPlanOfRun(fittedNow ? { ...run, voice: { ...voiceRecord, ...fittedNow } } : run, settings);
      let captions: string | undefined;
      if (measured.every((clip) => clip.overlaid) && plan?.elements.some((e) => e.kind === "caption")) {
        const vttFile = path.join(dir, "ad.vtt");
        await writeFile(vttFile, webVtt(plan), "utf8");
        captions = objects.assembledCaptions(claim.runId);
        await deps.store.upload(vttFile, captions, "text/vtt");
      }
      return { result: assembled, fittedNow, measured, mixed: music?.record, captions };
    },
  );
  return {
    result: {
      assembled: {
        video: candidate,
        durationSec: result.durationSec,
        clips: measured,
        ...(mixed && { music: mixed }),
        ...(captions && { captions }),
      },
      ...(fittedNow && {
        "voice.fitted": fittedNow.fitted,
        "voice.fit": fittedNow.fit,
        "voice.timing": fittedNow.timing,
      }),
      "stages.assembly": ffmpegRecord(started),
    },
  };
}

/** What produced an ffmpeg stage's result: ffmpeg itself, one attempt. */
function ffmpegRecord(startedMs: number): StageRecord {
  const durationMs = Date.now() - startedMs;
  return {
    model: "ffmpeg",
    tier: "local",
    attempts: [{ model: "ffmpeg", tier: "local", errorClass: null, durationMs }],
    durationMs,
  };
}

/** The length the run planned: its scenes' durations, as the script set them (known before any scene renders). */
function promisedDuration(run: RunDocument): number {
  return requireField(run, "script", "voice").scenes.reduce((sum, scene) => sum + scene.durationSec, 0);
}

/**
 * The output quality gate, a stage of its own: the assembled ad is measured with ffmpeg (its sound and
 * container; its picture as the assembly's clips measured it) and judged against what the run
 * promised. It is delivered (copied to the user's output) only if it passes; otherwise the run fails
 * here with the measured reasons and is refunded. Measurements are recorded
 * either way (also for the legacy cohort, whose video ships regardless).
 */
async function quality({ claim, deps, settings }: StageRun): Promise<StageOutcome> {
  const started = Date.now();
  const run = claim.run;
  const assembled = requireField(run, "assembled", "quality");
  const frame = frameSize(runInputOf(run).aspectRatio);
  const promised = { ...frame, fps: CLIP_FPS, durationSec: promisedDuration(run) };
  const output = objects.output(run.uid, claim.runId);
  // The legacy rollout cohort keeps the old behaviour (whatever ffmpeg wrote ships), measured as such.
  const legacy = run.cohort === "legacy";
  // Clips rendered before the overlay existed (in flight at a deploy) drew none: not held to one.
  const plan = assembled.clips.every((clip) => clip.overlaid) ? overlayPlanOfRun(run, settings) : null;
  const overlay = plan
    ? { plan, timing: run.voice?.timing, settings: settings.overlay, endCard: run.options?.endCard !== false }
    : undefined;
  const captions = assembled.captions ? objects.outputCaptions(run.uid, claim.runId) : undefined;
  const check = await withWorkspace(deps.workDir, `quality-${claim.runId}`, async (dir) => {
    const file = path.join(dir, "assembled.mp4");
    await deps.store.download(assembled.video, file);
    const measured = await deps.media.checkFinishedVideo(
      file,
      assembled.clips,
      promised,
      settings.qualityGate,
      overlay,
    );
    const verdict = withMusicVerdict(measured.verdict, assembled.music, settings.qualityGate);
    if (verdict.passed || legacy) {
      if (assembled.captions && captions) {
        const vttFile = path.join(dir, "assembled.vtt");
        await deps.store.download(assembled.captions, vttFile);
        await deps.store.upload(vttFile, captions, "text/vtt");
      }
      await deps.store.upload(file, output, "video/mp4");
    }
    return { ...measured, verdict };
  });
  const qualityGate: QualityGateRecord = {
    ...check.verdict,
    promised,
    measurements: check.measurements,
    ...(assembled.music && { music: assembled.music }),
    ...(check.overlay && { overlay: check.overlay }),
  };
  if (!check.verdict.passed && !legacy) {
    throw new PipelineFailure({
      stage: "quality",
      reason: `quality_gate: ${describeFailures(check.verdict)}`,
      userMessage: userMessages.qualityGateFailed(check.verdict.failures.map((f) => f.cause)),
      record: { qualityGate },
    });
  }
  return {
    result: {
      output: { video: output, durationSec: assembled.durationSec, ...(captions && { captions }) },
      qualityGate,
      "stages.quality": ffmpegRecord(started),
    },
  };
}

export const STAGE_WORK: Record<WorkStage, (run: StageRun) => Promise<StageOutcome>> = {
  visual_dna: visualDna,
  script,
  storyboard,
  scenes,
  voice,
  assembly,
  quality,
};
