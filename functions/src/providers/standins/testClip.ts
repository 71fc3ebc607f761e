import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../../ffmpeg/binaries";

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

/**
 * What a served clip shows: the start image, slowly zoomed (what an image-to-video model makes of it), a
 * moving test pattern (no product in it), or black from start to end (a valid but worthless clip).
 */
export type ClipPicture = "start_image" | "testsrc" | "black";

/** The start image covering the clip's frame, zoomed in 15% over the clip, as a model's camera might. */
function startImageGraph(size: string, seconds: number): string {
  const [width, height] = size.split("x").map(Number);
  const frames = Math.round(seconds * 24);
  return (
    `[0:v]scale=${2 * width}:${2 * height}:force_original_aspect_ratio=increase,crop=${2 * width}:${2 * height},` +
    `zoompan=z='1+0.15*on/${frames}':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=${frames + 24}:s=${size}:fps=24,` +
    "format=yuv420p[v]"
  );
}

/** A real H.264 + AAC MP4 at 24 fps (Veo's and Omni's rate), `seconds` long. */
export async function renderTestClip(
  file: string,
  seconds: number,
  aspectRatio: ClipAspectRatio,
  size: ClipSize = { width: 270, height: 480 },
  picture: ClipPicture = "testsrc",
  startImage?: string,
): Promise<void> {
  const frame = sized(size, aspectRatio);
  const video =
    picture === "start_image"
      ? ["-i", startImage ?? "", "-filter_complex", startImageGraph(frame, seconds), "-map", "[v]", "-map", "1:a"]
      : ["-f", "lavfi", "-i", `${picture === "black" ? "color=c=black:size" : "testsrc=size"}=${frame}:rate=24`];
  const sine = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"];
  await runFfmpeg([
    ...FFMPEG_BATCH_OPTIONS,
    ...(picture === "start_image" ? [video[0], video[1], ...sine, ...video.slice(2)] : [...video, ...sine]),
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

  /** With `startImage` (the request's image bytes) and picture `start_image`, a clip made from that image. */
  clip(seconds: number, aspectRatio: ClipAspectRatio, picture: ClipPicture = "testsrc", startImage?: Buffer) {
    const image = picture === "start_image" && startImage ? createHash("sha256").update(startImage).digest("hex") : "";
    const shown = picture === "start_image" && !startImage ? "testsrc" : picture;
    const key = `${aspectRatio.replace(":", "x")}-${seconds}s-${shown}${image ? `-${image.slice(0, 16)}` : ""}`;
    let rendered = this.clips.get(key);
    if (!rendered) {
      const file = join(this.workDir, `${this.prefix}-${key}.mp4`);
      const imageFile = join(this.workDir, `${this.prefix}-start-${image.slice(0, 16)}.img`);
      rendered = (image ? writeFile(imageFile, startImage ?? Buffer.alloc(0)) : Promise.resolve())
        .then(() => renderTestClip(file, seconds, aspectRatio, this.size, shown, imageFile))
        .then(() => file);
      this.clips.set(key, rendered);
    }
    return rendered;
  }
}
