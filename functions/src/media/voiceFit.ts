/**
 * Fits the recorded voice-over to the promised length of the video (the voice stage, before any scene
 * is rendered): a small tempo change so it ends just before the video does (no long silent tail, no
 * sentence cut off), and EBU R128 loudness normalisation in two passes (measure, then a linear gain),
 * so the ad plays at the level platforms normalise to. The result is a 48 kHz stereo WAV exactly as
 * long as the video; the pass that writes it also measures its silences (the pauses the lines' timing
 * is placed by, media/voiceTiming.ts).
 */
import type { VoiceSpan } from "../contract/voice";
import type { VoiceFit } from "../pipelineSettings";
import { intervalsFrom, loudnessSummary, SILENCE_MIN_SEC } from "../quality/measure";
import type { Loudness } from "../contract/measurements";
import { runFfmpeg, type RunOptions } from "../ffmpeg/binaries";
import { probeMedia } from "../ffmpeg/probe";

export type VoiceFitTarget = Pick<VoiceFit, "targetLufs" | "truePeakDbtp" | "maxTempoChange" | "endPaddingSec">;

/** ffmpeg's atempo takes 0.5..2 per instance; our limits stay well inside. */
const TEMPO_EPSILON = 0.01;

/**
 * The tempo (speed factor) that makes a voice of `voiceSec` end `endPaddingSec` before a `videoSec`
 * video, within ±maxTempoChange; 1 when it already fits closely. Pure.
 */
export function tempoFor(voiceSec: number, videoSec: number, fit: VoiceFitTarget): number {
  const room = Math.max(0.1, videoSec - fit.endPaddingSec);
  const wanted = voiceSec / room;
  const tempo = Math.min(1 + fit.maxTempoChange, Math.max(1 - fit.maxTempoChange, wanted));
  return Math.abs(tempo - 1) < TEMPO_EPSILON ? 1 : Number(tempo.toFixed(4));
}

/** The filters both passes share: tempo, then stereo at 48 kHz (BS.1770 weighs channels, so measure what ships). */
function shapeFilters(tempo: number): string[] {
  return [...(tempo === 1 ? [] : [`atempo=${tempo}`]), "aformat=sample_rates=48000:channel_layouts=stereo"];
}

/**
 * The gain (dB) that brings a voice measured at `measured` to the target loudness without its true
 * peak passing the ceiling; null for a voice with no loudness (silence: nothing to normalise, and
 * the quality gate will say so). A plain gain keeps the voice as it is; ffmpeg's loudnorm was tried
 * first and left short clips (under its 3 s window) 2 LU off target.
 */
export function normalisingGain(measured: Loudness, fit: VoiceFitTarget): number | null {
  if (!Number.isFinite(measured.integratedLufs) || measured.integratedLufs <= -70) return null;
  const toTarget = fit.targetLufs - measured.integratedLufs;
  const toCeiling = Number.isFinite(measured.truePeakDbtp) ? fit.truePeakDbtp - measured.truePeakDbtp : toTarget;
  return Number(Math.min(toTarget, toCeiling).toFixed(2));
}

export interface FittedVoice {
  file: string;
  tempo: number;
  /** The voice's own length after the tempo change (before padding to the video). */
  spokenSec: number;
  /** Loudness of the voice before normalisation. */
  measured: Loudness;
  /** The gain applied; null when the voice had no loudness (silence, left as it is). */
  gainDb: number | null;
  /** Silences of the fitted file (below `silenceDb` for at least SILENCE_MIN_SEC), the last one closed at its end. */
  silences: VoiceSpan[];
}

export interface FitVoiceRequest {
  voiceWav: string;
  videoSec: number;
  outFile: string;
  /** The level below which the fitted voice counts as silent: the quality gate's. */
  silenceDb: number;
}

export async function fitVoice(
  req: FitVoiceRequest,
  fit: VoiceFitTarget,
  options: RunOptions = {},
): Promise<FittedVoice> {
  const voice = await probeMedia(req.voiceWav, options);
  if (!voice.audio) throw new Error(`voice file ${req.voiceWav} has no audio stream`);
  const tempo = tempoFor(voice.durationSec, req.videoSec, fit);
  const shape = shapeFilters(tempo);
  const { stderr } = await runFfmpeg(
    [
      "-hide_banner",
      "-nostdin",
      "-i",
      req.voiceWav,
      "-af",
      [...shape, "ebur128=peak=true:framelog=verbose"].join(","),
      "-f",
      "null",
      "-",
    ],
    { ...options, stderrChars: 20_000 },
  );
  const measured = loudnessSummary(stderr);
  const gainDb = normalisingGain(measured, fit);
  const written = await runFfmpeg(
    [
      // At info level: silencedetect reports there.
      ...["-hide_banner", "-nostdin", "-loglevel", "info", "-y"],
      "-i",
      req.voiceWav,
      "-af",
      // Silence to the video's end, so the voice track is exactly as long as the picture.
      [
        ...shape,
        ...(gainDb === null ? [] : [`volume=${gainDb}dB`]),
        "apad",
        `silencedetect=n=${req.silenceDb}dB:d=${SILENCE_MIN_SEC}`,
      ].join(","),
      "-t",
      req.videoSec.toFixed(3),
      "-c:a",
      "pcm_s16le",
      req.outFile,
    ],
    { ...options, stderrChars: 200_000 },
  );
  const silences = intervalsFrom(written.stderr, /silence_start/, /silence_end/, req.videoSec).map((i) => ({
    startSec: i.start,
    endSec: Math.min(i.end, req.videoSec),
  }));
  return { file: req.outFile, tempo, spokenSec: voice.durationSec / tempo, measured, gainDb, silences };
}
