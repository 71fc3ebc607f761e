/**
 * Cost of the model fallback machinery, against loopback stand-ins that answer at once
 * (so the numbers are our code, the SDKs and Firestore, not a provider):
 *  1. added latency per call: CloudScriptProvider.write vs the same request as a raw SDK call;
 *  2. a Visual DNA + script pair when the primary model is gone: calls and time, cold
 *     (first run: the 404 is met and the cooldown written) vs warm (cooled down: skipped);
 *  3. the same pair when the primary is past its retiresOn (never called), against a chain that
 *     starts at the backup: the retirement guard's calls and added latency.
 * Run from functions/ with a Firestore emulator:
 *   FIRESTORE_EMULATOR_HOST=127.0.0.1:8080 npx tsx bench/models.bench.ts
 */
import { GoogleGenAI } from "@google/genai";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { ScriptSchema } from "../src/contract/run";
import { createCloudProviders } from "../src/providers/cloud/cloudProviders";
import { CooldownStore } from "../src/models/cooldown";
import { isRetired } from "../src/models/modelConfig";
import { scriptPrompt } from "../src/models/prompts";
import { scriptProblems } from "../src/models/replyChecks";
import { PipelineSettingsSchema } from "../src/pipelineSettings";
import { geminiReplies, startGeminiStandin } from "../src/providers/standins/gemini";
import { openAiReplies, startOpenAiStandin } from "../src/providers/standins/openai";
import {
  clearCooldowns,
  CREDENTIALS,
  GOOD_DNA,
  goodScript,
  INPUT,
  PRODUCT_IMAGE,
  standinConfig,
} from "../test/models/helpers";

const DEFAULT_SETTINGS = PipelineSettingsSchema.parse({});

const CALLS = 200;
const PAIRS = 20;
const CTX = { runId: "bench", faults: {} };
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function timeEach(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return times;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const fmt = (ms: number) => ms.toFixed(2).padStart(8);

async function main() {
  if (!process.env.FIRESTORE_EMULATOR_HOST) throw new Error("set FIRESTORE_EMULATOR_HOST to a Firestore emulator");
  const gemini = await startGeminiStandin();
  const openai = await startOpenAiStandin();
  const app = initializeApp({ projectId: "demo-fairshot-models" }, "models-bench");
  const db = getFirestore(app);
  const config = standinConfig(gemini.baseUrl, openai.baseUrl);
  const [primary, backup] = config.text;
  const providers = createCloudProviders(config, { db, logger: silent, credentials: CREDENTIALS });
  const request = scriptPrompt(INPUT, GOOD_DNA, DEFAULT_SETTINGS);
  await clearCooldowns(db);

  // 1. Added latency per call, primary answering at once.
  gemini.reply(primary.model, geminiReplies.json(goodScript()));
  const raw = new GoogleGenAI({ apiKey: CREDENTIALS.geminiApiKey, httpOptions: { baseUrl: gemini.baseUrl } });
  const rawCall = async () => {
    const response = await raw.models.generateContent({
      model: primary.model,
      contents: [{ role: "user", parts: [{ text: request.user }] }],
      config: { systemInstruction: request.system, responseMimeType: "application/json" },
    });
    return JSON.parse(response.text ?? "");
  };
  const ours = () => providers.script.write({ input: INPUT, dna: GOOD_DNA }, CTX);
  const cooldowns = new CooldownStore(db);
  const validate = () => scriptProblems(ScriptSchema.parse(goodScript()), INPUT, DEFAULT_SETTINGS);
  await timeEach(20, rawCall); // warm-up: connections, JIT
  await timeEach(20, ours);
  const rawTimes = await timeEach(CALLS, rawCall);
  const ourTimes = await timeEach(CALLS, ours);
  const cooldownReads = await timeEach(CALLS, () => cooldowns.states(config.text));
  const validations = await timeEach(CALLS, async () => validate());

  console.log(`\nPer call, ${CALLS} calls each, stand-in answering at once (ms)`);
  console.log("                                          p50       p95");
  const row = (label: string, times: number[]) =>
    console.log(`${label.padEnd(36)}${fmt(percentile(times, 50))}  ${fmt(percentile(times, 95))}`);
  row("raw SDK generateContent + JSON.parse", rawTimes);
  row("CloudScriptProvider.write", ourTimes);
  row("  of which: cooldown read (getAll x3)", cooldownReads);
  row("  of which: zod + quality check", validations);
  console.log(
    `added by the fallback machinery (p50): ${(percentile(ourTimes, 50) - percentile(rawTimes, 50)).toFixed(2)} ms`,
  );

  // 2. Visual DNA + script with the primary gone.
  const pair = async () => {
    const dna = await providers.visualDna.extract({ image: PRODUCT_IMAGE, mimeType: "image/png", input: INPUT }, CTX);
    const script = await providers.script.write({ input: INPUT, dna: dna.value }, CTX);
    if (dna.model !== backup.model || script.model !== backup.model) throw new Error("expected the backup to serve");
  };
  const scriptReply = openAiReplies.json(goodScript());
  const measurePair = async (cold: boolean) => {
    const times: number[] = [];
    let primaryCalls = 0;
    let backupCalls = 0;
    for (let i = 0; i < PAIRS; i++) {
      if (cold) await clearCooldowns(db);
      gemini.reset();
      openai.reset();
      openai.reply(backup.model, openAiReplies.json(GOOD_DNA), scriptReply);
      times.push((await timeEach(1, pair))[0]);
      primaryCalls += gemini.calls(primary.model);
      backupCalls += openai.calls(backup.model);
    }
    return { times, primaryCalls: primaryCalls / PAIRS, backupCalls: backupCalls / PAIRS };
  };
  const cold = await measurePair(true);
  const warm = await measurePair(false);
  // 3. The primary past its retiresOn, and the same chain without it (the backup first).
  const retiredConfig = standinConfig(gemini.baseUrl, openai.baseUrl, {
    text: [{ ...primary, retiresOn: "2026-11-01" }, ...config.text.slice(1)],
  });
  const withoutPrimary = standinConfig(gemini.baseUrl, openai.baseUrl, { text: config.text.slice(1) });
  // Interleaved pair by pair, so a busy machine slows both alike.
  const providersOf = (chainConfig: typeof config) =>
    createCloudProviders(chainConfig, { db, logger: silent, credentials: CREDENTIALS });
  const onePair = async (chainProviders: ReturnType<typeof providersOf>) => {
    gemini.reset();
    openai.reset();
    openai.reply(backup.model, openAiReplies.json(GOOD_DNA), scriptReply);
    const start = performance.now();
    const dna = await chainProviders.visualDna.extract(
      { image: PRODUCT_IMAGE, mimeType: "image/png", input: INPUT },
      CTX,
    );
    await chainProviders.script.write({ input: INPUT, dna: dna.value }, CTX);
    return {
      ms: performance.now() - start,
      primaryCalls: gemini.calls(primary.model),
      backupCalls: openai.calls(backup.model),
    };
  };
  const retiredProviders = providersOf(retiredConfig);
  const baselineProviders = providersOf(withoutPrimary);
  await clearCooldowns(db);
  for (let i = 0; i < 5; i++) {
    await onePair(baselineProviders);
    await onePair(retiredProviders);
  }
  const sums = {
    retired: { times: [] as number[], primaryCalls: 0, backupCalls: 0 },
    baseline: { times: [] as number[], primaryCalls: 0, backupCalls: 0 },
  };
  for (let i = 0; i < PAIRS * 3; i++) {
    for (const [key, chainProviders] of [
      ["baseline", baselineProviders],
      ["retired", retiredProviders],
    ] as const) {
      const result = await onePair(chainProviders);
      sums[key].times.push(result.ms);
      sums[key].primaryCalls += result.primaryCalls;
      sums[key].backupCalls += result.backupCalls;
    }
  }
  const perPair = (sum: (typeof sums)["retired"]) => ({
    times: sum.times,
    primaryCalls: sum.primaryCalls / sum.times.length,
    backupCalls: sum.backupCalls / sum.times.length,
  });
  const [retired, baseline] = [perPair(sums.retired), perPair(sums.baseline)];
  // The guard's own work: deciding retirement for a 3-model chain.
  const guardRuns = 100_000;
  const guardStart = performance.now();
  for (let i = 0; i < guardRuns; i++) retiredConfig.text.filter((entry) => isRetired(entry, Date.now()));
  const guardUs = ((performance.now() - guardStart) / guardRuns) * 1000;

  console.log(
    `\nVisual DNA + script with the primary gone (404), ${PAIRS} pairs each (retired / no primary: ${PAIRS * 3}, interleaved)`,
  );
  console.log("          calls to primary  calls to backup   p50 ms    p95 ms");
  for (const [label, result] of [
    ["cold", cold],
    ["warm", warm],
    ["retired", retired],
    ["no primary", baseline],
  ] as const) {
    console.log(
      `${label.padEnd(10)}${String(result.primaryCalls).padStart(16)}${String(result.backupCalls).padStart(17)}  ${fmt(
        percentile(result.times, 50),
      )}  ${fmt(percentile(result.times, 95))}`,
    );
  }

  console.log(
    `retired primary vs a chain without it (p50): ${(percentile(retired.times, 50) - percentile(baseline.times, 50)).toFixed(2)} ms added; ` +
      `not found cold vs without it: ${(percentile(cold.times, 50) - percentile(baseline.times, 50)).toFixed(2)} ms added`,
  );
  console.log(`the retirement guard itself: ${guardUs.toFixed(3)} µs per chain decision`);

  await clearCooldowns(db);
  await Promise.all([gemini.close(), openai.close(), deleteApp(app)]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
