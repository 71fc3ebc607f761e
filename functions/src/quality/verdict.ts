/**
 * The output quality gate's decision: a pure function of the measurements (quality/measure.ts), what
 * the run promised, and the thresholds in `config/pipeline` (qualityGate). Same numbers, same verdict.
 */
import type { QualityGate } from "../pipelineSettings";
import type { AudioMeasurements, Interval, MediaMeasurements } from "./measure";

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

/** ebur128 reports -70 LUFS (its absolute gate) or -inf for a track with nothing above it. */
const SILENT_LUFS = -70;

const seconds = (value: number) => `${value.toFixed(2)} s`;
const longest = (intervals: Interval[]) =>
  intervals.reduce<Interval | undefined>(
    (best, i) => (!best || i.end - i.start > best.end - best.start ? i : best),
    undefined,
  );
const overlap = (a: Interval, b: Interval) => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));

function pictureFailures(m: Extract<MediaMeasurements, { readable: true }>, gate: QualityGate): QualityFailure[] {
  const video = m.video;
  if (!video) return [{ cause: "no_video", detail: "the file has no video stream" }];
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

/** A generated clip: readable, the frame promised, no black or frozen stretch. Its voice is not its concern. */
export function clipVerdict(m: MediaMeasurements, promised: PromisedVideo, gate: QualityGate): QualityVerdict {
  if (!m.readable) return { passed: false, failures: [{ cause: "unreadable", detail: m.error }] };
  const failures = [...frameFailures(m, promised, gate), ...pictureFailures(m, gate)];
  return { passed: failures.length === 0, failures };
}

function frameFailures(
  m: Extract<MediaMeasurements, { readable: true }>,
  promised: PromisedVideo,
  gate: QualityGate,
): QualityFailure[] {
  const video = m.video;
  if (!video) return [];
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
  if (Math.abs(video.decodedDurationSec - promised.durationSec) > gate.durationToleranceSec) {
    failures.push({
      cause: "duration",
      detail: `${seconds(video.decodedDurationSec)} of picture, ${seconds(promised.durationSec)} promised`,
    });
  }
  if (Math.abs(m.containerDurationSec - video.decodedDurationSec) > gate.durationToleranceSec) {
    failures.push({
      cause: "duration_mismatch",
      detail: `the file claims ${seconds(m.containerDurationSec)} but holds ${seconds(video.decodedDurationSec)} of picture`,
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

function voiceFailures(
  m: Extract<MediaMeasurements, { readable: true }>,
  videoSec: number,
  gate: QualityGate,
): QualityFailure[] {
  const audio = m.audio;
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

/** The finished ad: everything a clip must be, plus a voice that covers it at the promised loudness. */
export function finishedVideoVerdict(m: MediaMeasurements, promised: PromisedVideo, gate: QualityGate): QualityVerdict {
  if (!m.readable) return { passed: false, failures: [{ cause: "unreadable", detail: m.error }] };
  const failures = [
    ...frameFailures(m, promised, gate),
    ...pictureFailures(m, gate),
    ...voiceFailures(m, m.video?.decodedDurationSec ?? m.containerDurationSec, gate),
  ];
  return { passed: failures.length === 0, failures };
}
