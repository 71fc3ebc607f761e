import { join } from "node:path";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../../src/media/binaries";

/** The clips the video stand-ins serve: real H.264 + AAC MP4s made by ffmpeg, as Google's video models deliver. */

export type ClipAspectRatio = "16:9" | "9:16";

export interface ClipSize {
  width: number;
  height: number;
}

/** A portrait size as the stand-ins serve it for an aspect ratio. */
function sized(size: ClipSize, aspectRatio: ClipAspectRatio): string {
  const [short, long] = [Math.min(size.width, size.height), Math.max(size.width, size.height)];
  return aspectRatio === "9:16" ? `${short}x${long}` : `${long}x${short}`;
}

/** What a served clip shows: a moving test pattern, or black from start to end (a valid but worthless clip). */
export type ClipPicture = "testsrc" | "black";

/** A real H.264 + AAC MP4 at 24 fps (Veo's and Omni's rate), `seconds` long. */
export async function renderTestClip(
  file: string,
  seconds: number,
  aspectRatio: ClipAspectRatio,
  size: ClipSize = { width: 270, height: 480 },
  picture: ClipPicture = "testsrc",
): Promise<void> {
  const source = picture === "black" ? "color=c=black:size" : "testsrc=size";
  await runFfmpeg([
    ...FFMPEG_BATCH_OPTIONS,
    "-f",
    "lavfi",
    "-i",
    `${source}=${sized(size, aspectRatio)}:rate=24`,
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=48000",
    "-t",
    String(seconds),
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-movflags",
    "+faststart",
    file,
  ]);
}

/** Renders each length and aspect ratio once, in `workDir`, and serves the same file afterwards. */
export class ClipCache {
  private readonly clips = new Map<string, Promise<string>>();

  constructor(
    private readonly workDir: string,
    private readonly prefix: string,
    private readonly size?: ClipSize,
  ) {}

  clip(seconds: number, aspectRatio: ClipAspectRatio, picture: ClipPicture = "testsrc"): Promise<string> {
    const key = `${aspectRatio.replace(":", "x")}-${seconds}s-${picture}`;
    let rendered = this.clips.get(key);
    if (!rendered) {
      const file = join(this.workDir, `${this.prefix}-${key}.mp4`);
      rendered = renderTestClip(file, seconds, aspectRatio, this.size, picture).then(() => file);
      this.clips.set(key, rendered);
    }
    return rendered;
  }
}
