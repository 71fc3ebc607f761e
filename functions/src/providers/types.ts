import type { Attempt, ModelTier, RunInput, Script, SceneScript, VisualDna } from "../contract/run";
import type { Faults } from "../contract/faults";
import type { Cohort } from "../rollout/flag";

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

export interface RenderedClip {
  /** Local file path of an H.264 MP4 clip. */
  file: string;
  durationSec: number;
}

/** Outcome of one scene's primary video model (Veo or its local stand-in). */
export type VideoOutcome =
  | { kind: "video"; clip: RenderedClip; model: string; tier: ModelTier }
  | { kind: "filtered"; reason: "celebrity_detected" | "safety_filter"; detail: string; model: string }
  | { kind: "rate_limited"; detail: string; model: string }
  | { kind: "error"; detail: string; model: string }
  /** Still rendering when this call's polling deadline passed: resume polling `operationName` later. */
  | { kind: "pending"; operationName: string; detail: string; model: string };

export interface SceneVideoRequest {
  runId: string;
  sceneIndex: number;
  scene: SceneScript;
  imageFile: string;
  outFile: string;
  width: number;
  height: number;
}

export interface VideoProvider {
  generate(req: SceneVideoRequest, ctx: CallContext): Promise<VideoOutcome>;
  /** Continues a `pending` outcome of `generate` for the same request (providers that can return one). */
  resume?(operationName: string, req: SceneVideoRequest, ctx: CallContext): Promise<VideoOutcome>;
}
