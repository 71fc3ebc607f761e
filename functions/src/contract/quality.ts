/** Why a video (or a generated clip) fails; metrics count failures by these. */
export const QUALITY_CAUSES = [
  "unreadable",
  "no_video",
  "size",
  "fps",
  "duration",
  "duration_mismatch",
  "black",
  "frozen",
  "voice_missing",
  "voice_silent",
  "voice_coverage",
  "voice_tail",
  "voice_cut_off",
  "loudness",
  "true_peak",
  "product_not_visible",
  "music_over_voice",
] as const;

export type QualityCause = (typeof QUALITY_CAUSES)[number];

export interface QualityFailure {
  cause: QualityCause;
  detail: string;
}

export interface QualityVerdict {
  passed: boolean;
  failures: QualityFailure[];
}

/** What the run promised: the frame, the rate and the length (scenes x scene seconds). */
export interface PromisedVideo {
  width: number;
  height: number;
  fps: number;
  durationSec: number;
}
