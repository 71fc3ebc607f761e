import { z } from "zod";
import { runFfprobe, type RunOptions } from "./binaries";

const NumericString = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .transform(Number);

/** The part of `ffprobe -print_format json -show_format -show_streams` we rely on. */
const FfprobeOutputSchema = z.object({
  streams: z.array(
    z.object({
      codec_type: z.string(),
      codec_name: z.string().optional(),
      width: z.number().int().positive().optional(),
      height: z.number().int().positive().optional(),
      pix_fmt: z.string().optional(),
      sample_rate: NumericString.optional(),
      nb_frames: NumericString.optional(),
      avg_frame_rate: z.string().optional(),
    }),
  ),
  format: z.object({
    format_name: z.string(),
    duration: NumericString.optional(),
  }),
});

export interface MediaInfo {
  durationSec: number;
  /** The first video stream; frames when the container records it (MP4 does). */
  video?: { codec: string; width: number; height: number; pixelFormat?: string; frames?: number; fps?: number };
  /** The first audio stream. */
  audio?: { codec: string; sampleRate: number };
}

/** ffprobe states rates as a fraction ("30/1", "24000/1001"); "0/0" means unknown. */
function frameRate(fraction: string | undefined): number | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(fraction ?? "");
  if (!match || Number(match[2]) === 0 || Number(match[1]) === 0) return undefined;
  return Number(match[1]) / Number(match[2]);
}

export async function probeMedia(file: string, options: RunOptions = {}): Promise<MediaInfo> {
  const { stdout } = await runFfprobe(
    ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", file],
    options,
  );
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new Error(`ffprobe printed no JSON for ${file}`);
  }
  const parsed = FfprobeOutputSchema.safeParse(json);
  if (!parsed.success) throw new Error(`unexpected ffprobe output for ${file}: ${parsed.error.message}`);
  const { streams, format } = parsed.data;
  if (format.duration === undefined) throw new Error(`${file} (${format.format_name}) has no duration`);

  const info: MediaInfo = { durationSec: format.duration };
  const video = streams.find((s) => s.codec_type === "video");
  if (video?.codec_name && video.width && video.height) {
    info.video = { codec: video.codec_name, width: video.width, height: video.height };
    if (video.pix_fmt) info.video.pixelFormat = video.pix_fmt;
    if (video.nb_frames !== undefined) info.video.frames = video.nb_frames;
    const fps = frameRate(video.avg_frame_rate);
    if (fps !== undefined) info.video.fps = fps;
  }
  const audio = streams.find((s) => s.codec_type === "audio");
  if (audio?.codec_name && audio.sample_rate) info.audio = { codec: audio.codec_name, sampleRate: audio.sample_rate };
  return info;
}
