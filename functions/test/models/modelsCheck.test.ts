import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createSdkClients, emulatorGoogleAuth, KEY_SECRETS } from "../../src/providers/cloud/modelAdapters";
import {
  checkModels,
  createGeminiApiVideoListingClient,
  createModelListers,
  createMusicListingClient,
  createVideoListingClient,
  formatModelCheck,
} from "../../src/models/modelsCheck";
import type { ModelConfig } from "../../src/models/modelConfig";
import { geminiReplies, startGeminiStandin, type GeminiStandin } from "../../src/providers/standins/gemini";
import { startOpenAiStandin, type OpenAiStandin } from "../../src/providers/standins/openai";
import { startGoogleTtsStandin, type GoogleTtsStandin } from "../../src/providers/standins/googleTts";
import { startOmniStandin, type OmniStandin } from "../../src/providers/standins/omni";
import { startVeoStandin, type VeoStandin } from "../../src/providers/standins/veo";
import { startLyriaStandin, type LyriaStandin } from "../../src/providers/standins/lyria";
import { emulatorAuthClient, EMULATOR_ACCESS_TOKEN } from "../../src/emulatorAuth";
import { CREDENTIALS, standinConfig } from "./helpers";

const NOW = Date.parse("2026-11-28T09:00:00Z");

let gemini: GeminiStandin;
let openai: OpenAiStandin;
let veo: VeoStandin;
let omni: OmniStandin;
let tts: GoogleTtsStandin;
let lyria: LyriaStandin;
let veoDir: string;

beforeAll(async () => {
  veoDir = await mkdtemp(path.join(os.tmpdir(), "fairshot-models-check-"));
  veo = await startVeoStandin({ workDir: veoDir, accessToken: EMULATOR_ACCESS_TOKEN });
  omni = await startOmniStandin({ workDir: veoDir, apiKey: CREDENTIALS.geminiApiKey });
  gemini = await startGeminiStandin({ apiKey: CREDENTIALS.geminiApiKey });
  openai = await startOpenAiStandin({ apiKey: CREDENTIALS.openaiApiKey });
  tts = await startGoogleTtsStandin({ accessToken: EMULATOR_ACCESS_TOKEN });
  lyria = await startLyriaStandin({ accessToken: EMULATOR_ACCESS_TOKEN, models: ["lyria-002"] });
});

beforeEach(() => {
  tts.reset();
  omni.setModels(["gemini-omni-1.2-flash", "gemini-omni-1.1-flash"]);
});

afterAll(async () => {
  await Promise.all([gemini.close(), openai.close(), veo.close(), omni.close(), tts.close(), lyria.close()]);
  await rm(veoDir, { recursive: true, force: true });
});

function configWith(overrides: Partial<Record<keyof ModelConfig, unknown>> = {}): ModelConfig {
  return standinConfig(gemini.baseUrl, openai.baseUrl, overrides);
}

/** Every configured model listed by its provider. */
function listEverything(config: ModelConfig) {
  const all = [...config.text, ...config.voice];
  gemini.listModels(all.filter((e) => e.provider === "gemini").map((e) => ({ id: e.model })));
  openai.listModels(all.filter((e) => e.provider === "openai").map((e) => ({ id: e.model })));
}

/**
 * Video models are listed where they run: Veo on Vertex AI (the Veo stand-in), Omni on the Gemini API
 * (the Omni stand-in); Lyria on Vertex AI (the Lyria stand-in), in `project` (none: not asked).
 */
function check(
  config: ModelConfig,
  credentials = CREDENTIALS,
  geminiApi: { apiVersion?: string } = {},
  project: string | null = "demo-fairshot",
) {
  const video = { baseUrl: veo.baseUrl, geminiApi: { baseUrl: omni.baseUrl, ...geminiApi } };
  const onStandins = {
    ...config,
    providers: { ...config.providers, video, googleTts: { baseUrl: tts.baseUrl }, music: { baseUrl: lyria.baseUrl } },
  };
  const listers = createModelListers(
    {
      ...createSdkClients(onStandins.providers, credentials, emulatorGoogleAuth()),
      video: createVideoListingClient(onStandins, "demo-fairshot", emulatorAuthClient()),
      geminiApiVideo: createGeminiApiVideoListingClient(onStandins, credentials.geminiApiKey),
      music: createMusicListingClient(onStandins, project ?? undefined, emulatorAuthClient()),
    },
    KEY_SECRETS,
  );
  return checkModels(config, listers, NOW);
}

describe("checkModels against the provider stand-ins", () => {
  it("passes with every model listed, one row per configured model of every chain", async () => {
    const config = configWith();
    listEverything(config);

    const result = await check(config);

    expect(result.exitCode).toBe(0);
    expect(result.problems).toEqual([]);
    expect(result.notVerified).toEqual([]);
    expect(result.rows.map((row) => [row.chain, row.position, row.model, row.availability])).toEqual([
      ["text", 1, config.text[0].model, "listed"],
      ["text", 2, config.text[1].model, "listed"],
      ["text", 3, config.text[2].model, "listed"],
      ["visual_dna", 1, config.text[0].model, "listed"],
      ["visual_dna", 2, config.text[1].model, "listed"],
      ["voice", 1, config.voice[0].model, "listed"],
      ["voice", 2, config.voice[1].model, "listed"],
      ["video", 1, config.video[0].model, "listed"],
      ["video", 2, config.video[1].model, "listed"],
      ["video", 3, config.video[2].model, "listed"],
      ["video", 4, config.video[3].model, "listed"],
      ["music", 1, "lyria-002", "listed"],
    ]);
    expect(lyria.unauthorized).toBe(0);
  });

  it("checks the music chain on Vertex AI: a missing entry warns, one live model does not (the pad follows it)", async () => {
    const config = configWith({
      music: [
        { provider: "gemini", model: "lyria-002" },
        { provider: "gemini", model: "lyria-009" },
      ],
    });
    listEverything(config);

    const result = await check(config);

    expect(result.exitCode).toBe(1);
    expect(result.rows.filter((r) => r.chain === "music").map((r) => [r.position, r.model, r.availability])).toEqual([
      [1, "lyria-002", "listed"],
      [2, "lyria-009", "missing"],
    ]);
    expect(result.problems).toEqual(["music #2: lyria-009 is missing from vertex ai (music)'s model list"]);
    expect(formatModelCheck(result)).toMatch(/^music\s+2\s+backup\s+gemini\s+lyria-009\s+MISSING/m);
  });

  it("a music chain with no live model is a warning (exit 1), not a chain that fails runs", async () => {
    const config = configWith({ music: [{ provider: "gemini", model: "lyria-009" }] });
    listEverything(config);

    const result = await check(config);

    expect(result.exitCode).toBe(1);
    expect(result.problems).toContain(
      "music: no live model: every model is retired or missing, so every ad gets the local pad instead",
    );
  });

  it("music without a Vertex AI project is not asked; with the music chain empty it has no rows", async () => {
    const config = configWith();
    listEverything(config);

    const unasked = await check(config, CREDENTIALS, {}, null);
    expect(unasked.exitCode).toBe(3);
    expect(unasked.rows.find((r) => r.chain === "music")?.availability).toBe("no_key");
    expect(unasked.notVerified).toEqual([
      "vertex ai (music): could not list its models (no Google Cloud project for Vertex AI (set VERTEX_PROJECT), so the music models cannot be listed); its models are not verified, not reported missing",
    ]);

    const none = await check(configWith({ music: [] }), CREDENTIALS, {}, null);
    expect(none.exitCode).toBe(0);
    expect(none.rows.some((r) => r.chain === "music")).toBe(false);
  });

  it("warns (exit 1) for every missing entry, the first live one and a backup alike, and names each", async () => {
    const config = configWith();
    listEverything(config);
    gemini.listModels([config.voice[0]].map((e) => ({ id: e.model })));
    // A backup gone from its provider: found before a run needs it.
    openai.listModels([{ id: config.text[1].model }, { id: config.voice[1].model }]);

    const result = await check(config);

    expect(result.exitCode).toBe(1);
    expect(result.rows.find((r) => r.chain === "text" && r.position === 1)?.availability).toBe("missing");
    expect(result.problems).toContain(`text #1: ${config.text[0].model} is missing from gemini's model list`);
    expect(result.problems).toContain(`text #3: ${config.text[2].model} is missing from openai's model list`);
    expect(formatModelCheck(result)).toMatch(
      new RegExp(`text\\s+1\\s+primary\\s+gemini\\s+${config.text[0].model}\\s+MISSING`),
    );
  });

  it("warns when a chain is left with one live model", async () => {
    const config = configWith();
    listEverything(config);
    openai.listModels(config.text.filter((e) => e.provider === "openai").map((e) => ({ id: e.model })));

    const result = await check(config);

    expect(result.exitCode).toBe(1);
    expect(result.problems).toContain(`voice #2: ${config.voice[1].model} is missing from openai's model list`);
    expect(result.problems).toContain(
      `voice: only ${config.voice[0].model} is left live: one outage or shutdown of it fails every run at this stage`,
    );
  });

  it("reads OpenAI's shutdown_date for every entry: a backup shutting down within --warn-days is a warning", async () => {
    const config = configWith();
    listEverything(config);
    openai.listModels([
      { id: config.text[1].model },
      { id: config.text[2].model, shutdownDate: "2026-12-05" },
      { id: config.voice[1].model, shutdownDate: "2027-01-06" },
    ]);

    const result = await check(config);

    expect(result.exitCode).toBe(1);
    const backup = result.rows.find((r) => r.chain === "text" && r.position === 3);
    expect(backup).toMatchObject({
      availability: "listed",
      shutdownDate: "2026-12-05",
      announcedShutdown: "2026-12-05",
      daysLeft: 7,
      retired: false,
    });
    expect(result.problems).toContain(`text #3: ${config.text[2].model} shuts down on 2026-12-05 (in 7 days)`);
    // 39 days away: outside the 14-day window, but a date the entry does not declare is pointed out.
    expect(result.problems).not.toContain(`voice #2: ${config.voice[1].model} shuts down on 2027-01-06 (in 39 days)`);
    expect(result.problems).toContain(
      `voice: the provider announces ${config.voice[1].model}'s shutdown on 2027-01-06: write retiresOn: "2027-01-06" on its entry`,
    );
  });

  it("gives each provider its own verdict: one that is down is reported not verified (exit 3), the others stand", async () => {
    const config = configWith();
    listEverything(config);
    gemini.listModels(geminiReplies.overloaded());

    const result = await check(config);

    expect(result.exitCode).toBe(3);
    expect(result.problems).toEqual([]);
    const geminiRows = result.rows.filter((r) => r.provider === "gemini" && r.chain !== "video" && r.chain !== "music");
    // The video and music chains are listed where they run (Omni on the Interactions API's version, Veo and Lyria on Vertex AI), which answered.
    expect(result.rows.filter((r) => r.chain === "video").every((r) => r.availability === "listed")).toBe(true);
    expect(result.rows.find((r) => r.chain === "music")?.availability).toBe("listed");
    expect(geminiRows.length).toBeGreaterThan(0);
    expect(geminiRows.every((r) => r.availability === "provider_down")).toBe(true);
    expect(result.rows.filter((r) => r.provider === "openai").every((r) => r.availability === "listed")).toBe(true);
    expect(result.notVerified[0]).toMatch(
      /^gemini: could not list its models \(503 UNAVAILABLE: The model is overloaded/,
    );
    expect(formatModelCheck(result)).toContain("provider down");
    expect(formatModelCheck(result)).not.toContain("MISSING");
  });

  it("a warning among the providers that answered still wins over one that could not be asked", async () => {
    const config = configWith();
    listEverything(config);
    gemini.listModels(geminiReplies.overloaded());
    openai.listModels([{ id: config.text[1].model }]);

    const result = await check(config);

    expect(result.exitCode).toBe(1);
    expect(result.problems).toContain(`text #3: ${config.text[2].model} is missing from openai's model list`);
    expect(result.notVerified).toHaveLength(1);
  });

  it("exits 2 when a chain has no live model: every model missing or retired", async () => {
    const config = configWith({
      voice: [{ ...configWith().voice[0], retiresOn: "2026-11-01" }, configWith().voice[1]],
    });
    listEverything(config);
    openai.listModels([]);

    const result = await check(config);

    expect(result.exitCode).toBe(2);
    expect(result.rows.find((r) => r.chain === "voice" && r.position === 1)).toMatchObject({
      retired: true,
      daysLeft: -27,
    });
    expect(result.problems).toContain(
      "voice: no live model: every model is retired or missing, so every run would fail at this stage",
    );
  });

  it("reports a provider whose key is not set as not asked", async () => {
    const config = configWith();
    listEverything(config);

    const result = await check(config, { ...CREDENTIALS, openaiApiKey: "" });

    expect(result.exitCode).toBe(3);
    expect(result.rows.filter((r) => r.provider === "openai").every((r) => r.availability === "no_key")).toBe(true);
    expect(result.notVerified[0]).toContain("the OPENAI_API_KEY secret is empty");
  });

  it("lists Cloud Text-to-Speech voices: its entry is listed while its voice is served, missing when it is not", async () => {
    const voice = [
      configWith().voice[0],
      { provider: "google_tts", model: "Chirp3-HD", voice: "en-US-Chirp3-HD-Kore" },
      configWith().voice[1],
    ];
    const config = configWith({ voice });
    listEverything(config);

    const served = await check(config);
    expect(served.exitCode).toBe(0);
    expect(served.rows.find((r) => r.chain === "voice" && r.position === 2)).toMatchObject({
      provider: "google_tts",
      model: "Chirp3-HD",
      availability: "listed",
    });

    tts.setVoices(["en-US-Chirp3-HD-Puck"]);
    const gone = await check(config);
    expect(gone.exitCode).toBe(1);
    expect(gone.problems).toContain("voice #2: Chirp3-HD is missing from cloud text-to-speech's model list");
    expect(tts.unauthorized).toBe(0);
  });

  it("notices a 404 on the Interactions API's version: Omni models called on a version Google does not serve", async () => {
    const config = configWith();
    listEverything(config);

    const result = await check(config, CREDENTIALS, { apiVersion: "v1beta" });

    expect(result.exitCode).toBe(1);
    expect(
      result.problems.find((p) => p.startsWith("gemini api (video): the API its models are called on answered 404")),
    ).toBeDefined();
    expect(result.rows.filter((r) => r.chain === "video" && r.model.startsWith("gemini-omni"))).toHaveLength(2);
    expect(omni.requests.some((r) => r.path === "/v1beta/models")).toBe(true);
  });
});

describe("npm run models:check (the command)", () => {
  const ROOT = path.resolve(__dirname, "../../..");

  /** Runs the command as an operator would, configured through the deployment's params. */
  async function runCommand(env: Record<string, string>): Promise<{ code: number; stdout: string }> {
    try {
      const { stdout } = await promisify(execFile)(
        path.join(ROOT, "node_modules/.bin/tsx"),
        ["scripts/modelsCheck.ts"],
        {
          cwd: ROOT,
          env: { ...process.env, ...env },
        },
      );
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string };
      return { code: failed.code, stdout: failed.stdout };
    }
  }

  it("prints the table and exits with the verdict, against the stand-ins", async () => {
    const config = configWith();
    listEverything(config);
    gemini.listModels([config.voice[0]].map((e) => ({ id: e.model })));
    const env = {
      MODEL_CHAINS: JSON.stringify({
        text: config.text,
        voice: config.voice,
        providers: {
          gemini: { backend: "gemini_api", baseUrl: gemini.baseUrl },
          openai: { baseUrl: `${openai.baseUrl}/v1` },
        },
      }),
      GEMINI_API_KEY: CREDENTIALS.geminiApiKey,
      OPENAI_API_KEY: CREDENTIALS.openaiApiKey,
      // No project: the video chain is reported not asked (Vertex AI would need real credentials).
      VERTEX_PROJECT: "",
      GCLOUD_PROJECT: "",
      GOOGLE_CLOUD_PROJECT: "",
    };

    const { code, stdout } = await runCommand(env);

    expect(code).toBe(1);
    expect(stdout).toMatch(/^chain\s+#\s+tier\s+provider\s+model\s+available\s+shutdown\s+days left$/m);
    expect(stdout).toMatch(new RegExp(`^text\\s+1\\s+primary\\s+gemini\\s+${config.text[0].model}\\s+MISSING`, "m"));
    expect(stdout).toContain(`! text #1: ${config.text[0].model} is missing from gemini's model list`);
    // Not asked (no Vertex project here): a `?` line, which does not hide the warning above.
    expect(stdout).toContain("? vertex ai (video): could not list its models");
    expect(stdout).toContain("? vertex ai (music): could not list its models");
    expect(stdout).toMatch(/^music\s+1\s+primary\s+gemini\s+lyria-002\s+not asked/m);
  });
});
