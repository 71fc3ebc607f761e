/**
 * Fits the recorded voice-over to the video before the join: a small tempo change so it ends just
 * before the video does (no long silent tail, no sentence cut off), and EBU R128 loudness normalisation
 * with ffmpeg's loudnorm in two passes (measure, then a linear gain), so the ad plays at the level
 * platforms normalise to. The result is a 48 kHz stereo WAV exactly as long as the video.
 */
import { z } from "zod";
import type { VoiceFit } from "../pipelineSettings";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg, type RunOptions } from "./binaries";
import { probeMedia } from "./probe";

export type VoiceFitTarget = Pick<VoiceFit, "targetLufs" | "truePeakDbtp" | "maxTempoChange" | "endPaddingSec">;

/** ffmpeg's atempo takes 0.5..2 per instance; our limits stay well inside. */
const TEMPO_EPSILON = 0.01;
/** loudnorm's LRA target at its maximum: a spoken voice is never compressed to meet it, so pass 2 stays linear. */
const LOUDNORM_LRA = 20;

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

const LoudnormJson = z.object({
  input_i: z.string(),
  input_tp: z.string(),
  input_lra: z.string(),
  input_thresh: z.string(),
  target_offset: z.string(),
});
export type LoudnormMeasurement = z.infer<typeof LoudnormJson>;

/** The JSON block loudnorm prints at the end of a measuring pass; null for a voice with no loudness (silence). */
export function parseLoudnorm(stderr: string): LoudnormMeasurement | null {
  const start = stderr.lastIndexOf("{");
  const end = stderr.lastIndexOf("}");
  if (start < 0 || end < start) throw new Error("loudnorm printed no measurement");
  const parsed = LoudnormJson.safeParse(JSON.parse(stderr.slice(start, end + 1)));
  if (!parsed.success) throw new Error(`unexpected loudnorm measurement: ${parsed.error.message}`);
  // A silent voice measures -inf: there is nothing to normalise, and the quality gate will say so.
  return /^-?\d/.test(parsed.data.input_i) && /^-?\d/.test(parsed.data.input_tp) ? parsed.data : null;
}

/** The filters both passes share: tempo, then stereo at 48 kHz (BS.1770 weighs channels, so measure what ships). */
function shapeFilters(tempo: number): string[] {
  return [...(tempo === 1 ? [] : [`atempo=${tempo}`]), "aformat=sample_rates=48000:channel_layouts=stereo"];
}

function loudnorm(fit: VoiceFitTarget, measured?: LoudnormMeasurement): string {
  const target = `loudnorm=I=${fit.targetLufs}:TP=${fit.truePeakDbtp}:LRA=${LOUDNORM_LRA}`;
  if (!measured) return `${target}:print_format=json`;
  return (
    `${target}:measured_I=${measured.input_i}:measured_TP=${measured.input_tp}:measured_LRA=${measured.input_lra}` +
    `:measured_thresh=${measured.input_thresh}:offset=${measured.target_offset}:linear=true`
  );
}

export interface FittedVoice {
  file: string;
  tempo: number;
  /** The voice's own length after the tempo change (before padding to the video). */
  spokenSec: number;
  /** Loudness of the voice before normalisation; null when it had none (silence, left as it is). */
  measured: LoudnormMeasurement | null;
}

export async function fitVoice(
  req: { voiceWav: string; videoSec: number; outFile: string },
  fit: VoiceFitTarget,
  options: RunOptions = {},
): Promise<FittedVoice> {
  const voice = await probeMedia(req.voiceWav, options);
  if (!voice.audio) throw new Error(`voice file ${req.voiceWav} has no audio stream`);
  const tempo = tempoFor(voice.durationSec, req.videoSec, fit);
  const shape = shapeFilters(tempo);
  const { stderr } = await runFfmpeg(
    ["-hide_banner", "-nostdin", "-i", req.voiceWav, "-af", [...shape, loudnorm(fit)].join(","), "-f", "null", "-"],
    { ...options, stderrChars: 20_000 },
  );
  const measured = parseLoudnorm(stderr);
  await runFfmpeg(
    [
      ...FFMPEG_BATCH_OPTIONS,
      "-i",
      req.voiceWav,
      "-af",
      // loudnorm works at 192 kHz; back to 48 kHz, then silence to the video's end.
      [...shape, ...(measured ? [loudnorm(fit, measured), "aresample=48000"] : []), "apad"].join(","),
      "-t",
      req.videoSec.toFixed(3),
      "-c:a",
      "pcm_s16le",
      req.outFile,
    ],
    options,
  );
  return { file: req.outFile, tempo, spokenSec: voice.durationSec / tempo, measured };
}
