/**
 * The daily model check in production: the same verdict as `npm run models:check`, acted on.
 * A configured model its provider no longer lists is cooled down for every instance before any
 * user run meets it; a shutdown date its provider announces is applied by every instance's
 * retirement guard as if the entry carried it; and the operators get one alert a day naming each
 * model and date at stake (every warning, a chain left with one live model, a provider that
 * could not be asked).
 */
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import * as functionsLogger from "firebase-functions/logger";
import { runtimeConfig } from "../config";
import { OPERATOR_ALERTS_PATH } from "../metrics/rollbackGuard";
import { createSdkClients, emulatorGoogleAuth, KEY_SECRETS } from "../providers/cloud/modelAdapters";
import { CooldownStore } from "../models/cooldown";
import type { ModelLogger } from "../models/fallback";
import { DAILY_CHECK } from "../models/messages";
import { loadModelConfig, readCredentials, type ModelConfig } from "../models/modelConfig";
import {
  checkModels,
  createModelListers,
  createGeminiApiVideoListingClient,
  createMusicListingClient,
  createVideoListingClient,
  type ModelCheckResult,
  type ModelListers,
} from "../models/modelsCheck";

/** A missing model stays cooled down until the next daily check has looked again. */
export const MISSING_COOLDOWN_MS = 26 * 60 * 60 * 1000;

export const modelCheckAlertId = (day: string) => `model_check_${day}`;

export interface DailyCheckDeps {
  db: Firestore;
  config: ModelConfig;
  listers: ModelListers;
  nowMs: number;
  logger: ModelLogger;
}

/** Checks, cools down what is missing, alerts the operators when anything needs them. */
export async function runDailyModelCheck(deps: DailyCheckDeps): Promise<ModelCheckResult> {
  const { db, config, listers, nowMs, logger } = deps;
  const result = await checkModels(config, listers, nowMs);
  const day = new Date(nowMs).toISOString().slice(0, 10);
  const missing = new Map(
    result.rows
      .filter((row) => row.availability === "missing" && !row.retired)
      .map((row) => [`${row.provider}/${row.model}`, row]),
  );
  const cooldowns = new CooldownStore(db);
  // The provider's own date stops calls that day even when the configuration never learns it.
  const announced = new Map(
    result.rows
      .filter((row) => row.announcedShutdown)
      .map((row) => [`${row.provider}/${row.model}`, { row, date: row.announcedShutdown as string }]),
  );
  for (const { row, date } of announced.values()) {
    const source = DAILY_CHECK.learnedSource(row.provider);
    await cooldowns.learnShutdown({ provider: row.provider, model: row.model }, { date, source, learnedOn: day });
    logger.warn(DAILY_CHECK.learnedShutdown(row.model, date, source));
  }
  for (const row of missing.values()) {
    await cooldowns.coolDown(
      { provider: row.provider, model: row.model },
      nowMs + MISSING_COOLDOWN_MS,
      "not_found",
      DAILY_CHECK.cooldownReason(row.provider, day),
    );
    logger.warn(DAILY_CHECK.cooledDown(row.model, row.provider));
  }
  if (result.exitCode === 0) {
    logger.info(DAILY_CHECK.allWell(result.rows.length));
    return result;
  }
  const lines = [...result.problems, ...result.notVerified];
  // One alert a day (a retried run of the check rewrites it, never duplicates it).
  await db.doc(`${OPERATOR_ALERTS_PATH}/${modelCheckAlertId(day)}`).set({
    kind: "model_check",
    title: DAILY_CHECK.alertTitle(result.exitCode),
    body: lines.join("\n"),
    day,
    exitCode: result.exitCode,
    models: result.rows
      .filter((row) => row.availability !== "listed" || row.shutdownDate)
      .map((row) => ({
        chain: row.chain,
        provider: row.provider,
        model: row.model,
        availability: row.availability,
        shutdownDate: row.shutdownDate ?? null,
        daysLeft: row.daysLeft ?? null,
      })),
    cooledDown: [...missing.values()].map((row) => row.model),
    learnedShutdowns: [...announced.values()].map(({ row, date }) => ({ model: row.model, date })),
    acknowledged: false,
    createdAt: Timestamp.fromMillis(nowMs),
  });
  logger.error(DAILY_CHECK.alerted(lines.length), { problems: lines });
  return result;
}

/** The scheduled function's body: this deployment's configuration, keys and clock. */
export async function handleDailyModelCheck(db: Firestore): Promise<void> {
  const config = loadModelConfig();
  // Video and music models are listed where they run: Veo and Lyria on Vertex AI in the project the chains run in, Omni on the Gemini API.
  const credentials = readCredentials();
  const video = createVideoListingClient(config, runtimeConfig().projectId);
  const geminiApiVideo = createGeminiApiVideoListingClient(config, credentials.geminiApiKey);
  const music = createMusicListingClient(config, runtimeConfig().projectId);
  const googleAuth = runtimeConfig().isEmulator ? emulatorGoogleAuth() : {};
  const listers = createModelListers(
    { ...createSdkClients(config.providers, credentials, googleAuth), video, geminiApiVideo, music },
    KEY_SECRETS,
  );
  await runDailyModelCheck({ db, config, listers, nowMs: Date.now(), logger: functionsLogger });
}
