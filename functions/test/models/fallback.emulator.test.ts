import { performance } from "node:perf_hooks";
import type { Firestore } from "firebase-admin/firestore";
import { VisualDnaSchema } from "../../src/contract/run";
import { createCloudProviders } from "../../src/providers/cloud/cloudProviders";
import { cooldownDocId } from "../../src/models/cooldown";
import type { ModelConfig } from "../../src/models/modelConfig";
import { decodeWav, encodeWav } from "../../src/models/wav";
import { isPipelineFailure, type PipelineFailure } from "../../src/contract/failure";
import { geminiReplies, startGeminiStandin, type GeminiStandin } from "../../src/providers/standins/gemini";
import { tonePcm } from "../../src/providers/standins/httpStandin";
import { openAiReplies, startOpenAiStandin, type OpenAiStandin } from "../../src/providers/standins/openai";
import { googleTtsReplies, startGoogleTtsStandin, type GoogleTtsStandin } from "../../src/providers/standins/googleTts";
import { emulatorGoogleAuth } from "../../src/providers/cloud/modelAdapters";
import { EMULATOR_ACCESS_TOKEN } from "../../src/emulatorAuth";
import {
  captureLogger,
  clearCooldowns,
  CREDENTIALS,
  emulatorFirestore,
  GOOD_DNA,
  goodScript,
  INPUT,
  PRODUCT_IMAGE,
  standinConfig,
  TEMPLATE_SCRIPT,
} from "./helpers";

const CTX = { runId: "run-models-test", faults: {} };

let gemini: GeminiStandin;
let openai: OpenAiStandin;
let firestore: ReturnType<typeof emulatorFirestore>;
let db: Firestore;
let logger: ReturnType<typeof captureLogger>;
let config: ModelConfig;

beforeAll(async () => {
  gemini = await startGeminiStandin({ apiKey: CREDENTIALS.geminiApiKey });
  openai = await startOpenAiStandin({ apiKey: CREDENTIALS.openaiApiKey });
  firestore = emulatorFirestore("models-fallback-test");
  db = firestore.db;
  config = standinConfig(gemini.baseUrl, openai.baseUrl);
});

afterAll(async () => {
  await Promise.all([gemini.close(), openai.close(), firestore.close()]);
});

beforeEach(async () => {
  gemini.reset();
  openai.reset();
  logger = captureLogger();
  await clearCooldowns(db);
});

function providers(options: { config?: ModelConfig; now?: () => number; credentials?: typeof CREDENTIALS } = {}) {
  return createCloudProviders(options.config ?? config, {
    db,
    logger,
    credentials: options.credentials ?? CREDENTIALS,
    now: options.now,
  });
}

const text = () => config.text;
const [PRIMARY, BACKUP, FALLBACK] = [0, 1, 2].map((i) => () => text()[i].model);

async function failureOf(promise: Promise<unknown>): Promise<PipelineFailure> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome) || !isPipelineFailure(outcome.error)) {
    throw new Error(`expected a PipelineFailure, got ${JSON.stringify(outcome)}`);
  }
  return outcome.error;
}

describe("fallback across the text chain", () => {
  it("serves the script from the backup when the primary is not found, recording both attempts", async () => {
    openai.reply(BACKUP(), openAiReplies.json(goodScript()));

    const served = await providers().script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    expect(served.value).toEqual(goodScript());
    expect(served).toMatchObject({ model: BACKUP(), tier: "backup" });
    expect(served.attempts).toEqual([
      expect.objectContaining({ model: PRIMARY(), tier: "primary", errorClass: "not_found" }),
      expect.objectContaining({ model: BACKUP(), tier: "backup", errorClass: null }),
    ]);
    expect(served.attempts[0].error).toContain("is not found for API version v1beta");
    expect(gemini.calls(PRIMARY())).toBe(1);
  });

  it("sends the product image inline and the reply's JSON Schema through both SDKs' structured output", async () => {
    openai.reply(BACKUP(), openAiReplies.json(GOOD_DNA));

    const served = await providers().visualDna.extract(
      { image: PRODUCT_IMAGE, mimeType: "image/png", input: INPUT },
      CTX,
    );

    expect(served).toMatchObject({ value: GOOD_DNA, model: BACKUP(), tier: "backup" });
    const [geminiBody] = gemini.requests(PRIMARY()) as Array<{
      contents: Array<{ parts: Array<{ inlineData?: { mimeType: string; data: string } }> }>;
      generationConfig: { responseMimeType: string; responseJsonSchema: { properties: Record<string, unknown> } };
    }>;
    expect(geminiBody.generationConfig.responseMimeType).toBe("application/json");
    expect(Object.keys(geminiBody.generationConfig.responseJsonSchema.properties)).toEqual(
      Object.keys(VisualDnaSchema.shape),
    );
    expect(geminiBody.contents[0].parts[0].inlineData).toEqual({
      mimeType: "image/png",
      data: PRODUCT_IMAGE.toString("base64"),
    });
    const [openAiBody] = openai.requests(BACKUP()) as Array<{
      response_format: unknown;
      messages: Array<{ role: string; content: unknown }>;
    }>;
    expect(openAiBody.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "visual_dna", strict: false, schema: geminiBody.generationConfig.responseJsonSchema },
    });
    expect(openAiBody.messages[1].content).toContainEqual({
      type: "image_url",
      image_url: { url: `data:image/png;base64,${PRODUCT_IMAGE.toString("base64")}` },
    });
  });

  it("never asks a model without vision for Visual DNA", async () => {
    openai.reply(BACKUP(), openAiReplies.notFound(BACKUP()));
    openai.reply(FALLBACK(), openAiReplies.json(GOOD_DNA));

    const failure = await failureOf(
      providers().visualDna.extract({ image: PRODUCT_IMAGE, mimeType: "image/png", input: INPUT }, CTX),
    );

    expect(failure.stage).toBe("visual_dna");
    expect(openai.calls(FALLBACK())).toBe(0);
  });

  it("retries a rate-limited backup after the retry-after it asked for, then serves from it", async () => {
    openai.reply(BACKUP(), openAiReplies.rateLimited(1), openAiReplies.json(goodScript()));

    const started = performance.now();
    const served = await providers().script.write({ input: INPUT, dna: GOOD_DNA }, CTX);
    const elapsedMs = performance.now() - started;

    expect(served).toMatchObject({ model: BACKUP(), tier: "backup" });
    expect(served.attempts.map((a) => [a.model, a.errorClass])).toEqual([
      [PRIMARY(), "not_found"],
      [BACKUP(), "rate_limited"],
      [BACKUP(), null],
    ]);
    expect(openai.calls(BACKUP())).toBe(2);
    // retry-after: 1 (seconds); the configured backoff alone would be 20 ms.
    expect(elapsedMs).toBeGreaterThanOrEqual(1000);
    expect(elapsedMs).toBeLessThan(config.retry.maxDelayMs + 1000);
  });

  it("honours Gemini's RetryInfo delay on a 429", async () => {
    gemini.reply(PRIMARY(), geminiReplies.rateLimited(1), geminiReplies.json(goodScript()));

    const started = performance.now();
    const served = await providers().script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(served).toMatchObject({ model: PRIMARY(), tier: "primary" });
    expect(served.attempts.map((a) => a.errorClass)).toEqual(["rate_limited", null]);
  });

  it("moves on at once when retry-after asks for more than the wait cap", async () => {
    openai.reply(BACKUP(), openAiReplies.rateLimited(30));
    openai.reply(FALLBACK(), openAiReplies.json(goodScript()));

    const started = performance.now();
    const served = await providers().script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    expect(performance.now() - started).toBeLessThan(1000);
    expect(served).toMatchObject({ model: FALLBACK(), tier: "fallback" });
    expect(openai.calls(BACKUP())).toBe(1);
  });

  it("retries transient errors within the budget before the next model", async () => {
    gemini.reply(PRIMARY(), geminiReplies.overloaded(), geminiReplies.internal(), geminiReplies.json(goodScript()));

    const served = await providers().script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    expect(served).toMatchObject({ model: PRIMARY(), tier: "primary" });
    expect(served.attempts.map((a) => a.errorClass)).toEqual(["transient", "transient", null]);
  });

  it("treats a call that outlives its timeout as transient and moves on", async () => {
    const slow = standinConfig(gemini.baseUrl, openai.baseUrl, {
      timeouts: { textMs: 300, voiceMs: 300 },
      retry: { ...config.retry, maxRetriesPerModel: 0 },
    });
    gemini.reply(PRIMARY(), { ...geminiReplies.json(goodScript()), delayMs: 2_000 });
    openai.reply(BACKUP(), openAiReplies.json(goodScript()));

    const served = await providers({ config: slow }).script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    expect(served).toMatchObject({ model: BACKUP(), tier: "backup" });
    expect(served.attempts[0]).toMatchObject({ errorClass: "transient" });
    expect(served.attempts[0].durationMs).toBeLessThan(1_500);
  });

  it("throws PipelineFailure with the stage and a user message when every model fails", async () => {
    gemini.reply(PRIMARY(), geminiReplies.overloaded());
    openai.reply(BACKUP(), openAiReplies.serverError());
    // FALLBACK is unscripted: model_not_found.

    const failure = await failureOf(providers().script.write({ input: INPUT, dna: GOOD_DNA }, CTX));

    expect(failure.stage).toBe("script");
    expect(failure.requiresRefund).toBe(true);
    expect(failure.userMessage).toMatch(/could not write the script/i);
    expect(failure.userMessage).toMatch(/refunded/i);
    for (const model of [PRIMARY(), BACKUP(), FALLBACK()]) expect(failure.reason).toContain(model);
    // 1 call + 2 retries on each retryable model, 1 on the missing one.
    expect([gemini.calls(PRIMARY()), openai.calls(BACKUP()), openai.calls(FALLBACK())]).toEqual([3, 3, 1]);
    expect(logger.lines.some((l) => l.level === "error" && l.message.includes("all 3 models failed"))).toBe(true);
  });

  it("passes over valid JSON that is generic or misses scenes", async () => {
    gemini.reply(PRIMARY(), geminiReplies.json(TEMPLATE_SCRIPT));
    openai.reply(BACKUP(), openAiReplies.json(goodScript(INPUT.scenes - 1)));
    openai.reply(FALLBACK(), openAiReplies.json(goodScript()));

    const served = await providers().script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    expect(served).toMatchObject({ model: FALLBACK(), tier: "fallback", value: goodScript() });
    expect(served.attempts.map((a) => a.errorClass)).toEqual(["invalid_output", "invalid_output", null]);
    expect(served.attempts[0].error).toMatch(/template marker/);
    expect(served.attempts[1].error).toMatch(/has 2 scenes, 3 were asked for/);
  });

  it("passes over a reply that does not match the schema or a generic Visual DNA", async () => {
    gemini.reply(PRIMARY(), geminiReplies.json({ ...GOOD_DNA, productDescription: "A product" }));
    openai.reply(BACKUP(), openAiReplies.json({ description: "no palette here" }));

    const failure = await failureOf(
      providers().visualDna.extract({ image: PRODUCT_IMAGE, mimeType: "image/png", input: INPUT }, CTX),
    );

    expect(failure.reason).toMatch(/productDescription is generic/);
    expect(failure.reason).toMatch(/does not match the schema/);
  });

  it("passes over safety blocks and content-policy refusals", async () => {
    gemini.reply(PRIMARY(), geminiReplies.promptBlocked());
    openai.reply(BACKUP(), openAiReplies.contentPolicy());
    openai.reply(FALLBACK(), openAiReplies.json(goodScript()));

    const served = await providers().script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    expect(served).toMatchObject({ model: FALLBACK(), tier: "fallback" });
    expect(served.attempts.map((a) => a.errorClass)).toEqual(["content_policy", "content_policy", null]);
    expect(served.attempts[0].error).toContain("SAFETY");
  });

  it("tells the user about content policies when every model declined", async () => {
    gemini.reply(PRIMARY(), geminiReplies.finishedForSafety());
    openai.reply(BACKUP(), openAiReplies.refusal("I can't help with that."));

    const failure = await failureOf(
      providers().visualDna.extract({ image: PRODUCT_IMAGE, mimeType: "image/png", input: INPUT }, CTX),
    );

    expect(failure.userMessage).toMatch(/content policies/);
    expect(failure.reason).toContain("refused: I can't help with that.");
  });

  it("skips the rest of a provider after an auth error and logs which key to check", async () => {
    const openAiFirst = standinConfig(gemini.baseUrl, openai.baseUrl, {
      text: [config.text[1], config.text[2], config.text[0]],
    });
    gemini.reply(PRIMARY(), geminiReplies.json(goodScript()));

    const served = await providers({
      config: openAiFirst,
      credentials: { ...CREDENTIALS, openaiApiKey: "sk-revoked" },
    }).script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    expect(served).toMatchObject({ model: PRIMARY(), tier: "fallback" });
    expect(served.attempts.map((a) => [a.model, a.errorClass, a.durationMs > 0 || a.errorClass === null])).toEqual([
      [BACKUP(), "auth_config", true],
      [FALLBACK(), "auth_config", false],
      [PRIMARY(), null, true],
    ]);
    expect(openai.calls(FALLBACK())).toBe(0);
    const authLine = logger.lines.find((l) => l.level === "error" && l.message.includes("OPENAI_API_KEY"));
    expect(authLine?.message).toMatch(/openai rejected our credentials/);
  });

  it("loads without an OpenAI key and treats that provider as misconfigured, with no request", async () => {
    gemini.reply(PRIMARY(), geminiReplies.overloaded());

    const failure = await failureOf(
      providers({ credentials: { ...CREDENTIALS, openaiApiKey: "" } }).script.write(
        { input: INPUT, dna: GOOD_DNA },
        CTX,
      ),
    );

    expect(failure.reason).toContain("the OPENAI_API_KEY secret is empty");
    expect([openai.calls(BACKUP()), openai.calls(FALLBACK())]).toEqual([0, 0]);
  });

  it("classifies Gemini's API_KEY_INVALID as auth and serves from OpenAI", async () => {
    openai.reply(BACKUP(), openAiReplies.json(goodScript()));

    const served = await providers({ credentials: { ...CREDENTIALS, geminiApiKey: "wrong" } }).script.write(
      { input: INPUT, dna: GOOD_DNA },
      CTX,
    );

    expect(served.attempts[0]).toMatchObject({ model: PRIMARY(), errorClass: "auth_config" });
    expect(served.attempts[0].error).toContain("API key not valid");
    expect(logger.lines.some((l) => l.level === "error" && l.message.includes("GEMINI_API_KEY"))).toBe(true);
  });
});

describe("structured output", () => {
  it("a model that ignores the schema and answers a plain 'ok' fails validation: the next model serves", async () => {
    gemini.reply(PRIMARY(), {
      status: 200,
      json: { candidates: [{ content: { parts: [{ text: "ok" }], role: "model" }, finishReason: "STOP", index: 0 }] },
    });
    openai.reply(BACKUP(), openAiReplies.json(goodScript()));

    const served = await providers().script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    expect(served).toMatchObject({ model: BACKUP(), tier: "backup", value: goodScript() });
    expect(served.attempts[0]).toMatchObject({ model: PRIMARY(), errorClass: "invalid_output" });
    expect(served.attempts[0].error).toContain("the reply is not JSON: ok");
    const [openAiBody] = openai.requests(BACKUP()) as Array<{ response_format: { json_schema: { name: string } } }>;
    expect(openAiBody.response_format.json_schema.name).toBe("ad_script");
  });
});

describe("retired models (past retiresOn)", () => {
  const retiring = () =>
    standinConfig(gemini.baseUrl, openai.baseUrl, {
      text: [{ ...config.text[0], retiresOn: "2026-12-01" }, ...config.text.slice(1)],
    });

  it("never calls a model from its shutdown day on: the attempt is `retired`, zero calls, zero time", async () => {
    openai.reply(BACKUP(), openAiReplies.json(goodScript()));
    gemini.reply(PRIMARY(), geminiReplies.json(goodScript()));
    const now = () => Date.parse("2026-12-01T00:00:00Z");

    const served = await providers({ config: retiring(), now }).script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    expect(gemini.calls(PRIMARY())).toBe(0);
    expect(served).toMatchObject({ model: BACKUP(), tier: "backup" });
    expect(served.attempts[0]).toEqual({
      model: PRIMARY(),
      tier: "primary",
      errorClass: "retired",
      error: "not called: retired on 2026-12-01 (its provider's shutdown date)",
      durationMs: 0,
    });
    // Retirement is the configuration's knowledge, not a cooldown: nothing is written.
    expect((await db.collection("modelCooldowns").get()).size).toBe(0);
  });

  it("still calls the model the day before its shutdown", async () => {
    gemini.reply(PRIMARY(), geminiReplies.json(goodScript()));
    const now = () => Date.parse("2026-11-30T23:59:59Z");

    const served = await providers({ config: retiring(), now }).script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    expect(served).toMatchObject({ model: PRIMARY(), tier: "primary" });
    expect(gemini.calls(PRIMARY())).toBe(1);
  });
});

describe("cooldowns shared through Firestore", () => {
  it("skips a not-found model with zero calls until its cooldown ends, then tries it once", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const clock = () => now;
    openai.reply(BACKUP(), openAiReplies.json(goodScript()));

    await providers({ now: clock }).script.write({ input: INPUT, dna: GOOD_DNA }, CTX);
    expect(gemini.calls(PRIMARY())).toBe(1);
    const doc = await db.collection("modelCooldowns").doc(cooldownDocId(config.text[0])).get();
    expect(doc.data()).toMatchObject({ errorClass: "not_found" });
    expect(doc.get("until").toMillis()).toBe(now + config.cooldown.notFoundMs);
    expect(doc.get("reason")).toContain("is not found");

    // Another instance (a fresh provider set) within the cooldown: no call to the primary.
    now += config.cooldown.notFoundMs - 1;
    const second = await providers({ now: clock }).script.write({ input: INPUT, dna: GOOD_DNA }, CTX);
    expect(gemini.calls(PRIMARY())).toBe(1);
    expect(second.attempts[0]).toEqual({
      model: PRIMARY(),
      tier: "primary",
      errorClass: "not_found",
      error: `cooling down until ${new Date(now + 1).toISOString()}`,
      durationMs: 0,
    });
    expect(second).toMatchObject({ model: BACKUP(), tier: "backup" });

    // After the cooldown the primary is tried again, once.
    now += 2;
    gemini.reply(PRIMARY(), geminiReplies.json(goodScript()));
    const third = await providers({ now: clock }).script.write({ input: INPUT, dna: GOOD_DNA }, CTX);
    expect(gemini.calls(PRIMARY())).toBe(2);
    expect(third).toMatchObject({ model: PRIMARY(), tier: "primary" });
  });

  it("cools a model down after N consecutive failed calls, and a success resets the streak", async () => {
    const streak = standinConfig(gemini.baseUrl, openai.baseUrl, {
      retry: { ...config.retry, maxRetriesPerModel: 0 },
      cooldown: { notFoundMs: 60_000, failureStreak: 2, failureMs: 60_000 },
    });
    const scripted = providers({ config: streak });
    openai.reply(BACKUP(), openAiReplies.json(goodScript()));
    const write = () => scripted.script.write({ input: INPUT, dna: GOOD_DNA }, CTX);

    gemini.reply(PRIMARY(), geminiReplies.overloaded(), geminiReplies.json(goodScript()), geminiReplies.overloaded());
    await write(); // failure 1
    expect((await write()).model).toBe(PRIMARY()); // success: streak reset
    await write(); // failure 1 again
    await write(); // failure 2: cooled down
    expect(gemini.calls(PRIMARY())).toBe(4);

    const skipped = await write();
    expect(gemini.calls(PRIMARY())).toBe(4);
    expect(skipped.attempts[0]).toMatchObject({ errorClass: "transient", durationMs: 0 });
    expect(skipped.attempts[0].error).toMatch(/^cooling down until /);
  });
});

describe("voice chain", () => {
  const SPOKEN = "Morning Ritual Blend by Ferro Roasters. Your ritual, perfected.";

  it("wraps Gemini TTS PCM into a WAV", async () => {
    gemini.reply(config.voice[0].model, geminiReplies.audio(tonePcm(3)));

    const served = await providers().voice.speak({ text: SPOKEN, input: INPUT }, CTX);

    expect(served).toMatchObject({ model: config.voice[0].model, tier: "primary" });
    expect(served.value.durationSec).toBeCloseTo(3, 2);
    expect(decodeWav(served.value.wav)).toMatchObject({ sampleRate: 24_000, channels: 1, bitsPerSample: 16 });
    const [body] = gemini.requests(config.voice[0].model) as Array<{ generationConfig: Record<string, unknown> }>;
    expect(body.generationConfig).toMatchObject({
      responseModalities: ["AUDIO"],
      speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: config.voice[0].voice } } },
    });
  });

  it("falls back to OpenAI TTS when Gemini TTS is gone, and refuses silent audio", async () => {
    const silent = encodeWav({
      sampleRate: 24_000,
      channels: 1,
      bitsPerSample: 16,
      data: Buffer.alloc(24_000 * 2 * 3),
    });
    openai.reply(
      config.voice[1].model,
      openAiReplies.speech(silent),
      openAiReplies.speech(encodeWav({ sampleRate: 24_000, channels: 1, bitsPerSample: 16, data: tonePcm(3) })),
    );

    const failure = await failureOf(providers().voice.speak({ text: SPOKEN, input: INPUT }, CTX));
    expect(failure.stage).toBe("voice");
    expect(failure.reason).toContain("audio is silent");

    const served = await providers().voice.speak({ text: SPOKEN, input: INPUT }, CTX);
    expect(served).toMatchObject({ model: config.voice[1].model, tier: "backup" });
    expect(served.attempts[0]).toMatchObject({ errorClass: "not_found", durationMs: 0 }); // cooled down by the first call
    const [body] = openai.requests(config.voice[1].model) as Array<Record<string, unknown>>;
    expect(body).toMatchObject({ response_format: "wav", voice: config.voice[1].voice, input: SPOKEN });
  });
});

describe("Cloud Text-to-Speech, the second voice provider, and what each served call cost", () => {
  const VOICE = "en-US-Chirp3-HD-Kore";
  const SPOKEN = "Morning Ritual Blend by Ferro Roasters. Your ritual, perfected.";
  let tts: GoogleTtsStandin;
  let ttsConfig: ModelConfig;

  beforeAll(async () => {
    tts = await startGoogleTtsStandin({ accessToken: EMULATOR_ACCESS_TOKEN });
    ttsConfig = {
      ...config,
      voice: [
        config.voice[0],
        { provider: "google_tts", model: "Chirp3-HD", voice: VOICE, vision: false, allowPreview: false },
      ],
      providers: { ...config.providers, googleTts: { baseUrl: tts.baseUrl } },
    };
  });

  afterAll(() => tts.close());
  beforeEach(() => tts.reset());

  const ttsProviders = (now = () => Date.parse("2026-12-07T12:00:00Z")) =>
    createCloudProviders(ttsConfig, { db, logger, credentials: CREDENTIALS, googleAuth: emulatorGoogleAuth(), now });

  it("serves the voice-over from Cloud Text-to-Speech when Gemini's voice is down, billed per character", async () => {
    gemini.reply(ttsConfig.voice[0].model, geminiReplies.internal());
    tts.reply(VOICE, googleTtsReplies.speech(tonePcm(3)));

    const served = await ttsProviders().voice.speak({ text: SPOKEN, input: INPUT }, CTX);

    expect(served).toMatchObject({ model: "Chirp3-HD", tier: "backup" });
    expect(decodeWav(served.value.wav).sampleRate).toBe(24_000);
    expect(served.attempts.at(-1)).toMatchObject({
      model: "Chirp3-HD",
      errorClass: null,
      costUsd: Math.round(((SPOKEN.length * 30) / 1_000_000) * 1_000_000) / 1_000_000,
    });
    expect(tts.requests(VOICE)).toEqual([
      {
        input: { text: SPOKEN },
        voice: { languageCode: "en-US", name: VOICE },
        audioConfig: expect.objectContaining({ sampleRateHertz: 24_000 }),
      },
    ]);
    expect(tts.unauthorized).toBe(0);
  });

  it("a voice the service no longer has is not_found (cooled down); an outage is transient, retried, then refunded", async () => {
    gemini.reply(ttsConfig.voice[0].model, geminiReplies.internal());
    tts.setVoices([]);
    const gone = await failureOf(ttsProviders().voice.speak({ text: SPOKEN, input: INPUT }, CTX));
    expect(gone.reason).toMatch(/Chirp3-HD \(backup\) not_found/);

    await clearCooldowns(db);
    tts.reset();
    tts.reply(VOICE, googleTtsReplies.unavailable());
    const down = await failureOf(ttsProviders().voice.speak({ text: SPOKEN, input: INPUT }, CTX));
    expect(down.reason).toMatch(/Chirp3-HD \(backup\) transient/);
    expect(tts.calls(VOICE)).toBe(1 + ttsConfig.retry.maxRetriesPerModel);
  });

  it("records Gemini's token cost on the served attempt at the day's price: doubled from 2027-01-01", async () => {
    gemini.reply(PRIMARY(), geminiReplies.json(goodScript()));
    const december = await ttsProviders(() => Date.parse("2026-12-31T23:00:00Z")).script.write(
      { input: INPUT, dna: GOOD_DNA },
      CTX,
    );
    // The stand-in reports 812 prompt and 301 reply tokens: 812 × $0.75/M + 301 × $3.75/M.
    expect(december.attempts.at(-1)).toMatchObject({ model: PRIMARY(), errorClass: null, costUsd: 0.001738 });

    gemini.reply(PRIMARY(), geminiReplies.json(goodScript()));
    const january = await ttsProviders(() => Date.parse("2027-01-01T00:00:00Z")).script.write(
      { input: INPUT, dna: GOOD_DNA },
      CTX,
    );
    expect(january.attempts.at(-1)?.costUsd).toBe(0.003476);
  });

  it("gives no cost to a call whose provider reports no usage (OpenAI speech)", async () => {
    gemini.reply(config.voice[0].model, geminiReplies.internal());
    openai.reply(
      config.voice[1].model,
      openAiReplies.speech(encodeWav({ sampleRate: 24_000, channels: 1, bitsPerSample: 16, data: tonePcm(3) })),
    );
    const served = await providers().voice.speak({ text: SPOKEN, input: INPUT }, CTX);
    expect(served.model).toBe(config.voice[1].model);
    expect(served.attempts.at(-1)).not.toHaveProperty("costUsd");
  });
});
