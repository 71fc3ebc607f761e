/**
 * The output quality gate's cost per finished video, on the demo's sample ad (its image, brief and
 * 4 scenes of 4 s at 1080x1920, local script, Flite voice), made as the local tier makes it: the local
 * motion clips (720x1280 at 24 fps, like a model's) normalised to the frame, which is where their
 * picture is measured. Prints the ad's measurements (for the README) and median times over RUNS:
 *
 * - the clip-encode overhead of the picture detectors: the 4 normalising passes with and without them,
 *   in wall time and in ffmpeg's own CPU time (`-benchmark`), which machine load hardly moves;
 * - the gate (packet count + audio pass + the clips' measurements joined) against the assembly
 *   (fit voice + stream-copy join), and one plain decode of the ad for scale (what the gate no longer does).
 *
 * Cases alternate within each run so machine load hits them alike. Run from functions/:
 * npx tsx bench/qualityGate.bench.ts
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { assembleVideo } from "../src/media/assemble";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../src/ffmpeg/binaries";
import { CLIP_FPS, clipEncodingArgs, frameSize } from "../src/media/clip";
import type { ClipMeasurements } from "../src/contract/measurements";
import { renderMotionClip } from "../src/media/motionClip";
import { normalizeEncoding, reframeAround, type NormalizeRequest } from "../src/media/normalize";
import { synthesizeSpeech } from "../src/media/speech";
import { fitVoice } from "../src/media/voiceFit";
import { PipelineSettingsSchema } from "../src/pipelineSettings";
import { analyzeImage } from "../src/preflight/imageAnalysis";
import { decodeUpload } from "../src/preflight/imageFile";
import { describeImage } from "../src/script/imageFacts";
import { localClipShape } from "../src/providers/local/localVideo";
import { composeScript } from "../src/providers/local/localScript";
import { checkFinishedVideo, type QualityCheck } from "../src/quality/gate";
import { pictureFromLog } from "../src/quality/measure";
import { voiceTiming } from "../src/quality/verdict";
import { SAMPLE_AD_INPUT } from "../test/support/samples";
import { median, timed } from "./measure";

const RUNS = 5;
const IMAGE = join(__dirname, "..", "..", "scripts", "assets", "coffee-product.jpg");

/** Runs an ffmpeg pass with -benchmark: its log, and the CPU time (user + system) it reports. */
async function benchmarked(args: string[]): Promise<{ log: string; cpuMs: number }> {
  // The bench line is printed at info level.
  const info = args.map((arg, i) => (args[i - 1] === "-loglevel" ? "info" : arg));
  const { stderr } = await runFfmpeg(["-benchmark", ...info], { stderrChars: Infinity });
  const bench = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
  if (!bench) throw new Error("ffmpeg printed no -benchmark line");
  return { log: stderr, cpuMs: (Number(bench[1]) + Number(bench[2])) * 1000 };
}
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

async function main(): Promise<void> {
  console.log(`load average at start ${load()}`);
  const settings = PipelineSettingsSchema.parse({});
  const gate = settings.qualityGate;
  const sceneSeconds = 4;
  const dir = await mkdtemp(join(tmpdir(), "fairshot-gate-bench-"));
  try {
    const dna = describeImage(await analyzeImage(await decodeUpload(await readFile(IMAGE))), SAMPLE_AD_INPUT);
    const script = composeScript(SAMPLE_AD_INPUT, dna, sceneSeconds, settings);
    if (!script) throw new Error("the sample ad's brief and names do not fill its length");
    const frame = frameSize("9:16");
    const requests: NormalizeRequest[] = [];
    // The local model's clips have the frame's shape: scaled, nothing cut.
    const reframe = reframeAround(localClipShape(frame), frame, []);
    const [modelClipsMs] = await timed(async () => {
      for (const [i, scene] of script.scenes.entries()) {
        const modelClip = await renderMotionClip(
          {
            imageFile: IMAGE,
            outFile: join(dir, `model${i}.mp4`),
            ...localClipShape(frame),
            seconds: scene.durationSec,
            motion: scene.motion,
            seed: i,
          },
          gate,
        );
        requests.push({
          inFile: modelClip.file,
          outFile: join(dir, `scene${i}.mp4`),
          ...frame,
          seconds: scene.durationSec,
          imageFile: IMAGE,
        });
      }
    });
    const voiceWav = join(dir, "voice.wav");
    const [speechMs, speech] = await timed(() => synthesizeSpeech(script.voiceover));
    await writeFile(voiceWav, speech.wav);
    const videoSec = script.scenes.length * sceneSeconds;
    const promised = { ...frame, fps: CLIP_FPS, durationSec: videoSec };

    const encodeOnlyMs: number[] = [];
    const measuredMs: number[] = [];
    const encodeOnlyCpuMs: number[] = [];
    const measuredCpuMs: number[] = [];
    const assemblyMs: number[] = [];
    const gateMs: number[] = [];
    const decodeMs: number[] = [];
    let clips: ClipMeasurements[] = [];
    let check: QualityCheck | undefined;
    const ad = join(dir, "ad.mp4");
    for (let run = 0; run < RUNS; run++) {
      const [plain, plainCpu] = await timed(async () => {
        let cpu = 0;
        for (const req of requests) {
          cpu += (
            await benchmarked(clipEncodingArgs(normalizeEncoding({ ...req, outFile: join(dir, "plain.mp4") }, reframe)))
          ).cpuMs;
        }
        return cpu;
      });
      encodeOnlyMs.push(plain);
      encodeOnlyCpuMs.push(plainCpu);
      const [measured, passes] = await timed(async () => {
        const done = [];
        for (const req of requests) {
          const encoding = normalizeEncoding(req, reframe);
          const pass = await benchmarked(clipEncodingArgs(encoding, gate));
          done.push({ ...pass, picture: pictureFromLog(pass.log, { ...encoding.frame, fps: encoding.plan.fps }) });
        }
        return done;
      });
      measuredMs.push(measured);
      measuredCpuMs.push(passes.reduce((sum, pass) => sum + pass.cpuMs, 0));
      clips = passes.map(({ picture }) => ({ picture }));
      const [assembly] = await timed(async () => {
        const fitted = await fitVoice(
          { voiceWav, videoSec, outFile: join(dir, "voice-fitted.wav"), silenceDb: gate.silenceDb },
          settings.voiceFit,
        );
        await assembleVideo({ clips: requests.map((r) => r.outFile), voiceWav: fitted.file, outFile: ad });
      });
      assemblyMs.push(assembly);
      const [gateRun, result] = await timed(() => checkFinishedVideo(ad, clips, promised, gate));
      gateMs.push(gateRun);
      check = result;
      const [decode] = await timed(() => runFfmpeg([...FFMPEG_BATCH_OPTIONS, "-i", ad, "-f", "null", "-"]));
      decodeMs.push(decode);
    }
    if (!check?.measurements.readable || !check.measurements.video || !check.measurements.audio) {
      throw new Error(`the sample ad could not be measured: ${JSON.stringify(check)}`);
    }
    const { video, audio, containerDurationSec } = check.measurements;
    const timing = voiceTiming(audio, video.pictureDurationSec);
    console.log(`Sample ad: "${script.voiceover}" (${script.voiceover.split(/\s+/).length} words)`);
    console.log(`  verdict            ${check.verdict.passed ? "passed" : JSON.stringify(check.verdict.failures)}`);
    console.log(`  duration           ${video.pictureDurationSec.toFixed(2)} s (container ${containerDurationSec} s)`);
    console.log(`  size, fps          ${video.width}x${video.height}, ${video.fps} fps, ${video.frames} frames`);
    console.log(
      `  voice coverage     ${(timing.coverage * 100).toFixed(0)}%, silent tail ${timing.tailSec.toFixed(2)} s`,
    );
    console.log(`  loudness           ${audio.integratedLufs} LUFS integrated, true peak ${audio.truePeakDbtp} dBTP`);
    console.log(`  black / frozen     ${video.black.length} / ${video.frozen.length} stretches`);
    console.log("");
    const row = (label: string, ms: number) => console.log(`${label.padEnd(52)}${ms.toFixed(0).padStart(8)} ms`);
    const pct = (label: string, share: number) =>
      console.log(`${label.padEnd(52)}${(share * 100).toFixed(1).padStart(8)} %`);
    const assembly = median(assemblyMs);
    const gateCost = median(gateMs);
    const encodeOnly = median(encodeOnlyMs);
    const measured = median(measuredMs);
    row("4 local model clips, 720x1280 (once)", modelClipsMs);
    row("voice synthesis (once)", speechMs);
    row(`4 normalising passes, encode only (median of ${RUNS})`, encodeOnly);
    row(`4 normalising passes with picture detectors (median)`, measured);
    pct("clip-encode overhead of the detectors, wall", (measured - encodeOnly) / encodeOnly);
    const [cpuPlain, cpuMeasured] = [median(encodeOnlyCpuMs), median(measuredCpuMs)];
    row("  the same, ffmpeg CPU time: encode only", cpuPlain);
    row("  with picture detectors", cpuMeasured);
    pct("clip-encode overhead of the detectors, CPU", (cpuMeasured - cpuPlain) / cpuPlain);
    row(`assembly: fit voice + join (median of ${RUNS})`, assembly);
    row(`quality gate: packets + audio pass + join (median)`, gateCost);
    pct("gate / assembly (goal < 10 %)", gateCost / assembly);
    row(`one full decode of the ad, for scale (median)`, median(decodeMs));
    console.log(`load average at end ${load()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
