import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Firestore } from "firebase-admin/firestore";
import { EMULATOR_ACCESS_TOKEN, emulatorAuthClient } from "../../src/emulatorAuth";
import {
  LOCAL_MUSIC_MODEL,
  duckBed,
  measureLoudness,
  measureUnderVoice,
  mixGain,
  shapeBed,
  synthesizePad,
} from "../../src/media/musicBed";
import { createCloudProviders } from "../../src/providers/cloud/cloudProviders";
import { cooldownDocId } from "../../src/models/cooldown";
import type { ModelConfig } from "../../src/models/modelConfig";
import { composeMusic } from "../../src/pipeline/music";
import { DEFAULT_MUSIC_MIX } from "../../src/pipelineSettings";
import type { RunDocument } from "../../src/contract/runDocument";
import { LocalFolderStore } from "../../src/storage/objectStore";
import { lyriaReplies, musicWav, startLyriaStandin, type LyriaStandin } from "../../src/providers/standins/lyria";
import { captureLogger, clearCooldowns, CREDENTIALS, emulatorFirestore, GOOD_DNA, standinConfig } from "./helpers";

const CTX = { runId: "run-music-test", faults: {} };
const MIXER = { synthesizePad, shapeBed, duckBed, measureUnderVoice, mixGain };
const RUN = { uid: "u1", status: "running", input: {}, dna: GOOD_DNA } as RunDocument;

let lyria: LyriaStandin;
let firestore: ReturnType<typeof emulatorFirestore>;
let db: Firestore;
let config: ModelConfig;
let dir: string;

beforeAll(async () => {
  lyria = await startLyriaStandin({ accessToken: EMULATOR_ACCESS_TOKEN, models: ["lyria-002", "lyria-002-backup"] });
  firestore = emulatorFirestore("models-music-test");
  db = firestore.db;
  config = standinConfig("http://127.0.0.1:9", "http://127.0.0.1:9", {
    music: [
      { provider: "gemini", model: "lyria-002" },
      { provider: "gemini", model: "lyria-002-backup" },
    ],
    providers: {
      gemini: { backend: "gemini_api", baseUrl: "http://127.0.0.1:9" },
      openai: { baseUrl: "http://127.0.0.1:9/v1" },
      music: { baseUrl: lyria.baseUrl },
    },
  });
});

afterAll(async () => {
  await Promise.all([lyria.close(), firestore.close()]);
});

beforeEach(async () => {
  lyria.reset();
  await clearCooldowns(db);
  dir = await mkdtemp(join(tmpdir(), "fairshot-music-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function chain(musicConfig: ModelConfig = config) {
  const providers = createCloudProviders(musicConfig, {
    db,
    logger: captureLogger(),
    credentials: CREDENTIALS,
    vertex: { project: "demo-fairshot", authClient: emulatorAuthClient() },
  });
  if (!providers.music) throw new Error("the configuration names music models");
  return providers.music;
}

async function compose(music: ReturnType<typeof chain> | undefined, run: RunDocument = RUN, videoSec = 8) {
  const store = new LocalFolderStore(join(dir, "bucket"));
  const record = await composeMusic(
    { runId: "run-music-test", run, ctx: CTX, videoSec, dir },
    { music, musicMixer: MIXER, store },
    DEFAULT_MUSIC_MIX,
  );
  return { record, store };
}

describe("the music chain: cloud models, then the local pad, then none", () => {
  it("the primary serves through the real client: its clip shaped to the video at the bed level", async () => {
    const { record, store } = await compose(chain());
    expect(record).toMatchObject({ source: "model", model: "lyria-002", tier: "primary" });
    expect(record.attempts).toEqual([expect.objectContaining({ model: "lyria-002", errorClass: null })]);
    expect(lyria.calls("lyria-002")).toBe(1);
    const [request] = lyria.requests("lyria-002") as { instances: { prompt: string; negative_prompt: string }[] }[];
    expect(request.instances[0].prompt).toContain(GOOD_DNA.mood);
    expect(request.instances[0].negative_prompt).toContain("vocals");
    if (record.source === "none") throw new Error("no bed");
    const bed = join(dir, "bed-check.wav");
    await store.download(record.audio, bed);
    expect((await measureLoudness(bed)).integratedLufs).toBeCloseTo(DEFAULT_MUSIC_MIX.bedLufs, 0);
  });

  it("a primary gone (404) is cooled down and the backup serves; the next run goes straight to it", async () => {
    lyria.reply("lyria-002", {
      status: 404,
      json: { error: { code: 404, message: "not found", status: "NOT_FOUND" } },
    });
    const { record } = await compose(chain());
    expect(record).toMatchObject({ source: "model", model: "lyria-002-backup", tier: "backup" });
    expect(record.attempts.map((a) => [a.model, a.errorClass])).toEqual([
      ["lyria-002", "not_found"],
      ["lyria-002-backup", null],
    ]);
    expect(
      (await db.doc(`modelCooldowns/${cooldownDocId({ provider: "gemini", model: "lyria-002" })}`).get()).exists,
    ).toBe(true);
    const again = await compose(chain());
    expect(again.record).toMatchObject({ source: "model", model: "lyria-002-backup" });
    expect(lyria.calls("lyria-002")).toBe(1);
  });

  it("every music model down: the local pad serves, recorded after the failed attempts", async () => {
    lyria.reply("lyria-002", lyriaReplies.unavailable());
    lyria.reply("lyria-002-backup", lyriaReplies.blocked());
    const { record } = await compose(chain());
    expect(record).toMatchObject({ source: "local", model: LOCAL_MUSIC_MODEL, tier: "local" });
    expect(record.attempts.map((a) => [a.model, a.errorClass])).toEqual([
      ["lyria-002", "transient"],
      ["lyria-002", "transient"],
      ["lyria-002", "transient"],
      ["lyria-002-backup", "content_policy"],
      [LOCAL_MUSIC_MODEL, null],
    ]);
  });

  it("a model's clip that is silent is its invalid output: the pad serves", async () => {
    lyria.reply("lyria-002", lyriaReplies.music(musicWav(0.5)));
    lyria.reply("lyria-002-backup", lyriaReplies.music(Buffer.from("not a wav")));
    const { record } = await compose(chain());
    expect(record.source).toBe("local");
    expect(record.attempts.slice(0, 2).map((a) => [a.model, a.errorClass])).toEqual([
      ["lyria-002", "invalid_output"],
      ["lyria-002-backup", "invalid_output"],
    ]);
  });

  it("no cloud model configured (the local tier): the pad serves alone", async () => {
    const { record } = await compose(undefined);
    expect(record).toMatchObject({ source: "local", attempts: [expect.objectContaining({ errorClass: null })] });
  });

  it("switched off in the brand kit or for the run: none, recorded as such, no model called", async () => {
    for (const run of [
      { ...RUN, options: { captions: true, music: false, endCard: true } },
      { ...RUN, brand: { music: false } as RunDocument["brand"] },
    ]) {
      const { record } = await compose(chain(), run);
      expect(record).toEqual({ source: "none", reason: "switched_off", attempts: [], durationMs: 0 });
    }
    expect(lyria.calls("lyria-002")).toBe(0);
  });

  it("when the pad cannot be made either, the run has no music, recorded as none with every attempt", async () => {
    lyria.reply("lyria-002", lyriaReplies.quota());
    lyria.reply("lyria-002-backup", lyriaReplies.quota());
    // A real ffmpeg failure: the pad is asked of a length no audio can have.
    const { record } = await compose(chain(), RUN, 0);
    expect(record).toMatchObject({ source: "none", reason: "unavailable" });
    expect(record.attempts.at(-1)).toMatchObject({ model: LOCAL_MUSIC_MODEL, errorClass: "unknown" });
  });
});
