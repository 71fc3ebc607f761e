/**
 * Render time of one 5 s 1080x1920 clip: through renderKenBurns / renderMotionClip, the exact same
 * argv run as a plain spawn (the wrapper's overhead), and the argv without the picture detectors (their
 * cost in the encoding pass); renderKenBurns also checks the product on one frame. Cases alternate so
 * machine load hits them alike. Run from functions/: npx tsx bench/media.bench.ts
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { binaryPath } from "../src/ffmpeg/binaries";
import { frameSize, kenBurnsArgs, renderKenBurns } from "../src/media/kenBurns";
import { motionClipArgs, renderMotionClip } from "../src/media/motionClip";
import { PipelineSettingsSchema } from "../src/pipelineSettings";

const RUNS = 3;
const IMAGE = join(__dirname, "..", "test", "fixtures", "images", "coffee.png");

function plainSpawn(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}`))));
  });
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "fairshot-media-bench-"));
  const ffmpeg = await binaryPath("ffmpeg");
  const request = { imageFile: IMAGE, ...frameSize("9:16"), seconds: 5, motion: "zoom_in" as const };
  const gate = PipelineSettingsSchema.parse({}).qualityGate;
  const productCheckMs: number[] = [];
  const kenBurns = { ...request, outFile: join(dir, "kb-plain.mp4") };
  const motion = { ...request, outFile: join(dir, "mo-plain.mp4"), seed: 1 };
  const cases: Record<string, () => Promise<unknown>> = {
    renderKenBurns: async () => {
      const clip = await renderKenBurns({ ...request, outFile: join(dir, "kb.mp4") }, gate);
      productCheckMs.push(clip.measurements.product?.checkMs ?? Number.NaN);
    },
    "Ken Burns argv, plain spawn": () => plainSpawn(ffmpeg, kenBurnsArgs(kenBurns, gate)),
    "Ken Burns without detectors": () => plainSpawn(ffmpeg, kenBurnsArgs(kenBurns)),
    renderMotionClip: () => renderMotionClip({ ...request, outFile: join(dir, "mo.mp4"), seed: 1 }, gate),
    "motion argv, plain spawn": () => plainSpawn(ffmpeg, motionClipArgs(motion, gate)),
    "motion without detectors": () => plainSpawn(ffmpeg, motionClipArgs(motion)),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const [name, runCase] of Object.entries(cases)) times[name].push(await timed(runCase));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  console.log(`one 5 s 1080x1920 clip (150 frames), ${RUNS} runs each, ms`);
  console.log(["case".padEnd(30), "median".padStart(8), "min".padStart(8), "max".padStart(8)].join(""));
  for (const [name, values] of Object.entries(times)) {
    const cells = [median(values), Math.min(...values), Math.max(...values)].map((v) => v.toFixed(0).padStart(8));
    console.log(name.padEnd(30) + cells.join(""));
  }
  const ratio = (a: string, b: string) => (median(times[a]) / median(times[b])).toFixed(2);
  console.log(`renderKenBurns / plain spawn:      ${ratio("renderKenBurns", "Ken Burns argv, plain spawn")}`);
  console.log(`renderMotionClip / plain spawn:    ${ratio("renderMotionClip", "motion argv, plain spawn")}`);
  console.log(`motion clip / Ken Burns:           ${ratio("renderMotionClip", "renderKenBurns")}`);
  console.log(
    `Ken Burns detectors / without:     ${ratio("Ken Burns argv, plain spawn", "Ken Burns without detectors")}`,
  );
  console.log(`motion detectors / without:        ${ratio("motion argv, plain spawn", "motion without detectors")}`);
  console.log(`product check in renderKenBurns:   ${median(productCheckMs).toFixed(0)} ms (median)`);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
