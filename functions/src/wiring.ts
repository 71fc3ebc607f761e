/**
 * The composition root: builds the pipeline's dependencies once per instance. Under the
 * emulators every provider is an offline stand-in (tier "local"); `FAIRSHOT_PROVIDERS=cloud`
 * selects Gemini/OpenAI, the video chain (Gemini Omni Flash, Veo) and Cloud Vision.
 */
import path from "node:path";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { getFunctions } from "firebase-admin/functions";
import { getStorage } from "firebase-admin/storage";
import { initAdmin } from "./adminApp";
import { runtimeConfig, type RuntimeConfig } from "./config";
import { emulatorAuthClient } from "./emulatorAuth";
import { sceneTaskId } from "./contract/paths";
import { assembleVideo } from "./media/assemble";
import { renderKenBurns } from "./media/kenBurns";
import { renderMotionClip } from "./media/motionClip";
import { renderStartFrame } from "./media/startFrame";
import { measureEncodedClip } from "./media/clip";
import { normalizeClip } from "./media/normalize";
import { synthesizeSpeech } from "./media/speech";
import { fitVoice } from "./media/voiceFit";
import { duckBed, measureUnderVoice, mixGain, shapeBed, synthesizePad } from "./media/musicBed";
import { checkFinishedVideo } from "./quality/gate";
import { billedVideoSeconds, callCostUsd } from "./models/cost";
import { tierAt } from "./models/fallback";
import { DEFAULT_MODEL_CONFIG, loadModelConfig, readCredentials } from "./models/modelConfig";
import type { PipelineDeps, SceneDispatcher, SceneTask } from "./pipeline/deps";
import { loadPipelineSettings } from "./pipelineSettings";
import { analyzeImage } from "./preflight/imageAnalysis";
import { decodeUpload } from "./preflight/imageFile";
import { FallbackFaceDetector, LocalFaceDetector, type FaceDetector } from "./preflight/faces";
import { preflightImageCheck, type FramingCheck } from "./preflight/preflightImageCheck";
import { createCloudProviders } from "./providers/cloud/cloudProviders";
import { emulatorGoogleAuth } from "./providers/cloud/modelAdapters";
import { createOmniGenerator } from "./providers/cloud/omni";
import { createVeoGenerator } from "./providers/cloud/veo";
import { CloudVisionFaceDetector, emulatorVisionAuth, visionClientOptions } from "./providers/cloud/visionFaces";
import { LocalScriptProvider } from "./providers/local/localScript";
import { LOCAL_VIDEO_MODEL, LocalVideoGenerator, localClipShape } from "./providers/local/localVideo";
import { LocalVisualDnaProvider } from "./providers/local/localVisualDna";
import { LocalVoiceProvider } from "./providers/local/localVoice";
import { withLegacyFallback } from "./rollout/legacy";
import { CloudStorageStore, LocalFolderStore } from "./storage/objectStore";

/** Enqueues one Cloud Task per scene step; ids are deterministic, so a repeated dispatch is a no-op. */
class CloudTasksSceneDispatcher implements SceneDispatcher {
  constructor(private readonly config: RuntimeConfig) {}

  async dispatch(tasks: SceneTask[], delaySeconds = 0): Promise<void> {
    const queue = getFunctions().taskQueue("renderScene");
    const delay = Math.ceil(delaySeconds);
    await Promise.all(
      tasks.map(async (task) => {
        // The Cloud Tasks emulator ignores schedule times: the delivery waits out its delay itself.
        const payload = this.config.isEmulator && delay > 0 ? { ...task, notBefore: Date.now() + delay * 1000 } : task;
        try {
          await queue.enqueue(payload, {
            id: sceneTaskId(task.runId, task.sceneNumber, task.round, task.step),
            dispatchDeadlineSeconds: this.config.sceneQueue.dispatchDeadlineSeconds,
            ...(delay > 0 && { scheduleDelaySeconds: delay }),
          });
        } catch (error) {
          if ((error as { code?: string }).code !== "functions/task-already-exists") throw error;
        }
      }),
    );
  }
}

/** Builds the dependencies; tests pass their own Firestore and scene dispatcher. */
export function buildPipelineDeps(
  config: RuntimeConfig,
  db: Firestore = getFirestore(),
  scenes: SceneDispatcher = new CloudTasksSceneDispatcher(config),
): PipelineDeps {
  const local = config.providers === "local";
  const models = local ? undefined : loadModelConfig();
  const localFaces = new LocalFaceDetector();
  const detector: FaceDetector = models
    ? new FallbackFaceDetector(
        new CloudVisionFaceDetector({
          ...visionClientOptions(models.providers.vision.baseUrl),
          ...(config.isEmulator ? emulatorVisionAuth() : {}),
        }),
        localFaces,
      )
    : localFaces;
  const sceneSeconds = async () => (await loadPipelineSettings(db)).sceneSeconds;
  const common = {
    db,
    store: config.localBucketDir
      ? new LocalFolderStore(config.localBucketDir)
      : new CloudStorageStore(getStorage().bucket()),
    preflight: { check: (bytes: Buffer, framing: FramingCheck) => preflightImageCheck(bytes, { detector }, framing) },
    media: {
      startFrame: renderStartFrame,
      kenBurns: renderKenBurns,
      normalize: normalizeClip,
      measureClip: measureEncodedClip,
      assemble: assembleVideo,
      fitVoice,
      checkFinishedVideo,
    },
    musicMixer: { synthesizePad, shapeBed, duckBed, measureUnderVoice, mixGain },
    scenes,
    modelCooldown: (models ?? DEFAULT_MODEL_CONFIG).cooldown,
    isEmulator: config.isEmulator,
    workDir: path.resolve(config.workDir),
  };
  // Runs of the legacy rollout cohort keep the old fallback behaviour so the rollout can measure it.
  const legacyAware = (providers: Pick<PipelineDeps, "visualDna" | "script" | "voice">) =>
    withLegacyFallback(providers, { sceneSeconds });
  if (!models) {
    return {
      ...common,
      ...legacyAware({
        visualDna: new LocalVisualDnaProvider(async (image) => analyzeImage(await decodeUpload(image))),
        script: new LocalScriptProvider(() => loadPipelineSettings(db)),
        voice: new LocalVoiceProvider(synthesizeSpeech),
      }),
      video: [
        {
          model: LOCAL_VIDEO_MODEL,
          tier: "local",
          generator: new LocalVideoGenerator(
            async (req) =>
              renderMotionClip(
                {
                  ...req,
                  ...localClipShape(req),
                  seconds: req.scene.durationSec,
                  motion: req.scene.motion,
                  seed: req.sceneIndex,
                },
                (await loadPipelineSettings(db)).qualityGate,
              ),
            // A `slow` scene outlasts one delivery's deadline: only separate deliveries can finish it.
            { generationSeconds: 0, slowGenerationSeconds: config.sceneQueue.dispatchDeadlineSeconds + 5 },
          ),
        },
      ],
    };
  }
  return {
    ...common,
    // Cloud Text-to-Speech presents the emulators' fixed token there, as Cloud Vision does.
    ...legacyAware(
      createCloudProviders(models, {
        db,
        vertex: { project: config.projectId, ...(config.isEmulator ? { authClient: emulatorAuthClient() } : {}) },
        ...(config.isEmulator ? { googleAuth: emulatorGoogleAuth() } : {}),
      }),
    ),
    video: models.video.map((entry, index) => ({
      model: entry.model,
      tier: tierAt(index),
      provider: entry.provider,
      retiresOn: entry.retiresOn,
      // Billed for the seconds asked of the model (each API rounds a scene's length its own way).
      costOf: (sceneSec: number, atMs: number) =>
        callCostUsd(
          models.prices,
          entry,
          { per: "video_second", seconds: billedVideoSeconds(entry.api, sceneSec) },
          atMs,
        ),
      generator:
        entry.api === "gemini_api"
          ? createOmniGenerator(entry.model, {
              apiKey: readCredentials().geminiApiKey,
              ...models.providers.video.geminiApi,
            })
          : createVeoGenerator(entry.model, {
              project: models.providers.gemini.vertexProject ?? config.projectId,
              location: models.providers.gemini.vertexLocation ?? "us-central1",
              baseUrl: models.providers.video.baseUrl,
              ...(config.isEmulator ? { authClient: emulatorAuthClient() } : {}),
            }),
    })),
  };
}

let deps: Promise<PipelineDeps> | undefined;
/** One set of dependencies per instance: clients and models load once, not per event. */
export function pipelineDeps(): Promise<PipelineDeps> {
  if (!deps) {
    const config = runtimeConfig();
    initAdmin(config);
    deps = Promise.resolve(buildPipelineDeps(config));
  }
  return deps;
}
