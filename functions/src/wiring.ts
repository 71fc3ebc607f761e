/**
 * The composition root: builds the pipeline's dependencies once per instance. Under the
 * emulators every provider is an offline stand-in (tier "local"); `FAIRSHOT_PROVIDERS=cloud`
 * selects Gemini/OpenAI, Veo and Cloud Vision.
 */
import path from "node:path";
import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { getFunctions } from "firebase-admin/functions";
import { getStorage } from "firebase-admin/storage";
import { runtimeConfig, type RuntimeConfig } from "./config";
import { paths, sceneId, sceneTaskId } from "./contract/paths";
import { assembleVideo } from "./media/assemble";
import { renderKenBurns } from "./media/kenBurns";
import { renderMotionClip } from "./media/motionClip";
import { synthesizeSpeech } from "./media/speech";
import { fitVoice } from "./media/voiceFit";
import { checkFinishedVideo } from "./quality/gate";
import { createCloudProviders } from "./models/cloudProviders";
import { loadModelConfig, readCredentials } from "./models/modelConfig";
import type { PipelineDeps, SceneDispatcher, SceneTask } from "./pipeline/deps";
import { loadPipelineSettings } from "./pipelineSettings";
import { analyzeImage } from "./preflight/imageAnalysis";
import { decodeUpload } from "./preflight/imageFile";
import {
  CloudVisionFaceDetector,
  emulatorVisionAuth,
  FallbackFaceDetector,
  LocalFaceDetector,
  visionClientOptions,
  type FaceDetector,
} from "./preflight/faces";
import { preflightImageCheck, type FramingCheck } from "./preflight/preflightImageCheck";
import { LocalScriptProvider } from "./providers/local/localScript";
import { LocalVideoProvider } from "./providers/local/localVideo";
import { LocalVisualDnaProvider } from "./providers/local/localVisualDna";
import { LocalVoiceProvider } from "./providers/local/localVoice";
import { withLegacyFallback } from "./rollout/legacy";
import { CloudStorageStore, LocalFolderStore } from "./storage/objectStore";
import { createVeoVideoProvider } from "./video/veo";

/** Enqueues one Cloud Task per scene; ids are deterministic, so a repeated dispatch is a no-op. */
class CloudTasksSceneDispatcher implements SceneDispatcher {
  async dispatch(tasks: SceneTask[]): Promise<void> {
    const queue = getFunctions().taskQueue("renderScene");
    await Promise.all(
      tasks.map(async (task) => {
        try {
          await queue.enqueue(task, { id: sceneTaskId(task.runId, task.sceneNumber, task.round) });
        } catch (error) {
          if ((error as { code?: string }).code !== "functions/task-already-exists") throw error;
        }
      }),
    );
  }
}

function initAdmin(config: RuntimeConfig) {
  // firebase-functions creates a named app of its own to decode events: look for the default one.
  if (getApps().some((app) => app.name === "[DEFAULT]")) return;
  // Under the emulators, a service account id keeps taskQueue().enqueue() from probing the
  // metadata server, which does not exist off Google Cloud.
  initializeApp(
    config.isEmulator ? { serviceAccountId: `fairshot-tasks@${config.projectId}.iam.gserviceaccount.com` } : undefined,
  );
}

/** Builds the dependencies; tests pass their own Firestore and scene dispatcher. */
export function buildPipelineDeps(
  config: RuntimeConfig,
  db: Firestore = getFirestore(),
  scenes: SceneDispatcher = new CloudTasksSceneDispatcher(),
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
    media: { kenBurns: renderKenBurns, assemble: assembleVideo, fitVoice, checkFinishedVideo },
    scenes,
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
      video: new LocalVideoProvider((req) =>
        renderMotionClip({ ...req, seconds: req.scene.durationSec, motion: req.scene.motion, seed: req.sceneIndex }),
      ),
    };
  }
  return {
    ...common,
    ...legacyAware(createCloudProviders(models, { db })),
    video: createVeoVideoProvider(models.video.model, models.providers.gemini, readCredentials().geminiApiKey, {
      // Saved before polling starts, so a crash mid-poll resumes the operation instead of paying again.
      onOperationStarted: async (req, operationName) => {
        await db.doc(paths.scene(req.runId, sceneId(req.sceneIndex + 1))).set({ operationName }, { merge: true });
      },
    }),
  };
}

/** The database alone, for functions that move no media and call no model (so hold no model secrets). */
export function database(): Firestore {
  initAdmin(runtimeConfig());
  return getFirestore();
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
