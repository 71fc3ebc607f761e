/**
 * A scene's start frame on the local tier: the product photo in the run's frame as the scene's clip
 * shows it at its first instant. Ken Burns and the clip's product check fill the frame with the photo
 * (a cover crop, centred), so the start frame is that crop, written as a PNG of the frame's size.
 */
import { rm } from "node:fs/promises";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../ffmpeg/binaries";
import type { FrameSize } from "../contract/measurements";
import { coverFilter } from "./clip";
import { prepareStill } from "./still";

export async function renderStartFrame(imageFile: string, outFile: string, frame: FrameSize): Promise<string> {
  // ffmpeg sees only the render-safe copy of the upload, as every clip render does.
  const still = await prepareStill(imageFile, `${outFile}.still.png`);
  try {
    await runFfmpeg([
      ...FFMPEG_BATCH_OPTIONS,
      "-i",
      still.file,
      "-vf",
      `${coverFilter(frame.width, frame.height)},format=rgb24`,
      "-frames:v",
      "1",
      outFile,
    ]);
    return outFile;
  } finally {
    await rm(still.file, { force: true });
  }
}
