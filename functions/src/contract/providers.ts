import type { Attempt, ErrorClass, ModelTier, RunInput, Script, SceneScript, VisualDna } from "./run";
import type { Faults } from "./faults";
import type { Cohort } from "./cohorts";

/** A provider's answer together with what produced it, recorded on the run. */
export interface Served<T> {
  value: T;
  model: string;
  tier: ModelTier;
  attempts: Attempt[];
}

/** Everything a provider call may need to know about the run it serves. */
export interface CallContext {
  runId: string;
  /** Fault injection; empty outside the emulators (refused at run creation). */
  faults: Faults;
  /** The rollout cohort of the run's user: "legacy" keeps the old fallback behaviour, for measurement. */
  cohort?: Cohort;
}

export interface VisualDnaProvider {
  extract(req: { image: Buffer; mimeType: string; input: RunInput }, ctx: CallContext): Promise<Served<VisualDna>>;
}

export interface ScriptProvider {
  write(req: { input: RunInput; dna: VisualDna }, ctx: CallContext): Promise<Served<Script>>;
}

export interface Speech {
  /** PCM WAV bytes. */
  wav: Buffer;
  durationSec: number;
}

export interface VoiceProvider {
  speak(req: { text: string; input: RunInput }, ctx: CallContext): Promise<Served<Speech>>;
}

/** A music bed as a source delivered it: PCM WAV of any length (shaped to the video at assembly). */
export interface MusicBed {
  wav: Buffer;
  durationSec: number;
}

/** A source of music beds: the cloud music chain. */
export interface MusicProvider {
  /** `mood`: what the bed should feel like, from the run's Visual DNA. */
  compose(req: { mood: string }, ctx: CallContext): Promise<Served<MusicBed>>;
}

export interface RenderedClip {
  /** Local file path of an H.264 MP4 clip. */
  file: string;
  durationSec: number;
}

/** Error classes a video model's failure can have (rate limits and filters have their own kinds). */
export type VideoErrorClass = Extract<
  ErrorClass,
  "not_found" | "auth_config" | "transient" | "invalid_output" | "unknown"
>;

/** Why a video model gave no clip for a scene. */
export type VideoFailure =
  | { kind: "filtered"; reason: "celebrity_detected" | "safety_filter"; detail: string }
  | { kind: "rate_limited"; detail: string }
  | { kind: "error"; errorClass: VideoErrorClass; detail: string };

/** A submitted generation: the operation is polled in later task deliveries. */
export type VideoSubmission = { kind: "started"; operationName: string } | VideoFailure;

/** One poll of a generation: still running, the clip as the model made it (in `req.outFile`), or a failure. */
export type VideoPoll = { kind: "pending"; detail?: string } | { kind: "video"; file: string } | VideoFailure;

export interface SceneVideoRequest {
  runId: string;
  sceneIndex: number;
  scene: SceneScript;
  imageFile: string;
  /**
   * The scene's start frame from the approved storyboard (PNG, the run's frame), when the run had one:
   * the video models begin the clip from it, so the clip starts with the picture the owner approved.
   */
  startFrameFile?: string;
  /** Where a finished generation's clip is written, as the model delivered it. */
  outFile: string;
  width: number;
  height: number;
}

/**
 * One video model. A generation takes minutes, so no call waits for it: `submit` starts it and
 * returns at once, and `poll` (one request) is called again in later, short task deliveries.
 */
export interface VideoGenerator {
  submit(req: SceneVideoRequest, ctx: CallContext): Promise<VideoSubmission>;
  poll(operationName: string, req: SceneVideoRequest, ctx: CallContext): Promise<VideoPoll>;
}

/** An entry of the video chain, in order: primary, backup, ... (Ken Burns is the recorded last resort). */
export interface VideoChainEntry {
  model: string;
  tier: ModelTier;
  generator: VideoGenerator;
  /** Whose model it is, for the cooldown every instance shares; the local stand-in has none. */
  provider?: ProviderName;
  /** The provider's shutdown date (YYYY-MM-DD): from that day the model gets no call. */
  retiresOn?: string;
  /** USD the provider bills for one delivered clip of a scene this long, at `atMs`; unknown without a price. */
  costOf?: (sceneSec: number, atMs: number) => number | undefined;
}

/**
 * `google_tts` is Google Cloud Text-to-Speech (voices only): it runs in the functions' own Google
 * Cloud project with its service account, like Cloud Vision, so it needs no API key secret.
 */
export const PROVIDERS = ["gemini", "openai", "google_tts"] as const;

export type ProviderName = (typeof PROVIDERS)[number];
