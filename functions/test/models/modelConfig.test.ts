import {
  DEFAULT_MODEL_CONFIG,
  ModelConfigError,
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

const [gemini, openAiVision, openAiText] = DEFAULT_MODEL_CONFIG.text;

describe("parseModelConfig", () => {
  it("accepts the defaults: three text models, vision on the first two, previews allowed explicitly", () => {
    const config = parseModelConfig(DEFAULT_MODEL_CONFIG);
    expect(config.text.map((e) => [e.provider, e.vision])).toEqual([
      ["gemini", true],
      ["openai", true],
      ["openai", false],
    ]);
    expect(config.voice.map((e) => e.provider)).toEqual(["gemini", "openai"]);
    expect(config.voice[0].allowPreview).toBe(true);
    expect(config.video.allowPreview).toBe(true);
  });

  it("refuses an experimental model and names it", () => {
    const message = problemsOf({
      ...DEFAULT_MODEL_CONFIG,
      text: [{ provider: "gemini", model: "gemini-2.0-flash-exp", vision: true }, openAiVision],
    });
    expect(message).toContain('text[0] "gemini-2.0-flash-exp": experimental models are not allowed');
  });

  it("refuses a preview model unless its entry allows previews", () => {
    const voice = [{ provider: "gemini", model: "gemini-2.5-flash-preview-tts", voice: "Kore" }];
    expect(problemsOf({ ...DEFAULT_MODEL_CONFIG, voice })).toContain(
      'voice[0] "gemini-2.5-flash-preview-tts": preview models need allowPreview: true',
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
    expect(message).toContain('text[1] "claude-sonnet": unknown provider "anthropic" (known: gemini, openai)');
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
