import type { Firestore } from "firebase-admin/firestore";
import * as functionsLogger from "firebase-functions/logger";
import { ScriptSchema, VisualDnaSchema, type RunInput, type Script, type VisualDna } from "../../contract/run";
import { loadPipelineSettings } from "../../pipelineSettings";
import type {
  CallContext,
  ScriptProvider,
  Served,
  Speech,
  VisualDnaProvider,
  VoiceProvider,
} from "../../contract/providers";
import { createAdapters, createSdkClients, type GoogleAuthOption } from "./modelAdapters";
import type { AuthClient } from "google-auth-library";
import { CooldownStore } from "../../models/cooldown";
import { CloudMusicProvider, LyriaClient } from "../../models/music";
import { ModelCallError } from "../../models/errors";
import {
  generateJsonWithFallback,
  serveWithFallback,
  type FallbackRuntime,
  type ModelLogger,
} from "../../models/fallback";
import {
  readCredentials,
  type ModelConfig,
  type ModelEntry,
  type ProviderCredentials,
  type VoiceEntry,
} from "../../models/modelConfig";
import { scriptPrompt, visualDnaPrompt } from "../../models/prompts";
import { inspectSpeech, scriptProblems, visualDnaProblems, type ScriptLengthSettings } from "../../models/replyChecks";

export class CloudVisualDnaProvider implements VisualDnaProvider {
  constructor(
    /** Vision models only: the image is the input. */
    private readonly chain: ModelEntry[],
    private readonly timeoutMs: number,
    private readonly runtime: FallbackRuntime,
  ) {}

  extract(req: { image: Buffer; mimeType: string; input: RunInput }, ctx: CallContext): Promise<Served<VisualDna>> {
    return generateJsonWithFallback({
      stage: "visual_dna",
      chain: this.chain,
      request: { ...visualDnaPrompt(req.input), image: { data: req.image, mimeType: req.mimeType } },
      schema: VisualDnaSchema,
      qualityCheck: visualDnaProblems,
      timeoutMs: this.timeoutMs,
      runtime: this.runtime,
      runId: ctx.runId,
    });
  }
}

export class CloudScriptProvider implements ScriptProvider {
  constructor(
    private readonly chain: ModelEntry[],
    private readonly timeoutMs: number,
    private readonly runtime: FallbackRuntime,
    /** The run's length and the voice's pace: the script is asked for and checked against them. */
    private readonly settings: () => Promise<ScriptLengthSettings>,
  ) {}

  async write(req: { input: RunInput; dna: VisualDna }, ctx: CallContext): Promise<Served<Script>> {
    const settings = await this.settings();
    return generateJsonWithFallback({
      stage: "script",
      chain: this.chain,
      request: scriptPrompt(req.input, req.dna, settings),
      schema: ScriptSchema,
      qualityCheck: (script) => scriptProblems(script, req.input, settings),
      timeoutMs: this.timeoutMs,
      runtime: this.runtime,
      runId: ctx.runId,
    });
  }
}

export class CloudVoiceProvider implements VoiceProvider {
  constructor(
    private readonly chain: VoiceEntry[],
    private readonly timeoutMs: number,
    private readonly runtime: FallbackRuntime,
  ) {}

  speak(req: { text: string; input: RunInput }, ctx: CallContext): Promise<Served<Speech>> {
    return serveWithFallback({
      stage: "voice",
      chain: this.chain,
      runtime: this.runtime,
      runId: ctx.runId,
      invoke: async (entry, adapter) => {
        const audio = await adapter.speak(entry.model, entry.voice, req.text, this.timeoutMs);
        const { speech, problems } = inspectSpeech(audio.value, req.text);
        if (!speech) throw new ModelCallError("invalid_output", `unusable audio: ${problems.join("; ")}`);
        return { value: speech, usage: audio.usage };
      },
    });
  }
}

export interface CloudProviderDeps {
  /** Holds the shared cooldowns (modelCooldowns/*). */
  db: Firestore;
  logger?: ModelLogger;
  /** Read from the OPENAI_API_KEY / GEMINI_API_KEY secrets when absent. */
  credentials?: ProviderCredentials;
  /** Cloud Text-to-Speech's credentials; the service account's (Application Default Credentials) when absent. */
  googleAuth?: GoogleAuthOption;
  /** Clock of the cooldowns, epoch ms. */
  now?: () => number;
  /**
   * The Google Cloud project music models run in when VERTEX_PROJECT is not set (the functions' own), and
   * credentials other than the service account's (the emulators' fixed token).
   */
  vertex?: { project: string; authClient?: AuthClient };
}

export interface CloudProviders {
  visualDna: CloudVisualDnaProvider;
  script: CloudScriptProvider;
  voice: CloudVoiceProvider;
  /** Absent when the configuration names no music model: the local pad serves every run. */
  music?: CloudMusicProvider;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createCloudProviders(config: ModelConfig, deps: CloudProviderDeps): CloudProviders {
  const runtime: FallbackRuntime = {
    adapters: createAdapters(
      createSdkClients(config.providers, deps.credentials ?? readCredentials(), deps.googleAuth),
    ),
    cooldowns: new CooldownStore(deps.db),
    policy: { retry: config.retry, cooldown: config.cooldown, prices: config.prices },
    logger: deps.logger ?? functionsLogger,
    now: deps.now ?? Date.now,
    sleep: realSleep,
  };
  return {
    visualDna: new CloudVisualDnaProvider(
      config.text.filter((entry) => entry.vision),
      config.timeouts.textMs,
      runtime,
    ),
    script: new CloudScriptProvider(config.text, config.timeouts.textMs, runtime, () => loadPipelineSettings(deps.db)),
    voice: new CloudVoiceProvider(config.voice, config.timeouts.voiceMs, runtime),
    ...(config.music.length > 0 && {
      music: new CloudMusicProvider(
        config.music,
        new LyriaClient({
          project: config.providers.gemini.vertexProject ?? deps.vertex?.project ?? "",
          location: config.providers.gemini.vertexLocation ?? "us-central1",
          baseUrl: config.providers.music.baseUrl,
          ...(deps.vertex?.authClient ? { authClient: deps.vertex.authClient } : {}),
        }),
        config.timeouts.musicMs,
        runtime,
      ),
    }),
  };
}
