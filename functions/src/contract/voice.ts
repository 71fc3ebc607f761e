/**
 * The voice-over as a run records it (`runs/{runId}.voice`). The voice stage runs right after the
 * script, before any scene: it records the voice-over, fits it to the promised length (the script's
 * scene lengths, known before any scene is rendered) and measures where each scene's line is spoken in
 * the fitted voice. Assembly lays the fitted voice under the clips as it is; captions can be placed
 * from `timing` without listening to the audio again.
 *
 * Every time is in seconds from the start of the fitted voice, which is also the start of the video.
 */

/** A stretch of the fitted voice. */
export interface VoiceSpan {
  startSec: number;
  endSec: number;
}

/**
 * Where one scene's narration is spoken. The voice is recorded in one piece (one model call, one
 * voice), so a line's edges are found by measurement: each boundary between two lines is the pause
 * (a measured silence) nearest to where the lines' share of the words puts it; `placed` says whether
 * both edges of the line sit at measured pauses or the edge of the speech (`"pause"`), or at least one
 * is that estimate because no pause was near it (`"estimate"`).
 */
export interface VoiceLine extends VoiceSpan {
  placed: "pause" | "estimate";
}

export interface VoiceSceneTiming {
  sceneNumber: number;
  /** Where the scene is in the video (the script's lengths, in order). */
  video: VoiceSpan;
  /** Where its narration is spoken in the fitted voice; null when the voice holds no speech at all. */
  line: VoiceLine | null;
}

export interface VoiceTiming {
  /** Length of the fitted voice: the promised length of the video. */
  durationSec: number;
  /** From the first to the last speech; null when the fitted voice is silent throughout. */
  speech: VoiceSpan | null;
  /**
   * Every silence of the fitted voice (below the quality gate's `silenceDb` for at least 0.1 s),
   * leading and trailing ones included, in order: the pauses between sentences and the tail.
   */
  silences: VoiceSpan[];
  /** One entry per scene of the script, in scene order. */
  scenes: VoiceSceneTiming[];
}

/** How the recorded voice was fitted to the video (media/voiceFit.ts). */
export interface VoiceFitRecord {
  /** Speed factor applied (1 = unchanged). */
  tempo: number;
  /** The voice's own length after the tempo change, before the silence that pads it to the video. */
  spokenSec: number;
  /** Integrated loudness of the recording before normalisation (LUFS). */
  inputLufs: number;
  /** Gain applied to reach the target loudness; null for a voice with no loudness (silence). */
  gainDb: number | null;
}

export interface VoiceRecord {
  /** The recording as the voice model returned it. */
  audio: string;
  durationSec: number;
  /** The voice fitted to the video: padded to `timing.durationSec`, what assembly lays under the clips. */
  fitted?: string;
  fit?: VoiceFitRecord;
  timing?: VoiceTiming;
}
