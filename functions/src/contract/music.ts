/**
 * The music bed as a run records it (`runs/{runId}.music`), written by the voice stage right after the
 * voice: which source served (a music model of the chain, the project's own pad, or none), every
 * attempt on the way, and the bed itself, shaped to the video's length. Assembly ducks it under the
 * voice and records how far below the voice it measured (`assembled.music`), which the quality gate
 * judges.
 */
import type { Attempt, ModelTier } from "./run";

/** Why a run has no music: switched off (brand kit or run options), or no source could make one. */
export type NoMusicReason = "switched_off" | "unavailable";

export type MusicRecord =
  | {
      source: "model" | "local";
      /** The model that served, or the local pad's name. */
      model: string;
      tier: ModelTier;
      /** Every attempt of the chain, the failed cloud ones before the one that served. */
      attempts: Attempt[];
      /** The bed at the video's length and the bed level (storage path), not yet ducked. */
      audio: string;
      durationMs: number;
    }
  | { source: "none"; reason: NoMusicReason; attempts: Attempt[]; durationMs: number };

/** What assembly measured of the music under the voice, for the quality gate. */
export interface MixedMusicRecord {
  source: "model" | "local";
  /** The voice's loudness while it speaks (LUFS); null when it never speaks (nothing to measure under). */
  voiceLufs: number | null;
  /** The ducked music's loudness over the same stretches (LUFS), -70 when silent there. */
  musicLufs: number | null;
  /** voiceLufs - musicLufs: how far below the voice the music sits while it speaks. */
  underVoiceDb: number | null;
  /** Seconds of speech the levels were measured over. */
  speakingSec: number;
  /** The gain applied to voice and bed together to bring the mix to the target loudness (dB). */
  mixGainDb: number;
}
