/**
 * `npm run bench`: a 4-scene local run end to end on the emulators, where its time goes, and
 * the scene renders against the same four ffmpeg commands run one after another by hand; then how
 * soon the storyboard of the same run is shown when approval is required.
 * Writes bench-results/pipeline.json and prints a table.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, copyFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Timestamp } from "firebase-admin/firestore";
import { paths } from "../functions/src/contract/paths";
import type { RunDocument } from "../functions/src/contract/runDocument";
import { binaryPath } from "../functions/src/ffmpeg/binaries";
import { frameSize } from "../functions/src/media/clip";
import { motionClipArgs } from "../functions/src/media/motionClip";
import { LOCAL_BUCKET, ROOT, adminDb, requireEmulators, seedEmulators } from "./lib/emulators";
import { grantCredits } from "../functions/src/ledger/credits";
import { PIPELINE_SETTINGS_PATH } from "../functions/src/pipelineSettings";

const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const IMAGE = path.join(ROOT, "scripts", "assets", "coffee-product.jpg");

function waitUntilEnded(runId: string): Promise<RunDocument> {
  return new Promise((resolve, reject) => {
    const stop = adminDb()
      .doc(paths.run(runId))
      .onSnapshot((snap) => {
        const run = snap.data() as RunDocument | undefined;
        if (run?.status === "succeeded") {
          stop();
          resolve(run);
        } else if (
          run?.status === "failed" ||
          run?.status === "awaiting_decision" ||
          run?.status === "awaiting_confirmation"
        ) {
          stop();
          reject(new Error(`bench run ended ${run.status}: ${run.failure?.reason ?? ""}`));
        }
      }, reject);
  });
}

/** What the ad adds to its pictures and sound; all on unless said. */
type AddedWork = { captions: boolean; music: boolean; endCard: boolean };

/** A 4-scene run of the sample ad created for a new user with credits, as the page creates one. */
async function startRun(index: number, options?: AddedWork) {
  const db = adminDb();
  const uid = `bench-${Date.now().toString(36)}-${index}`;
  await grantCredits(db, uid, `bench-${uid}`, 100, "benchmark");
  const objectPath = `uploads/${uid}/product.jpg`;
  await mkdir(path.join(LOCAL_BUCKET, "uploads", uid), { recursive: true });
  await copyFile(IMAGE, path.join(LOCAL_BUCKET, objectPath));
  const ref = db.collection("runs").doc();
  const created = Date.now();
  await ref.set({
    uid,
    status: "queued",
    input: {
      image: objectPath,
      productName: "Morning Ritual Coffee",
      brandName: "Fairbean",
      brief: "Small-batch roast. Rich crema.",
      scenes: 4,
      ...(options && { options }),
    },
    createdAt: Timestamp.fromMillis(created),
  });
  return { ref, created };
}

async function oneRun(index: number, options?: AddedWork) {
  const db = adminDb();
  const { ref, created } = await startRun(index, options);
  const run = await waitUntilEnded(ref.id);
  const wallMs = run.updatedAt!.toMillis() - created;
  const scenes = (await db.collection(paths.scenes(ref.id)).get()).docs.map((d) => d.data());
  const scenesWallMs =
    Math.max(...scenes.map((s) => s.updatedAt.toMillis())) - Math.min(...scenes.map((s) => s.startedAtMs as number));
  const stageWork: Record<string, number> = Object.fromEntries(
    (["visual_dna", "script", "voice", "assembly", "quality"] as const).map((s) => [
      s,
      run.stages?.[s]?.durationMs ?? 0,
    ]),
  );
  const sequentialWorkMs = Object.values(stageWork).reduce((a, b) => a + b, 0);
  return {
    runId: ref.id,
    wallMs,
    stageWorkMs: { ...stageWork, scenes: scenesWallMs } as Record<string, number>,
    sceneRenderMs: scenes.map((s) => s.durationMs as number),
    orchestrationOverheadMs: wallMs - sequentialWorkMs - scenesWallMs,
    music: musicOf(run),
    script: run.script!,
  };
}

/** The run's media work: its scenes (wall, they render at once), the voice stage (with the music bed), assembly, the gate. */
const mediaWorkMs = (r: { stageWorkMs: Record<string, number> }) =>
  r.stageWorkMs.scenes + r.stageWorkMs.voice + r.stageWorkMs.assembly + r.stageWorkMs.quality;

/**
 * How soon a customer sees the storyboard (approval required): from the run's creation, so the image
 * check is included, to its first storyboard; then cancelled, uncharged, as a customer may.
 */
async function storyboardReady(index: number) {
  const { ref, created } = await startRun(index);
  const run = await new Promise<RunDocument>((resolve, reject) => {
    const stop = ref.onSnapshot((snap) => {
      const seen = snap.data() as RunDocument | undefined;
      if (seen?.status === "awaiting_approval" && seen.storyboard) {
        stop();
        resolve(seen);
      } else if (seen?.status === "failed" || seen?.status === "succeeded") {
        stop();
        reject(new Error(`storyboard bench run ended ${seen.status}: ${seen.failure?.reason ?? ""}`));
      }
    }, reject);
  });
  const storyboard = run.storyboard!;
  await ref.update({ storyboardAnswer: { version: storyboard.version, approve: false } });
  return {
    runId: ref.id,
    readyMs: storyboard.createdAt.toMillis() - created,
    visualDnaMs: run.stages?.visual_dna?.durationMs ?? 0,
    scriptMs: run.stages?.script?.durationMs ?? 0,
  };
}

/** The finished ad's sound as the quality gate measured it, and the music bed: what served, its level, its time. */
function musicOf(run: RunDocument) {
  const measured = run.qualityGate?.measurements;
  const audio = measured?.readable ? measured.audio : undefined;
  return {
    source: run.music?.source ?? "not recorded",
    composeMs: run.music?.durationMs ?? 0,
    underVoiceDb: run.assembled?.music?.underVoiceDb ?? null,
    integratedLufs: audio?.integratedLufs ?? null,
    truePeakDbtp: audio?.truePeakDbtp ?? null,
  };
}

function time(command: string, args: string[]): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "ignore" });
    child.on("exit", (code) =>
      code === 0 ? resolve(Date.now() - started) : reject(new Error(`ffmpeg exited ${code}`)),
    );
  });
}

/** The same four clips as plain ffmpeg commands, one after another. */
async function plainFfmpeg(script: NonNullable<RunDocument["script"]>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fairshot-bench-"));
  const ffmpeg = await binaryPath("ffmpeg");
  const { width, height } = frameSize("9:16");
  let total = 0;
  for (const [i, scene] of script.scenes.entries()) {
    const args = motionClipArgs({
      imageFile: IMAGE,
      outFile: path.join(dir, `scene${i}.mp4`),
      width,
      height,
      seconds: scene.durationSec,
      motion: scene.motion,
      seed: i,
    });
    total += await time(ffmpeg, args);
  }
  return total;
}

async function main() {
  requireEmulators();
  await seedEmulators();
  // The machine's work from the charge to the video is timed: a storyboard would wait for a person.
  await adminDb().doc(PIPELINE_SETTINGS_PATH).set({ approval: "off" }, { merge: true });
  // The first run pays the functions' cold start (module load, face model): reported apart.
  const cold = await oneRun(0);
  process.stderr.write(`cold run: ${cold.wallMs} ms\n`);
  const results = [];
  for (let i = 0; i < RUNS; i++) {
    results.push(await oneRun(i + 1));
    process.stderr.write(`warm run ${i + 1}/${RUNS}: ${results[i].wallMs} ms\n`);
  }
  // The same ad without captions, title, end card and music, run for run beside the warm ones.
  const bare = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(await oneRun(RUNS + i + 1, { captions: false, music: false, endCard: false }));
    process.stderr.write(`bare run ${i + 1}/${RUNS}: ${bare[i].wallMs} ms\n`);
  }
  const plainMs = await plainFfmpeg(results[0].script);
  await adminDb().doc(PIPELINE_SETTINGS_PATH).set({ approval: "required" }, { merge: true });
  const storyboards = [];
  for (let i = 0; i < RUNS; i++) storyboards.push(await storyboardReady(2 * RUNS + i + 1));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const report = {
    machine: { cpus: os.cpus().length, node: process.version },
    coldRun: (({ script: _script, ...r }) => r)(cold),
    runs: results.map(({ script: _script, ...r }) => r),
    plainFfmpegSequentialMs: plainMs,
    medianWallMs: median(results.map((r) => r.wallMs)),
    medianScenesWallMs: median(results.map((r) => r.stageWorkMs.scenes)),
    scenesVsPlainRatio: median(results.map((r) => r.stageWorkMs.scenes)) / plainMs,
    storyboards,
    medianStoryboardReadyMs: median(storyboards.map((b) => b.readyMs)),
    bareRuns: bare.map(({ script: _script, ...r }) => r),
    medianMediaWorkMs: median(results.map(mediaWorkMs)),
    medianBareMediaWorkMs: median(bare.map(mediaWorkMs)),
  };
  await mkdir(path.join(ROOT, "bench-results"), { recursive: true });
  await writeFile(path.join(ROOT, "bench-results", "pipeline.json"), JSON.stringify(report, null, 2));
  console.log(
    `\n4-scene local run, ${results[0].script.scenes[0].durationSec} s scenes (config/pipeline sceneSeconds)`,
  );
  console.log("| run | wall ms | visual_dna | script | scenes (wall) | voice | assembly | quality | overhead |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of [cold, ...results]) {
    const w = r.stageWorkMs;
    console.log(
      `| ${r === cold ? "cold " : ""}${r.runId} | ${r.wallMs} | ${w.visual_dna} | ${w.script} | ${w.scenes} | ${w.voice} | ${w.assembly} | ${w.quality} | ${r.orchestrationOverheadMs} |`,
    );
  }
  console.log(
    `\nscene renders in the pipeline (each, ms): ${results.map((r) => r.sceneRenderMs.join(", ")).join(" | ")}`,
  );
  console.log(
    "\n| run | music | loudness (LUFS) | true peak (dBTP) | music under the voice (dB) | music in the voice stage (ms) |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of [cold, ...results]) {
    const m = r.music;
    const dec = (value: number | null) => (value === null ? "-" : value.toFixed(1));
    console.log(
      `| ${r === cold ? "cold " : ""}${r.runId} | ${m.source} | ${dec(m.integratedLufs)} | ${dec(m.truePeakDbtp)} | ${dec(m.underVoiceDb)} | ${m.composeMs} |`,
    );
  }
  console.log(`plain ffmpeg, same 4 clips one after another: ${plainMs} ms`);
  console.log(`pipeline scenes wall / plain sequential: ${report.scenesVsPlainRatio.toFixed(2)}x`);
  console.log("\n| storyboard run | shown after creation (ms, image check included) | visual_dna | script |");
  console.log("|---|---|---|---|");
  for (const b of storyboards) console.log(`| ${b.runId} | ${b.readyMs} | ${b.visualDnaMs} | ${b.scriptMs} |`);
  console.log(`storyboard shown after creation, median: ${report.medianStoryboardReadyMs} ms`);
  const added = report.medianMediaWorkMs - report.medianBareMediaWorkMs;
  console.log(
    `\nmedia work (scenes wall + voice + assembly + quality), median: ${report.medianMediaWorkMs} ms with captions, ` +
      `title, end card and music; ${report.medianBareMediaWorkMs} ms without (${bare.map(mediaWorkMs).join(", ")}); ` +
      `added ${added} ms = ${((added / report.medianMediaWorkMs) * 100).toFixed(1)}% of the media work`,
  );
  process.exit(0);
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
