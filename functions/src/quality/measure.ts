/**
 * Every measurement the output quality gate decides on, taken by real ffmpeg, without decoding the
 * finished video's picture a second time:
 *
 * - The picture is measured where it is decoded and encoded anyway. Every scene clip is encoded by us
 *   (a model's clip when it is normalised to the frame, the local motion model's included; Ken Burns
 *   when it is rendered), and that same ffmpeg pass sends a quarter-size copy of the frames it encodes
 *   through blackdetect and freezedetect (`pictureDetectionOutput`); the clip carries the result
 *   (`PictureMeasurements`) on its scene document to the assembly, which hands them to the gate.
 * - The assembly joins the clips by stream copy, so the finished video's frames are the clips' frames,
 *   bit for bit, one after the other. Its picture measurements are the clips' shifted to their offsets in
 *   the join (`joinedPicture`), which is a measurement of the final video, not an assumption about it,
 *   as long as the file really holds those frames: `measureFinishedFile` counts the file's packets
 *   (ffprobe `-count_packets`, demuxing only) and the verdict fails a file whose frame count is not
 *   the clips' sum or whose container claims another length.
 * - The sound exists only in the finished file: one audio-only pass (ebur128 with true peak,
 *   silencedetect) measures it; the video stream is demuxed but never decoded.
 *
 * A file ffprobe or ffmpeg cannot read is a measurement too (`readable: false`), never an exception:
 * the verdict turns it into a reason.
 */
import { z } from "zod";
import { runFfmpeg, runFfprobe, type RunOptions } from "../ffmpeg/binaries";
import type {
  Interval,
  Loudness,
  AudioMeasurements,
  VideoStreamFacts,
  PictureMeasurements,
} from "../contract/measurements";

export interface DetectionSettings {
  blackPixelThreshold: number;
  freezeNoiseDb: number;
  silenceDb: number;
}

/** The finished file before the clips' pictures are joined in. */
export type FileMeasurements =
  | {
      readable: true;
      containerDurationSec: number;
      video?: VideoStreamFacts;
      audio?: AudioMeasurements;
      measureMs: number;
    }
  | { readable: false; error: string; measureMs: number };

/** Shortest stretches recorded; the verdict's own limits are longer. */
const BLACK_MIN_SEC = 0.1;
const FREEZE_MIN_SEC = 0.3;
export const SILENCE_MIN_SEC = 0.1;

/** The audio pass can take a while on long or hostile files; a hung decoder must not hold the stage. */
const MEASURE_TIMEOUT_MS = 120_000;

const Rational = z
  .string()
  .regex(/^\d+\/\d+$/)
  .transform((value) => {
    const [num, den] = value.split("/").map(Number);
    return den === 0 ? 0 : num / den;
  });

const ProbeSchema = z.object({
  streams: z.array(
    z.object({
      codec_type: z.string(),
      width: z.number().int().positive().optional(),
      height: z.number().int().positive().optional(),
      avg_frame_rate: Rational.optional(),
      r_frame_rate: Rational.optional(),
      nb_read_packets: z.string().regex(/^\d+$/).transform(Number).optional(),
    }),
  ),
  format: z.object({
    duration: z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number),
  }),
});

const number = (text: string) => (text === "-inf" ? -Infinity : Number(text));

/** Pairs `<prefix>start: t` / `<prefix>end: t` lines into intervals; an open one ends at `endSec`. */
export function intervalsFrom(log: string, startKey: RegExp, endKey: RegExp, endSec: number): Interval[] {
  const events = [...log.matchAll(new RegExp(`(${startKey.source}|${endKey.source})\\s*:?\\s*(-?[\\d.]+)`, "g"))];
  const intervals: Interval[] = [];
  let open: number | undefined;
  for (const [, key, value] of events) {
    const at = Number(value);
    if (startKey.test(key)) open = at;
    else if (open !== undefined) {
      intervals.push({ start: open, end: at });
      open = undefined;
    }
  }
  if (open !== undefined) intervals.push({ start: open, end: Math.max(open, endSec) });
  return intervals;
}

/** The integrated loudness and true peak from the summary ebur128 prints at the end of a pass. */
export function loudnessSummary(log: string): Loudness {
  const summary = log.slice(log.lastIndexOf("Summary:"));
  const integrated = /I:\s+(-?[\d.]+|-inf) LUFS/.exec(summary);
  const peak = /Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary);
  return {
    integratedLufs: integrated ? number(integrated[1]) : -Infinity,
    truePeakDbtp: peak ? number(peak[1]) : -Infinity,
  };
}

/** The last progress line of an ffmpeg pass (`-stats`): frames written to the first output and time reached. */
function lastProgress(log: string): { frames: number; timeSec: number } {
  const progress = [...log.matchAll(/frame=\s*(\d+).*?time=\s*(\d+):(\d+):([\d.]+)/g)].at(-1);
  if (!progress) return { frames: 0, timeSec: 0 };
  return {
    frames: Number(progress[1]),
    timeSec: Number(progress[2]) * 3600 + Number(progress[3]) * 60 + Number(progress[4]),
  };
}

/**
 * Reads a clip's encoding pass (stderr at -loglevel info with -stats): the frames it wrote and the black
 * and frozen stretches the detectors on its quarter-size copy reported. Pure, so it is tested on real logs.
 */
export function pictureFromLog(
  log: string,
  stream: { width: number; height: number; fps: number },
): PictureMeasurements {
  const { frames } = lastProgress(log);
  const pictureDurationSec = stream.fps > 0 ? frames / stream.fps : 0;
  const within = (i: Interval) => ({ start: Math.max(0, i.start), end: Math.min(pictureDurationSec, i.end) });
  return {
    ...stream,
    frames,
    pictureDurationSec,
    black: intervalsFrom(log, /black_start/, /black_end/, pictureDurationSec).map(within),
    frozen: intervalsFrom(log, /freeze_start/, /freeze_end/, pictureDurationSec).map(within),
  };
}

/** Reads the audio pass: ebur128's summary and the silences, the last one closed at the end of the sound. */
export function audioFromLog(log: string): AudioMeasurements {
  const { timeSec } = lastProgress(log);
  return {
    ...loudnessSummary(log),
    silences: intervalsFrom(log, /silence_start/, /silence_end/, timeSec),
    durationSec: timeSec,
  };
}

/**
 * Black and frozen frames are judged on a quarter-size copy: both are properties of the whole picture,
 * and on 1080x1920 frames the two detectors cost about three times the decoding (measured with the
 * quality-gate benchmark); at a quarter they cost less than it.
 */
const ANALYSIS_SCALE = 4;
const MIN_ANALYSIS_SIDE = 64;
const analysisSide = (side: number) => Math.max(MIN_ANALYSIS_SIDE, 2 * Math.round(side / ANALYSIS_SCALE / 2));

/**
 * The part of a clip's encoding pass that measures its picture. `encoded` is the filtergraph label of
 * the exact frames sent to the encoder (already cut to the clip's frame count, so the detectors see
 * those frames and no others); it is split, and the copy goes through the detectors to a null output.
 * A second output rather than a sink inside the graph: only an output pulls the graph to its end, and
 * blackdetect reports a stretch reaching the end of the clip only then. Returns the graph to append
 * and the arguments to put after the clip's own output.
 */
export function pictureDetectionOutput(
  encoded: string,
  frame: { width: number; height: number },
  settings: DetectionSettings,
): { graph: string; toEncoder: string; outputArgs: string[] } {
  const toEncoder = `${encoded}_encode`;
  const graph =
    `[${encoded}]split=2[${toEncoder}][${encoded}_detect];` +
    `[${encoded}_detect]scale=${analysisSide(frame.width)}:${analysisSide(frame.height)}:flags=fast_bilinear,` +
    `blackdetect=d=${BLACK_MIN_SEC}:pix_th=${settings.blackPixelThreshold},` +
    `freezedetect=n=${settings.freezeNoiseDb}dB:d=${FREEZE_MIN_SEC}[${encoded}_detected]`;
  return { graph, toEncoder, outputArgs: ["-map", `[${encoded}_detected]`, "-f", "null", "-"] };
}

/** ffmpeg logging for a pass whose log is parsed: the detectors print at info, -stats the frame count. */
export const ANALYSIS_LOG_OPTIONS = ["-hide_banner", "-nostdin", "-loglevel", "info", "-stats", "-y"] as const;

function audioArgs(file: string, settings: DetectionSettings): string[] {
  // framelog=verbose keeps ebur128's per-frame lines out of the info log; its summary stays in.
  const graph = `[0:a:0]ebur128=peak=true:framelog=verbose,silencedetect=n=${settings.silenceDb}dB:d=${SILENCE_MIN_SEC}[a]`;
  return [...ANALYSIS_LOG_OPTIONS, "-i", file, "-vn", "-filter_complex", graph, "-map", "[a]", "-f", "null", "-"];
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
const outcome = <T>(work: Promise<T>): Promise<Outcome<T>> =>
  work.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

async function probeFile(file: string, options: RunOptions): Promise<z.infer<typeof ProbeSchema>> {
  const { stdout } = await runFfprobe(
    [
      "-v",
      "error",
      "-count_packets",
      "-show_entries",
      "stream=codec_type,width,height,avg_frame_rate,r_frame_rate,nb_read_packets:format=duration",
      "-print_format",
      "json",
      file,
    ],
    options,
  );
  const parsed = ProbeSchema.safeParse(JSON.parse(stdout));
  if (!parsed.success) throw new Error(`ffprobe output without a duration or streams: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * Measures a finished (or any) file without decoding its picture: ffprobe counting packets, and one
 * audio-only pass. The two run at once (the probe says afterwards whether there was sound to measure;
 * the pass fails harmlessly on a file without). Never throws for a bad file.
 */
export async function measureFinishedFile(
  file: string,
  settings: DetectionSettings,
  options: RunOptions = {},
): Promise<FileMeasurements> {
  const started = Date.now();
  const failed = (error: unknown): FileMeasurements => ({
    readable: false,
    error: (error instanceof Error ? error.message : String(error)).slice(0, 500),
    measureMs: Date.now() - started,
  });
  const [probed, audioPass] = await Promise.all([
    outcome(probeFile(file, options)),
    outcome(
      runFfmpeg(audioArgs(file, settings), {
        timeoutMs: options.timeoutMs ?? MEASURE_TIMEOUT_MS,
        stderrChars: Infinity,
      }),
    ),
  ]);
  if (!probed.ok) return failed(probed.error);
  const probe = probed.value;
  const videoStream = probe.streams.find((s) => s.codec_type === "video" && s.width && s.height);
  const hasAudio = probe.streams.some((s) => s.codec_type === "audio");
  if (!videoStream && !hasAudio) return failed("no video or audio stream");
  if (hasAudio && !audioPass.ok) return failed(audioPass.error);
  let video: VideoStreamFacts | undefined;
  if (videoStream) {
    const fps = videoStream.avg_frame_rate || videoStream.r_frame_rate || 0;
    const frames = videoStream.nb_read_packets ?? 0;
    video = {
      width: videoStream.width!,
      height: videoStream.height!,
      fps,
      frames,
      pictureDurationSec: fps > 0 ? frames / fps : 0,
    };
  }
  return {
    readable: true,
    containerDurationSec: probe.format.duration,
    ...(video && { video }),
    ...(hasAudio && audioPass.ok && { audio: audioFromLog(audioPass.value.stderr) }),
    measureMs: Date.now() - started,
  };
}

/** Two stretches one frame apart or less are one: the join leaves no frame between clips. */
const JOIN_GAP_FRAMES = 1.5;

function mergeAdjacent(intervals: Interval[], gapSec: number): Interval[] {
  const merged: Interval[] = [];
  for (const interval of [...intervals].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && interval.start - last.end <= gapSec) last.end = Math.max(last.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}

/**
 * The finished video's black and frozen stretches from its clips' measurements, in join order: each
 * clip's stretches shifted by the clips before it, and a stretch that ends a clip merged with one that
 * starts the next. Black next to black is one black stretch. Still next to still is counted as one
 * frozen stretch too, although the cut between them may change the picture: the gate errs on the side
 * of not shipping (our own clips never hold a frame as long as FREEZE_MIN_SEC, so they never record a
 * still at their ends).
 */
export function joinedPicture(clips: PictureMeasurements[]): { frames: number; black: Interval[]; frozen: Interval[] } {
  const fps = clips[0]?.fps ?? 0;
  const gapSec = fps > 0 ? JOIN_GAP_FRAMES / fps : 0;
  const black: Interval[] = [];
  const frozen: Interval[] = [];
  let offsetSec = 0;
  let frames = 0;
  for (const clip of clips) {
    const shift = (i: Interval) => ({ start: i.start + offsetSec, end: i.end + offsetSec });
    black.push(...clip.black.map(shift));
    frozen.push(...clip.frozen.map(shift));
    offsetSec += clip.pictureDurationSec;
    frames += clip.frames;
  }
  return { frames, black: mergeAdjacent(black, gapSec), frozen: mergeAdjacent(frozen, gapSec) };
}
