/**
 * The music bed end to end through the emulators (the local tier: no music model, so the project's own
 * pad serves): recorded on the run, ducked under the voice in the finished ad, judged by the quality gate.
 */
import { access } from "node:fs/promises";
import path from "node:path";
import { LOCAL_MUSIC_MODEL, measureLoudness } from "../../src/media/musicBed";
import { probeMedia } from "../../src/ffmpeg/probe";
import { PipelineSettingsSchema } from "../../src/pipelineSettings";
import {
  LOCAL_BUCKET,
  TRIGGER_PROJECT,
  balanceOf,
  firestoreFor,
  settled,
  startRun,
  waitForRun,
  writeSettings,
} from "../support/emulator";
import { upscaledCoffee as productImage } from "../support/samples";

const db = firestoreFor(TRIGGER_PROJECT);
/** A run of two scenes takes 20-40 s on a quiet machine; on a shared one its scenes alone can take minutes. */
const SETTLE_MS = 300_000;
const gate = PipelineSettingsSchema.parse({}).qualityGate;
const mix = PipelineSettingsSchema.parse({}).musicMix;
let image: Buffer;

beforeAll(async () => {
  await writeSettings(db);
  image = await productImage();
});

test(
  "a run records its music bed (the local pad), ducked under the voice in the ad that ships",
  async () => {
    const { runId } = await startRun(db, image, { scenes: 2 });
    const run = await waitForRun(db, runId, settled, SETTLE_MS);
    expect(run.status).toBe("succeeded");
    expect(run.music).toMatchObject({
      source: "local",
      model: LOCAL_MUSIC_MODEL,
      tier: "local",
      attempts: [expect.objectContaining({ model: LOCAL_MUSIC_MODEL, tier: "local", errorClass: null })],
      audio: `runs/${runId}/music-bed.wav`,
    });
    if (run.music?.source !== "local") throw new Error("no bed recorded");
    // The stored bed: the video's length, at the bed level.
    const bed = path.join(LOCAL_BUCKET, run.music.audio);
    expect((await probeMedia(bed)).durationSec).toBeCloseTo(4, 2);
    expect((await measureLoudness(bed)).integratedLufs).toBeCloseTo(mix.bedLufs, 0);
    // Measured under the voice while it speaks, and judged by the gate on the finished file.
    expect(run.assembled?.music).toMatchObject({ source: "local" });
    expect(run.assembled?.music?.underVoiceDb).toBeGreaterThanOrEqual(gate.minMusicUnderVoiceDb);
    expect(run.assembled?.music?.speakingSec).toBeGreaterThan(1);
    expect(run.qualityGate).toMatchObject({ passed: true, music: run.assembled?.music });
    const measurements = run.qualityGate?.measurements;
    if (!measurements?.readable || !measurements.audio) throw new Error("the gate measured no sound");
    expect(Math.abs(measurements.audio.integratedLufs - gate.targetLufs)).toBeLessThanOrEqual(gate.lufsTolerance);
    expect(measurements.audio.truePeakDbtp).toBeLessThanOrEqual(gate.maxTruePeakDbtp);
  },
  SETTLE_MS + 30_000,
);

test(
  "music mixed at full level under the voice is caught by the quality gate: failed, refunded, nothing delivered",
  async () => {
    const { uid, runId } = await startRun(db, image, { scenes: 2, faults: { assembly: "music_unducked" } });
    const run = await waitForRun(db, runId, (r) => r.failure?.refunded === true, SETTLE_MS);
    expect(run.failure?.stage).toBe("quality");
    expect(run.failure?.reason).toMatch(/music_over_voice \(while the voice speaks the music is -?[\d.]+ dB below it/);
    expect(run.failure?.userMessage).toMatch(/the background music was too loud under the voice-over/);
    expect(run.assembled?.music?.underVoiceDb).toBeLessThan(gate.minMusicUnderVoiceDb);
    expect(run.qualityGate?.failures.map((f) => f.cause)).toContain("music_over_voice");
    expect(await balanceOf(db, uid)).toBe(100);
    await expect(access(path.join(LOCAL_BUCKET, `outputs/${uid}/${runId}.mp4`))).rejects.toThrow();
  },
  SETTLE_MS + 30_000,
);
