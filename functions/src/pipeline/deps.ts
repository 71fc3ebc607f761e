import type { Firestore } from "firebase-admin/firestore";
import type { PreflightReport } from "../contract/run";
import type { ClipRequest } from "../media/clip";
import type { FittedVoice, VoiceFitTarget } from "../media/voiceFit";
import type { QualityGate } from "../pipelineSettings";
import type { QualityCheck } from "../quality/gate";
import type { PromisedVideo } from "../quality/verdict";
import type { FramingCheck } from "../preflight/preflightImageCheck";
import type { RenderedClip, ScriptProvider, VideoProvider, VisualDnaProvider, VoiceProvider } from "../providers/types";
import type { ObjectStore } from "../storage/objectStore";

export interface SceneTask {
  runId: string;
  sceneNumber: number;
  round: number;
}

/** Fans scenes out to the task queue; enqueueing a task id twice is harmless. */
export interface SceneDispatcher {
  dispatch(tasks: SceneTask[]): Promise<void>;
}

export interface ImagePreflight {
  check(bytes: Buffer, framing: FramingCheck): Promise<PreflightReport>;
}

export interface ClipRenderer {
  /** The Ken Burns fallback: a pan/zoom of the product image. */
  kenBurns(req: ClipRequest): Promise<RenderedClip>;
  assemble(req: { clips: string[]; voiceWav: string; outFile: string }): Promise<{ file: string; durationSec: number }>;
  /** Tempo and loudness of the voice-over fitted to the video (media/voiceFit.ts). */
  fitVoice(req: { voiceWav: string; videoSec: number; outFile: string }, fit: VoiceFitTarget): Promise<FittedVoice>;
  /** The output quality gate on the finished ad (quality/gate.ts). */
  checkFinishedVideo(file: string, promised: PromisedVideo, gate: QualityGate): Promise<QualityCheck>;
}

/** Everything the pipeline touches outside itself, injected so tests and the emulator wire their own. */
export interface PipelineDeps {
  db: Firestore;
  store: ObjectStore;
  preflight: ImagePreflight;
  visualDna: VisualDnaProvider;
  script: ScriptProvider;
  voice: VoiceProvider;
  video: VideoProvider;
  media: ClipRenderer;
  scenes: SceneDispatcher;
  isEmulator: boolean;
  workDir: string;
}
