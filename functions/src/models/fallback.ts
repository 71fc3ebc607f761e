import { performance } from "node:perf_hooks";
import type { z } from "zod";
import type { Attempt, ErrorClass, ModelTier, Stage } from "../contract/run";
import { PipelineFailure } from "../contract/failure";
import type { Served, ProviderName } from "../contract/providers";
import type { JsonRequest, ModelAdapter } from "./modelAdapter";
import { callCostUsd, type Metered } from "./cost";
import { cooldownDocId, type CooldownState, type CooldownStore, type ModelRef } from "./cooldown";
import { classifyError, decideAfterFailure, describeError, ERROR_RULES, ModelCallError, retryAfterMs } from "./errors";
import { ATTEMPT_NOTES, LOG, summarizeAttempts, userMessageForFailure } from "./messages";
import { isRetired, type ModelConfig, type ModelEntry } from "./modelConfig";

export interface ModelLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The shared cooldowns as every chain sees them; `now` is their clock (injectable for tests). */
export interface CooldownRuntime {
  cooldowns: CooldownStore;
  policy: Pick<ModelConfig, "cooldown">;
  logger: ModelLogger;
  now: () => number;
}

/** What the fallback machinery of the text and voice chains needs. */
export interface FallbackRuntime extends CooldownRuntime {
  adapters: Record<ProviderName, ModelAdapter>;
  policy: Pick<ModelConfig, "retry" | "cooldown" | "prices">;
  sleep: (ms: number) => Promise<void>;
}

export function tierAt(index: number): ModelTier {
  return index === 0 ? "primary" : index === 1 ? "backup" : "fallback";
}

interface ServeArgs<T, E extends ModelEntry> {
  stage: Stage;
  chain: readonly E[];
  runtime: FallbackRuntime;
  /** For the logs. */
  runId?: string;
  /**
   * One call of one model, with what it used; throws whatever the SDK throws, or ModelCallError
   * for an unusable reply.
   */
  invoke: (entry: E, adapter: ModelAdapter) => Promise<Metered<T>>;
  /**
   * What to throw when no model delivered, for a chain whose exhaustion does not fail the run (music:
   * the local pad follows). Default: PipelineFailure.
   */
  exhausted?: (summary: string, attempts: Attempt[]) => Error;
}

/** The cooldowns of a chain's models; an unreadable store cools nothing down (the calls decide). */
export async function readCooldowns(runtime: CooldownRuntime, chain: readonly ModelRef[]) {
  try {
    return await runtime.cooldowns.states([...chain]);
  } catch (error) {
    runtime.logger.warn(LOG.cooldownUnavailable(String(error)));
    return new Map<string, CooldownState>();
  }
}

/**
 * Why a model gets no call now, as its attempt: past its `retiresOn`, or cooled down for every
 * instance. Null when it may be called.
 */
export function skippedAttempt(
  entry: { model: string; retiresOn?: string },
  tier: ModelTier,
  cooldown: CooldownState | undefined,
  nowMs: number,
): Attempt | null {
  const { model } = entry;
  if (isRetired(entry, nowMs)) {
    return { model, tier, errorClass: "retired", error: ATTEMPT_NOTES.retired(entry.retiresOn ?? ""), durationMs: 0 };
  }
  // A date the provider announced, learned by the daily check: a stale configuration still stops that day.
  const learned = cooldown?.learnedShutdown;
  if (learned && isRetired({ retiresOn: learned.date }, nowMs)) {
    return {
      model,
      tier,
      errorClass: "retired",
      error: ATTEMPT_NOTES.retired(learned.date, learned.source),
      durationMs: 0,
    };
  }
  if (cooldown && cooldown.untilMs > nowMs) {
    const until = new Date(cooldown.untilMs).toISOString();
    return { model, tier, errorClass: cooldown.errorClass, error: ATTEMPT_NOTES.coolingDown(until), durationMs: 0 };
  }
  return null;
}

/**
 * Cooldown bookkeeping after a model gave up; never masks the call's own outcome. `streaks: false`
 * cools a model down only when it is gone (not found), never for a run of failures.
 */
export async function recordModelFailure(
  runtime: CooldownRuntime,
  entry: ModelRef,
  errorClass: ErrorClass,
  error: string,
  { streaks }: { streaks: boolean } = { streaks: true },
): Promise<void> {
  const { cooldown } = runtime.policy;
  const rule = ERROR_RULES[errorClass];
  try {
    if (rule.coolDownNow) {
      const untilMs = runtime.now() + cooldown.notFoundMs;
      await runtime.cooldowns.coolDown(entry, untilMs, errorClass, error);
      runtime.logger.warn(LOG.cooledDown(entry.model, new Date(untilMs).toISOString(), errorClass));
    } else if (streaks && rule.countsTowardStreak) {
      const untilMs = runtime.now() + cooldown.failureMs;
      const cooled = await runtime.cooldowns.recordFailure(entry, errorClass, error, cooldown.failureStreak, untilMs);
      if (cooled) runtime.logger.warn(LOG.cooledDown(entry.model, new Date(untilMs).toISOString(), errorClass));
    }
  } catch (storeError) {
    runtime.logger.warn(LOG.cooldownUnavailable(String(storeError)));
  }
}

/**
 * Tries the chain in order under the rules of errors.ts and returns the first
 * usable output with every attempt recorded. When no model delivers, throws
 * PipelineFailure: there is no default output.
 */
export async function serveWithFallback<T, E extends ModelEntry>(args: ServeArgs<T, E>): Promise<Served<T>> {
  const { stage, chain, runtime, invoke, runId } = args;
  const attempts: Attempt[] = [];
  const states = await readCooldowns(
    runtime,
    chain.filter((entry) => !isRetired(entry, runtime.now())),
  );
  const rejectedProviders = new Set<ProviderName>();

  for (const [index, entry] of chain.entries()) {
    const tier = tierAt(index);
    const { model } = entry;
    const state = states.get(cooldownDocId(entry));
    const skipped = skippedAttempt(entry, tier, state, runtime.now());
    if (skipped) {
      attempts.push(skipped);
      continue;
    }
    if (rejectedProviders.has(entry.provider)) {
      attempts.push({
        model,
        tier,
        errorClass: "auth_config",
        error: ATTEMPT_NOTES.providerSkipped(entry.provider),
        durationMs: 0,
      });
      continue;
    }

    const modelStart = performance.now();
    for (let retries = 0; ; retries++) {
      const callStart = performance.now();
      try {
        const { value, usage } = await invoke(entry, runtime.adapters[entry.provider]);
        const costUsd = usage ? callCostUsd(runtime.policy.prices, entry, usage, runtime.now()) : undefined;
        attempts.push({
          model,
          tier,
          errorClass: null,
          durationMs: Math.round(performance.now() - callStart),
          ...(costUsd !== undefined ? { costUsd } : {}),
        });
        if (state?.failureStreak) {
          await runtime.cooldowns
            .clearStreak(entry)
            .catch((e) => runtime.logger.warn(LOG.cooldownUnavailable(String(e))));
        }
        runtime.logger.info(LOG.served(stage, model, tier, attempts.length), { runId, stage, model, tier, attempts });
        return { value, model, tier, attempts };
      } catch (thrown) {
        const errorClass = classifyError(entry.provider, thrown);
        const error = describeError(entry.provider, thrown);
        attempts.push({ model, tier, errorClass, error, durationMs: Math.round(performance.now() - callStart) });
        runtime.logger.warn(LOG.attemptFailed(stage, model, errorClass, error), {
          runId,
          stage,
          model,
          tier,
          errorClass,
        });
        const decision = decideAfterFailure(
          errorClass,
          retries,
          performance.now() - modelStart,
          runtime.policy.retry,
          retryAfterMs(entry.provider, thrown),
        );
        if (decision.action === "retry") {
          runtime.logger.info(LOG.retrying(stage, model, errorClass, decision.delayMs));
          await runtime.sleep(decision.delayMs);
          continue;
        }
        if (decision.action === "next_provider") {
          runtime.logger.error(LOG.authConfig(stage, entry.provider, model, error), {
            runId,
            stage,
            provider: entry.provider,
          });
          rejectedProviders.add(entry.provider);
        }
        await recordModelFailure(runtime, entry, errorClass, error);
        break;
      }
    }
  }

  const summary = summarizeAttempts(attempts);
  runtime.logger.error(LOG.allFailed(stage, summary), { runId, stage, attempts });
  if (args.exhausted) throw args.exhausted(summary, attempts);
  throw new PipelineFailure({ stage, reason: summary, userMessage: userMessageForFailure(stage, attempts) });
}

/** Models sometimes fence JSON in markdown even in JSON mode. */
function unfence(text: string): string {
  const match = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(text);
  return match ? match[1] : text;
}

/** JSON → schema → quality check; any failure is invalid_output, which is the next model's turn. */
export function parseReply<T>(text: string, schema: z.ZodType<T>, qualityCheck: (value: T) => string[]): T {
  let json: unknown;
  try {
    json = JSON.parse(unfence(text));
  } catch {
    throw new ModelCallError("invalid_output", `the reply is not JSON: ${text.slice(0, 80)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 4)
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new ModelCallError("invalid_output", `the reply does not match the schema: ${issues.join("; ")}`);
  }
  const problems = qualityCheck(parsed.data);
  if (problems.length) throw new ModelCallError("invalid_output", `quality check failed: ${problems.join("; ")}`);
  return parsed.data;
}

export interface JsonFallbackArgs<T> {
  stage: Stage;
  chain: readonly ModelEntry[];
  request: JsonRequest;
  schema: z.ZodType<T>;
  qualityCheck: (value: T) => string[];
  timeoutMs: number;
  runtime: FallbackRuntime;
  runId?: string;
}

export function generateJsonWithFallback<T>(args: JsonFallbackArgs<T>): Promise<Served<T>> {
  const { request, schema, qualityCheck, timeoutMs } = args;
  return serveWithFallback({
    ...args,
    invoke: async (entry, adapter) => {
      const reply = await adapter.generateJson(entry.model, request, timeoutMs);
      return { value: parseReply(reply.value, schema, qualityCheck), usage: reply.usage };
    },
  });
}
