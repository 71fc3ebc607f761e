/** A stretch of the file, in seconds from its start. */
export interface Interval {
  start: number;
  end: number;
}

export interface Loudness {
  /** Integrated loudness (EBU R128); -70 or lower means silence. */
  integratedLufs: number;
  truePeakDbtp: number;
}

export interface AudioMeasurements extends Loudness {
  /** Silences of at least SILENCE_MIN_SEC, the last one closed at the end of the audio. */
  silences: Interval[];
  durationSec: number;
}

/** The video stream as the container holds it: counted packets, never decoded. */
export interface VideoStreamFacts {
  width: number;
  height: number;
  fps: number;
  /** Frames the file really holds (each H.264 packet is one frame). */
  frames: number;
  /** frames / fps: how long the picture really lasts, whatever the container says. */
  pictureDurationSec: number;
}

/** What a clip's encoding pass saw of its picture, or the same for the finished video (joined). */
export interface PictureMeasurements extends VideoStreamFacts {
  black: Interval[];
  frozen: Interval[];
}

export type MediaMeasurements =
  | {
      readable: true;
      /** What the container claims. */
      containerDurationSec: number;
      video?: PictureMeasurements;
      audio?: AudioMeasurements;
      measureMs: number;
    }
  | { readable: false; error: string; measureMs: number };

export interface FrameSize {
  width: number;
  height: number;
}

/** What a clip's rendering measured: its picture, and for a clip that placed the product itself, the product. */
export interface ClipMeasurements {
  picture: PictureMeasurements;
  product?: ProductMeasurements;
}

export interface ProductMeasurements {
  /** Smallest share of the frame the product covers over the clip. */
  frameShare: number;
  /** Smallest share of the product image on screen over the clip. */
  shownShare: number;
  /** Standard deviation of luma (0-255) in the product's rectangle of the first frame. */
  detail: number;
  /** Correlation (-1..1) of that rectangle with the same part of the source image. */
  likeness: number;
  checkMs: number;
}
