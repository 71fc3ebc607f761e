/**
 * A composed voice-over as the pipeline would ship it, without the picture: the local composer's script,
 * Flite's voice, the voice fit to the video's length, the quality gate's audio pass and its voice verdict.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunInput, VisualDna } from "../../src/contract/run";
import { synthesizeSpeech } from "../../src/media/speech";
import { fitVoice } from "../../src/media/voiceFit";
import type { PipelineSettings } from "../../src/pipelineSettings";
import { composeScript } from "../../src/providers/local/localScript";
import { measureFinishedFile } from "../../src/quality/measure";
import { voiceFailures } from "../../src/quality/verdict";
import type { QualityFailure } from "../../src/contract/quality";
import { speechSeconds } from "../../src/script/syllables";

export interface VoiceoverTrial {
  voiceover: string;
  videoSec: number;
  /** Where the syllable estimate says the voice stops, and where Flite's voice really stops. */
  estimatedSec: number;
  spokenSec: number;
  tempo: number;
  /** Silence at the end of the fitted voice, as the gate measures it. */
  tailSec: number;
  failures: QualityFailure[];
}

/** Where the voice in a raw WAV stops: the start of the silence that reaches its end (the gate's measure). */
async function voiceEnd(file: string, settings: PipelineSettings): Promise<{ endSec: number; durationSec: number }> {
  const measured = await measureFinishedFile(file, settings.qualityGate);
  if (!measured.readable || !measured.audio) throw new Error(`unreadable voice ${file}`);
  // The audio pass reports no progress time for a file without picture: the container's length is it.
  const durationSec = measured.containerDurationSec;
  const { silences } = measured.audio;
  const last = silences.find((s) => s.end >= durationSec - 0.05 && s.start < durationSec);
  return { endSec: last ? last.start : durationSec, durationSec };
}

export async function voiceoverTrial(
  input: RunInput,
  dna: VisualDna,
  settings: PipelineSettings,
): Promise<VoiceoverTrial | null> {
  const script = composeScript(input, dna, settings.sceneSeconds, settings);
  if (!script) return null;
  const videoSec = input.scenes * settings.sceneSeconds;
  const dir = await mkdtemp(join(tmpdir(), "fairshot-voiceover-"));
  try {
    const raw = join(dir, "voice.wav");
    await writeFile(raw, (await synthesizeSpeech(script.voiceover)).wav);
    const fitted = await fitVoice(
      { voiceWav: raw, videoSec, outFile: join(dir, "fitted.wav"), silenceDb: settings.qualityGate.silenceDb },
      settings.voiceFit,
    );
    const measured = await measureFinishedFile(fitted.file, settings.qualityGate);
    if (!measured.readable) throw new Error(`unreadable fitted voice: ${measured.error}`);
    const { endSec } = await voiceEnd(raw, settings);
    const fittedEnd = await voiceEnd(fitted.file, settings);
    return {
      voiceover: script.voiceover,
      videoSec,
      estimatedSec: speechSeconds(script.voiceover, settings.voiceFit),
      spokenSec: endSec,
      tempo: fitted.tempo,
      tailSec: videoSec - fittedEnd.endSec,
      failures: voiceFailures(measured.audio, videoSec, settings.qualityGate),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
