import {
  DEFAULT_MODEL_CONFIG,
  ModelConfigError,
  daysLeft,
  isRetired,
  modelChains,
  parseModelConfig,
  readModelConfig,
} from "../../src/models/modelConfig";

function problemsOf(raw: unknown): string {
  try {
    parseModelConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the configuration to be refused");
}

const [gemini, openAiVision] = DEFAULT_MODEL_CONFIG.text;
const openAiText = { provider: "openai", model: "gpt-5.6-terra", vision: false };
const TODAY = Date.parse("2026-11-28T12:00:00Z");

describe("parseModelConfig", () => {
  it("accepts the defaults: Gemini, OpenAI, Gemini for text, all with vision; voices on three providers; Omni 1.2 then 1.1 first", () => {
    const config = parseModelConfig(DEFAULT_MODEL_CONFIG, TODAY);
    expect(config.text.map((e) => [e.provider, e.vision])).toEqual([
      ["gemini", true],
      ["openai", true],
      ["gemini", true],
    ]);
    expect(config.voice.map((e) => e.provider)).toEqual(["gemini", "gemini", "google_tts", "openai"]);
    expect(config.video.map((e) => [e.provider, e.api, e.model])).toEqual([
      ["gemini", "gemini_api", "gemini-omni-1.2-flash"],
      ["gemini", "gemini_api", "gemini-omni-1.1-flash"],
      ["gemini", "vertex_ai", "veo-3.1-generate-001"],
      ["gemini", "vertex_ai", "veo-3.1-fast-generate-001"],
    ]);
  });

  it("refuses a video chain that is empty, has a preview without allowPreview, or a non-Gemini model", () => {
    expect(problemsOf({ ...DEFAULT_MODEL_CONFIG, video: [] })).toContain("video: the chain is empty");
    const message = problemsOf({
      ...DEFAULT_MODEL_CONFIG,
      video: [
        { provider: "gemini", api: "vertex_ai", model: "veo-3.1-generate-preview" },
        { provider: "openai", api: "vertex_ai", model: "sora-2" },
      ],
    });
    expect(message).toContain('video[0] "veo-3.1-generate-preview": preview models need allowPreview: true');
    expect(message).toContain('video[1] "sora-2": video models run on gemini only');
  });

  it("refuses a video entry without its API, or on an API that does not serve its model family, naming it", () => {
    expect(
      problemsOf({ ...DEFAULT_MODEL_CONFIG, video: [{ provider: "gemini", model: "gemini-omni-1.1-flash" }] }),
    ).toContain("video[0].api:");
    const message = problemsOf({
      ...DEFAULT_MODEL_CONFIG,
      video: [
        { provider: "gemini", api: "gemini_api", model: "veo-3.1-generate-001" },
        { provider: "gemini", api: "vertex_ai", model: "gemini-omni-1.1-flash" },
        { provider: "gemini", api: "vertex_ai", model: "imagen-9-video" },
      ],
    });
    expect(message).toContain('video[0] "veo-3.1-generate-001": runs on api "vertex_ai", not "gemini_api"');
    expect(message).toContain('video[1] "gemini-omni-1.1-flash": runs on api "gemini_api", not "vertex_ai"');
    expect(message).toContain('video[2] "imagen-9-video": unknown video model family: api "vertex_ai" serves Veo');
  });

  it("has no default that is retired today or retires within 14 days", () => {
    const config = parseModelConfig(DEFAULT_MODEL_CONFIG, TODAY);
    for (const chain of modelChains(config)) {
      for (const entry of chain.entries) {
        if (entry.retiresOn) expect(daysLeft(entry.retiresOn, TODAY)).toBeGreaterThan(14);
      }
    }
  });

  it("refuses a model its provider has already shut down, naming the entry and the date", () => {
    const message = problemsOf({
      ...DEFAULT_MODEL_CONFIG,
      text: [gemini, { provider: "openai", model: "gpt-3.5-turbo", vision: false }],
    });
    expect(message).toContain('text[1] "gpt-3.5-turbo": retired: openai shut it down on 2026-10-23');
  });

  it("refuses a retiresOn that is not a calendar date", () => {
    expect(problemsOf({ ...DEFAULT_MODEL_CONFIG, text: [{ ...gemini, retiresOn: "2027-02-30" }] })).toContain(
      "retiresOn is not a calendar date",
    );
    expect(problemsOf({ ...DEFAULT_MODEL_CONFIG, text: [{ ...gemini, retiresOn: "14 Jan 2027" }] })).toContain(
      "retiresOn must be a date as YYYY-MM-DD",
    );
  });

  it("keeps an entry past its retiresOn while its chain has a live model, and refuses a chain with none", () => {
    const retired = { ...gemini, retiresOn: "2026-11-01" };
    expect(parseModelConfig({ ...DEFAULT_MODEL_CONFIG, text: [retired, openAiVision] }, TODAY).text).toHaveLength(2);
    expect(() =>
      parseModelConfig(
        { ...DEFAULT_MODEL_CONFIG, text: [retired, { ...openAiVision, retiresOn: "2026-11-28" }] },
        TODAY,
      ),
    ).toThrow('text: no live model: "gemini-3.8-flash" retired on 2026-11-01, "gpt-6-luna" retired on 2026-11-28');
    // Visual DNA is a chain of its own: the vision models of the text chain.
    expect(() => parseModelConfig({ ...DEFAULT_MODEL_CONFIG, text: [retired, openAiText] }, TODAY)).toThrow(
      'visual_dna: no live model: "gemini-3.8-flash" retired on 2026-11-01',
    );
  });

  it("refuses an experimental model and names it", () => {
    const message = problemsOf({
      ...DEFAULT_MODEL_CONFIG,
      text: [{ provider: "gemini", model: "gemini-2.0-flash-exp", vision: true }, openAiVision],
    });
    expect(message).toContain('text[0] "gemini-2.0-flash-exp": experimental models are not allowed');
  });

  it("refuses a preview model unless its entry allows previews", () => {
    const voice = [{ provider: "gemini", model: "gemini-3.1-flash-tts-preview", voice: "Kore" }];
    expect(problemsOf({ ...DEFAULT_MODEL_CONFIG, voice })).toContain(
      'voice[0] "gemini-3.1-flash-tts-preview": preview models need allowPreview: true',
    );
    expect(() =>
      parseModelConfig({ ...DEFAULT_MODEL_CONFIG, voice: [{ ...voice[0], allowPreview: true }] }),
    ).not.toThrow();
  });

  it("refuses an unknown provider and names the entry", () => {
    const message = problemsOf({
      ...DEFAULT_MODEL_CONFIG,
      text: [gemini, { provider: "anthropic", model: "claude-sonnet", vision: true }],
    });
    expect(message).toContain(
      'text[1] "claude-sonnet": unknown provider "anthropic" (known: gemini, openai, google_tts)',
    );
  });

  it("keeps a second voice provider live past gpt-4o-mini-tts's shutdown on 2027-01-06", () => {
    const after = parseModelConfig(DEFAULT_MODEL_CONFIG, Date.parse("2027-01-06T00:00:00Z"));
    const live = after.voice.filter((entry) => !isRetired(entry, Date.parse("2027-01-06T00:00:00Z")));
    expect(new Set(live.map((entry) => entry.provider))).toEqual(new Set(["gemini", "google_tts"]));
    expect(after.voice.find((entry) => entry.provider === "openai")?.retiresOn).toBe("2027-01-06");
  });

  it("refuses Cloud Text-to-Speech in the text chain, and a voice that is not of its entry's model", () => {
    const inText = problemsOf({
      ...DEFAULT_MODEL_CONFIG,
      text: [gemini, { provider: "google_tts", model: "Chirp3-HD", vision: false }],
    });
    expect(inText).toContain('text[1] "Chirp3-HD": google_tts serves voices only');
    const wrongVoice = problemsOf({
      ...DEFAULT_MODEL_CONFIG,
      voice: [{ provider: "google_tts", model: "Chirp3-HD", voice: "en-US-Neural2-C" }],
    });
    expect(wrongVoice).toContain('voice[0] "Chirp3-HD": voice "en-US-Neural2-C" is not a Chirp3-HD voice');
  });

  it("refuses empty chains", () => {
    expect(problemsOf({ ...DEFAULT_MODEL_CONFIG, text: [] })).toContain("text: the chain is empty");
    expect(problemsOf({ ...DEFAULT_MODEL_CONFIG, voice: [] })).toContain("voice: the chain is empty");
  });

  it("refuses a text chain with no vision model, since Visual DNA needs one", () => {
    expect(problemsOf({ ...DEFAULT_MODEL_CONFIG, text: [openAiText] })).toContain("text: no model has vision");
  });

  it("refuses Vertex AI without a project and location", () => {
    const providers = { ...DEFAULT_MODEL_CONFIG.providers, gemini: { backend: "vertex_ai" } };
    expect(problemsOf({ ...DEFAULT_MODEL_CONFIG, providers })).toContain("providers.gemini: vertex_ai needs");
  });
});

describe("readModelConfig (params from the environment)", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("uses the defaults when MODEL_CHAINS is empty", () => {
    delete process.env.MODEL_CHAINS;
    expect(readModelConfig()).toEqual(parseModelConfig(DEFAULT_MODEL_CONFIG));
  });

  it("replaces only the top-level keys the override names, and fills Vertex settings from their params", () => {
    process.env.MODEL_CHAINS = JSON.stringify({
      text: [openAiVision],
      providers: { gemini: { backend: "vertex_ai" }, openai: { baseUrl: "http://127.0.0.1:9/v1" } },
    });
    process.env.VERTEX_PROJECT = "acme-ads";
    process.env.VERTEX_LOCATION = "europe-west4";

    const config = readModelConfig();

    expect(config.text).toEqual([{ ...openAiVision, allowPreview: false }]);
    expect(config.voice).toEqual(parseModelConfig(DEFAULT_MODEL_CONFIG).voice);
    expect(config.providers).toEqual({
      gemini: { backend: "vertex_ai", vertexProject: "acme-ads", vertexLocation: "europe-west4" },
      openai: { baseUrl: "http://127.0.0.1:9/v1" },
      vision: {},
      googleTts: {},
      music: {},
      video: { geminiApi: {} },
    });
  });

  it("validates the override with the same rules", () => {
    process.env.MODEL_CHAINS = JSON.stringify({
      text: [{ provider: "gemini", model: "gemini-exp-1206", vision: true }],
    });
    expect(() => readModelConfig()).toThrow('text[0] "gemini-exp-1206": experimental models are not allowed');
    process.env.MODEL_CHAINS = "{not json";
    expect(() => readModelConfig()).toThrow("MODEL_CHAINS is not valid JSON");
  });
});

describe("prices", () => {
  const price = (periods: unknown[]) => ({
    source: "https://ai.google.dev/gemini-api/docs/pricing",
    readOn: "2026-12-07",
    periods,
  });
  const tokens = { per: "token", inputPerMillion: 1, outputPerMillion: 2 };

  it("carries a price with its page and the day it was read for every default model", () => {
    const config = parseModelConfig(DEFAULT_MODEL_CONFIG, TODAY);
    for (const chain of modelChains(config)) {
      for (const entry of chain.entries) {
        const entryPrice = config.prices[`${entry.provider}/${entry.model}`];
        expect(entryPrice).toBeDefined();
        expect(entryPrice.source).toMatch(/^https:\/\//);
        expect(entryPrice.readOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }
  });

  it("refuses a price in another unit than its chain's calls are measured in, naming the model", () => {
    const message = problemsOf({
      ...DEFAULT_MODEL_CONFIG,
      prices: {
        "gemini/gemini-3.8-flash": price([{ rate: { per: "video_second", usd: 0.1 } }]),
        "gemini/veo-3.1-generate-001": price([{ rate: tokens }]),
        "google_tts/Chirp3-HD": price([{ rate: tokens }]),
      },
    });
    expect(message).toContain(
      "prices.gemini/gemini-3.8-flash: billed per video_second, but text calls are measured per token",
    );
    expect(message).toContain(
      "prices.gemini/veo-3.1-generate-001: billed per token, but video calls are measured per video_second",
    );
    expect(message).toContain(
      "prices.google_tts/Chirp3-HD: billed per token, but voice calls are measured per character",
    );
  });

  it("refuses dated periods out of order, a dated first period, a change of unit, a negative rate, a bad date", () => {
    const message = problemsOf({
      ...DEFAULT_MODEL_CONFIG,
      prices: {
        "a/out-of-order": price([
          { rate: tokens },
          { from: "2027-02-01", rate: tokens },
          { from: "2027-01-01", rate: tokens },
        ]),
        "a/dated-first": price([{ from: "2027-01-01", rate: tokens }]),
        "a/unit-change": price([{ rate: tokens }, { from: "2027-01-01", rate: { per: "character", perMillion: 30 } }]),
        "a/negative": price([{ rate: { per: "character", perMillion: -1 } }]),
        "a/bad-date": price([{ rate: tokens }, { from: "2027-02-30", rate: tokens }]),
      },
    });
    expect(message).toContain("prices.a/out-of-order.periods[2]: later periods need a `from` after the previous one");
    expect(message).toContain("prices.a/dated-first.periods[0]: the first period has no `from`");
    expect(message).toContain("prices.a/unit-change.periods[1]: every period bills in the same unit");
    expect(message).toContain("prices.a/negative.periods[0].rate.perMillion");
    expect(message).toContain("prices.a/bad-date.periods[1].from: from is not a calendar date");
  });
});
