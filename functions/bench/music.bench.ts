/**
 * The music bed on the demo's sample ad (its image, brief and 4 scenes of 4 s, local script, Flite voice
 * fitted to 16 s): what the finished mix measures (integrated loudness, true peak, the music's level under
 * the voice while it speaks) and the media time music adds, median of RUNS:
 *
 * - in the voice stage: the local pad synthesised and shaped to the video (a model's clip is only shaped);
 * - in the assembly: the bed ducked from the voice's timing, both stems measured over the speech, and the
 *   join with the bed mixed in against the join of the voice alone.
 *
 * Music touches only the sound, so the clips are small Ken Burns renders (270x480): the join copies them
 * either way. Run from functions/: npx tsx bench/music.bench.ts
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { assembleVideo } from "../src/media/assemble";
import { renderKenBurns } from "../src/media/kenBurns";
import { duckBed, measureUnderVoice, mixGain, shapeBed, synthesizePad } from "../src/media/musicBed";
import { synthesizeSpeech } from "../src/media/speech";
import { fitVoice } from "../src/media/voiceFit";
import { timeVoiceLines } from "../src/media/voiceTiming";
import { PipelineSettingsSchema } from "../src/pipelineSettings";
import { analyzeImage } from "../src/preflight/imageAnalysis";
import { decodeUpload } from "../src/preflight/imageFile";
import { describeImage } from "../src/script/imageFacts";
import { composeScript } from "../src/providers/local/localScript";
import { measureFinishedFile } from "../src/quality/measure";
import { SAMPLE_AD_INPUT } from "../test/support/samples";
import { median, timed } from "./measure";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IMAGE = join(__dirname, "..", "..", "scripts", "assets", "coffee-product.jpg");

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

async function main(): Promise<void> {
  console.log(`load average at start ${load()}`);
  const settings = PipelineSettingsSchema.parse({});
  const { qualityGate: gate, musicMix: mix } = settings;
  const sceneSeconds = 4;
  const dir = await mkdtemp(join(tmpdir(), "fairshot-music-bench-"));
  try {
    const dna = describeImage(await analyzeImage(await decodeUpload(await readFile(IMAGE))), SAMPLE_AD_INPUT);
    const script = composeScript(SAMPLE_AD_INPUT, dna, sceneSeconds, settings);
    if (!script) throw new Error("the sample ad's brief and names do not fill its length");
    const videoSec = script.scenes.reduce((sum, scene) => sum + scene.durationSec, 0);
    const raw = join(dir, "voice.wav");
    await writeFile(raw, (await synthesizeSpeech(script.voiceover)).wav);
    const voice = await fitVoice(
      { voiceWav: raw, videoSec, outFile: join(dir, "voice-fitted.wav"), silenceDb: gate.silenceDb },
      settings.voiceFit,
    );
    const timing = timeVoiceLines({ durationSec: videoSec, silences: voice.silences, scenes: script.scenes });
    const clips: string[] = [];
    for (const [i, scene] of script.scenes.entries()) {
      const clip = await renderKenBurns(
        {
          imageFile: IMAGE,
          outFile: join(dir, `clip${i}.mp4`),
          width: 270,
          height: 480,
          seconds: 4,
          motion: scene.motion,
        },
        gate,
      );
      clips.push(clip.file);
    }

    const voiceStage: number[] = [];
    const assemblyMusic: number[] = [];
    const joinWith: number[] = [];
    const joinWithout: number[] = [];
    let last: { lufs: number; peak: number; under: number; plainLufs: number; plainPeak: number } | undefined;
    for (let run = 0; run < RUNS; run++) {
      const bed = join(dir, `bed${run}.wav`);
      const [padMs] = await timed(async () => {
        const pad = await synthesizePad(join(dir, `pad${run}.wav`), videoSec);
        await shapeBed({ sourceFile: pad, durationSec: videoSec, outFile: bed }, mix);
      });
      voiceStage.push(padMs);
      const [duckMs, measured] = await timed(async () => {
        const ducked = await duckBed({ bedFile: bed, timing, outFile: join(dir, `ducked${run}.wav`) }, mix);
        const under = await measureUnderVoice({
          voiceFile: voice.file,
          musicFile: ducked.file,
          speaking: ducked.speaking,
        });
        const gain = await mixGain({ voiceFile: voice.file, musicFile: ducked.file }, settings.voiceFit);
        return { ducked, under, gain };
      });
      assemblyMusic.push(duckMs);
      // Alternated, so machine load hits both joins alike.
      const [plainMs, plain] = await timed(() =>
        assembleVideo({ clips, voiceWav: voice.file, outFile: join(dir, `plain${run}.mp4`) }),
      );
      const [mixedMs, mixed] = await timed(() =>
        assembleVideo({
          clips,
          voiceWav: voice.file,
          music: { wav: measured.ducked.file, gainDb: measured.gain.gainDb },
          outFile: join(dir, `ad${run}.mp4`),
        }),
      );
      joinWithout.push(plainMs);
      joinWith.push(mixedMs);
      const [withMusic, without] = await Promise.all([
        measureFinishedFile(mixed.file, gate),
        measureFinishedFile(plain.file, gate),
      ]);
      if (!withMusic.readable || !withMusic.audio || !without.readable || !without.audio) {
        throw new Error("an assembled ad could not be measured");
      }
      last = {
        lufs: withMusic.audio.integratedLufs,
        peak: withMusic.audio.truePeakDbtp,
        under: measured.under.underVoiceDb,
        plainLufs: without.audio.integratedLufs,
        plainPeak: without.audio.truePeakDbtp,
      };
    }
    if (!last) throw new Error("no run");
    const addedAssembly = median(assemblyMusic) + median(joinWith) - median(joinWithout);
    console.log(`\nThe sample ad (${script.scenes.length} scenes of ${sceneSeconds} s, ${videoSec} s), local pad:`);
    console.log("| measure | with music | voice alone |");
    console.log("|---|---|---|");
    console.log(`| integrated loudness | ${last.lufs.toFixed(1)} LUFS | ${last.plainLufs.toFixed(1)} LUFS |`);
    console.log(`| true peak | ${last.peak.toFixed(1)} dBTP | ${last.plainPeak.toFixed(1)} dBTP |`);
    console.log(`| music under the voice while it speaks | ${last.under.toFixed(1)} dB | - |`);
    console.log(`\nMedia time music adds (median of ${RUNS}, ms):`);
    console.log(`| voice stage: pad synthesised and shaped | ${median(voiceStage).toFixed(0)} |`);
    console.log(
      `| assembly: ducked, measured under the voice, mix gain measured | ${median(assemblyMusic).toFixed(0)} |`,
    );
    console.log(
      `| assembly: join with the bed / voice alone | ${median(joinWith).toFixed(0)} / ${median(joinWithout).toFixed(0)} |`,
    );
    console.log(`| assembly, added in all | ${addedAssembly.toFixed(0)} |`);
    console.log(`load average at end ${load()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
