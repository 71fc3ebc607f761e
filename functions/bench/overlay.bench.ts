/**
 * Captions, title and end card on the demo's sample ad (its image, brief and 4 scenes of 4 s at
 * 1080x1920, local script, Flite voice fitted as the voice stage fits it), made as the local tier makes
 * it: local motion clips normalised to the frame, the overlay drawn in those same passes. Prints:
 *
 * - the added media work: the 4 normalising passes with and without the overlay (ffmpeg's own CPU time,
 *   `-benchmark`, which machine load hardly moves, and wall time), plus the gate's overlay measurement;
 * - caption timing: each card's start against where its first word really starts. The truth comes from
 *   the voice itself, not from the syllable estimate: the words before the card are spoken alone by the
 *   same voice, and where that speech ends (scaled by the fit's tempo) is where the card's first word
 *   follows, or the end of the measured pause that follows there;
 * - seconds of silence under each card, and the contrast the gate measured on every element;
 * - frames of the title, a caption and the end card as PNGs under docs/captions/.
 *
 * Run from functions/: npx tsx bench/overlay.bench.ts (or `npm run bench:captions` at the root).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { FFMPEG_BATCH_OPTIONS, runFfmpeg } from "../src/ffmpeg/binaries";
import { overlayPlan, sceneOverlay } from "../src/script/captions";
import { clipEncodingArgs, frameSize } from "../src/media/clip";
import { renderMotionClip } from "../src/media/motionClip";
import { normalizeEncoding, reframeAround, type NormalizeRequest } from "../src/media/normalize";
import { prepareOverlay, type DrawnOverlay } from "../src/media/overlay";
import { synthesizeSpeech, wavInfo } from "../src/media/speech";
import { fitVoice } from "../src/media/voiceFit";
import { timeVoiceLines } from "../src/media/voiceTiming";
import { assembleVideo } from "../src/media/assemble";
import { probeMedia } from "../src/ffmpeg/probe";
import { PipelineSettingsSchema } from "../src/pipelineSettings";
import { analyzeImage } from "../src/preflight/imageAnalysis";
import { decodeUpload } from "../src/preflight/imageFile";
import { describeImage } from "../src/script/imageFacts";
import { localClipShape } from "../src/providers/local/localVideo";
import { composeScript } from "../src/providers/local/localScript";
import { measureOverlay, overlayFailures, silenceUnderCard } from "../src/quality/overlayCheck";
import { adTexts } from "../src/messages";
import { SAMPLE_AD_INPUT } from "../test/support/samples";
import { median, timed } from "./measure";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IMAGE = join(__dirname, "..", "..", "scripts", "assets", "coffee-product.jpg");
const DOCS = join(__dirname, "..", "..", "docs", "captions");

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

/** One ffmpeg pass with -benchmark: its CPU time (user + system). */
async function cpuOf(args: string[]): Promise<number> {
  const info = args.map((arg, i) => (args[i - 1] === "-loglevel" ? "info" : arg));
  const { stderr } = await runFfmpeg(["-benchmark", ...info], { stderrChars: Infinity });
  const bench = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
  if (!bench) throw new Error("ffmpeg printed no -benchmark line");
  return (Number(bench[1]) + Number(bench[2])) * 1000;
}

/** Where speech ends in a WAV: the last sample above -40 dBFS (16-bit PCM mono). */
function speechEndSec(wav: Buffer): number {
  const info = wavInfo(wav);
  const threshold = 32768 * 10 ** (-40 / 20);
  const samples = info.dataBytes / 2;
  for (let i = samples - 1; i >= 0; i--) {
    if (Math.abs(wav.readInt16LE(info.dataOffset + i * 2)) > threshold) return i / info.sampleRate;
  }
  return 0;
}

async function main(): Promise<void> {
  console.log(`load average at start ${load()}`);
  const settings = PipelineSettingsSchema.parse({});
  const gate = settings.qualityGate;
  const dir = await mkdtemp(join(tmpdir(), "fairshot-overlay-bench-"));
  try {
    const dna = describeImage(await analyzeImage(await decodeUpload(await readFile(IMAGE))), SAMPLE_AD_INPUT);
    const script = composeScript(SAMPLE_AD_INPUT, dna, 4, settings);
    if (!script) throw new Error("the sample ad's brief and names do not fill its length");
    const frame = frameSize("9:16");
    const videoSec = script.scenes.reduce((sum, s) => sum + s.durationSec, 0);

    const speech = await synthesizeSpeech(script.voiceover);
    const voiceWav = join(dir, "voice.wav");
    await writeFile(voiceWav, speech.wav);
    const fitted = await fitVoice(
      { voiceWav, videoSec, outFile: join(dir, "voice-fitted.wav"), silenceDb: gate.silenceDb },
      settings.voiceFit,
    );
    const timing = timeVoiceLines({
      durationSec: videoSec,
      silences: fitted.silences,
      scenes: script.scenes.map((s) => ({ narration: s.narration, durationSec: s.durationSec })),
    });
    const plan = overlayPlan(
      {
        frame,
        headline: script.headline,
        productName: SAMPLE_AD_INPUT.productName,
        brandName: SAMPLE_AD_INPUT.brandName,
        callToAction: adTexts.defaultCallToAction,
        narrations: script.scenes.map((s) => s.narration),
        sceneSeconds: script.scenes.map((s) => s.durationSec),
        timing,
        brand: undefined,
        options: undefined,
      },
      settings.overlay,
    );

    const reframe = reframeAround(localClipShape(frame), frame, []);
    const requests: NormalizeRequest[] = [];
    const overlays: DrawnOverlay[] = [];
    let offset = 0;
    for (const [i, scene] of script.scenes.entries()) {
      const model = await renderMotionClip(
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
        inFile: model.file,
        outFile: join(dir, `scene${i}.mp4`),
        ...frame,
        seconds: scene.durationSec,
        imageFile: IMAGE,
      });
      const part = sceneOverlay(plan, { startSec: offset, endSec: offset + scene.durationSec });
      if (!part) throw new Error(`scene ${i + 1} has nothing to draw`);
      overlays.push(await prepareOverlay(part, join(dir, `scene${i}`)));
      offset += scene.durationSec;
    }

    const cpu = { off: [] as number[], on: [] as number[] };
    const wall = { off: [] as number[], on: [] as number[] };
    for (let run = 0; run < RUNS; run++) {
      for (const on of [false, true]) {
        const [ms, cpuMs] = await timed(async () => {
          let sum = 0;
          for (const [i, req] of requests.entries()) {
            const encoding = normalizeEncoding(
              { ...req, outFile: on ? req.outFile : join(dir, `plain${i}.mp4`), ...(on && { overlay: overlays[i] }) },
              reframe,
            );
            sum += await cpuOf(clipEncodingArgs(encoding, gate));
          }
          return sum;
        });
        (on ? cpu.on : cpu.off).push(cpuMs);
        (on ? wall.on : wall.off).push(ms);
      }
    }
    const ad = join(dir, "ad.mp4");
    await assembleVideo({ clips: requests.map((r) => r.outFile), voiceWav: fitted.file, outFile: ad });
    const measureMs: number[] = [];
    let measured = await measureOverlay(ad, plan, timing);
    for (let run = 0; run < RUNS; run++) {
      const [ms, m] = await timed(() => measureOverlay(ad, plan, timing));
      measureMs.push(ms);
      measured = m;
    }
    const failures = overlayFailures(plan, measured, settings.overlay, true);
    const probe = await probeMedia(ad);

    // Caption timing against the voice itself.
    const words = plan.words;
    const cards = plan.elements.filter((e) => e.kind === "caption");
    const errors: number[] = [];
    const rows: string[] = [];
    let wordIndex = 0;
    for (const card of cards) {
      const n = card.lines
        .map((l) => l.text)
        .join(" ")
        .split(" ").length;
      const before = words.slice(0, wordIndex).map((w) => w.text);
      wordIndex += n;
      let truth: number;
      if (before.length === 0) truth = timing.speech?.startSec ?? 0;
      else {
        const alone = await synthesizeSpeech(before.join(" "));
        const endsAt = speechEndSec(alone.wav) / fitted.tempo;
        // The measured pause that starts where the preceding words end, if any: the word follows it.
        const pause = fitted.silences.find((s) => Math.abs(s.startSec - endsAt) < 0.15 && s.endSec < videoSec - 0.05);
        truth = pause ? pause.endSec : endsAt;
      }
      const error = (card.wordsStartSec ?? card.startSec) - truth;
      errors.push(Math.abs(error));
      rows.push(
        `  ${card.startSec.toFixed(2).padStart(6)}-${card.endSec.toFixed(2).padEnd(6)} ${`"${card.lines.map((l) => l.text).join(" / ")}"`.padEnd(44)}` +
          ` words at ${truth.toFixed(2)} s, off ${error >= 0 ? "+" : ""}${error.toFixed(2)} s, silence under it ${silenceUnderCard(card, fitted.silences).toFixed(2)} s`,
      );
    }

    await mkdir(DOCS, { recursive: true });
    const title = plan.elements.find((e) => e.kind === "title")!;
    const caption = cards[Math.min(2, cards.length - 1)];
    const end = plan.endCard!;
    for (const [name, at] of [
      ["title", (title.startSec + title.endSec) / 2],
      ["caption", (caption.startSec + caption.endSec) / 2],
      ["end-card", (end.startSec + end.endSec) / 2],
    ] as const) {
      await runFfmpeg([
        ...FFMPEG_BATCH_OPTIONS,
        ...["-ss", at.toFixed(3), "-i", ad, "-frames:v", "1", "-vf", "scale=540:-1", join(DOCS, `${name}.png`)],
      ]);
    }

    const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
    console.log(`Sample ad: "${script.voiceover}"`);
    console.log(
      `  ${probe.video?.width}x${probe.video?.height}, ${probe.durationSec.toFixed(2)} s, tempo ${fitted.tempo.toFixed(3)}`,
    );
    console.log(`Caption cards (${cards.length}):`);
    for (const row of rows) console.log(row);
    console.log(
      `caption start against its words: median ${median(errors).toFixed(3)} s, max ${Math.max(...errors).toFixed(3)} s (goal: median <= 0.15 s)`,
    );
    console.log(
      `most silence under one card: ${measured.worstCardSilenceSec.toFixed(2)} s (goal: none over 0.5 s); spoken time captioned ${((measured.speechCovered ?? 0) * 100).toFixed(0)}%`,
    );
    console.log("contrast measured on the finished ad (text : what touches it):");
    for (const e of measured.elements) {
      console.log(
        `  ${e.kind.padEnd(15)} at ${e.atSec.toFixed(2)} s  ${e.contrast?.toFixed(2) ?? "-"}:1  ${e.textPixels} text pixels`,
      );
    }
    console.log(`gate verdict on the overlay: ${failures.length === 0 ? "passed" : JSON.stringify(failures)}`);
    console.log(
      `4 normalising passes, ffmpeg CPU, median of ${RUNS}: off ${median(cpu.off).toFixed(0)} ms, on ${median(cpu.on).toFixed(0)} ms (+${pct(median(cpu.on), median(cpu.off))})`,
    );
    console.log(
      `  wall: off ${median(wall.off).toFixed(0)} ms, on ${median(wall.on).toFixed(0)} ms (+${pct(median(wall.on), median(wall.off))})`,
    );
    console.log(`gate's overlay measurement: ${median(measureMs).toFixed(0)} ms (median of ${RUNS})`);
    console.log(`frames written to ${DOCS}`);
    console.log(`load average at end ${load()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
