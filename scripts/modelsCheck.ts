/**
 * `npm run models:check`: asks each configured provider which models exist (Gemini API or Vertex
 * AI models.list, OpenAI GET /v1/models with shutdown_date, Cloud Text-to-Speech voices.list) and
 * prints one row per configured model: chain, position, available, shutdown date, days left; then
 * one `!` line per warning and one `?` line per provider that could not be asked.
 * Exit 0 all well; 1 a warning: any entry missing or shutting down within --warn-days, a chain
 * left with one live model, a provider-announced shutdown the entry lacks, an API answering 404;
 * 2 a chain has no live model (or the configuration is refused); 3 nothing wrong among the
 * providers asked, but one or more could not be asked (each provider's verdict stands on its own).
 *
 * The configuration comes from the same params as the deployment (MODEL_CHAINS, VERTEX_PROJECT,
 * VERTEX_LOCATION) and the keys from GEMINI_API_KEY and OPENAI_API_KEY, all from the environment;
 * the video chain's Veo models and the music chain's Lyria models are listed on Vertex AI in
 * VERTEX_PROJECT (or GCLOUD_PROJECT) and the Cloud Text-to-Speech voices in the same way, with
 * Application Default Credentials.
 *
 *   --warn-days <n>  (default 14)   --now <YYYY-MM-DD> (default: now)   --json
 */
import { parseArgs } from "node:util";
import { createSdkClients, KEY_SECRETS } from "../functions/src/providers/cloud/modelAdapters";
import { ModelConfigError, readModelConfig } from "../functions/src/models/modelConfig";
import {
  checkModels,
  createModelListers,
  createGeminiApiVideoListingClient,
  createMusicListingClient,
  createVideoListingClient,
  DEFAULT_WARN_DAYS,
  formatModelCheck,
} from "../functions/src/models/modelsCheck";

const { values } = parseArgs({
  options: {
    "warn-days": { type: "string", default: String(DEFAULT_WARN_DAYS) },
    now: { type: "string" },
    json: { type: "boolean", default: false },
  },
});

async function main(): Promise<number> {
  const warnDays = Number(values["warn-days"]);
  const nowMs = values.now ? Date.parse(`${values.now}T00:00:00Z`) : Date.now();
  if (!Number.isInteger(warnDays) || warnDays < 0 || Number.isNaN(nowMs)) {
    console.error("usage: models:check [--warn-days <whole days>] [--now YYYY-MM-DD] [--json]");
    return 2;
  }
  let config;
  try {
    config = readModelConfig(nowMs);
  } catch (error) {
    if (!(error instanceof ModelConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  const credentials = {
    geminiApiKey: process.env.GEMINI_API_KEY ?? "",
    openaiApiKey: process.env.OPENAI_API_KEY ?? "",
  };
  // Video models are listed where they run: Veo on Vertex AI (Application Default Credentials),
  // Omni on the Gemini API (GEMINI_API_KEY); Lyria on Vertex AI like Veo.
  const project = process.env.VERTEX_PROJECT || process.env.GCLOUD_PROJECT || process.env.GOOGLE_CLOUD_PROJECT;
  const video = createVideoListingClient(config, project);
  const geminiApiVideo = createGeminiApiVideoListingClient(config, credentials.geminiApiKey);
  const music = createMusicListingClient(config, project);
  const listers = createModelListers(
    { ...createSdkClients(config.providers, credentials), video, geminiApiVideo, music },
    KEY_SECRETS,
  );
  const result = await checkModels(config, listers, nowMs, { warnDays });
  console.log(values.json ? JSON.stringify(result) : formatModelCheck(result));
  return result.exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
