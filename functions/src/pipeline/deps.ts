import type { Firestore } from "firebase-admin/firestore";
import type { PreflightReport } from "../contract/run";
import type { ClipRequest } from "../media/clip";
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
