/** Whether an ad of this length can be given a voice-over from what is known before the charge. */
export type VoiceoverFit =
  | { fits: true; seconds: number }
  | {
      fits: false;
      /**
       * too_little: every line the names and the brief give is still too short (a longer brief, or
       * fewer scenes); too_long: the names alone take longer to say than the ad allows (more scenes,
       * or shorter names).
       */
      why: "too_little" | "too_long";
      /** Seconds of voice-over the names and brief give: at most (too_little), at least (too_long). */
      givesSec: number;
      /** Seconds the ad needs: at least (too_little), at most (too_long). */
      needsSec: number;
      videoSec: number;
      /** The nearest scene count that can be filled, if any: fewer (too_little) or more (too_long). */
      fitsWithScenes: number | null;
    };
