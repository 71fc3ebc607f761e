/**
 * The music bed of a run, in its chain: the cloud music models first, then the project's own pad, then
 * none, recorded as none. Music is an addition to the ad, never its substance: a bed that cannot be made
 * leaves the voice alone, it does not fail the run. What served, and every attempt, is recorded on the run.
 */
import path from "node:path";
import { writeFile } from "node:fs/promises";
import { objects } from "../contract/paths";
import type { MixedMusicRecord, MusicRecord } from "../contract/music";
import type { Attempt, VisualDna } from "../contract/run";
import type { RunDocument } from "../contract/runDocument";
import type { VoiceTiming } from "../contract/voice";
import { LOCAL_MUSIC_MODEL } from "../media/musicBed";
import { MusicChainExhausted } from "../models/music";
import type { MixedMusic } from "../media/assemble";
import type { VoiceFitTarget } from "../media/voiceFit";
import type { MusicMix } from "../pipelineSettings";
import type { CallContext } from "../contract/providers";
import type { ObjectStore } from "../storage/objectStore";
import type { MusicMixer, PipelineDeps } from "./deps";

/** On unless the customer switched it off, in the brand kit or for this run. */
export function musicWanted(run: Pick<RunDocument, "options" | "brand">): boolean {
  return run.options?.music !== false && run.brand?.music !== false;
}

/** What the bed should feel like: the mood and light the Visual DNA found in the product photo. */
export function musicMood(dna: VisualDna | undefined): string {
  return dna ? `${dna.mood}, ${dna.lighting}` : "calm and warm";
}

const MAX_ERROR_CHARS = 300;
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_CHARS);

export interface ComposeMusicRequest {
  runId: string;
  run: RunDocument;
  ctx: CallContext;
  videoSec: number;
  /** A folder of the stage's workspace. */
  dir: string;
}

/**
 * Makes the run's bed at the video's length and stores it; returns the record. Only storing the bed can
 * throw (the stage is retried then); a source that cannot deliver is the next source's turn.
 */
export async function composeMusic(
  req: ComposeMusicRequest,
  deps: Pick<PipelineDeps, "music" | "musicMixer" | "store">,
  mix: MusicMix,
): Promise<MusicRecord> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  if (!musicWanted(req.run)) return { source: "none", reason: "switched_off", attempts: [], durationMs: 0 };
  const bedFile = path.join(req.dir, "music-bed.wav");
  const stored = objects.music(req.runId);
  const attempts: Attempt[] = [];

  if (deps.music) {
    const served = await deps.music.compose({ mood: musicMood(req.run.dna) }, req.ctx).catch((error: unknown) => {
      if (!(error instanceof MusicChainExhausted)) throw error;
      attempts.push(...error.attempts);
      return undefined;
    });
    if (served) {
      const delivered = path.join(req.dir, "music-model.wav");
      await writeFile(delivered, served.value.wav);
      const shaped = await shapeOrWhy(deps.musicMixer, delivered, req.videoSec, bedFile, mix);
      if (shaped === null) {
        await deps.store.upload(bedFile, stored, "audio/wav");
        return {
          source: "model",
          model: served.model,
          tier: served.tier,
          attempts: served.attempts,
          audio: stored,
          durationMs: elapsed(),
        };
      }
      // The model answered, but with music that cannot be a bed (silent once measured): its attempt says so.
      const last = served.attempts.at(-1);
      attempts.push(...served.attempts.slice(0, -1));
      if (last) attempts.push({ ...last, errorClass: "invalid_output", error: shaped });
    }
  }

  const padStarted = Date.now();
  const padFailure = await deps.musicMixer
    .synthesizePad(path.join(req.dir, "music-pad.wav"), req.videoSec)
    .then((pad) => shapeOrWhy(deps.musicMixer, pad, req.videoSec, bedFile, mix))
    .catch(describe);
  const padAttempt: Attempt = {
    model: LOCAL_MUSIC_MODEL,
    tier: "local",
    errorClass: padFailure === null ? null : "unknown",
    ...(padFailure !== null && { error: padFailure }),
    durationMs: Date.now() - padStarted,
  };
  attempts.push(padAttempt);
  if (padFailure !== null) return { source: "none", reason: "unavailable", attempts, durationMs: elapsed() };
  await deps.store.upload(bedFile, stored, "audio/wav");
  return { source: "local", model: LOCAL_MUSIC_MODEL, tier: "local", attempts, audio: stored, durationMs: elapsed() };
}

/** Shapes the music into the bed; null when it worked, otherwise why not. */
async function shapeOrWhy(
  mixer: MusicMixer,
  sourceFile: string,
  durationSec: number,
  outFile: string,
  mix: MusicMix,
): Promise<string | null> {
  try {
    await mixer.shapeBed({ sourceFile, durationSec, outFile }, mix);
    return null;
  } catch (error) {
    return describe(error);
  }
}

/**
 * The run's bed ducked under its fitted voice, measured while the voice speaks; undefined when the run has
 * no bed (none, or recorded before music existed). `faultUnducked` replays a mix that forgot to duck.
 */
export async function duckedMusic(
  req: {
    music: MusicRecord | undefined;
    timing: Pick<VoiceTiming, "speech" | "silences">;
    voiceFile: string;
    dir: string;
    faultUnducked: boolean;
  },
  deps: { musicMixer: MusicMixer; store: ObjectStore },
  settings: { mix: MusicMix; fit: VoiceFitTarget },
): Promise<{ music: MixedMusic; record: MixedMusicRecord } | undefined> {
  const { mix } = settings;
  const music = req.music;
  if (!music || music.source === "none") return undefined;
  const bedFile = path.join(req.dir, "music-bed.wav");
  await deps.store.download(music.audio, bedFile);
  const ducked = await deps.musicMixer.duckBed(
    { bedFile, timing: req.timing, outFile: path.join(req.dir, "music-ducked.wav") },
    req.faultUnducked ? { ...mix, duckDb: 0 } : mix,
  );
  if (ducked.speaking.length === 0) {
    // A voice that never speaks has nothing to measure the music under (the gate fails it as silent), and
    // a mix of the bed alone is not raised to the voice's loudness.
    const nothing = { voiceLufs: null, musicLufs: null, underVoiceDb: null, speakingSec: 0 };
    return { music: { wav: ducked.file, gainDb: 0 }, record: { source: music.source, ...nothing, mixGainDb: 0 } };
  }
  const { gainDb } = await deps.musicMixer.mixGain({ voiceFile: req.voiceFile, musicFile: ducked.file }, settings.fit);
  const mixed = { wav: ducked.file, gainDb };
  const under = await deps.musicMixer.measureUnderVoice({
    voiceFile: req.voiceFile,
    musicFile: ducked.file,
    speaking: ducked.speaking,
  });
  return { music: mixed, record: { source: music.source, ...under, mixGainDb: gainDb } };
}
