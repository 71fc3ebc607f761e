import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg, type RunOptions } from "../ffmpeg/binaries";
import { probeMedia } from "../ffmpeg/probe";

export interface AssembleRequest {
  /** H.264 MP4 clips of one size and frame rate (see normalize.ts), in playing order. */
  clips: string[];
  voiceWav: string;
  /**
   * The music bed already ducked under the voice (media/musicBed.ts), as long as the voice, and the gain
   * that brings voice and bed together back to the target loudness (`mixGain`); none: the voice alone.
   */
  music?: MixedMusic;
  outFile: string;
  /**
   * The length the caller expects: checked against the clips' total, never used to cut (video is copied, and
   * a copied stream cannot be cut between keyframes exactly).
   */
  durationSec?: number;
}

export interface MixedMusic {
  wav: string;
  gainDb: number;
}

export interface AssembledVideo {
  file: string;
  durationSec: number;
}

/** Half a frame at 30 fps: lengths closer than this are the same number of frames. */
const DURATION_TOLERANCE_SEC = 1 / 60;

/** A line of an ffconcat list: the path quoted, with single quotes escaped as the demuxer expects. */
function concatEntry(file: string): string {
  return `file '${resolve(file).replace(/'/g, "'\\''")}'`;
}

export function concatList(clips: string[]): string {
  return ["ffconcat version 1.0", ...clips.map(concatEntry)].join("\n") + "\n";
}

/**
 * Video copied as it is; the voice (with the ducked music summed under it, then the mix's gain) to AAC,
 * padded with silence and cut so it ends with the video.
 */
export function assembleArgs(
  listFile: string,
  voiceWav: string,
  outFile: string,
  durationSec: number,
  music?: MixedMusic,
): string[] {
  const musicInput = music ? ["-i", music.wav] : [];
  const audioFilter = music ? ["-filter_complex", `[1:a][2:a]${sumFilter(music.gainDb)},apad[mix]`] : ["-af", "apad"];
  return [
    ...FFMPEG_BATCH_OPTIONS,
    "-f",
    "concat",
    "-safe",
    "0",
    "-i",
    listFile,
    "-i",
    voiceWav,
    ...musicInput,
    "-map",
    "0:v:0",
    "-map",
    music ? "[mix]" : "1:a:0",
    "-c:v",
    "copy",
    ...audioFilter,
    "-c:a",
    "aac",
    "-b:a",
    "128k",
    "-ar",
    "48000",
    "-ac",
    "2",
    "-t",
    durationSec.toFixed(3),
    "-movflags",
    "+faststart",
    outFile,
  ];
}

/**
 * Two stereo inputs summed channel by channel, then one gain (amix, in the ffmpeg this project ships,
 * scales each input down by the number of inputs and has no option to stop it).
 */
export function sumFilter(gainDb: number): string {
  return `amerge=inputs=2,pan=stereo|c0=c0+c2|c1=c1+c3,volume=${gainDb.toFixed(2)}dB`;
}

async function videoTotal(clips: string[], options: RunOptions): Promise<number> {
  const infos = await Promise.all(clips.map((clip) => probeMedia(clip, options)));
  const first = infos[0].video;
  infos.forEach((info, index) => {
    const video = info.video;
    if (!video || video.codec !== "h264") throw new Error(`clip ${clips[index]} has no H.264 video stream`);
    if (first && (video.width !== first.width || video.height !== first.height || video.fps !== first.fps)) {
      throw new Error(
        `clip ${clips[index]} is ${video.width}x${video.height} at ${video.fps} fps, ` +
          `the first is ${first.width}x${first.height} at ${first.fps} fps`,
      );
    }
  });
  return infos.reduce((sum, info) => sum + info.durationSec, 0);
}

/** Joins the clips with the concat demuxer and lays the voice under them: one H.264 + AAC MP4. */
export async function assembleVideo(req: AssembleRequest, options: RunOptions = {}): Promise<AssembledVideo> {
  if (req.clips.length === 0) throw new Error("no clips to assemble");
  const [clipsTotal, voice] = await Promise.all([videoTotal(req.clips, options), probeMedia(req.voiceWav, options)]);
  if (!voice.audio) throw new Error(`voice file ${req.voiceWav} has no audio stream`);
  if (req.music && !(await probeMedia(req.music.wav, options)).audio) {
    throw new Error(`music file ${req.music.wav} has no audio stream`);
  }
  if (req.durationSec !== undefined && Math.abs(req.durationSec - clipsTotal) > DURATION_TOLERANCE_SEC) {
    throw new Error(`the clips last ${clipsTotal} s, not the expected ${req.durationSec} s`);
  }

  const workDir = await mkdtemp(join(tmpdir(), "fairshot-assemble-"));
  try {
    const listFile = join(workDir, "clips.ffconcat");
    await writeFile(listFile, concatList(req.clips));
    await runFfmpeg(assembleArgs(listFile, req.voiceWav, req.outFile, clipsTotal, req.music), options);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const result = await probeMedia(req.outFile, options);
  return { file: req.outFile, durationSec: result.durationSec };
}
