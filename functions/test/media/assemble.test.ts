import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { assembleVideo, concatList } from "../../src/media/assemble";
import { renderKenBurns } from "../../src/media/kenBurns";
import { renderMotionClip } from "../../src/media/motionClip";
import { probeMedia } from "../../src/ffmpeg/probe";
import { synthesizeSpeech } from "../../src/media/speech";
import { COFFEE, GATE, withTempDir } from "./frames";

const SMALL = { width: 270, height: 480 };

async function twoClips(dir: string): Promise<string[]> {
  const kenBurns = await renderKenBurns(
    {
      imageFile: COFFEE,
      outFile: join(dir, "a.mp4"),
      ...SMALL,
      seconds: 1,
      motion: "zoom_in",
    },
    GATE,
  );
  const motion = await renderMotionClip(
    {
      imageFile: COFFEE,
      outFile: join(dir, "b.mp4"),
      ...SMALL,
      seconds: 2,
      motion: "pan_up",
      seed: 2,
    },
    GATE,
  );
  return [kenBurns.file, motion.file];
}

async function voice(dir: string, text: string): Promise<{ file: string; durationSec: number }> {
  const speech = await synthesizeSpeech(text);
  const file = join(dir, "voice.wav");
  await writeFile(file, speech.wav);
  return { file, durationSec: speech.durationSec };
}

describe("concatList", () => {
  it("quotes absolute paths and escapes single quotes", () => {
    expect(concatList(["/a/it's.mp4"])).toBe("ffconcat version 1.0\nfile '/a/it'\\''s.mp4'\n");
  });
});

describe("assembleVideo", () => {
  it("joins Ken Burns and motion clips and pads a short voice to the video's length", async () => {
    await withTempDir(async (dir) => {
      const clips = await twoClips(dir);
      const short = await voice(dir, "Hi.");
      expect(short.durationSec).toBeLessThan(3);
      const outFile = join(dir, "out.mp4");
      const result = await assembleVideo({ clips, voiceWav: short.file, outFile });
      expect(result.file).toBe(outFile);
      expect(result.durationSec).toBeCloseTo(3, 1);
      const info = await probeMedia(outFile);
      expect(info.video).toMatchObject({ codec: "h264", width: 270, height: 480, frames: 90 });
      expect(info.audio).toEqual({ codec: "aac", sampleRate: 48000 });
      expect(Math.abs(info.durationSec - 3)).toBeLessThan(0.05);
    });
  });

  it("cuts a long voice at the video's end", async () => {
    await withTempDir(async (dir) => {
      const clips = await twoClips(dir);
      const long = await voice(
        dir,
        "This voice over runs well past the end of the three second video it is laid under.",
      );
      expect(long.durationSec).toBeGreaterThan(4);
      const full = await assembleVideo({ clips, voiceWav: long.file, outFile: join(dir, "full.mp4") });
      expect(Math.abs(full.durationSec - 3)).toBeLessThan(0.05);
      const checked = await assembleVideo({ clips, voiceWav: long.file, outFile: join(dir, "c.mp4"), durationSec: 3 });
      expect(Math.abs(checked.durationSec - 3)).toBeLessThan(0.05);
    });
  });

  it("rejects a missing clip, a missing voice and clips of an unexpected length, with the reason", async () => {
    await withTempDir(async (dir) => {
      const clips = await twoClips(dir);
      const speech = await voice(dir, "Hello there.");
      const outFile = join(dir, "out.mp4");
      await expect(
        assembleVideo({ clips: [...clips, join(dir, "gone.mp4")], voiceWav: speech.file, outFile }),
      ).rejects.toThrow(/gone\.mp4: No such file or directory/);
      await expect(assembleVideo({ clips, voiceWav: join(dir, "nothing.wav"), outFile })).rejects.toThrow(
        /nothing\.wav: No such file or directory/,
      );
      await expect(assembleVideo({ clips, voiceWav: speech.file, outFile, durationSec: 4 })).rejects.toThrow(
        "the clips last 3 s, not the expected 4 s",
      );
      await expect(assembleVideo({ clips: [], voiceWav: speech.file, outFile })).rejects.toThrow(
        "no clips to assemble",
      );
    });
  });

  it("rejects clips of different sizes, which cannot be joined without re-encoding", async () => {
    await withTempDir(async (dir) => {
      const [first] = await twoClips(dir);
      const other = await renderKenBurns(
        {
          imageFile: COFFEE,
          outFile: join(dir, "c.mp4"),
          width: 480,
          height: 270,
          seconds: 1,
          motion: "pan_left",
        },
        GATE,
      );
      const speech = await voice(dir, "Hello there.");
      await expect(
        assembleVideo({ clips: [first, other.file], voiceWav: speech.file, outFile: join(dir, "o.mp4") }),
      ).rejects.toThrow(/is 480x270 at 30 fps, the first is 270x480 at 30 fps/);
    });
  });
});
