import type { Firestore } from "firebase-admin/firestore";
import type { PreflightReport } from "../contract/run";
import type { ClipRequest, MeasuredClip } from "../media/clip";
import type { ClipMeasurements, FrameSize } from "../contract/measurements";
import type { NormalizeRequest } from "../media/normalize";
import type { MixedMusic } from "../media/assemble";
import type { RunOptions } from "../ffmpeg/binaries";
import type { FittedVoice, FitVoiceRequest, VoiceFitTarget } from "../media/voiceFit";
import type { MusicMix, QualityGate } from "../pipelineSettings";
import type { QualityCheck } from "../quality/gate";
import type { PromisedVideo } from "../contract/quality";
import type { FramingCheck } from "../preflight/preflightImageCheck";
import type {
  MusicProvider,
  ScriptProvider,
  VideoChainEntry,
  VisualDnaProvider,
  VoiceProvider,
} from "../contract/providers";
import type { VoiceSpan, VoiceTiming } from "../contract/voice";
import type { ShapeBedRequest, UnderVoiceMeasurement } from "../media/musicBed";
import type { Loudness } from "../contract/measurements";
import type { ModelConfig } from "../models/modelConfig";
import type { ObjectStore } from "../storage/objectStore";

export interface SceneTask {
  runId: string;
  sceneNumber: number;
  round: number;
  /** Each poll or wait of a scene's generation is a new step, with its own task id. */
  step: number;
  notBefore?: number;
}

/** Fans scene steps out to the task queue; enqueueing a task id twice is harmless. */
export interface SceneDispatcher {
  /** `delaySeconds`: the queue holds the tasks that long before delivering them. */
  dispatch(tasks: SceneTask[], delaySeconds?: number): Promise<void>;
}

export interface ImagePreflight {
  check(bytes: Buffer, framing: FramingCheck): Promise<PreflightReport>;
}

export interface ClipRenderer {
  /** A scene's start frame (PNG, the run's frame size) from the product image, as its clip begins. */
  startFrame(imageFile: string, outFile: string, frame: FrameSize): Promise<string>;
  /** The Ken Burns fallback: a pan/zoom of the product image, its picture and product measured. */
  kenBurns(req: ClipRequest, gate: QualityGate): Promise<MeasuredClip>;
  /**
   * Brings a model's clip to the run's frame, its picture measured; throws UnusableClipError for a clip
   * that is not one or fails the clip verdict, and MediaToolError when the pass itself times out.
   */
  normalize(req: NormalizeRequest, gate: QualityGate, options?: RunOptions): Promise<MeasuredClip>;
  /** Measures a clip rendered without its measurements (by a version before a deploy that added them). */
  measureClip(file: string, frame: FrameSize, gate: QualityGate): Promise<ClipMeasurements>;
  assemble(req: {
    clips: string[];
    voiceWav: string;
    music?: MixedMusic;
    outFile: string;
  }): Promise<{ file: string; durationSec: number }>;
  /** Tempo and loudness of the voice-over fitted to the video's length, its silences measured (media/voiceFit.ts). */
  fitVoice(req: FitVoiceRequest, fit: VoiceFitTarget): Promise<FittedVoice>;
  /** The output quality gate on the finished ad and the measurements of its clips (quality/gate.ts). */
  checkFinishedVideo(
    file: string,
    clips: ClipMeasurements[],
    promised: PromisedVideo,
    gate: QualityGate,
  ): Promise<QualityCheck>;
}

/** The music bed's ffmpeg work (media/musicBed.ts). */
export interface MusicMixer {
  /** The project's own pad, `durationSec` long. */
  synthesizePad(outFile: string, durationSec: number): Promise<string>;
  /** Any music to the video's length at the bed level. */
  shapeBed(req: ShapeBedRequest, mix: MusicMix): Promise<Loudness>;
  /** The bed ducked under the voice from its timing. */
  duckBed(
    req: { bedFile: string; timing: Pick<VoiceTiming, "speech" | "silences">; outFile: string },
    mix: MusicMix,
  ): Promise<{ file: string; speaking: VoiceSpan[] }>;
  measureUnderVoice(req: {
    voiceFile: string;
    musicFile: string;
    speaking: VoiceSpan[];
  }): Promise<UnderVoiceMeasurement>;
  /** The gain that brings voice and ducked bed, summed, to the voice's target loudness. */
  mixGain(
    req: { voiceFile: string; musicFile: string },
    fit: VoiceFitTarget,
  ): Promise<{ measured: Loudness; gainDb: number }>;
}

/** Everything the pipeline touches outside itself, injected so tests and the emulator wire their own. */
export interface PipelineDeps {
  db: Firestore;
  store: ObjectStore;
  preflight: ImagePreflight;
  visualDna: VisualDnaProvider;
  script: ScriptProvider;
  voice: VoiceProvider;
  /** The cloud music chain; absent on the local tier or with no music model configured (the pad serves). */
  music?: MusicProvider;
  musicMixer: MusicMixer;
  /** The video chain in order; empty means every scene is Ken Burns. */
  video: VideoChainEntry[];
  /** How long a model found gone (or failing) is skipped by every instance: the model config's. */
  modelCooldown: ModelConfig["cooldown"];
  media: ClipRenderer;
  scenes: SceneDispatcher;
  isEmulator: boolean;
  workDir: string;
}
