/**
 * Every measurement the output quality gate decides on, taken by real ffmpeg in one place: one ffprobe
 * (streams, container duration) and one decoding pass with blackdetect, freezedetect, ebur128 (true peak)
 * and silencedetect. A file ffprobe or ffmpeg cannot read is a measurement too (`readable: false`),
 * never an exception: the verdict turns it into a reason.
 */
import { z } from "zod";
import { runFfmpeg, runFfprobe, type RunOptions } from "../media/binaries";

/** A stretch of the file, in seconds from its start. */
export interface Interval {
  start: number;
  end: number;
}

export interface DetectionSettings {
  blackPixelThreshold: number;
  freezeNoiseDb: number;
  silenceDb: number;
}

export interface AudioMeasurements extends Loudness {
  /** Silences of at least SILENCE_MIN_SEC, the last one closed at the end of the audio. */
  silences: Interval[];
  durationSec: number;
}

export interface VideoStreamMeasurements {
  width: number;
  height: number;
  fps: number;
  /** Frames actually decoded. */
  frames: number;
  /** frames / fps: how long the picture really lasts, whatever the container says. */
  decodedDurationSec: number;
  black: Interval[];
  frozen: Interval[];
}

export type MediaMeasurements =
  | {
      readable: true;
      /** What the container claims. */
      containerDurationSec: number;
      video?: VideoStreamMeasurements;
      audio?: AudioMeasurements;
      measureMs: number;
    }
  | { readable: false; error: string; measureMs: number };

/** Shortest stretches recorded; the verdict's own limits are longer. */
const BLACK_MIN_SEC = 0.1;
const FREEZE_MIN_SEC = 0.3;
const SILENCE_MIN_SEC = 0.1;

/** Decoding pass can take a while on long or hostile files; a hung decoder must not hold the stage. */
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

export interface Loudness {
  /** Integrated loudness (EBU R128); -70 or lower means silence. */
  integratedLufs: number;
  truePeakDbtp: number;
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

/** Reads ffmpeg's analysis log (stderr at -loglevel info); pure, so it is tested on real logs. */
export function parseAnalysisLog(
  log: string,
  streams: { video?: { width: number; height: number; fps: number }; hasAudio: boolean },
): { video?: VideoStreamMeasurements; audio?: AudioMeasurements } {
  const progress = [...log.matchAll(/frame=\s*(\d+).*?time=\s*(\d+):(\d+):([\d.]+)/g)].at(-1);
  const frames = progress ? Number(progress[1]) : 0;
  const endSec = progress ? Number(progress[2]) * 3600 + Number(progress[3]) * 60 + Number(progress[4]) : 0;
  const result: { video?: VideoStreamMeasurements; audio?: AudioMeasurements } = {};
  if (streams.video) {
    const { width, height, fps } = streams.video;
    const decodedDurationSec = fps > 0 ? frames / fps : 0;
    result.video = {
      width,
      height,
      fps,
      frames,
      decodedDurationSec,
      black: intervalsFrom(log, /black_start/, /black_end/, decodedDurationSec),
      frozen: intervalsFrom(log, /freeze_start/, /freeze_end/, decodedDurationSec),
    };
  }
  if (streams.hasAudio) {
    result.audio = {
      ...loudnessSummary(log),
      silences: intervalsFrom(log, /silence_start/, /silence_end/, endSec),
      durationSec: endSec,
    };
  }
  return result;
}

/**
 * Black and frozen frames are judged on a quarter-size copy: both are properties of the whole picture,
 * and on 1080x1920 frames the two detectors cost about three times the decoding (measured with the
 * quality-gate benchmark); at a quarter they cost less than it.
 */
const ANALYSIS_SCALE = 4;
const MIN_ANALYSIS_SIDE = 64;
const analysisSide = (side: number) => Math.max(MIN_ANALYSIS_SIDE, 2 * Math.round(side / ANALYSIS_SCALE / 2));

function analysisArgs(
  file: string,
  video: { width: number; height: number } | undefined,
  hasAudio: boolean,
  settings: DetectionSettings,
): string[] {
  const graph: string[] = [];
  const maps: string[] = [];
  if (video) {
    graph.push(
      `[0:v:0]scale=${analysisSide(video.width)}:${analysisSide(video.height)}:flags=fast_bilinear,` +
        `blackdetect=d=${BLACK_MIN_SEC}:pix_th=${settings.blackPixelThreshold},` +
        `freezedetect=n=${settings.freezeNoiseDb}dB:d=${FREEZE_MIN_SEC}[v]`,
    );
    maps.push("-map", "[v]");
  }
  if (hasAudio) {
    // framelog=verbose keeps ebur128's per-frame lines out of the info log; its summary stays in.
    graph.push(
      `[0:a:0]ebur128=peak=true:framelog=verbose,silencedetect=n=${settings.silenceDb}dB:d=${SILENCE_MIN_SEC}[a]`,
    );
    maps.push("-map", "[a]");
  }
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "info",
    "-stats",
    "-i",
    file,
    "-filter_complex",
    graph.join(";"),
    ...maps,
    "-f",
    "null",
    "-",
  ];
}

/** Measures a video file; never throws for a bad file. */
export async function measureMedia(
  file: string,
  settings: DetectionSettings,
  options: RunOptions = {},
): Promise<MediaMeasurements> {
  const started = Date.now();
  const failed = (error: unknown): MediaMeasurements => ({
    readable: false,
    error: (error instanceof Error ? error.message : String(error)).slice(0, 500),
    measureMs: Date.now() - started,
  });
  let probe: z.infer<typeof ProbeSchema>;
  try {
    const { stdout } = await runFfprobe(
      ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", file],
      options,
    );
    const parsed = ProbeSchema.safeParse(JSON.parse(stdout));
    if (!parsed.success) return failed(`ffprobe output without a duration or streams: ${parsed.error.message}`);
    probe = parsed.data;
  } catch (error) {
    return failed(error);
  }
  const videoStream = probe.streams.find((s) => s.codec_type === "video" && s.width && s.height);
  const hasAudio = probe.streams.some((s) => s.codec_type === "audio");
  if (!videoStream && !hasAudio) return failed("no video or audio stream");
  const video = videoStream && {
    width: videoStream.width!,
    height: videoStream.height!,
    fps: videoStream.avg_frame_rate || videoStream.r_frame_rate || 0,
  };
  try {
    const { stderr } = await runFfmpeg(analysisArgs(file, video, hasAudio, settings), {
      timeoutMs: options.timeoutMs ?? MEASURE_TIMEOUT_MS,
      stderrChars: Infinity,
    });
    return {
      readable: true,
      containerDurationSec: probe.format.duration,
      ...parseAnalysisLog(stderr, { video, hasAudio }),
      measureMs: Date.now() - started,
    };
  } catch (error) {
    return failed(error);
  }
}
