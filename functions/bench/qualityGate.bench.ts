/**
 * The output quality gate's cost per finished video against the assembly it follows, on the demo's
 * sample ad (its image, brief and 4 scenes of 4 s at 1080x1920, local script, Flite voice). Prints the
 * ad's measurements (for the README) and median times over RUNS, alternating assembly and gate so
 * machine load hits both alike. Run from functions/: npx tsx bench/qualityGate.bench.ts
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { assembleVideo } from "../src/media/assemble";
import { CLIP_FPS, frameSize } from "../src/media/clip";
import { renderMotionClip } from "../src/media/motionClip";
import { synthesizeSpeech } from "../src/media/speech";
import { fitVoice } from "../src/media/voiceFit";
import { PipelineSettingsSchema } from "../src/pipelineSettings";
import { analyzeImage } from "../src/preflight/imageAnalysis";
import { decodeUpload } from "../src/preflight/imageFile";
import { describeImage } from "../src/providers/local/imageFacts";
import { composeScript } from "../src/providers/local/localScript";
import { checkFinishedVideo } from "../src/quality/gate";
import { voiceTiming } from "../src/quality/verdict";
import { SAMPLE_AD_INPUT } from "../test/support/samples";

const RUNS = 5;
const IMAGE = join(__dirname, "..", "..", "scripts", "assets", "coffee-product.jpg");

async function timed<T>(run: () => Promise<T>): Promise<[number, T]> {
  const started = process.hrtime.bigint();
  const value = await run();
  return [Number(process.hrtime.bigint() - started) / 1e6, value];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const settings = PipelineSettingsSchema.parse({});
  const sceneSeconds = 4;
  const dir = await mkdtemp(join(tmpdir(), "fairshot-gate-bench-"));
  try {
    const dna = describeImage(await analyzeImage(await decodeUpload(await readFile(IMAGE))), SAMPLE_AD_INPUT);
    const script = composeScript(SAMPLE_AD_INPUT, dna, sceneSeconds, settings.voiceFit);
    const frame = frameSize("9:16");
    const clips: string[] = [];
    const [renderMs] = await timed(async () => {
      for (const [i, scene] of script.scenes.entries()) {
        const clip = await renderMotionClip({
          imageFile: IMAGE,
          outFile: join(dir, `scene${i}.mp4`),
          ...frame,
          seconds: scene.durationSec,
          motion: scene.motion,
          seed: i,
        });
        clips.push(clip.file);
      }
    });
    const voiceWav = join(dir, "voice.wav");
    const [speechMs, speech] = await timed(() => synthesizeSpeech(script.voiceover));
    await writeFile(voiceWav, speech.wav);
    const videoSec = script.scenes.length * sceneSeconds;
    const promised = { ...frame, fps: CLIP_FPS, durationSec: videoSec };

    const assemblyMs: number[] = [];
    const gateMs: number[] = [];
    let check;
    for (let run = 0; run < RUNS; run++) {
      const [ms] = await timed(async () => {
        const fitted = await fitVoice(
          { voiceWav, videoSec, outFile: join(dir, "voice-fitted.wav") },
          settings.voiceFit,
        );
        await assembleVideo({ clips, voiceWav: fitted.file, outFile: join(dir, "ad.mp4") });
      });
      assemblyMs.push(ms);
      const [gate, result] = await timed(() => checkFinishedVideo(join(dir, "ad.mp4"), promised, settings.qualityGate));
      gateMs.push(gate);
      check = result;
    }
    if (!check?.measurements.readable || !check.measurements.video || !check.measurements.audio) {
      throw new Error(`the sample ad could not be measured: ${JSON.stringify(check)}`);
    }
    const { video, audio, containerDurationSec } = check.measurements;
    const timing = voiceTiming(audio, video.decodedDurationSec);
    console.log(`Sample ad: "${script.voiceover}" (${script.voiceover.split(/\s+/).length} words)`);
    console.log(`  verdict            ${check.verdict.passed ? "passed" : JSON.stringify(check.verdict.failures)}`);
    console.log(`  duration           ${video.decodedDurationSec.toFixed(2)} s (container ${containerDurationSec} s)`);
    console.log(`  size, fps          ${video.width}x${video.height}, ${video.fps} fps, ${video.frames} frames`);
    console.log(
      `  voice coverage     ${(timing.coverage * 100).toFixed(0)}%, silent tail ${timing.tailSec.toFixed(2)} s`,
    );
    console.log(`  loudness           ${audio.integratedLufs} LUFS integrated, true peak ${audio.truePeakDbtp} dBTP`);
    console.log(`  black / frozen     ${video.black.length} / ${video.frozen.length} stretches`);
    console.log("");
    const assembly = median(assemblyMs);
    const gate = median(gateMs);
    const row = (label: string, ms: number) => console.log(`${label.padEnd(44)}${ms.toFixed(0).padStart(8)} ms`);
    row("4 scene renders (once)", renderMs);
    row("voice synthesis (once)", speechMs);
    row(`assembly: fit voice + join (median of ${RUNS})`, assembly);
    row(`quality gate: ffprobe + analysis (median of ${RUNS})`, gate);
    console.log(`gate / assembly                             ${((gate / assembly) * 100).toFixed(0).padStart(8)} %`);
    const mediaWork = renderMs + speechMs + assembly;
    console.log(`gate / all media work of the run            ${((gate / mediaWork) * 100).toFixed(1).padStart(8)} %`);
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
