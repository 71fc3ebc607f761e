/**
 * The music bed under the voice-over: the project's own pad (synthesised here, when no music model
 * served), a bed shaped to the video (looped or cut to its length, faded, normalised), the same bed
 * ducked under the voice from the voice's measured timing, and the measurement of how far below the
 * voice it sits while the voice speaks.
 *
 * Ducking is volume automation, not a compressor keyed on the voice: the voice stage already measured
 * where the speech is (contract/voice.ts `timing`), so the music's level is a known function of time and
 * the stem can be measured before it is mixed. Short pauses between sentences stay ducked (a bed that
 * swells in every 0.3 s pause pumps); only pauses of at least `openPauseSec` let it up.
 */
import type { VoiceSpan, VoiceTiming } from "../contract/voice";
import type { MusicMix } from "../pipelineSettings";
import type { Loudness } from "../contract/measurements";
import { loudnessSummary } from "../quality/measure";
import { sumFilter } from "./assemble";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg, type RunOptions } from "../ffmpeg/binaries";
import { normalisingGain, type VoiceFitTarget } from "./voiceFit";
import { probeMedia } from "../ffmpeg/probe";

/** The local pad's model name, recorded on the run when it serves. */
export const LOCAL_MUSIC_MODEL = "local-chord-pad";

/**
 * Four chords of a quiet major-key loop (Cmaj7, Am7, Fmaj7, G6), as note frequencies in Hz, each held
 * for `CHORD_SEC`. Low voicings: a pad under speech should leave the voice's 1-4 kHz alone.
 */
const CHORDS: readonly (readonly number[])[] = [
  [130.81, 164.81, 196.0, 246.94],
  [110.0, 130.81, 164.81, 196.0],
  [87.31, 130.81, 174.61, 220.0],
  [98.0, 146.83, 196.0, 246.94],
];
const CHORD_SEC = 4;
/** Chords overlap by this much, so a change is a crossfade, never a jump in the waveform (a click). */
const CHORD_OVERLAP_SEC = 0.8;
/** The pad has nothing above 2 kHz, so it is computed at 16 kHz (a third of the work) and resampled. */
const PAD_SAMPLE_RATE = 16_000;
/** ebur128's absolute gate: nothing quieter counts as sound. */
const SILENT_LUFS = -70;

/**
 * The ffmpeg expression of one channel of the pad: every chord's notes as sines, each chord weighted by a
 * trapezoid window over its own four seconds of the loop. `detuneHz` shifts the right channel a little,
 * which makes the pad wide instead of a mono tone in both ears.
 */
export function padExpression(detuneHz: number): string {
  const loopSec = CHORD_SEC * CHORDS.length;
  const half = CHORD_OVERLAP_SEC / 2;
  const chords = CHORDS.map((notes, index) => {
    const phase = `mod(t-${index * CHORD_SEC}+${half}\\,${loopSec})`;
    const window =
      `clip(${phase}/${CHORD_OVERLAP_SEC}\\,0\\,1)*` +
      `clip((${CHORD_SEC + half}-${phase})/${CHORD_OVERLAP_SEC}\\,0\\,1)`;
    const sines = notes.map((hz) => `sin(2*PI*${(hz + detuneHz).toFixed(2)}*t)`).join("+");
    return `${window}*(${sines})`;
  });
  return `0.08*(${chords.join("+")})`;
}

/** Writes the project's own pad, `durationSec` long, as 48 kHz stereo WAV. Deterministic: same length, same file. */
export async function synthesizePad(outFile: string, durationSec: number, options: RunOptions = {}): Promise<string> {
  const source = `aevalsrc=${padExpression(0)}|${padExpression(0.7)}:s=${PAD_SAMPLE_RATE}:d=${durationSec.toFixed(3)}`;
  await runFfmpeg(
    [
      ...FFMPEG_BATCH_OPTIONS,
      "-f",
      "lavfi",
      "-i",
      source,
      "-af",
      `lowpass=f=1800,aresample=48000,aformat=sample_rates=48000:channel_layouts=stereo`,
      "-c:a",
      "pcm_s16le",
      outFile,
    ],
    options,
  );
  return outFile;
}

export interface ShapeBedRequest {
  /** The music as a model or the local pad delivered it, any length. */
  sourceFile: string;
  durationSec: number;
  outFile: string;
}

/** Integrated loudness and true peak of a file, by one ebur128 pass. */
export async function measureLoudness(file: string, options: RunOptions = {}): Promise<Loudness> {
  const { stderr } = await runFfmpeg(
    ["-hide_banner", "-nostdin", "-i", file, "-af", "ebur128=peak=true", "-f", "null", "-"],
    { ...options, stderrChars: 20_000 },
  );
  return loudnessSummary(stderr);
}

/**
 * The bed at the video's length: looped when the music is shorter (a model's clip is ~30 s), cut when
 * longer, faded in and out, and brought to `mix.bedLufs` by one linear gain measured first (as the voice
 * is). Throws when the music has no loudness at all: silence is no music bed.
 */
export async function shapeBed(req: ShapeBedRequest, mix: MusicMix, options: RunOptions = {}): Promise<Loudness> {
  const source = await probeMedia(req.sourceFile, options);
  if (!source.audio) throw new Error(`music file ${req.sourceFile} has no audio stream`);
  const shape = [
    "aformat=sample_rates=48000:channel_layouts=stereo",
    `atrim=0:${req.durationSec.toFixed(3)}`,
    `afade=in:d=${mix.fadeInSec}`,
    `afade=out:st=${Math.max(0, req.durationSec - mix.fadeOutSec).toFixed(3)}:d=${mix.fadeOutSec}`,
  ];
  const input = ["-stream_loop", "-1", "-i", req.sourceFile];
  const measuring = await runFfmpeg(
    ["-hide_banner", "-nostdin", ...input, "-af", [...shape, "ebur128=peak=true"].join(","), "-f", "null", "-"],
    { ...options, stderrChars: 20_000 },
  );
  const measured = loudnessSummary(measuring.stderr);
  if (!(measured.integratedLufs > SILENT_LUFS)) throw new Error(`music file ${req.sourceFile} is silent`);
  const gainDb = (mix.bedLufs - measured.integratedLufs).toFixed(2);
  await runFfmpeg(
    [
      ...FFMPEG_BATCH_OPTIONS,
      ...input,
      "-af",
      [...shape, `volume=${gainDb}dB`].join(","),
      "-t",
      req.durationSec.toFixed(3),
      "-c:a",
      "pcm_s16le",
      req.outFile,
    ],
    options,
  );
  return measured;
}

/**
 * Where the voice speaks, for the ducking: from the first to the last speech, less the pauses of at least
 * `openPauseSec` (the music comes up in those). Pure.
 */
export function speakingSpans(timing: Pick<VoiceTiming, "speech" | "silences">, openPauseSec: number): VoiceSpan[] {
  if (!timing.speech) return [];
  const { startSec, endSec } = timing.speech;
  const openings = timing.silences
    .filter((s) => s.endSec - s.startSec >= openPauseSec && s.startSec > startSec && s.endSec < endSec)
    .sort((a, b) => a.startSec - b.startSec);
  const spans: VoiceSpan[] = [];
  let from = startSec;
  for (const pause of openings) {
    spans.push({ startSec: from, endSec: pause.startSec });
    from = pause.endSec;
  }
  spans.push({ startSec: from, endSec });
  return spans.filter((span) => span.endSec > span.startSec);
}

const fixed = (value: number) => Number(value.toFixed(3));

/**
 * The music's gain over time as an ffmpeg `volume` expression of `t`: `-mix.duckDb` over the
 * speaking spans (reached `rampSec` before the speech starts, left `rampSec` after it ends), 0 dB
 * elsewhere, linear ramps between. Pure.
 */
export function duckingExpression(spans: VoiceSpan[], mix: MusicMix): string {
  if (spans.length === 0) return "1";
  const ramp = mix.rampSec;
  // How far into the duck each span is at t: 1 inside, falling to 0 over the ramp on both sides.
  const depths = spans.map((s) => {
    const a = fixed(Math.max(0, s.startSec - ramp));
    const b = fixed(s.startSec);
    const d = fixed(s.endSec + ramp);
    return `clip(min((t-${a})/${fixed(Math.max(b - a, 0.001))}\\,(${d}-t)/${ramp})\\,0\\,1)`;
  });
  const depth = depths.length === 1 ? depths[0] : depths.reduce((acc, next) => `max(${acc}\\,${next})`);
  return `pow(10\\,-${mix.duckDb}*${depth}/20)`;
}

/** Writes the bed ducked under the voice: the stem that assembly mixes as it is. */
export async function duckBed(
  req: { bedFile: string; timing: Pick<VoiceTiming, "speech" | "silences">; outFile: string },
  mix: MusicMix,
  options: RunOptions = {},
): Promise<{ file: string; speaking: VoiceSpan[] }> {
  const speaking = speakingSpans(req.timing, mix.openPauseSec);
  await runFfmpeg(
    [
      ...FFMPEG_BATCH_OPTIONS,
      "-i",
      req.bedFile,
      "-af",
      `volume='${duckingExpression(speaking, mix)}':eval=frame`,
      "-c:a",
      "pcm_s16le",
      req.outFile,
    ],
    options,
  );
  return { file: req.outFile, speaking };
}

/**
 * The gain that brings the voice and the ducked bed, summed as assembly sums them, to the voice's target
 * loudness within its true-peak ceiling: the bed raises the mix a little while the voice speaks, and adds
 * quieter stretches where it does not, which lower the integrated loudness of an ad with long pauses.
 * Both stems move together, so the music's level under the voice is unchanged.
 */
export async function mixGain(
  req: { voiceFile: string; musicFile: string },
  fit: VoiceFitTarget,
  options: RunOptions = {},
): Promise<{ measured: Loudness; gainDb: number }> {
  const { stderr } = await runFfmpeg(
    [
      ...["-hide_banner", "-nostdin", "-i", req.voiceFile, "-i", req.musicFile],
      ...["-filter_complex", `[0:a][1:a]${sumFilter(0)},ebur128=peak=true`, "-f", "null", "-"],
    ],
    { ...options, stderrChars: 20_000 },
  );
  const measured = loudnessSummary(stderr);
  return { measured, gainDb: normalisingGain(measured, fit) ?? 0 };
}

/** ffmpeg's `aselect` expression keeping the audio inside the spans. */
const selectSpans = (spans: VoiceSpan[]) =>
  spans.map((s) => `between(t\\,${fixed(s.startSec)}\\,${fixed(s.endSec)})`).join("+");

/** How loud a file is over the spans only (integrated, EBU R128), in LUFS. */
export async function loudnessWithin(file: string, spans: VoiceSpan[], options: RunOptions = {}): Promise<number> {
  const { stderr } = await runFfmpeg(
    ["-hide_banner", "-nostdin", "-i", file, "-af", `aselect='${selectSpans(spans)}',ebur128`, "-f", "null", "-"],
    { ...options, stderrChars: 20_000 },
  );
  return loudnessSummary(stderr).integratedLufs;
}

/** The music under the voice as measured while the voice speaks. */
export interface UnderVoiceMeasurement {
  /** The voice's loudness over the speaking spans (LUFS). */
  voiceLufs: number;
  /** The ducked music's loudness over the same spans (LUFS); -70 for a bed silent there. */
  musicLufs: number;
  /** voiceLufs - musicLufs: how far the music sits below the voice while it speaks. */
  underVoiceDb: number;
  /** Seconds of speech measured. */
  speakingSec: number;
}

/**
 * Measures both stems over the speaking spans (BS.1770 integrated loudness of just those stretches): the
 * difference is what a listener hears as the music's level under the voice.
 */
export async function measureUnderVoice(
  req: { voiceFile: string; musicFile: string; speaking: VoiceSpan[] },
  options: RunOptions = {},
): Promise<UnderVoiceMeasurement> {
  const speakingSec = fixed(req.speaking.reduce((sum, s) => sum + (s.endSec - s.startSec), 0));
  if (speakingSec === 0) throw new Error("the voice has no speech to measure the music under");
  const [voiceLufs, musicLufs] = await Promise.all([
    loudnessWithin(req.voiceFile, req.speaking, options),
    loudnessWithin(req.musicFile, req.speaking, options),
  ]);
  // ebur128's absolute gate: a bed silent under the voice reads -70 LUFS (a finite number, as stored).
  const music = musicLufs > SILENT_LUFS ? musicLufs : SILENT_LUFS;
  return { voiceLufs, musicLufs: music, underVoiceDb: Number((voiceLufs - music).toFixed(2)), speakingSec };
}
