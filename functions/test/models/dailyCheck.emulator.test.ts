import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Firestore } from "firebase-admin/firestore";
import { emulatorAuthClient, EMULATOR_ACCESS_TOKEN } from "../../src/emulatorAuth";
import { createSdkClients, KEY_SECRETS } from "../../src/providers/cloud/modelAdapters";
import { createCloudProviders } from "../../src/providers/cloud/cloudProviders";
import { cooldownDocId } from "../../src/models/cooldown";
import { MISSING_COOLDOWN_MS, modelCheckAlertId, runDailyModelCheck } from "../../src/handlers/dailyModelCheck";
import type { ModelConfig } from "../../src/models/modelConfig";
import {
  createGeminiApiVideoListingClient,
  createModelListers,
  createMusicListingClient,
  createVideoListingClient,
} from "../../src/models/modelsCheck";
import { OPERATOR_ALERTS_PATH } from "../../src/metrics/rollbackGuard";
import { geminiReplies, startGeminiStandin, type GeminiStandin } from "../../src/providers/standins/gemini";
import { openAiReplies, startOpenAiStandin, type OpenAiStandin } from "../../src/providers/standins/openai";
import { startOmniStandin, type OmniStandin } from "../../src/providers/standins/omni";
import { startVeoStandin, type VeoStandin } from "../../src/providers/standins/veo";
import { startLyriaStandin, type LyriaStandin } from "../../src/providers/standins/lyria";
import {
  captureLogger,
  clearCooldowns,
  CREDENTIALS,
  emulatorFirestore,
  GOOD_DNA,
  goodScript,
  INPUT,
  standinConfig,
} from "./helpers";

const NOW = Date.parse("2026-11-28T05:30:00Z");
const DAY = "2026-11-28";

let gemini: GeminiStandin;
let openai: OpenAiStandin;
let veo: VeoStandin;
let omni: OmniStandin;
let lyria: LyriaStandin;
let veoDir: string;
let firestore: ReturnType<typeof emulatorFirestore>;
let db: Firestore;
let config: ModelConfig;

beforeAll(async () => {
  veoDir = await mkdtemp(path.join(os.tmpdir(), "fairshot-daily-check-"));
  veo = await startVeoStandin({ workDir: veoDir, accessToken: EMULATOR_ACCESS_TOKEN });
  omni = await startOmniStandin({ workDir: veoDir, apiKey: CREDENTIALS.geminiApiKey });
  lyria = await startLyriaStandin({ accessToken: EMULATOR_ACCESS_TOKEN });
  gemini = await startGeminiStandin({ apiKey: CREDENTIALS.geminiApiKey });
  openai = await startOpenAiStandin({ apiKey: CREDENTIALS.openaiApiKey });
  firestore = emulatorFirestore("models-daily-check-test");
  db = firestore.db;
  config = standinConfig(gemini.baseUrl, openai.baseUrl);
});

afterAll(async () => {
  await Promise.all([gemini.close(), openai.close(), veo.close(), omni.close(), lyria.close(), firestore.close()]);
  await rm(veoDir, { recursive: true, force: true });
});

beforeEach(async () => {
  gemini.reset();
  openai.reset();
  await clearCooldowns(db);
  await db.doc(`${OPERATOR_ALERTS_PATH}/${modelCheckAlertId(DAY)}`).delete();
  const all = [...config.text, ...config.voice];
  gemini.listModels(all.filter((e) => e.provider === "gemini").map((e) => ({ id: e.model })));
  openai.listModels(all.filter((e) => e.provider === "openai").map((e) => ({ id: e.model })));
});

/**
 * Video models are listed where they run: Veo on Vertex AI (the Veo stand-in), Omni on the Gemini API
 * (the Omni stand-in); Lyria on Vertex AI (the Lyria stand-in).
 */
const onVideoStandins = () => ({
  ...config,
  providers: {
    ...config.providers,
    video: { baseUrl: veo.baseUrl, geminiApi: { baseUrl: omni.baseUrl } },
    music: { baseUrl: lyria.baseUrl },
  },
});

const check = () =>
  runDailyModelCheck({
    db,
    config,
    listers: createModelListers(
      {
        ...createSdkClients(config.providers, CREDENTIALS),
        video: createVideoListingClient(onVideoStandins(), "demo-fairshot", emulatorAuthClient()),
        geminiApiVideo: createGeminiApiVideoListingClient(onVideoStandins(), CREDENTIALS.geminiApiKey),
        music: createMusicListingClient(onVideoStandins(), "demo-fairshot", emulatorAuthClient()),
      },
      KEY_SECRETS,
    ),
    nowMs: NOW,
    logger: captureLogger(),
  });

const alert = async () => (await db.doc(`${OPERATOR_ALERTS_PATH}/${modelCheckAlertId(DAY)}`).get()).data();

describe("the daily model check", () => {
  it("writes nothing when every configured model is listed", async () => {
    const result = await check();
    expect(result.exitCode).toBe(0);
    expect(await alert()).toBeUndefined();
    expect((await db.collection("modelCooldowns").get()).size).toBe(0);
  });

  it("cools a missing model down before any run meets it, and alerts the operators naming it", async () => {
    const primary = config.text[0];
    gemini.listModels([config.voice[0]].map((e) => ({ id: e.model })));

    await check();

    const cooled = (await db.collection("modelCooldowns").doc(cooldownDocId(primary)).get()).data();
    expect(cooled).toMatchObject({
      errorClass: "not_found",
      reason: `missing from gemini's model list in the daily check of ${DAY}`,
    });
    expect(cooled?.until.toMillis()).toBe(NOW + MISSING_COOLDOWN_MS);
    expect(await alert()).toMatchObject({
      kind: "model_check",
      day: DAY,
      exitCode: 1,
      acknowledged: false,
      cooledDown: [primary.model],
      body: expect.stringContaining(`text #1: ${primary.model} is missing from gemini's model list`),
    });

    // The next run skips the primary without a call: the backup serves at once.
    openai.reply(config.text[1].model, openAiReplies.json(goodScript()));
    gemini.reply(primary.model, geminiReplies.json(goodScript()));
    const providers = createCloudProviders(config, {
      db,
      logger: captureLogger(),
      credentials: CREDENTIALS,
      now: () => NOW + 60_000,
    });
    const served = await providers.script.write({ input: INPUT, dna: GOOD_DNA }, { runId: "after-check", faults: {} });
    expect(served.attempts[0]).toMatchObject({ model: primary.model, errorClass: "not_found", durationMs: 0 });
    expect(gemini.calls(primary.model)).toBe(0);
  });

  it("alerts on a missing backup too, and cools it down", async () => {
    const backup = config.text[2];
    openai.listModels([config.text[1], config.voice[1]].map((e) => ({ id: e.model })));

    const result = await check();

    expect(result.exitCode).toBe(1);
    expect((await alert())?.body).toContain(`text #3: ${backup.model} is missing from openai's model list`);
    expect((await db.collection("modelCooldowns").doc(cooldownDocId(backup)).get()).exists).toBe(true);
  });

  it("applies a shutdown date the provider announces as if it were retiresOn: alerted, recorded with its source, no call that day", async () => {
    const backup = config.text[1];
    expect(backup.retiresOn).toBeUndefined(); // a stale configuration that never learned the date
    openai.listModels(
      [...config.text, ...config.voice]
        .filter((e) => e.provider === "openai")
        .map((e) => ({
          id: e.model,
          ...(e.model === backup.model ? { shutdownDate: "2027-01-14" } : {}),
        })),
    );

    await check();

    expect((await alert())?.body).toContain(`${backup.model}'s shutdown on 2027-01-14`);
    expect((await alert())?.learnedShutdowns).toEqual([{ model: backup.model, date: "2027-01-14" }]);
    const learned = (await db.collection("modelCooldowns").doc(cooldownDocId(backup)).get()).data();
    expect(learned).toMatchObject({
      shutdown: { date: "2027-01-14", source: "openai's model list (shutdown_date)", learnedOn: DAY },
    });

    // On the shutdown day the guard skips it without a call, though the entry carries no retiresOn.
    gemini.reply(config.text[0].model, geminiReplies.overloaded());
    openai.reply(config.text[2].model, openAiReplies.json(goodScript()));
    const onTheDay = createCloudProviders(config, {
      db,
      logger: captureLogger(),
      credentials: CREDENTIALS,
      now: () => Date.parse("2027-01-14T00:00:00Z"),
    });
    const served = await onTheDay.script.write({ input: INPUT, dna: GOOD_DNA }, { runId: "shutdown-day", faults: {} });
    expect(served.model).toBe(config.text[2].model);
    expect(served.attempts.find((a) => a.model === backup.model)).toMatchObject({
      errorClass: "retired",
      durationMs: 0,
      error:
        "not called: retired on 2027-01-14 (its provider's shutdown date, from openai's model list (shutdown_date))",
    });
    expect(openai.calls(backup.model)).toBe(0);

    // The day before, it is still called.
    openai.reply(backup.model, openAiReplies.json(goodScript()));
    const dayBefore = createCloudProviders(config, {
      db,
      logger: captureLogger(),
      credentials: CREDENTIALS,
      now: () => Date.parse("2027-01-13T23:00:00Z"),
    });
    const before = await dayBefore.script.write({ input: INPUT, dna: GOOD_DNA }, { runId: "day-before", faults: {} });
    expect(before.model).toBe(backup.model);
  });

  it("a learned shutdown date survives a later cooldown of the same model", async () => {
    const backup = config.text[1];
    const others = [config.text[2], config.voice[1]].map((e) => ({ id: e.model }));
    openai.listModels([{ id: backup.model, shutdownDate: "2027-01-14" }, ...others]);
    await check();
    // The next day's list no longer has it: cooled down, its learned date kept.
    openai.listModels(others);
    await check();

    const doc = (await db.collection("modelCooldowns").doc(cooldownDocId(backup)).get()).data();
    expect(doc).toMatchObject({ errorClass: "not_found", shutdown: { date: "2027-01-14" } });
  });

  it("reports a provider that cannot be asked as unverified: no cooldown, an alert", async () => {
    openai.listModels(openAiReplies.serverError());

    const result = await check();

    expect(result.rows.filter((r) => r.provider === "openai").every((r) => r.availability === "provider_down")).toBe(
      true,
    );
    expect((await db.collection("modelCooldowns").get()).size).toBe(0);
    expect(result.exitCode).toBe(3);
    expect(await alert()).toMatchObject({ exitCode: 3, title: "A model provider could not be asked" });
    expect((await alert())?.body).toContain("openai: could not list its models");
  });
});
