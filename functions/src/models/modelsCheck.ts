/**
 * Which configured models are alive: asks each provider for its model list (Gemini API or
 * Vertex AI `models.list`, OpenAI `GET /v1/models` with `shutdown_date`, Cloud Text-to-Speech
 * `voices.list`) and judges every entry of every chain of the configuration, the music chain's too
 * when it has one (Lyria, listed on Vertex AI where it runs). Used by
 * `npm run models:check`, `npm run deploy:check` and the daily scheduled check. Deciding is pure
 * (`judgeModels`); asking is at the edge (`listAll`), each provider on its own: one that cannot
 * be asked leaves the others' verdicts standing.
 */
import type { TextToSpeechClient } from "@google-cloud/text-to-speech";
import { ApiError, GoogleGenAI } from "@google/genai";
import type { OAuth2Client } from "google-auth-library";
import type { SdkClients } from "./modelAdapter";
import { describeError, ModelCallError } from "./errors";
import { tierAt } from "./fallback";
import { MODEL_CHECK } from "./messages";
import { INTERACTIONS_API_VERSION } from "../video/omniRules";
import { daysLeft, isRetired, modelChains, type ModelConfig, type NamedChain } from "./modelConfig";

/**
 * The chains the check judges: the ones a run cannot do without, then the music chain when one is
 * configured. The project's own pad serves music after the chain's last model, so a music chain down
 * to one live model is no warning, and one with none is a warning (exit 1), not a chain that fails runs.
 */
function checkedChains(config: ModelConfig): (NamedChain & { padFollows?: true })[] {
  return [
    ...modelChains(config),
    ...(config.music.length > 0 ? [{ name: "music", entries: config.music, padFollows: true as const }] : []),
  ];
}
import type { ProviderName } from "../contract/providers";

export interface ListedModel {
  id: string;
  /** YYYY-MM-DD when the provider announces one (OpenAI's `shutdown_date`). */
  shutdownDate?: string;
}

/** One provider's model list; throws when the provider cannot be asked. */
export type ModelLister = () => Promise<ListedModel[]>;
/**
 * Where a chain's models are listed: their provider's API, except the video and music chains, whose
 * entries are listed where they run whatever the Gemini backend of the text and voice chains: Gemini
 * API entries (Omni) on the Gemini API, Vertex AI entries (Veo) on Vertex AI (providers.video), Lyria
 * on Vertex AI (providers.music).
 */
export type ListingSource = ProviderName | "gemini_api_video" | "vertex_video" | "vertex_music";
export type ModelListers = Record<ListingSource, ModelLister>;

const sourceOf = (chain: string, entry: NamedChain["entries"][number]): ListingSource => {
  if (chain === "music") return "vertex_music";
  if (chain !== "video") return entry.provider;
  return entry.api === "gemini_api" ? "gemini_api_video" : "vertex_video";
};

/** What a provider lists: a model id, except Cloud Text-to-Speech, which lists voices (named after their model). */
const listedId = (entry: NamedChain["entries"][number]): string =>
  entry.provider === "google_tts" && entry.voice ? entry.voice : entry.model;

/**
 * What a provider answered: its models by id, or why it could not be asked. `notServed`: the
 * listing itself answered 404, so the API (or API version) the models are called on is gone.
 */
export type ProviderListing =
  | { ok: true; models: Map<string, ListedModel> }
  | { ok: false; error: string; keyMissing: boolean; notServed?: boolean };

export type Availability = "listed" | "missing" | "provider_down" | "no_key";

export interface ModelCheckRow {
  chain: string;
  /** 1-based place in the chain. */
  position: number;
  tier: string;
  provider: ProviderName;
  model: string;
  availability: Availability;
  /** The earlier of the entry's retiresOn and the provider's announced date. */
  shutdownDate?: string;
  /** The date the provider's list announces (OpenAI's shutdown_date), whatever the entry says. */
  announcedShutdown?: string;
  /** Whole days until shutdownDate (0 on the day, negative after). */
  daysLeft?: number;
  /** Past its shutdown date: the pipeline never calls it. */
  retired: boolean;
  /** The provider announces a date the entry's retiresOn does not carry. */
  undeclaredShutdown: boolean;
}

/**
 * 0 all well; 1 a warning: an entry (any position) missing or shutting down within warnDays, a
 * chain left with one live model, a provider-announced date the entry lacks, a music chain with no
 * live model (the pad serves); 2 a chain a run needs has no live model; 3 nothing wrong among the providers asked, but one or more could not be asked.
 */
export type CheckExitCode = 0 | 1 | 2 | 3;

export interface ModelCheckResult {
  rows: ModelCheckRow[];
  exitCode: CheckExitCode;
  /** Warnings and worse, one line each (what the daily check alerts on). */
  problems: string[];
  /** Providers that could not be asked, one line each. */
  notVerified: string[];
}

export interface CheckOptions {
  /** An entry shutting down within this many days is a warning (exit 1). */
  warnDays: number;
}

/** How long one provider's listing may take before it counts as not asked. */
export const LISTING_TIMEOUT_MS = 30_000;

export const DEFAULT_WARN_DAYS = 14;

/** `models/gemini-3.8-flash`, `publishers/google/models/gemini-3.8-flash` → `gemini-3.8-flash`. */
function bareModelId(name: string): string {
  const at = name.lastIndexOf("models/");
  return at === -1 ? name : name.slice(at + "models/".length);
}

/** A provider we hold no key for is not asked at all. */
class KeyMissingError extends ModelCallError {
  constructor(message: string) {
    super("auth_config", message);
  }
}

/** How operators know each listing source. */
const SOURCE_NAMES: Record<ListingSource, string> = {
  gemini: "gemini",
  openai: "openai",
  google_tts: "cloud text-to-speech",
  gemini_api_video: "gemini api (video)",
  vertex_video: "vertex ai (video)",
  vertex_music: "vertex ai (music)",
};

const earliest = (a?: string, b?: string) => (a && b ? (a < b ? a : b) : (a ?? b));

/** The listers over the SDK clients the pipeline itself uses (same endpoints, same keys). */
/** Google's models as @google/genai lists them (Vertex AI: publishers/google/models), not tuned ones. */
async function listGoogleModels(ai: GoogleGenAI): Promise<ListedModel[]> {
  const listed: ListedModel[] = [];
  for await (const model of await ai.models.list({ config: { queryBase: true, pageSize: 1000 } })) {
    if (model.name) listed.push({ id: bareModelId(model.name) });
  }
  return listed;
}

/** A Vertex AI client in the project and location the chains run in, for listing Google's models. */
function vertexListingClient(
  config: ModelConfig,
  projectId: string | undefined,
  baseUrl: string | undefined,
  authClient?: OAuth2Client,
): GoogleGenAI | undefined {
  const project = config.providers.gemini.vertexProject ?? projectId;
  if (!project) return undefined;
  return new GoogleGenAI({
    vertexai: true,
    project,
    location: config.providers.gemini.vertexLocation ?? "us-central1",
    ...(baseUrl ? { httpOptions: { baseUrl } } : {}),
    ...(authClient ? { googleAuthOptions: { authClient } } : {}),
  });
}

/** The Vertex AI client the video chain runs on (as wiring builds it), for listing its models. */
export function createVideoListingClient(
  config: ModelConfig,
  projectId: string | undefined,
  authClient?: OAuth2Client,
): GoogleGenAI | undefined {
  return vertexListingClient(config, projectId, config.providers.video.baseUrl, authClient);
}

/**
 * The Vertex AI client Lyria runs on (the music client's project, location and endpoint), for listing
 * its models the way Veo's are listed: Google's publisher models.
 */
export function createMusicListingClient(
  config: ModelConfig,
  projectId: string | undefined,
  authClient?: OAuth2Client,
): GoogleGenAI | undefined {
  return vertexListingClient(config, projectId, config.providers.music.baseUrl, authClient);
}

/**
 * The Gemini API client the video chain's Gemini API entries run on (as wiring builds it, on the
 * Interactions API's version, so a version Google no longer serves answers 404 here too); none
 * without a key.
 */
export function createGeminiApiVideoListingClient(config: ModelConfig, geminiApiKey: string): GoogleGenAI | undefined {
  if (!geminiApiKey) return undefined;
  const { baseUrl, apiVersion } = config.providers.video.geminiApi;
  return new GoogleGenAI({
    apiKey: geminiApiKey,
    httpOptions: { ...(baseUrl ? { baseUrl } : {}), apiVersion: apiVersion ?? INTERACTIONS_API_VERSION },
  });
}

/** The video clients: `video` on Vertex AI (Veo), `geminiApiVideo` on the Gemini API (Omni); `music` on Vertex AI (Lyria). */
export interface VideoListingClients {
  video?: GoogleGenAI;
  geminiApiVideo?: GoogleGenAI;
  music?: GoogleGenAI;
}

/** Cloud Text-to-Speech voices, by name (`en-US-Chirp3-HD-Kore`); `retry: null` asks once. */
async function listGoogleTtsVoices(client: TextToSpeechClient): Promise<ListedModel[]> {
  const [response] = await client.listVoices({}, { retry: null });
  return (response.voices ?? []).flatMap((voice) => (voice.name ? [{ id: voice.name }] : []));
}

export function createModelListers(
  clients: SdkClients & VideoListingClients,
  keySecrets: Record<ProviderName, string>,
): ModelListers {
  const missingKey = (provider: ProviderName) => async (): Promise<ListedModel[]> => {
    throw new KeyMissingError(MODEL_CHECK.keyMissing(keySecrets[provider]));
  };
  const { gemini, openai, video, geminiApiVideo, music, googleTts } = clients;
  const noVertexProject = (what: string) => async (): Promise<ListedModel[]> => {
    throw new KeyMissingError(MODEL_CHECK.noVertexProject(what));
  };
  return {
    google_tts: googleTts ? () => listGoogleTtsVoices(googleTts) : missingKey("google_tts"),
    gemini: gemini ? () => listGoogleModels(gemini) : missingKey("gemini"),
    gemini_api_video: geminiApiVideo ? () => listGoogleModels(geminiApiVideo) : missingKey("gemini"),
    vertex_video: video ? () => listGoogleModels(video) : noVertexProject("video"),
    vertex_music: music ? () => listGoogleModels(music) : noVertexProject("music"),
    openai: openai
      ? async () => {
          const listed: ListedModel[] = [];
          for await (const model of openai.models.list()) {
            listed.push({ id: model.id, ...(model.shutdown_date ? { shutdownDate: model.shutdown_date } : {}) });
          }
          return listed;
        }
      : missingKey("openai"),
  };
}

/** The lister's answer, or a failure when it takes longer than `ms` (a credentials probe that hangs, say). */
async function withinMs<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(MODEL_CHECK.noAnswer(Math.round(ms / 1000)))), ms);
  });
  try {
    return await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks every provider the configuration uses, at once; a failure (thrown, or no answer within
 * `timeoutMs`) is recorded for that provider alone, never thrown.
 */
export async function listAll(
  config: ModelConfig,
  listers: ModelListers,
  timeoutMs = LISTING_TIMEOUT_MS,
): Promise<Map<ListingSource, ProviderListing>> {
  const used = new Set(
    checkedChains(config).flatMap((chain) => chain.entries.map((entry) => sourceOf(chain.name, entry))),
  );
  const answers = await Promise.all(
    [...used].map(async (source): Promise<[ListingSource, ProviderListing]> => {
      try {
        const models = await withinMs(timeoutMs, () => listers[source]());
        return [source, { ok: true, models: new Map(models.map((model) => [model.id, model])) }];
      } catch (error) {
        // No key, or no Google credentials on this machine: not asked, rather than down.
        const keyMissing =
          error instanceof KeyMissingError || /could not load the default credentials/i.test(String(error));
        const provider =
          source === "vertex_video" || source === "gemini_api_video" || source === "vertex_music" ? "gemini" : source;
        const notServed = error instanceof ApiError && error.status === 404;
        return [source, { ok: false, error: describeError(provider, error), keyMissing, notServed }];
      }
    }),
  );
  return new Map(answers);
}

/** The verdict on every entry of every chain, from what the providers answered, at `nowMs`. */
export function judgeModels(
  config: ModelConfig,
  listings: Map<ListingSource, ProviderListing>,
  nowMs: number,
  options: CheckOptions = { warnDays: DEFAULT_WARN_DAYS },
): ModelCheckResult {
  const rows: ModelCheckRow[] = [];
  const problems: string[] = [];
  const notVerified: string[] = [];
  let worst: 0 | 1 | 2 = 0;
  const raise = (code: 1 | 2, problem: string) => {
    worst = Math.max(worst, code) as 0 | 1 | 2;
    problems.push(problem);
  };

  for (const [source, listing] of listings) {
    if (listing.ok) continue;
    if (listing.notServed) raise(1, MODEL_CHECK.notServed(SOURCE_NAMES[source], listing.error));
    else notVerified.push(MODEL_CHECK.notVerified(SOURCE_NAMES[source], listing.error));
  }
  for (const chain of checkedChains(config)) {
    const chainRows = chain.entries.map((entry, index): ModelCheckRow => {
      const listing = listings.get(sourceOf(chain.name, entry));
      const listed = listing?.ok ? listing.models.get(listedId(entry)) : undefined;
      const shutdownDate = earliest(entry.retiresOn, listed?.shutdownDate);
      return {
        chain: chain.name,
        position: index + 1,
        tier: tierAt(index),
        provider: entry.provider,
        model: entry.model,
        availability: !listing?.ok ? (listing?.keyMissing ? "no_key" : "provider_down") : listed ? "listed" : "missing",
        ...(shutdownDate ? { shutdownDate, daysLeft: daysLeft(shutdownDate, nowMs) } : {}),
        ...(listed?.shutdownDate ? { announcedShutdown: listed.shutdownDate } : {}),
        retired: isRetired({ retiresOn: shutdownDate }, nowMs),
        undeclaredShutdown: Boolean(listed?.shutdownDate && listed.shutdownDate !== entry.retiresOn),
      };
    });
    rows.push(...chainRows);
    // A model the provider could not confirm is not counted missing: only "missing" is.
    const live = chainRows.filter((row) => !row.retired && row.availability !== "missing");
    if (live.length === 0) {
      if (chain.padFollows) raise(1, MODEL_CHECK.noLiveMusicModel(chain.name));
      else raise(2, MODEL_CHECK.noLiveModel(chain.name));
      continue;
    }
    // Every entry, not only the first live one: a backup that is gone is found before it is needed.
    for (const row of chainRows) {
      if (row.retired) continue;
      if (row.availability === "missing") {
        const entry = chain.entries[row.position - 1];
        raise(1, MODEL_CHECK.missing(chain.name, row.position, row.model, SOURCE_NAMES[sourceOf(chain.name, entry)]));
      }
      if (row.shutdownDate && row.daysLeft !== undefined && row.daysLeft <= options.warnDays) {
        raise(1, MODEL_CHECK.retiresSoon(chain.name, row.position, row.model, row.shutdownDate, row.daysLeft));
      }
    }
    if (live.length === 1 && !chain.padFollows) raise(1, MODEL_CHECK.oneLiveModel(chain.name, live[0].model));
  }
  for (const row of rows) {
    if (row.undeclaredShutdown && row.shutdownDate && !row.retired) {
      raise(1, MODEL_CHECK.undeclaredShutdown(row.chain, row.model, row.shutdownDate));
    }
  }
  const exitCode: CheckExitCode = worst > 0 ? worst : notVerified.length > 0 ? 3 : 0;
  return { rows, exitCode, problems, notVerified };
}

/** Asks the providers and judges: what `npm run models:check` and deploy:check run. */
export async function checkModels(
  config: ModelConfig,
  listers: ModelListers,
  nowMs: number,
  options?: CheckOptions,
): Promise<ModelCheckResult> {
  return judgeModels(config, await listAll(config, listers), nowMs, options);
}

const AVAILABILITY_TEXT: Record<Availability, string> = {
  listed: "yes",
  missing: "MISSING",
  provider_down: "provider down",
  no_key: "not asked (no credentials)",
};

/** The table operators read: one row per configured model. */
export function formatModelCheck(result: ModelCheckResult): string {
  const header = ["chain", "#", "tier", "provider", "model", "available", "shutdown", "days left"];
  const body = result.rows.map((row) => [
    row.chain,
    String(row.position),
    row.tier,
    row.provider,
    row.model,
    row.retired ? `${AVAILABILITY_TEXT[row.availability]} (retired)` : AVAILABILITY_TEXT[row.availability],
    row.shutdownDate ?? "-",
    row.daysLeft === undefined ? "-" : String(row.daysLeft),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => cells[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [
    line(header),
    ...body.map(line),
    ...result.problems.map((problem) => `! ${problem}`),
    ...result.notVerified.map((line) => `? ${line}`),
  ].join("\n");
}
