import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { FFMPEG_BATCH_OPTIONS, MediaToolError, binaryPath, runFfmpeg, runFfprobe } from "../../src/ffmpeg/binaries";
import { probeMedia } from "../../src/ffmpeg/probe";
import { COFFEE } from "./frames";

describe("media binaries", () => {
  it("resolves runnable ffmpeg and ffprobe", async () => {
    for (const tool of ["ffmpeg", "ffprobe"] as const) {
      await expect(access(await binaryPath(tool), constants.X_OK)).resolves.toBeUndefined();
    }
    const { stdout } = await runFfprobe(["-version"]);
    expect(stdout).toMatch(/^ffprobe version/);
  });

  it("rejects a failing command with the exit code and ffmpeg's reason", async () => {
    const failure = runFfmpeg([...FFMPEG_BATCH_OPTIONS, "-i", "/nonexistent/in.png", "/tmp/never.mp4"]);
    await expect(failure).rejects.toBeInstanceOf(MediaToolError);
    await expect(failure).rejects.toMatchObject({
      exitCode: 1,
      timedOut: false,
      message: expect.stringMatching(/^ffmpeg exited with code 1: .*in\.png: No such file or directory/),
    });
  });

  it("kills a command that runs past its timeout", async () => {
    const endless = [...FFMPEG_BATCH_OPTIONS, "-f", "lavfi", "-i", "nullsrc=s=64x64", "-f", "null", "-"];
    const started = Date.now();
    await expect(runFfmpeg(endless, { timeoutMs: 300 })).rejects.toMatchObject({
      timedOut: true,
      message: expect.stringMatching(/^ffmpeg timed out after 300 ms and was killed/),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("probe rejects a file without a duration, and one that is not media", async () => {
    await expect(probeMedia(COFFEE)).rejects.toThrow(/has no duration/);
    await expect(probeMedia(__filename)).rejects.toThrow(/ffprobe exited with code 1/);
  });
});
