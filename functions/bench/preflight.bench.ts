/**
 * Preflight timing: cold start (tfjs-wasm + Tiny detector load + first image) and warm
 * per-image preflight of a 1080x1920 JPEG made from coffee.png, plus peak RSS.
 * Run from functions/: npx tsx bench/preflight.bench.ts
 */
import { readFileSync } from "fs";
import os from "os";
import path from "path";
import sharp from "sharp";
import { LocalFaceDetector } from "../src/preflight/faces";
import { analyzeImage } from "../src/preflight/imageAnalysis";
import { decodeUpload } from "../src/preflight/imageFile";
import { preflightImageCheck } from "../src/preflight/preflightImageCheck";

const WARM_RUNS = 20;
const fixture = (name: string) => readFileSync(path.join(__dirname, "..", "test", "fixtures", "images", name));

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await work();
  return [performance.now() - start, result];
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function main() {
  const portrait = await sharp(fixture("coffee.png"))
    .resize(1080, 1920, { fit: "cover" })
    .jpeg({ quality: 85 })
    .toBuffer();
  const detector = new LocalFaceDetector();
  const [coldMs, coldReport] = await timed(() => preflightImageCheck(portrait, { detector }));

  const rows: [string, number[]][] = [
    ["preflightImageCheck (total)", []],
    ["  decodeUpload", []],
    ["  analyzeImage", []],
    ["  LocalFaceDetector.detect", []],
  ];
  // CPU time does not grow when other processes share the cores, unlike wall time.
  const cpuMsPerRun: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    const cpuBefore = process.cpuUsage();
    rows[0][1].push((await timed(() => preflightImageCheck(portrait, { detector })))[0]);
    const cpu = process.cpuUsage(cpuBefore);
    cpuMsPerRun.push((cpu.user + cpu.system) / 1000);
    const [decodeMs, image] = await timed(() => decodeUpload(portrait));
    rows[1][1].push(decodeMs);
    rows[2][1].push((await timed(() => analyzeImage(image)))[0]);
    rows[3][1].push((await timed(() => detector.detect(image)))[0]);
  }

  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `preflight bench: ${os.cpus().length} cores, node ${process.version}, input 1080x1920 JPEG ${(portrait.length / 1024).toFixed(0)} KiB`,
  );
  console.log(
    `cold start (model load + first image): ${coldMs.toFixed(0)} ms  -> ${coldReport.warnings.map((w) => w.code).join(",") || "no warnings"}, faces ${coldReport.faces}`,
  );
  console.log("");
  console.log(
    `${"warm, " + WARM_RUNS + " runs".padEnd(0)}`.padEnd(32) + "median ms".padStart(10) + "p95 ms".padStart(10),
  );
  for (const [label, values] of rows) {
    console.log(
      label.padEnd(32) +
        percentile(values, 50).toFixed(1).padStart(10) +
        percentile(values, 95).toFixed(1).padStart(10),
    );
  }
  console.log(
    "preflightImageCheck CPU time".padEnd(32) +
      percentile(cpuMsPerRun, 50).toFixed(1).padStart(10) +
      percentile(cpuMsPerRun, 95).toFixed(1).padStart(10),
  );
  console.log(`load average (1 min) during the run: ${os.loadavg()[0].toFixed(1)}`);
  console.log("");
  console.log(`peak RSS: ${peakRssMb.toFixed(0)} MB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
