/**
 * The output quality gate's decision: a pure function of the measurements (quality/measure.ts), what
 * the run promised, and the thresholds in `config/pipeline` (qualityGate). Same numbers, same verdict.
 */
import type { MixedMusicRecord } from "../contract/music";
import type {
  ClipMeasurements,
  ProductMeasurements,
  AudioMeasurements,
  Interval,
  MediaMeasurements,
  PictureMeasurements,
  VideoStreamFacts,
} from "../contract/measurements";
import type { QualityGate } from "../pipelineSettings";
import type { QualityFailure, QualityVerdict, PromisedVideo } from "../contract/quality";

/** The failures as one line for logs and failure reasons: `cause (detail); …`. */
export const describeFailures = (verdict: QualityVerdict) =>
  verdict.failures.map((f) => `${f.cause} (${f.detail})`).join("; ");

/** ebur128 reports -70 LUFS (its absolute gate) or -inf for a track with nothing above it. */
const SILENT_LUFS = -70;

const seconds = (value: number) => `${value.toFixed(2)} s`;
const longest = (intervals: Interval[]) =>
  intervals.reduce<Interval | undefined>(
    (best, i) => (!best || i.end - i.start > best.end - best.start ? i : best),
    undefined,
  );
const overlap = (a: Interval, b: Interval) => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));

function pictureFailures(video: Pick<PictureMeasurements, "black" | "frozen">, gate: QualityGate): QualityFailure[] {
  const failures: QualityFailure[] = [];
  const black = longest(video.black.filter((i) => i.end - i.start > gate.maxBlackSec));
  if (black) {
    failures.push({
      cause: "black",
      detail: `${seconds(black.end - black.start)} of black from ${seconds(black.start)} (at most ${seconds(gate.maxBlackSec)})`,
    });
  }
  // A black stretch is also a still one: count it once, as black.
  const withinBlack = (i: Interval) =>
    video.black.reduce((sum, b) => sum + overlap(i, b), 0) >= 0.9 * (i.end - i.start);
  const frozen = longest(video.frozen.filter((i) => i.end - i.start > gate.maxFrozenSec && !withinBlack(i)));
  if (frozen) {
    failures.push({
      cause: "frozen",
      detail: `the picture is frozen for ${seconds(frozen.end - frozen.start)} from ${seconds(frozen.start)} (at most ${seconds(gate.maxFrozenSec)})`,
    });
  }
  return failures;
}

/** A clip as its encoding pass measured it: the frame promised, no black or frozen stretch. */
export function clipVerdict(picture: PictureMeasurements, promised: PromisedVideo, gate: QualityGate): QualityVerdict {
  const failures = [...frameFailures(picture, promised, gate), ...pictureFailures(picture, gate)];
  return { passed: failures.length === 0, failures };
}

function frameFailures(video: VideoStreamFacts, promised: PromisedVideo, gate: QualityGate): QualityFailure[] {
  const failures: QualityFailure[] = [];
  if (video.width !== promised.width || video.height !== promised.height) {
    failures.push({
      cause: "size",
      detail: `${video.width}x${video.height}, ${promised.width}x${promised.height} promised`,
    });
  }
  if (Math.abs(video.fps - promised.fps) > gate.fpsTolerance) {
    failures.push({ cause: "fps", detail: `${video.fps.toFixed(3)} fps, ${promised.fps} promised` });
  }
  if (Math.abs(video.pictureDurationSec - promised.durationSec) > gate.durationToleranceSec) {
    failures.push({
      cause: "duration",
      detail: `${seconds(video.pictureDurationSec)} of picture, ${seconds(promised.durationSec)} promised`,
    });
  }
  return failures;
}

/**
 * The finished file must hold exactly the frames its clips were measured on, and not claim another
 * length: only then are the clips' picture measurements the file's (quality/measure.ts).
 */
function joinFailures(
  m: Extract<MediaMeasurements, { readable: true }>,
  video: PictureMeasurements,
  clipFrames: number,
  gate: QualityGate,
): QualityFailure[] {
  const failures: QualityFailure[] = [];
  if (Math.abs(m.containerDurationSec - video.pictureDurationSec) > gate.durationToleranceSec) {
    failures.push({
      cause: "duration_mismatch",
      detail: `the file claims ${seconds(m.containerDurationSec)} but holds ${seconds(video.pictureDurationSec)} of picture`,
    });
  }
  if (video.frames !== clipFrames) {
    failures.push({
      cause: "duration_mismatch",
      detail: `the file holds ${video.frames} frames, its clips ${clipFrames}`,
    });
  }
  return failures;
}

/** Share of the video with speech (not silence), and the silence that reaches its end, in seconds. */
export function voiceTiming(audio: AudioMeasurements, videoSec: number): { coverage: number; tailSec: number } {
  const whole = { start: 0, end: videoSec };
  const silentSec = audio.silences.reduce((sum, s) => sum + overlap(s, whole), 0);
  const last = audio.silences.find((s) => s.end >= videoSec - 0.05 && s.start < videoSec);
  return { coverage: videoSec > 0 ? 1 - silentSec / videoSec : 0, tailSec: last ? videoSec - last.start : 0 };
}

/** The voice of a `videoSec` video as its audio pass measured it (the finished video's voice part). */
export function voiceFailures(
  audio: AudioMeasurements | undefined,
  videoSec: number,
  gate: QualityGate,
): QualityFailure[] {
  if (!audio) return [{ cause: "voice_missing", detail: "the file has no audio track" }];
  if (!(audio.integratedLufs > SILENT_LUFS)) {
    return [{ cause: "voice_silent", detail: `the voice track is silent (${audio.integratedLufs} LUFS)` }];
  }
  const failures: QualityFailure[] = [];
  const { coverage, tailSec } = voiceTiming(audio, videoSec);
  if (coverage < gate.minVoiceCoverage) {
    failures.push({
      cause: "voice_coverage",
      detail: `speech covers ${Math.round(coverage * 100)}% of the video (at least ${Math.round(gate.minVoiceCoverage * 100)}%)`,
    });
  }
  if (tailSec > gate.maxVoiceTailSec) {
    failures.push({
      cause: "voice_tail",
      detail: `the last ${seconds(tailSec)} are silent (at most ${seconds(gate.maxVoiceTailSec)})`,
    });
  }
  if (tailSec < gate.minEndSilenceSec) {
    failures.push({ cause: "voice_cut_off", detail: "the voice is still speaking when the video ends" });
  }
  if (Math.abs(audio.integratedLufs - gate.targetLufs) > gate.lufsTolerance) {
    failures.push({
      cause: "loudness",
      detail: `${audio.integratedLufs.toFixed(1)} LUFS integrated, ${gate.targetLufs} ± ${gate.lufsTolerance} wanted`,
    });
  }
  if (audio.truePeakDbtp > gate.maxTruePeakDbtp) {
    failures.push({
      cause: "true_peak",
      detail: `true peak ${audio.truePeakDbtp.toFixed(1)} dBTP, at most ${gate.maxTruePeakDbtp} dBTP`,
    });
  }
  return failures;
}

const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

/**
 * Why the product cannot be seen in a scene, or null when it can: big enough on screen, enough of it
 * there, and real content in its place that looks like the product image. Placed by the pipeline itself
 * (Ken Burns, the local motion card) its place is known; in a generated clip it was found in the clip.
 */
export function productFailure(product: ProductMeasurements, gate: QualityGate): string | null {
  if (product.frameShare < gate.minProductFrameShare) {
    return `the product covers ${percent(product.frameShare)} of the frame (at least ${percent(gate.minProductFrameShare)})`;
  }
  if (product.shownShare < gate.minProductShownShare) {
    return `${percent(product.shownShare)} of the product is in the frame (at least ${percent(gate.minProductShownShare)})`;
  }
  if (product.detail < gate.minProductDetail) {
    return `the product's place in the frame is flat (detail ${product.detail.toFixed(1)}, at least ${gate.minProductDetail})`;
  }
  if (product.likeness < gate.minProductLikeness) {
    return (
      `the product's place in the frame does not show the product image ` +
      `(likeness ${product.likeness.toFixed(2)}, at least ${gate.minProductLikeness})`
    );
  }
  return null;
}

function productFailures(clips: ClipMeasurements[], gate: QualityGate): QualityFailure[] {
  return clips.flatMap(({ product }, index) => {
    const failure = product && productFailure(product, gate);
    return failure ? [{ cause: "product_not_visible" as const, detail: `scene ${index + 1}: ${failure}` }] : [];
  });
}

/**
 * The finished ad: the file's frame, length and sound as measured in it; its picture as its clips'
 * encoding passes measured it (`m.video` carries them joined), valid because the file holds exactly
 * those frames; and the product visible in every scene.
 */
export function finishedVideoVerdict(
  m: MediaMeasurements,
  clips: ClipMeasurements[],
  promised: PromisedVideo,
  gate: QualityGate,
): QualityVerdict {
  if (!m.readable) return { passed: false, failures: [{ cause: "unreadable", detail: m.error }] };
  const video = m.video;
  const clipFrames = clips.reduce((sum, clip) => sum + clip.picture.frames, 0);
  const failures = [
    ...(video
      ? [
          ...frameFailures(video, promised, gate),
          ...joinFailures(m, video, clipFrames, gate),
          ...pictureFailures(video, gate),
        ]
      : [{ cause: "no_video" as const, detail: "the file has no video stream" }]),
    ...productFailures(clips, gate),
    ...voiceFailures(m.audio, video?.pictureDurationSec ?? m.containerDurationSec, gate),
  ];
  return { passed: failures.length === 0, failures };
}

/**
 * The music bed under the voice, as assembly measured the two stems over the stretches where the voice
 * speaks: at least `minMusicUnderVoiceDb` below it. A voice that never speaks is silent even though the
 * bed makes the file loud, so the stems say so rather than the mix. The finished mix's loudness and true
 * peak are the file's own measurements (voiceFailures).
 */
export function musicFailures(music: MixedMusicRecord | undefined, gate: QualityGate): QualityFailure[] {
  if (!music) return [];
  if (music.underVoiceDb === null) {
    return [{ cause: "voice_silent", detail: "the voice track never speaks over the music bed" }];
  }
  if (music.underVoiceDb >= gate.minMusicUnderVoiceDb) return [];
  return [
    {
      cause: "music_over_voice",
      detail:
        `while the voice speaks the music is ${music.underVoiceDb.toFixed(1)} dB below it ` +
        `(at least ${gate.minMusicUnderVoiceDb} dB)`,
    },
  ];
}

/**
 * A verdict with the music's failures added. A silent voice comes first, as it does without a bed: it is
 * the cause, and the loudness of a mix that is only music follows from it.
 */
export function withMusicVerdict(
  verdict: QualityVerdict,
  music: MixedMusicRecord | undefined,
  gate: QualityGate,
): QualityVerdict {
  const fromMusic = musicFailures(music, gate);
  const silent = fromMusic.filter((f) => f.cause === "voice_silent");
  const others = verdict.failures.filter((f) => !(silent.length > 0 && f.cause === "voice_silent"));
  const failures = [...silent, ...others, ...fromMusic.filter((f) => f.cause !== "voice_silent")];
  return { passed: failures.length === 0, failures };
}
